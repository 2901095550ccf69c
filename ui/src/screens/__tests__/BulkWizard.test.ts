import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { Audience } from "../../bindings/Audience";
import type { CampaignView } from "../../bindings/CampaignView";
import type { DryRun } from "../../bindings/DryRun";
import Bulk from "../bulk/Bulk.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { LOGIN_CODE, ORDER_SHIPPED, SPRING_SALE, TEMPLATES, message } from "../../test/messaging";
import { blockedDryRun, campaign, contact, contactPageOf, dryRun, funnel, report } from "../../test/bulk";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

type Handlers = Parameters<typeof routeCommands>[0];

/** Everything the wizard and the campaign view ask for; `extra` overrides a command. */
function serveBulk(extra: Handlers = {}, campaigns: CampaignView[] = []) {
  const state = { campaign: campaign() };
  const invoke = routeCommands({
    campaigns_list: () => campaigns,
    contacts_page: (args) => contactPageOf([contact(), contact({ id: 7, phone: "4915100000007", first_name: null })], args.query as never),
    templates_list: () => TEMPLATES,
    audience_count: (args) => ((args.audience as Audience).tags.includes("spring") ? 34 : 120),
    template_mapping: () => [],
    campaign_create: (args) => {
      const c = args.campaign as { template_id: string; audience: Audience; mapping: CampaignView["mapping"] };
      state.campaign = campaign({ template_id: c.template_id, audience: c.audience, mapping: c.mapping });
      return state.campaign;
    },
    campaign_update: (args) => (state.campaign = { ...state.campaign, ...(args.edit as object) }),
    campaign_dry_run: () => dryRun(),
    campaign_start: () => ({ ...state.campaign, state: "running", funnel: funnel({ total: 34, queued: 34 }) }),
    campaign_get: () => ({ ...state.campaign, state: "running", funnel: funnel({ total: 34, queued: 34 }) }),
    campaign_report: () => report(),
    campaign_recipients: () => ({ recipients: [], total: 0 }),
    ...extra,
  });
  return { invoke, state };
}

function renderBulk() {
  return render(Bulk, { props: { account: SANDBOX_ACCOUNT } });
}

const step = () => screen.getByTestId("bulk-wizard").getAttribute("data-step");

async function toMapping(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("bulk-new"));
  await waitFor(() => expect(screen.getByTestId("bulk-audience-count")).toHaveTextContent("120"));
  await user.click(screen.getByTestId("bulk-next"));
  await waitFor(() => expect(step()).toBe("2"));
}

describe("Bulk send wizard", () => {
  it("goes from audience to a started campaign, with a live count and the confirmed count sent", async () => {
    const { invoke } = serveBulk();
    const user = userEvent.setup();
    renderBulk();
    expect(await screen.findByTestId("bulk-empty")).toHaveTextContent("No campaigns from this account yet.");
    await user.click(screen.getByTestId("bulk-new"));

    // 1 Audience: the count follows the chips.
    await waitFor(() => expect(screen.getByTestId("bulk-audience-count")).toHaveTextContent("120"));
    await user.click(screen.getByTestId("bulk-audience-tag-spring"));
    expect(screen.getByTestId("bulk-audience-tag-spring")).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => expect(screen.getByTestId("bulk-audience-count")).toHaveTextContent("34"));
    expect(invoke).toHaveBeenLastCalledWith("audience_count", { audience: { tags: ["spring"], without_tags: [], conditions: [] } });
    await user.click(screen.getByTestId("bulk-next"));

    // 2 Template and mapping; nothing is created before leaving it.
    expect(invokedCommands()).not.toContain("campaign_create");
    await user.selectOptions(screen.getByTestId("bulk-template-select"), SPRING_SALE.id);
    expect(screen.getByTestId("bulk-template-category")).toHaveTextContent("MARKETING");
    await waitFor(() => expect(invoke).toHaveBeenCalledWith("template_mapping", { accountId: "acc-sandbox", templateId: SPRING_SALE.id }));
    await user.selectOptions(screen.getByTestId("bulk-map-field-1"), "first_name");
    await user.click(screen.getByTestId("bulk-next"));

    await waitFor(() => expect(step()).toBe("3"));
    expect(invoke).toHaveBeenCalledWith("campaign_create", {
      campaign: {
        account_id: "acc-sandbox",
        template_id: SPRING_SALE.id,
        audience: { tags: ["spring"], without_tags: [], conditions: [] },
        mapping: [{ number: 1, source: { from: "field", field: "first_name" } }],
      },
    });

    // 3 Dry run: the gallery, worst first.
    const samples = await screen.findAllByTestId("bulk-sample");
    expect(within(samples[0]).getByTestId("bulk-sample-reason")).toHaveTextContent("Longest message");
    expect(screen.getByTestId("bulk-dry-run-ok")).toHaveTextContent("Ready: 34 messages would go out.");
    await user.click(screen.getByTestId("bulk-next"));

    // 4 Confirm and start with exactly the dry run's count.
    expect(screen.getByTestId("bulk-confirm-count")).toHaveTextContent("Send 34 messages from Local simulator now.");
    expect(screen.getByTestId("bulk-rate")).toHaveValue(80);
    await user.click(screen.getByTestId("bulk-start"));
    expect(invoke).toHaveBeenCalledWith("campaign_start", { id: "camp-1", expectedCount: 34 });
    expect(await screen.findByTestId("campaign-view")).toBeInTheDocument();
    expect(invokedCommands()).not.toContain("campaign_update");
  });

  it("maps a placeholder to a constant or to a field with a fallback, starting from the saved mapping", async () => {
    const { invoke } = serveBulk({ template_mapping: () => [{ number: 2, source: { from: "constant", text: "A-100" } }] });
    const user = userEvent.setup();
    renderBulk();
    await toMapping(user);
    await user.selectOptions(screen.getByTestId("bulk-template-select"), ORDER_SHIPPED.id);
    await waitFor(() => expect(screen.getByTestId("bulk-map-text-2")).toHaveValue("A-100"));
    expect(screen.getByTestId("bulk-map-source-2")).toHaveValue("constant");
    expect(screen.queryByTestId("bulk-map-field-2")).not.toBeInTheDocument();

    // A placeholder without a source stops the step, and says which.
    await user.click(screen.getByTestId("bulk-next"));
    expect(screen.getByTestId("bulk-map-error")).toHaveTextContent("Choose the field {{1}} comes from.");
    expect(invokedCommands()).not.toContain("campaign_create");

    await user.selectOptions(screen.getByTestId("bulk-map-source-1"), "field_or");
    await user.selectOptions(screen.getByTestId("bulk-map-field-1"), "first_name");
    await user.click(screen.getByTestId("bulk-next"));
    expect(screen.getByTestId("bulk-map-error")).toHaveTextContent("Write the text used where the field is empty.");
    await user.type(screen.getByTestId("bulk-map-text-1"), "there");
    expect(screen.getByTestId("bulk-template-preview")).toHaveTextContent("Hello ‹First name› or “there”, your order A-100 has shipped.");
    await user.click(screen.getByTestId("bulk-next"));

    await waitFor(() => expect(step()).toBe("3"));
    expect(invoke).toHaveBeenCalledWith("campaign_create", {
      campaign: expect.objectContaining({
        template_id: ORDER_SHIPPED.id,
        mapping: [
          { number: 1, source: { from: "field_or", field: "first_name", fallback: "there" } },
          { number: 2, source: { from: "constant", text: "A-100" } },
        ],
      }),
    });
  });

  it("updates the draft instead of creating another when going back and on", async () => {
    const { invoke } = serveBulk();
    const user = userEvent.setup();
    renderBulk();
    await toMapping(user);
    await user.selectOptions(screen.getByTestId("bulk-template-select"), SPRING_SALE.id);
    await user.selectOptions(screen.getByTestId("bulk-map-source-1"), "constant");
    await user.type(screen.getByTestId("bulk-map-text-1"), "Sunday");
    await user.click(screen.getByTestId("bulk-next"));
    await waitFor(() => expect(step()).toBe("3"));

    await user.click(screen.getByRole("button", { name: "1. Audience" }));
    await user.click(screen.getByTestId("bulk-audience-exclude-vip"));
    await user.click(screen.getByTestId("bulk-next"));
    await waitFor(() => expect(step()).toBe("2"));
    expect(invokedCommands().filter((c) => c === "campaign_create")).toHaveLength(1);
    expect(invoke).toHaveBeenCalledWith("campaign_update", {
      id: "camp-1",
      edit: {
        audience: { tags: [], without_tags: ["vip"], conditions: [] },
        mapping: [{ number: 1, source: { from: "constant", text: "Sunday" } }],
      },
    });
  });

  it("makes a new draft for another template and cancels the one left behind", async () => {
    let created = 0;
    const { invoke } = serveBulk({
      campaign_create: (args) => campaign({ id: `camp-${++created}`, template_id: (args.campaign as { template_id: string }).template_id }),
      campaign_cancel: () => campaign({ state: "cancelled" }),
    });
    const user = userEvent.setup();
    renderBulk();
    await toMapping(user);
    await user.selectOptions(screen.getByTestId("bulk-template-select"), SPRING_SALE.id);
    await user.selectOptions(screen.getByTestId("bulk-map-field-1"), "name");
    await user.click(screen.getByTestId("bulk-next"));
    await waitFor(() => expect(step()).toBe("3"));

    await user.click(screen.getByRole("button", { name: "2. Template & mapping" }));
    await user.selectOptions(screen.getByTestId("bulk-template-select"), LOGIN_CODE.id);
    await user.selectOptions(screen.getByTestId("bulk-map-field-1"), "phone");
    await user.click(screen.getByTestId("bulk-next"));
    await waitFor(() => expect(step()).toBe("3"));
    expect(invokedCommands().filter((c) => c === "campaign_create")).toHaveLength(2);
    expect(invoke).toHaveBeenCalledWith("campaign_cancel", { id: "camp-1" });
    expect(invoke).toHaveBeenLastCalledWith("campaign_dry_run", { id: "camp-2" });
  });

  it("discards a draft after asking", async () => {
    const { invoke } = serveBulk({ campaign_cancel: () => campaign({ state: "cancelled" }) }, [campaign()]);
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));
    await user.click(await screen.findByRole("button", { name: "Discard draft…" }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Discard “Spring sale”?");
    await user.click(within(dialog).getByRole("button", { name: "Discard draft" }));
    expect(invoke).toHaveBeenCalledWith("campaign_cancel", { id: "camp-1" });
    expect(await screen.findByTestId("bulk-new")).toBeInTheDocument();
  });

  it("adds a field condition to the audience", async () => {
    const { invoke } = serveBulk();
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("bulk-new"));
    await user.click(screen.getByRole("button", { name: "Add condition" }));
    await user.selectOptions(screen.getByLabelText("Field of condition 1"), "city");
    await user.selectOptions(screen.getByLabelText("Test of condition 1"), "equals");
    await user.type(screen.getByLabelText("Value of condition 1"), "Berlin");
    await waitFor(() =>
      expect(invoke).toHaveBeenLastCalledWith("audience_count", {
        audience: { tags: [], without_tags: [], conditions: [{ op: "equals", field: "city", value: "Berlin" }] },
      }),
    );
  });
});

describe("Dry run", () => {
  const draft = campaign({ state: "draft" });

  it("lists problems errors first with their rows; excluding a row answers with a new dry run", async () => {
    const { invoke } = serveBulk(
      {
        campaign_dry_run: () => blockedDryRun(),
        campaign_exclude: (args) => (args.excluded ? dryRun({ excluded: 1, to_send: 33 }) : blockedDryRun()),
      },
      [draft],
    );
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));

    const problem = await screen.findByTestId("bulk-problem-empty_value");
    const problems = screen.getAllByTestId(/^bulk-problem-(empty_value|opted_out)$/);
    expect(problems.map((p) => p.getAttribute("data-severity"))).toEqual(["error", "skipped"]);
    expect(within(problem).getByTestId("bulk-problem-count")).toHaveTextContent("1 recipient");
    expect(screen.getByTestId("bulk-dry-run-blocked-note")).toHaveTextContent("1 recipient has errors");
    const missing = screen.getAllByTestId("bulk-sample")[0];
    expect(missing).toHaveAttribute("data-reason", "missing_value");
    expect(within(missing).getByTestId("bulk-sample-reason")).toHaveTextContent("Missing value");
    expect(missing.querySelector("mark[data-filled=false]")).toHaveTextContent("{{1}}");

    const row = within(problem).getByTestId("bulk-problem-row");
    expect(row).toHaveAttribute("data-contact-id", "7");
    expect(row).toHaveTextContent("first_name is empty");
    await user.click(within(row).getByTestId("bulk-row-exclude"));

    expect(invoke).toHaveBeenCalledWith("campaign_exclude", { id: "camp-1", contactIds: [7], excluded: true });
    await waitFor(() => expect(screen.queryByTestId("bulk-problem-empty_value")).not.toBeInTheDocument());
    expect(screen.getByTestId("bulk-dry-run-excluded")).toHaveTextContent("1");
    expect(screen.getByTestId("bulk-dry-run")).toHaveAttribute("data-ok", "true");

    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(invoke).toHaveBeenCalledWith("campaign_exclude", { id: "camp-1", contactIds: [7], excluded: false });
    expect(await screen.findByTestId("bulk-problem-empty_value")).toBeInTheDocument();
  });

  it("edits the contact behind a row in place, then runs the dry run again", async () => {
    let fixed = false;
    const { invoke } = serveBulk(
      {
        campaign_dry_run: () => (fixed ? dryRun() : blockedDryRun()),
        contact_update: (args) => {
          fixed = true;
          return contact({ id: args.id as number, phone: "4915100000007", first_name: "Jana" });
        },
      },
      [draft],
    );
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));
    await user.click(within(await screen.findByTestId("bulk-problem-row")).getByTestId("bulk-row-edit"));

    const panel = await screen.findByTestId("contact-edit");
    expect(invoke).toHaveBeenCalledWith("contacts_page", { query: { search: "4915100000007", limit: 50 } });
    expect(panel).toHaveAttribute("data-contact-id", "7");
    await user.type(screen.getByTestId("contact-edit-first_name"), "Jana");
    await user.click(screen.getByTestId("contact-edit-save"));

    expect(invoke).toHaveBeenCalledWith("contact_update", { id: 7, edit: { first_name: "Jana" } });
    await waitFor(() => expect(screen.queryByTestId("bulk-problem-empty_value")).not.toBeInTheDocument());
    expect(invokedCommands().filter((c) => c === "campaign_dry_run")).toHaveLength(2);
    expect(screen.queryByTestId("contact-edit")).not.toBeInTheDocument();
  });

  it("sends a mapping problem back to step 2", async () => {
    serveBulk({ campaign_dry_run: () => blockedDryRun() }, [draft]);
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));
    const problem = await screen.findByTestId("bulk-problem-empty_value");
    await user.click(within(problem).getByTestId("bulk-problem-mapping"));
    expect(step()).toBe("2");
    expect(screen.getByTestId("bulk-template-select")).toHaveValue(draft.template_id);
    expect(screen.getByTestId("bulk-map-text-1")).toHaveValue("Sunday");
  });

  it("keeps Start disabled while the dry run has errors, and says why", async () => {
    serveBulk({ campaign_dry_run: () => blockedDryRun() }, [draft]);
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));
    await screen.findByTestId("bulk-problem-empty_value");
    await user.click(screen.getByTestId("bulk-next"));

    expect(screen.getByTestId("bulk-confirm-count")).toHaveTextContent("Send 33 messages");
    expect(screen.getByTestId("bulk-start")).toBeDisabled();
    expect(screen.getByTestId("bulk-start-why")).toHaveTextContent("The dry run found errors in 1 recipient: fix or exclude them in step 3 first.");
    expect(invokedCommands()).not.toContain("campaign_start");
  });

  it("sends a test to the admin's number with the first recipient's values", async () => {
    const { invoke } = serveBulk({ campaign_send_test: () => message({ id: "m-test", status: "submitted", to: "421233221242" }) }, [draft]);
    const user = userEvent.setup();
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));
    await screen.findAllByTestId("bulk-sample");
    await user.type(screen.getByTestId("bulk-test-to"), "+421 233 221 242");
    await user.click(screen.getByTestId("bulk-test-send"));
    expect(invoke).toHaveBeenCalledWith("campaign_send_test", { id: "camp-1", to: "421233221242", contactId: null });
    expect(await screen.findByTestId("bulk-test-result")).toHaveTextContent("Accepted");
    expect(localStorage.getItem("wadesk.testNumber")).toBe("421233221242");
  });
});

describe("Confirm step", () => {
  const draft = campaign({ state: "draft" });

  async function toConfirm(user: ReturnType<typeof userEvent.setup>) {
    renderBulk();
    await user.click(await screen.findByTestId("campaign-row"));
    await screen.findAllByTestId("bulk-sample");
    await user.click(screen.getByTestId("bulk-next"));
  }

  it("schedules for later: the sentence names the time and the draft gets it before the start", async () => {
    const { invoke } = serveBulk({ campaign_start: () => campaign({ state: "scheduled" }) }, [draft]);
    const user = userEvent.setup();
    await toConfirm(user);
    await user.click(screen.getByLabelText("Later"));
    const at = new Date(Date.now() + 86_400_000);
    at.setSeconds(0, 0);
    const pad = (n: number) => String(n).padStart(2, "0");
    const value = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
    await fireEvent.input(screen.getByTestId("bulk-schedule-at"), { target: { value } });
    expect(screen.getByTestId("bulk-confirm-count")).toHaveTextContent(/^Send 34 messages from Local simulator at .+\.$/);
    await user.clear(screen.getByTestId("bulk-rate"));
    await user.type(screen.getByTestId("bulk-rate"), "20");
    await user.click(screen.getByTestId("bulk-start"));

    expect(invoke).toHaveBeenCalledWith("campaign_update", { id: "camp-1", edit: { rate_per_second: 20, scheduled_at: at.getTime() } });
    expect(invoke).toHaveBeenCalledWith("campaign_start", { id: "camp-1", expectedCount: 34 });
    const calls = invokedCommands();
    expect(calls.indexOf("campaign_update")).toBeLessThan(calls.indexOf("campaign_start"));
  });

  it("says so when the audience changed since the dry run, and offers to run it again", async () => {
    let runs = 0;
    serveBulk(
      {
        campaign_dry_run: () => {
          runs += 1;
          return dryRun({ to_send: runs === 1 ? 34 : 35 } as Partial<DryRun>);
        },
        campaign_start: () => {
          throw { code: "invalid_input", field: "expected_count", message: "the audience changed: 35 messages would go out now, not 34; check again" };
        },
      },
      [draft],
    );
    const user = userEvent.setup();
    await toConfirm(user);
    await user.click(screen.getByTestId("bulk-start"));
    const stale = await screen.findByTestId("bulk-stale-count");
    expect(stale).toHaveTextContent(
      "Nothing was sent: the count changed since the dry run. The audience changed: 35 messages would go out now, not 34; check again.",
    );
    expect(screen.queryByTestId("campaign-view")).not.toBeInTheDocument();

    await user.click(within(stale).getByRole("button", { name: "Run the dry run again" }));
    await waitFor(() => expect(screen.getByTestId("bulk-dry-run-to-send")).toHaveTextContent("35"));
  });
});
