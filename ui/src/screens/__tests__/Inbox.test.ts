import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { ConversationQuery } from "../../bindings/ConversationQuery";
import type { ConversationView } from "../../bindings/ConversationView";
import type { SearchResults } from "../../bindings/SearchResults";
import type { TimelineItem } from "../../bindings/TimelineItem";
import Inbox from "../inbox/Inbox.svelte";
import { NOW, conversation, conversationPageOf, conversations, inbound, outbound, timelinePageOf } from "../../test/inbox";
import { message } from "../../test/messaging";
import { emitAppEvent } from "../../test/mockEvents";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

type Store = { all: ConversationView[]; timelines: Record<number, TimelineItem[]>; queries: ConversationQuery[] };

/** Serves a mutable set of conversations and their timelines like the core's inbox commands. */
function serveInbox(initial: ConversationView[], timelines: Record<number, TimelineItem[]> = {}, extra: Parameters<typeof routeCommands>[0] = {}) {
  const store: Store = { all: [...initial], timelines: { ...timelines }, queries: [] };
  const find = (id: unknown) => {
    const c = store.all.find((x) => x.id === id);
    if (!c) throw { code: "not_found", message: "no such conversation" };
    return c;
  };
  const invoke = routeCommands({
    conversations_list: (args) => {
      const query = args.query as ConversationQuery;
      store.queries.push(query);
      return conversationPageOf(store.all, query);
    },
    conversation_get: (args) => find(args.conversationId),
    conversation_mark_read: (args) => {
      const c = find(args.conversationId);
      const read = { ...c, unread: 0 };
      store.all = store.all.map((x) => (x.id === c.id ? read : x));
      return read;
    },
    conversation_timeline: (args) =>
      timelinePageOf(store.timelines[args.conversationId as number] ?? [], args.offset as number, args.limit as number),
    canned_replies_for: () => [],
    templates_list: () => [],
    ...extra,
  });
  return { store, invoke };
}

function renderInbox(sandbox = false) {
  return render(Inbox, { props: { accountId: "acc-sandbox", sandbox } });
}

const rows = () => screen.queryAllByTestId("conversation-row");
const rowFor = (customer: string) => rows().find((r) => r.getAttribute("data-customer") === customer);
const items = () => screen.queryAllByTestId("timeline-item");
/**
 * A button inside a virtual-list item by its label or text. virtua keeps unmeasured items
 * `visibility: hidden`, and jsdom never measures them, so role queries see no accessible name.
 */
function buttonIn(container: HTMLElement, name: string | RegExp): HTMLButtonElement {
  const found = [...container.querySelectorAll("button")].find((b) => {
    const label = b.getAttribute("aria-label") ?? b.textContent?.trim() ?? "";
    return typeof name === "string" ? label === name : name.test(label);
  });
  if (!found) throw new Error(`no button ${String(name)} in ${container.outerHTML}`);
  return found;
}
const itemFor = (id: number) => items().find((i) => i.getAttribute("data-item-id") === String(id));

describe("Conversation list", () => {
  it("renders rows newest first with name, number, preview, unread badge and window indicator", async () => {
    serveInbox([
      conversation({ id: 1, customer: "4915111111111", name: "Anna Schmidt", unread: 3 }),
      conversation({
        id: 2,
        customer: "4915122222222",
        name: "",
        last_direction: "outbound",
        last_status: "delivered",
        last_preview: "See you tomorrow",
        window: { open: false, last_inbound_at: NOW - 30 * 3_600_000, closes_at: NOW - 6 * 3_600_000 },
      }),
    ]);
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.getByTestId("inbox-total")).toHaveTextContent("2 conversations");

    const anna = rowFor("4915111111111")!;
    expect(anna).toHaveTextContent("Anna Schmidt");
    expect(anna).toHaveTextContent("+4915111111111");
    expect(anna).toHaveTextContent("Is my order on its way?");
    expect(within(anna).getByTestId("conversation-unread")).toHaveTextContent("3");
    expect(within(anna).getByTestId("conversation-window-open")).toBeInTheDocument();

    const unnamed = rowFor("4915122222222")!;
    expect(unnamed).toHaveTextContent("+4915122222222");
    expect(unnamed).toHaveTextContent("You:");
    expect(within(unnamed).getByTestId("conversation-status")).toHaveAttribute("data-status", "delivered");
    expect(within(unnamed).queryByTestId("conversation-unread")).not.toBeInTheDocument();
    expect(within(unnamed).queryByTestId("conversation-window-open")).not.toBeInTheDocument();
  });

  it("says how conversations start when there are none, with the sandbox hint", async () => {
    serveInbox([]);
    renderInbox(true);
    const empty = await screen.findByTestId("inbox-empty");
    expect(empty).toHaveTextContent("When a customer writes to your number, the conversation appears here");
    expect(screen.getByTestId("inbox-sandbox-hint")).toHaveTextContent("simulated customer");
  });

  it("lets a simulated customer write on the sandbox account only, with field errors at their field", async () => {
    let calls = 0;
    serveInbox([], {}, {
      inbox_simulate_customer: (args) => {
        calls += 1;
        if (calls === 1) throw { code: "invalid_input", message: "from: not a number", field: "from" };
        expect(args).toEqual({ accountId: "acc-sandbox", from: "421233221242", text: "Hi! Is my order ready?" });
        return null;
      },
    });
    const user = userEvent.setup();
    renderInbox(true);
    await user.click(await screen.findByText("Simulate a customer writing"));
    await user.click(screen.getByRole("button", { name: "Write as the customer" }));
    expect(await screen.findByText("from: not a number")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Write as the customer" }));
    expect(await screen.findByRole("status")).toHaveTextContent("arrives through the relay");
    expect(calls).toBe(2);
  });

  it("offers no simulated customer on a real account", async () => {
    serveInbox([]);
    renderInbox(false);
    await screen.findByTestId("inbox-empty");
    expect(screen.queryByTestId("simulate-customer")).not.toBeInTheDocument();
  });

  it("maps the filter chips to the query", async () => {
    const { store } = serveInbox([conversation({ unread: 2 })]);
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(screen.getByTestId("inbox-filter-unread"));
    await waitFor(() => expect(store.queries[store.queries.length - 1]).toMatchObject({ account_id: "acc-sandbox", unread: true }));
    await user.click(screen.getByTestId("inbox-filter-window"));
    await waitFor(() => expect(store.queries[store.queries.length - 1]).toMatchObject({ unread: true, window_open: true }));
    await user.selectOptions(screen.getByTestId("inbox-filter-tag"), "vip");
    await waitFor(() => expect(store.queries[store.queries.length - 1]).toMatchObject({ tag: "vip" }));
    await user.click(screen.getByTestId("inbox-filter-all"));
    await waitFor(() => expect(store.queries[store.queries.length - 1]).toEqual({ account_id: "acc-sandbox", offset: 0, limit: 100 }));
  });

  it("reloads on an inbound change and shows the new conversation on top", async () => {
    const { store } = serveInbox(conversations(2));
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));

    store.all.unshift(conversation({ id: 9, customer: "4917000000009", name: "New customer", unread: 1, last_at: NOW }));
    emitAppEvent("store-changed", { kind: "inbound", account_id: "acc-sandbox", from: "4917000000009", conversation_id: 9 });

    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows()[0]).toHaveAttribute("data-customer", "4917000000009");
    expect(within(rows()[0]).getByTestId("conversation-unread")).toHaveTextContent("1");
  });

  it("folds a burst of message changes into one reload and ignores other accounts", async () => {
    const { store } = serveInbox(conversations(3));
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(3));
    const before = store.queries.length;
    emitAppEvent("store-changed", { kind: "inbound", account_id: "acc-other", from: "1", conversation_id: 77 });
    for (let i = 0; i < 2000; i++) emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: `m-${i}` });
    await new Promise((r) => setTimeout(r, 400));
    expect(store.queries.length - before).toBe(1);
  });

  it("opens a conversation with Enter after moving down, and marks it read", async () => {
    const { invoke } = serveInbox([conversation({ id: 1, customer: "491511" }), conversation({ id: 2, customer: "491522", unread: 2 })], {
      2: [inbound({ kind: "text", text: "Hello?" }, { id: 5 })],
    });
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));
    rowFor("491511")!.focus();
    await user.keyboard("{ArrowDown}");
    expect(rowFor("491522")).toHaveFocus();
    await user.keyboard("{Enter}");

    expect(await screen.findByTestId("timeline")).toHaveAttribute("data-conversation-id", "2");
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("conversation_mark_read", { conversationId: 2 }));
    await waitFor(() => expect(within(rowFor("491522")!).queryByTestId("conversation-unread")).not.toBeInTheDocument());
    expect(rowFor("491522")).toHaveAttribute("aria-selected", "true");
    expect(await screen.findByText("Hello?")).toBeInTheDocument();
    expect(await screen.findByTestId("composer-text")).toBeInTheDocument();
  });

  it("does not mark read a conversation without unread messages", async () => {
    serveInbox([conversation({ unread: 0 })], { 1: [] });
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(rows()[0]);
    expect(await screen.findByTestId("timeline-empty")).toBeInTheDocument();
    expect(invokedCommands()).not.toContain("conversation_mark_read");
  });
});

describe("Timeline", () => {
  async function openOnly(timeline: TimelineItem[], conv = conversation(), extra: Parameters<typeof routeCommands>[0] = {}) {
    const served = serveInbox([conv], { [conv.id]: timeline }, extra);
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(rows()[0]);
    await screen.findByTestId("timeline");
    return { user, ...served };
  }

  it("renders every inbound kind, and an unknown one with its raw payload a click away", async () => {
    const timeline = [
      inbound({ kind: "text", text: "Hi there" }, { id: 1 }),
      inbound({ kind: "media", media: "file", caption: "The invoice", file_name: "invoice.pdf", content_type: "application/pdf", url_host: "media.example.com" }, { id: 2 }, "document"),
      inbound({ kind: "location", latitude: 52.52, longitude: 13.405, name: "Shop", address: "Main St 1" }, { id: 3 }),
      inbound({ kind: "contacts", cards: [{ name: "Bob Builder", phones: ["+49 151 000"] }] }, { id: 4 }),
      inbound({ kind: "reply", reply: "list", title: "Next week", option_id: "opt-2", description: "Deliver Mon–Fri" }, { id: 5 }),
    ];
    // A type this version does not know, with a raw payload of its own.
    const unknown = inbound({ kind: "unknown", note: "" }, { id: 6 }, "order");
    unknown.inbound!.raw_json = '{"order":{"catalog_id":"c1","items":2}}';
    timeline.push(unknown);
    const { user } = await openOnly(timeline);
    await waitFor(() => expect(items()).toHaveLength(6));

    expect(itemFor(1)).toHaveTextContent("Hi there");
    expect(itemFor(1)).toHaveAttribute("data-direction", "inbound");
    const media = within(itemFor(2)!).getByTestId("media-card");
    expect(media).toHaveTextContent("invoice.pdf");
    expect(media).toHaveTextContent("application/pdf");
    expect(media).toHaveTextContent("media.example.com");
    expect(itemFor(2)).toHaveTextContent("The invoice");
    expect(itemFor(3)).toHaveTextContent("Shop");
    expect(itemFor(3)).toHaveTextContent("Main St 1");
    expect(itemFor(3)).toHaveTextContent("52.52000° N, 13.40500° E");
    expect(itemFor(4)).toHaveTextContent("Bob Builder");
    expect(itemFor(4)).toHaveTextContent("+49 151 000");
    expect(itemFor(5)).toHaveTextContent("Tapped: Next week");
    expect(itemFor(5)).toHaveTextContent("Deliver Mon–Fri");

    const unknownItem = itemFor(6)!;
    expect(unknownItem).toHaveTextContent("This message type (order) is not shown by this version");
    expect(within(unknownItem).queryByTestId("raw-payload")).not.toBeInTheDocument();
    await user.click(buttonIn(unknownItem, "View raw"));
    expect(within(unknownItem).getByTestId("raw-payload").textContent).toBe(
      JSON.stringify({ order: { catalog_id: "c1", items: 2 } }, null, 2),
    );

    // Any inbound bubble shows its raw payload from its menu.
    await user.click(buttonIn(itemFor(1)!, "More for this message"));
    await user.click(buttonIn(itemFor(1)!, "View raw"));
    expect(within(itemFor(1)!).getByTestId("raw-payload")).toHaveTextContent('"body": "Hi there"');
  });

  it("opens media through the core and shows its error inline", async () => {
    const item = inbound({ kind: "media", media: "image", caption: null, file_name: null, content_type: "image/jpeg", url_host: "cdn.example" }, { id: 7 });
    const { user, invoke } = await openOnly([item], conversation(), {
      conversation_open_media: () => {
        throw { code: "provider_unavailable", message: "media expired" };
      },
    });
    await waitFor(() => expect(itemFor(7)).toBeDefined());
    await user.click(buttonIn(itemFor(7)!, /Open the image/));
    expect(invoke).toHaveBeenCalledWith("conversation_open_media", { inboundId: item.inbound!.id });
    expect(await within(itemFor(7)!).findByTestId("error")).toHaveAttribute("data-code", "provider_unavailable");
  });

  it("shows outbound statuses as ticks and a template marker", async () => {
    await openOnly([
      outbound({ status: "read" }, { id: 1 }),
      outbound({ status: "pending", kind: "template", template_id: "order_update" }, { id: 2 }),
    ]);
    await waitFor(() => expect(items()).toHaveLength(2));
    const read = within(itemFor(1)!).getByTestId("message-status");
    expect(read).toHaveAttribute("data-status", "read");
    expect(read).toHaveTextContent("✓✓");
    expect(itemFor(1)).toHaveAttribute("data-direction", "outbound");
    expect(within(itemFor(2)!).getByTestId("message-status")).toHaveTextContent("◷");
    expect(within(itemFor(2)!).getByTestId("template-mark")).toHaveTextContent("Template order_update");
  });

  it("explains a failed message with the provider's code and resends it", async () => {
    const failed = outbound(
      { id: "m-fail", status: "failed", failure: { code: 131026, reason: "Message undeliverable", explanation: "The number is not on WhatsApp." } },
      { id: 3 },
    );
    const { user, invoke } = await openOnly([failed], conversation(), {
      message_retry: () => message({ id: "m-again", status: "submitted", retry_of: "m-fail" }),
    });
    await waitFor(() => expect(itemFor(3)).toBeDefined());
    const failure = within(itemFor(3)!).getByTestId("message-failure");
    expect(failure).toHaveTextContent("The number is not on WhatsApp.");
    expect(failure).toHaveTextContent("code 131026");
    expect(failure).toHaveTextContent("Message undeliverable");
    expect(within(itemFor(3)!).getByTestId("message-status")).toHaveTextContent("✕");

    await user.click(buttonIn(itemFor(3)!, "Resend"));
    expect(invoke).toHaveBeenCalledWith("message_retry", { id: "m-fail", confirmUncertain: false });
    expect(await within(itemFor(3)!).findByTestId("resent")).toHaveTextContent("Sent again");
  });

  it("says a template is needed when the core refuses a resend with window_closed", async () => {
    const failed = outbound({ id: "m-fail", status: "not_submitted", failure: { code: null, reason: "timeout", explanation: "Not sent." } }, { id: 3 });
    const { user } = await openOnly([failed], conversation(), {
      message_retry: () => {
        throw { code: "window_closed", message: "window closed" };
      },
    });
    await waitFor(() => expect(itemFor(3)).toBeDefined());
    await user.click(buttonIn(itemFor(3)!, "Resend"));
    const error = await within(itemFor(3)!).findByTestId("error");
    expect(error).toHaveAttribute("data-code", "window_closed");
    expect(error).toHaveTextContent("only an approved template can be sent");
    expect(error).toHaveTextContent("A template is needed");
  });

  it("asks before resending an uncertain message", async () => {
    const unsure = outbound({ id: "m-unc", status: "uncertain" }, { id: 4 });
    const { user, invoke } = await openOnly([unsure], conversation(), {
      message_retry: () => message({ id: "m-again", status: "submitted" }),
    });
    await waitFor(() => expect(itemFor(4)).toBeDefined());
    expect(itemFor(4)).toHaveTextContent("may or may not have arrived");
    await user.click(buttonIn(itemFor(4)!, "Resend"));
    const dialog = await screen.findByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Don't send" }));
    expect(invokedCommands()).not.toContain("message_retry");

    await user.click(buttonIn(itemFor(4)!, "Resend"));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Send again anyway" }));
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("message_retry", { id: "m-unc", confirmUncertain: true }));
  });

  it("shows the window countdown and day separators", async () => {
    const conv = conversation({ window: { open: true, last_inbound_at: NOW, closes_at: NOW + 3 * 3_600_000 + 12 * 60_000 + 20_000 } });
    await openOnly(
      [
        inbound({ kind: "text", text: "old" }, { id: 1, at: NOW - 3 * 86_400_000 }),
        inbound({ kind: "text", text: "new" }, { id: 2, at: NOW }),
        inbound({ kind: "text", text: "newer" }, { id: 3, at: NOW }),
      ],
      conv,
    );
    expect(screen.getByTestId("window-state")).toHaveTextContent(/Window open · closes in 3 h 1[12] min/);
    await waitFor(() => expect(items()).toHaveLength(3));
    const days = screen.getAllByTestId("day-separator");
    expect(days).toHaveLength(2);
    expect(days[1]).toHaveTextContent("Today");
  });

  it("says the window is closed", async () => {
    await openOnly([], conversation({ window: { open: false, last_inbound_at: NOW - 90_000_000, closes_at: NOW - 3_600_000 } }));
    expect(screen.getByTestId("window-state")).toHaveTextContent("Window closed — only templates");
    expect(screen.getByTestId("window-state")).toHaveAttribute("data-open", "false");
  });

  it("reloads the open timeline when a customer message arrives", async () => {
    const timeline = [inbound({ kind: "text", text: "first" }, { id: 1 })];
    const { store } = await openOnly(timeline);
    await waitFor(() => expect(items()).toHaveLength(1));
    store.timelines[1] = [...timeline, inbound({ kind: "text", text: "second" }, { id: 2, at: NOW })];
    emitAppEvent("store-changed", { kind: "inbound", account_id: "acc-sandbox", from: "4915112345678", conversation_id: 1 });
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(itemFor(2)).toHaveTextContent("second");
  });

  it("fetches only the newest page of a long timeline first", async () => {
    const long = Array.from({ length: 120 }, (_, i) => inbound({ kind: "text", text: `line ${i}` }, { id: 1000 + i, at: NOW - (120 - i) * 60_000 }));
    const { invoke } = await openOnly(long);
    const viewport = screen.getByRole("log", { hidden: true });
    // Opened at the bottom: jsdom fires no scroll event for a programmatic scroll, so the test does.
    await waitFor(() => expect(viewport.scrollTop).toBe(120 * 64 - 600));
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(itemFor(1119)).toBeDefined());
    const offsets = invoke.mock.calls.filter(([c]) => c === "conversation_timeline").map(([, a]) => (a as { offset: number }).offset);
    expect(offsets.slice(0, 2)).toEqual([0, 100]);
  });
});

describe("Search", () => {
  const results: SearchResults = {
    query: "<b>order",
    conversations: [
      {
        conversation: conversation({ id: 1, customer: "4915111111111", name: "Anna <b>Bold</b>" }),
        customer: [{ text: "4915111111111", hit: false }],
        name: [
          { text: "Anna ", hit: false },
          { text: "<b>Bold</b>", hit: true },
        ],
      },
    ],
    contacts: [
      {
        contact_id: 5,
        number: "49160555",
        phone: [
          { text: "49160", hit: false },
          { text: "555", hit: true },
        ],
        name: [{ text: "Carl", hit: false }],
      },
    ],
    messages: [
      {
        conversation_id: 2,
        item_id: 42,
        customer: "4915122222222",
        name: "Bea",
        at: NOW - 3_600_000,
        direction: "inbound",
        snippet: [
          { text: "where is my ", hit: false },
          { text: "<b>order", hit: true },
          { text: "</b> please", hit: false },
        ],
      },
    ],
    more_messages: true,
    messages_searched_recent: null,
  };

  function serveSearch() {
    const bea = conversation({ id: 2, customer: "4915122222222", name: "Bea" });
    const carl = conversation({ id: 3, customer: "49160555", name: "Carl" });
    return serveInbox([conversation({ id: 1 }), bea], { 2: [inbound({ kind: "text", text: "hello" }, { id: 41 }), inbound({ kind: "text", text: "where is my order" }, { id: 42 })] }, {
      inbox_search: () => results,
      conversation_position: () => 1,
      conversation_open: () => carl,
    });
  }

  it("marks hits as text, never as HTML", async () => {
    const { invoke } = serveSearch();
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.type(screen.getByTestId("inbox-search"), "<b>order");
    const panel = await screen.findByTestId("search-results");
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("inbox_search", { query: { account_id: "acc-sandbox", text: "<b>order" } }));

    const hit = within(panel).getByTestId("search-hit");
    expect(hit.querySelector("b")).toBeNull();
    expect(hit.querySelector("mark")?.textContent).toBe("<b>order");
    expect(hit).toHaveTextContent("where is my <b>order</b> please");
    const conv = within(panel).getByTestId("search-conversation");
    expect(conv.querySelector("b")).toBeNull();
    expect(conv.querySelector("mark")?.textContent).toBe("<b>Bold</b>");
    expect(within(panel).getByTestId("search-contact").querySelector("mark")?.textContent).toBe("555");
    expect(within(panel).getByTestId("search-more")).toBeInTheDocument();
  });

  it("opens a message hit's conversation, asks its position and highlights the item", async () => {
    const { invoke } = serveSearch();
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.type(screen.getByTestId("inbox-search"), "order");
    await user.click(await screen.findByTestId("search-hit"));

    await waitFor(() => expect(invoke).toHaveBeenCalledWith("conversation_position", { itemId: 42 }));
    expect(await screen.findByTestId("timeline")).toHaveAttribute("data-conversation-id", "2");
    await waitFor(() => expect(itemFor(42)).toHaveAttribute("data-highlighted", "true"));
  });

  it("starts a conversation with a contact hit", async () => {
    const { invoke } = serveSearch();
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.type(screen.getByTestId("inbox-search"), "555");
    await user.click(await screen.findByTestId("search-contact"));
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("conversation_open", { accountId: "acc-sandbox", number: "+49160555" }));
    expect(await screen.findByTestId("timeline")).toHaveAttribute("data-conversation-id", "3");
  });

  it("goes back to the list with Escape", async () => {
    serveSearch();
    const user = userEvent.setup();
    renderInbox();
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.type(screen.getByTestId("inbox-search"), "order");
    await screen.findByTestId("search-results");
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("inbox-search")).toHaveValue("");
    await waitFor(() => expect(screen.queryByTestId("search-results")).not.toBeInTheDocument());
    expect(rows()).toHaveLength(2);
  });
});
