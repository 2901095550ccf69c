// Commands of SendZen's onboarding (seed 001); every rejection is a normalised ApiError. The
// partner key goes in once and the customer's key never reaches this page.

import type { OnboardingView } from "../bindings/OnboardingView";
import type { SendzenSettingsView } from "../bindings/SendzenSettingsView";
import type { StartOnboarding } from "../bindings/StartOnboarding";
import { call } from "./call";

/** Onboards a customer with SendZen; the view's `iframe_url` is what the panel frames. */
export function sendzenStart(input: StartOnboarding): Promise<OnboardingView> {
  return call("sendzen_start", { input });
}

/** The onboarding with an iframe URL that loads (a new one when it expired or fails to load). */
export function sendzenIframe(id: string): Promise<OnboardingView> {
  return call("sendzen_iframe", { id });
}

/** Passes the iframe's message on with its origin; the core confirms a completion with SendZen. */
export function sendzenReport(id: string, origin: string, data: unknown): Promise<OnboardingView> {
  return call("sendzen_report", { id, origin, data });
}

/** Where the onboarding stands (its webhook may have completed it). */
export function sendzenFollow(id: string): Promise<OnboardingView> {
  return call("sendzen_follow", { id });
}

export function sendzenSettings(): Promise<SendzenSettingsView> {
  return call("sendzen_settings");
}

/** Stores SendZen's API URL and the partner key (encrypted; only a masked form comes back). */
export function sendzenUsePartner(baseUrl: string, partnerKey: string): Promise<SendzenSettingsView> {
  return call("sendzen_use_partner", { baseUrl, partnerKey });
}

export function sendzenUseSandbox(): Promise<SendzenSettingsView> {
  return call("sendzen_use_sandbox");
}

/**
 * SendZen's result from a `message` event, or null when the event is not one: it must come from
 * the onboarding frame itself, from the iframe's origin, and be about this onboarding. The data
 * may be an object or a JSON string. It is a hint: the core confirms it with SendZen.
 */
export function readSendzenMessage(
  event: MessageEvent,
  frame: Window | null | undefined,
  origin: string,
  clientIdentifier: string,
): Record<string, unknown> | null {
  if (!frame || event.source !== frame || event.origin !== origin) return null;
  let data: unknown = event.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.status !== "completed" && d.status !== "failed") return null;
  if (d.client_identifier !== clientIdentifier) return null;
  return d;
}
