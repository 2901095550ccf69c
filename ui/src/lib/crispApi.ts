// Commands of Crisp's WhatsApp plugin (seed 004). Every rejection is a normalised ApiError.

import type { AccountView } from "../bindings/AccountView";
import { call } from "./call";

/**
 * The URL the website owner pastes into the plugin's API Settings: the relay hook plus this
 * account's own secret (Crisp signs nothing). A capability: shown on request, never stored here.
 */
export function crispCallbackUrl(accountId: string): Promise<string> {
  return call("crisp_callback_url", { accountId });
}

/** The Crisp account on the built-in simulator (made on first use, its callback set, templates synced). */
export function crispSandboxAccount(): Promise<AccountView> {
  return call("crisp_sandbox_account");
}
