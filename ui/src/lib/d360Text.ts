// What each 360dialog onboarding stage means for the person, the stage list the panel shows, and
// the wording for the errors this flow meets. The core's `stage_detail` is shown as it comes
// (Meta's step, Meta's message, or 360dialog's reason with the next step).

import type { ApiError } from "../bindings/ApiError";
import type { D360OnboardingView, D360Stage, D360Tier } from "./d360Api";
import { describeError, type ErrorText } from "./errorMessages";

/** 360dialog's pricing tiers as the selects show them. */
export const TIER_LABELS: Record<D360Tier, string> = { basic: "Basic", regular: "Regular", premium: "Premium" };

/** The items of the visible stage list, in order; `key` is the stage each stands for. */
export const D360_STEPS = [
  { key: "signup", label: "Sign up with Meta" },
  { key: "submitted", label: "Number submitted" },
  { key: "channel_created", label: "Channel created" },
  { key: "channel_ready", label: "Ready" },
  { key: "channel_running", label: "Running" },
  { key: "channel_live", label: "Live" },
  { key: "connected", label: "Connected" },
] as const satisfies readonly { key: D360Stage; label: string }[];

export type D360StepKey = (typeof D360_STEPS)[number]["key"];
export type D360StepState = "done" | "current" | "todo" | "error";

/** The list item each stage shows as current (or as failed, for the three stopped stages). */
const STEP_OF_STAGE: Record<D360Stage, D360StepKey> = {
  signup: "signup",
  cancelled: "signup",
  signup_error: "signup",
  submit_failed: "submitted",
  submitted: "submitted",
  channel_created: "channel_created",
  // 360dialog has a "submitted" channel status between created and ready; the list keeps it on
  // "Channel created" rather than show two "submitted" items.
  channel_submitted: "channel_created",
  channel_ready: "channel_ready",
  channel_running: "channel_running",
  channel_live: "channel_live",
  connected: "connected",
};

/** Stages where the onboarding stopped and waits for "Try again". */
export const D360_STOPPED: ReadonlySet<D360Stage> = new Set(["cancelled", "signup_error", "submit_failed"]);

/** Stages where 360dialog is working on the channel and the panel follows it. */
export const D360_FOLLOWED: ReadonlySet<D360Stage> = new Set([
  "submitted",
  "channel_created",
  "channel_submitted",
  "channel_ready",
  "channel_running",
  "channel_live",
]);

/** The state of each list item for a stage. */
export function stepState(stage: D360Stage, step: D360StepKey): D360StepState {
  if (stage === "connected") return "done";
  const at = D360_STEPS.findIndex((s) => s.key === STEP_OF_STAGE[stage]);
  const index = D360_STEPS.findIndex((s) => s.key === step);
  if (index < at) return "done";
  if (index > at) return "todo";
  return D360_STOPPED.has(stage) ? "error" : "current";
}

/** Meta's step name for people: PHONE_NUMBER_VERIFICATION → "phone number verification". */
export function metaStepName(step: string): string {
  return step.trim().toLowerCase().replace(/[_\s]+/g, " ");
}

/** The number as people read it, with its "+" once. */
export function phoneText(phone: string): string {
  const trimmed = phone.trim();
  return trimmed.startsWith("+") ? trimmed : `+${trimmed}`;
}

/** One line for the stage the onboarding is at, with the next step. */
export function stageText(view: Pick<D360OnboardingView, "stage" | "stage_detail">): string {
  const detail = view.stage_detail?.trim() || null;
  switch (view.stage) {
    case "signup":
      return "Sign up with Meta in the page below: choose the business, then add and verify the number.";
    case "cancelled":
      return detail
        ? `You closed Meta's signup at ${metaStepName(detail)}. Start it again when ready.`
        : "You closed Meta's signup. Start it again when ready.";
    case "signup_error":
      return detail
        ? `Meta's signup reported an error: ${detail}. Start it again when ready.`
        : "Meta's signup reported an error. Start it again when ready.";
    case "submit_failed":
      return detail
        ? `360dialog did not take the number: ${detail}`
        : "360dialog did not take the number. Try again, or check the 360dialog settings.";
    case "submitted":
      return "Number submitted. Waiting for 360dialog to create the channel…";
    case "channel_created":
      return "Channel created. Waiting for 360dialog to submit it to Meta…";
    case "channel_submitted":
      return "Channel submitted to Meta. Waiting for it to be ready…";
    case "channel_ready":
      return "Channel ready. Waiting for it to start running…";
    case "channel_running":
      return "Channel running. Waiting for it to go live…";
    case "channel_live":
      return "Channel live. Creating its API key…";
    case "connected":
      return "Connected. The channel's API key is stored encrypted on this computer.";
  }
}

/** Shown (without a call to the core) when the host page could not open Meta's window. */
export function hostTroubleText(event: "popup_blocked" | "host_error", message?: string): string {
  const why = event === "host_error" && message?.trim() ? ` (${message.trim().replace(/[.\s]+$/u, "")})` : "";
  return `The Meta window could not open${why}. Allow pop-ups for Wadesk if asked, then click the button in the page again, or use “Reload page”.`;
}

/** 360dialog-specific wording and next steps for the error codes this flow meets. */
export function describeD360Error(error: ApiError): ErrorText {
  const detail = error.message.trim() || undefined;
  switch (error.code) {
    case "provider_unauthorized":
      return { message: "360dialog refused the partner API key. Check it in 360dialog settings.", detail };
    case "provider_rejected":
      return { message: "360dialog refused the request.", detail };
    case "provider_conflict":
      return { message: "360dialog cannot do that for this onboarding yet.", detail };
    case "provider_unavailable":
      return { message: "360dialog could not be reached or failed. Nothing was changed; try again shortly.", detail };
    case "not_found":
      return { message: "This onboarding no longer exists. Start again.", detail };
    case "relay_unavailable":
      return { message: "The webhook relay is not running, so the signup page cannot load. Check the relay indicator.", detail };
    default:
      return describeError(error);
  }
}
