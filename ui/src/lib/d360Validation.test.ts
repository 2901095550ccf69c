import { describe, expect, it } from "vitest";
import {
  d360SettingsFieldError,
  d360StartFieldError,
  validateD360Id,
  validateD360Key,
  validateD360Settings,
  validateD360Start,
  validateD360Url,
  validateMetaId,
} from "./d360Validation";
import { hasErrors } from "./validation";

const GOOD = {
  hubUrl: "https://hub.360dialog.io/api/v2",
  messagingUrl: "https://waba-v2.360dialog.io",
  partnerId: "AbC123_x-9",
  partnerKey: "d360_partner_key_0123",
  solutionId: "sol-42",
  metaAppId: "1234567890123456",
  metaConfigId: "987654321098765",
};

describe("360dialog settings checks", () => {
  it("accepts good settings", () => {
    expect(hasErrors(validateD360Settings(GOOD, false))).toBe(false);
  });

  it("wants https, except on this computer", () => {
    const check = (url: string) => validateD360Url(url, "the Partner Hub URL", "https://hub.360dialog.io/api/v2");
    expect(check("https://hub.360dialog.io/api/v2")).toBeUndefined();
    expect(check("http://127.0.0.1:8791/api/v2")).toBeUndefined();
    expect(check("http://localhost:8791")).toBeUndefined();
    expect(check("http://hub.360dialog.io/api/v2")).toMatch(/Use https:\/\//);
    expect(check("")).toMatch(/Enter the Partner Hub URL/);
    expect(check("hub.360dialog.io")).toMatch(/full URL/);
    expect(check("ftp://hub.360dialog.io")).toMatch(/Use https:\/\//);
    expect(check("https://hub.360dialog.io/api/v2?x=1")).toMatch(/query/);
    expect(check("https://user:pw@hub.360dialog.io")).toMatch(/user name and password/);
  });

  it("wants partner ids of one word, and Meta's ids in digits", () => {
    expect(validateD360Id("", "the partner ID")).toBe("Enter the partner ID.");
    expect(validateD360Id("ab cd", "the partner ID")).toMatch(/one word/);
    expect(validateD360Id("ab.cd", "the partner ID")).toMatch(/letters, digits, - and _/);
    expect(validateD360Id("x".repeat(129), "the partner ID")).toMatch(/1 to 128/);
    expect(validateMetaId("", "the Meta app ID")).toBe("Enter the Meta app ID.");
    expect(validateMetaId("12ab", "the Meta app ID")).toMatch(/digits only/);
    expect(validateMetaId(" 123 ", "the Meta app ID")).toBeUndefined();
  });

  it("keeps the stored key when the field is left empty, and checks a typed one", () => {
    expect(validateD360Key("", true)).toBeUndefined();
    expect(validateD360Key("", false)).toMatch(/Enter the partner API key/);
    expect(validateD360Key("short", true)).toMatch(/8 to 256/);
    expect(validateD360Key("two words here", true)).toMatch(/one word/);
    const errors = validateD360Settings({ ...GOOD, partnerKey: "", partnerId: "a b", metaAppId: "x" }, true);
    expect(errors.partnerKey).toBeUndefined();
    expect(errors.partnerId).toBeDefined();
    expect(errors.metaAppId).toBeDefined();
  });

  it("places the core's field errors at their field", () => {
    expect(
      d360SettingsFieldError({ code: "invalid_input", field: "meta_config_id", message: "the Embedded Signup configuration ID: digits only" }),
    ).toEqual({ metaConfigId: "The Embedded Signup configuration ID: digits only." });
    expect(d360SettingsFieldError({ code: "invalid_input", message: "360dialog messaging URL must use https" })).toEqual({
      messagingUrl: "360dialog messaging URL must use https.",
    });
    expect(d360SettingsFieldError({ code: "invalid_input", message: "something else" })).toBeNull();
    expect(d360SettingsFieldError({ code: "provider_unauthorized", field: "partner_key", message: "401" })).toBeNull();
  });
});

describe("the onboarding form checks", () => {
  it("wants a business name, a contact email and the person's name", () => {
    expect(hasErrors(validateD360Start("Acme GmbH", "ops@acme.example", "Jana Novak"))).toBe(false);
    const errors = validateD360Start(" ", "not-an-email", "");
    expect(errors.name).toMatch(/business name/);
    expect(errors.email).toMatch(/name@example.com/);
    expect(errors.userName).toMatch(/your name/);
    expect(validateD360Start("Acme", "", "Jana").email).toMatch(/contact email/);
    expect(validateD360Start("x".repeat(101), "a@b.co", "Jana").name).toMatch(/100 characters/);
  });

  it("places the core's field errors at the form's fields", () => {
    expect(d360StartFieldError({ code: "invalid_input", field: "user_name", message: "enter your name" })).toEqual({
      userName: "Enter your name.",
    });
    expect(d360StartFieldError({ code: "invalid_input", message: "enter your name" })).toBeNull();
  });
});
