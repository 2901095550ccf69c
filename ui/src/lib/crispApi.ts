// Commands of Crisp's WhatsApp plugin (seed 004). Every rejection is a normalised ApiError.

import type { AccountView } from "../bindings/AccountView";
import type { CrispMessageType } from "../bindings/CrispMessageType";
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

/** How this account's templates appear in the Crisp conversation: a note (Crisp's default) or text. */
export function crispMessageType(accountId: string): Promise<CrispMessageType> {
  return call("crisp_message_type", { accountId });
}

/** Sets how this account's templates appear in Crisp; answers with the stored choice. */
export function crispSetMessageType(accountId: string, messageType: CrispMessageType): Promise<CrispMessageType> {
  return call("crisp_set_message_type", { accountId, messageType });
}
