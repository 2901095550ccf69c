import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { ConnectionState } from "../../bindings/ConnectionState";
import type { RelayStatus } from "../../bindings/RelayStatus";
import RelayIndicator from "../RelayIndicator.svelte";
import { GUPSHUP_ACCOUNT, SANDBOX_ACCOUNT, relayStatus } from "../../test/fixtures";
import { emitAppEvent, listenerCount } from "../../test/mockEvents";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

async function indicatorIn(state: ConnectionState) {
  await waitFor(() => expect(screen.getByTestId("relay-indicator")).toHaveAttribute("data-state", state));
  return screen.getByTestId("relay-indicator");
}

async function openPanel(user = userEvent.setup()) {
  await user.click(screen.getByTestId("relay-indicator"));
  return screen.findByTestId("relay-panel");
}

describe("Relay indicator", () => {
  it.each([
    ["connected", "Connected"],
    ["connecting", "Connecting…"],
    ["reconnecting", "Reconnecting…"],
    ["offline", "Offline"],
  ] as const)("shows %s as %j with an accessible label", async (state, text) => {
    routeCommands({ relay_status: () => relayStatus({ state }) });
    render(RelayIndicator);

    const pill = await indicatorIn(state);
    expect(pill).toHaveTextContent(text);
    expect(pill).toHaveAccessibleName(`Webhook relay: ${text}`);
    expect(pill).toHaveAttribute("aria-expanded", "false");
  });

  it("puts the last error in the tooltip and the accessible name", async () => {
    routeCommands({
      relay_status: () => relayStatus({ state: "reconnecting", last_error: "cannot connect to the relay: refused" }),
    });
    render(RelayIndicator);

    const pill = await indicatorIn("reconnecting");
    expect(pill.title).toContain("Last error: cannot connect to the relay: refused");
    expect(pill).toHaveAccessibleName(/Last error: cannot connect to the relay: refused/);
  });

  it("shows offline with the reason when the relay could not start", async () => {
    routeCommands({
      relay_status: () => {
        throw { code: "relay_unavailable", message: "the embedded relay could not bind 127.0.0.1" };
      },
    });
    render(RelayIndicator);

    const pill = await indicatorIn("offline");
    expect(pill.title).toContain("the embedded relay could not bind 127.0.0.1");
    const panel = await openPanel();
    const lastError = within(panel).getByTestId("relay-last-error");
    expect(lastError).toHaveTextContent("The webhook relay could not be reached.");
    expect(lastError).toHaveTextContent("Details: the embedded relay could not bind 127.0.0.1");
    expect(lastError).toHaveTextContent("Next step: Restart Wadesk");
    expect(within(panel).getByRole("button", { name: "Run self-test" })).toBeDisabled();
  });

  it("follows relay-status events and stops listening when removed", async () => {
    routeCommands({ relay_status: () => relayStatus({ state: "offline" }) });
    const { unmount } = render(RelayIndicator);
    await indicatorIn("offline");

    emitAppEvent("relay-status", relayStatus({ state: "connected" }));
    await indicatorIn("connected");
    emitAppEvent("relay-status", relayStatus({ state: "reconnecting", last_error: "the relay has been silent for 30 s" }));
    const pill = await indicatorIn("reconnecting");
    expect(pill.title).toContain("the relay has been silent for 30 s");

    expect(listenerCount("relay-status")).toBe(1);
    unmount();
    expect(listenerCount("relay-status")).toBe(0);
  });

  it("keeps a pushed status over an older snapshot that answers later", async () => {
    const pending = deferred<RelayStatus>();
    routeCommands({ relay_status: () => pending.promise });
    render(RelayIndicator);
    await waitFor(() => expect(invokedCommands()).toContain("relay_status"));

    emitAppEvent("relay-status", relayStatus({ state: "connected" }));
    await indicatorIn("connected");
    pending.resolve(relayStatus({ state: "connecting" }));
    await pending.promise;

    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.getByTestId("relay-indicator")).toHaveAttribute("data-state", "connected");
  });
});

describe("Relay panel", () => {
  it("shows mode, URLs, last event, backlog and cursor, and closes on Escape", async () => {
    const lastEvent = Date.now() - 3 * 60_000;
    routeCommands({
      relay_status: () => relayStatus({ last_event_at: lastEvent, backlog: 3, cursor: 1234 }),
    });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");

    const panel = await openPanel(user);
    expect(screen.getByTestId("relay-indicator")).toHaveAttribute("aria-expanded", "true");
    expect(panel).toHaveAccessibleName("Webhook relay");
    expect(within(panel).getByTestId("relay-mode")).toHaveAttribute("data-mode", "embedded");
    expect(within(panel).getByTestId("relay-mode")).toHaveTextContent("Embedded");
    expect(within(panel).getByTestId("relay-url")).toHaveTextContent("http://127.0.0.1:47123");
    expect(within(panel).getByTestId("relay-hook-url")).toHaveTextContent("••••9c1e");
    const time = within(panel).getByTestId("relay-last-event").querySelector("time")!;
    expect(time).toHaveTextContent("3 minutes ago");
    expect(time).toHaveAttribute("datetime", new Date(lastEvent).toISOString());
    expect(within(panel).getByTestId("relay-last-event")).toHaveTextContent(String(new Date(lastEvent).getFullYear()));
    expect(within(panel).getByTestId("relay-backlog")).toHaveTextContent("3 waiting at the relay");
    expect(within(panel).getByTestId("relay-cursor")).toHaveTextContent("1,234");
    expect(within(panel).queryByTestId("relay-last-error")).not.toBeInTheDocument();

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("relay-panel")).not.toBeInTheDocument();
    expect(screen.getByTestId("relay-indicator")).toHaveFocus();
  });

  it("shows why the embedded relay moved to another port", async () => {
    const notice = "Another program holds port 47123, where this install's relay used to listen";
    routeCommands({ relay_status: () => relayStatus({ notice }) });
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel();
    expect(within(panel).getByTestId("relay-notice")).toHaveTextContent(notice);
    expect(within(panel).queryByTestId("relay-last-error")).not.toBeInTheDocument();
  });

  it("says when no event arrived yet", async () => {
    routeCommands({ relay_status: () => relayStatus({ last_event_at: null }) });
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel();
    expect(within(panel).getByTestId("relay-last-event")).toHaveTextContent("None since Wadesk started");
    expect(within(panel).getByTestId("relay-backlog")).toHaveTextContent("None waiting");
  });

  it("gives the last error and a next step that fits a remote relay", async () => {
    routeCommands({
      relay_status: () =>
        relayStatus({
          state: "reconnecting",
          mode: "remote",
          relay_url: "https://relay.example.com",
          last_error: "cannot connect to the relay: HTTP error: 502 Bad Gateway",
        }),
    });
    render(RelayIndicator);
    await indicatorIn("reconnecting");
    const panel = await openPanel();

    const lastError = within(panel).getByTestId("relay-last-error");
    expect(lastError).toHaveTextContent("Last error: cannot connect to the relay: HTTP error: 502 Bad Gateway");
    expect(lastError).toHaveTextContent("ask the relay's operator whether https://relay.example.com is running");
    expect(within(panel).getByRole("heading", { name: "Switch to another remote relay" })).toBeInTheDocument();
  });

  it("updates while open when a status event arrives", async () => {
    routeCommands({ relay_status: () => relayStatus({ cursor: 1 }) });
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel();

    emitAppEvent("relay-status", relayStatus({ cursor: 2, last_event_at: Date.now() }));
    await waitFor(() => expect(within(panel).getByTestId("relay-cursor")).toHaveTextContent("2"));
    expect(within(panel).getByTestId("relay-last-event")).toHaveTextContent("just now");
  });

  it("closes when clicking outside it", async () => {
    routeCommands({ relay_status: () => relayStatus() });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    await openPanel(user);

    await user.click(document.body);
    expect(screen.queryByTestId("relay-panel")).not.toBeInTheDocument();
  });
});

describe("Self-test", () => {
  it("shows progress, then the round trip time", async () => {
    const pending = deferred<{ round_trip_ms: number; relay_received_at: number }>();
    routeCommands({ relay_status: () => relayStatus(), relay_self_test: () => pending.promise });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel(user);

    await user.click(within(panel).getByRole("button", { name: "Run self-test" }));
    const button = panel.querySelector<HTMLButtonElement>("#relay-self-test")!;
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent("Running self-test…");
    expect(within(panel).getByTestId("self-test-progress")).toBeInTheDocument();
    expect(within(panel).queryByTestId("self-test-result")).not.toBeInTheDocument();

    pending.resolve({ round_trip_ms: 42, relay_received_at: Date.now() });
    const result = await within(panel).findByTestId("self-test-result");
    expect(result).toHaveAttribute("data-outcome", "passed");
    expect(result).toHaveTextContent("Self-test passed in 42 ms");
    expect(button).toBeEnabled();
    expect(button).toHaveTextContent("Run self-test");
    expect(invokedCommands().filter((c) => c === "relay_self_test")).toHaveLength(1);
  });

  it("shows why it failed", async () => {
    routeCommands({
      relay_status: () => relayStatus(),
      relay_self_test: () => {
        throw {
          code: "relay_unavailable",
          message: "the self-test event was accepted by the relay but did not arrive within 10s; status: Reconnecting",
        };
      },
    });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel(user);

    await user.click(within(panel).getByRole("button", { name: "Run self-test" }));
    const result = await within(panel).findByTestId("self-test-result");
    expect(result).toHaveAttribute("data-outcome", "failed");
    expect(result).toHaveAttribute("data-code", "relay_unavailable");
    expect(result).toHaveTextContent("Self-test failed");
    expect(result).toHaveTextContent("The test webhook did not make it through the relay.");
    expect(result).toHaveTextContent("did not arrive within 10s");
  });
});

describe("Use a remote relay", () => {
  async function openForm() {
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel(user);
    await user.click(within(panel).getByRole("button", { name: "Set up a remote relay…" }));
    const form = within(panel).getByRole("form", { name: "Use a remote relay" });
    return { user, panel, form };
  }

  function input(id: string) {
    return document.querySelector<HTMLInputElement>(`#${id}`)!;
  }

  it("keeps the admin token in a password field", async () => {
    routeCommands({ relay_status: () => relayStatus() });
    await openForm();
    expect(input("relay-admin-token")).toHaveAttribute("type", "password");
    expect(input("relay-admin-token")).toHaveAttribute("autocomplete", "off");
    expect(input("relay-remote-url")).toHaveFocus();
  });

  it.each([
    ["", "tok", "Enter the relay's URL, for example https://relay.example.com.", undefined],
    ["ftp://relay.example.com", "tok", "The relay URL must start with https://.", undefined],
    [
      "http://relay.example.com",
      "tok",
      "Use https:// for a relay on another machine. Plain http:// is allowed only for 127.0.0.1, localhost or [::1].",
      undefined,
    ],
    ["https://relay.example.com", "", undefined, "Enter the admin token the relay's operator gave you."],
  ])("refuses %j / token %j before calling the core", async (url, token, urlError, tokenError) => {
    routeCommands({ relay_status: () => relayStatus() });
    const { user, form } = await openForm();
    if (url) await user.type(input("relay-remote-url"), url);
    if (token) await user.type(input("relay-admin-token"), token);
    await user.click(within(form).getByRole("button", { name: "Use this relay" }));

    if (urlError) {
      expect(await within(form).findByText(urlError)).toHaveAttribute("id", "relay-remote-url-error");
      expect(input("relay-remote-url")).toHaveAttribute("aria-invalid", "true");
      expect(input("relay-remote-url")).toHaveFocus();
    }
    if (tokenError) {
      expect(await within(form).findByText(tokenError)).toHaveAttribute("id", "relay-admin-token-error");
      expect(input("relay-admin-token")).toHaveAttribute("aria-invalid", "true");
    }
    expect(invokedCommands()).not.toContain("relay_use_remote");
  });

  it("switches, shows the new relay and forgets the token", async () => {
    const remote = relayStatus({ state: "connecting", mode: "remote", relay_url: "https://relay.example.com", cursor: 0 });
    const invoke = routeCommands({ relay_status: () => relayStatus(), relay_use_remote: () => remote });
    const { user, panel, form } = await openForm();
    await user.type(input("relay-remote-url"), "https://relay.example.com");
    await user.type(input("relay-admin-token"), "operator-admin-token-123");
    await user.click(within(form).getByRole("button", { name: "Use this relay" }));

    expect(invoke).toHaveBeenCalledWith("relay_use_remote", {
      url: "https://relay.example.com",
      adminToken: "operator-admin-token-123",
    });
    expect(await within(panel).findByTestId("remote-switched")).toHaveTextContent(
      "Now using the relay at https://relay.example.com",
    );
    expect(screen.queryByRole("form", { name: "Use a remote relay" })).not.toBeInTheDocument();
    await indicatorIn("connecting");
    expect(within(panel).getByTestId("relay-mode")).toHaveAttribute("data-mode", "remote");
    expect(within(panel).getByTestId("relay-url")).toHaveTextContent("https://relay.example.com");
    expect(document.body.innerHTML).not.toContain("operator-admin-token-123");

    // Reopening the form starts empty.
    await user.click(within(panel).getByRole("button", { name: "Switch relay…" }));
    expect(input("relay-admin-token").value).toBe("");
  });

  it("explains a refusal and leaves the current relay in place", async () => {
    routeCommands({
      relay_status: () => relayStatus(),
      relay_use_remote: () => {
        throw { code: "relay_unavailable", message: "the relay refused to create a channel (401 Unauthorized): bad admin token" };
      },
    });
    const { user, form } = await openForm();
    await user.type(input("relay-remote-url"), "https://relay.example.com");
    await user.type(input("relay-admin-token"), "wrong-token");
    await user.click(within(form).getByRole("button", { name: "Use this relay" }));

    const error = await within(form).findByTestId("error");
    expect(error).toHaveAttribute("data-code", "relay_unavailable");
    expect(error).toHaveTextContent("Wadesk could not set up a channel on that relay, so nothing changed");
    expect(error).toHaveTextContent("401 Unauthorized");
    expect(input("relay-remote-url").value).toBe("https://relay.example.com");
    expect(input("relay-admin-token").value).toBe("");
    expect(screen.getByTestId("relay-indicator")).toHaveAttribute("data-state", "connected");
    expect(screen.getByTestId("relay-mode")).toHaveAttribute("data-mode", "embedded");
  });

  it("shows the core's own words for a URL it refuses", async () => {
    routeCommands({
      relay_status: () => relayStatus(),
      relay_use_remote: () => {
        throw { code: "invalid_input", message: "relay URL: use https:// for a relay that is not on this machine" };
      },
    });
    const { user, form } = await openForm();
    await user.type(input("relay-remote-url"), "http://localhost:9");
    await user.type(input("relay-admin-token"), "tok");
    await user.click(within(form).getByRole("button", { name: "Use this relay" }));

    // At the URL field, in the core's words without the prefix its label already says.
    const error = await within(form).findByText("Use https:// for a relay that is not on this machine.");
    expect(error).toHaveAttribute("id", "relay-remote-url-error");
    expect(input("relay-remote-url")).toHaveAttribute("aria-invalid", "true");
    expect(input("relay-remote-url")).toHaveFocus();
    expect(within(form).queryByTestId("error")).not.toBeInTheDocument();

    await user.type(input("relay-remote-url"), "0");
    expect(form.querySelector("#relay-remote-url-error")).not.toBeInTheDocument();
  });

  it("puts a core error naming the admin token at that field", async () => {
    routeCommands({
      relay_status: () => relayStatus(),
      relay_use_remote: () => {
        throw { code: "invalid_input", message: "the admin token must not contain spaces", field: "admin_token" };
      },
    });
    const { user, form } = await openForm();
    await user.type(input("relay-remote-url"), "https://relay.example.com");
    await user.type(input("relay-admin-token"), "tok");
    await user.click(within(form).getByRole("button", { name: "Use this relay" }));

    const error = await within(form).findByText("The admin token must not contain spaces.");
    expect(error).toHaveAttribute("id", "relay-admin-token-error");
    expect(input("relay-admin-token")).toHaveAttribute("aria-invalid", "true");
  });

  it("can show the admin token while typing it", async () => {
    routeCommands({ relay_status: () => relayStatus() });
    const { user, form } = await openForm();
    await user.type(input("relay-admin-token"), "tok");
    await user.click(within(form).getByRole("button", { name: "Show" }));
    expect(input("relay-admin-token")).toHaveAttribute("type", "text");
    await user.click(within(form).getByRole("button", { name: "Hide" }));
    expect(input("relay-admin-token")).toHaveAttribute("type", "password");
  });
});

describe("Whether webhooks reach this computer", () => {
  it("keeps the hook URL, backlog and cursor under a closed Details disclosure", async () => {
    routeCommands({ relay_status: () => relayStatus({ backlog: 3 }), accounts_list: () => [SANDBOX_ACCOUNT] });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel(user);

    const details = panel.querySelector("details")!;
    expect(details).not.toHaveAttribute("open");
    const summary = details.querySelector("summary")!;
    expect(summary).toHaveAttribute("id", "relay-details");
    expect(summary).toHaveTextContent("Details");
    for (const id of ["relay-hook-url", "relay-backlog", "relay-cursor"]) {
      expect(details).toContainElement(within(panel).getByTestId(id));
    }
    // What a shop admin needs stays outside.
    expect(details).not.toContainElement(within(panel).getByTestId("relay-mode"));
    expect(details).not.toContainElement(within(panel).getByTestId("relay-url"));
    expect(details).not.toContainElement(within(panel).getByTestId("relay-last-event"));

    await user.click(summary);
    expect(details).toHaveAttribute("open");
  });

  it("says plainly that webhooks reach this computer with only the Sandbox account", async () => {
    routeCommands({ relay_status: () => relayStatus(), accounts_list: () => [SANDBOX_ACCOUNT] });
    render(RelayIndicator);
    const pill = await indicatorIn("connected");
    const panel = await openPanel();

    await waitFor(() =>
      expect(within(panel).getByTestId("relay-summary")).toHaveTextContent(
        "Webhooks (delivery updates and customer replies) from the Sandbox reach this computer.",
      ),
    );
    expect(within(panel).queryByTestId("relay-unreachable")).not.toBeInTheDocument();
    expect(pill).toHaveAttribute("data-reach", "local");
    expect(pill).toHaveAccessibleName("Webhook relay: Connected");
    expect(pill).toHaveTextContent("Connected");
  });

  it("warns that the provider cannot reach this computer once a real account uses the embedded relay", async () => {
    routeCommands({ relay_status: () => relayStatus(), accounts_list: () => [SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT] });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    const pill = screen.getByTestId("relay-indicator");
    await waitFor(() => expect(pill).toHaveAttribute("data-reach", "blocked"));
    expect(pill).toHaveAccessibleName(/Your provider cannot reach this computer/);
    expect(pill.title).toContain("Your provider cannot reach this computer. Set up a remote relay.");
    expect(pill).toHaveTextContent("Not reachable");

    const panel = await openPanel(user);
    const warning = within(panel).getByTestId("relay-unreachable");
    expect(warning).toHaveTextContent("Your provider cannot reach this computer.");
    expect(warning).toHaveTextContent(/127\.0\.0\.1/);
    expect(warning).toHaveTextContent(/delivery updates and customer replies for your real accounts do not arrive/);
    expect(panel).not.toHaveTextContent(/reach this computer as soon as/);
    expect(within(panel).queryByTestId("relay-summary")).not.toBeInTheDocument();

    // The way out opens the remote-relay form right here, its URL field first.
    await user.click(within(warning).getByRole("button", { name: "Set up a remote relay" }));
    expect(within(panel).getByRole("form", { name: "Use a remote relay" })).toBeInTheDocument();
    expect(document.querySelector("#relay-remote-url")).toHaveFocus();
  });

  it("does not warn with a remote relay, even with a real account", async () => {
    routeCommands({
      relay_status: () => relayStatus({ mode: "remote", relay_url: "https://relay.example.com" }),
      accounts_list: () => [SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT],
    });
    render(RelayIndicator);
    const pill = await indicatorIn("connected");
    await waitFor(() => expect(pill).toHaveAttribute("data-reach", "remote"));
    const panel = await openPanel();
    expect(within(panel).queryByTestId("relay-unreachable")).not.toBeInTheDocument();
    expect(within(panel).getByTestId("relay-summary")).toHaveTextContent(
      "Webhooks (delivery updates and customer replies) reach this computer through your remote relay.",
    );
    expect(pill).not.toHaveAccessibleName(/cannot reach/);
  });

  it("reads the accounts again when the panel opens", async () => {
    let accounts = [SANDBOX_ACCOUNT];
    routeCommands({ relay_status: () => relayStatus(), accounts_list: () => accounts });
    const user = userEvent.setup();
    render(RelayIndicator);
    const pill = await indicatorIn("connected");
    await waitFor(() => expect(pill).toHaveAttribute("data-reach", "local"));

    accounts = [SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT];
    const panel = await openPanel(user);
    expect(await within(panel).findByTestId("relay-unreachable")).toBeInTheDocument();
  });

  it("closes on Escape from the warning and hands focus back to the indicator", async () => {
    routeCommands({ relay_status: () => relayStatus(), accounts_list: () => [GUPSHUP_ACCOUNT] });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel(user);
    const setup = await within(panel).findByRole("button", { name: "Set up a remote relay" });
    setup.focus();

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("relay-panel")).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("relay-indicator")).toHaveFocus());
    expect(screen.getByTestId("relay-indicator")).toHaveAttribute("aria-expanded", "false");
  });
});

describe("Backlog while catching up", () => {
  it("shows what waits at the relay as soon as the stream opens, counting down to caught up", async () => {
    routeCommands({ relay_status: () => relayStatus({ state: "connecting", caught_up: false, backlog_known: false }) });
    const user = userEvent.setup();
    render(RelayIndicator);
    await indicatorIn("connecting");
    expect(screen.queryByTestId("relay-indicator-backlog")).not.toBeInTheDocument();

    // The relay's first frame announced 300 waiting.
    emitAppEvent("relay-status", relayStatus({ caught_up: false, backlog: 300, backlog_known: true, cursor: 0 }));
    const pill = await indicatorIn("connected");
    expect(within(pill).getByTestId("relay-indicator-backlog")).toHaveTextContent("300 waiting");
    expect(pill).toHaveAccessibleName("Webhook relay: Connected, catching up (300 waiting)");
    const panel = await openPanel(user);
    expect(within(panel).getByTestId("relay-catching-up")).toHaveTextContent("300 waiting");
    expect(within(panel).getByTestId("relay-backlog")).toHaveTextContent("300 waiting at the relay");

    // A batch of 212 applied.
    emitAppEvent("relay-status", relayStatus({ caught_up: false, backlog: 88, backlog_known: true, cursor: 212 }));
    await waitFor(() => expect(within(pill).getByTestId("relay-indicator-backlog")).toHaveTextContent("88 waiting"));
    expect(within(panel).getByTestId("relay-backlog")).toHaveTextContent("88 waiting at the relay");

    emitAppEvent("relay-status", relayStatus({ caught_up: true, backlog: 0, cursor: 300 }));
    await waitFor(() => expect(screen.queryByTestId("relay-indicator-backlog")).not.toBeInTheDocument());
    expect(within(panel).queryByTestId("relay-catching-up")).not.toBeInTheDocument();
    expect(within(panel).getByTestId("relay-backlog")).toHaveTextContent("None waiting");
    expect(pill).toHaveAccessibleName("Webhook relay: Connected");
  });

  it("says the count is not known with a relay that does not announce it", async () => {
    routeCommands({ relay_status: () => relayStatus({ caught_up: false, backlog: 0, backlog_known: false }) });
    render(RelayIndicator);
    const pill = await indicatorIn("connected");
    expect(within(pill).getByTestId("relay-indicator-backlog")).toHaveTextContent("counting…");
    const panel = await openPanel();
    expect(within(panel).getByTestId("relay-backlog")).toHaveTextContent("Not known yet");
    expect(within(panel).getByTestId("relay-backlog")).not.toHaveTextContent("None waiting");
  });
});

describe("Back to the embedded relay", () => {
  const REMOTE = { mode: "remote", relay_url: "https://relay.example.com", hook_url_masked: "••••r3m0" } as const;
  const SWITCHED = {
    previous_relay_url: "https://relay.example.com",
    relay_url: "http://127.0.0.1:47999",
    channel_id: "ch_new",
    hook_url_masked: "••••e7b2",
    fetched: 4,
    remote_drained: true,
    left_behind: null,
  };

  async function openDialog(user = userEvent.setup()) {
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel(user);
    await user.click(within(panel).getByRole("button", { name: "Back to the embedded relay" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Back to the embedded relay?" });
    return { user, panel, dialog };
  }

  it("is offered only while a remote relay is in use", async () => {
    routeCommands({ relay_status: () => relayStatus() });
    render(RelayIndicator);
    await indicatorIn("connected");
    const panel = await openPanel();
    expect(within(panel).queryByRole("button", { name: "Back to the embedded relay" })).not.toBeInTheDocument();
  });

  it("asks first, saying the hook URL changes; cancelling changes nothing", async () => {
    routeCommands({ relay_status: () => relayStatus(REMOTE), accounts_list: () => [SANDBOX_ACCOUNT] });
    const { user, dialog } = await openDialog();
    expect(dialog).toHaveTextContent("This install gets a new hook URL");
    expect(dialog).toHaveTextContent("Providers must send webhooks to the new one");
    expect(dialog).toHaveTextContent("First Wadesk fetches the webhooks still waiting at https://relay.example.com");
    expect(within(dialog).queryByTestId("relay-embedded-unreachable")).not.toBeInTheDocument();
    // The safe choice has focus.
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();

    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("relay_use_embedded");
    expect(screen.getByTestId("relay-mode")).toHaveAttribute("data-mode", "remote");
  });

  it("warns that real accounts' providers cannot reach the embedded relay", async () => {
    routeCommands({ relay_status: () => relayStatus(REMOTE), accounts_list: () => [SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT] });
    const { dialog } = await openDialog();
    expect(within(dialog).getByTestId("relay-embedded-unreachable")).toHaveTextContent(
      "only this computer can reach",
    );
  });

  it("switches once confirmed, then shows the embedded relay and its new hook URL, masked", async () => {
    let current = relayStatus(REMOTE);
    const invoke = routeCommands({
      relay_status: () => current,
      relay_use_embedded: () => {
        current = relayStatus({ relay_url: SWITCHED.relay_url, hook_url_masked: SWITCHED.hook_url_masked, cursor: 0 });
        return SWITCHED;
      },
    });
    const { user, panel, dialog } = await openDialog();
    await user.click(within(dialog).getByRole("button", { name: "Switch to the embedded relay" }));

    expect(invoke).toHaveBeenCalledWith("relay_use_embedded", { leaveWaiting: false });
    const done = await within(panel).findByTestId("embedded-switched");
    expect(done).toHaveTextContent("Now using the embedded relay.");
    expect(done).toHaveTextContent("4 waiting webhooks were fetched from https://relay.example.com first.");
    expect(done).toHaveTextContent("The hook URL changed (now ••••e7b2): point your providers at it.");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    await waitFor(() => expect(within(panel).getByTestId("relay-mode")).toHaveAttribute("data-mode", "embedded"));
    expect(within(panel).getByTestId("relay-url")).toHaveTextContent("http://127.0.0.1:47999");
    expect(within(panel).getByTestId("relay-hook-url")).toHaveTextContent("••••e7b2");
    expect(within(panel).queryByRole("button", { name: "Back to the embedded relay" })).not.toBeInTheDocument();
  });

  it("offers to leave the backlog behind only after the core could not fetch it", async () => {
    const calls: boolean[] = [];
    routeCommands({
      relay_status: () => relayStatus(REMOTE),
      relay_use_embedded: (args) => {
        const leaveWaiting = (args as { leaveWaiting: boolean }).leaveWaiting;
        calls.push(leaveWaiting);
        if (!leaveWaiting) {
          throw {
            code: "relay_backlog",
            message:
              "relay: could not fetch the webhooks that may still wait at the relay at https://relay.example.com (cannot connect to the relay: refused); nothing changed",
          };
        }
        return { ...SWITCHED, fetched: 0, remote_drained: false, left_behind: null };
      },
    });
    const { user, panel, dialog } = await openDialog();
    await user.click(within(dialog).getByRole("button", { name: "Switch to the embedded relay" }));

    const leave = await screen.findByRole("alertdialog", { name: "Leave waiting webhooks behind?" });
    expect(leave).toHaveTextContent("nothing has changed yet");
    expect(leave).toHaveTextContent("Details: relay: could not fetch the webhooks");
    expect(leave).toHaveTextContent("whatever still waits there is never fetched");
    await user.click(within(leave).getByRole("button", { name: "Switch anyway" }));

    expect(calls).toEqual([false, true]);
    expect(await within(panel).findByTestId("embedded-switched")).toHaveTextContent(
      "Any webhooks still waiting at https://relay.example.com were left there and will not be fetched.",
    );
  });

  it("keeps the remote relay when the user declines to leave the backlog behind", async () => {
    routeCommands({
      relay_status: () => relayStatus(REMOTE),
      relay_use_embedded: () => {
        throw { code: "relay_backlog", message: "relay: 12 webhooks still wait at the relay; nothing changed" };
      },
    });
    const { user, dialog } = await openDialog();
    await user.click(within(dialog).getByRole("button", { name: "Switch to the embedded relay" }));
    const leave = await screen.findByRole("alertdialog", { name: "Leave waiting webhooks behind?" });
    await user.click(within(leave).getByRole("button", { name: "Keep the remote relay" }));

    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(invokedCommands().filter((c) => c === "relay_use_embedded")).toHaveLength(1);
    expect(screen.getByTestId("relay-mode")).toHaveAttribute("data-mode", "remote");
    expect(screen.queryByTestId("embedded-switched")).not.toBeInTheDocument();
  });

  it("shows any other refusal under the button", async () => {
    routeCommands({
      relay_status: () => relayStatus(REMOTE),
      relay_use_embedded: () => {
        throw { code: "nothing_to_do", message: "this install already uses the embedded relay; nothing changed" };
      },
    });
    const { user, panel, dialog } = await openDialog();
    await user.click(within(dialog).getByRole("button", { name: "Switch to the embedded relay" }));
    const error = await within(panel).findByTestId("error");
    expect(error).toHaveAttribute("data-code", "nothing_to_do");
    expect(error).toHaveTextContent("nothing was changed");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });
});
