import { describe, expect, it } from "vitest";
import {
  STATUS_TICKS,
  dayLabel,
  displayName,
  formatCoordinates,
  formatSpan,
  isWindowOpen,
  listTime,
  prettyJson,
  sameDay,
  windowState,
} from "./inboxText";

const MIN = 60_000;
const HOUR = 60 * MIN;
/** A fixed local noon, so "yesterday" and "today" do not depend on when the test runs. */
const NOON = new Date(2025, 5, 5, 12, 0, 0).getTime();

describe("windowState", () => {
  it("counts down to the window's end in hours and minutes", () => {
    const w = { open: true, last_inbound_at: NOON - HOUR, closes_at: NOON + 3 * HOUR + 12 * MIN + 30_000 };
    expect(windowState(w, NOON)).toEqual({ open: true, text: "Window open · closes in 3 h 12 min" });
    expect(windowState(w, NOON + 3 * HOUR)).toEqual({ open: true, text: "Window open · closes in 12 min" });
  });

  it("says closed once closes_at has passed, even when the view still said open", () => {
    const w = { open: true, last_inbound_at: NOON - 24 * HOUR, closes_at: NOON };
    expect(isWindowOpen(w, NOON - 1)).toBe(true);
    expect(windowState(w, NOON)).toEqual({ open: false, text: "Window closed — only templates" });
    expect(windowState({ ...w, open: false }, NOON - HOUR).open).toBe(false);
  });

  it("is closed when the customer never wrote", () => {
    expect(windowState({ open: false, last_inbound_at: null, closes_at: null }, NOON).text).toBe("Window closed — only templates");
  });
});

describe("formatSpan", () => {
  it("drops zero minutes and says less than a minute at the end", () => {
    expect(formatSpan(2 * HOUR)).toBe("2 h");
    expect(formatSpan(59 * MIN + 59_000)).toBe("59 min");
    expect(formatSpan(30_000)).toBe("less than a minute");
  });
});

describe("days", () => {
  it("labels today, yesterday and older dates", () => {
    expect(dayLabel(NOON - HOUR, NOON, "en-US")).toBe("Today");
    expect(dayLabel(NOON - 13 * HOUR, NOON, "en-US")).toBe("Yesterday");
    expect(dayLabel(new Date(2025, 5, 1, 9).getTime(), NOON, "en-US")).toBe("Sunday, June 1");
    expect(dayLabel(new Date(2024, 11, 24, 9).getTime(), NOON, "en-US")).toBe("Tuesday, December 24, 2024");
  });

  it("knows the same calendar day", () => {
    expect(sameDay(new Date(2025, 5, 5, 0, 1).getTime(), new Date(2025, 5, 5, 23, 59).getTime())).toBe(true);
    expect(sameDay(new Date(2025, 5, 4, 23, 59).getTime(), new Date(2025, 5, 5, 0, 1).getTime())).toBe(false);
  });
});

describe("listTime", () => {
  it("is short: now, minutes, hours, yesterday, weekday, date", () => {
    expect(listTime(NOON - 20_000, NOON, "en-US")).toBe("now");
    expect(listTime(NOON - 12 * MIN, NOON, "en-US")).toBe("12 min");
    expect(listTime(NOON - 3 * HOUR, NOON, "en-US")).toBe("3 h");
    expect(listTime(NOON - 20 * HOUR, NOON, "en-US")).toBe("Yesterday");
    expect(listTime(new Date(2025, 5, 2, 9).getTime(), NOON, "en-US")).toBe("Mon");
    expect(listTime(new Date(2025, 4, 20, 9).getTime(), NOON, "en-US")).toBe("5/20/25");
  });
});

describe("small helpers", () => {
  it("falls back to the number when there is no name", () => {
    expect(displayName({ name: "Anna", customer: "4915112345678" })).toBe("Anna");
    expect(displayName({ name: " ", customer: "4915112345678" })).toBe("+4915112345678");
  });

  it("pretty-prints JSON and keeps other text as it came", () => {
    expect(prettyJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(prettyJson("not json")).toBe("not json");
  });

  it("writes coordinates with hemispheres", () => {
    expect(formatCoordinates(52.52, -13.405)).toBe("52.52000° N, 13.40500° W");
  });

  it("draws every status as a mark with words", () => {
    expect(STATUS_TICKS.delivered.mark).toBe("✓✓");
    expect(STATUS_TICKS.read).toMatchObject({ mark: "✓✓", tone: "read" });
    expect(STATUS_TICKS.uncertain.mark).toBe("?");
    expect(STATUS_TICKS.pending.mark).toBe("◷");
    expect(STATUS_TICKS.failed.mark).toBe("✕");
  });
});
