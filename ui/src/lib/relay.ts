// Words for the relay's state, shared by the header pill and the panel.

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

export const STATE_SUMMARIES: Record<ConnectionState, string> = {
  connected: "Webhooks reach this install as soon as the relay receives them.",
  connecting: "Connecting to the relay. Webhooks wait safely at the relay until then.",
  reconnecting: "The connection to the relay was lost. Wadesk retries on its own; webhooks wait safely at the relay.",
  offline: "Not connected to the relay. Webhooks wait safely at the relay until Wadesk connects again.",
};

export const MODE_LABELS: Record<RelayMode, string> = {
  embedded: "Embedded (runs inside Wadesk on this computer)",
  remote: "Remote (a Wadesk relay server)",
};

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
