// Fixtures for the messaging screens: templates, messages, history pages, health.

import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { MessageDetail } from "../bindings/MessageDetail";
import type { MessageView } from "../bindings/MessageView";
import type { MessagingHealth } from "../bindings/MessagingHealth";
import type { StatusEventView } from "../bindings/StatusEventView";
import type { TemplateView } from "../bindings/TemplateView";

export const SYNCED_AT = Date.UTC(2025, 5, 5, 11, 0, 0);

export function template(overrides: Partial<TemplateView> = {}): TemplateView {
  return {
    account_id: "acc-sandbox",
    id: "0b1c2d3e-0000-4000-8000-000000000001",
    category: "UTILITY",
    media: "TEXT",
    body: "Hello {{1}}, your order {{2}} has shipped.",
    placeholders: [1, 2],
    placeholder_names: [],
    raw: "{{0b1c2d3e-0000-4000-8000-000000000001}}\nHello {{1}}, your order {{2}} has shipped.",
    usable: true,
    problem: null,
    synced_at: SYNCED_AT,
    ...overrides,
  };
}

export const ORDER_SHIPPED = template();
export const SPRING_SALE = template({
  id: "0b1c2d3e-0000-4000-8000-000000000002",
  category: "MARKETING",
  media: "IMAGE",
  body: "Spring sale!\nEverything 20% off until {{1}}.",
  placeholders: [1],
});
export const LOGIN_CODE = template({
  id: "0b1c2d3e-0000-4000-8000-000000000003",
  category: "OTP",
  body: "Your login code is {{1}}.",
  placeholders: [1],
});
export const BROKEN = template({
  id: "unparsed-9f8e7d",
  category: "UTILITY",
  body: "Dear customer, {{name}} …",
  placeholders: [],
  usable: false,
  problem: "Its placeholder {{name}} is not a number, so values cannot be filled in.",
});
export const TEMPLATES: TemplateView[] = [ORDER_SHIPPED, SPRING_SALE, LOGIN_CODE, BROKEN];

export function health(overrides: Partial<MessagingHealth> = {}): MessagingHealth {
  return {
    account_id: "acc-sandbox",
    api_base_url: "http://127.0.0.1:8787",
    business_number: "15550009999",
    webhook_registered_at: SYNCED_AT,
    webhook_current: true,
    webhook_error: null,
    last_event_at: null,
    templates_synced_at: SYNCED_AT,
    templates_error: null,
    ...overrides,
  };
}

export const CREATED_AT = Date.UTC(2025, 5, 5, 10, 0, 0);

export function message(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: "msg-1",
    account_id: "acc-sandbox",
    to: "421233221242",
    kind: "text",
    template_id: null,
    text: "Hello there",
    status: "sent",
    provider_message_id: "ca-77",
    wamid: null,
    failure: null,
    retry_of: null,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    ...overrides,
  };
}

/** `count` messages, newest first, ids msg-0 … msg-(count-1). */
export function messages(count: number, from = 0): MessageView[] {
  return Array.from({ length: count }, (_, i) =>
    message({ id: `msg-${from + i}`, to: `4212332${String(from + i).padStart(5, "0")}`, created_at: CREATED_AT - (from + i) * 60_000 }),
  );
}

/** Serves `all` as history_page does (offset/limit window, total). */
export function pageOf(all: MessageView[], offset: number, limit: number): HistoryPage {
  return { total: all.length, offset, rows: all.slice(offset, offset + limit) };
}

export function event(overrides: Partial<StatusEventView> = {}): StatusEventView {
  return { status: "submitted", at: CREATED_AT, received_at: CREATED_AT, code: null, reason: null, advanced: true, ...overrides };
}

export function detail(msg: MessageView, events: StatusEventView[] = [event()]): MessageDetail {
  return { message: msg, events, reports_only_sent: false };
}

export type HistoryCall = { filter: HistoryFilter; offset: number; limit: number };
