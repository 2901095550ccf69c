// Fixtures for the inbox composer and its settings: conversations with an open or closed window,
// saved replies as the core renders them.

import type { CannedReply } from "../bindings/CannedReply";
import type { ConversationView } from "../bindings/ConversationView";
import type { RenderedCannedReply } from "../bindings/RenderedCannedReply";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A conversation whose window closes `closesIn` ms from now (negative: closed that long ago). */
export function conversation(closesIn = 3 * HOUR + 12 * MINUTE + 20_000, overrides: Partial<ConversationView> = {}): ConversationView {
  const now = Date.now();
  return {
    id: 7,
    account_id: "acc-sandbox",
    customer: "421233221242",
    name: "Jana Nováková",
    contact_id: 3,
    profile_name: "Jana",
    tags: [],
    unread: 0,
    last_at: now - HOUR,
    last_preview: "Is my order on its way?",
    last_direction: "inbound",
    last_status: null,
    window: { open: closesIn > 0, last_inbound_at: now + closesIn - 24 * HOUR, closes_at: now + closesIn },
    crisp_session: null,
    ...overrides,
  };
}

/** A conversation with a customer who never wrote (opened from a number). */
export function neverWrote(): ConversationView {
  return conversation(0, { window: { open: false, last_inbound_at: null, closes_at: null } });
}

export function cannedReply(id: number, shortcut: string, text: string): CannedReply {
  return { id, shortcut, text };
}

export function rendered(reply: CannedReply, text = reply.text, missing: string[] = []): RenderedCannedReply {
  return { reply, text, missing };
}

export const THANKS = cannedReply(1, "thanks", "Thank you, {{first_name}}!");
export const HOURS = cannedReply(2, "hours", "We are open 9–17, Monday to Saturday.");
export const TRACKING = cannedReply(3, "track", "Your tracking link is in the e-mail, {{first_name}}. Thanks for waiting.");
export const CANNED: CannedReply[] = [THANKS, HOURS, TRACKING];
