import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Accounts from "../Accounts.svelte";
import { GUPSHUP_ACCOUNT, PROVIDERS, SANDBOX_ACCOUNT } from "../../test/fixtures";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

async function openForm(extra: Parameters<typeof routeCommands>[0] = {}) {
  const invoke = routeCommands({
    providers_catalog: () => PROVIDERS,
    accounts_list: () => [SANDBOX_ACCOUNT],
    ...extra,
  });
  const user = userEvent.setup();
  render(Accounts);
  await screen.findAllByTestId("account-row");
  await user.click($("#add-account"));
  return { invoke, user };
}

describe("Add account form", () => {
  it("lists providers without sandbox and prefills the first provider's defaults", async () => {
    await openForm();

    const options = [...$<HTMLSelectElement>("select#provider").options].map((o) => o.value);
    expect(options).toEqual(["gupshup", "d360"]);
    expect($("input#base-url")).toHaveValue("https://api.gupshup.io");
    const credentialInputs = document.querySelectorAll("form#account-form input[data-credential]");
    expect([...credentialInputs].map((i) => i.getAttribute("data-credential"))).toEqual(["api_key", "app_name"]);
    credentialInputs.forEach((input) => expect(input).toHaveAttribute("type", "password"));
  });

  it("switches base URL and credential fields when the provider changes", async () => {
    const { user } = await openForm();

    await user.selectOptions($("select#provider"), "d360");

    expect($("input#base-url")).toHaveValue("https://waba-v2.360dialog.io");
    const fields = [...document.querySelectorAll("input[data-credential]")].map((i) => i.getAttribute("data-credential"));
    expect(fields).toEqual(["api_key"]);
  });

  it("shows a message per invalid field and does not invoke account_add", async () => {
    const { user } = await openForm({ account_add: () => GUPSHUP_ACCOUNT });

    await user.clear($("input#base-url"));
    await user.type($("input#base-url"), "ftp://example.com");
    await user.type($('input[data-credential="api_key"]'), "key");
    await user.click($("#save-account"));

    expect(screen.getByText("Enter a name for this account.")).toBeInTheDocument();
    expect(screen.getByText(/must start with http/)).toBeInTheDocument();
    expect(screen.getByText("Enter the app name.")).toBeInTheDocument();
    expect(screen.queryByText("Enter the API key.")).not.toBeInTheDocument();
    expect($("input#display-name")).toHaveFocus();
    expect(invokedCommands()).not.toContain("account_add");
  });

  it("sends the exact NewAccount, disables save while pending, then closes and reloads", async () => {
    const pending = deferred<typeof GUPSHUP_ACCOUNT>();
    const { invoke, user } = await openForm({ account_add: () => pending.promise });

    await user.type($("input#display-name"), "  Support line ");
    await user.type($('input[data-credential="api_key"]'), "k-123");
    await user.type($('input[data-credential="app_name"]'), "wadesk");
    await user.click($("#save-account"));

    expect(invoke).toHaveBeenCalledWith("account_add", {
      input: {
        provider: "gupshup",
        display_name: "Support line",
        base_url: "https://api.gupshup.io",
        credentials: [
          { name: "api_key", value: "k-123" },
          { name: "app_name", value: "wadesk" },
        ],
      },
    });
    await waitFor(() => expect($("#save-account")).toBeDisabled());

    pending.resolve(GUPSHUP_ACCOUNT);
    await waitFor(() => expect(document.querySelector("form#account-form")).not.toBeInTheDocument());
    expect(invokedCommands().filter((c) => c === "accounts_list")).toHaveLength(2);
  });

  it("shows the server's invalid_input message and keeps the form open", async () => {
    const { user } = await openForm({
      account_add: () => {
        throw { code: "invalid_input", message: "The API key was rejected by Gupshup." };
      },
    });

    await user.type($("input#display-name"), "Support");
    await user.type($('input[data-credential="api_key"]'), "k");
    await user.type($('input[data-credential="app_name"]'), "a");
    await user.click($("#save-account"));

    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "invalid_input");
    expect(error).toHaveTextContent("The API key was rejected by Gupshup.");
    expect($("form#account-form")).toBeInTheDocument();
    expect($("#save-account")).toBeEnabled();
  });

  it("closes on Cancel without invoking", async () => {
    const { user } = await openForm();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(document.querySelector("form#account-form")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("account_add");
  });
});
