/**
 * Client-side checks for 360dialog's onboarding form and partner settings, mirroring
 * `use_d360_partner` in `crates/core/src/providers/d360/settings.rs` (the core checks again and
 * stays the authority): https:// URLs (http:// only on this machine, for a standalone sandbox),
 * partner-given ids of letters, digits, - and _ (no spaces), Meta's ids digits only, and a partner
 * key of one word, 8 to 256 characters (empty keeps the stored one).
 */

import type { ApiError } from "../bindings/ApiError";

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

export type D360StartErrors = { name?: string; email?: string; userName?: string };

export type D360SettingsErrors = {
  hubUrl?: string;
  messagingUrl?: string;
  partnerId?: string;
  partnerKey?: string;
  solutionId?: string;
  tier?: string;
  metaAppId?: string;
  metaConfigId?: string;
};

export type D360SettingsValues = {
  hubUrl: string;
  messagingUrl: string;
  partnerId: string;
  partnerKey: string;
  solutionId: string;
  metaAppId: string;
  metaConfigId: string;
};

export function validateD360Url(url: string, what: string, example: string): string | undefined {
  const trimmed = url.trim();
  if (!trimmed) return `Enter ${what}, for example ${example}.`;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return `Enter a full URL starting with https://, for example ${example}.`;
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK_HOSTS.has(parsed.hostname))) {
    return "Use https://. Plain http:// is allowed only for a sandbox on this computer (127.0.0.1 or localhost).";
  }
  if (parsed.username || parsed.password) return "Leave the user name and password out of the URL.";
  if (parsed.search || parsed.hash || parsed.href.includes("?") || parsed.href.includes("#")) {
    return "The URL must not contain a query (?…) or a fragment (#…).";
  }
  return undefined;
}

/** A partner-given id: one word of letters, digits, - and _, at most 128 characters. */
export function validateD360Id(id: string, what: string): string | undefined {
  const trimmed = id.trim();
  if (!trimmed) return `Enter ${what}.`;
  if (/\s/u.test(trimmed)) return `${capitalised(what)} is one word: remove the spaces inside it.`;
  if (!/^[A-Za-z0-9_-]{1,128}$/u.test(trimmed)) {
    return `${capitalised(what)} has letters, digits, - and _ only, 1 to 128 characters.`;
  }
  return undefined;
}

/** One of Meta's ids: digits only, as the App Dashboard shows it. */
export function validateMetaId(id: string, what: string): string | undefined {
  const trimmed = id.trim();
  if (!trimmed) return `Enter ${what}.`;
  if (!/^\d{1,32}$/u.test(trimmed)) return `${capitalised(what)} is digits only, as Meta's App Dashboard shows it.`;
  return undefined;
}

/** The partner key; empty is fine when one is stored already (it is kept). */
export function validateD360Key(key: string, stored: boolean): string | undefined {
  const trimmed = key.trim();
  if (!trimmed) return stored ? undefined : "Enter the partner API key from the 360dialog Partner Hub.";
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(trimmed)) {
    return "The partner API key is one word: remove the spaces or line breaks inside it.";
  }
  const length = [...trimmed].length;
  if (length < 8 || length > 256) return "The partner API key is 8 to 256 characters long.";
  return undefined;
}

export function validateD360Settings(values: D360SettingsValues, keyStored: boolean): D360SettingsErrors {
  return {
    hubUrl: validateD360Url(values.hubUrl, "the Partner Hub URL", "https://hub.360dialog.io/api/v2"),
    messagingUrl: validateD360Url(values.messagingUrl, "the messaging URL", "https://waba-v2.360dialog.io"),
    partnerId: validateD360Id(values.partnerId, "the partner ID"),
    partnerKey: validateD360Key(values.partnerKey, keyStored),
    solutionId: validateD360Id(values.solutionId, "the Solution ID"),
    metaAppId: validateMetaId(values.metaAppId, "the Meta app ID"),
    metaConfigId: validateMetaId(values.metaConfigId, "the Embedded Signup configuration ID"),
  };
}

/** The form that starts an onboarding: whom 360dialog creates the client for. */
export function validateD360Start(name: string, email: string, userName: string): D360StartErrors {
  const errors: D360StartErrors = {};
  if (!name.trim()) errors.name = "Enter the business name, as the customer's business is called.";
  else if ([...name.trim()].length > 100) errors.name = "The business name is at most 100 characters long.";
  const mail = email.trim();
  if (!mail) errors.email = "Enter a contact email for 360dialog.";
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(mail)) errors.email = "Enter an email address like name@example.com.";
  if (!userName.trim()) errors.userName = "Enter your name: 360dialog shows it as the contact person.";
  return errors;
}

/** `ApiError.field` names the core uses, at the settings form's fields. */
const SETTINGS_FIELDS: Record<string, keyof D360SettingsErrors> = {
  hub_url: "hubUrl",
  messaging_url: "messagingUrl",
  partner_id: "partnerId",
  partner_key: "partnerKey",
  solution_id: "solutionId",
  tier: "tier",
  default_tier: "tier",
  meta_app_id: "metaAppId",
  meta_config_id: "metaConfigId",
};

/** Message prefixes of the core's URL errors, which name the URL in the text. */
const URL_PREFIXES: [string, keyof D360SettingsErrors][] = [
  ["360dialog partner hub url", "hubUrl"],
  ["360dialog messaging url", "messagingUrl"],
];

/** The core's field errors at their field, or null for a banner. */
export function d360SettingsFieldError(error: ApiError): D360SettingsErrors | null {
  if (error.code !== "invalid_input") return null;
  const named = error.field ? SETTINGS_FIELDS[error.field] : undefined;
  const lower = error.message.toLowerCase();
  const key = named ?? URL_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
  return key ? { [key]: sentence(error.message) } : null;
}

const START_FIELDS: Record<string, keyof D360StartErrors> = { name: "name", email: "email", user_name: "userName" };

/** The core's field errors about the start form at their field, or null for a banner. */
export function d360StartFieldError(error: ApiError): D360StartErrors | null {
  if (error.code !== "invalid_input" || !error.field) return null;
  const key = START_FIELDS[error.field];
  return key ? { [key]: sentence(error.message) } : null;
}

/** The core's lower-case message as a sentence of its own. */
function sentence(message: string): string {
  const text = message.trim().replace(/[.\s]+$/u, "");
  return text ? `${capitalised(text)}.` : "Check this field.";
}

function capitalised(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}
