// Splitting a template body into text and numbered placeholders, for previews, and the checks a
// send runs before asking the core (which checks again and has the last word).

import type { TemplateView } from "../bindings/TemplateView";

export type Segment = { kind: "text"; text: string } | { kind: "placeholder"; number: number };

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;

/** "Hello {{1}}, see you {{2}}" → text, placeholder 1, text, placeholder 2. */
export function segments(body: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of body.matchAll(PLACEHOLDER)) {
    const at = match.index ?? 0;
    if (at > last) out.push({ kind: "text", text: body.slice(last, at) });
    out.push({ kind: "placeholder", number: Number(match[1]) });
    last = at + match[0].length;
  }
  if (last < body.length) out.push({ kind: "text", text: body.slice(last) });
  return out;
}

/** The first non-empty line, for lists. */
export function firstLine(body: string): string {
  return body.split(/\r?\n/).find((line) => line.trim().length > 0)?.trim() ?? "";
}

/** Case-insensitive match on the body, the id and the category. */
export function matchesSearch(template: TemplateView, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q.length === 0) return true;
  return [template.body, template.id, template.category].some((part) => part.toLowerCase().includes(q));
}

export const MAIN_CATEGORIES = ["MARKETING", "UTILITY", "OTP"] as const;

/** The main categories, then any other category the list has, alphabetically. */
export function categoriesOf(templates: readonly TemplateView[]): string[] {
  const others = new Set<string>();
  for (const t of templates) {
    if (!(MAIN_CATEGORIES as readonly string[]).includes(t.category)) others.add(t.category);
  }
  return [...MAIN_CATEGORIES, ...[...others].sort()];
}

export function variablesLabel(count: number): string {
  if (count === 0) return "No variables";
  return count === 1 ? "1 variable" : `${count} variables`;
}

// --- send checks ---------------------------------------------------------------------------

/** What the core removes from a number before checking it: `+`, spaces, dashes, brackets. */
export function normaliseNumber(raw: string): string {
  return raw.replace(/[+\s\-()[\]]/g, "");
}

export function checkNumber(raw: string): string | undefined {
  const digits = normaliseNumber(raw);
  if (digits.length === 0) return "Enter the customer's number.";
  if (!/^\d+$/.test(digits)) return "Use digits only, with the country code first (for example 421233221242).";
  if (digits.length < 8 || digits.length > 15) {
    return `A phone number has 8 to 15 digits with its country code; this one has ${digits.length}.`;
  }
  return undefined;
}

export function checkText(text: string): string | undefined {
  return text.trim().length === 0 ? "Write the message." : undefined;
}

export function checkValue(number: number, value: string): string | undefined {
  if (value.trim().length === 0) return `Fill in {{${number}}}.`;
  if (/[\r\n]/.test(value)) return `{{${number}}} must be on one line: remove the line break.`;
  return undefined;
}
