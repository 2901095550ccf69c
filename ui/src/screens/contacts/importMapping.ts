// The import panel's column mapping: the choices per column, a custom field's name, and the check
// that runs before the core is asked (exactly one phone column, named fields). The core checks
// again and has the last word.

import type { ColumnTarget } from "../../bindings/ColumnTarget";

export type TargetKind = ColumnTarget["to"];

export const TARGET_CHOICES: readonly { value: TargetKind; label: string }[] = [
  { value: "ignore", label: "Ignore" },
  { value: "phone", label: "Phone" },
  { value: "name", label: "Name" },
  { value: "first_name", label: "First name" },
  { value: "field", label: "Custom field" },
  { value: "tags", label: "Tags" },
  { value: "opt_out", label: "Opt-out" },
];

/** A custom field's name from a column header: "Customer No." → "customer_no". */
export function fieldNameFor(header: string): string {
  const name = header
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return name.length === 0 ? "field" : /^\d/.test(name) ? `field_${name}` : name;
}

/** The target for a choice in a column's select; a custom field keeps the name it had. */
export function targetFor(kind: TargetKind, header: string, previous: ColumnTarget): ColumnTarget {
  if (kind === "field") return { to: "field", name: previous.to === "field" ? previous.name : fieldNameFor(header) };
  return { to: kind } as ColumnTarget;
}

const FIELD_NAME = /^[a-z][a-z0-9_]*$/;
/** Contact attributes with their own column choice; a custom field may not take their names. */
const RESERVED = new Set(["phone", "name", "first_name", "tags", "opt_out"]);

/** What stops this mapping from being imported, in words for the person; null when nothing. */
export function mappingProblem(mapping: readonly ColumnTarget[]): string | null {
  const phones = mapping.filter((t) => t.to === "phone").length;
  if (phones === 0) return "Choose the column that holds the phone numbers (set it to Phone).";
  if (phones > 1) return "Only one column can be the phone number: set the others to Ignore or a custom field.";
  const names = mapping.flatMap((t) => (t.to === "field" ? [t.name.trim()] : []));
  const bad = names.find((n) => !FIELD_NAME.test(n));
  if (bad !== undefined) {
    return bad.length === 0
      ? "Give every custom field a name."
      : `"${bad}" cannot be a field name: use lower-case letters, digits and _, starting with a letter.`;
  }
  const reserved = names.find((n) => RESERVED.has(n));
  if (reserved) return `"${reserved}" is a column choice of its own: pick it from the list instead of a custom field.`;
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) return `Two columns go to the field "${twice}": give them different names.`;
  return null;
}

/** "vip, spring ,vip" → ["vip", "spring"]: comma- or line-separated, trimmed, once each. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const item = part.trim();
    if (item.length > 0 && !out.includes(item)) out.push(item);
  }
  return out;
}

export function encodingLabel(encoding: string): string {
  if (encoding === "utf-8") return "UTF-8";
  if (encoding === "utf-8-bom") return "UTF-8 with BOM";
  if (encoding === "latin-1") return "Latin-1";
  return encoding;
}

export function delimiterLabel(delimiter: string): string {
  if (delimiter === ",") return "commas";
  if (delimiter === ";") return "semicolons";
  if (delimiter === "\t") return "tabs";
  return `"${delimiter}"`;
}
