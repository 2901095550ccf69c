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

const CHATARCHITECT: (typeof PROVIDERS)[number] = {
  kind: "chatarchitect",
  label: "ChatArchitect",
  default_base_url: "https://api.chatarchitect.com",
  credential_fields: ["app_id", "app_secret"],
};

const SAVED = {
  ...GUPSHUP_ACCOUNT,
  id: "acc-ca",
  provider: "chatarchitect" as const,
  display_name: "Shop",
  base_url: "https://api.chatarchitect.com",
  credentials: [
    { name: "app_id", masked: "••••4242" },
    { name: "app_secret", masked: "••••5150" },
  ],
};

/** The form with ChatArchitect first, filled in; `accountAdd` answers the save. */
async function openChatArchitect(accountAdd: (args: Record<string, unknown>) => unknown = () => SAVED) {
  const invoke = routeCommands({
    providers_catalog: () => [CHATARCHITECT, ...PROVIDERS],
    accounts_list: () => [SANDBOX_ACCOUNT],
    account_add: accountAdd,
  });
  const user = userEvent.setup();
  render(Accounts);
  await screen.findAllByTestId("account-row");
  await user.click($("#add-account"));
  return { invoke, user };
}

async function fill(user: ReturnType<typeof userEvent.setup>) {
  await user.type($("input#display-name"), "Shop");
  await user.type($('input[data-credential="app_id"]'), "app-42424242");
  await user.type($('input[data-credential="app_secret"]'), "s3cret-5150");
}

const fieldError = (id: string) => document.querySelector(`[data-testid="field-error"][data-for="${id}"]`);

describe("Add account form: labels and inputs", () => {
  it("labels credentials in words, shows identifiers as typed and masks secrets", async () => {
    await openChatArchitect();

    const appId = screen.getByLabelText("App ID");
    const secret = screen.getByLabelText("App secret");
    expect(appId).toHaveAttribute("data-credential", "app_id");
    expect(appId).toHaveAttribute("type", "text");
    expect(secret).toHaveAttribute("data-credential", "app_secret");
    expect(secret).toHaveAttribute("type", "password");
    expect(screen.queryByText(/app_id|app_secret/)).not.toBeInTheDocument();
  });

  it("shows and hides a secret", async () => {
    const { user } = await openChatArchitect();
    const secret = screen.getByLabelText("App secret");
    await user.type(secret, "s3cret");

    await user.click(screen.getByRole("button", { name: "Show" }));
    expect(secret).toHaveAttribute("type", "text");
    expect(secret).toHaveValue("s3cret");
    await user.click(screen.getByRole("button", { name: "Hide" }));
    expect(secret).toHaveAttribute("type", "password");
  });

  it("focuses the first field when it opens", async () => {
    await openChatArchitect();
    expect($("select#provider")).toHaveFocus();
  });

  it("closes on Esc and gives focus back to Add account", async () => {
    const { user } = await openChatArchitect();
    await user.type($("input#display-name"), "Half typed");

    await user.keyboard("{Escape}");

    expect(document.querySelector("form#account-form")).not.toBeInTheDocument();
    await waitFor(() => expect($("#add-account")).toHaveFocus());
    expect(invokedCommands()).not.toContain("account_add");
  });

  it("warns at the field, without refusing, about a plain http:// address", async () => {
    const { invoke, user } = await openChatArchitect();
    const url = $<HTMLInputElement>("input#base-url");
    expect(document.querySelector('[data-testid="field-warning"]')).not.toBeInTheDocument();

    await user.clear(url);
    await user.type(url, "http://127.0.0.1:9000");
    const warning = document.querySelector('[data-testid="field-warning"][data-for="base-url"]');
    expect(warning).toHaveTextContent(/should use https:\/\/.*unencrypted/);
    expect(url).not.toHaveAttribute("aria-invalid");
    expect(url.getAttribute("aria-describedby")).toContain("base-url-warning");

    await fill(user);
    await user.click($("#save-account"));
    expect(invoke).toHaveBeenCalledWith("account_add", {
      input: expect.objectContaining({ base_url: "http://127.0.0.1:9000" }),
    });
  });

  it("has no http:// warning for https://", async () => {
    await openChatArchitect();
    expect($<HTMLInputElement>("input#base-url")).toHaveValue("https://api.chatarchitect.com");
    expect(document.querySelector('[data-testid="field-warning"]')).not.toBeInTheDocument();
  });
});

describe("Add account form: errors from core", () => {
  it("puts a base URL error at the field in plain words, not in a banner, and clears it on edit", async () => {
    const { user } = await openChatArchitect(() => {
      throw { code: "invalid_input", message: "base URL: must not contain a query or fragment" };
    });
    await fill(user);
    await user.click($("#save-account"));

    const error = await waitFor(() => {
      const found = fieldError("base-url");
      expect(found).not.toBeNull();
      return found!;
    });
    expect(error).toHaveTextContent("The address must not contain ?… or #…");
    expect(error).not.toHaveTextContent("base URL:");
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
    expect($("input#base-url")).toHaveAttribute("aria-invalid", "true");
    expect($("input#base-url")).toHaveFocus();

    await user.type($("input#base-url"), "/v1");
    expect(fieldError("base-url")).not.toBeInTheDocument();
    expect($("input#base-url")).not.toHaveAttribute("aria-invalid");
  });

  it("puts a credential error at that credential's field", async () => {
    const { user } = await openChatArchitect(() => {
      throw { code: "invalid_input", message: "credential app_secret: must be one line of at most 4096 characters" };
    });
    await fill(user);
    await user.click($("#save-account"));

    await waitFor(() => expect(fieldError("credential-app_secret")).toHaveTextContent(/The App secret must be one line/));
    expect(fieldError("credential-app_id")).not.toBeInTheDocument();
    expect(screen.queryByText(/credential app_secret/)).not.toBeInTheDocument();

    await user.type($('input[data-credential="app_secret"]'), "x");
    expect(fieldError("credential-app_secret")).not.toBeInTheDocument();
  });

  it("uses the field core names when it names one", async () => {
    const { user } = await openChatArchitect(() => {
      throw { code: "invalid_input", message: "This App ID is not known to ChatArchitect.", field: "app_id" };
    });
    await fill(user);
    await user.click($("#save-account"));

    await waitFor(() =>
      expect(fieldError("credential-app_id")).toHaveTextContent("This App ID is not known to ChatArchitect."),
    );
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });

  it("keeps an error about no one field in the banner, and clears it on the next try", async () => {
    let calls = 0;
    const { user } = await openChatArchitect(() => {
      calls += 1;
      if (calls === 1) throw { code: "database", message: "disk I/O error" };
      return SAVED;
    });
    await fill(user);
    await user.click($("#save-account"));
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "database");
    expect(document.querySelector('[data-testid="field-error"]')).not.toBeInTheDocument();

    await user.click($("#save-account"));
    await waitFor(() => expect(document.querySelector("form#account-form")).not.toBeInTheDocument());
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });
});

describe("Add account form: what saving found", () => {
  it.each([
    ["connected", null, /^✓Connected: the provider accepted the credentials/],
    ["not_verified", "Could not check: the provider did not answer.", /Saved “Shop”, but not verified: Could not check/],
    [
      "refused",
      "The provider refused these credentials. Check the App ID and App secret, then save them again.",
      /Saved “Shop”, but the provider refused these credentials: .*Check the App ID/,
    ],
  ] as const)("says so when the account is %s", async (state, detail, text) => {
    const { user } = await openChatArchitect(() => ({ ...SAVED, state, state_detail: detail, checked_at: 1 }));
    await fill(user);
    await user.click($("#save-account"));

    await waitFor(() => expect(screen.getByTestId("accounts-notice")).toHaveTextContent(text));
    expect(screen.getByTestId("accounts-notice")).not.toHaveTextContent("Added");
  });
});
