import type { AccountView } from "../bindings/AccountView";
import type { ProviderInfo } from "../bindings/ProviderInfo";
import type { RelayStatus } from "../bindings/RelayStatus";
import type { StoreStatus } from "../bindings/StoreStatus";

export function storeStatus(overrides: Partial<StoreStatus> = {}): StoreStatus {
  return {
    state: "uninitialized",
    key_source: null,
    keychain_available: true,
    data_dir: "/home/test/.local/share/wadesk",
    ...overrides,
  };
}

export const PROVIDERS: ProviderInfo[] = [
  { kind: "sandbox", label: "Sandbox", default_base_url: "http://127.0.0.1:8787", credential_fields: [] },
  { kind: "gupshup", label: "Gupshup", default_base_url: "https://api.gupshup.io", credential_fields: ["api_key", "app_name"] },
  { kind: "d360", label: "360dialog", default_base_url: "https://waba-v2.360dialog.io", credential_fields: ["api_key"] },
];

export const SANDBOX_ACCOUNT: AccountView = {
  id: "acc-sandbox",
  provider: "sandbox",
  display_name: "Local simulator",
  base_url: "http://127.0.0.1:8787",
  is_sandbox: true,
  credentials: [],
  created_at: 1_700_000_000,
};

export const GUPSHUP_ACCOUNT: AccountView = {
  id: "acc-gupshup",
  provider: "gupshup",
  display_name: "Support line",
  base_url: "https://api.gupshup.io",
  is_sandbox: false,
  credentials: [
    { name: "api_key", masked: "••••3f9a" },
    { name: "app_name", masked: "••••desk" },
  ],
  created_at: 1_700_000_100,
};

export function relayStatus(overrides: Partial<RelayStatus> = {}): RelayStatus {
  return {
    state: "connected",
    mode: "embedded",
    relay_url: "http://127.0.0.1:47123",
    hook_url_masked: "••••9c1e",
    cursor: 12,
    backlog: 0,
    last_event_at: null,
    caught_up: true,
    last_error: null,
    ...overrides,
  };
}
