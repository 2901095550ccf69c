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
