import type { ApiError } from "../bindings/ApiError";
import type { RegistrationStatus } from "../bindings/RegistrationStatus";
import { describeError, type ErrorText } from "./errorMessages";

/** What each provider status means for the person, with the next step. */
const STATUS_TEXT: Record<RegistrationStatus, string> = {
  started: "Waiting for the phone number.",
  phone_code_sent: "A verification code was sent: enter it in the page.",
  phone_verified: "Phone verified. Fill in the business details.",
  form_completed: "Details saved. Click “Connect WhatsApp” to start Meta signup.",
  fb_started: "Meta signup is open in a popup window. Finish it there.",
  completed: "Registration completed.",
  expired: "The session expired. Start again to get a new one.",
};

export function statusText(status: RegistrationStatus): string {
  return STATUS_TEXT[status];
}

/** Registration-specific wording and next steps for the error codes this flow meets. */
export function describeRegistrationError(error: ApiError): ErrorText {
  const detail = error.message.trim() || undefined;
  switch (error.code) {
    case "provider_unauthorized":
      return { message: "ChatArchitect refused the partner token. Check it in Registration settings.", detail };
    case "provider_rejected":
      return { message: "ChatArchitect refused the registration request.", detail };
    case "provider_conflict":
      return { message: "The registration is not completed yet, so there is no webhook to resend.", detail };
    case "provider_unavailable":
      return { message: "ChatArchitect could not be reached or failed. Nothing was changed; try again shortly.", detail };
    case "not_found":
      return { message: "ChatArchitect does not know this session (it may belong to another partner token). Start again.", detail };
    case "relay_unavailable":
      return { message: "The webhook relay is not running, so the registration cannot report back. Check the relay indicator.", detail };
    default:
      return describeError(error);
  }
}
