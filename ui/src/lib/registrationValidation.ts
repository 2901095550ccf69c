/**
 * Client-side checks for the ChatArchitect registration settings, so the form can say exactly what is
 * wrong before anything is sent. They mirror `validate_registration_url` and the token check in
 * `crates/core/src/providers/chatarchitect/settings.rs`; the core validates again and stays the
 * authority (it also accepts the rest of 127.0.0.0/8 as loopback, which this form does not offer).
 */

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
