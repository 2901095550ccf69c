import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";

// What a person should read for each code. The core's own message text is shown only where it is
// meant for people (invalid_input, weak_passphrase) or as a technical detail.
const MESSAGES: Record<ErrorCode, string> = {
  store_uninitialized: "The database has not been set up yet.",
  store_locked: "The database is locked. Unlock it to continue.",
  store_already_exists:
    "A database already exists in the data folder, so a new one was not created. Unlock the existing one instead.",
  store_corrupt:
    "The database file could not be read and may be damaged. Wadesk did not change it. Restore it from a backup before going on.",
  store_busy:
    "Another Wadesk window or command is setting up or opening the database right now. Nothing was changed; try again in a moment.",
  wrong_passphrase: "Wrong passphrase — the database was not changed.",
  key_missing: "The key for this database is missing from the keychain. Your data was not changed.",
  keychain_unavailable:
    "The system keychain could not be reached. It may be locked: unlock it and try again.",
  weak_passphrase: "The passphrase is too weak. Choose a longer one, for example several unrelated words.",
  invalid_input: "Some of the details were not accepted.",
  not_found: "That item no longer exists. It may have been removed already; the list was refreshed.",
  database: "The database reported an error, so the last action may not have been saved. Try again.",
  io: "Wadesk could not read or write its data folder. Check free disk space and folder permissions.",
  relay_unavailable:
    "The webhook relay could not be reached. Webhooks wait safely at the relay; Wadesk keeps retrying.",
  provider_rejected: "The provider refused the request.",
  provider_unauthorized:
    "The provider refused the partner token or credentials. Check them in the settings and try again.",
  provider_conflict: "The provider cannot do that yet — for example, resending a webhook before the registration is completed.",
  provider_unavailable: "The provider could not be reached or failed. Nothing was changed; try again in a moment.",
  internal: "Something went wrong inside Wadesk.",
};

/** Codes whose server message is written for people and replaces the generic text. */
const SERVER_MESSAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["invalid_input"]);

/** Codes where the server message helps diagnose the problem, so it is shown as a detail. */
const DETAIL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "weak_passphrase",
  "store_corrupt",
  "database",
  "io",
  "internal",
  "keychain_unavailable",
  "relay_unavailable",
  "provider_rejected",
  "provider_unauthorized",
  "provider_conflict",
  "provider_unavailable",
]);

export type ErrorText = { message: string; detail?: string };

export function describeError(error: ApiError): ErrorText {
  const serverMessage = error.message.trim();
  if (SERVER_MESSAGE_CODES.has(error.code) && serverMessage.length > 0) {
    return { message: serverMessage };
  }
  const detail = DETAIL_CODES.has(error.code) && serverMessage.length > 0 ? serverMessage : undefined;
  return { message: MESSAGES[error.code], detail };
}
