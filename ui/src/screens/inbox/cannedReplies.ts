// Saved replies in the composer: finding the `/query` being typed, ordering the replies that match
// it, and putting the chosen one in its place. Pure, so the key handling in the composer stays thin.

import type { RenderedCannedReply } from "../../bindings/RenderedCannedReply";

/** A `/query` being typed: `start` is the slash, `end` the caret. */
export type SlashQuery = { start: number; end: number; query: string };

/**
 * The `/word` that ends at the caret, when the slash starts the text or follows whitespace
 * ("see /thx" yes; "and/or", "https://x" no).
 */
export function slashQueryAt(text: string, caret: number): SlashQuery | null {
  const before = text.slice(0, caret);
  const match = /(?:^|\s)\/([^\s/]*)$/.exec(before);
  if (!match) return null;
  const start = caret - match[1].length - 1;
  return { start, end: caret, query: match[1] };
}

/** Shortcuts starting with the query first (by shortcut), then those whose shortcut or text contains it. */
export function filterCanned(replies: readonly RenderedCannedReply[], query: string): RenderedCannedReply[] {
  const q = query.trim().toLowerCase();
  const byShortcut = (a: RenderedCannedReply, b: RenderedCannedReply) => a.reply.shortcut.localeCompare(b.reply.shortcut);
  if (q.length === 0) return [...replies].sort(byShortcut);
  const prefix = replies.filter((r) => r.reply.shortcut.toLowerCase().startsWith(q)).sort(byShortcut);
  const contains = replies
    .filter((r) => !prefix.includes(r))
    .filter((r) => r.reply.shortcut.toLowerCase().includes(q) || r.text.toLowerCase().includes(q));
  return [...prefix, ...contains];
}

/** `text` with `start..end` replaced by `insert`; `caret` goes right after the inserted text. */
export function replaceRange(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}

/** "{{first_name}}" or "{{first_name}} and {{city}}": the variables a contact has no value for. */
export function missingText(missing: readonly string[]): string {
  const names = missing.map((name) => `{{${name}}}`);
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
