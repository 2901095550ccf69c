import { describe, expect, it } from "vitest";
import { hasErrors } from "./validation";
import { partnerSettingsFieldError, validatePartnerSettings, validatePartnerToken, validateRegistrationUrl } from "./registrationValidation";

describe("validateRegistrationUrl", () => {
  it.each([
    "https://registration.example.com",
    "https://registration.example.com/",
    "  https://reg.example:8443  ",
    "http://127.0.0.1:8790",
    "http://localhost:8790/",
    "http://[::1]:8790",
    "HTTPS://Reg.Example",
  ])("accepts %s", (url) => {
    expect(validateRegistrationUrl(url)).toBeUndefined();
  });

  it("asks for a URL when empty", () => {
    expect(validateRegistrationUrl("   ")).toMatch(/^Enter the registration URL/);
  });

  it("asks for a full URL when it does not parse", () => {
    expect(validateRegistrationUrl("registration.example.com")).toMatch(/full URL starting with https:\/\//);
  });

  it.each(["ftp://reg.example", "javascript:alert(1)", "file:///etc/passwd"])("requires https:// for %s", (url) => {
    expect(validateRegistrationUrl(url)).toBe("The registration URL must start with https://.");
  });

  it.each(["http://reg.example", "http://192.168.1.5:8790", "http://127.0.0.1.example.com"])(
    "allows http:// only on loopback, not %s",
    (url) => {
      expect(validateRegistrationUrl(url)).toMatch(/Use https:\/\/.*only for a sandbox on 127\.0\.0\.1, localhost or \[::1\]/);
    },
  );

  it.each(["https://user:secret@reg.example", "https://user@reg.example"])("refuses user info in %s", (url) => {
    expect(validateRegistrationUrl(url)).toMatch(/Leave the user name and password out/);
  });

  it.each(["https://reg.example/partner", "https://reg.example/api/v1/", "https://reg.example//"])(
    "asks for the domain only, not %s",
    (url) => {
      expect(validateRegistrationUrl(url)).toMatch(/domain only, without a path/);
    },
  );

  it.each(["https://reg.example/?a=1", "https://reg.example?", "https://reg.example/#top", "https://reg.example#"])(
    "refuses a query or fragment in %s",
    (url) => {
      expect(validateRegistrationUrl(url)).toMatch(/must not contain a query/);
    },
  );
});

describe("validatePartnerToken", () => {
  it.each(["12345678", "  ca_live_3f9a0b1c  ", "tøken-ünïcode"])("accepts %j", (token) => {
    expect(validatePartnerToken(token)).toBeUndefined();
  });

  it("asks for a token when empty", () => {
    expect(validatePartnerToken(" \n ")).toBe("Enter the partner token ChatArchitect gave you.");
  });

  it.each(["abcd efgh", "abcd\tefgh", "abcd\nefgh", "abcd\u0000efgh"])("wants one word, not %j", (token) => {
    expect(validatePartnerToken(token)).toMatch(/one word/);
  });

  it("wants at least 8 characters, counted as code points", () => {
    expect(validatePartnerToken("1234567")).toMatch(/at least 8 characters/);
    // Seven emoji are 14 UTF-16 units but seven characters.
    expect(validatePartnerToken("😀".repeat(7))).toMatch(/at least 8 characters/);
    expect(validatePartnerToken("😀".repeat(8))).toBeUndefined();
  });
});

describe("validatePartnerSettings", () => {
  it("reports each field separately", () => {
    expect(hasErrors(validatePartnerSettings("https://reg.example", "ca_live_12345678"))).toBe(false);
    const errors = validatePartnerSettings("http://reg.example", "short");
    expect(errors.url).toMatch(/Use https:\/\//);
    expect(errors.token).toMatch(/at least 8/);
  });
});

describe("partnerSettingsFieldError", () => {
  it("places the core's prefixed messages at their field, in plain words", () => {
    expect(
      partnerSettingsFieldError({ code: "invalid_input", message: "registration URL: must be the domain only, like https://registration.example" }),
    ).toEqual({ url: "The registration URL must be the domain only, like https://registration.example." });
    expect(
      partnerSettingsFieldError({
        code: "invalid_input",
        message: "partner token: must be the token ChatArchitect gave you (one word, at least 8 characters)",
      }),
    ).toEqual({ token: "The partner token must be the token ChatArchitect gave you (one word, at least 8 characters)." });
    expect(partnerSettingsFieldError({ code: "invalid_input", message: "registration URL: relative URL without a base" })).toEqual({
      url: "The registration URL is not valid: relative URL without a base.",
    });
  });

  it("uses the field the core names", () => {
    expect(partnerSettingsFieldError({ code: "invalid_input", message: "Too long.", field: "partner_token" })).toEqual({
      token: "The partner token is not valid: Too long.",
    });
  });

  it("leaves other errors to the banner", () => {
    expect(partnerSettingsFieldError({ code: "invalid_input", message: "something else" })).toBeNull();
    expect(partnerSettingsFieldError({ code: "database", message: "registration URL: disk I/O error" })).toBeNull();
  });
});
