import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import D360Settings from "../D360Settings.svelte";
import type { D360SettingsView } from "../../lib/d360Api";
import { routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const SANDBOX: D360SettingsView = {
  mode: "sandbox",
  hub_url: null,
  messaging_url: null,
  partner_id: null,
  partner_key_masked: null,
  solution_id: null,
  default_tier: "basic",
  meta_app_id: null,
  meta_config_id: null,
  route_partner_events: false,
  partner_signing_secret_set: false,
};
const PARTNER: D360SettingsView = {
  ...SANDBOX,
  mode: "partner",
  hub_url: "https://hub.360dialog.io/api/v2",
  messaging_url: "https://waba-v2.360dialog.io",
  partner_id: "Pa7xQ2",
  partner_key_masked: "••••abcd",
  solution_id: "sol-42",
  default_tier: "regular",
  meta_app_id: "1234567890123456",
  meta_config_id: "987654321098765",
  route_partner_events: true,
};
const KEY = "d360_partner_0123456789abcd";
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

describe("360dialog settings", () => {
  it("prefills the default URLs, stores the key once and shows only its masked form", async () => {
    const invoke = routeCommands({ d360_settings: () => SANDBOX, d360_use_partner: () => PARTNER });
    const onChanged = vi.fn();
    render(D360Settings, { props: { onChanged } });
    const user = userEvent.setup();
    expect(await screen.findByTestId("d360-mode")).toHaveTextContent("Sandbox");
    expect(input("d360-hub-url")).toHaveValue("https://hub.360dialog.io/api/v2");
    expect(input("d360-messaging-url")).toHaveValue("https://waba-v2.360dialog.io");

    await user.type(input("d360-partner-id"), "Pa7xQ2");
    await user.type(input("d360-partner-key"), KEY);
    await user.type(input("d360-solution-id"), "sol-42");
    await user.selectOptions(input("d360-default-tier"), "regular");
    await user.type(input("d360-meta-app-id"), "1234567890123456");
    await user.type(input("d360-meta-config-id"), "987654321098765");
    await user.click(input("d360-route-partner-events"));
    await user.click(input("d360-use-partner"));

    await waitFor(() =>
      expect(screen.getByTestId("d360-mode")).toHaveTextContent(
        "360dialog Partner Hub at https://hub.360dialog.io/api/v2, partner Pa7xQ2, key ••••abcd",
      ),
    );
    expect(invoke).toHaveBeenCalledWith("d360_use_partner", {
      input: {
        hub_url: "https://hub.360dialog.io/api/v2",
        messaging_url: "https://waba-v2.360dialog.io",
        partner_id: "Pa7xQ2",
        partner_key: KEY,
        solution_id: "sol-42",
        default_tier: "regular",
        meta_app_id: "1234567890123456",
        meta_config_id: "987654321098765",
        route_partner_events: true,
      },
    });
    expect(input("d360-partner-key")).toHaveValue("");
    expect(document.body.innerHTML).not.toContain(KEY);
    expect(onChanged).toHaveBeenCalledWith(PARTNER);
    expect(screen.getByText(/Stored: ••••abcd/)).toBeInTheDocument();
  });

  it("keeps the stored key when the field is left empty", async () => {
    const invoke = routeCommands({ d360_settings: () => PARTNER, d360_use_partner: () => PARTNER });
    render(D360Settings, { props: {} });
    const user = userEvent.setup();
    await screen.findByTestId("d360-mode");
    expect(input("d360-partner-id")).toHaveValue("Pa7xQ2");
    expect(input("d360-route-partner-events")).toBeChecked();
    expect(screen.getByText(/Stored: ••••abcd\. Leave empty to keep it/)).toBeInTheDocument();

    await user.clear(input("d360-solution-id"));
    await user.type(input("d360-solution-id"), "sol-43");
    await user.click(input("d360-use-partner"));

    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith("d360_use_partner", {
        input: expect.objectContaining({ partner_key: null, solution_id: "sol-43" }),
      }),
    );
  });

  it("says what is wrong at the field before anything is sent", async () => {
    const invoke = routeCommands({ d360_settings: () => SANDBOX });
    render(D360Settings, { props: {} });
    const user = userEvent.setup();
    await screen.findByTestId("d360-mode");

    await user.clear(input("d360-hub-url"));
    await user.type(input("d360-hub-url"), "http://hub.360dialog.io/api/v2");
    await user.type(input("d360-partner-id"), "two words");
    await user.type(input("d360-meta-app-id"), "12ab");
    await user.click(input("d360-use-partner"));

    expect(await screen.findByText(/Use https:\/\//)).toBeInTheDocument();
    expect(screen.getByText(/The partner ID is one word/)).toBeInTheDocument();
    expect(screen.getByText(/Enter the partner API key/)).toBeInTheDocument();
    expect(screen.getByText(/Enter the Solution ID/)).toBeInTheDocument();
    expect(screen.getByText(/The Meta app ID is digits only/)).toBeInTheDocument();
    expect(screen.getByText(/Enter the Embedded Signup configuration ID/)).toBeInTheDocument();
    expect(document.activeElement).toBe(input("d360-hub-url"));
    expect(invoke).not.toHaveBeenCalledWith("d360_use_partner", expect.anything());
  });

  it("puts the core's field error beside its field", async () => {
    routeCommands({
      d360_settings: () => PARTNER,
      d360_use_partner: () => {
        throw { code: "invalid_input", field: "solution_id", message: "your approved Solution's ID: letters, digits, - and _ only, 1 to 128 characters" };
      },
    });
    render(D360Settings, { props: {} });
    const user = userEvent.setup();
    await screen.findByTestId("d360-mode");
    await user.click(input("d360-use-partner"));
    expect(await screen.findByText("Your approved Solution's ID: letters, digits, - and _ only, 1 to 128 characters.")).toBeInTheDocument();
    expect(input("d360-solution-id")).toHaveAttribute("aria-invalid", "true");
  });

  it("switches back to the sandbox", async () => {
    const invoke = routeCommands({ d360_settings: () => PARTNER, d360_use_sandbox: () => ({ ...PARTNER, mode: "sandbox" }) });
    render(D360Settings, { props: {} });
    const user = userEvent.setup();
    await screen.findByTestId("d360-mode");
    await user.click(input("d360-use-sandbox"));
    await waitFor(() => expect(screen.getByTestId("d360-mode")).toHaveTextContent("Sandbox"));
    expect(invoke).toHaveBeenCalledWith("d360_use_sandbox", {});
  });
});
