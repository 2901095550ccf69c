import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import GupshupConnect from "../GupshupConnect.svelte";
import type { GupshupLinkView, GupshupSettingsView } from "../../lib/gupshupApi";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const ID = "7a1b2c3d-4444-4555-8666-777788889999";
const SANDBOX: GupshupSettingsView = {
  mode: "sandbox",
  partner_url: null,
  partner_token_masked: null,
  token_set_at: null,
  token_probably_expired: false,
};

function link(overrides: Partial<GupshupLinkView> = {}): GupshupLinkView {
  return {
    id: ID,
    mode: "sandbox",
    stage: "provisioning",
    stage_text: "Gupshup is creating the app…",
    app_name: "LojaAzulWhatsApp",
    app_id: "bf9ee64c-3d4d-4ac4-8668-732e577007c4",
    waba_id: "102290129340398",
    phone: "15557654321",
    pipeline: null,
    last_error: null,
    next_poll_at: 0,
    account_id: null,
    created_at: 1_700_000_000_000,
    ...overrides,
  };
}

const FINALIZE = {
  creationStage: "WHATSAPP_PROVISIONING_DONE",
  embedStage: "EMBED_STARTED",
  pipeLineStage: "FINALIZE",
  uiFormStage: "COMPLETE_VERIFICATION",
  whatsappVerificationStatus: "WHATSAPP_VERIFICATION_DONE",
};

function renderPanel(followPollMs = 10) {
  const onConnected = vi.fn();
  const onClose = vi.fn();
  render(GupshupConnect, { props: { onConnected, onClose, followPollMs } });
  return { onConnected, onClose };
}

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;
const stepStates = () =>
  [...screen.getByTestId("gupshup-steps").querySelectorAll("li")].map((li) => li.getAttribute("data-state"));

async function fill(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.type($("gupshup-app-name"), name);
  await user.type($("gupshup-waba-id"), "102290129340398");
  await user.type($("gupshup-phone"), "+1 555 765 4321");
}

describe("Linking a number through Gupshup", () => {
  it("checks the seed's name rules before any call, at the field", async () => {
    routeCommands({ gupshup_settings: () => SANDBOX, gupshup_links: () => [] });
    const user = userEvent.setup();
    renderPanel();
    await fill(user, "Loja!");
    await user.click($("gupshup-link"));
    expect($("gupshup-app-name")).toHaveAttribute("aria-invalid", "true");
    expect($("gupshup-app-name")).toHaveFocus();
    expect(invokedCommands()).not.toContain("gupshup_link");
  });

  it("puts a taken name (409) at the name field, and a core field error at its field", async () => {
    let answer: unknown = { code: "provider_conflict", message: "Gupshup: Bot Already Exists: choose another app name" };
    routeCommands({
      gupshup_settings: () => SANDBOX,
      gupshup_links: () => [],
      gupshup_link: () => {
        throw answer;
      },
    });
    const user = userEvent.setup();
    renderPanel();
    await fill(user, "LojaAzulWhatsApp");
    await user.click($("gupshup-link"));
    expect(await screen.findByText(/Bot Already Exists/)).toBeInTheDocument();
    expect($("gupshup-app-name")).toHaveAttribute("aria-invalid", "true");

    answer = { code: "invalid_input", message: "phone: the number in international format", field: "phone" };
    await user.type($("gupshup-app-name"), "Two");
    await user.click($("gupshup-link"));
    await waitFor(() => expect($("gupshup-phone")).toHaveAttribute("aria-invalid", "true"));
  });

  it("follows the link from the pipeline to the live event to connected, telling onConnected once", async () => {
    const answers = [
      link({ pipeline: { ...FINALIZE, pipeLineStage: "CREATE_DOCKER", whatsappVerificationStatus: null }, stage_text: "Gupshup is at create docker." }),
      link({ stage: "awaiting_live", pipeline: FINALIZE, stage_text: "Gupshup finished setting the number up; waiting for its live event." }),
      link({ stage: "live", pipeline: FINALIZE, stage_text: "Live: subscribing this install to the app's events…" }),
      link({ stage: "connected", pipeline: FINALIZE, account_id: ID, stage_text: "Connected: the app is live and subscribed." }),
    ];
    let follows = 0;
    const invoke = routeCommands({
      gupshup_settings: () => SANDBOX,
      gupshup_links: () => [],
      gupshup_link: () => link(),
      gupshup_follow: () => answers[Math.min(follows++, answers.length - 1)],
    });
    const user = userEvent.setup();
    const { onConnected } = renderPanel();
    await fill(user, "LojaAzulWhatsApp");
    await user.click($("gupshup-link"));
    expect(invoke).toHaveBeenCalledWith("gupshup_link", {
      input: { app_name: "LojaAzulWhatsApp", waba_id: "102290129340398", phone: "+1 555 765 4321" },
    });
    await screen.findByTestId("gupshup-steps");

    expect(await screen.findByTestId("gupshup-connected")).toHaveTextContent("+15557654321");
    expect(stepStates()).toEqual(["done", "done", "done", "done", "done"]);
    expect(within(screen.getByTestId("gupshup-pipeline")).getByText("FINALIZE")).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 50));
    expect(onConnected).toHaveBeenCalledTimes(1);
    expect(follows).toBe(4);
    expect(document.body.textContent).not.toMatch(/token/i);
  });

  it("shows the pipeline's error stage with the seed's three retries, and keeps following", async () => {
    const failing = link({
      stage: "pipeline_error",
      pipeline: { ...FINALIZE, creationStage: "ERROR", pipeLineStage: "CREATE_DOCKER" },
      stage_text: "Gupshup hit an error at create docker and retries up to three times before it gives up.",
    });
    routeCommands({ gupshup_settings: () => SANDBOX, gupshup_links: () => [], gupshup_link: () => failing, gupshup_follow: () => failing });
    const user = userEvent.setup();
    renderPanel();
    await fill(user, "LojaAzulWhatsApp");
    await user.click($("gupshup-link"));
    expect(await screen.findByTestId("gupshup-pipeline-retries")).toHaveTextContent("three times");
    expect(stepStates()).toEqual(["done", "error", "todo", "todo", "todo"]);
    await waitFor(() => expect(invokedCommands().filter((c) => c === "gupshup_follow").length).toBeGreaterThan(1));
  });

  it("stops on a refused partner token, offers the settings, and resumes with Check again", async () => {
    let refuse = true;
    routeCommands({
      gupshup_settings: () => SANDBOX,
      gupshup_links: () => [],
      gupshup_link: () => link(),
      gupshup_follow: () => {
        if (refuse) throw { code: "provider_unauthorized", message: "the partner token is wrong or expired — they last 24 hours" };
        return link({ stage: "connected", account_id: ID });
      },
    });
    const user = userEvent.setup();
    renderPanel();
    await fill(user, "LojaAzulWhatsApp");
    await user.click($("gupshup-link"));
    await screen.findByText(/last 24 hours/);
    const follows = invokedCommands().filter((c) => c === "gupshup_follow").length;
    await new Promise((r) => setTimeout(r, 60));
    expect(invokedCommands().filter((c) => c === "gupshup_follow").length).toBe(follows);
    expect($("gupshup-open-settings")).toBeInTheDocument();

    refuse = false;
    await user.click($("gupshup-check-again"));
    expect(await screen.findByTestId("gupshup-connected")).toBeInTheDocument();
  });

  it("resumes a link started earlier, and warns when the partner token is probably expired", async () => {
    const earlier = link({ stage: "awaiting_live", stage_text: "waiting for its live event." });
    routeCommands({
      gupshup_settings: () => ({ ...SANDBOX, mode: "partner", partner_url: "https://partner.gupshup.io", partner_token_masked: "••••abcd", token_probably_expired: true }),
      gupshup_links: () => [earlier, link({ id: "done-one", stage: "connected", account_id: "done-one" })],
      gupshup_follow: () => earlier,
    });
    const user = userEvent.setup();
    renderPanel(0);
    const list = await screen.findByTestId("gupshup-links");
    expect(within(list).getAllByTestId("gupshup-resume")).toHaveLength(1);
    await user.click(within(list).getByTestId("gupshup-resume"));
    await waitFor(() => expect(screen.getByTestId("gupshup-connect")).toHaveAttribute("data-stage", "awaiting_live"));
    expect(stepStates()).toEqual(["done", "done", "current", "todo", "todo"]);

    await user.click($("gupshup-settings-toggle"));
    expect(await screen.findByTestId("gupshup-token-expired")).toHaveTextContent("24 hours");
  });
});
