import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Shell from "../Shell.svelte";
import { GUPSHUP_ACCOUNT, PROVIDERS, SANDBOX_ACCOUNT } from "../../test/fixtures";
import { TEMPLATES, health, pageOf } from "../../test/messaging";
import { conversation, conversationPageOf } from "../../test/inbox";
import { emitAppEvent } from "../../test/mockEvents";
import { routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

function serve(inbox = { unread: 0 }) {
  return routeCommands({
    conversations_list: (args) =>
      conversationPageOf([conversation({ unread: inbox.unread })], args.query as Parameters<typeof conversationPageOf>[1]),
    conversation_timeline: () => ({ total: 0, offset: 0, items: [] }),
    accounts_list: () => [SANDBOX_ACCOUNT, GUPSHUP_ACCOUNT],
    providers_catalog: () => PROVIDERS,
    templates_list: () => TEMPLATES,
    messaging_health: () => health(),
    history_page: () => pageOf([], 0, 200),
    contacts_page: () => ({ contacts: [], total: 0, tags: [], fields: [] }),
    campaigns_list: () => [],
  });
}

describe("Shell", () => {
  it("starts on Accounts and moves between screens from the sidebar", async () => {
    serve();
    const user = userEvent.setup();
    const { container } = render(Shell);
    expect(await screen.findAllByTestId("account-row")).toHaveLength(2);
    expect(screen.getByTestId("nav-accounts")).toHaveAttribute("aria-current", "page");

    await user.click(screen.getByTestId("nav-templates"));
    expect(await screen.findByRole("heading", { name: "Templates" })).toBeInTheDocument();
    expect(screen.getByTestId("nav-templates")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-accounts")).not.toHaveAttribute("aria-current");

    await user.click(screen.getByTestId("nav-send"));
    expect(container.querySelector("#send")).toBeInTheDocument();
    await user.click(screen.getByTestId("nav-history"));
    expect(container.querySelector("#history")).toBeInTheDocument();
    await user.click(screen.getByTestId("nav-settings"));
    expect(container.querySelector("#settings")).toBeInTheDocument();
    expect(container.querySelector("#templates")).not.toBeInTheDocument();
  });

  it("opens Contacts and Bulk send from the sidebar", async () => {
    serve();
    const user = userEvent.setup();
    const { container } = render(Shell);
    await waitFor(() => expect(screen.getByTestId("account-switcher")).not.toBeDisabled());
    await user.click(screen.getByTestId("nav-contacts"));
    expect(await screen.findByTestId("contacts-empty")).toHaveTextContent("No contacts yet");
    expect(screen.getByTestId("contacts-import-file")).toHaveAttribute("type", "file");
    await user.click(screen.getByTestId("nav-bulk"));
    expect(container.querySelector("#bulk")).toBeInTheDocument();
    expect(await screen.findByTestId("bulk-new")).toBeInTheDocument();
    expect(screen.getByTestId("nav-bulk")).toHaveAttribute("aria-current", "page");
  });

  it("names every screen in the sidebar, all reachable by keyboard", async () => {
    serve();
    render(Shell);
    const nav = screen.getByRole("navigation", { name: "Main" });
    const labels = ["Inbox", "Templates", "Send", "Contacts", "Bulk send", "Send history", "Accounts", "Settings"];
    for (const [i, label] of labels.entries()) {
      const item = screen.getByRole("button", { name: new RegExp(`^${label}$`) });
      expect(nav).toContainElement(item);
      expect(item).toHaveAttribute("aria-keyshortcuts", `Alt+${i + 1}`);
    }
  });

  it("jumps to a screen with Alt+number", async () => {
    serve();
    const user = userEvent.setup();
    const { container } = render(Shell);
    await screen.findByTestId("account-switcher");
    await waitFor(() => expect(screen.getByTestId("account-switcher")).not.toBeDisabled());
    await user.keyboard("{Alt>}3{/Alt}");
    expect(container.querySelector("#send")).toBeInTheDocument();
    expect(screen.getByTestId("nav-send")).toHaveFocus();
  });

  it("lists Inbox first with the account's unread total, kept live", async () => {
    const inbox = { unread: 3 };
    serve(inbox);
    const user = userEvent.setup();
    const { container } = render(Shell);
    expect(await screen.findByTestId("nav-inbox-unread")).toHaveTextContent("3");
    expect(screen.getByRole("navigation", { name: "Main" }).querySelector("button")).toHaveAttribute("data-testid", "nav-inbox");
    // Accounts still opens first.
    expect(screen.getByTestId("nav-accounts")).toHaveAttribute("aria-current", "page");

    inbox.unread = 5;
    emitAppEvent("store-changed", { kind: "inbound", account_id: "acc-sandbox", from: "4915112345678", conversation_id: 1 });
    await waitFor(() => expect(screen.getByTestId("nav-inbox-unread")).toHaveTextContent("5"));
    inbox.unread = 0;
    emitAppEvent("store-changed", { kind: "conversation", conversation_id: 1 });
    await waitFor(() => expect(screen.queryByTestId("nav-inbox-unread")).not.toBeInTheDocument());

    await user.click(screen.getByTestId("nav-inbox"));
    expect(container.querySelector("#inbox")).toBeInTheDocument();
    expect(await screen.findAllByTestId("conversation-row")).toHaveLength(1);
  });

  it("defaults to the first (sandbox) account and shows the SANDBOX badge for it", async () => {
    serve();
    const { container } = render(Shell);
    const switcher = screen.getByTestId("account-switcher") as HTMLSelectElement;
    await waitFor(() => expect(switcher.value).toBe("acc-sandbox"));
    const badge = container.querySelector(".sidebar [data-testid=sandbox-badge]");
    expect(badge).toHaveTextContent("SANDBOX");
  });

  it("hides the badge for a real account and remembers the choice", async () => {
    serve();
    const user = userEvent.setup();
    const first = render(Shell);
    const switcher = screen.getByTestId("account-switcher") as HTMLSelectElement;
    await waitFor(() => expect(switcher.value).toBe("acc-sandbox"));

    await user.selectOptions(switcher, "acc-gupshup");
    expect(first.container.querySelector(".sidebar [data-testid=sandbox-badge]")).not.toBeInTheDocument();
    expect(localStorage.getItem("wadesk.selectedAccount")).toBe("acc-gupshup");
    first.unmount();

    render(Shell);
    const again = screen.getByTestId("account-switcher") as HTMLSelectElement;
    await waitFor(() => expect(again.value).toBe("acc-gupshup"));
    expect(document.querySelector(".sidebar [data-testid=sandbox-badge]")).not.toBeInTheDocument();
  });

  it("falls back to the first account when the remembered one is gone", async () => {
    localStorage.setItem("wadesk.selectedAccount", "acc-removed");
    serve();
    render(Shell);
    const switcher = screen.getByTestId("account-switcher") as HTMLSelectElement;
    await waitFor(() => expect(switcher.value).toBe("acc-sandbox"));
    expect(document.querySelector(".sidebar [data-testid=sandbox-badge]")).toBeInTheDocument();
  });

  it("takes a template from Templates to Send", async () => {
    serve();
    const user = userEvent.setup();
    render(Shell);
    await user.click(screen.getByTestId("nav-templates"));
    const rows = await screen.findAllByTestId("template-row");
    await user.click(rows[0]);
    await user.click(screen.getByRole("button", { name: "Use this template" }));

    expect(screen.getByTestId("nav-send")).toHaveAttribute("aria-current", "page");
    const picker = (await screen.findByLabelText("Template", { selector: "select" })) as HTMLSelectElement;
    await waitFor(() => expect(picker.value).toBe(TEMPLATES[0].id));
    expect(screen.getByLabelText("{{1}}")).toBeInTheDocument();
  });
});
