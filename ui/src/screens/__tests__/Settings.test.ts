import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Settings from "../settings/Settings.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { health } from "../../test/messaging";
import { emitAppEvent } from "../../test/mockEvents";
import { deferred, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

/** What the inbox panels below the health panel load. */
const INBOX_PANELS = {
  inbox_settings: () => ({ notify: true, notify_text: false }),
  canned_replies_list: () => [],
  contacts_page: () => ({ contacts: [], total: 0, tags: [], fields: [] }),
};

describe("Settings: messaging health", () => {
  it("shows the API, a stale webhook after a relay switch, and registers it again", async () => {
    const pending = deferred<unknown>();
    const invoke = routeCommands({
      ...INBOX_PANELS,
      messaging_health: () => health({ webhook_current: false, webhook_error: "timed out" }),
      webhook_register: () => pending.promise,
    });
    const user = userEvent.setup();
    render(Settings, { props: { account: SANDBOX_ACCOUNT } });

    const webhook = await screen.findByTestId("health-webhook");
    expect(webhook).toHaveAttribute("data-state", "stale");
    expect(webhook).toHaveTextContent("register again");
    expect(screen.getByTestId("health-api-base")).toHaveTextContent("http://127.0.0.1:8787");
    expect(screen.getByTestId("health-webhook-error")).toHaveTextContent("timed out");
    expect(screen.getByTestId("health-last-event")).toHaveTextContent("None received yet");

    await user.click(screen.getByRole("button", { name: "Register webhook" }));
    expect(document.getElementById("webhook-register")).toBeDisabled();
    expect(invoke).toHaveBeenCalledWith("webhook_register", { accountId: "acc-sandbox" });
    pending.resolve(health({ webhook_registered_at: Date.now() }));
    await waitFor(() => expect(screen.getByTestId("health-webhook")).toHaveAttribute("data-state", "current"));
    expect(screen.queryByTestId("health-webhook-error")).not.toBeInTheDocument();
  });

  it("says when the webhook was never registered, and reloads on a health change", async () => {
    let current = health({ webhook_registered_at: null });
    routeCommands({ ...INBOX_PANELS, messaging_health: () => current });
    render(Settings, { props: { account: SANDBOX_ACCOUNT } });
    await waitFor(() => expect(screen.getByTestId("health-webhook")).toHaveAttribute("data-state", "missing"));
    expect(screen.getByTestId("health-webhook")).toHaveTextContent("Not registered");

    current = health({ last_event_at: Date.now() });
    emitAppEvent("store-changed", { kind: "health", account_id: "acc-sandbox" });
    await waitFor(() => expect(screen.getByTestId("health-webhook")).toHaveAttribute("data-state", "current"));
    expect(screen.getByTestId("health-last-event")).toHaveTextContent("just now");
  });

  it("sets the connected number, showing core's field error at the field until the user edits", async () => {
    let calls = 0;
    const invoke = routeCommands({
      ...INBOX_PANELS,
      messaging_health: () => health({ business_number: null }),
      messaging_set_number: () => {
        calls += 1;
        if (calls === 1) throw { code: "invalid_input", message: "use the international format", field: "business_number" };
        return health({ business_number: "421233221242" });
      },
    });
    const user = userEvent.setup();
    render(Settings, { props: { account: SANDBOX_ACCOUNT } });
    expect(await screen.findByTestId("health-business-number")).toHaveTextContent("Not set");
    await user.click(screen.getByRole("button", { name: "Set number" }));
    const input = screen.getByLabelText("WhatsApp number of this account");
    await user.type(input, "0911 222 333{Enter}");
    expect(await screen.findByText("use the international format")).toBeInTheDocument();
    expect(input).toHaveAttribute("aria-invalid", "true");
    await user.clear(input);
    expect(screen.queryByText("use the international format")).not.toBeInTheDocument();
    await user.type(input, "+421 233 221 242{Enter}");
    await waitFor(() => expect(screen.getByTestId("health-business-number")).toHaveTextContent("+421233221242"));
    expect(invoke).toHaveBeenLastCalledWith("messaging_set_number", { accountId: "acc-sandbox", number: "+421 233 221 242" });
  });

  it("shows a registration failure", async () => {
    routeCommands({
      ...INBOX_PANELS,
      messaging_health: () => health({ webhook_registered_at: null }),
      webhook_register: () => {
        throw { code: "provider_rejected", message: "400 bad url" };
      },
    });
    const user = userEvent.setup();
    render(Settings, { props: { account: SANDBOX_ACCOUNT } });
    await user.click(await screen.findByRole("button", { name: "Register webhook" }));
    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "provider_rejected");
    expect(error).toHaveTextContent("400 bad url");
  });
});
