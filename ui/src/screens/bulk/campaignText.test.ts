import { describe, expect, it } from "vitest";
import { funnel } from "../../test/bulk";
import { doneOf, formatDuration, initialMapping, mappingErrors, sourceFor, sourcePreview } from "./campaignText";

describe("campaign progress", () => {
  it("counts as done whatever is neither queued nor in flight", () => {
    expect(doneOf(funnel({ total: 100, queued: 60, sending: 2 }))).toBe(38);
    expect(doneOf(funnel({ total: 0 }))).toBe(0);
  });

  it("words an ETA", () => {
    expect(formatDuration(null)).toBeNull();
    expect(formatDuration(0.4)).toBe("a moment");
    expect(formatDuration(42.2)).toBe("about 43 s");
    expect(formatDuration(240)).toBe("about 4 min");
    expect(formatDuration(3600)).toBe("about 1 h");
    expect(formatDuration(3900)).toBe("about 1 h 5 min");
  });
});

describe("variable mapping", () => {
  it("starts from the saved mapping, in the template's order, with unchosen fields for the rest", () => {
    expect(initialMapping([2, 1], [{ number: 1, source: { from: "constant", text: "Hi" } }, { number: 9, source: { from: "field", field: "x" } }])).toEqual([
      { number: 2, source: { from: "field", field: "" } },
      { number: 1, source: { from: "constant", text: "Hi" } },
    ]);
  });

  it("keeps the field and the text when the source kind changes", () => {
    const withFallback = sourceFor("field_or", { from: "field", field: "first_name" });
    expect(withFallback).toEqual({ from: "field_or", field: "first_name", fallback: "" });
    expect(sourceFor("constant", { from: "field_or", field: "first_name", fallback: "there" })).toEqual({ from: "constant", text: "there" });
    expect(sourceFor("field", { from: "constant", text: "x" })).toEqual({ from: "field", field: "" });
  });

  it("says what each placeholder lacks", () => {
    expect(
      mappingErrors([
        { number: 1, source: { from: "field", field: "" } },
        { number: 2, source: { from: "constant", text: "  " } },
        { number: 3, source: { from: "field_or", field: "name", fallback: "" } },
        { number: 4, source: { from: "field_or", field: "name", fallback: "friend" } },
      ]),
    ).toEqual({
      1: "Choose the field {{1}} comes from.",
      2: "Write the text for {{2}}.",
      3: "Write the text used where the field is empty.",
    });
  });

  it("previews a source in the template", () => {
    expect(sourcePreview({ from: "field_or", field: "first_name", fallback: "there" })).toBe("‹First name› or “there”");
    expect(sourcePreview({ from: "field", field: "" })).toBe("");
    expect(sourcePreview({ from: "constant", text: "Sunday" })).toBe("Sunday");
  });
});
