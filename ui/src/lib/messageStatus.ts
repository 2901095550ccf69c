// Words and shapes for message statuses. A status is always shown as text plus a shape, never
// by colour alone.

import type { MessageStatus } from "../bindings/MessageStatus";

/** How a state is coloured (always with words and a shape beside it). */
export type Tone = "neutral" | "progress" | "ok" | "warn" | "bad";

export type StatusLook = { label: string; icon: string; tone: Tone; hint: string };

export const STATUS_LOOKS: Record<MessageStatus, StatusLook> = {
  pending: { label: "Waiting", icon: "◷", tone: "neutral", hint: "Saved, not handed to the provider yet." },
  not_submitted: { label: "Not sent", icon: "⊘", tone: "bad", hint: "The provider did not accept it; nothing was sent." },
  uncertain: {
    label: "Unknown",
    icon: "?",
    tone: "warn",
    hint: "The provider did not answer in time; it may or may not have the message.",
  },
  submitted: { label: "Accepted", icon: "↑", tone: "progress", hint: "The provider accepted it and is sending it." },
  sent: { label: "Sent", icon: "✓", tone: "progress", hint: "WhatsApp sent it to the customer's phone." },
  delivered: { label: "Delivered", icon: "✓✓", tone: "ok", hint: "It reached the customer's phone." },
  read: { label: "Read", icon: "◉", tone: "ok", hint: "The customer opened it." },
  failed: { label: "Failed", icon: "✕", tone: "bad", hint: "It could not be delivered." },
};

/** Every status, in the order of the delivery steps (for filters). */
export const ALL_STATUSES: MessageStatus[] = [
  "pending",
  "not_submitted",
  "uncertain",
  "submitted",
  "sent",
  "delivered",
  "read",
  "failed",
];

export function isMessageStatus(value: string): value is MessageStatus {
  return Object.prototype.hasOwnProperty.call(STATUS_LOOKS, value);
}

/** Looks for a timeline event, which may carry a provider event type we have no word for. */
export function statusLook(status: string): StatusLook {
  if (isMessageStatus(status)) return STATUS_LOOKS[status];
  const words = status.replace(/[_-]+/g, " ").trim();
  const label = words.length === 0 ? "Unknown event" : words[0].toUpperCase() + words.slice(1);
  return { label, icon: "•", tone: "neutral", hint: "An event from the provider." };
}

/** Statuses a person can send again; `uncertain` needs a confirmation first. */
export function canRetry(status: MessageStatus): boolean {
  return status === "failed" || status === "not_submitted" || status === "uncertain";
}
