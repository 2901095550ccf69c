// Words for the relay's state, shared by the header pill and the panel.

import type { AccountView } from "../bindings/AccountView";
import type { ApiError } from "../bindings/ApiError";
import type { ConnectionState } from "../bindings/ConnectionState";
import type { RelayMode } from "../bindings/RelayMode";
import type { RelayStatus } from "../bindings/RelayStatus";
import { describeError, type ErrorText } from "./errorMessages";

export const STATE_LABELS: Record<ConnectionState, string> = {
  connected: "Connected",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/** What "webhooks" means to a shop admin; said once in every summary. */
const WEBHOOKS = "Webhooks (delivery updates and customer replies)";

export const STATE_SUMMARIES: Record<ConnectionState, string> = {
  connected: `${WEBHOOKS} reach this computer as soon as the relay receives them.`,
  connecting: `Connecting to the relay. ${WEBHOOKS} wait safely at the relay until then.`,
  reconnecting: `The connection to the relay was lost. Wadesk retries on its own; ${WEBHOOKS.toLowerCase()} wait safely at the relay.`,
  offline: `Not connected to the relay. ${WEBHOOKS} wait safely at the relay until Wadesk connects again.`,
};

export const MODE_LABELS: Record<RelayMode, string> = {
  embedded: "Embedded (runs inside Wadesk on this computer)",
  remote: "Remote (a Wadesk relay server)",
};

/**
 * Whether a provider's webhooks can reach this install:
 * - `remote`: through a remote relay, which providers can reach;
 * - `local`: the embedded relay, and only the Sandbox uses it (the simulator runs here too);
 * - `blocked`: the embedded relay on 127.0.0.1 while a real account exists: its provider cannot reach it;
 * - `unknown`: the status or the accounts could not be read (yet).
 */
export type WebhookReach = "remote" | "local" | "blocked" | "unknown";

export function webhookReach(status: RelayStatus | null, accounts: readonly AccountView[] | null): WebhookReach {
  if (!status) return "unknown";
  if (status.mode === "remote") return "remote";
  if (!accounts) return "unknown";
  return accounts.some((account) => !account.is_sandbox) ? "blocked" : "local";
}

export const UNREACHABLE_TITLE = "Your provider cannot reach this computer.";

/** The panel's main words: in plain terms, whether webhooks reach this computer. */
export function reachSummary(connection: ConnectionState, reach: WebhookReach): { title: string; text: string } {
  if (reach === "blocked") {
    return {
      title: UNREACHABLE_TITLE,
      text: "Wadesk's relay runs inside this app at 127.0.0.1, an address only this computer can reach, so delivery updates and customer replies for your real accounts do not arrive. Set up a remote relay to receive them.",
    };
  }
  const title = STATE_LABELS[connection];
  if (connection !== "connected") return { title, text: STATE_SUMMARIES[connection] };
  if (reach === "remote") {
    return {
      title,
      text: `${WEBHOOKS} reach this computer through your remote relay. Those that arrive while Wadesk is closed wait there until it opens.`,
    };
  }
  if (reach === "local") {
    return {
      title,
      text: `${WEBHOOKS} from the Sandbox reach this computer. The relay runs inside Wadesk, so a real provider will need a remote relay to reach you.`,
    };
  }
  return { title, text: STATE_SUMMARIES.connected };
}

/**
 * How much the relay still has to send, while this install catches up: "300 waiting" (stream
 * version 2 relays announce it as the stream opens), "counting…" (a version 1 relay does not), or
 * null when caught up or not connected.
 */
export function catchingUp(status: RelayStatus | null): string | null {
  if (!status || status.state !== "connected" || status.caught_up) return null;
  if (!status.backlog_known) return "counting…";
  return status.backlog > 0 ? `${status.backlog.toLocaleString()} waiting` : null;
}

/** The pill's tooltip and accessible name. */
export function indicatorText(
  connection: ConnectionState,
  reach: WebhookReach,
  problem: string | null,
  relayUrl: string | null,
  waiting: string | null = null,
): { label: string; tooltip: string } {
  const head = `Webhook relay: ${STATE_LABELS[connection]}${waiting ? `, catching up (${waiting})` : ""}`;
  const lines: string[] = [];
  if (reach === "blocked") lines.push(`${UNREACHABLE_TITLE} Set up a remote relay.`);
  if (problem) lines.push(`Last error: ${problem}`);
  return {
    label: [head, ...lines].join(" "),
    tooltip: lines.length > 0 ? [head, ...lines].join("\n") : `${head}${relayUrl ? ` (${relayUrl})` : ""}`,
  };
}

/** What to do about the relay's last error, given where it runs. */
export function nextStep(status: RelayStatus | null, loadError: ApiError | null): string {
  if (loadError || !status) {
    return "Restart Wadesk to start the relay again. If it keeps failing, use a remote relay (below).";
  }
  if (status.state === "offline") return "Restart Wadesk to connect again.";
  if (status.mode === "embedded") {
    return "Wadesk keeps retrying. If this lasts, restart Wadesk: the embedded relay runs inside it.";
  }
  return `Wadesk keeps retrying. If this lasts, check this computer's network and ask the relay's operator whether ${status.relay_url} is running.`;
}

/** A failed self-test: the core's relay messages say exactly which hop failed, so they are the detail. */
export function describeSelfTestFailure(error: ApiError): ErrorText {
  if (error.code === "relay_unavailable") {
    return { message: "The test webhook did not make it through the relay.", detail: error.message };
  }
  return describeError(error);
}

/** A failed switch to a remote relay: nothing changed, and the core's message says why. */
export function describeRemoteFailure(error: ApiError): ErrorText {
  if (error.code === "relay_unavailable") {
    return {
      message: "Wadesk could not set up a channel on that relay, so nothing changed: this install still uses its current relay.",
      detail: error.message,
    };
  }
  return describeError(error);
}

const URL_PREFIX = /^relay URL:\s*/i;

/**
 * Which remote-relay field a core error is about (`url` or `adminToken`), from `ApiError.field`
 * or the core's "relay URL:" message prefix; null when it is about neither.
 */
export function remoteErrorField(error: ApiError): "url" | "adminToken" | null {
  const field = error.field?.toLowerCase().replace(/[\s_-]/g, "");
  if (field === "url" || field === "relayurl") return "url";
  if (field === "admintoken" || field === "token") return "adminToken";
  if (error.code === "invalid_input" && URL_PREFIX.test(error.message)) return "url";
  return null;
}

/** The core's words for a field error, without the "relay URL:" prefix the field's label already says. */
export function remoteFieldMessage(error: ApiError): string {
  const text = error.message.replace(URL_PREFIX, "").trim();
  if (text.length === 0) return describeError(error).message;
  const sentence = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
