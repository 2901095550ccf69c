import { afterEach, describe, expect, it, vi } from "vitest";
import { invoke } from "@tauri-apps/api/core";
import { toApiError } from "./apiError";
import { createBatcher } from "./batch";
import { historyPage, messageRetry, onStoreChanged, sendTemplate, templatesList } from "./messagingApi";
import { checkNumber, checkValue, normaliseNumber, segments } from "./templateText";
import { emitAppEvent, listenerCount } from "../test/mockEvents";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

describe("toApiError", () => {
  it("keeps the field an input error belongs to", () => {
    expect(toApiError({ code: "invalid_input", message: "Too short", field: "values.2" })).toEqual({
      code: "invalid_input",
      message: "Too short",
      field: "values.2",
    });
  });

  it("drops a field that is not a string", () => {
    expect(toApiError({ code: "invalid_input", message: "x", field: 3 })).toEqual({ code: "invalid_input", message: "x" });
  });
});

describe("messaging commands", () => {
  it("pass camelCase argument keys as Tauri maps them", async () => {
    vi.mocked(invoke).mockResolvedValue(null);
    await templatesList("acc-1");
    await historyPage({ account_id: "acc-1" }, 200, 200);
    await messageRetry("msg-1", true);
    await sendTemplate({ account_id: "acc-1", to: "421", template_id: "t", values: [] });
    expect(vi.mocked(invoke).mock.calls).toEqual([
      ["templates_list", { accountId: "acc-1" }],
      ["history_page", { filter: { account_id: "acc-1" }, offset: 200, limit: 200 }],
      ["message_retry", { id: "msg-1", confirmUncertain: true }],
      ["send_template", { input: { account_id: "acc-1", to: "421", template_id: "t", values: [] } }],
    ]);
  });

  it("reject with a normalised ApiError", async () => {
    vi.mocked(invoke).mockRejectedValue({ code: "invalid_input", message: "bad number", field: "to", extra: 1 });
    await expect(templatesList("a")).rejects.toEqual({ code: "invalid_input", message: "bad number", field: "to" });
  });

  it("deliver store-changed payloads until unlistened", async () => {
    const seen: unknown[] = [];
    const stop = await onStoreChanged((c) => seen.push(c));
    emitAppEvent("store-changed", { kind: "templates", account_id: "a" });
    stop();
    emitAppEvent("store-changed", { kind: "templates", account_id: "b" });
    expect(seen).toEqual([{ kind: "templates", account_id: "a" }]);
    expect(listenerCount("store-changed")).toBe(0);
  });
});

describe("createBatcher", () => {
  afterEach(() => vi.useRealTimers());

  it("folds a burst into one flush per window", () => {
    vi.useFakeTimers();
    const flushes: number[][] = [];
    const batcher = createBatcher<number>((items) => flushes.push(items), 100);
    for (let i = 0; i < 1000; i++) batcher.push(i);
    expect(flushes).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toHaveLength(1000);
    batcher.push(1);
    vi.advanceTimersByTime(100);
    expect(flushes).toHaveLength(2);
  });
});

describe("send checks", () => {
  it.each([
    ["+421 233-221 (242)", undefined],
    ["", "Enter the customer's number."],
    ["1234567", "A phone number has 8 to 15 digits with its country code; this one has 7."],
    ["4212332212421234", "A phone number has 8 to 15 digits with its country code; this one has 16."],
    ["42123abc", "Use digits only, with the country code first (for example 421233221242)."],
  ])("number %j", (raw, error) => {
    expect(checkNumber(raw)).toBe(error);
  });

  it("normalises like the core", () => {
    expect(normaliseNumber("+421 (233) 221-242")).toBe("421233221242");
  });

  it("refuses empty values and line breaks", () => {
    expect(checkValue(2, " ")).toBe("Fill in {{2}}.");
    expect(checkValue(1, "a\nb")).toMatch(/one line/);
    expect(checkValue(1, "Anna")).toBeUndefined();
  });

  it("splits a body into text and placeholders", () => {
    expect(segments("Hi {{1}}, code {{ 2 }}.")).toEqual([
      { kind: "text", text: "Hi " },
      { kind: "placeholder", number: 1 },
      { kind: "text", text: ", code " },
      { kind: "placeholder", number: 2 },
      { kind: "text", text: "." },
    ]);
  });
});
