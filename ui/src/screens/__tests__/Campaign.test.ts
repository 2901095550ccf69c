import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { CampaignView } from "../../bindings/CampaignView";
import type { RecipientFilter } from "../../bindings/RecipientFilter";
import type { RecipientView } from "../../bindings/RecipientView";
import CampaignDetail from "../bulk/CampaignDetail.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { AT, campaign, funnel, recipient, recipientPageOf, report } from "../../test/bulk";
import { emitAppEvent } from "../../test/mockEvents";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const RUNNING = campaign({
  state: "running",
  started_at: AT,
  funnel: funnel({ total: 100, queued: 60, sending: 2, submitted: 10, sent: 8, delivered: 12, read: 5, failed: 3 }),
  eta_seconds: 240,
});

const NOT_ON_WHATSAPP = { code: 131026, reason: "Message undeliverable", explanation: "The number is not on WhatsApp." };
const SPAM_LIMIT = { code: 131048, reason: "Spam rate limit hit", explanation: "Too many customers blocked or reported this number." };

/** Serves one campaign whose view a test can change, and its recipients. */
function serveCampaign(initial: CampaignView, extra: Parameters<typeof routeCommands>[0] = {}, recipients: RecipientView[] = []) {
  const store = {
    campaign: initial,
    report: report({
      timeline: [
        { at: AT, submitted: 0, sent: 0, delivered: 0, read: 0, failed: 0 },
        { at: AT + 60_000, submitted: 38, sent: 25, delivered: 17, read: 5, failed: 3 },
      ],
      failures: [
        { failure: NOT_ON_WHATSAPP, count: 2 },
        { failure: SPAM_LIMIT, count: 1 },
      ],
    }),
    recipients,
  };
  const filters: RecipientFilter[] = [];
  const invoke = routeCommands({
    campaign_get: () => store.campaign,
    campaign_report: () => store.report,
    campaign_recipients: (args) => {
      filters.push(args.filter as RecipientFilter);
      return recipientPageOf(store.recipients, args.filter as RecipientFilter);
    },
    ...extra,
  });
  return { store, invoke, filters };
}

function renderCampaign(onViewInHistory = vi.fn()) {
  return { onViewInHistory, ...render(CampaignDetail, { props: { account: SANDBOX_ACCOUNT, campaignId: "camp-1", onBack: vi.fn(), onViewInHistory } }) };
}

const count = (bucket: string) => screen.getByTestId(`campaign-funnel-${bucket}`).textContent;

describe("Campaign view", () => {
  it("shows the state, progress with ETA, the funnel and the chart's totals", async () => {
    serveCampaign(RUNNING);
    renderCampaign();
    expect(await screen.findByTestId("campaign-state")).toHaveTextContent("Running");
    expect(screen.getByTestId("campaign-state")).toHaveAttribute("data-state", "running");
    const progress = screen.getByTestId("campaign-progress");
    expect(progress).toHaveTextContent("38 of 100 done (38%)");
    expect(screen.getByTestId("campaign-eta")).toHaveTextContent("about 4 min left");
    expect(progress.querySelector("progress")).toHaveAttribute("value", "38");
    expect(["submitted", "sent", "delivered", "read", "failed", "uncertain"].map(count)).toEqual(["10", "8", "12", "5", "3", "0"]);

    const chart = screen.getByTestId("campaign-chart");
    expect(chart).toHaveAttribute("data-points", "2");
    const legend = within(chart).getAllByTestId("campaign-chart-legend");
    expect(legend.map((l) => [l.getAttribute("data-series"), l.getAttribute("data-value")])).toEqual([
      ["submitted", "38"],
      ["sent", "25"],
      ["delivered", "17"],
      ["read", "5"],
      ["failed", "3"],
    ]);
    expect(chart).toHaveAttribute("data-drawn", "false");
  });

  it("says why the sender is waiting, and how often the provider slowed it down", async () => {
    serveCampaign({ ...RUNNING, waiting: "the provider asked to slow down; resuming in 4 s", rate_limited: 12 });
    renderCampaign();
    expect(await screen.findByTestId("campaign-waiting")).toHaveTextContent("Waiting: the provider asked to slow down; resuming in 4 s");
    expect(screen.getByTestId("campaign-rate-limited")).toHaveTextContent("The provider asked to slow down 12 times");
  });

  it("follows changes of this campaign, and ignores other campaigns", async () => {
    const { store } = serveCampaign(RUNNING);
    renderCampaign();
    await waitFor(() => expect(count("delivered")).toBe("12"));
    const loads = () => invokedCommands().filter((c) => c === "campaign_get").length;
    const before = loads();

    store.campaign = { ...RUNNING, funnel: { ...RUNNING.funnel, queued: 0, sending: 0, delivered: 74 } };
    emitAppEvent("store-changed", { kind: "campaign", campaign_id: "camp-other" });
    await new Promise((r) => setTimeout(r, 400));
    expect(loads()).toBe(before);

    emitAppEvent("store-changed", { kind: "campaign", campaign_id: "camp-1" });
    await waitFor(() => expect(count("delivered")).toBe("74"));
    expect(screen.getByTestId("campaign-progress")).toHaveTextContent("100 of 100 done");
  });

  it("folds a burst of status changes during the send into a few reloads", async () => {
    const { store } = serveCampaign(RUNNING);
    renderCampaign();
    await waitFor(() => expect(count("read")).toBe("5"));
    const before = invokedCommands().filter((c) => c === "campaign_get").length;
    store.campaign = { ...RUNNING, funnel: { ...RUNNING.funnel, read: 40 } };
    for (let i = 0; i < 1000; i++) emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: `m-${i}` });
    await waitFor(() => expect(count("read")).toBe("40"));
    expect(invokedCommands().filter((c) => c === "campaign_get").length - before).toBe(1);
  });

  it("pauses and resumes", async () => {
    const { invoke, store } = serveCampaign(RUNNING, {
      campaign_pause: () => (store.campaign = { ...RUNNING, state: "paused" }),
      campaign_resume: () => (store.campaign = RUNNING),
    });
    const user = userEvent.setup();
    renderCampaign();
    await user.click(await screen.findByTestId("campaign-pause"));
    expect(invoke).toHaveBeenCalledWith("campaign_pause", { id: "camp-1" });
    await waitFor(() => expect(screen.getByTestId("campaign-state")).toHaveTextContent("Paused"));
    expect(screen.queryByTestId("campaign-pause")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("campaign-resume"));
    expect(invoke).toHaveBeenCalledWith("campaign_resume", { id: "camp-1" });
    await waitFor(() => expect(screen.getByTestId("campaign-state")).toHaveTextContent("Running"));
  });

  it("asks before cancelling, naming what will not be sent", async () => {
    const { store } = serveCampaign(RUNNING, {
      campaign_cancel: () => (store.campaign = { ...RUNNING, state: "cancelled", funnel: { ...RUNNING.funnel, queued: 0, dropped: 60 } }),
    });
    const user = userEvent.setup();
    renderCampaign();
    await user.click(await screen.findByTestId("campaign-cancel"));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("60 queued recipients will not get the message. Messages already sent stay sent.");
    await user.click(within(dialog).getByRole("button", { name: "Keep it" }));
    expect(invokedCommands()).not.toContain("campaign_cancel");

    await user.click(screen.getByTestId("campaign-cancel"));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel campaign" }));
    await waitFor(() => expect(screen.getByTestId("campaign-state")).toHaveTextContent("Cancelled"));
    expect(screen.queryByTestId("campaign-cancel")).not.toBeInTheDocument();
    expect(count("dropped")).toBe("60");
  });

  it("explains failure reasons and retries all of them, or only one code", async () => {
    const done = { ...RUNNING, state: "done" as const, funnel: { ...RUNNING.funnel, queued: 0, sending: 0 } };
    const { invoke } = serveCampaign(done, { campaign_retry_failed: () => ({ ...done, state: "running" }) });
    const user = userEvent.setup();
    renderCampaign();
    const reasons = await screen.findAllByTestId("campaign-failure");
    expect(reasons[0]).toHaveTextContent("2 Message undeliverable (code 131026)");
    expect(reasons[0]).toHaveTextContent("The number is not on WhatsApp.");

    await user.click(within(reasons[1]).getByTestId("campaign-retry-failed-131048"));
    expect(invoke).toHaveBeenCalledWith("campaign_retry_failed", { id: "camp-1", failureCode: 131048 });
    expect(await screen.findByTestId("campaign-notice")).toHaveTextContent("Queued 1 failed recipient again as new attempts.");

    await user.click(screen.getByTestId("campaign-retry-failed"));
    expect(invoke).toHaveBeenCalledWith("campaign_retry_failed", { id: "camp-1", failureCode: null });
    await waitFor(() => expect(screen.getByTestId("campaign-notice")).toHaveTextContent("Queued 3 failed recipients again"));
  });

  it("lists uncertain recipients and resends them only after a warning", async () => {
    const uncertain = { ...RUNNING, state: "paused" as const, funnel: { ...RUNNING.funnel, uncertain: 2, sending: 0 } };
    const list = [
      recipient({ position: 4, phone: "4915100000005", state: "uncertain", status: "uncertain", name: "Customer 5" }),
      recipient({ position: 9, phone: "4915100000010", state: "uncertain", status: "uncertain", name: "Customer 10" }),
      recipient({ position: 1 }),
    ];
    const { invoke, store } = serveCampaign(
      uncertain,
      { campaign_resolve_uncertain: () => (store.campaign = { ...uncertain, funnel: { ...uncertain.funnel, uncertain: 0 } }) },
      list,
    );
    const user = userEvent.setup();
    renderCampaign();
    const box = await screen.findByTestId("campaign-uncertain");
    await waitFor(() => expect(within(box).getAllByTestId("campaign-uncertain-row")).toHaveLength(2));
    expect(count("uncertain")).toBe("2");

    await user.click(within(box).getByLabelText(/\+4915100000010/));
    await user.click(within(box).getByTestId("campaign-uncertain-resend"));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Resend to 1 recipient?");
    expect(dialog).toHaveTextContent("they may receive it twice");
    expect(invokedCommands()).not.toContain("campaign_resolve_uncertain");
    await user.click(within(dialog).getByRole("button", { name: "Don't resend" }));
    expect(invokedCommands()).not.toContain("campaign_resolve_uncertain");

    await user.click(within(box).getByTestId("campaign-uncertain-resend"));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Resend anyway" }));
    expect(invoke).toHaveBeenCalledWith("campaign_resolve_uncertain", { id: "camp-1", positions: [9], action: "resend" });
    await waitFor(() => expect(screen.queryByTestId("campaign-uncertain")).not.toBeInTheDocument());
  });

  it("drops every uncertain recipient without resending", async () => {
    const uncertain = { ...RUNNING, funnel: { ...RUNNING.funnel, uncertain: 1 } };
    const { invoke } = serveCampaign(uncertain, { campaign_resolve_uncertain: () => uncertain }, [
      recipient({ position: 4, state: "uncertain", status: "uncertain" }),
    ]);
    const user = userEvent.setup();
    renderCampaign();
    await user.click(await screen.findByTestId("campaign-uncertain-drop"));
    expect(invoke).toHaveBeenCalledWith("campaign_resolve_uncertain", { id: "camp-1", positions: null, action: "drop" });
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });

  it("lists recipients by status, shows a failure code's recipients, and exports one row each", async () => {
    const list = [
      recipient({ position: 0, status: "delivered" }),
      recipient({ position: 1, phone: "4915100000002", status: "failed", failure: NOT_ON_WHATSAPP, message_id: "msg-r1" }),
      recipient({ position: 2, phone: "4915100000003", status: "failed", failure: SPAM_LIMIT, attempt: 2 }),
    ];
    const { invoke, filters } = serveCampaign(RUNNING, { campaign_export_csv: () => "/home/test/Downloads/spring-sale.csv" }, list);
    const user = userEvent.setup();
    const { onViewInHistory } = renderCampaign();
    await waitFor(() => expect(screen.getAllByTestId("campaign-recipient")).toHaveLength(3));
    expect(filters[0]).toEqual({ offset: 0, limit: 200 });

    await user.click(screen.getByTestId("campaign-recipients-status-failed"));
    await waitFor(() => expect(screen.getAllByTestId("campaign-recipient")).toHaveLength(2));
    expect(filters[filters.length - 1]).toEqual({ statuses: ["failed"], offset: 0, limit: 200 });

    const [first] = screen.getAllByTestId("campaign-failure");
    await user.click(within(first).getByRole("button", { name: "Show recipients" }));
    await waitFor(() => expect(screen.getAllByTestId("campaign-recipient")).toHaveLength(1));
    expect(filters[filters.length - 1]).toEqual({ statuses: ["failed"], failure_code: 131026, offset: 0, limit: 200 });
    const row = screen.getByTestId("campaign-recipient");
    expect(row).toHaveTextContent("Message undeliverable");
    await user.click(within(row).getByLabelText("Open +4915100000002 in the send history"));
    expect(onViewInHistory).toHaveBeenCalledWith("msg-r1");

    await user.click(screen.getByTestId("campaign-export"));
    expect(invoke).toHaveBeenCalledWith("campaign_export_csv", { id: "camp-1" });
    expect(await screen.findByTestId("campaign-export-result")).toHaveTextContent("/home/test/Downloads/spring-sale.csv");
  });
});
