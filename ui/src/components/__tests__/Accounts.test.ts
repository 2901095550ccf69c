import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { AccountView } from "../../bindings/AccountView";
import Accounts from "../Accounts.svelte";
import { GUPSHUP_ACCOUNT, PROVIDERS, SANDBOX_ACCOUNT } from "../../test/fixtures";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

/** Serves a mutable account list so reloads after a change see the change. */
function serveAccounts(initial: AccountView[], extra: Parameters<typeof routeCommands>[0] = {}) {
  const store = { accounts: [...initial] };
  const invoke = routeCommands({
    providers_catalog: () => PROVIDERS,
    accounts_list: () => store.accounts,
    ...extra,
  });
  return { store, invoke };
}

async function rows() {
  return screen.findAllByTestId("account-row");
}

function rowFor(id: string): HTMLElement {
  const row = document.querySelector<HTMLElement>(`[data-testid="account-row"][data-account-id="${id}"]`);
  if (!row) throw new Error(`no row for ${id}`);
  return row;
}

describe("Accounts list", () => {
  it("renders each account with provider label, base URL and masked credentials", async () => {
    serveAccounts([SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT]);
    render(Accounts);

    expect(await rows()).toHaveLength(2);
    const row = rowFor("acc-gupshup");
    expect(row.querySelector(".account-name")).toHaveTextContent("Support line");
    expect(row.querySelector(".provider")).toHaveTextContent("Gupshup");
    expect(row).toHaveTextContent("https://api.gupshup.io");
    const credentials = [...row.querySelectorAll(".credential")].map((c) => [
      c.querySelector(".credential-name")?.textContent,
      c.querySelector(".credential-masked")?.textContent,
    ]);
    expect(credentials).toEqual([
      ["API key", "••••3f9a"],
      ["App name", "••••desk"],
    ]);
    expect(row).not.toHaveTextContent("api_key");
  });

  it("badges sandbox accounts only", async () => {
    serveAccounts([SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT]);
    render(Accounts);
    await rows();

    expect(within(rowFor("acc-sandbox")).getByTestId("sandbox-badge")).toHaveTextContent("SANDBOX");
    expect(within(rowFor("acc-gupshup")).queryByTestId("sandbox-badge")).not.toBeInTheDocument();
    expect(screen.queryByTestId("sandbox-banner")).not.toBeInTheDocument();
  });

  it("shows the simulator banner when only sandbox accounts exist", async () => {
    serveAccounts([SANDBOX_ACCOUNT]);
    render(Accounts);
    await rows();

    expect(screen.getByTestId("sandbox-banner")).toHaveTextContent(/local simulator/);
  });

  it("shows a load failure with its code", async () => {
    routeCommands({
      providers_catalog: () => PROVIDERS,
      accounts_list: () => {
        throw { code: "store_locked", message: "locked" };
      },
    });
    render(Accounts);

    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "store_locked");
  });
});

describe("Removing an account", () => {
  it("asks for confirmation and does nothing on No", async () => {
    serveAccounts([GUPSHUP_ACCOUNT], { account_remove: () => null });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="remove"]')!);
    const dialog = document.getElementById("confirm-remove")!;
    expect(dialog).toBeInTheDocument();
    expect(dialog).toHaveTextContent("Support line");

    await user.click(document.getElementById("confirm-remove-no")!);
    expect(document.getElementById("confirm-remove")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("account_remove");
  });

  it("invokes account_remove only after Yes, then reloads the list", async () => {
    const { store, invoke } = serveAccounts([SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT], {
      account_remove: ({ id }) => {
        store.accounts = store.accounts.filter((a) => a.id !== id);
        return null;
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="remove"]')!);
    expect(invokedCommands()).not.toContain("account_remove");

    await user.click(document.getElementById("confirm-remove-yes")!);

    expect(invoke).toHaveBeenCalledWith("account_remove", { id: "acc-gupshup" });
    await waitFor(() => expect(screen.getAllByTestId("account-row")).toHaveLength(1));
    expect(invokedCommands().filter((c) => c === "accounts_list")).toHaveLength(2);
    expect(document.getElementById("confirm-remove")).not.toBeInTheDocument();
  });

  it("shows not_found and refreshes when the account is already gone", async () => {
    const { store } = serveAccounts([GUPSHUP_ACCOUNT], {
      account_remove: () => {
        store.accounts = [];
        throw { code: "not_found", message: "no such account" };
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="remove"]')!);
    await user.click(document.getElementById("confirm-remove-yes")!);

    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "not_found");
    await waitFor(() => expect(screen.queryAllByTestId("account-row")).toHaveLength(0));
  });
});

describe("Renaming an account", () => {
  it("edits inline, saves with account_rename and reloads", async () => {
    const { store, invoke } = serveAccounts([GUPSHUP_ACCOUNT], {
      account_rename: ({ id, name }) => {
        store.accounts = store.accounts.map((a) => (a.id === id ? { ...a, display_name: String(name) } : a));
        return store.accounts[0];
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="rename"]')!);
    const input = rowFor("acc-gupshup").querySelector<HTMLInputElement>("input.rename-input")!;
    expect(input).toHaveValue("Support line");
    expect(input).toHaveFocus();

    await user.clear(input);
    await user.type(input, "Sales line");
    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="save-name"]')!);

    expect(invoke).toHaveBeenCalledWith("account_rename", { id: "acc-gupshup", name: "Sales line" });
    await waitFor(() =>
      expect(rowFor("acc-gupshup").querySelector(".account-name")).toHaveTextContent("Sales line"),
    );
    expect(rowFor("acc-gupshup").querySelector("input.rename-input")).not.toBeInTheDocument();
  });

  it("cancels on Escape without invoking", async () => {
    serveAccounts([GUPSHUP_ACCOUNT]);
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="rename"]')!);
    await user.type(rowFor("acc-gupshup").querySelector("input.rename-input")!, " changed{Escape}");

    expect(rowFor("acc-gupshup").querySelector("input.rename-input")).not.toBeInTheDocument();
    expect(rowFor("acc-gupshup").querySelector(".account-name")).toHaveTextContent("Support line");
    expect(invokedCommands()).not.toContain("account_rename");
  });

  it("refuses an empty name", async () => {
    serveAccounts([GUPSHUP_ACCOUNT]);
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="rename"]')!);
    await user.clear(rowFor("acc-gupshup").querySelector("input.rename-input")!);
    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="save-name"]')!);

    expect(screen.getByText("Enter a name for this account.")).toBeInTheDocument();
    expect(invokedCommands()).not.toContain("account_rename");
  });
});

const CA_CREDENTIALS = [
  { name: "app_id", masked: "••••4242" },
  { name: "app_secret", masked: "••••5150" },
];
const account = (id: string, state: AccountView["state"], state_detail: string | null): AccountView => ({
  ...GUPSHUP_ACCOUNT,
  id,
  provider: "chatarchitect",
  display_name: `Shop ${id}`,
  base_url: "https://api.chatarchitect.com",
  credentials: CA_CREDENTIALS,
  state,
  state_detail,
  checked_at: state === "not_verified" ? null : 1_700_000_500_000,
});
const CONNECTED = account("ok", "connected", "The provider accepted the credentials.");
const NOT_VERIFIED = account("nv", "not_verified", "Could not check: the provider did not answer in time.");
const REFUSED = account(
  "no",
  "refused",
  "The provider refused these credentials. Check the App ID and App secret, then save them again.",
);

const stateOf = (id: string) => within(rowFor(id)).getByTestId("account-state");

describe("Account states", () => {
  it("shows each state in words with a shape, and what to do next", async () => {
    serveAccounts([SANDBOX_ACCOUNT, CONNECTED, NOT_VERIFIED, REFUSED]);
    render(Accounts);
    await rows();

    const cases: [string, string, RegExp][] = [
      ["acc-sandbox", "sandbox", /Sandbox.*local simulator/],
      ["ok", "connected", /Connected.*provider accepted the credentials/],
      ["nv", "not_verified", /Not verified.*Could not check: the provider did not answer in time\./],
      ["no", "refused", /Refused.*Check the App ID and App secret.*save them again/],
    ];
    for (const [id, state, text] of cases) {
      const element = stateOf(id);
      expect(element).toHaveAttribute("data-state", state);
      expect(element).toHaveTextContent(text);
      expect(element.querySelector(".state-icon")?.textContent?.trim()).toBeTruthy();
    }
    // Four different words and four different shapes: not colour alone.
    const labels = cases.map(([id]) => stateOf(id).querySelector(".state-label")?.textContent);
    const icons = cases.map(([id]) => stateOf(id).querySelector(".state-icon")?.textContent);
    expect(new Set(labels).size).toBe(4);
    expect(new Set(icons).size).toBe(4);
  });

  it("checks again with account_check and shows what the provider said", async () => {
    const { invoke } = serveAccounts([SANDBOX_ACCOUNT, NOT_VERIFIED], {
      account_check: ({ id }) => ({ ...NOT_VERIFIED, id: String(id), state: "refused", state_detail: REFUSED.state_detail }),
    });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    expect(within(rowFor("acc-sandbox")).queryByRole("button", { name: "Check again" })).not.toBeInTheDocument();
    await user.click(within(rowFor("nv")).getByRole("button", { name: "Check again" }));

    expect(invoke).toHaveBeenCalledWith("account_check", { id: "nv" });
    await waitFor(() => expect(stateOf("nv")).toHaveAttribute("data-state", "refused"));
    expect(stateOf("nv")).toHaveTextContent("Refused");
    expect(screen.getByTestId("accounts-notice")).toHaveTextContent(/but the provider refused these credentials/);
  });

  it("shows a failed check as an error", async () => {
    serveAccounts([CONNECTED], {
      account_check: () => {
        throw { code: "store_locked", message: "locked" };
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(within(rowFor("ok")).getByRole("button", { name: "Check again" }));
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "store_locked");
  });
});

describe("Buttons and choices", () => {
  it("styles every button of the screen with a variant, and says when to use which way in", async () => {
    serveAccounts([SANDBOX_ACCOUNT, CONNECTED]);
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    expect(document.getElementById("add-account")).toHaveClass("btn", "secondary");
    expect(document.getElementById("connect-number")).toHaveClass("btn", "primary");
    expect(screen.getByRole("button", { name: "Add account" })).toHaveAccessibleDescription(
      /Already have credentials.*from your provider/,
    );
    expect(screen.getByRole("button", { name: "Connect a number" })).toHaveAccessibleDescription(
      /No credentials yet\?.*through ChatArchitect/,
    );

    await user.click(document.getElementById("add-account")!);
    await user.click(rowFor("ok").querySelector('button[data-action="remove"]')!);
    const unstyled = [...document.querySelectorAll("button")].filter(
      (b) => !b.classList.contains("btn") && b.dataset.testid !== "password-toggle",
    );
    expect(unstyled.map((b) => b.outerHTML)).toEqual([]);
  });
});

describe("Esc and focus", () => {
  it("closes the Remove dialog on Esc, removes nothing and gives focus back to Remove", async () => {
    serveAccounts([GUPSHUP_ACCOUNT], { account_remove: () => null });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    const remove = rowFor("acc-gupshup").querySelector<HTMLElement>('button[data-action="remove"]')!;
    await user.click(remove);
    expect(document.getElementById("confirm-remove-no")).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(document.getElementById("confirm-remove")).not.toBeInTheDocument();
    await waitFor(() => expect(remove).toHaveFocus());
    expect(invokedCommands()).not.toContain("account_remove");
  });

  it("with the add form open, Esc closes only the Remove dialog", async () => {
    serveAccounts([SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT]);
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(document.getElementById("add-account")!);
    await user.click(rowFor("acc-gupshup").querySelector('button[data-action="remove"]')!);
    await user.keyboard("{Escape}");

    expect(document.getElementById("confirm-remove")).not.toBeInTheDocument();
    expect(document.querySelector("form#account-form")).toBeInTheDocument();
  });

  it("gives focus back to Rename when a rename is cancelled with Esc", async () => {
    serveAccounts([GUPSHUP_ACCOUNT]);
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    const rename = rowFor("acc-gupshup").querySelector<HTMLElement>('button[data-action="rename"]')!;
    await user.click(rename);
    expect(rowFor("acc-gupshup").querySelector("input.rename-input")).toHaveFocus();
    await user.keyboard("{Escape}");

    expect(rowFor("acc-gupshup").querySelector("input.rename-input")).not.toBeInTheDocument();
    await waitFor(() => expect(rowFor("acc-gupshup").querySelector('button[data-action="rename"]')).toHaveFocus());
  });
});

describe("Connect a number through 360dialog", () => {
  it("offers 360dialog beside ChatArchitect and SendZen and reports the connected number", async () => {
    const onboarding = {
      id: "acc-d360",
      mode: "sandbox",
      stage: "signup",
      stage_detail: null,
      host_url: "http://127.0.0.1:8790/d360/signup?state=st_1",
      host_origin: "http://127.0.0.1:8790",
      state: "st_1",
      client_name: "Acme GmbH",
      client_id: "cl_1",
      tier: "basic",
      waba_id: null,
      phone_number_id: null,
      channel_id: null,
      phone_number: null,
      account_id: null,
      created_at: 0,
      updated_at: 0,
    };
    const { invoke } = serveAccounts([SANDBOX_ACCOUNT], {
      registration_start: () => new Promise(() => {}),
      d360_settings: () => ({ mode: "sandbox", default_tier: "basic" }),
      d360_start: () => onboarding,
      d360_signup: () => ({ ...onboarding, stage: "connected", phone_number: "+4915112345678", account_id: "acc-d360" }),
    });
    const user = userEvent.setup();
    render(Accounts);
    await rows();

    await user.click(document.getElementById("connect-number")!);
    const choice = screen.getByTestId("connect-provider");
    expect([...choice.querySelectorAll("label")].map((l) => l.textContent?.trim())).toEqual(["ChatArchitect", "SendZen", "360dialog", "Gupshup"]);
    await user.click(within(choice).getByLabelText("360dialog"));
    expect(await screen.findByTestId("d360-connect")).toBeInTheDocument();
    expect(screen.queryByTestId("registration-panel")).not.toBeInTheDocument();

    await user.type(document.getElementById("d360-name")!, "Acme GmbH");
    await user.type(document.getElementById("d360-email")!, "ops@acme.example");
    await user.type(document.getElementById("d360-user-name")!, "Jana Novak");
    await user.click(document.getElementById("d360-continue")!);
    const frame = (await screen.findByTestId("d360-host-frame")) as HTMLIFrameElement;
    window.dispatchEvent(
      new MessageEvent("message", {
        origin: onboarding.host_origin,
        source: frame.contentWindow,
        data: { type: "wadesk.meta-signup", state: "st_1", event: "FINISH" },
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId("accounts-notice")).toHaveTextContent("Connected +4915112345678 through 360dialog"),
    );
    expect(invoke).toHaveBeenCalledWith("d360_signup", expect.objectContaining({ id: "acc-d360" }));

    await user.click(document.getElementById("d360-done")!);
    expect(screen.queryByTestId("d360-connect")).not.toBeInTheDocument();
  });
});
