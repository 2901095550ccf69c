import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import D360Connect from "../D360Connect.svelte";
import type { D360OnboardingView, D360SettingsView, D360Stage } from "../../lib/d360Api";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const ORIGIN = "http://127.0.0.1:8790";
const ID = "5c1e2a3b-7777-4888-9999-aaaabbbbcccc";
const STATE = "st_8d41c0f2";

const SETTINGS: D360SettingsView = {
  mode: "sandbox",
  hub_url: null,
  messaging_url: null,
  partner_id: null,
  partner_key_masked: null,
  solution_id: null,
  default_tier: "regular",
  meta_app_id: null,
  meta_config_id: null,
  route_partner_events: false,
  partner_signing_secret_set: false,
};

function onboarding(overrides: Partial<D360OnboardingView> = {}): D360OnboardingView {
  return {
    id: ID,
    mode: "sandbox",
    stage: "signup",
    stage_detail: null,
    host_url: `${ORIGIN}/d360/signup?state=${STATE}`,
    host_origin: ORIGIN,
    state: STATE,
    client_name: "Acme GmbH",
    client_id: "cl_5f3a",
    tier: "regular",
    waba_id: null,
    phone_number_id: null,
    channel_id: null,
    phone_number: null,
    account_id: null,
    created_at: Date.now(),
    updated_at: Date.now(),
    ...overrides,
  };
}

const at = (stage: D360Stage, extra: Partial<D360OnboardingView> = {}) => onboarding({ stage, ...extra });
const CONNECTED = at("connected", {
  waba_id: "109876543210987",
  channel_id: "ch_77aa",
  phone_number: "+4915112345678",
  account_id: ID,
});

const byId = (id: string) => document.getElementById(id) as HTMLInputElement;
const root = () => screen.getByTestId("d360-connect");
const stageState = (key: string) =>
  document.querySelector(`[data-testid="d360-stage"][data-stage="${key}"]`)?.getAttribute("data-state");

function renderConnect(followPollMs = 0) {
  const onConnected = vi.fn<(view: D360OnboardingView) => void>();
  const onClose = vi.fn();
  render(D360Connect, { props: { onConnected, onClose, followPollMs } });
  return { onConnected, onClose, user: userEvent.setup() };
}

/** Fills the first step and continues; resolves once the host page is framed. */
async function startSignup(user: ReturnType<typeof userEvent.setup>) {
  await user.type(byId("d360-name"), "Acme GmbH");
  await user.type(byId("d360-email"), "ops@acme.example");
  await user.type(byId("d360-user-name"), "Jana Novak");
  await user.click(byId("d360-continue"));
  return (await screen.findByTestId("d360-host-frame")) as HTMLIFrameElement;
}

/** A message as the host page posts it to the app's window. */
async function post(data: unknown, origin: string, source: MessageEventSource | null) {
  window.dispatchEvent(new MessageEvent("message", { origin, data, source }));
  await tick();
}

const signupMessage = (event: string, extra: Record<string, unknown> = {}) => ({
  type: "wadesk.meta-signup",
  state: STATE,
  event,
  ...extra,
});

describe("Connect a number through 360dialog", () => {
  it("says what is missing in the first step before anything is sent", async () => {
    const invoke = routeCommands({ d360_settings: () => SETTINGS });
    const { user } = renderConnect();
    await waitFor(() => expect(byId("d360-tier")).toHaveValue("regular"));

    await user.type(byId("d360-email"), "not-an-email");
    await user.click(byId("d360-continue"));

    expect(await screen.findByText(/Enter the business name/)).toBeInTheDocument();
    expect(screen.getByText(/name@example.com/)).toBeInTheDocument();
    expect(screen.getByText(/Enter your name/)).toBeInTheDocument();
    expect(byId("d360-name")).toHaveAttribute("aria-invalid", "true");
    expect(document.activeElement).toBe(byId("d360-name"));
    expect(invoke).not.toHaveBeenCalledWith("d360_start", expect.anything());
  });

  it("starts with the settings' default tier and frames the host page, sandboxed", async () => {
    const invoke = routeCommands({ d360_settings: () => SETTINGS, d360_start: () => onboarding() });
    const { user } = renderConnect();
    await waitFor(() => expect(byId("d360-tier")).toHaveValue("regular"));

    const frame = await startSignup(user);
    expect(invoke).toHaveBeenCalledWith("d360_start", {
      input: { name: "Acme GmbH", email: "ops@acme.example", user_name: "Jana Novak", tier: "regular" },
    });
    expect(frame).toHaveAttribute("src", onboarding().host_url);
    expect(frame).toHaveAttribute("title", "Meta Embedded Signup");
    expect(frame.getAttribute("sandbox")).toBe(
      "allow-scripts allow-forms allow-same-origin allow-popups allow-popups-to-escape-sandbox",
    );
    expect(root()).toHaveAttribute("data-stage", "signup");
    expect(stageState("signup")).toBe("current");
    expect(stageState("connected")).toBe("todo");
    expect(screen.getAllByTestId("d360-stage").map((li) => li.textContent?.replace(/\d|\(done\)/g, "").trim())).toEqual([
      "Sign up with Meta",
      "Number submitted",
      "Channel created",
      "Ready",
      "Running",
      "Live",
      "Connected",
    ]);
  });

  it("ignores messages from another origin, another window or another onboarding", async () => {
    routeCommands({ d360_settings: () => SETTINGS, d360_start: () => onboarding(), d360_signup: () => at("submitted") });
    const { user } = renderConnect();
    const frame = await startSignup(user);
    const own = frame.contentWindow;

    await post(signupMessage("FINISH"), "https://evil.example", own);
    await post(signupMessage("FINISH"), ORIGIN, window);
    await post(signupMessage("FINISH", { state: "st_someone_else" }), ORIGIN, own);
    await post({ ...signupMessage("FINISH"), type: "other" }, ORIGIN, own);

    expect(invokedCommands()).not.toContain("d360_signup");
    expect(root()).toHaveAttribute("data-stage", "signup");
  });

  it("passes a FINISH on with its origin and data, then follows the channel until connected and stops", async () => {
    const stages: D360OnboardingView[] = [at("channel_created"), at("channel_ready"), at("channel_live"), CONNECTED];
    const invoke = routeCommands({
      d360_settings: () => SETTINGS,
      d360_start: () => onboarding(),
      d360_signup: () => at("submitted", { waba_id: "109876543210987" }),
      d360_follow: () => stages.shift() ?? CONNECTED,
    });
    const { user, onConnected } = renderConnect(10);
    const frame = await startSignup(user);

    const finish = signupMessage("FINISH", { waba_id: "109876543210987", phone_number_id: "106540352242922" });
    await post(finish, ORIGIN, frame.contentWindow);
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("d360_signup", { id: ID, origin: ORIGIN, data: finish }));

    await waitFor(() => expect(root()).toHaveAttribute("data-stage", "connected"));
    expect(screen.getByTestId("d360-connected")).toHaveTextContent("Connected +4915112345678");
    expect(stageState("connected")).toBe("done");
    expect(onConnected).toHaveBeenCalledTimes(1);
    expect(onConnected).toHaveBeenCalledWith(CONNECTED);

    const follows = invokedCommands().filter((c) => c === "d360_follow").length;
    expect(follows).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(invokedCommands().filter((c) => c === "d360_follow").length).toBe(follows);
  });

  it("shows a failed follow and checks again when asked", async () => {
    let fail = true;
    routeCommands({
      d360_settings: () => SETTINGS,
      d360_start: () => onboarding(),
      d360_signup: () => at("submitted"),
      d360_follow: () => {
        if (fail) throw { code: "provider_unavailable", message: "502 from hub" };
        return CONNECTED;
      },
    });
    const { user } = renderConnect(10);
    const frame = await startSignup(user);
    await post(signupMessage("FINISH"), ORIGIN, frame.contentWindow);

    expect(await screen.findByTestId("error")).toHaveTextContent("360dialog could not be reached");
    const follows = invokedCommands().filter((c) => c === "d360_follow").length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(invokedCommands().filter((c) => c === "d360_follow").length).toBe(follows);

    fail = false;
    await user.click(byId("d360-check"));
    await waitFor(() => expect(root()).toHaveAttribute("data-stage", "connected"));
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });

  it("shows where the customer closed Meta's signup, and Try again starts it over", async () => {
    const invoke = routeCommands({
      d360_settings: () => SETTINGS,
      d360_start: () => onboarding(),
      d360_signup: () => at("cancelled", { stage_detail: "PHONE_NUMBER_VERIFICATION" }),
      d360_retry: () => onboarding({ state: "st_second", host_url: `${ORIGIN}/d360/signup?state=st_second` }),
    });
    const { user } = renderConnect();
    const frame = await startSignup(user);

    const cancel = signupMessage("CANCEL", { current_step: "PHONE_NUMBER_VERIFICATION" });
    await post(cancel, ORIGIN, frame.contentWindow);
    await waitFor(() => expect(root()).toHaveAttribute("data-stage", "cancelled"));
    expect(invoke).toHaveBeenCalledWith("d360_signup", { id: ID, origin: ORIGIN, data: cancel });
    expect(screen.getByTestId("d360-stage-text")).toHaveTextContent(
      "You closed Meta's signup at phone number verification. Start it again when ready.",
    );
    expect(stageState("signup")).toBe("error");

    await user.click(byId("d360-retry"));
    expect(invoke).toHaveBeenCalledWith("d360_retry", { id: ID });
    const again = (await screen.findByTestId("d360-host-frame")) as HTMLIFrameElement;
    expect(again).toHaveAttribute("src", `${ORIGIN}/d360/signup?state=st_second`);
    expect(root()).toHaveAttribute("data-stage", "signup");
  });

  it("says so without asking the core when Meta's window could not open", async () => {
    routeCommands({ d360_settings: () => SETTINGS, d360_start: () => onboarding() });
    const { user } = renderConnect();
    const frame = await startSignup(user);

    await post(signupMessage("popup_blocked"), ORIGIN, frame.contentWindow);
    expect(await screen.findByTestId("d360-host-note")).toHaveTextContent("The Meta window could not open");
    expect(invokedCommands()).not.toContain("d360_signup");
  });

  it("closes with Done once connected, and opens its settings from the header", async () => {
    routeCommands({
      d360_settings: () => SETTINGS,
      d360_start: () => onboarding(),
      d360_signup: () => CONNECTED,
    });
    const { user, onClose } = renderConnect();
    const frame = await startSignup(user);

    await user.click(byId("d360-settings-toggle"));
    expect(await screen.findByTestId("d360-settings")).toBeInTheDocument();
    expect(byId("d360-settings-toggle")).toHaveAttribute("aria-expanded", "true");

    await post(signupMessage("FINISH"), ORIGIN, frame.contentWindow);
    await screen.findByTestId("d360-connected");
    await user.click(byId("d360-done"));
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

describe("When the core cannot take Meta's outcome", () => {
  it("keeps it and sends it again when asked, without a second Meta signup", async () => {
    let fail = true;
    const invoke = routeCommands({
      d360_settings: () => SETTINGS,
      d360_start: () => onboarding(),
      d360_signup: () => {
        if (fail) throw { code: "provider_unavailable", message: "502 from hub" };
        return at("submitted");
      },
    });
    const { user } = renderConnect();
    const frame = await startSignup(user);
    const finish = signupMessage("FINISH", { waba_id: "109876543210987" });
    await post(finish, ORIGIN, frame.contentWindow);

    expect(await screen.findByTestId("error")).toHaveTextContent("360dialog could not be reached");
    fail = false;
    await user.click(byId("d360-signup-again"));
    await waitFor(() => expect(root()).toHaveAttribute("data-stage", "submitted"));
    expect(invoke.mock.calls.filter(([c]) => c === "d360_signup")).toEqual([
      ["d360_signup", { id: ID, origin: ORIGIN, data: finish }],
      ["d360_signup", { id: ID, origin: ORIGIN, data: finish }],
    ]);
    expect(screen.getByTestId("d360-stage-text")).toHaveTextContent("Waiting for 360dialog to create the channel");
  });
});
