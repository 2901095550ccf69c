import { invoke } from "@tauri-apps/api/core";
import type { AccountView } from "../bindings/AccountView";
import type { NewAccount } from "../bindings/NewAccount";
import type { ProviderInfo } from "../bindings/ProviderInfo";
import type { StoreStatus } from "../bindings/StoreStatus";
import { toApiError } from "./apiError";

export { toApiError } from "./apiError";

/** Every command rejects with a normalised ApiError, so callers can branch on `code` alone. */
async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

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

export function accountRename(id: string, name: string): Promise<AccountView> {
  return call("account_rename", { id, name });
}

export async function accountRemove(id: string): Promise<void> {
  await call<null>("account_remove", { id });
}
