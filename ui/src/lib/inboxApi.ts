// Commands of the inbox: conversations, their timelines, replies, search, saved replies and the
// notification settings. Like the other api modules, every command rejects with a normalised
// ApiError; the core enforces the 24-hour window (`window_closed`), the UI only mirrors it.

import type { CannedReply } from "../bindings/CannedReply";
import type { CannedReplyEdit } from "../bindings/CannedReplyEdit";
import type { ConversationPage } from "../bindings/ConversationPage";
import type { ConversationQuery } from "../bindings/ConversationQuery";
import type { ConversationView } from "../bindings/ConversationView";
import type { InboxSettings } from "../bindings/InboxSettings";
import type { MessageView } from "../bindings/MessageView";
import type { RenderedCannedReply } from "../bindings/RenderedCannedReply";
import type { ReplyTemplate } from "../bindings/ReplyTemplate";
import type { ReplyText } from "../bindings/ReplyText";
import type { SearchQuery } from "../bindings/SearchQuery";
import type { SearchResults } from "../bindings/SearchResults";
import type { TimelinePage } from "../bindings/TimelinePage";
import { call } from "./call";

/** One page of conversations, newest first, with the account's unread total. */
export function conversationsList(query: ConversationQuery): Promise<ConversationPage> {
  return call("conversations_list", { query });
}

export function conversationGet(conversationId: number): Promise<ConversationView> {
  return call("conversation_get", { conversationId });
}

/** The conversation with `number` (any format the contacts accept), started if there is none. */
export function conversationOpen(accountId: string, number: string): Promise<ConversationView> {
  return call("conversation_open", { accountId, number });
}

/** Items `offset..offset+limit` of a timeline, oldest first (`total` sizes the list). */
export function conversationTimeline(conversationId: number, offset: number, limit: number): Promise<TimelinePage> {
  return call("conversation_timeline", { conversationId, offset, limit });
}

/** How many items precede `itemId` in its timeline (to scroll to a search hit). */
export function conversationPosition(itemId: number): Promise<number> {
  return call("conversation_position", { itemId });
}

export function conversationMarkRead(conversationId: number): Promise<ConversationView> {
  return call("conversation_mark_read", { conversationId });
}

/** Free text; rejected with `window_closed` once the customer's window has closed. */
export function conversationReplyText(input: ReplyText): Promise<MessageView> {
  return call("conversation_reply_text", { input });
}

export function conversationReplyTemplate(input: ReplyTemplate): Promise<MessageView> {
  return call("conversation_reply_template", { input });
}

/** Opens an inbound message's media in the system browser (the link never reaches the webview). */
export function conversationOpenMedia(inboundId: number): Promise<void> {
  return call("conversation_open_media", { inboundId });
}

export function inboxSearch(query: SearchQuery): Promise<SearchResults> {
  return call("inbox_search", { query });
}

/** SANDBOX account only: a simulated customer at `from` writes `text` (arrives as a webhook). */
export function inboxSimulateCustomer(accountId: string, from: string, text: string): Promise<void> {
  return call("inbox_simulate_customer", { accountId, from, text });
}

export function cannedRepliesList(): Promise<CannedReply[]> {
  return call("canned_replies_list");
}

export function cannedReplySave(edit: CannedReplyEdit): Promise<CannedReply> {
  return call("canned_reply_save", { edit });
}

export function cannedReplyDelete(id: number): Promise<void> {
  return call("canned_reply_delete", { id });
}

/** Every saved reply filled with the conversation's contact. */
export function cannedRepliesFor(conversationId: number): Promise<RenderedCannedReply[]> {
  return call("canned_replies_for", { conversationId });
}

export function inboxSettings(): Promise<InboxSettings> {
  return call("inbox_settings");
}

export function inboxSettingsSet(settings: InboxSettings): Promise<InboxSettings> {
  return call("inbox_settings_set", { settings });
}
