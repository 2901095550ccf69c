import { describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { AccountView } from "../../bindings/AccountView";
import History from "../history/History.svelte";
import Inbox from "../inbox/Inbox.svelte";
import Send from "../send/Send.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { conversation, conversationPageOf, outbound, timelinePageOf } from "../../test/inbox";
import { CREATED_AT, TEMPLATES, event, message, pageOf } from "../../test/messaging";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

// Crisp's WhatsApp plugin (seed 004) sends templates only, reports only sent or not sent, and passes
// no replies on: each screen says so instead of offering what the plugin cannot do.

const CRISP: AccountView = {
  ...SANDBOX_ACCOUNT,
  id: "acc-crisp",
  provider: "crisp",
  display_name: "Crisp shop",
  is_sandbox: false,
  state: "connected",
};

describe("Send on a Crisp account", () => {
  it("offers templates only and says why", async () => {
    routeCommands({ templates_list: () => TEMPLATES });
    render(Send, { props: { account: CRISP, templateId: null, onViewInHistory: vi.fn() } });
    const text = document.getElementById("send-mode-text") as HTMLInputElement;
    expect(text).toBeDisabled();
    expect(document.getElementById("send-mode-template")).toBeChecked();
    expect(screen.getByTestId("send-templates-only")).toHaveTextContent("templates only");
    expect(document.getElementById("send-text")).not.toBeInTheDocument();
    expect(document.getElementById("send-template")).toBeInTheDocument();
  });

  it("keeps free text on other accounts", () => {
    routeCommands({ templates_list: () => TEMPLATES });
    render(Send, { props: { account: SANDBOX_ACCOUNT, templateId: null, onViewInHistory: vi.fn() } });
    expect(document.getElementById("send-mode-text")).not.toBeDisabled();
    expect(screen.queryByTestId("send-templates-only")).not.toBeInTheDocument();
  });
});

describe("The inbox of a Crisp account", () => {
  const sentTo = conversation({
    id: 4,
    account_id: "acc-crisp",
    customer: "15551230003",
    last_direction: "outbound",
    last_status: "sent",
    window: { open: false, last_inbound_at: null, closes_at: null },
    crisp_session: "session_7f3c2a",
  });

  function serve(c = sentTo) {
    return routeCommands({
      conversations_list: (args) => conversationPageOf([c], args.query as never),
      conversation_get: () => c,
      conversation_mark_read: () => c,
      conversation_timeline: (args) =>
        timelinePageOf([outbound({ kind: "template", status: "sent" }, { id: 9 })], args.offset as number, args.limit as number),
      canned_replies_for: () => [],
      templates_list: () => TEMPLATES,
    });
  }

  it("says replies live in the Crisp inbox, names the Crisp conversation and offers templates, not text", async () => {
    serve();
    const user = userEvent.setup();
    render(Inbox, { props: { accountId: "acc-crisp", sandbox: false, provider: "crisp" } });
    expect(screen.getByTestId("inbox-crisp-note")).toHaveTextContent("Crisp inbox");
    const row = await screen.findByTestId("conversation-row");
    await user.click(row);

    expect(await screen.findByTestId("inbox-crisp-session-id")).toHaveTextContent("session_7f3c2a");
    const picker = await screen.findByTestId("template-picker");
    expect(within(picker).getByTestId("window-closed")).toHaveTextContent("templates only");
    expect(screen.queryByTestId("composer-text")).not.toBeInTheDocument();
  });

  it("before any callback, says Crisp names the conversation once it has sent; no simulated customer", async () => {
    serve({ ...sentTo, crisp_session: null });
    const user = userEvent.setup();
    render(Inbox, { props: { accountId: "acc-crisp", sandbox: true, provider: "crisp" } });
    await user.click(await screen.findByTestId("conversation-row"));
    expect(await screen.findByTestId("inbox-crisp-session")).toHaveTextContent("once it has sent");
    expect(screen.queryByTestId("inbox-crisp-session-id")).not.toBeInTheDocument();
    expect(document.querySelector("[data-testid=simulate-customer], #simulate-from")).toBeNull();
  });

  it("is not shown on other accounts", async () => {
    serve({ ...sentTo, account_id: "acc-sandbox", crisp_session: null });
    render(Inbox, { props: { accountId: "acc-sandbox", sandbox: false } });
    await screen.findByTestId("conversation-row");
    expect(screen.queryByTestId("inbox-crisp-note")).not.toBeInTheDocument();
  });
});

describe("A Crisp message in the history", () => {
  it("says Crisp reports only sent, so delivered and read are not known rather than missing", async () => {
    const sent = message({ id: "m-crisp", account_id: "acc-crisp", kind: "template", status: "sent" });
    routeCommands({
      templates_list: () => TEMPLATES,
      history_page: (args) => pageOf([sent], args.offset as number, args.limit as number),
      message_detail: () => ({
        message: sent,
        events: [
          event({ status: "submitted", at: CREATED_AT }),
          event({ status: "sent", at: CREATED_AT + 1_000, reason: "Crisp conversation session_7f3c2a" }),
        ],
        reports_only_sent: true,
      }),
    });
    render(History, { props: { account: CRISP, openMessageId: "m-crisp" } });
    const panel = await screen.findByTestId("message-detail");
    expect(await within(panel).findByTestId("detail-reports-only-sent")).toHaveTextContent("not known");
    expect(panel).toHaveTextContent("Crisp sent it to WhatsApp.");
    expect(within(panel).getAllByTestId("timeline-event")[1]).toHaveTextContent("session_7f3c2a");
    expect(invokedCommands()).toContain("message_detail");
  });
});
