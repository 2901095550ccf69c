import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { SendzenSettingsView } from "../../bindings/SendzenSettingsView";
import SendzenSettings from "../SendzenSettings.svelte";
import { routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const SANDBOX: SendzenSettingsView = { mode: "sandbox", partner_base_url: null, partner_key_masked: null };
const PARTNER: SendzenSettingsView = { mode: "partner", partner_base_url: "https://api.sendzen.io", partner_key_masked: "••••9xyz" };
const KEY = "sz_partner_0123456789xyz";
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

describe("SendZen settings", () => {
  it("stores the partner key once, shows only its masked form and empties the field", async () => {
    const invoke = routeCommands({ sendzen_settings: () => SANDBOX, sendzen_use_partner: () => PARTNER });
    const onChanged = vi.fn();
    render(SendzenSettings, { props: { onChanged } });
    const user = userEvent.setup();
    expect(await screen.findByTestId("sendzen-mode")).toHaveTextContent("Sandbox");

    await user.type(input("sendzen-url"), "https://api.sendzen.io");
    await user.type(input("sendzen-partner-key"), KEY);
    await user.click(document.getElementById("sendzen-use-partner")!);

    await waitFor(() => expect(screen.getByTestId("sendzen-mode")).toHaveTextContent("SendZen's API at https://api.sendzen.io, key ••••9xyz"));
    expect(invoke).toHaveBeenCalledWith("sendzen_use_partner", { baseUrl: "https://api.sendzen.io", partnerKey: KEY });
    expect(input("sendzen-partner-key")).toHaveValue("");
    expect(document.body.innerHTML).not.toContain(KEY);
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("says what is wrong at the field before anything is sent", async () => {
    const invoke = routeCommands({ sendzen_settings: () => SANDBOX });
    render(SendzenSettings, { props: {} });
    const user = userEvent.setup();
    await screen.findByTestId("sendzen-mode");

    await user.type(input("sendzen-url"), "http://api.sendzen.io");
    await user.type(input("sendzen-partner-key"), "short");
    await user.click(document.getElementById("sendzen-use-partner")!);

    expect(await screen.findByText(/Use https:\/\/ for SendZen's API/)).toBeInTheDocument();
    expect(screen.getByText(/8 to 256 characters/)).toBeInTheDocument();
    expect(invoke).not.toHaveBeenCalledWith("sendzen_use_partner", expect.anything());
  });

  it("switches back to the sandbox", async () => {
    const invoke = routeCommands({ sendzen_settings: () => PARTNER, sendzen_use_sandbox: () => SANDBOX });
    render(SendzenSettings, { props: {} });
    const user = userEvent.setup();
    await screen.findByTestId("sendzen-mode");
    await user.click(document.getElementById("sendzen-use-sandbox")!);
    await waitFor(() => expect(screen.getByTestId("sendzen-mode")).toHaveTextContent("Sandbox"));
    expect(invoke).toHaveBeenCalledWith("sendzen_use_sandbox", {});
  });
});
