import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import type { OnboardingView } from "../../bindings/OnboardingView";
import SendzenConnect from "../SendzenConnect.svelte";
import { readSendzenMessage } from "../../lib/sendzenApi";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const ORIGIN = "http://127.0.0.1:8790";
const ID = "0b7d3f4e-1111-4222-8333-944455556666";

function onboarding(overrides: Partial<OnboardingView> = {}): OnboardingView {
  return {
    client_identifier: ID,
    mode: "sandbox",
    status: "started",
    iframe_url: `${ORIGIN}/sendzen/onboard/iframe?token=first`,
    iframe_origin: ORIGIN,
    iframe_expires_at: Date.now() + 3_600_000,
    webhook_valid: true,
    webhook_detail: "Webhook URL is valid and configured",
    project_id: "proj_a1b2c3d4e5f6",
    project_name: null,
    failure_message: null,
    account_id: null,
    waba_id: null,
    phone_number_id: null,
    completed_via: null,
    created_at: Date.now(),
    ...overrides,
  };
}

const COMPLETED = onboarding({ status: "completed", account_id: ID, waba_id: "109876543210987", completed_via: "check" });

afterEach(() => vi.useRealTimers());

describe("SendZen's page messages", () => {
  const frame = {} as Window;
  const event = (data: unknown, origin = ORIGIN, source: unknown = frame) =>
    ({ data, origin, source }) as unknown as MessageEvent;
  const result = { status: "completed", project_id: "proj_a1b2c3d4e5f6", client_identifier: ID };

  it("counts only the frame's own result, from its origin, about this onboarding", () => {
    expect(readSendzenMessage(event(result), frame, ORIGIN, ID)).toEqual(result);
    expect(readSendzenMessage(event(JSON.stringify(result)), frame, ORIGIN, ID)).toEqual(result);
    expect(readSendzenMessage(event(result, "https://evil.example"), frame, ORIGIN, ID)).toBeNull();
    expect(readSendzenMessage(event(result, ORIGIN, {}), frame, ORIGIN, ID)).toBeNull();
    expect(readSendzenMessage(event({ ...result, client_identifier: "other" }), frame, ORIGIN, ID)).toBeNull();
    expect(readSendzenMessage(event({ ...result, status: "ready" }), frame, ORIGIN, ID)).toBeNull();
    expect(readSendzenMessage(event("not json"), frame, ORIGIN, ID)).toBeNull();
  });
});

describe("Connect a number through SendZen", () => {
  it("frames SendZen's page and shows the connection once the webhook completed it", async () => {
    let follows = 0;
    routeCommands({
      sendzen_start: () => onboarding(),
      sendzen_follow: () => (++follows >= 2 ? COMPLETED : onboarding()),
    });
    const onConnected = vi.fn();
    render(SendzenConnect, { props: { onConnected, onClose: vi.fn(), followPollMs: 20 } });

    const frame = (await screen.findByTestId("sendzen-frame")) as HTMLIFrameElement;
    expect(frame.src).toBe(`${ORIGIN}/sendzen/onboard/iframe?token=first`);
    expect(await screen.findByTestId("sendzen-connected")).toHaveTextContent("109876543210987");
    expect(onConnected).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("sendzen-panel")).toHaveAttribute("data-phase", "connected");
  });

  it("says when SendZen cannot reach the webhook, and shows a failure with a way to try again", async () => {
    routeCommands({
      sendzen_start: () => onboarding({ webhook_valid: false, webhook_detail: "Webhook URL did not answer 200" }),
      sendzen_follow: () => onboarding({ status: "failed", failure_message: "User cancelled the authentication process." }),
    });
    render(SendzenConnect, { props: { onConnected: vi.fn(), onClose: vi.fn(), followPollMs: 20 } });

    expect(await screen.findByTestId("sendzen-webhook-note")).toHaveTextContent("Webhook URL did not answer 200");
    expect(await screen.findByTestId("sendzen-failed")).toHaveTextContent("User cancelled the authentication process.");
    expect(document.getElementById("sendzen-restart")).toBeInTheDocument();
  });

  it("reloads the page through the core, which hands out a new URL when the old one expired", async () => {
    routeCommands({
      sendzen_start: () => onboarding(),
      sendzen_follow: () => onboarding(),
      sendzen_iframe: () => onboarding({ iframe_url: `${ORIGIN}/sendzen/onboard/iframe?token=second` }),
    });
    render(SendzenConnect, { props: { onConnected: vi.fn(), onClose: vi.fn(), followPollMs: 0 } });
    await screen.findByTestId("sendzen-frame");

    document.getElementById("sendzen-reload")!.click();
    await waitFor(() =>
      expect((screen.getByTestId("sendzen-frame") as HTMLIFrameElement).src).toContain("token=second"),
    );
    expect(screen.getByTestId("sendzen-note")).toHaveTextContent("reloaded");
    expect(invokedCommands()).toContain("sendzen_iframe");
  });
});
