// Times shown in the UI: a relative phrase for scanning, the absolute time for certainty.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 seconds ago", "3 minutes ago", "yesterday" … for a time in ms since the epoch. */
export function formatRelative(at: number, now: number, locale?: string): string {
  const elapsed = Math.max(0, now - at);
  if (elapsed < 5 * SECOND) return "just now";
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  if (elapsed < MINUTE) return rtf.format(-Math.floor(elapsed / SECOND), "second");
  if (elapsed < HOUR) return rtf.format(-Math.floor(elapsed / MINUTE), "minute");
  if (elapsed < DAY) return rtf.format(-Math.floor(elapsed / HOUR), "hour");
  return rtf.format(-Math.floor(elapsed / DAY), "day");
}

/** Date and time to the second, in the user's locale and time zone. */
export function formatAbsolute(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(new Date(at));
}

/** Time of day to the second. */
export function formatTimeOfDay(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: "medium" }).format(new Date(at));
}

/** Date and time to the minute, short enough for a table column ("Jun 5, 2025, 2:00 PM"). */
export function formatDateTime(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(at));
}
