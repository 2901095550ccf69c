// Gupshup's link (seed 002) in plain words: the steps from a linked app to a connected number, and
// the pipeline's fields as Gupshup names them. The core writes the stage's own sentence
// (`stage_text`); this only places it on the stepper.

import type { GupshupStage } from "../bindings/GupshupStage";
import type { Pipeline } from "../bindings/Pipeline";

export type GupshupStepKey = "linked" | "setup" | "live" | "subscribed" | "connected";
export type StepState = "done" | "current" | "todo" | "error";

export const GUPSHUP_STEPS: { key: GupshupStepKey; label: string }[] = [
  { key: "linked", label: "App linked to the WABA" },
  { key: "setup", label: "Gupshup sets the number up" },
  { key: "live", label: "Live event from Gupshup" },
  { key: "subscribed", label: "Subscribed to the app's events" },
  { key: "connected", label: "Connected" },
];

/** The step each stage is at (the step being worked on; earlier ones are done). */
const CURRENT: Record<GupshupStage, GupshupStepKey> = {
  provisioning: "setup",
  pipeline_error: "setup",
  awaiting_live: "live",
  live: "subscribed",
  connected: "connected",
};

/** Where step `key` stands when the link is at `stage`. */
export function gupshupStepState(key: GupshupStepKey, stage: GupshupStage): StepState {
  const keys = GUPSHUP_STEPS.map((s) => s.key);
  const at = keys.indexOf(CURRENT[stage]);
  const index = keys.indexOf(key);
  if (stage === "connected" || index < at) return "done";
  if (index > at) return "todo";
  return stage === "pipeline_error" ? "error" : "current";
}

/** The pipeline's fields, labelled as Gupshup's "Get Status" names them, in its order. */
export const PIPELINE_FIELDS: { key: keyof Pipeline; label: string }[] = [
  { key: "creationStage", label: "creationStage" },
  { key: "pipeLineStage", label: "pipeLineStage" },
  { key: "uiFormStage", label: "uiFormStage" },
  { key: "whatsappVerificationStatus", label: "whatsappVerificationStatus" },
  { key: "embedStage", label: "embedStage" },
];

/** The fields Gupshup reported, non-empty, for the "as Gupshup reports it" list. */
export function reportedPipeline(p: Pipeline | null): { label: string; value: string }[] {
  if (!p) return [];
  return PIPELINE_FIELDS.flatMap(({ key, label }) => {
    const value = p[key];
    return value ? [{ label, value }] : [];
  });
}

/** Digits as a number people read: `+15557654321`. */
export function gupshupPhone(digits: string): string {
  return digits ? `+${digits.replace(/^\+/u, "")}` : "";
}
