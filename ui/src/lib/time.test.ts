import { describe, expect, it } from "vitest";
import { formatAbsolute, formatRelative } from "./time";

const NOW = Date.UTC(2025, 5, 5, 12, 0, 0);

describe("formatRelative", () => {
  it.each([
    [0, "just now"],
    [4_000, "just now"],
    [30_000, "30 seconds ago"],
    [60_000, "1 minute ago"],
    [5 * 60_000, "5 minutes ago"],
    [3 * 3_600_000, "3 hours ago"],
    [24 * 3_600_000, "yesterday"],
    [3 * 24 * 3_600_000, "3 days ago"],
  ])("%d ms ago reads %j", (elapsed, text) => {
    expect(formatRelative(NOW - elapsed, NOW, "en")).toBe(text);
  });

  it("treats a time slightly in the future (clock skew) as just now", () => {
    expect(formatRelative(NOW + 2_000, NOW, "en")).toBe("just now");
  });
});

describe("formatAbsolute", () => {
  it("includes the date and the time to the second", () => {
    const text = formatAbsolute(NOW, "en");
    expect(text).toMatch(/2025/);
    expect(text).toMatch(/\d{1,2}:\d{2}:\d{2}/);
  });
});
