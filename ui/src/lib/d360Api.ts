// Commands of 360dialog's onboarding: the customer signs up with Meta in the relay's Embedded
// Signup host page (framed by the panel), the core submits the number to 360dialog and follows
// the channel until its API key exists. Every rejection is a normalised ApiError; the partner key
// and the customer's API key never reach this page.
//
// The types narrow the generated ones in `ui/src/bindings/` (ts-rs: tiers and modes are strings
// there); the checks at the end of this file fail the type check when the core's fields change.

import { call } from "./call";
import type { D360OnboardingView as CoreView } from "../bindings/D360OnboardingView";
import type { D360PartnerInput as CorePartnerInput } from "../bindings/D360PartnerInput";
import type { D360SettingsView as CoreSettings } from "../bindings/D360SettingsView";
import type { D360Stage as CoreStage } from "../bindings/D360Stage";
import type { StartD360 as CoreStart } from "../bindings/StartD360";

/** A pricing tier of 360dialog's. */
export type D360Tier = "basic" | "regular" | "premium";

export type D360Stage =
  | "signup" // the host page is framed; waiting for Meta's Embedded Signup
  | "cancelled" // customer closed Meta's flow (stage_detail: the step, e.g. PHONE_NUMBER_VERIFICATION)
  | "signup_error" // Meta's flow reported an error (stage_detail: its message)
  | "submit_failed" // 360dialog refused the number submission (stage_detail: why + next step)
  | "submitted" // number submitted to 360dialog; waiting for the channel
  | "channel_created"
  | "channel_submitted"
  | "channel_ready"
  | "channel_running"
  | "channel_live"
  | "connected"; // API key created, account exists (account_id set)

export type D360OnboardingView = {
  /** Also the id of the account it becomes. */
  id: string;
  mode: "sandbox" | "partner";
  stage: D360Stage;
  stage_detail: string | null;
  /** Frame this (the relay's Embedded Signup host page). */
  host_url: string;
  /** The only origin whose postMessages count. */
  host_origin: string;
  /** Must equal `data.state` of the host page's messages. */
  state: string;
  client_name: string;
  /** 360dialog's client id. */
  client_id: string;
  tier: D360Tier;
  waba_id: string | null;
  phone_number_id: string | null;
  channel_id: string | null;
  /** "+4915…" once the channel reports it. */
  phone_number: string | null;
  account_id: string | null;
  created_at: number;
  updated_at: number;
};

export type StartD360 = { name: string; email: string; user_name: string; tier?: D360Tier; account_id?: string };

export type D360SettingsView = {
  mode: "sandbox" | "partner";
  /** Default https://hub.360dialog.io/api/v2. */
  hub_url: string | null;
  /** Default https://waba-v2.360dialog.io. */
  messaging_url: string | null;
  partner_id: string | null;
  /** "••••abcd" */
  partner_key_masked: string | null;
  solution_id: string | null;
  default_tier: D360Tier;
  meta_app_id: string | null;
  meta_config_id: string | null;
  /** Point the partner webhook URL at this install's relay. */
  route_partner_events: boolean;
  partner_signing_secret_set: boolean;
};

export type D360PartnerInput = {
  hub_url: string;
  messaging_url: string;
  partner_id: string;
  /** null keeps the stored key. */
  partner_key: string | null;
  solution_id: string;
  default_tier: D360Tier;
  meta_app_id: string;
  meta_config_id: string;
  route_partner_events: boolean;
};

export const D360_TIERS: readonly D360Tier[] = ["basic", "regular", "premium"];
export const D360_DEFAULT_HUB_URL = "https://hub.360dialog.io/api/v2";
export const D360_DEFAULT_MESSAGING_URL = "https://waba-v2.360dialog.io";

/** Starts an onboarding; the view's `host_url` is what the panel frames. */
export function d360Start(input: StartD360): Promise<D360OnboardingView> {
  return call("d360_start", { input });
}

/** Passes the host page's message on with its origin; the core submits the number on FINISH. */
export function d360Signup(id: string, origin: string, data: unknown): Promise<D360OnboardingView> {
  return call("d360_signup", { id, origin, data });
}

/** Where the onboarding stands (asks 360dialog about the channel while it is on its way). */
export function d360Follow(id: string): Promise<D360OnboardingView> {
  return call("d360_follow", { id });
}

/**
 * After cancelled / signup_error: back to "signup" with a new `state` and host page. After
 * submit_failed: submits the number again.
 */
export function d360Retry(id: string): Promise<D360OnboardingView> {
  return call("d360_retry", { id });
}

export function d360Settings(): Promise<D360SettingsView> {
  return call("d360_settings");
}

/** Stores the partner settings (the key encrypted; only a masked form comes back). */
export function d360UsePartner(input: D360PartnerInput): Promise<D360SettingsView> {
  return call("d360_use_partner", { input });
}

export function d360UseSandbox(): Promise<D360SettingsView> {
  return call("d360_use_sandbox");
}

/** What the Embedded Signup host page reports. */
export type MetaSignupEvent = "FINISH" | "FINISH_ONLY_WABA" | "CANCEL" | "ERROR" | "popup_blocked" | "host_error";

export type MetaSignupMessage = {
  type: "wadesk.meta-signup";
  state: string;
  event: MetaSignupEvent;
  waba_id?: string;
  phone_number_id?: string;
  business_id?: string;
  current_step?: string;
  error_message?: string;
  error_code?: string | number;
};

const META_SIGNUP_EVENTS: ReadonlySet<string> = new Set([
  "FINISH",
  "FINISH_ONLY_WABA",
  "CANCEL",
  "ERROR",
  "popup_blocked",
  "host_error",
]);

/** Meta's outcomes, which the core is told about. */
export type MetaSignupOutcome = "FINISH" | "FINISH_ONLY_WABA" | "CANCEL" | "ERROR";

/** The events the core is told about; the others are the host page's own trouble. */
export function isSignupOutcome(event: MetaSignupEvent): event is MetaSignupOutcome {
  return event === "FINISH" || event === "FINISH_ONLY_WABA" || event === "CANCEL" || event === "ERROR";
}

/**
 * The host page's message from a `message` event, or null when the event is not one: it must come
 * from the host frame itself, from the host page's origin, have the host page's type and carry
 * this onboarding's `state`. It is a hint: the core checks the signup with 360dialog.
 */
export function readMetaSignupMessage(
  event: MessageEvent,
  frame: Window | null | undefined,
  origin: string,
  state: string,
): MetaSignupMessage | null {
  if (!frame || event.source !== frame || event.origin !== origin) return null;
  const data: unknown = event.data;
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.type !== "wadesk.meta-signup") return null;
  if (typeof d.state !== "string" || d.state !== state) return null;
  if (typeof d.event !== "string" || !META_SIGNUP_EVENTS.has(d.event)) return null;
  return d as MetaSignupMessage;
}

// Compile-time checks: the same fields (and the same stage words) as the core serialises.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type D360BindingChecks = [
  Assert<SameKeys<D360OnboardingView, CoreView>>,
  Assert<SameKeys<D360SettingsView, CoreSettings>>,
  Assert<SameKeys<D360PartnerInput, CorePartnerInput>>,
  Assert<SameKeys<StartD360, CoreStart>>,
  Assert<Same<D360Stage, CoreStage>>,
];
