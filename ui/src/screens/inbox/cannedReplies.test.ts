import { describe, expect, it } from "vitest";
import type { RenderedCannedReply } from "../../bindings/RenderedCannedReply";
import { filterCanned, missingText, replaceRange, slashQueryAt } from "./cannedReplies";

function rendered(id: number, shortcut: string, text: string): RenderedCannedReply {
  return { reply: { id, shortcut, text }, text, missing: [] };
}

describe("slashQueryAt", () => {
  it("finds a slash at the start or after whitespace, up to the caret", () => {
    expect(slashQueryAt("/th", 3)).toEqual({ start: 0, end: 3, query: "th" });
    expect(slashQueryAt("Hi!\n/", 5)).toEqual({ start: 4, end: 5, query: "" });
    expect(slashQueryAt("ok /thanks more", 10)).toEqual({ start: 3, end: 10, query: "thanks" });
  });

  it("ignores slashes inside words and links, and a finished word", () => {
    expect(slashQueryAt("and/or", 6)).toBeNull();
    expect(slashQueryAt("https://x", 9)).toBeNull();
    expect(slashQueryAt("/thanks ", 8)).toBeNull();
  });
});

describe("filterCanned", () => {
  const replies = [
    rendered(1, "thanks", "Thank you for your order!"),
    rendered(2, "hours", "We are open 9–17."),
    rendered(3, "address", "Our shop is at Main street 1; thanks for asking."),
    rendered(4, "th", "Short"),
  ];

  it("lists shortcut prefix matches first, then text matches", () => {
    expect(filterCanned(replies, "th").map((r) => r.reply.id)).toEqual([4, 1, 3]);
  });

  it("matches case-insensitively and lists all by shortcut for an empty query", () => {
    expect(filterCanned(replies, "OPEN").map((r) => r.reply.id)).toEqual([2]);
    expect(filterCanned(replies, "").map((r) => r.reply.shortcut)).toEqual(["address", "hours", "th", "thanks"]);
  });
});

describe("replaceRange and missingText", () => {
  it("replaces the /query and puts the caret after the insert", () => {
    expect(replaceRange("Hi /th!", 3, 6, "Thank you")).toEqual({ text: "Hi Thank you!", caret: 12 });
  });

  it("names the missing variables", () => {
    expect(missingText(["first_name"])).toBe("{{first_name}}");
    expect(missingText(["first_name", "city", "plan"])).toBe("{{first_name}}, {{city}} and {{plan}}");
  });
});
