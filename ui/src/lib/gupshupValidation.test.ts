import { describe, expect, it } from "vitest";
import {
  gupshupLinkFieldError,
  validateAppName,
  validateGupshupLink,
  validateGupshupSettings,
  validatePhone,
  validateWabaId,
} from "./gupshupValidation";

describe("the Gupshup link form", () => {
  it("takes app names of 6 to 150 ASCII letters and digits", () => {
    expect(validateAppName("AcmeShop1")).toBeUndefined();
    expect(validateAppName("a".repeat(150))).toBeUndefined();
    expect(validateAppName("Acme")).toBe("App name should be between 6 to 150 characters in length");
    expect(validateAppName("a".repeat(151))).toBe("App name should be between 6 to 150 characters in length");
    expect(validateAppName("Acme Shop")).toBe("Letters and digits only: no spaces or symbols");
    expect(validateAppName("acme_shop")).toBe("Letters and digits only: no spaces or symbols");
    expect(validateAppName("acméshop")).toBe("Letters and digits only: no spaces or symbols");
  });

  it("takes WABA IDs of 5 to 30 digits", () => {
    expect(validateWabaId("109876543210987")).toBeUndefined();
    expect(validateWabaId("1234")).toBeDefined();
    expect(validateWabaId("12a45")).toBeDefined();
    expect(validateWabaId("1".repeat(31))).toBeDefined();
    expect(validateWabaId("")).toBeDefined();
  });

  it("takes numbers in international format", () => {
    expect(validatePhone("+91 98765 43210")).toBeUndefined();
    expect(validatePhone("919876543210")).toBeUndefined();
    expect(validatePhone("+44 (20) 7946-0958")).toBeUndefined();
    expect(validatePhone("098765")).toBeDefined();
    expect(validatePhone("+91 abc")).toBeDefined();
    expect(validatePhone("")).toBeDefined();
  });

  it("has no errors for a good form", () => {
    expect(validateGupshupLink("AcmeShop1", "109876543210987", "+919876543210")).toEqual({
      appName: undefined,
      wabaId: undefined,
      phone: undefined,
    });
  });

  it("puts the core's field errors at their field", () => {
    expect(gupshupLinkFieldError({ code: "invalid_input", message: "Taken", field: "app_name" })).toEqual({ appName: "Taken" });
    expect(gupshupLinkFieldError({ code: "invalid_input", message: "No", field: "waba_id" })).toEqual({ wabaId: "No" });
    expect(gupshupLinkFieldError({ code: "invalid_input", message: "No", field: "phone" })).toEqual({ phone: "No" });
    expect(gupshupLinkFieldError({ code: "provider_conflict", message: "Bot Already Exists" })).toBeNull();
  });

  it("checks the partner settings", () => {
    expect(validateGupshupSettings("https://partner.gupshup.io", "tok_abcdef")).toEqual({ url: undefined, token: undefined });
    expect(validateGupshupSettings("http://partner.gupshup.io", "tok abc").url).toBeDefined();
    expect(validateGupshupSettings("https://partner.gupshup.io", "tok abc").token).toBeDefined();
  });
});
