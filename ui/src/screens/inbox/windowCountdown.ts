// The customer service window in words: how long free text is still allowed, and since when it is
// not. Pure functions of the window and "now", so the composer can tick them and tests can pin them.
// The core enforces the window (`window_closed`); these only mirror it for the person typing.

import type { ServiceWindow } from "../../bindings/ServiceWindow";
import { formatRelative } from "../../lib/time";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How often the countdown is redrawn: minutes are its finest unit. */
export const COUNTDOWN_TICK_MS = 30_000;

/**
 * Remaining time, rounded down so it never promises more than is left:
 * "3 h 12 min", "2 h", "45 min", "less than a minute".
 */
export function formatRemaining(ms: number): string {
  if (ms < MINUTE) return "less than a minute";
  const hours = Math.floor(ms / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** Milliseconds of free text left at `now`; 0 once closed (or if it never opened). */
export function windowRemaining(window: ServiceWindow, now: number): number {
  if (!window.open || window.closes_at === null) return 0;
  return Math.max(0, window.closes_at - now);
}

/** Whether free text may be typed at `now`: the core said open and the close time has not passed. */
export function windowOpenAt(window: ServiceWindow, now: number): boolean {
  return window.open && (window.closes_at === null || window.closes_at > now);
}

/** The line under an open composer. */
export function countdownText(ms: number): string {
  return `Free text allowed for ${formatRemaining(ms)}`;
}

/** Why only a template can be sent: "The customer last wrote 2 days ago" or "… has not written …". */
export function closedSinceText(window: ServiceWindow, now: number, locale?: string): string {
  if (window.last_inbound_at === null) return "The customer has not written to this number";
  return `The customer last wrote ${formatRelative(window.last_inbound_at, now, locale)}`;
}
