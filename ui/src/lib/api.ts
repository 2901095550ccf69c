import { listen } from "@tauri-apps/api/event";
import type { AccountView } from "../bindings/AccountView";
import type { EmbeddedSwitch } from "../bindings/EmbeddedSwitch";
import type { NewAccount } from "../bindings/NewAccount";
import type { ProviderInfo } from "../bindings/ProviderInfo";
import type { RelayStatus } from "../bindings/RelayStatus";
import type { SelfTestResult } from "../bindings/SelfTestResult";
import type { StoreStatus } from "../bindings/StoreStatus";
import { call } from "./call";

export { toApiError } from "./apiError";

export function storeStatus(): Promise<StoreStatus> {
  return call("store_status");
}

/** `null` keeps a random key in the OS keychain; only valid when the keychain is available. */
export function storeCreate(passphrase: string | null): Promise<StoreStatus> {
  return call("store_create", { passphrase });
}

/** `null` when the key lives in the keychain. */
export function storeUnlock(passphrase: string | null): Promise<StoreStatus> {
  return call("store_unlock", { passphrase });
}

export function providersCatalog(): Promise<ProviderInfo[]> {
  return call("providers_catalog");
}

export function accountsList(): Promise<AccountView[]> {
  return call("accounts_list");
}

export function accountAdd(input: NewAccount): Promise<AccountView> {
  return call("account_add", { input });
}

/**
 * Checks the account's credentials with its provider again and returns the account as it now
 * stands (its `state` and `state_detail` say what the provider answered).
 */
export function accountCheck(id: string): Promise<AccountView> {
  return call("account_check", { id });
}

export function accountRename(id: string, name: string): Promise<AccountView> {
  return call("account_rename", { id, name });
}

export async function accountRemove(id: string): Promise<void> {
  await call<null>("account_remove", { id });
}

/** The relay connection's status; rejects (e.g. relay_unavailable) when the relay could not start. */
export function relayStatus(): Promise<RelayStatus> {
  return call("relay_status");
}

/** Posts a synthetic webhook to this install's own hook URL and resolves once it has been applied. */
export function relaySelfTest(): Promise<SelfTestResult> {
  return call("relay_self_test");
}

/**
 * Switches to the remote relay at `url`, creating a channel there with the operator's admin token.
 * The core uses the token for that one request and never stores or returns it.
 */
export function relayUseRemote(url: string, adminToken: string): Promise<RelayStatus> {
  return call("relay_use_remote", { url, adminToken });
}

/**
 * Moves the install from its remote relay back to the embedded one, which gives it a new hook URL.
 * The core first fetches what still waits at the remote relay and refuses (`relay_backlog`,
 * nothing changed) when it cannot; `leaveWaiting` switches anyway, and what stays there is never
 * fetched. Rejects with `nothing_to_do` when the install already uses the embedded relay.
 */
export function relayUseEmbedded(leaveWaiting: boolean): Promise<EmbeddedSwitch> {
  return call("relay_use_embedded", { leaveWaiting });
}

/** Event the app emits with a RelayStatus whenever the connection changes. */
export const RELAY_STATUS_EVENT = "relay-status";

/** Calls `onStatus` on every relay status change; resolves to a function that stops listening. */
export function onRelayStatus(onStatus: (status: RelayStatus) => void): Promise<() => void> {
  return listen<RelayStatus>(RELAY_STATUS_EVENT, (event) => onStatus(event.payload));
}
