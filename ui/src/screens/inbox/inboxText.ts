// Words the inbox shows that depend only on data and the clock: what to call a customer, the
// service window as a countdown, the list's short times, the timeline's day separators, and the
// outbound status ticks. Pure functions, so they are tested without rendering.

import type { ConversationView } from "../../bindings/ConversationView";
import type { MessageStatus } from "../../bindings/MessageStatus";
import type { ServiceWindow } from "../../bindings/ServiceWindow";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The name to show, or the number with its `+` when there is no name. */
export function displayName(c: Pick<ConversationView, "name" | "customer">): string {
  return c.name.trim() !== "" ? c.name : `+${c.customer}`;
}

/**
 * Whether free text may be sent at `now`. The core's `open` was true when the view was read; a
 * window that has passed its `closes_at` since then is closed.
 */
export function isWindowOpen(window: ServiceWindow, now: number): boolean {
  if (!window.open) return false;
  return window.closes_at === null || window.closes_at > now;
}

/** "3 h 12 min", "45 min", "less than a minute" for a positive span of time. */
export function formatSpan(ms: number): string {
  if (ms < MINUTE) return "less than a minute";
  const totalMinutes = Math.floor(ms / MINUTE);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

export type WindowState = { open: boolean; text: string };

/** "Window open · closes in 3 h 12 min" or "Window closed — only templates". */
export function windowState(window: ServiceWindow, now: number): WindowState {
  if (!isWindowOpen(window, now)) return { open: false, text: "Window closed — only templates" };
  if (window.closes_at === null) return { open: true, text: "Window open" };
  return { open: true, text: `Window open · closes in ${formatSpan(window.closes_at - now)}` };
}

function startOfDay(at: number): number {
  const d = new Date(at);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whether two times fall on the same calendar day in the user's time zone. */
export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

/** Calendar days from `at`'s day to `now`'s day (0 = today, 1 = yesterday), across DST changes. */
function daysBefore(at: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(at)) / DAY);
}

/** A timeline's day separator: "Today", "Yesterday", else the date in the user's locale. */
export function dayLabel(at: number, now: number, locale?: string): string {
  const days = daysBefore(at, now);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const thisYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(thisYear ? {} : { year: "numeric" }),
  }).format(new Date(at));
}

/** The conversation list's time: "now", "12 min", "3 h", "Yesterday", a weekday, else a date. */
export function listTime(at: number, now: number, locale?: string): string {
  const elapsed = Math.max(0, now - at);
  if (elapsed < MINUTE) return "now";
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min`;
  const days = daysBefore(at, now);
  if (days === 0) return `${Math.floor(elapsed / HOUR)} h`;
  if (days === 1) return "Yesterday";
  if (days < 7) return new Intl.DateTimeFormat(locale, { weekday: "short" }).format(new Date(at));
  return new Intl.DateTimeFormat(locale, { dateStyle: "short" }).format(new Date(at));
}

/** A time of day for a bubble ("14:05" / "2:05 PM"). */
export function bubbleTime(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }).format(new Date(at));
}

export type Tick = { mark: string; label: string; tone: "muted" | "plain" | "read" | "bad" | "warn" };

/** An outbound message's status as the chat apps draw it, with words for screen readers. */
export const STATUS_TICKS: Record<MessageStatus, Tick> = {
  pending: { mark: "◷", label: "Waiting", tone: "muted" },
  submitted: { mark: "✓", label: "Accepted by the provider", tone: "muted" },
  sent: { mark: "✓", label: "Sent", tone: "plain" },
  delivered: { mark: "✓✓", label: "Delivered", tone: "plain" },
  read: { mark: "✓✓", label: "Read", tone: "read" },
  failed: { mark: "✕", label: "Failed", tone: "bad" },
  not_submitted: { mark: "✕", label: "Not sent", tone: "bad" },
  uncertain: { mark: "?", label: "Unknown whether it arrived", tone: "warn" },
};

/** A raw payload pretty-printed when it is JSON, else as received. */
export function prettyJson(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

/** Coordinates to five decimals (about a metre), with hemispheres. */
export function formatCoordinates(latitude: number, longitude: number): string {
  const lat = `${Math.abs(latitude).toFixed(5)}° ${latitude < 0 ? "S" : "N"}`;
  const lon = `${Math.abs(longitude).toFixed(5)}° ${longitude < 0 ? "W" : "E"}`;
  return `${lat}, ${lon}`;
}
