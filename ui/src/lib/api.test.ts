import { beforeEach, describe, expect, it, vi } from "vitest";
import { invoke } from "@tauri-apps/api/core";
import {
  accountAdd,
  accountRemove,
  accountRename,
  accountsList,
  onRelayStatus,
  providersCatalog,
  relaySelfTest,
  relayStatus,
  relayUseEmbedded,
  relayUseRemote,
  storeCreate,
  storeStatus,
  storeUnlock,
  toApiError,
} from "./api";
import { GUPSHUP_ACCOUNT, PROVIDERS, relayStatus as relayFixture, storeStatus as statusFixture } from "../test/fixtures";
import { emitAppEvent, listenerCount } from "../test/mockEvents";
import type { NewAccount } from "../bindings/NewAccount";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const mockedInvoke = vi.mocked(invoke);

describe("toApiError", () => {
  it("passes a well-formed ApiError through, dropping unknown fields", () => {
    const raw = { code: "wrong_passphrase", message: "nope", extra: 1 };
    expect(toApiError(raw)).toEqual({ code: "wrong_passphrase", message: "nope" });
  });

  it("turns a string rejection into an internal error with that text", () => {
    expect(toApiError("command store_status not found")).toEqual({
      code: "internal",
      message: "command store_status not found",
    });
  });

  it("turns an Error into an internal error using String(e)", () => {
    expect(toApiError(new Error("boom"))).toEqual({ code: "internal", message: "Error: boom" });
  });

  it("rejects objects whose code is not a known ErrorCode", () => {
    const raw = { code: "exploded", message: "x" };
    expect(toApiError(raw)).toEqual({ code: "internal", message: String(raw) });
  });

  it("rejects objects whose message is not a string", () => {
    expect(toApiError({ code: "io", message: 42 }).code).toBe("internal");
  });

  it("handles null and undefined", () => {
    expect(toApiError(null)).toEqual({ code: "internal", message: "null" });
    expect(toApiError(undefined)).toEqual({ code: "internal", message: "undefined" });
  });
});

describe("command wrappers", () => {
  beforeEach(() => {
    mockedInvoke.mockResolvedValue(null);
  });

  const newAccount: NewAccount = {
    provider: "gupshup",
    display_name: "Support",
    base_url: "https://api.gupshup.io",
    credentials: [{ name: "api_key", value: "secret" }],
  };

  it.each([
    ["store_status", () => storeStatus(), {}],
    ["store_create", () => storeCreate("correct horse"), { passphrase: "correct horse" }],
    ["store_create", () => storeCreate(null), { passphrase: null }],
    ["store_unlock", () => storeUnlock("correct horse"), { passphrase: "correct horse" }],
    ["store_unlock", () => storeUnlock(null), { passphrase: null }],
    ["providers_catalog", () => providersCatalog(), {}],
    ["accounts_list", () => accountsList(), {}],
    ["account_add", () => accountAdd(newAccount), { input: newAccount }],
    ["account_rename", () => accountRename("acc-1", "New name"), { id: "acc-1", name: "New name" }],
    ["account_remove", () => accountRemove("acc-1"), { id: "acc-1" }],
    ["relay_status", () => relayStatus(), {}],
    ["relay_self_test", () => relaySelfTest(), {}],
    // Tauri maps camelCase JS argument names to the command's snake_case parameters.
    [
      "relay_use_remote",
      () => relayUseRemote("https://relay.example.com", "admin-token"),
      { url: "https://relay.example.com", adminToken: "admin-token" },
    ],
    ["relay_use_embedded", () => relayUseEmbedded(false), { leaveWaiting: false }],
    ["relay_use_embedded", () => relayUseEmbedded(true), { leaveWaiting: true }],
  ] as const)("%s is invoked with the exact command name and args", async (command, run, args) => {
    await run();
    expect(mockedInvoke).toHaveBeenCalledTimes(1);
    expect(mockedInvoke).toHaveBeenCalledWith(command, args);
  });

  it("returns what the core resolves with", async () => {
    mockedInvoke.mockResolvedValueOnce(statusFixture({ state: "locked" }));
    await expect(storeStatus()).resolves.toMatchObject({ state: "locked" });
    mockedInvoke.mockResolvedValueOnce(PROVIDERS);
    await expect(providersCatalog()).resolves.toEqual(PROVIDERS);
    mockedInvoke.mockResolvedValueOnce([GUPSHUP_ACCOUNT]);
    await expect(accountsList()).resolves.toEqual([GUPSHUP_ACCOUNT]);
  });

  it("rejects with the core's ApiError unchanged", async () => {
    mockedInvoke.mockRejectedValueOnce({ code: "key_missing", message: "no entry" });
    await expect(storeUnlock(null)).rejects.toEqual({ code: "key_missing", message: "no entry" });
  });

  it("normalises non-ApiError rejections to internal", async () => {
    mockedInvoke.mockRejectedValueOnce("ipc channel closed");
    await expect(accountsList()).rejects.toEqual({ code: "internal", message: "ipc channel closed" });
  });
});

describe("onRelayStatus", () => {
  it("delivers each relay-status payload until unlistened", async () => {
    const seen: string[] = [];
    const unlisten = await onRelayStatus((status) => seen.push(status.state));
    expect(listenerCount("relay-status")).toBe(1);

    emitAppEvent("relay-status", relayFixture({ state: "reconnecting" }));
    emitAppEvent("relay-status", relayFixture({ state: "connected" }));
    emitAppEvent("other-event", relayFixture({ state: "offline" }));
    unlisten();
    emitAppEvent("relay-status", relayFixture({ state: "offline" }));

    expect(seen).toEqual(["reconnecting", "connected"]);
    expect(listenerCount("relay-status")).toBe(0);
  });
});
