import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { TemplateView } from "../../bindings/TemplateView";
import Templates from "../templates/Templates.svelte";
import { autoSyncAttempted } from "../templates/autoSync";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { BROKEN, LOGIN_CODE, ORDER_SHIPPED, SPRING_SALE, TEMPLATES, health } from "../../test/messaging";
import { emitAppEvent } from "../../test/mockEvents";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

beforeEach(() => autoSyncAttempted.clear());

function renderTemplates(onUseTemplate = vi.fn()) {
  return { onUseTemplate, ...render(Templates, { props: { account: SANDBOX_ACCOUNT, onUseTemplate } }) };
}

function visibleIds(): string[] {
  return screen.queryAllByTestId("template-row").map((row) => row.getAttribute("data-template-id") ?? "");
}

function row(id: string): HTMLElement {
  const found = screen.getAllByTestId("template-row").find((r) => r.getAttribute("data-template-id") === id);
  if (!found) throw new Error(`no row ${id}`);
  return found;
}

describe("Templates list", () => {
  it("shows category, media, first line, variable count, and unusable templates with their reason", async () => {
    routeCommands({ templates_list: () => TEMPLATES, messaging_health: () => health() });
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(4));

    const sale = row(SPRING_SALE.id);
    expect(within(sale).getByTestId("template-category")).toHaveTextContent("MARKETING");
    expect(within(sale).getByTestId("template-media")).toHaveTextContent("IMAGE");
    expect(sale).toHaveTextContent("Spring sale!");
    expect(sale).not.toHaveTextContent("Everything 20% off");
    expect(sale).toHaveTextContent("1 variable");
    expect(within(row(ORDER_SHIPPED.id)).queryByTestId("template-media")).not.toBeInTheDocument();
    expect(row(ORDER_SHIPPED.id)).toHaveTextContent("2 variables");

    expect(within(row(BROKEN.id)).getByTestId("template-problem")).toHaveTextContent(
      "Cannot be sent: Its placeholder {{name}} is not a number",
    );
  });

  it("searches body, id and category, ignoring case", async () => {
    routeCommands({ templates_list: () => TEMPLATES, messaging_health: () => health() });
    const user = userEvent.setup();
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(4));
    const search = screen.getByLabelText("Search");

    await user.type(search, "LOGIN CODE");
    expect(visibleIds()).toEqual([LOGIN_CODE.id]);

    await user.clear(search);
    await user.type(search, "000000000002");
    expect(visibleIds()).toEqual([SPRING_SALE.id]);

    await user.clear(search);
    await user.type(search, "marketing");
    expect(visibleIds()).toEqual([SPRING_SALE.id]);

    await user.clear(search);
    await user.type(search, "no such words");
    expect(visibleIds()).toEqual([]);
    expect(screen.getByTestId("templates-no-match")).toBeInTheDocument();
  });

  it("filters by category, listing the main ones and any other present", async () => {
    const other: TemplateView = { ...LOGIN_CODE, id: "t-auth", category: "AUTHENTICATION" };
    routeCommands({ templates_list: () => [...TEMPLATES, other], messaging_health: () => health() });
    const user = userEvent.setup();
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(5));
    const select = screen.getByLabelText("Category") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["All", "MARKETING", "UTILITY", "OTP", "AUTHENTICATION"]);

    await user.selectOptions(select, "UTILITY");
    expect(visibleIds()).toEqual([ORDER_SHIPPED.id, BROKEN.id]);
    await user.selectOptions(select, "AUTHENTICATION");
    expect(visibleIds()).toEqual(["t-auth"]);
    await user.selectOptions(select, "all");
    expect(visibleIds()).toHaveLength(5);
  });

  it("previews the chosen template with its placeholders marked, its id, and hands it to Send", async () => {
    routeCommands({ templates_list: () => TEMPLATES, messaging_health: () => health() });
    const user = userEvent.setup();
    const { onUseTemplate } = renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(4));

    await user.click(row(ORDER_SHIPPED.id));
    const preview = screen.getByTestId("template-preview");
    expect(preview).toHaveTextContent("Hello {{1}}, your order {{2}} has shipped.");
    const marks = preview.querySelectorAll("mark[data-placeholder]");
    expect([...marks].map((m) => m.textContent)).toEqual(["{{1}}", "{{2}}"]);
    expect(within(preview).getByTestId("template-id")).toHaveTextContent(ORDER_SHIPPED.id);

    await user.click(within(preview).getByRole("button", { name: "Use this template" }));
    expect(onUseTemplate).toHaveBeenCalledWith(ORDER_SHIPPED.id);
  });

  it("saves a sample CSV for the chosen template and says where", async () => {
    const invoke = routeCommands({
      templates_list: () => TEMPLATES,
      messaging_health: () => health(),
      template_sample_csv: () => "/home/test/Downloads/order-shipped-sample.csv",
    });
    const user = userEvent.setup();
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(4));
    await user.click(row(ORDER_SHIPPED.id));
    await user.click(screen.getByRole("button", { name: "Save sample CSV" }));
    expect(invoke).toHaveBeenCalledWith("template_sample_csv", { accountId: "acc-sandbox", templateId: ORDER_SHIPPED.id });
    expect(await screen.findByTestId("template-sample-csv-result")).toHaveTextContent(
      "Saved to /home/test/Downloads/order-shipped-sample.csv",
    );
  });

  it("does not offer an unusable template for sending, and says why", async () => {
    routeCommands({ templates_list: () => TEMPLATES, messaging_health: () => health() });
    const user = userEvent.setup();
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(4));
    await user.click(row(BROKEN.id));
    const preview = screen.getByTestId("template-preview");
    expect(within(preview).getByRole("button", { name: "Use this template" })).toBeDisabled();
    expect(within(preview).getByTestId("template-preview-problem")).toHaveTextContent("is not a number");
  });
});

describe("Refreshing templates", () => {
  it("shows progress while syncing, then when it last synced and how many", async () => {
    const sync = deferred<unknown>();
    let list: TemplateView[] = [ORDER_SHIPPED];
    routeCommands({
      templates_list: () => list,
      messaging_health: () => health({ templates_synced_at: Date.now() - 3 * 3_600_000 }),
      templates_sync: () => sync.promise,
    });
    const user = userEvent.setup();
    renderTemplates();
    await waitFor(() => expect(screen.getByTestId("templates-synced-at")).toHaveTextContent("Last synced 3 hours ago"));

    await user.click(screen.getByRole("button", { name: "Refresh" }));
    const refresh = document.getElementById("templates-refresh");
    expect(refresh).toBeDisabled();
    expect(refresh).toHaveTextContent("Syncing…");
    expect(screen.getByTestId("templates-syncing")).toHaveTextContent("Syncing with the provider…");
    expect(screen.queryByTestId("templates-synced-at")).not.toBeInTheDocument();

    list = TEMPLATES;
    sync.resolve({ account_id: "acc-sandbox", total: 4, unusable: 1, synced_at: Date.now() });
    await waitFor(() => expect(screen.getByTestId("templates-synced-at")).toHaveTextContent("Last synced just now"));
    expect(screen.getByTestId("templates-synced-at")).toHaveTextContent("4 templates (1 cannot be sent)");
    expect(screen.queryByTestId("templates-syncing")).not.toBeInTheDocument();
    expect(visibleIds()).toHaveLength(4);
    expect(refresh).not.toBeDisabled();
  });

  it("shows a failed sync with its reason and keeps the list", async () => {
    routeCommands({
      templates_list: () => [ORDER_SHIPPED],
      messaging_health: () => health(),
      templates_sync: () => {
        throw { code: "provider_unauthorized", message: "401 from /getHSM" };
      },
    });
    const user = userEvent.setup();
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "provider_unauthorized");
    expect(error).toHaveTextContent("401 from /getHSM");
    expect(visibleIds()).toHaveLength(1);
  });

  it("syncs once by itself when the account has never been synced", async () => {
    let list: TemplateView[] = [];
    routeCommands({
      templates_list: () => list,
      messaging_health: () => health({ templates_synced_at: null }),
      templates_sync: () => {
        list = TEMPLATES;
        return { account_id: "acc-sandbox", total: 4, unusable: 1, synced_at: Date.now() };
      },
    });
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(4));
    expect(invokedCommands().filter((c) => c === "templates_sync")).toHaveLength(1);
    expect(screen.getByTestId("templates-synced-at")).toHaveTextContent("just now");
  });

  it("does not sync by itself when an earlier sync found nothing", async () => {
    routeCommands({
      templates_list: () => [],
      messaging_health: () => health({ templates_synced_at: Date.now() - 60_000 }),
      templates_sync: () => {
        throw new Error("must not sync");
      },
    });
    renderTemplates();
    expect(await screen.findByTestId("templates-empty")).toBeInTheDocument();
    expect(invokedCommands()).not.toContain("templates_sync");
  });

  it("reloads when the core says the account's templates changed", async () => {
    let list: TemplateView[] = [ORDER_SHIPPED];
    routeCommands({ templates_list: () => list, messaging_health: () => health() });
    renderTemplates();
    await waitFor(() => expect(visibleIds()).toHaveLength(1));
    list = TEMPLATES;
    emitAppEvent("store-changed", { kind: "templates", account_id: "acc-other" });
    emitAppEvent("store-changed", { kind: "templates", account_id: "acc-sandbox" });
    await waitFor(() => expect(visibleIds()).toHaveLength(4));
    expect(invokedCommands().filter((c) => c === "templates_list")).toHaveLength(2);
  });

  it("shows the webhook's health in one line", async () => {
    routeCommands({ templates_list: () => TEMPLATES, messaging_health: () => health({ webhook_registered_at: null }) });
    renderTemplates();
    const line = await screen.findByTestId("health-summary");
    await waitFor(() => expect(line).toHaveTextContent("Webhook: not registered"));
    expect(line).toHaveTextContent("Last event: none yet");
  });
});
