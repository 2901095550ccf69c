import { describe, expect, it } from "vitest";
import {
  baseUrlWarning,
  capitalise,
  credentialLabel,
  credentialTitle,
  isSecretCredential,
  hasErrors,
  validateAccountForm,
  validateBaseUrl,
  validateDisplayName,
  validatePassphrase,
  validateRelayUrl,
  validateRemoteRelay,
  validateWebsiteId,
} from "./validation";

describe("validatePassphrase", () => {
  it("accepts a matching passphrase of 8 characters", () => {
    expect(validatePassphrase("12345678", "12345678")).toEqual({});
  });

  it("asks for a passphrase when empty", () => {
    expect(validatePassphrase("", "").passphrase).toBe("Enter a passphrase.");
  });

  it("rejects fewer than 8 characters", () => {
    expect(validatePassphrase("1234567", "1234567").passphrase).toMatch(/at least 8 characters/);
  });

  it("counts characters, not UTF-16 code units", () => {
    // Seven emoji are 14 code units but only 7 characters.
    const seven = "😀".repeat(7);
    expect(validatePassphrase(seven, seven).passphrase).toMatch(/at least 8/);
  });

  it("reports a mismatch on the confirmation field", () => {
    const errors = validatePassphrase("long enough pass", "long enough pas");
    expect(errors.passphrase).toBeUndefined();
    expect(errors.confirm).toBe("The two passphrases do not match.");
  });

  it("asks for the confirmation when it is empty", () => {
    expect(validatePassphrase("long enough pass", "").confirm).toMatch(/again/);
  });
});

describe("validateDisplayName", () => {
  it("rejects blank names", () => {
    expect(validateDisplayName("   ")).toBeDefined();
    expect(validateDisplayName("Support")).toBeUndefined();
  });
});

describe("validateBaseUrl", () => {
  it.each([
    "https://api.example.com",
    "http://127.0.0.1:8787",
    "http://127.8.9.10",
    "http://localhost:8080",
    "http://[::1]:9000",
    "  https://x.io/v1  ",
  ])("accepts %s", (url) => {
    expect(validateBaseUrl(url)).toBeUndefined();
  });

  it.each([
    ["", /Enter/],
    ["api.example.com", /http:\/\/ or https:\/\//],
    ["ftp://files.example.com", /must start with http/],
    ["javascript:alert(1)", /must start with http/],
    ["http://api.example.com", /only for an endpoint on this computer/],
    ["http://192.168.1.10", /only for an endpoint on this computer/],
    ["http://localhost.example.com", /only for an endpoint on this computer/],
    ["https://api.example.com/?token=1", /must not contain \?… or #…/],
    ["https://user:pw@api.example.com", /user name and password out/],
  ])("rejects %j", (url, message) => {
    expect(validateBaseUrl(url)).toMatch(message);
  });
});

describe("validateAccountForm", () => {
  const fields = ["api_key", "app_name"];

  it("passes a complete form", () => {
    const errors = validateAccountForm(
      { displayName: "Support", baseUrl: "https://api.gupshup.io", credentials: { api_key: "k", app_name: "a" } },
      fields,
    );
    expect(hasErrors(errors)).toBe(false);
  });

  it("reports each missing credential by field name", () => {
    const errors = validateAccountForm(
      { displayName: "Support", baseUrl: "https://api.gupshup.io", credentials: { api_key: "  " } },
      fields,
    );
    expect(Object.keys(errors.credentials).sort()).toEqual(["api_key", "app_name"]);
    expect(errors.credentials.api_key).toBe("Enter the API key.");
    expect(hasErrors(errors)).toBe(true);
  });

  it("reports name and URL problems separately", () => {
    const errors = validateAccountForm({ displayName: "", baseUrl: "nope", credentials: {} }, []);
    expect(errors.displayName).toBeDefined();
    expect(errors.baseUrl).toBeDefined();
    expect(errors.credentials).toEqual({});
  });
});

describe("labels", () => {
  it("makes field names readable", () => {
    expect(credentialLabel("api_key")).toBe("API key");
    expect(credentialLabel("app_name")).toBe("app name");
    expect(capitalise(credentialLabel("app_name"))).toBe("App name");
  });

  it("gives the providers' credentials the labels people read, and masks only secrets", () => {
    expect(["app_id", "app_secret", "api_key", "app_token", "identifier", "key"].map(credentialTitle)).toEqual([
      "App ID",
      "App secret",
      "API key",
      "App token",
      "Identifier",
      "Key",
    ]);
    expect(["app_id", "identifier"].filter(isSecretCredential)).toEqual([]);
    expect(["app_secret", "api_key", "app_token", "key", "something_new"].every(isSecretCredential)).toBe(true);
  });

  it("warns, for a real provider only, about plain http://", () => {
    expect(baseUrlWarning("http://127.0.0.1:9000", false)).toMatch(/unencrypted/);
    expect(baseUrlWarning(" HTTP://localhost", false)).toMatch(/unencrypted/);
    expect(baseUrlWarning("http://127.0.0.1:8787", true)).toBeUndefined();
    expect(baseUrlWarning("https://api.example.com", false)).toBeUndefined();
  });
});

describe("validateRelayUrl", () => {
  it.each([
    "https://relay.example.com",
    "https://relay.example.com:8443/wadesk/",
    "  https://relay.example.com  ",
    "http://127.0.0.1:8787",
    "http://localhost:8787",
    "http://[::1]:8787",
  ])("accepts %s", (url) => {
    expect(validateRelayUrl(url)).toBeUndefined();
  });

  it.each([
    ["", "Enter the relay's URL, for example https://relay.example.com."],
    ["   ", "Enter the relay's URL, for example https://relay.example.com."],
    ["relay.example.com", "Enter a full URL starting with https://, for example https://relay.example.com."],
    ["ftp://relay.example.com", "The relay URL must start with https://."],
    ["wss://relay.example.com", "The relay URL must start with https://."],
    [
      "http://relay.example.com",
      "Use https:// for a relay on another machine. Plain http:// is allowed only for 127.0.0.1, localhost or [::1].",
    ],
    [
      "http://192.168.1.20:8787",
      "Use https:// for a relay on another machine. Plain http:// is allowed only for 127.0.0.1, localhost or [::1].",
    ],
    [
      "https://ops:hunter2@relay.example.com",
      "Leave the user name and password out of the URL; the admin token goes in its own field.",
    ],
    ["https://relay.example.com/?token=abc", "The relay URL must not contain a query (?…) or a fragment (#…)."],
    ["https://relay.example.com/#x", "The relay URL must not contain a query (?…) or a fragment (#…)."],
  ])("rejects %j with a specific message", (url, message) => {
    expect(validateRelayUrl(url)).toBe(message);
  });
});

describe("validateRemoteRelay", () => {
  it("needs an admin token", () => {
    expect(validateRemoteRelay("https://relay.example.com", "  ")).toEqual({
      url: undefined,
      adminToken: "Enter the admin token the relay's operator gave you.",
    });
  });

  it("passes a https URL with a token", () => {
    expect(hasErrors(validateRemoteRelay("https://relay.example.com", "tok"))).toBe(false);
  });
});

describe("validateWebsiteId (Crisp)", () => {
  it("is an identifier labelled Website ID, shown as typed", () => {
    expect(credentialTitle("website_id")).toBe("Website ID");
    expect(isSecretCredential("website_id")).toBe(false);
    expect(isSecretCredential("key")).toBe(true);
  });

  it.each(["8c842203-7ed8-4e29-a608-7cf78a7d2fcc", "  ABCdef-123  ", "a".repeat(64)])("accepts %j", (id) => {
    expect(validateWebsiteId(id)).toBeUndefined();
  });

  it.each([
    ["", "Enter the Website ID."],
    ["a".repeat(65), "The Website ID is at most 64 characters long."],
    ["8c842203 7ed8", /letters, digits and dashes/],
    ["https://app.crisp.chat/website/x", /letters, digits and dashes/],
  ])("rejects %j", (id, message) => {
    expect(validateWebsiteId(id)).toMatch(message);
  });

  it("is checked in the add-account form", () => {
    const errors = validateAccountForm(
      {
        displayName: "Crisp",
        baseUrl: "https://plugin.crisp.chat",
        credentials: { identifier: "i", key: "k", website_id: "not a uuid!" },
      },
      ["identifier", "key", "website_id"],
    );
    expect(Object.keys(errors.credentials)).toEqual(["website_id"]);
  });
});
