// Commands of the messaging screens (templates, sends, history, health) and the store's change
// events. Like api.ts, every command rejects with a normalised ApiError. Nothing here talks to a
// provider: the core does, and the webview only ever sees masked, finished data.

import { listen } from "@tauri-apps/api/event";
import type { Change } from "../bindings/Change";
import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { MessageDetail } from "../bindings/MessageDetail";
import type { MessageView } from "../bindings/MessageView";
import type { MessagingHealth } from "../bindings/MessagingHealth";
import type { SendTemplate } from "../bindings/SendTemplate";
import type { SendText } from "../bindings/SendText";
import type { TemplateSync } from "../bindings/TemplateSync";
import type { TemplateView } from "../bindings/TemplateView";
import { call } from "./call";

/** The account's templates as last synced (no provider call). */
export function templatesList(accountId: string): Promise<TemplateView[]> {
  return call("templates_list", { accountId });
}

/** Loads the templates from the provider now and replaces the cached list. */
export function templatesSync(accountId: string): Promise<TemplateSync> {
  return call("templates_sync", { accountId });
}

export function messagingHealth(accountId: string): Promise<MessagingHealth> {
  return call("messaging_health", { accountId });
}

/** Registers this install's current hook URL with the provider. */
export function webhookRegister(accountId: string): Promise<MessagingHealth> {
  return call("webhook_register", { accountId });
}

/** Sets the WhatsApp number connected to the account (the provider's `destination`). */
export function messagingSetNumber(accountId: string, number: string): Promise<MessagingHealth> {
  return call("messaging_set_number", { accountId, number });
}

export function sendText(input: SendText): Promise<MessageView> {
  return call("send_text", { input });
}

export function sendTemplate(input: SendTemplate): Promise<MessageView> {
  return call("send_template", { input });
}

/** One window of the send history, newest first. */
export function historyPage(filter: HistoryFilter, offset: number, limit: number): Promise<HistoryPage> {
  return call("history_page", { filter, offset, limit });
}

export function messageDetail(id: string): Promise<MessageDetail> {
  return call("message_detail", { id });
}

/**
 * Sends a failed, not-submitted or uncertain message again, as a new message. An uncertain one may
 * already be with the provider, so the core refuses it unless `confirmUncertain` is true.
 */
export function messageRetry(id: string, confirmUncertain: boolean): Promise<MessageView> {
  return call("message_retry", { id, confirmUncertain });
}

/** Writes the filtered history as CSV and resolves to the saved file's path. */
export function historyExportCsv(filter: HistoryFilter): Promise<string> {
  return call("history_export_csv", { filter });
}

/** Event the core emits with a Change for every write a window should see. */
export const STORE_CHANGED_EVENT = "store-changed";

/** Calls `onChange` for every store change; resolves to a function that stops listening. */
export function onStoreChanged(onChange: (change: Change) => void): Promise<() => void> {
  return listen<Change>(STORE_CHANGED_EVENT, (event) => onChange(event.payload));
}

/**
 * `onStoreChanged` for a component: returns a synchronous stop function that also works when it is
 * called before `listen` has resolved (the component was destroyed first).
 */
export function watchStore(onChange: (change: Change) => void): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  onStoreChanged(onChange)
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
    })
    .catch(() => {
      // No event bus (should not happen in the app): the screen still works, only not live.
    });
  return () => {
    stopped = true;
    unlisten?.();
  };
}
