import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../bindings/ErrorCode";
import { describeError } from "./errorMessages";

const ALL_CODES: ErrorCode[] = [
  "store_uninitialized", "store_locked", "store_already_exists", "store_corrupt", "store_busy", "wrong_passphrase",
  "key_missing", "keychain_unavailable", "weak_passphrase", "invalid_input", "not_found", "database",
  "io", "internal", "relay_unavailable", "provider_rejected", "provider_unauthorized", "provider_conflict",
  "provider_unavailable",
];

describe("describeError", () => {
  it.each(ALL_CODES)("has a human message for %s", (code) => {
    expect(describeError({ code, message: "" }).message.length).toBeGreaterThan(10);
  });

  it("uses the fixed text for key_missing, not the server's", () => {
    expect(describeError({ code: "key_missing", message: "NoEntry" })).toEqual({
      message: "The key for this database is missing from the keychain. Your data was not changed.",
      detail: undefined,
    });
  });

  it("uses the fixed text for wrong_passphrase", () => {
    expect(describeError({ code: "wrong_passphrase", message: "aead" }).message).toBe(
      "Wrong passphrase — the database was not changed.",
    );
  });

  it("shows the server's message for invalid_input", () => {
    expect(describeError({ code: "invalid_input", message: "base_url must be http(s)" }).message).toBe(
      "base_url must be http(s)",
    );
  });

  it("keeps diagnostic text as a detail for database errors", () => {
    const text = describeError({ code: "database", message: "disk I/O error" });
    expect(text.detail).toBe("disk I/O error");
    expect(text.message).not.toContain("disk I/O");
  });
});
