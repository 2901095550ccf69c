/**
 * The listener rule of ChatArchitect's embed guide (seed 000, "Iframe Events"), applied to what
 * reaches the app's window.
 *
 * The registration iframe sits inside a host page on this install's relay origin (the app's own
 * origin cannot be a `parent_origin`). The host page accepts only messages from the registration
 * domain's origin with the right `type`, and forwards a reduced copy here. So this window accepts
 * only messages from the host page's origin, with the right `type`, for the current registration.
 * Everything else is ignored. The result is a status hint, never a source of credentials.
 */

import type { RegistrationStatus } from "../bindings/RegistrationStatus";

export const REGISTRATION_MESSAGE_TYPE = "ca.whatsapp.registration";

export const REGISTRATION_EVENTS = [
  "ready",
  "height",
  "phone_verified",
  "facebook_started",
  "completed",
  "failed",
  "cancelled",
] as const;

export type RegistrationEvent = (typeof REGISTRATION_EVENTS)[number];

export interface RegistrationHint {
  event: RegistrationEvent;
  /** `height` events: the content height in CSS pixels. */
  height?: number;
  /** `failed` events: the provider's message. */
  message?: string;
}

/** Upper bound for a height we apply, so a broken page cannot make the window absurdly tall. */
export const MAX_FRAME_HEIGHT = 4000;

function isEvent(value: unknown): value is RegistrationEvent {
  return typeof value === "string" && (REGISTRATION_EVENTS as readonly string[]).includes(value);
}

/**
 * Returns the hint carried by `message`, or `null` when the message must be ignored: wrong origin,
 * wrong type, another registration, an unknown event, or a malformed height.
 */
export function readRegistrationMessage(
  message: { origin: string; data: unknown },
  expectedOrigin: string,
  registrationId: string,
): RegistrationHint | null {
  if (message.origin !== expectedOrigin) return null;
  const data = message.data;
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.type !== REGISTRATION_MESSAGE_TYPE) return null;
  if (!isEvent(d.event)) return null;
  if (d.registration_id !== undefined && d.registration_id !== "" && d.registration_id !== registrationId) {
    return null;
  }
  if (d.event === "height") {
    const height = Number(d.height);
    if (!Number.isFinite(height) || height <= 0) return null;
    return { event: "height", height: Math.min(Math.ceil(height), MAX_FRAME_HEIGHT) };
  }
  if (d.event === "failed") {
    const text = typeof d.message === "string" ? d.message.trim().slice(0, 500) : "";
    return text ? { event: "failed", message: text } : { event: "failed" };
  }
  return { event: d.event };
}

/**
 * The stepper's steps, in order: the registration page's four ("Step n of 4": phone, code, business
 * details, Connect with Meta), then the app's own confirmation that the credentials arrived.
 */
export const STEPS = [
  { key: "phone", label: "Phone number" },
  { key: "code", label: "Verification code" },
  { key: "details", label: "Business details" },
  { key: "meta", label: "Connect with Meta" },
  { key: "done", label: "Connected" },
] as const;

export type StepKey = (typeof STEPS)[number]["key"];

const ORDER = STEPS.map((s) => s.key) as StepKey[];
const at = (k: StepKey) => ORDER.indexOf(k);
/** `target` if it is further than `current`, else `null`: the stepper never moves backwards. */
const forward = (current: StepKey, target: StepKey) => (at(target) > at(current) ? target : null);

/**
 * The step a hint moves the stepper to, or `null`. It only moves forward: a cancelled or failed
 * Meta signup leaves the page on its "Connect with Meta" step (with a button to try again), so the
 * stepper stays there too.
 */
export function stepAfter(current: StepKey, hint: RegistrationHint): StepKey | null {
  switch (hint.event) {
    case "phone_verified":
      // The phone and its code are done: the page shows the business details.
      return forward(current, "details");
    case "facebook_started":
    case "cancelled":
      // Cancelling is only possible in Meta signup, so it too means the page is at that step.
      return forward(current, "meta");
    case "completed":
      return forward(current, "done");
    default:
      // `failed` can come from any step (a phone already registered): it moves nothing.
      return null;
  }
}

/** The step a provider status (from the core: start, "Check status", the poll) shows, or `null`. */
export function stepForStatus(current: StepKey, status: RegistrationStatus): StepKey | null {
  switch (status) {
    case "started":
      return forward(current, "phone");
    case "phone_code_sent":
      return forward(current, "code");
    case "phone_verified":
      return forward(current, "details");
    case "form_completed":
    case "fb_started":
      return forward(current, "meta");
    case "completed":
      return forward(current, "done");
    default:
      return null;
  }
}
