/**
 * Client-side checks for the SendZen settings, mirroring `use_sendzen_partner` in
 * `crates/core/src/providers/sendzen/settings.rs` (the core checks again and stays the authority):
 * an https:// API URL (http:// only on this machine, for a standalone sandbox), a path allowed,
 * no query, fragment or user info; a key of one word, 8 to 256 characters.
 */

import type { ApiError } from "../bindings/ApiError";
import type { PartnerSettingsErrors } from "./registrationValidation";

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function validateSendzenUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (!trimmed) return "Enter SendZen's API URL, for example https://api.sendzen.io.";
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return "Enter a full URL starting with https://, for example https://api.sendzen.io.";
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK_HOSTS.has(parsed.hostname))) {
    return "Use https:// for SendZen's API. Plain http:// is allowed only for a sandbox on this computer.";
  }
  if (parsed.username || parsed.password) return "Leave the user name and password out of the URL.";
  if (parsed.search || parsed.hash || parsed.href.includes("?") || parsed.href.includes("#")) {
    return "The URL must not contain a query (?…) or a fragment (#…).";
  }
  return undefined;
}

export function validateSendzenKey(key: string): string | undefined {
  const trimmed = key.trim();
  if (!trimmed) return "Enter the partner API key SendZen gave you.";
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(trimmed)) {
    return "The partner API key is one word: remove the spaces or line breaks inside it.";
  }
  const length = [...trimmed].length;
  if (length < 8 || length > 256) return "The partner API key is 8 to 256 characters long.";
  return undefined;
}

export function validateSendzenSettings(url: string, key: string): PartnerSettingsErrors {
  return { url: validateSendzenUrl(url), token: validateSendzenKey(key) };
}

/** The core's field errors (`partner_key`, or the URL named in the message) at their field. */
export function sendzenSettingsFieldError(error: ApiError): PartnerSettingsErrors | null {
  if (error.code !== "invalid_input") return null;
  if (error.field === "partner_key") return { token: error.message };
  if (error.message.toLowerCase().startsWith("sendzen api url")) return { url: error.message };
  return null;
}
