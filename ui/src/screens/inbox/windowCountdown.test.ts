import { describe, expect, it } from "vitest";
import { closedSinceText, countdownText, formatRemaining, windowOpenAt, windowRemaining } from "./windowCountdown";

const NOW = Date.UTC(2025, 5, 5, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe("formatRemaining", () => {
  it.each([
    [3 * HOUR + 12 * MIN, "3 h 12 min"],
    [3 * HOUR + 12 * MIN + 59_999, "3 h 12 min"],
    [2 * HOUR, "2 h"],
    [23 * HOUR + 59 * MIN, "23 h 59 min"],
    [45 * MIN, "45 min"],
    [MIN, "1 min"],
    [59_999, "less than a minute"],
    [0, "less than a minute"],
  ])("%d ms reads %j (rounded down, never promising more)", (ms, text) => {
    expect(formatRemaining(ms)).toBe(text);
  });

  it("puts the remaining time in the composer's sentence", () => {
    expect(countdownText(3 * HOUR + 12 * MIN)).toBe("Free text allowed for 3 h 12 min");
  });
});

describe("window state at a given time", () => {
  const open = { open: true, last_inbound_at: NOW - 20 * HOUR, closes_at: NOW + 4 * HOUR };

  it("counts down to the close time and is closed from then on", () => {
    expect(windowRemaining(open, NOW)).toBe(4 * HOUR);
    expect(windowOpenAt(open, NOW)).toBe(true);
    expect(windowOpenAt(open, NOW + 4 * HOUR)).toBe(false);
    expect(windowRemaining(open, NOW + 5 * HOUR)).toBe(0);
  });

  it("trusts the core's closed", () => {
    const closed = { ...open, open: false };
    expect(windowOpenAt(closed, NOW)).toBe(false);
    expect(windowRemaining(closed, NOW)).toBe(0);
  });
});

describe("closedSinceText", () => {
  it("says when the customer last wrote", () => {
    const window = { open: false, last_inbound_at: NOW - 3 * 24 * HOUR, closes_at: NOW - 2 * 24 * HOUR };
    expect(closedSinceText(window, NOW, "en")).toBe("The customer last wrote 3 days ago");
  });

  it("says when the customer never wrote", () => {
    expect(closedSinceText({ open: false, last_inbound_at: null, closes_at: null }, NOW, "en")).toBe(
      "The customer has not written to this number",
    );
  });
});
