// Words for campaigns, dry-run problems and previews, and the small rules the wizard applies
// before asking the core (a placeholder needs a source; progress and ETA from the funnel).

import type { CampaignState } from "../../bindings/CampaignState";
import type { FieldCondition } from "../../bindings/FieldCondition";
import type { Funnel } from "../../bindings/Funnel";
import type { ProblemKind } from "../../bindings/ProblemKind";
import type { SampleReason } from "../../bindings/SampleReason";
import type { Severity } from "../../bindings/Severity";
import type { VariableMapping } from "../../bindings/VariableMapping";
import type { VariableSource } from "../../bindings/VariableSource";

import type { Tone } from "../../lib/messageStatus";

export type { Tone };

export const STATE_LOOKS: Record<CampaignState, { label: string; icon: string; tone: Tone }> = {
  draft: { label: "Draft", icon: "✎", tone: "neutral" },
  scheduled: { label: "Scheduled", icon: "◷", tone: "progress" },
  running: { label: "Running", icon: "➤", tone: "progress" },
  paused: { label: "Paused", icon: "❚❚", tone: "warn" },
  cancelled: { label: "Cancelled", icon: "⊘", tone: "bad" },
  done: { label: "Done", icon: "✓", tone: "ok" },
};

export const PROBLEM_LABELS: Record<ProblemKind, string> = {
  empty_value: "Empty value",
  line_break: "Line break in a value",
  control_character: "Invisible control character in a value",
  value_too_long: "Value too long",
  message_too_long: "Message too long",
  invalid_number: "Invalid number",
  duplicate: "Duplicate number",
  opted_out: "Opted out",
  template_missing: "Template missing from the last sync",
  unmapped: "Placeholder without a source",
  fallback_used: "Fallback used",
};

/** Problems a change of the mapping can fix (step 2), not only an edit of the contact. */
export const MAPPING_PROBLEMS: ReadonlySet<ProblemKind> = new Set<ProblemKind>(["unmapped", "empty_value", "fallback_used"]);

export const SEVERITY_LOOKS: Record<Severity, { label: string; icon: string; order: number }> = {
  error: { label: "Blocks the send", icon: "✕", order: 0 },
  skipped: { label: "Left out", icon: "⊘", order: 1 },
  warning: { label: "Warning", icon: "⚠", order: 2 },
};

export const SAMPLE_REASONS: Record<SampleReason, string> = {
  longest: "Longest message",
  fallback_used: "Fallback used",
  missing_value: "Missing value",
  non_latin: "Non-Latin text",
  typical: "Typical message",
};

/** Recipients the sender is finished with (whatever the outcome). */
export function doneOf(funnel: Funnel): number {
  return Math.max(0, funnel.total - funnel.queued - funnel.sending);
}

/** "about 4 min", "about 1 h 5 min", "less than a minute"; null when unknown. */
export function formatDuration(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return seconds < 1 ? "a moment" : `about ${Math.ceil(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `about ${hours} h` : `about ${hours} h ${rest} min`;
}

// --- mapping -------------------------------------------------------------------------------

export type SourceKind = VariableSource["from"];

export const SOURCE_CHOICES: readonly { value: SourceKind; label: string }[] = [
  { value: "field", label: "Contact field" },
  { value: "constant", label: "Text" },
  { value: "field_or", label: "Field with fallback" },
];

/** The fields every contact has, before the custom ones. */
export const BUILTIN_FIELDS = ["first_name", "name", "phone"] as const;

export function fieldLabel(field: string): string {
  if (field === "first_name") return "First name";
  if (field === "name") return "Name";
  if (field === "phone") return "Phone";
  return field;
}

/** Switching a placeholder's source keeps what can be kept (the field, the text as fallback). */
export function sourceFor(kind: SourceKind, previous: VariableSource): VariableSource {
  const field = previous.from === "constant" ? "" : previous.field;
  const text = previous.from === "constant" ? previous.text : previous.from === "field_or" ? previous.fallback : "";
  if (kind === "field") return { from: "field", field };
  if (kind === "constant") return { from: "constant", text };
  return { from: "field_or", field, fallback: text };
}

/** One entry per placeholder, in the template's order: the saved one, else an unchosen field. */
export function initialMapping(placeholders: readonly number[], saved: readonly VariableMapping[]): VariableMapping[] {
  return placeholders.map((number) => {
    const found = saved.find((m) => m.number === number);
    return found ? { number, source: { ...found.source } } : { number, source: { from: "field", field: "" } };
  });
}

/** What is missing, by placeholder number; empty when every placeholder has a usable source. */
export function mappingErrors(mapping: readonly VariableMapping[]): Record<number, string> {
  const errors: Record<number, string> = {};
  for (const { number, source } of mapping) {
    if (source.from !== "constant" && source.field === "") errors[number] = `Choose the field {{${number}}} comes from.`;
    else if (source.from === "constant" && source.text.trim() === "") errors[number] = `Write the text for {{${number}}}.`;
    else if (source.from === "field_or" && source.fallback.trim() === "") {
      errors[number] = `Write the text used where the field is empty.`;
    }
  }
  return errors;
}

/** How a placeholder shows in the template preview of the mapping step. */
export function sourcePreview(source: VariableSource): string {
  if (source.from === "constant") return source.text;
  if (source.field === "") return "";
  const field = `‹${fieldLabel(source.field)}›`;
  return source.from === "field_or" && source.fallback ? `${field} or “${source.fallback}”` : field;
}

// --- audience ------------------------------------------------------------------------------

export type ConditionOp = FieldCondition["op"];

export const CONDITION_OPS: readonly { value: ConditionOp; label: string }[] = [
  { value: "equals", label: "is" },
  { value: "not_equals", label: "is not" },
  { value: "present", label: "is filled in" },
  { value: "missing", label: "is empty" },
];

export function conditionWith(op: ConditionOp, previous: FieldCondition): FieldCondition {
  const value = "value" in previous ? previous.value : "";
  if (op === "equals" || op === "not_equals") return { op, field: previous.field, value };
  return { op, field: previous.field };
}
