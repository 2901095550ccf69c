// Fixtures for the Inbox screen: conversations, timeline items of every kind, and pages served
// the way conversations_list and conversation_timeline answer.

import type { ConversationPage } from "../bindings/ConversationPage";
import type { ConversationQuery } from "../bindings/ConversationQuery";
import type { ConversationView } from "../bindings/ConversationView";
import type { InboundContent } from "../bindings/InboundContent";
import type { MessageView } from "../bindings/MessageView";
import type { TimelineItem } from "../bindings/TimelineItem";
import type { TimelinePage } from "../bindings/TimelinePage";
import { message } from "./messaging";

/** "Now" for inbox tests: every fixture time is relative to it. */
export const NOW = Date.now();
const HOUR = 3_600_000;

export function conversation(overrides: Partial<ConversationView> = {}): ConversationView {
  return {
    id: 1,
    account_id: "acc-sandbox",
    customer: "4915112345678",
    name: "Anna Schmidt",
    contact_id: 1,
    profile_name: "Anna",
    tags: ["vip"],
    unread: 0,
    last_at: NOW - 5 * 60_000,
    last_preview: "Is my order on its way?",
    last_direction: "inbound",
    last_status: null,
    window: { open: true, last_inbound_at: NOW - 5 * 60_000, closes_at: NOW + 23 * HOUR },
    crisp_session: null,
    ...overrides,
  };
}

/** `count` conversations, newest first, ids 1…count. */
export function conversations(count: number): ConversationView[] {
  return Array.from({ length: count }, (_, i) =>
    conversation({
      id: i + 1,
      customer: `4915100${String(i + 1).padStart(7, "0")}`,
      name: `Customer ${i + 1}`,
      last_at: NOW - (i + 1) * 60_000,
      tags: [],
    }),
  );
}

/** Serves `all` as conversations_list does (unread, window, tag, offset/limit). */
export function conversationPageOf(all: readonly ConversationView[], query: ConversationQuery): ConversationPage {
  const matching = all.filter(
    (c) =>
      (!query.unread || c.unread > 0) &&
      (!query.window_open || c.window.open) &&
      (query.tag === undefined || c.tags.includes(query.tag)),
  );
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 100;
  return {
    total: matching.length,
    offset,
    rows: matching.slice(offset, offset + limit),
    unread_total: all.reduce((sum, c) => sum + c.unread, 0),
  };
}

let nextInbound = 100;

export function inbound(content: InboundContent, overrides: Partial<TimelineItem> = {}, messageType: string = content.kind): TimelineItem {
  const id = overrides.id ?? nextInbound++;
  const at = overrides.at ?? NOW - HOUR;
  return {
    id,
    at,
    direction: "inbound",
    inbound: {
      id: id + 10_000,
      provider_id: `wamid.in-${id}`,
      message_type: messageType,
      content,
      raw_json: content.kind === "text" ? JSON.stringify({ body: content.text }) : '{"x":1}',
      sender_name: "Anna",
      at,
      received_at: at,
    },
    outbound: null,
    ...overrides,
  };
}

export function outbound(msg: Partial<MessageView> = {}, overrides: Partial<TimelineItem> = {}): TimelineItem {
  const id = overrides.id ?? nextInbound++;
  const at = overrides.at ?? NOW - HOUR / 2;
  return {
    id,
    at,
    direction: "outbound",
    inbound: null,
    outbound: message({ id: `out-${id}`, to: "4915112345678", text: "Yes, it ships today.", created_at: at, ...msg }),
    ...overrides,
  };
}

/** Serves `items` (oldest first) as conversation_timeline does. */
export function timelinePageOf(items: readonly TimelineItem[], offset: number, limit: number): TimelinePage {
  return { total: items.length, offset, items: items.slice(offset, offset + limit) };
}
