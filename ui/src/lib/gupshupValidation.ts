/**
 * Client-side checks for Gupshup's link form and partner settings (the core checks again and stays
 * the authority): an app name of 6 to 150 ASCII letters and digits, a WABA ID of 5 to 30 digits,
 * a number in international format, and an https:// partner URL with a one-word token.
 */

import type { ApiError } from "../bindings/ApiError";
import { validateD360Url } from "./d360Validation";
import type { PartnerSettingsErrors } from "./registrationValidation";

export type GupshupLinkErrors = { appName?: string; wabaId?: string; phone?: string };

export function validateAppName(name: string): string | undefined {
  const trimmed = name.trim();
  if (!/^[A-Za-z0-9]*$/u.test(trimmed)) return "Letters and digits only: no spaces or symbols";
  if (trimmed.length < 6 || trimmed.length > 150) return "App name should be between 6 to 150 characters in length";
  return undefined;
}

export function validateWabaId(id: string): string | undefined {
  const trimmed = id.trim();
  if (!trimmed) return "Enter the WABA ID from the customer's Embedded Signup.";
  if (!/^\d{5,30}$/u.test(trimmed)) return "The WABA ID is 5 to 30 digits, as Meta shows it.";
  return undefined;
}

/** Digits of a number typed in international format (+, spaces, dashes and brackets allowed). */
export function phoneDigits(phone: string): string {
  return phone.trim().replace(/[\s\-().]/gu, "").replace(/^\+/u, "");
}

export function validatePhone(phone: string): string | undefined {
  const trimmed = phone.trim();
  if (!trimmed) return "Enter the number, in international format like +91 98765 43210.";
  if (!/^\+?[\d\s\-().]+$/u.test(trimmed) || !/^[1-9]\d{7,14}$/u.test(phoneDigits(trimmed))) {
    return "Enter the number in international format: country code then number, like +91 98765 43210.";
  }
  return undefined;
}

export function validateGupshupLink(appName: string, wabaId: string, phone: string): GupshupLinkErrors {
  return { appName: validateAppName(appName), wabaId: validateWabaId(wabaId), phone: validatePhone(phone) };
}

const LINK_FIELDS: Record<string, keyof GupshupLinkErrors> = { app_name: "appName", waba_id: "wabaId", phone: "phone" };

/** The core's error about one field of the link form at that field, or null for a banner. */
export function gupshupLinkFieldError(error: ApiError): GupshupLinkErrors | null {
  const key = error.field ? LINK_FIELDS[error.field] : undefined;
  return key ? { [key]: error.message } : null;
}

export function validateGupshupToken(token: string): string | undefined {
  const trimmed = token.trim();
  if (!trimmed) return "Enter the partner token from Gupshup's partner portal.";
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(trimmed)) {
    return "The partner token is one word: remove the spaces or line breaks inside it.";
  }
  return undefined;
}

export function validateGupshupSettings(url: string, token: string): PartnerSettingsErrors {
  return {
    url: validateD360Url(url, "Gupshup's partner URL", "https://partner.gupshup.io"),
    token: validateGupshupToken(token),
  };
}

export function gupshupSettingsFieldError(error: ApiError): PartnerSettingsErrors | null {
  if (error.field === "partner_token") return { token: error.message };
  if (error.field === "partner_url") return { url: error.message };
  return null;
}
