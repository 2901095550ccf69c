// The contact edit panel's draft: what the person typed, the ContactEdit that sends only what
// changed, and where the core's field errors belong.

import type { ContactEdit } from "../../bindings/ContactEdit";
import type { ContactView } from "../../bindings/ContactView";
import type { OptOutSource } from "../../bindings/OptOutSource";
import { splitList } from "./importMapping";

export type ContactDraft = {
  phone: string;
  name: string;
  first_name: string;
  /** Custom fields by name; an empty value removes the field on save. */
  fields: Record<string, string>;
  /** Comma-separated, as typed. */
  tags: string;
  opted_out: boolean;
};

export function draftOf(contact: ContactView): ContactDraft {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(contact.fields)) fields[k] = v ?? "";
  return {
    phone: contact.phone,
    name: contact.name ?? "",
    first_name: contact.first_name ?? "",
    fields,
    tags: contact.tags.join(", "),
    opted_out: contact.opted_out_at !== null,
  };
}

/** Only the parts that differ from `contact`; an empty edit means nothing changed. */
export function editOf(contact: ContactView, draft: ContactDraft): ContactEdit {
  const edit: ContactEdit = {};
  const phone = draft.phone.trim();
  if (phone !== contact.phone) edit.phone = phone;
  if (draft.name.trim() !== (contact.name ?? "")) edit.name = draft.name.trim();
  if (draft.first_name.trim() !== (contact.first_name ?? "")) edit.first_name = draft.first_name.trim();
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(draft.fields)) fields[k] = v.trim();
  const names = new Set([...Object.keys(fields), ...Object.keys(contact.fields)]);
  if ([...names].some((k) => (fields[k] ?? "") !== (contact.fields[k] ?? ""))) edit.fields = fields;
  const tags = splitList(draft.tags).sort();
  if (tags.join("\n") !== [...contact.tags].sort().join("\n")) edit.tags = tags;
  if (draft.opted_out !== (contact.opted_out_at !== null)) edit.opted_out = draft.opted_out;
  return edit;
}

/**
 * The draft key a core field error is about: "phone", "name", "first_name", "tags", "opted_out",
 * or "field-<name>" for a custom field (`fields.<name>`); null when it is about no one input.
 */
export function errorKey(field: string): string | null {
  if (["phone", "name", "first_name", "tags", "opted_out"].includes(field)) return field;
  const custom = /^fields?\.(.+)$/.exec(field);
  return custom ? `field-${custom[1]}` : null;
}

const SOURCES: Record<OptOutSource, string> = {
  manual: "by hand",
  import: "by an import",
  reply: "by replying with an opt-out keyword",
};

export function optOutSourceLabel(source: OptOutSource | null): string {
  return source ? SOURCES[source] : "";
}
