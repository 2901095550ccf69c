import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { HistoryFilter } from "../../bindings/HistoryFilter";
import type { MessageView } from "../../bindings/MessageView";
import History from "../history/History.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { CREATED_AT, TEMPLATES, detail, event, message, messages, pageOf } from "../../test/messaging";
import { emitAppEvent } from "../../test/mockEvents";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

type Calls = { filter: HistoryFilter; offset: number; limit: number }[];

/** Serves a mutable message list through history_page and message_detail. */
function serveHistory(initial: MessageView[], extra: Parameters<typeof routeCommands>[0] = {}) {
  const store = { all: [...initial] };
  const calls: Calls = [];
  const invoke = routeCommands({
    templates_list: () => TEMPLATES,
    history_page: (args) => {
      const { filter, offset, limit } = args as Calls[number];
      calls.push({ filter, offset, limit });
      return pageOf(store.all, offset, limit);
    },
    message_detail: (args) => {
      const found = store.all.find((m) => m.id === args.id);
      if (!found) throw { code: "not_found", message: "no such message" };
      return detail(found);
    },
    ...extra,
  });
  return { store, calls, invoke };
}

function renderHistory(openMessageId: string | null = null) {
  return render(History, { props: { account: SANDBOX_ACCOUNT, openMessageId } });
}

const last = <T>(list: T[]): T | undefined => list[list.length - 1];
const rows = () => screen.queryAllByTestId("history-row");
const rowFor = (id: string) => rows().find((r) => r.getAttribute("data-message-id") === id);

describe("History table", () => {
  it("renders rows from the first page, only as many as fit (virtualized)", async () => {
    const { calls } = serveHistory(messages(1000));
    renderHistory();
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    expect(rows().length).toBeLessThan(60);
    expect(screen.getByTestId("history-total")).toHaveTextContent("1,000 messages");
    expect(calls).toEqual([{ filter: { account_id: "acc-sandbox" }, offset: 0, limit: 200 }]);

    const first = rowFor("msg-0")!;
    expect(first).toHaveTextContent("+421233200000");
    expect(first).toHaveTextContent("Text");
    expect(within(first).getByTestId("history-status")).toHaveTextContent("Sent");
    expect(first).toHaveAttribute("data-status", "sent");
  });

  it("shows template id, status text and the failure reason", async () => {
    serveHistory([
      message({
        id: "m-fail",
        kind: "template",
        template_id: "tpl-42",
        status: "failed",
        failure: { code: 131026, reason: "Message undeliverable", explanation: "The number is not on WhatsApp." },
      }),
    ]);
    renderHistory();
    await waitFor(() => expect(rowFor("m-fail")).toBeDefined());
    const row = rowFor("m-fail")!;
    expect(row).toHaveTextContent("tpl-42");
    expect(within(row).getByTestId("history-status")).toHaveTextContent("Failed");
    expect(row).toHaveTextContent("Message undeliverable");
  });

  it("loads the next page on demand when the user scrolls there", async () => {
    const { calls } = serveHistory(messages(1000));
    const { container } = renderHistory();
    await waitFor(() => expect(rowFor("msg-0")).toBeDefined());
    const viewport = container.querySelector(".viewport") as HTMLElement;

    viewport.scrollTop = 450 * 40;
    await fireEvent.scroll(viewport);

    await waitFor(() => expect(rowFor("msg-450")).toBeDefined());
    expect(calls.map((c) => c.offset)).toEqual([0, 400]);
    expect(rowFor("msg-0")).toBeUndefined();
  });

  it("says so when nothing was sent yet", async () => {
    serveHistory([]);
    renderHistory();
    expect(await screen.findByTestId("history-empty")).toHaveTextContent("Nothing sent from this account yet.");
  });
});

describe("History filters", () => {
  it("maps statuses, dates, template and number to the HistoryFilter", async () => {
    const { calls } = serveHistory(messages(3));
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rows()).toHaveLength(3));

    await user.click(screen.getByLabelText("Failed"));
    await user.click(screen.getByLabelText("Unknown"));
    await waitFor(() => expect(last(calls)?.filter.statuses).toEqual(["uncertain", "failed"]));

    await fireEvent.change(screen.getByLabelText("From"), { target: { value: "2025-06-01" } });
    await fireEvent.change(screen.getByLabelText("To"), { target: { value: "2025-06-05" } });
    await user.selectOptions(screen.getByLabelText("Template"), TEMPLATES[0].id);
    await user.type(screen.getByLabelText("Number"), "+421 233");

    await waitFor(() =>
      expect(last(calls)).toEqual({
        filter: {
          account_id: "acc-sandbox",
          statuses: ["uncertain", "failed"],
          from_ms: new Date(2025, 5, 1).getTime(),
          to_ms: new Date(2025, 5, 6).getTime(),
          template_id: TEMPLATES[0].id,
          number: "421233",
        },
        offset: 0,
        limit: 200,
      }),
    );

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(last(calls)?.filter).toEqual({ account_id: "acc-sandbox" }));
  });
});

describe("History live updates", () => {
  it("updates a row's status from a store-changed event, without polling", async () => {
    const { store, calls } = serveHistory(messages(3));
    renderHistory();
    await waitFor(() => expect(rowFor("msg-1")).toHaveAttribute("data-status", "sent"));

    store.all[1] = { ...store.all[1], status: "delivered" };
    emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: "msg-1" });

    await waitFor(() => expect(rowFor("msg-1")).toHaveAttribute("data-status", "delivered"));
    expect(within(rowFor("msg-1")!).getByTestId("history-status")).toHaveTextContent("Delivered");
    expect(calls).toHaveLength(1);
    expect(invokedCommands().filter((c) => c === "message_detail")).toHaveLength(1);
  });

  it("puts a new message on top by refetching the first page and the total", async () => {
    const { store, calls } = serveHistory(messages(3));
    renderHistory();
    await waitFor(() => expect(rows()).toHaveLength(3));

    store.all.unshift(message({ id: "msg-new", to: "4219000000", created_at: CREATED_AT + 60_000 }));
    emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: "msg-new" });

    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(rows()[0]).toHaveAttribute("data-message-id", "msg-new");
    expect(screen.getByTestId("history-total")).toHaveTextContent("4 messages");
    expect(calls.map((c) => c.offset)).toEqual([0, 0]);
  });

  it("folds a burst of a thousand events into one reload", async () => {
    const { store, calls } = serveHistory(messages(300));
    renderHistory();
    await waitFor(() => expect(rowFor("msg-0")).toBeDefined());
    store.all = store.all.map((m) => ({ ...m, status: "delivered" }));
    for (let i = 0; i < 1000; i++) {
      emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: `msg-${i % 300}` });
    }
    await waitFor(() => expect(rowFor("msg-0")).toHaveAttribute("data-status", "delivered"));
    expect(calls).toHaveLength(2);
    expect(invokedCommands()).not.toContain("message_detail");
  });

  it("ignores other accounts' messages", async () => {
    const { calls } = serveHistory(messages(3));
    renderHistory();
    await waitFor(() => expect(rows()).toHaveLength(3));
    emitAppEvent("store-changed", { kind: "message", account_id: "acc-other", message_id: "x" });
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toHaveLength(1);
  });
});

describe("Message detail", () => {
  const failed = message({
    id: "m-fail",
    status: "failed",
    wamid: "wamid.HBgM",
    failure: { code: 131026, reason: "Message undeliverable", explanation: "The number is not on WhatsApp." },
  });
  const timeline = [
    event({ status: "submitted", at: CREATED_AT }),
    event({ status: "failed", at: CREATED_AT + 2_000, code: 131026, reason: "Message undeliverable" }),
    event({ status: "sent", at: CREATED_AT + 1_000, advanced: false }),
  ];

  it("opens on row click with the failure explained and the timeline, marking events that did not advance", async () => {
    serveHistory([failed], { message_detail: () => detail(failed, timeline) });
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rowFor("m-fail")).toBeDefined());
    await user.click(rowFor("m-fail")!);

    const panel = await screen.findByTestId("message-detail");
    await waitFor(() => expect(within(panel).getByTestId("detail-failure-explanation")).toHaveTextContent("The number is not on WhatsApp."));
    expect(within(panel).getByTestId("detail-failure")).toHaveTextContent("code 131026");
    expect(within(panel).getByTestId("detail-wamid")).toHaveTextContent("wamid.HBgM");
    expect(within(panel).getByTestId("detail-provider-id")).toHaveTextContent("ca-77");

    const events = within(panel).getAllByTestId("timeline-event");
    expect(events.map((e) => e.getAttribute("data-status"))).toEqual(["submitted", "failed", "sent"]);
    expect(within(events[1]).getByText(/Code 131026: Message undeliverable/)).toBeInTheDocument();
    expect(within(events[0]).queryByTestId("timeline-not-advanced")).not.toBeInTheDocument();
    expect(within(events[2]).getByTestId("timeline-not-advanced")).toHaveTextContent("Duplicate or out of order, kept");
  });

  it("opens with Enter, closes with Escape and gives focus back to the row", async () => {
    serveHistory(messages(3));
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rowFor("msg-1")).toBeDefined());
    rowFor("msg-1")!.focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("message-detail")).toHaveAttribute("data-message-id", "msg-1");

    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("message-detail")).not.toBeInTheDocument());
    expect(rowFor("msg-1")).toHaveFocus();
  });

  it("refreshes the open timeline when the message changes", async () => {
    let events = [event({ status: "submitted" })];
    const msg = message({ id: "m1", status: "submitted" });
    serveHistory([msg], { message_detail: () => detail({ ...msg, status: events.length > 1 ? "delivered" : "submitted" }, events) });
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rowFor("m1")).toBeDefined());
    await user.click(rowFor("m1")!);
    const panel = await screen.findByTestId("message-detail");
    await waitFor(() => expect(within(panel).getAllByTestId("timeline-event")).toHaveLength(1));

    events = [...events, event({ status: "delivered", at: CREATED_AT + 5_000 })];
    emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: "m1" });
    await waitFor(() => expect(within(panel).getAllByTestId("timeline-event")).toHaveLength(2));
  });

  it("retries a failed message straight away", async () => {
    const { invoke } = serveHistory([failed], {
      message_retry: () => message({ id: "m-retry", status: "submitted", retry_of: "m-fail" }),
    });
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rowFor("m-fail")).toBeDefined());
    await user.click(rowFor("m-fail")!);
    await user.click(await screen.findByRole("button", { name: "Send again" }));

    expect(await screen.findByTestId("retry-result")).toHaveTextContent("Sent again as a new message");
    expect(invoke).toHaveBeenCalledWith("message_retry", { id: "m-fail", confirmUncertain: false });
    expect(screen.queryByTestId("confirm-dialog")).not.toBeInTheDocument();
  });

  it("asks before retrying an uncertain message, and sends nothing on cancel", async () => {
    const uncertain = message({ id: "m-unc", status: "uncertain" });
    const { invoke } = serveHistory([uncertain], { message_retry: () => message({ id: "m-retry", status: "submitted" }) });
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rowFor("m-unc")).toBeDefined());
    await user.click(rowFor("m-unc")!);
    await user.click(await screen.findByRole("button", { name: "Send again" }));

    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("The provider may already have this message; sending again may deliver it twice");
    expect(invokedCommands()).not.toContain("message_retry");
    await user.click(within(dialog).getByRole("button", { name: "Don't send" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("message_retry");
    expect(screen.getByTestId("message-detail")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Send again" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Send again anyway" }));
    await screen.findByTestId("retry-result");
    expect(invoke).toHaveBeenCalledWith("message_retry", { id: "m-unc", confirmUncertain: true });
  });

  it("opens the message handed over from Send", async () => {
    serveHistory(messages(3));
    renderHistory("msg-2");
    expect(await screen.findByTestId("message-detail")).toHaveAttribute("data-message-id", "msg-2");
    await waitFor(() => expect(screen.getByTestId("detail-to")).toHaveTextContent("+421233200002"));
  });
});

describe("History export", () => {
  it("exports with the current filter and shows where the file was saved", async () => {
    const { invoke } = serveHistory(messages(3), { history_export_csv: () => "/home/test/Downloads/wadesk-history.csv" });
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rows()).toHaveLength(3));
    await user.click(screen.getByLabelText("Delivered"));
    await user.click(screen.getByRole("button", { name: "Export CSV" }));

    expect(await screen.findByTestId("history-export-result")).toHaveTextContent(
      "Saved to /home/test/Downloads/wadesk-history.csv",
    );
    expect(invoke).toHaveBeenCalledWith("history_export_csv", {
      filter: { account_id: "acc-sandbox", statuses: ["delivered"] },
    });
  });

  it("shows a failed export", async () => {
    serveHistory(messages(1), {
      history_export_csv: () => {
        throw { code: "io", message: "disk full" };
      },
    });
    const user = userEvent.setup();
    renderHistory();
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "io");
  });
});
