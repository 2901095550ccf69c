// Commands of the "Connect a number" flow; every rejection is a normalised ApiError.

import type { RegistrationSettingsView } from "../bindings/RegistrationSettingsView";
import type { RegistrationView } from "../bindings/RegistrationView";
import type { RetryOutcome } from "../bindings/RetryOutcome";
import type { StartRegistration } from "../bindings/StartRegistration";
import { call } from "./call";

/** Creates a registration session in the core (the partner token never reaches this page). */
export function registrationStart(input: StartRegistration): Promise<RegistrationView> {
  return call("registration_start", { input });
}

/** Asks the provider for the result (the fallback when the webhook is late); stores credentials. */
export function registrationRefresh(id: string): Promise<RegistrationView> {
  return call("registration_refresh", { id });
}

/** After the iframe said `completed`: waits briefly for the signed webhook, then polls the result. */
export function registrationConfirm(id: string): Promise<RegistrationView> {
  return call("registration_confirm", { id });
}

/** Asks the provider to send the completion webhook again. */
export function registrationRetryWebhook(id: string): Promise<RetryOutcome> {
  return call("registration_retry_webhook", { id });
}

export function registrationSettings(): Promise<RegistrationSettingsView> {
  return call("registration_settings");
}

/** Stores the real registration domain and partner token (encrypted; only a masked form comes back). */
export function registrationUsePartner(baseUrl: string, partnerToken: string): Promise<RegistrationSettingsView> {
  return call("registration_use_partner", { baseUrl, partnerToken });
}

export function registrationUseSandbox(): Promise<RegistrationSettingsView> {
  return call("registration_use_sandbox");
}
