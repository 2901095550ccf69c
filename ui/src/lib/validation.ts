// Client-side checks give immediate, specific feedback; the core validates again on its own.

export const MIN_PASSPHRASE_LENGTH = 8;

export type PassphraseErrors = { passphrase?: string; confirm?: string };

export function validatePassphrase(passphrase: string, confirm: string): PassphraseErrors {
  const errors: PassphraseErrors = {};
  // Count code points, not UTF-16 units, so "8 characters" means what a person typed.
  const length = [...passphrase].length;
  if (length === 0) {
    errors.passphrase = "Enter a passphrase.";
  } else if (length < MIN_PASSPHRASE_LENGTH) {
    errors.passphrase = `The passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long.`;
  }
  if (confirm.length === 0) {
    errors.confirm = "Type the passphrase again to confirm it.";
  } else if (confirm !== passphrase) {
    errors.confirm = "The two passphrases do not match.";
  }
  return errors;
}

export function validateDisplayName(name: string): string | undefined {
  return name.trim().length === 0 ? "Enter a name for this account." : undefined;
}

export function validateBaseUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed.length === 0) return "Enter the address of the provider's API, for example https://api.example.com.";
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return "Enter a full URL starting with http:// or https://.";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "The base URL must start with http:// or https://.";
  }
  if (parsed.hostname.length === 0) return "The base URL must include a host name.";
  if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    return "Use https:// — plain http:// is only for an endpoint on this computer (localhost, 127.0.0.1).";
  }
  if (parsed.username || parsed.password) {
    return "Leave the user name and password out of the address; the credentials go in their own fields.";
  }
  if (parsed.search || parsed.hash) {
    return "The address must not contain ?… or #…: remove everything from the ? or # on.";
  }
  return undefined;
}

/** The hosts the core accepts plain http for (one rule in core, `input::endpoint_url`): localhost,
 * 127.0.0.0/8 and [::1]. `URL` has already normalised the host (lower case, dotted IPv4). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export type AccountFormValues = {
  displayName: string;
  baseUrl: string;
  credentials: Record<string, string>;
};

export type AccountFormErrors = {
  displayName?: string;
  baseUrl?: string;
  credentials: Record<string, string>;
};

/** `credentialFields` is the provider's list; values for other names are ignored. */
export function validateAccountForm(
  values: AccountFormValues,
  credentialFields: readonly string[],
): AccountFormErrors {
  const credentials: Record<string, string> = {};
  for (const field of credentialFields) {
    const value = (values.credentials[field] ?? "").trim();
    if (value.length === 0) {
      credentials[field] = `Enter the ${credentialLabel(field)}.`;
    } else if (field === "website_id") {
      const error = validateWebsiteId(value);
      if (error) credentials[field] = error;
    }
  }
  return {
    displayName: validateDisplayName(values.displayName),
    baseUrl: validateBaseUrl(values.baseUrl),
    credentials,
  };
}

/**
 * Crisp's website ID as its dashboard shows it (a UUID): letters, digits and dashes, at most 64.
 * The shape only; the core checks again and Crisp says whether it exists.
 */
export function validateWebsiteId(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length === 0) return "Enter the Website ID.";
  if (trimmed.length > 64) return "The Website ID is at most 64 characters long.";
  if (!/^[A-Za-z0-9-]+$/.test(trimmed)) {
    return "The Website ID has only letters, digits and dashes, like 8c842203-7ed8-4e29-a608-7cf78a7d2fcc.";
  }
  return undefined;
}

export function hasErrors(errors: object): boolean {
  return Object.values(errors).some((value) =>
    typeof value === "object" && value !== null ? hasErrors(value) : value !== undefined,
  );
}

/** The labels people read for the credential names providers use. */
const CREDENTIAL_LABELS: Record<string, string> = {
  app_id: "App ID",
  app_secret: "App secret",
  api_key: "API key",
  app_token: "App token",
  identifier: "Identifier",
  key: "Key",
  website_id: "Website ID",
};

/** Credentials that identify an account rather than unlock it: shown as typed so the user can check them. */
const IDENTIFIER_CREDENTIALS: ReadonlySet<string> = new Set(["app_id", "identifier", "website_id"]);

/**
 * The label for a credential name, as it reads inside a sentence: "App ID", "API key"; a name
 * without a known label becomes readable words ("app_name" → "app name").
 */
export function credentialLabel(field: string): string {
  const known = CREDENTIAL_LABELS[field];
  if (known) return known;
  return field
    .split(/[_\-\s]+/)
    .filter((word) => word.length > 0)
    .map((word) => (ACRONYMS.has(word.toLowerCase()) ? word.toUpperCase() : word.toLowerCase()))
    .join(" ");
}

/** The label above a credential's input or before its masked value: "App ID", "App name". */
export function credentialTitle(field: string): string {
  return capitalise(credentialLabel(field));
}

/** Whether a credential is a secret (masked, with Show/Hide). Unknown names are treated as secrets. */
export function isSecretCredential(field: string): boolean {
  return !IDENTIFIER_CREDENTIALS.has(field);
}

/**
 * A warning, not an error: a real provider's API should be https://; over plain http:// the
 * credentials travel unencrypted. (Non-loopback http:// is refused by `validateBaseUrl`.)
 */
export function baseUrlWarning(url: string, isSandbox: boolean): string | undefined {
  if (isSandbox) return undefined;
  if (!/^\s*http:\/\//i.test(url)) return undefined;
  return "This address starts with http://, not https://. A provider's API should use https://: over http:// the credentials would travel unencrypted.";
}

const ACRONYMS = new Set(["api", "id", "url", "jwt", "waba"]);

export function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

export function validateRelayUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed.length === 0) return "Enter the relay's URL, for example https://relay.example.com.";
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return "Enter a full URL starting with https://, for example https://relay.example.com.";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "The relay URL must start with https://.";
  }
  if (parsed.hostname.length === 0) return "The relay URL must include a host name.";
  if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    return "Use https:// for a relay on another machine. Plain http:// is allowed only for 127.0.0.1, localhost or [::1].";
  }
  if (parsed.username || parsed.password) {
    return "Leave the user name and password out of the URL; the admin token goes in its own field.";
  }
  if (parsed.search || parsed.hash) {
    return "The relay URL must not contain a query (?…) or a fragment (#…).";
  }
  return undefined;
}

export type RemoteRelayErrors = { url?: string; adminToken?: string };

export function validateRemoteRelay(url: string, adminToken: string): RemoteRelayErrors {
  return {
    url: validateRelayUrl(url),
    adminToken: adminToken.trim().length === 0 ? "Enter the admin token the relay's operator gave you." : undefined,
  };
}
