import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import type { RegistrationView } from "../../bindings/RegistrationView";
import ConnectNumber from "../ConnectNumber.svelte";
import { registrationSettingsView, registrationView } from "../../test/fixtures";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const VIEW = registrationView();
const TYPE = "ca.whatsapp.registration";
const COMPLETED = registrationView({
  status: "completed",
  account_id: "acc-registered",
  app_id_masked: "••••7d21",
  phone: "4915112345678",
  completed_via: "webhook",
});

/** A message as the relay's host page forwards it to the app's window. */
async function post(data: unknown, origin = VIEW.parent_origin) {
  window.dispatchEvent(new MessageEvent("message", { origin, data }));
  await tick();
}

function hint(event: string, extra: Record<string, unknown> = {}) {
  return post({ type: TYPE, event, registration_id: VIEW.registration_id, ...extra });
}

type Extra = {
  readyTimeoutMs?: number;
  statusPollMs?: number;
  onDone?: () => void;
  onNext?: (where: "templates" | "send") => void;
};

function renderConnect(props: Extra = {}) {
  const onConnected = vi.fn<(view: RegistrationView) => void>();
  const onClose = vi.fn();
  // The status poll is off unless a test is about it.
  const result = render(ConnectNumber, { props: { onConnected, onClose, statusPollMs: 0, ...props } });
  return { ...result, onConnected, onClose, user: userEvent.setup() };
}

const panel = () => screen.getByTestId("registration-panel");
const frame = () => screen.findByTestId("registration-frame");
const stepState = (key: string) => document.querySelector(`[data-testid="registration-step"][data-step="${key}"]`)?.getAttribute("data-state");
const byId = (id: string) => document.getElementById(id);
/** Lets pending command promises and the updates they cause run to the end. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0)).then(tick);

describe("Starting a registration", () => {
  it("frames the host page from the core, sandboxed, and waits for it", async () => {
    const invoke = routeCommands({ registration_start: () => VIEW });
    renderConnect();

    const iframe = await frame();
    expect(invoke).toHaveBeenCalledWith("registration_start", { input: { lang: "en", integration: null, account_id: null } });
    expect(iframe).toHaveAttribute("src", VIEW.host_url);
    const sandbox = (iframe.getAttribute("sandbox") ?? "").split(/\s+/);
    expect(sandbox).toEqual(expect.arrayContaining(["allow-scripts", "allow-forms", "allow-same-origin", "allow-popups"]));
    expect(sandbox).not.toContain("allow-top-navigation");
    expect(iframe).toHaveAttribute("referrerpolicy", "no-referrer");
    expect(panel()).toHaveAttribute("data-phase", "loading");
    expect(panel()).toHaveAttribute("data-registration-id", VIEW.registration_id);
    expect(screen.getByText("SANDBOX")).toBeInTheDocument();
    expect(stepState("phone")).toBe("current");
  });

  it("explains a refused partner token, offers the settings and tries again", async () => {
    let attempts = 0;
    const invoke = routeCommands({
      registration_start: () => {
        attempts += 1;
        if (attempts === 1) throw { code: "provider_unauthorized", message: "401 from partner API" };
        return VIEW;
      },
      registration_settings: () => registrationSettingsView(),
    });
    const { user } = renderConnect();

    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "provider_unauthorized");
    expect(error).toHaveTextContent("ChatArchitect refused the partner token. Check it in Registration settings.");
    expect(error).toHaveTextContent("401 from partner API");
    expect(panel()).toHaveAttribute("data-phase", "start_failed");
    expect(screen.queryByTestId("registration-frame")).not.toBeInTheDocument();

    await user.click(byId("registration-open-settings")!);
    expect(await screen.findByTestId("registration-settings")).toBeInTheDocument();
    expect(byId("registration-open-settings")).not.toBeInTheDocument();

    expect(byId("registration-restart")).toHaveTextContent("Try again");
    await user.click(byId("registration-restart")!);
    await frame();
    expect(invoke.mock.calls.filter(([c]) => c === "registration_start")).toHaveLength(2);
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });

  it("says so when the page does not answer in time, and takes that back when it does", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect({ readyTimeoutMs: 20 });
    await frame();

    const note = await screen.findByTestId("registration-note");
    expect(note).toHaveTextContent("The registration page did not answer. Check your connection, then start again.");
    expect(panel()).toHaveAttribute("data-phase", "active");

    await hint("ready");
    expect(screen.queryByTestId("registration-note")).not.toBeInTheDocument();
  });
});

describe("Messages from the registration page", () => {
  it("moves to active on ready and advances the stepper", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect();
    await frame();
    expect(screen.getByText("Loading the registration page…")).toBeInTheDocument();

    await hint("ready");
    expect(panel()).toHaveAttribute("data-phase", "active");
    expect(screen.queryByText("Loading the registration page…")).not.toBeInTheDocument();

    await hint("phone_verified");
    expect(stepState("phone")).toBe("done");
    expect(stepState("code")).toBe("done");
    expect(stepState("details")).toBe("current");

    await hint("facebook_started");
    expect(stepState("details")).toBe("done");
    expect(stepState("meta")).toBe("current");
    expect(stepState("done")).toBe("todo");
  });

  it("names the steps as the page does and marks finished ones with more than colour", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect();
    await frame();
    await hint("ready");
    const steps = screen.getAllByTestId("registration-step");
    expect(steps.map((li) => li.querySelector(".label")?.textContent)).toEqual([
      "Phone number",
      "Verification code",
      "Business details",
      "Connect with Meta",
      "Connected",
    ]);
    expect(steps[0]).toHaveAttribute("aria-current", "step");
    expect(steps[0]).not.toHaveTextContent("done");

    await hint("phone_verified");

    for (const li of steps.slice(0, 2)) {
      expect(li).toHaveTextContent("✓");
      expect(li).toHaveTextContent("(done)");
      expect(li).not.toHaveAttribute("aria-current");
    }
    expect(steps[2]).toHaveAttribute("aria-current", "step");
    expect(steps[2]).not.toHaveTextContent("(done)");
    expect(steps[2]).toHaveTextContent("3");
    expect(document.querySelectorAll('[aria-current="step"]')).toHaveLength(1);
  });

  it("follows the provider's status where the page sends no event (code sent, form completed)", async () => {
    let status: RegistrationView["status"] = "phone_code_sent";
    routeCommands({ registration_start: () => VIEW, registration_refresh: () => registrationView({ status }) });
    const { user } = renderConnect();
    await frame();
    await hint("ready");

    await user.click(byId("registration-check")!);
    await waitFor(() => expect(stepState("code")).toBe("current"));
    expect(stepState("phone")).toBe("done");

    status = "form_completed";
    await user.click(byId("registration-check")!);
    await waitFor(() => expect(stepState("meta")).toBe("current"));
    expect(stepState("details")).toBe("done");
    expect(screen.getByTestId("registration-note")).toHaveTextContent("Connect WhatsApp");
  });

  it("polls the status quietly until Meta signup starts", async () => {
    const invoke = routeCommands({
      registration_start: () => VIEW,
      registration_refresh: () => registrationView({ status: "form_completed" }),
    });
    renderConnect({ statusPollMs: 5 });
    await frame();
    await hint("ready");
    await hint("phone_verified");

    await waitFor(() => expect(stepState("meta")).toBe("current"));
    expect(screen.queryByTestId("registration-note")).not.toBeInTheDocument();
    // At the Meta step the page's own events take over: no more polling.
    const polls = invoke.mock.calls.filter(([c]) => c === "registration_refresh").length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(invoke.mock.calls.filter(([c]) => c === "registration_refresh").length).toBe(polls);
  });

  it("sizes the frame from height messages", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect();
    const iframe = await frame();

    await hint("height", { height: 640.4 });
    expect(iframe.style.height).toBe("641px");
  });

  it("ignores messages from another origin or for another registration", async () => {
    routeCommands({ registration_start: () => VIEW });
    const { onConnected } = renderConnect();
    await frame();

    const forOtherSession = { type: TYPE, registration_id: "reg_someone_else" };
    await post({ type: TYPE, event: "ready", registration_id: VIEW.registration_id }, VIEW.registration_origin);
    await post({ type: TYPE, event: "phone_verified", registration_id: VIEW.registration_id }, "tauri://localhost");
    await post({ type: TYPE, event: "completed", registration_id: VIEW.registration_id }, "https://evil.example");
    await post({ ...forOtherSession, event: "ready" });
    await post({ ...forOtherSession, event: "phone_verified" });
    await post({ ...forOtherSession, event: "completed" });
    await post({ type: "something.else", event: "completed", registration_id: VIEW.registration_id });

    expect(panel()).toHaveAttribute("data-phase", "loading");
    expect(stepState("phone")).toBe("current");
    expect(invokedCommands()).toEqual(["registration_start"]);
    expect(onConnected).not.toHaveBeenCalled();
  });

  it("confirms a completion with the core and shows the masked app id", async () => {
    const invoke = routeCommands({ registration_start: () => VIEW, registration_confirm: () => COMPLETED });
    const { onConnected } = renderConnect();
    await frame();
    await hint("ready");
    await hint("facebook_started");

    await hint("completed");

    const connected = await screen.findByTestId("registration-connected");
    expect(invoke).toHaveBeenCalledWith("registration_confirm", { id: VIEW.registration_id });
    expect(connected).toHaveTextContent("Number connected: +4915112345678.");
    expect(screen.getByTestId("registration-app-id")).toHaveTextContent("••••7d21");
    expect(onConnected).toHaveBeenCalledTimes(1);
    expect(onConnected).toHaveBeenCalledWith(COMPLETED);
    expect(panel()).toHaveAttribute("data-phase", "connected");
    expect(["phone", "details", "meta", "done"].map(stepState)).toEqual(["done", "done", "done", "done"]);
    expect(screen.queryByTestId("registration-frame")).not.toBeInTheDocument();
    expect(byId("registration-resend")).toBeInTheDocument();
  });

  it("ends with Done and the next steps, with Resend webhook under Troubleshooting", async () => {
    routeCommands({ registration_start: () => VIEW, registration_confirm: () => COMPLETED });
    const onDone = vi.fn();
    const onNext = vi.fn<(where: "templates" | "send") => void>();
    const { user, onClose } = renderConnect({ onDone, onNext });
    await frame();
    await hint("ready");
    await hint("completed");
    const connected = await screen.findByTestId("registration-connected");

    const resend = byId("registration-resend")!;
    const troubleshooting = resend.closest("details")!;
    expect(troubleshooting).not.toBeNull();
    expect(troubleshooting).not.toHaveAttribute("open");
    expect(troubleshooting.querySelector("summary")).toHaveTextContent("Troubleshooting");
    expect(resend.className).toContain("btn");
    expect(byId("registration-check")).not.toBeInTheDocument();
    expect(byId("registration-restart-any")).not.toBeInTheDocument();

    // The last actions of the panel are Done and the next steps, not the webhook.
    const buttons = [...connected.querySelectorAll("button")].filter((b) => !b.closest("details"));
    expect(buttons.map((b) => b.textContent?.trim())).toEqual(["Sync templates", "Send a test message", "Done"]);

    await user.click(byId("registration-next-templates")!);
    expect(onNext).toHaveBeenLastCalledWith("templates");
    await user.click(byId("registration-next-send")!);
    expect(onNext).toHaveBeenLastCalledWith("send");

    await user.click(byId("registration-done")!);
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("always offers Done, and hides the next steps nobody can take", async () => {
    routeCommands({ registration_start: () => VIEW, registration_confirm: () => COMPLETED });
    const { user, onClose } = renderConnect();
    await frame();
    await hint("completed");
    await screen.findByTestId("registration-connected");

    expect(byId("registration-next-templates")).not.toBeInTheDocument();
    expect(byId("registration-next-send")).not.toBeInTheDocument();
    await user.click(byId("registration-done")!);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("keeps the page usable when the provider has not seen the completion yet", async () => {
    routeCommands({
      registration_start: () => VIEW,
      registration_confirm: () => registrationView({ status: "fb_started" }),
    });
    const { onConnected } = renderConnect();
    await frame();
    await hint("ready");

    await hint("completed");

    await waitFor(() => expect(panel()).toHaveAttribute("data-phase", "active"));
    expect(screen.getByTestId("registration-note")).toHaveTextContent(/Meta signup is open.*Use “Check status” in a moment\./);
    expect(screen.getByTestId("registration-frame")).toBeInTheDocument();
    expect(onConnected).not.toHaveBeenCalled();
  });

  it("shows the message of a failure", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect();
    await frame();
    await hint("ready");

    await hint("failed", { message: "Phone number is already registered" });

    expect(screen.getByTestId("registration-note")).toHaveTextContent(
      "Registration failed: Phone number is already registered. You can try again in the page, or start over.",
    );
  });

  it("keeps the Meta step when Meta signup is cancelled or fails, and names the page's button", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect();
    await frame();
    await hint("ready");
    await hint("phone_verified");
    await hint("facebook_started");

    await hint("cancelled");

    expect(stepState("meta")).toBe("current");
    expect(stepState("details")).toBe("done");
    const note = screen.getByTestId("registration-note");
    expect(note).toHaveTextContent(/Meta signup was cancelled/);
    // After a cancel the page shows "Connect again", not "Connect WhatsApp".
    expect(note).toHaveTextContent("“Connect again”");
    expect(note).not.toHaveTextContent("Connect WhatsApp");

    await hint("failed", { message: "Meta refused" });
    expect(stepState("meta")).toBe("current");
    expect(screen.getByTestId("registration-note")).toHaveTextContent(
      "Registration failed: Meta refused. Use “Try again” in the page to retry Meta signup, or start over.",
    );
  });
});

describe("Checking on a session", () => {
  it("offers to start again when the session expired", async () => {
    const invoke = routeCommands({
      registration_start: () => VIEW,
      registration_refresh: () => registrationView({ status: "expired" }),
    });
    const { user } = renderConnect();
    await frame();
    await hint("ready");

    await user.click(byId("registration-check")!);

    expect(await screen.findByTestId("registration-expired")).toBeInTheDocument();
    expect(invoke).toHaveBeenCalledWith("registration_refresh", { id: VIEW.registration_id });
    expect(screen.queryByTestId("registration-frame")).not.toBeInTheDocument();
    expect(byId("registration-check")).not.toBeInTheDocument();

    expect(byId("registration-restart")).toHaveTextContent("Start again");
    await user.click(byId("registration-restart")!);
    await frame();
    expect(panel()).toHaveAttribute("data-phase", "loading");
  });

  it("drops the answer of a confirmation for a session that was started over", async () => {
    const confirmation = deferred<RegistrationView>();
    const next = registrationView({ registration_id: "reg_second_session_00000" });
    let starts = 0;
    routeCommands({
      registration_start: () => (++starts === 1 ? VIEW : next),
      registration_confirm: () => confirmation.promise,
    });
    const { user, onConnected } = renderConnect();
    await frame();
    await hint("completed");
    expect(panel()).toHaveAttribute("data-phase", "confirming");

    await user.click(byId("registration-restart-any")!);
    await user.click(await waitFor(() => byId("registration-restart-confirm-confirm")!));
    await waitFor(() => expect(panel()).toHaveAttribute("data-registration-id", next.registration_id));
    confirmation.resolve(COMPLETED);
    await settle();

    expect(panel()).toHaveAttribute("data-phase", "loading");
    expect(onConnected).not.toHaveBeenCalled();
  });
});

describe("Registration settings in the panel", () => {
  it("toggles the settings above the stepper and offers a fresh session after a change", async () => {
    let starts = 0;
    routeCommands({
      registration_start: () => {
        starts += 1;
        return VIEW;
      },
      registration_settings: () => registrationSettingsView(),
      registration_use_partner: ({ baseUrl }) =>
        registrationSettingsView({ mode: "partner", partner_base_url: String(baseUrl), partner_token_masked: "••••5678" }),
    });
    const { user } = renderConnect();
    await frame();
    await hint("ready");
    const toggle = byId("registration-settings-toggle")!;
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByTestId("registration-settings")).not.toBeInTheDocument();

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const settings = await screen.findByTestId("registration-settings");
    expect(settings.compareDocumentPosition(document.querySelector(".stepper")!)).toBe(Node.DOCUMENT_POSITION_FOLLOWING);
    expect(screen.queryByTestId("registration-settings-changed")).not.toBeInTheDocument();

    await user.type(byId("registration-url")!, "https://registration.example.com");
    await user.type(byId("partner-token")!, "ca_live_12345678");
    await user.click(byId("registration-use-partner")!);

    const offer = await screen.findByTestId("registration-settings-changed");
    expect(offer).toHaveTextContent(/still uses the previous ones/);
    await user.click(byId("registration-settings-restart")!);
    await frame();
    expect(starts).toBe(2);
    expect(screen.queryByTestId("registration-settings-changed")).not.toBeInTheDocument();

    await user.click(toggle);
    expect(screen.queryByTestId("registration-settings")).not.toBeInTheDocument();
  });
});

describe("Starting over and checking status", () => {
  it("asks before abandoning a session in progress", async () => {
    const second = registrationView({ registration_id: "reg_second_session_00000" });
    let starts = 0;
    routeCommands({ registration_start: () => (++starts === 1 ? VIEW : second) });
    const { user } = renderConnect();
    await frame();
    await hint("ready");
    await hint("phone_verified");

    await user.click(byId("registration-restart-any")!);
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog).toHaveTextContent("Start over? The registration in progress will be abandoned.");
    expect(starts).toBe(1);

    await user.click(byId("registration-restart-confirm-cancel")!);
    expect(screen.queryByTestId("confirm-dialog")).not.toBeInTheDocument();
    expect(starts).toBe(1);
    expect(panel()).toHaveAttribute("data-registration-id", VIEW.registration_id);
    expect(stepState("details")).toBe("current");

    await user.click(byId("registration-restart-any")!);
    await user.click(await waitFor(() => byId("registration-restart-confirm-confirm")!));
    await waitFor(() => expect(panel()).toHaveAttribute("data-registration-id", second.registration_id));
    expect(starts).toBe(2);
    expect(stepState("phone")).toBe("current");
    expect(screen.queryByTestId("confirm-dialog")).not.toBeInTheDocument();
  });

  it("shows Check status only while a session is unfinished", async () => {
    const starting = deferred<RegistrationView>();
    routeCommands({ registration_start: () => starting.promise, registration_confirm: () => COMPLETED });
    renderConnect();
    await tick();
    expect(panel()).toHaveAttribute("data-phase", "starting");
    expect(byId("registration-check")).not.toBeInTheDocument();
    expect(byId("registration-restart-any")).not.toBeInTheDocument();

    starting.resolve(VIEW);
    await frame();
    expect(byId("registration-check")).toBeInTheDocument();
    expect(byId("registration-check")!.className).toContain("btn");
    expect(byId("registration-restart-any")!.className).toContain("btn");

    await hint("completed");
    await screen.findByTestId("registration-connected");
    expect(byId("registration-check")).not.toBeInTheDocument();
  });

  it("keeps checking when the provider says completed but no credentials arrived", async () => {
    routeCommands({
      registration_start: () => VIEW,
      registration_confirm: () => registrationView({ status: "completed", app_id_masked: null }),
    });
    const { onConnected } = renderConnect();
    await frame();
    await hint("ready");
    await hint("facebook_started");
    await hint("completed");

    await waitFor(() => expect(panel()).toHaveAttribute("data-phase", "active"));
    expect(screen.getByTestId("registration-note")).toHaveTextContent(/credentials have not arrived yet/);
    expect(byId("registration-check")).toBeInTheDocument();
    expect(onConnected).not.toHaveBeenCalled();
  });

  it("is not shown when the session could not be created", async () => {
    routeCommands({ registration_start: () => Promise.reject({ code: "provider_unavailable", message: "down" }) });
    renderConnect();
    await screen.findByTestId("error");
    expect(byId("registration-check")).not.toBeInTheDocument();
  });
});

describe("The panel", () => {
  it("closes on Esc and gives focus back to what opened it", async () => {
    routeCommands({ registration_start: () => VIEW });
    const opener = document.createElement("button");
    opener.textContent = "Connect a number";
    document.body.appendChild(opener);
    opener.focus();
    const { user, onClose, unmount } = renderConnect();
    await frame();

    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);

    unmount();
    await settle();
    expect(opener).toHaveFocus();
    opener.remove();
  });

  it("does not close on Esc while a dialog is open (Esc closes the dialog) or a request runs", async () => {
    const check = deferred<RegistrationView>();
    routeCommands({ registration_start: () => VIEW, registration_refresh: () => check.promise });
    const { user, onClose } = renderConnect();
    await frame();
    await hint("ready");

    await user.click(byId("registration-restart-any")!);
    await screen.findByTestId("confirm-dialog");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("confirm-dialog")).not.toBeInTheDocument();
    expect(onClose).not.toHaveBeenCalled();

    await user.click(byId("registration-check")!);
    expect(byId("registration-check")).toHaveAttribute("aria-busy", "true");
    await user.keyboard("{Escape}");
    expect(onClose).not.toHaveBeenCalled();

    check.resolve(registrationView({ status: "started" }));
    await settle();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("uses the styled buttons in the header and keeps the frame free of its own scrollbar", async () => {
    routeCommands({ registration_start: () => VIEW });
    renderConnect();
    const iframe = await frame();

    expect(byId("registration-settings-toggle")!.className).toContain("btn");
    expect(byId("registration-close")!.className).toContain("btn");
    expect(iframe).toHaveAttribute("scrolling", "no");
    await hint("height", { height: 700 });
    expect(iframe.style.height).toBe("700px");
  });
});
