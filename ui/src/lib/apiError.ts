import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";

// Kept as a Record so adding a code to the generated ErrorCode type fails the build here.
const KNOWN_CODES: Record<ErrorCode, true> = {
  store_uninitialized: true,
  store_locked: true,
  store_already_exists: true,
  store_corrupt: true,
  store_busy: true,
  busy: true,
  stopped: true,
  window_closed: true,
  wrong_passphrase: true,
  key_missing: true,
  keychain_unavailable: true,
  weak_passphrase: true,
  invalid_input: true,
  not_found: true,
  relay_unavailable: true,
  relay_backlog: true,
  nothing_to_do: true,
  provider_rejected: true,
  provider_unauthorized: true,
  provider_conflict: true,
  provider_unavailable: true,
  database: true,
  io: true,
  internal: true,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(KNOWN_CODES, value);
}

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return isErrorCode(candidate.code) && typeof candidate.message === "string";
}

/**
 * Turns anything `invoke` can reject with into an ApiError; unknown shapes become "internal".
 * Keeps `field` (the form field an input error belongs to) when it is a string.
 */
export function toApiError(error: unknown): ApiError {
  if (isApiError(error)) {
    const normalised: ApiError = { code: error.code, message: error.message };
    if (typeof error.field === "string" && error.field.length > 0) normalised.field = error.field;
    return normalised;
  }
  return { code: "internal", message: String(error) };
}
