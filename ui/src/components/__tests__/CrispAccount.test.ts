import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { AccountView } from "../../bindings/AccountView";
import type { ProviderInfo } from "../../bindings/ProviderInfo";
import Accounts from "../Accounts.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const CRISP: ProviderInfo = {
  kind: "crisp",
  label: "Crisp",
  default_base_url: "https://plugins.crisp.chat/urn:crisp.im:whatsapp:0",
  credential_fields: ["identifier", "key", "website_id"],
};

const CRISP_ACCOUNT: AccountView = {
  id: "acc-crisp",
  provider: "crisp",
  display_name: "Crisp shop",
  base_url: CRISP.default_base_url,
  is_sandbox: false,
  credentials: [
    { name: "identifier", masked: "••••1a2b" },
    { name: "key", masked: "••••9f8e" },
    { name: "website_id", masked: "8c842203-7ed8-4e29-a608-7cf78a7d2fcc" },
  ],
  created_at: 1_700_000_000,
  state: "connected",
  checked_at: 1_700_000_100,
  state_detail: null,
};

const CALLBACK = "https://relay.example/h/ch_1/crisp/acc-crisp/Zq0VbS3nYy8w6tQ1pLx2mR4kD7jH9cF5aE0uI3oP";

describe("A Crisp account", () => {
  it("shows its callback URL only when asked, to paste into the plugin's API Settings, and hides it again", async () => {
    const invoke = routeCommands({
      providers_catalog: () => [CRISP],
      accounts_list: () => [SANDBOX_ACCOUNT, CRISP_ACCOUNT],
      crisp_callback_url: () => CALLBACK,
      crisp_message_type: () => "note",
    });
    const user = userEvent.setup();
    render(Accounts);
    const rows = await screen.findAllByTestId("account-row");
    const crisp = rows.find((r) => r.getAttribute("data-account-id") === "acc-crisp")!;
    const sandbox = rows.find((r) => r.getAttribute("data-account-id") === "acc-sandbox")!;
    expect(within(sandbox).queryByTestId("crisp-callback")).not.toBeInTheDocument();
    expect(within(crisp).queryByTestId("crisp-callback-url")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("crisp_callback_url");

    await user.click(within(crisp).getByTestId("crisp-callback-show"));
    const url = await within(crisp).findByTestId("crisp-callback-url");
    expect(url).toHaveValue(CALLBACK);
    expect(url).toHaveAttribute("readonly");
    expect(within(crisp).getByTestId("crisp-callback")).toHaveTextContent("API Settings");
    expect(invoke).toHaveBeenCalledWith("crisp_callback_url", { accountId: "acc-crisp" });

    await user.click(within(crisp).getByTestId("crisp-callback-hide"));
    expect(within(crisp).queryByTestId("crisp-callback-url")).not.toBeInTheDocument();
  });

  it("says why the URL cannot be shown (no relay yet) and shows nothing", async () => {
    routeCommands({
      providers_catalog: () => [CRISP],
      accounts_list: () => [CRISP_ACCOUNT],
      crisp_message_type: () => "note",
      crisp_callback_url: () => {
        throw { code: "relay_unavailable", message: "the relay is not set up yet, so callbacks would have nowhere to go" };
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    const row = await screen.findByTestId("account-row");
    await user.click(within(row).getByTestId("crisp-callback-show"));
    await waitFor(() => expect(within(row).getByRole("alert")).toHaveTextContent("relay is not set up"));
    expect(within(row).queryByTestId("crisp-callback-url")).not.toBeInTheDocument();
  });

  it("is added with its token pair and website ID, or on the Crisp simulator without typing anything", async () => {
    const simulated: AccountView = { ...CRISP_ACCOUNT, id: "acc-crisp-sim", display_name: "Crisp (simulator)", is_sandbox: true, state: "sandbox" };
    let listed: AccountView[] = [SANDBOX_ACCOUNT];
    const invoke = routeCommands({
      providers_catalog: () => [CRISP],
      accounts_list: () => listed,
      crisp_message_type: () => "note",
      crisp_sandbox_account: () => {
        listed = [SANDBOX_ACCOUNT, simulated];
        return simulated;
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    await screen.findAllByTestId("account-row");
    await user.click($("#add-account"));
    const fields = [...document.querySelectorAll("input[data-credential]")].map((i) => i.getAttribute("data-credential"));
    expect(fields).toEqual(["identifier", "key", "website_id"]);
    expect(screen.getByTestId("crisp-help")).toHaveTextContent("API Tokens");

    await user.click($("#crisp-use-simulator"));
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("crisp_sandbox_account", {}));
    await waitFor(() => expect(screen.getAllByTestId("account-row")).toHaveLength(2));
    expect(invokedCommands()).not.toContain("account_add");
    expect(document.querySelector("form#account-form")).not.toBeInTheDocument();
  });

  it("chooses how its templates appear in Crisp, saved at once, and keeps the stored choice when refused", async () => {
    let stored: "note" | "text" = "note";
    let refuse = false;
    const invoke = routeCommands({
      providers_catalog: () => [CRISP],
      accounts_list: () => [SANDBOX_ACCOUNT, CRISP_ACCOUNT],
      crisp_message_type: () => stored,
      crisp_set_message_type: (args) => {
        if (refuse) throw { code: "invalid_input", message: "only Crisp accounts choose how templates appear in Crisp" };
        stored = args.messageType as "note" | "text";
        return stored;
      },
    });
    const user = userEvent.setup();
    render(Accounts);
    const rows = await screen.findAllByTestId("account-row");
    const crisp = rows.find((r) => r.getAttribute("data-account-id") === "acc-crisp")!;
    const sandbox = rows.find((r) => r.getAttribute("data-account-id") === "acc-sandbox")!;
    expect(within(sandbox).queryByTestId("crisp-message-type")).not.toBeInTheDocument();
    const select = await within(crisp).findByLabelText<HTMLSelectElement>("Templates appear in Crisp as");
    expect(select.value).toBe("note");
    expect(within(crisp).getByTestId("crisp-message-type-hint")).toHaveTextContent("name and language");

    await user.selectOptions(select, "text");
    await waitFor(() => expect(within(crisp).getByTestId("crisp-message-type-hint")).toHaveTextContent("Saved."));
    expect(invoke).toHaveBeenCalledWith("crisp_set_message_type", { accountId: "acc-crisp", messageType: "text" });
    expect(stored).toBe("text");
    expect(within(crisp).getByTestId("crisp-message-type-hint")).toHaveTextContent("filled text");

    refuse = true;
    await user.selectOptions(select, "note");
    await waitFor(() => expect(within(crisp).getByRole("alert")).toHaveTextContent("only Crisp accounts"));
    expect(select.value).toBe("text");
    expect(stored).toBe("text");
  });
});
