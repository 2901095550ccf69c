import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../bindings/ErrorCode";
import { accountFieldError, describeError } from "./errorMessages";
import { credentialLabel } from "./validation";

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
      "Wrong passphrase. Try again.",
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

describe("accountFieldError", () => {
  const fields = ["app_id", "app_secret"];
  const at = (message: string, field?: string) =>
    accountFieldError({ code: "invalid_input", message, ...(field ? { field } : {}) }, fields, credentialLabel);

  it("places core's prefixed errors at their field in plain words", () => {
    expect(at("base URL: must not contain a query or fragment")).toEqual({
      field: "base_url",
      message: "The address must not contain ?… or #…: remove everything from the ? or # on.",
    });
    expect(at("base URL: relative URL without a base")?.message).toMatch(/not a complete web address/);
    expect(at("display name: at most 80 characters")).toEqual({
      field: "display_name",
      message: "The name is too long: use at most 80 characters.",
    });
    expect(at("credential app_secret: required")).toEqual({ field: { credential: "app_secret" }, message: "Enter the App secret." });
    expect(at("credential #1: not a field; ChatArchitect accounts take app_id, app_secret")?.field).toEqual({
      credential: "app_id",
    });
  });

  it("prefers the field core names, keeping its sentence", () => {
    expect(at("That App ID is unknown.", "app_id")).toEqual({ field: { credential: "app_id" }, message: "That App ID is unknown." });
    expect(at("Too long.", "display_name")?.field).toBe("display_name");
    expect(at("Whatever.", "to")).toBeNull();
  });

  it("leaves errors about no one field to the banner", () => {
    expect(at("something else entirely")).toBeNull();
    expect(at("credential api_key: required")).toBeNull();
    expect(accountFieldError({ code: "database", message: "base URL: x" }, fields, credentialLabel)).toBeNull();
  });
});
