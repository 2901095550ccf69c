/**
 * Client-side checks for the ChatArchitect registration settings, so the form can say exactly what is
 * wrong before anything is sent. They mirror `validate_registration_url` and the token check in
 * `crates/core/src/providers/chatarchitect/settings.rs`; the core validates again and stays the
 * authority (it also accepts the rest of 127.0.0.0/8 as loopback, which this form does not offer).
 */

import type { ApiError } from "../bindings/ApiError";

export const MIN_PARTNER_TOKEN_LENGTH = 8;

/** Hosts where a plain http:// registration domain is allowed: a sandbox on this machine. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

const EXAMPLE = "https://registration.example.com";

/** The registration domain: https:// (http:// only on loopback), a host and nothing else. */
export function validateRegistrationUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed.length === 0) return `Enter the registration URL ChatArchitect gave you, for example ${EXAMPLE}.`;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return `Enter a full URL starting with https://, for example ${EXAMPLE}.`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "The registration URL must start with https://.";
  }
  if (parsed.hostname.length === 0) return "The registration URL must include a domain.";
  if (parsed.protocol === "http:" && !LOOPBACK_HOSTS.has(parsed.hostname)) {
    return "Use https:// for the registration URL. Plain http:// is allowed only for a sandbox on 127.0.0.1, localhost or [::1].";
  }
  if (parsed.username || parsed.password) {
    return "Leave the user name and password out of the URL; the partner token goes in its own field.";
  }
  // `search` and `hash` are empty for a bare "?" or "#", which the core still refuses; the
  // serialised URL keeps them.
  if (parsed.search || parsed.hash || parsed.href.includes("?") || parsed.href.includes("#")) {
    return "The registration URL must not contain a query (?…) or a fragment (#…).";
  }
  if (parsed.pathname !== "/") {
    return `Enter the domain only, without a path: for example ${EXAMPLE}.`;
  }
  return undefined;
}

/** The partner token: one word (no spaces or control characters) of at least 8 characters. */
export function validatePartnerToken(token: string): string | undefined {
  const trimmed = token.trim();
  if (trimmed.length === 0) return "Enter the partner token ChatArchitect gave you.";
  // Control characters (pasted line breaks, tabs) count as breaking the word too.
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(trimmed)) {
    return "The partner token is one word: remove the spaces or line breaks inside it.";
  }
  // Count code points, not UTF-16 units, as the core does.
  if ([...trimmed].length < MIN_PARTNER_TOKEN_LENGTH) {
    return `The partner token must be at least ${MIN_PARTNER_TOKEN_LENGTH} characters long.`;
  }
  return undefined;
}

export type PartnerSettingsErrors = { url?: string; token?: string };

export function validatePartnerSettings(url: string, token: string): PartnerSettingsErrors {
  return { url: validateRegistrationUrl(url), token: validatePartnerToken(token) };
}

type CoreField = { key: keyof PartnerSettingsErrors; label: string };

/** `ApiError.field` names the core may use for the two fields. */
const CORE_FIELDS: Record<string, CoreField> = {
  url: { key: "url", label: "registration URL" },
  base_url: { key: "url", label: "registration URL" },
  partner_base_url: { key: "url", label: "registration URL" },
  registration_url: { key: "url", label: "registration URL" },
  token: { key: "token", label: "partner token" },
  partner_token: { key: "token", label: "partner token" },
};

/** Message prefixes the core uses when it names the field in the text ("registration URL: …"). */
const CORE_PREFIXES: [string, CoreField][] = [
  ["registration url:", { key: "url", label: "registration URL" }],
  ["partner token:", { key: "token", label: "partner token" }],
];

function sentence(label: string, why: string): string {
  const text = why.trim().replace(/[.\s]+$/u, "");
  if (!text) return `Check the ${label}.`;
  // "must start with https://…", "must not contain …": reads on after the field's name.
  if (/^(must|is|has|should|cannot|can't)\b/iu.test(text)) return `The ${label} ${text}.`;
  // Anything else (a URL parser's words) is the reason.
  return `The ${label} is not valid: ${text}.`;
}

/**
 * Places an error from the core at the field it is about, in plain words: by `field` when the core
 * names one, else by the message's prefix. `null` when it is about neither field (it stays a banner).
 */
export function partnerSettingsFieldError(error: ApiError): PartnerSettingsErrors | null {
  if (error.code !== "invalid_input") return null;
  const message = error.message.trim();
  const named = error.field ? CORE_FIELDS[error.field.toLowerCase()] : undefined;
  const lower = message.toLowerCase();
  const prefixed = CORE_PREFIXES.find(([prefix]) => lower.startsWith(prefix));
  const target = named ?? prefixed?.[1];
  if (!target) return null;
  const why = prefixed && prefixed[1].key === target.key ? message.slice(prefixed[0].length) : message;
  return { [target.key]: sentence(target.label, why) };
}
