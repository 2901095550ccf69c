import type { AccountView } from "../bindings/AccountView";
import type { ProviderInfo } from "../bindings/ProviderInfo";
import type { RegistrationSettingsView } from "../bindings/RegistrationSettingsView";
import type { RegistrationView } from "../bindings/RegistrationView";
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
  state: "sandbox",
  checked_at: null,
  state_detail: null,
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
  state: "not_verified",
  checked_at: null,
  state_detail: "The credentials have not been checked with the provider yet.",
};

export function relayStatus(overrides: Partial<RelayStatus> = {}): RelayStatus {
  return {
    state: "connected",
    mode: "embedded",
    relay_url: "http://127.0.0.1:47123",
    hook_url_masked: "••••9c1e",
    cursor: 12,
    backlog: 0,
    backlog_known: true,
    last_event_at: null,
    caught_up: true,
    last_error: null,
    notice: null,
    ...overrides,
  };
}

/** A registration session as `registration_start` returns it; the host page is on the relay origin. */
export function registrationView(overrides: Partial<RegistrationView> = {}): RegistrationView {
  return {
    registration_id: "reg_3f9a0b1c2d4e5f60718293",
    mode: "sandbox",
    status: "started",
    iframe_url: "http://127.0.0.1:47020/registration/reg_3f9a0b1c2d4e5f60718293?lang=en",
    registration_origin: "http://127.0.0.1:47020",
    parent_origin: "http://127.0.0.1:47123",
    // As the core builds it: the iframe URL rides in the fragment of the relay's host page.
    host_url:
      "http://127.0.0.1:47123/embed/registration#src=" +
      encodeURIComponent("http://127.0.0.1:47020/registration/reg_3f9a0b1c2d4e5f60718293?lang=en"),
    expires_at: "2030-01-01T00:30:00Z",
    account_id: null,
    app_id_masked: null,
    phone: null,
    completed_via: null,
    last_error: null,
    created_at: 1_700_000_200_000,
    ...overrides,
  };
}

export function registrationSettingsView(overrides: Partial<RegistrationSettingsView> = {}): RegistrationSettingsView {
  return { mode: "sandbox", partner_base_url: null, partner_token_masked: null, ...overrides };
}
