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
  busy: "Another Wadesk window or command is doing this already; it goes on there.",
  stopped: "Stopped before it finished, as asked.",
  window_closed:
    "The customer has not written in the last 24 hours, so only an approved template can be sent.",
  wrong_passphrase: "Wrong passphrase. Try again.",
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
  relay_backlog:
    "Webhooks may still be waiting at the relay you are leaving, and Wadesk could not fetch them, so nothing changed.",
  nothing_to_do: "Nothing to do: it is already that way, and nothing was changed.",
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
  "relay_backlog",
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

/** A field of the add-account form: the name, the base URL, or one credential by its name. */
export type AccountField = "display_name" | "base_url" | { credential: string };

export type FieldErrorText = { field: AccountField; message: string };

/**
 * Places an error from core at the add-account field it is about, in words a shop owner reads.
 * Uses `error.field` when core names the field; otherwise core's message prefix ("base URL: …",
 * "display name: …", "credential app_secret: …"). `null` when it is about no one field (it then
 * belongs in the banner). `label` gives a credential's readable name.
 */
export function accountFieldError(
  error: ApiError,
  credentialFields: readonly string[],
  label: (credential: string) => string,
): FieldErrorText | null {
  if (error.code !== "invalid_input") return null;
  const message = error.message.trim();
  if (error.field) {
    const field = accountFieldByName(error.field, credentialFields);
    // Core's `field` errors are written to read on their own beside the field.
    return field ? { field, message } : null;
  }
  const match = /^(base URL|display name|credential ([^:\s]+)):\s*(.*)$/s.exec(message);
  if (!match) return null;
  const [, what, credentialName, why] = match;
  if (what === "base URL") return { field: "base_url", message: plainBaseUrlError(why) };
  if (what === "display name") return { field: "display_name", message: plainNameError(why) };
  let credential = credentialName;
  const position = /^#(\d+)$/.exec(credentialName);
  if (position) credential = credentialFields[Number(position[1]) - 1] ?? "";
  if (!credentialFields.includes(credential)) return null;
  return { field: { credential }, message: plainCredentialError(label(credential), why) };
}

function accountFieldByName(name: string, credentialFields: readonly string[]): AccountField | null {
  if (name === "display_name" || name === "name") return "display_name";
  if (name === "base_url") return "base_url";
  const credential = name.replace(/^credentials?\./, "");
  return credentialFields.includes(credential) ? { credential } : null;
}

function plainBaseUrlError(why: string): string {
  if (why.startsWith("must not contain a query or fragment")) {
    return "The address must not contain ?… or #…: remove everything from the ? or # on.";
  }
  if (why.startsWith("must not contain a user name or password")) {
    return "Leave the user name and password out of the address; the credentials go in their own fields.";
  }
  if (why.startsWith("must start with https://")) {
    return "The address must start with https://. Plain http:// works only for a server on this computer (localhost, 127.0.0.1).";
  }
  if (why.startsWith("must name a host")) {
    return "The address must include the server's name, for example https://api.example.com.";
  }
  if (why.startsWith("must be the domain only")) {
    return "Enter the domain only, for example https://api.example.com, without a path.";
  }
  // Anything else is the URL parser's own wording ("relative URL without a base", …).
  return "This is not a complete web address. Enter it as the provider gives it, for example https://api.example.com.";
}

function plainNameError(why: string): string {
  if (why.startsWith("must not be empty")) return "Enter a name for this account.";
  const tooLong = /^at most (\d+) characters/.exec(why);
  if (tooLong) return `The name is too long: use at most ${tooLong[1]} characters.`;
  if (why.includes("control characters")) {
    return "The name contains invisible formatting characters (for example text-direction marks). Type it again without them.";
  }
  return `The name was not accepted: ${why}.`;
}

function plainCredentialError(label: string, why: string): string {
  if (why.startsWith("must not be empty") || why.startsWith("required")) return `Enter the ${label}.`;
  const tooLong = /^must be one line of at most (\d+) characters/.exec(why);
  if (tooLong) {
    return `The ${label} must be one line of at most ${tooLong[1]} characters. Copy it again from your provider, without line breaks.`;
  }
  if (why.startsWith("given twice")) return `The ${label} was sent twice. Close the form and try again.`;
  if (why.startsWith("not a field")) return `This provider does not take a ${label}.`;
  return `The ${label} was not accepted: ${why}.`;
}
