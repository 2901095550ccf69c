import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Send from "../send/Send.svelte";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { BROKEN, ORDER_SHIPPED, SPRING_SALE, TEMPLATES, detail, message } from "../../test/messaging";
import { emitAppEvent } from "../../test/mockEvents";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

function renderSend(templateId: string | null = null) {
  const onViewInHistory = vi.fn();
  const result = render(Send, { props: { account: SANDBOX_ACCOUNT, templateId, onViewInHistory } });
  return { ...result, onViewInHistory };
}

const byId = (id: string) => document.getElementById(id) as HTMLInputElement;

describe("Send: text", () => {
  it("sends the normalised number and the text, then shows the status and a way to the history", async () => {
    const invoke = routeCommands({
      templates_list: () => TEMPLATES,
      send_text: () => message({ id: "msg-new", status: "submitted" }),
    });
    const user = userEvent.setup();
    const { onViewInHistory } = renderSend();

    await user.type(screen.getByLabelText("Customer's number"), "+421 233-221 242");
    await user.type(screen.getByLabelText("Message text"), "Your table is ready");
    expect(screen.getByTestId("send-preview")).toHaveTextContent("Your table is ready");
    await user.click(screen.getByRole("button", { name: "Send" }));

    const result = await screen.findByTestId("send-result");
    expect(within(result).getByTestId("status-badge")).toHaveTextContent("Accepted");
    expect(invoke).toHaveBeenCalledWith("send_text", {
      input: { account_id: "acc-sandbox", to: "421233221242", text: "Your table is ready" },
    });
    await user.click(within(result).getByRole("button", { name: "View in history" }));
    expect(onViewInHistory).toHaveBeenCalledWith("msg-new");
  });

  it("keeps the Send button busy while sending", async () => {
    const pending = deferred<unknown>();
    routeCommands({ templates_list: () => [], send_text: () => pending.promise });
    const user = userEvent.setup();
    renderSend();
    await user.type(byId("send-to"), "421233221242");
    await user.type(byId("send-text"), "Hi");
    await user.click(byId("send-submit"));
    expect(byId("send-submit")).toBeDisabled();
    expect(byId("send-submit")).toHaveTextContent("Sending…");
    pending.resolve(message());
    await waitFor(() => expect(byId("send-submit")).not.toBeDisabled());
  });

  it("checks the number before asking the core, and clears the error on edit", async () => {
    routeCommands({ templates_list: () => [] });
    const user = userEvent.setup();
    renderSend();
    await user.type(byId("send-to"), "12345");
    await user.type(byId("send-text"), "Hi{Enter}");
    await user.click(byId("send-submit"));

    const to = byId("send-to");
    expect(to).toHaveAttribute("aria-invalid", "true");
    expect(to).toHaveAccessibleDescription(/8 to 15 digits.*this one has 5/);
    expect(to).toHaveFocus();
    expect(invokedCommands()).not.toContain("send_text");

    await user.type(to, "678");
    expect(to).not.toHaveAttribute("aria-invalid");
    expect(screen.queryByTestId("field-error")).not.toBeInTheDocument();
  });

  it("shows the core's field error at that field, and clears it when the user edits", async () => {
    routeCommands({
      templates_list: () => [],
      send_text: () => {
        throw { code: "invalid_input", message: "The text is longer than 4096 characters.", field: "text" };
      },
    });
    const user = userEvent.setup();
    renderSend();
    await user.type(byId("send-to"), "421233221242");
    await user.type(byId("send-text"), "Long story");
    await user.click(byId("send-submit"));

    const text = byId("send-text");
    await waitFor(() => expect(text).toHaveAttribute("aria-invalid", "true"));
    expect(text).toHaveAccessibleDescription(/longer than 4096 characters/);
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();

    await user.type(text, "!");
    expect(text).not.toHaveAttribute("aria-invalid");
    expect(screen.queryByText(/longer than 4096/)).not.toBeInTheDocument();
  });

  it("shows an error without a field above the button", async () => {
    routeCommands({
      templates_list: () => [],
      send_text: () => {
        throw { code: "provider_unavailable", message: "503 from /whatsappmessage" };
      },
    });
    const user = userEvent.setup();
    renderSend();
    await user.type(byId("send-to"), "421233221242");
    await user.type(byId("send-text"), "Hi");
    await user.click(byId("send-submit"));
    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "provider_unavailable");
    expect(error).toHaveTextContent("503 from /whatsappmessage");
  });

  it("follows the sent message's status as the core reports changes", async () => {
    let status: "submitted" | "delivered" = "submitted";
    routeCommands({
      templates_list: () => [],
      send_text: () => message({ id: "msg-new", status: "submitted" }),
      message_detail: () => detail(message({ id: "msg-new", status })),
    });
    const user = userEvent.setup();
    renderSend();
    await user.type(byId("send-to"), "421233221242");
    await user.type(byId("send-text"), "Hi");
    await user.click(byId("send-submit"));
    const result = await screen.findByTestId("send-result");
    status = "delivered";
    emitAppEvent("store-changed", { kind: "message", account_id: "acc-sandbox", message_id: "msg-new" });
    await waitFor(() => expect(within(result).getByTestId("status-badge")).toHaveTextContent("Delivered"));
  });
});

describe("Send: template", () => {
  it("offers usable templates only and one input per placeholder", async () => {
    routeCommands({ templates_list: () => TEMPLATES });
    const user = userEvent.setup();
    renderSend();
    await user.click(screen.getByLabelText("Template", { selector: "input" }));
    const picker = byId("send-template") as unknown as HTMLSelectElement;
    await waitFor(() => expect(picker.options.length).toBeGreaterThan(1));
    const values = [...picker.options].map((o) => o.value).filter(Boolean);
    expect(values).not.toContain(BROKEN.id);
    expect(values).toEqual([ORDER_SHIPPED.id, SPRING_SALE.id, TEMPLATES[2].id]);

    await user.selectOptions(picker, ORDER_SHIPPED.id);
    expect(screen.getByLabelText("{{1}}")).toHaveAttribute("id", "send-var-1");
    expect(screen.getByLabelText("{{2}}")).toHaveAttribute("id", "send-var-2");
    expect(within(screen.getByTestId("send-vars")).getAllByRole("textbox")).toHaveLength(2);

    await user.selectOptions(picker, SPRING_SALE.id);
    expect(within(screen.getByTestId("send-vars")).getAllByRole("textbox")).toHaveLength(1);
  });

  it("previews the message with values filled and empty placeholders highlighted", async () => {
    routeCommands({ templates_list: () => TEMPLATES });
    const user = userEvent.setup();
    renderSend(ORDER_SHIPPED.id);
    const first = await screen.findByLabelText("{{1}}");
    await user.type(first, "Anna");

    const preview = screen.getByTestId("send-preview");
    expect(preview).toHaveTextContent("Hello Anna, your order {{2}} has shipped.");
    const filled = preview.querySelector('[data-placeholder="1"]');
    const empty = preview.querySelector('[data-placeholder="2"]');
    expect(filled).toHaveAttribute("data-filled", "true");
    expect(empty).toHaveAttribute("data-filled", "false");
    expect(empty).toHaveTextContent("{{2}}");

    await user.type(screen.getByLabelText("{{2}}"), "A-1001");
    expect(preview).toHaveTextContent("Hello Anna, your order A-1001 has shipped.");
    expect(preview.querySelectorAll('[data-filled="false"]')).toHaveLength(0);
  });

  it("requires every value, then sends the SendTemplate", async () => {
    const invoke = routeCommands({ templates_list: () => TEMPLATES, send_template: () => message({ kind: "template" }) });
    const user = userEvent.setup();
    renderSend(ORDER_SHIPPED.id);
    await user.type(byId("send-to"), "421233221242");
    await user.type(await screen.findByLabelText("{{1}}"), "Anna");
    await user.click(byId("send-submit"));

    expect(byId("send-var-2")).toHaveAttribute("aria-invalid", "true");
    expect(byId("send-var-2")).toHaveAccessibleDescription("Fill in {{2}}.");
    expect(invokedCommands()).not.toContain("send_template");

    await user.type(byId("send-var-2"), "A-1001{Enter}");
    await screen.findByTestId("send-result");
    expect(invoke).toHaveBeenCalledWith("send_template", {
      input: {
        account_id: "acc-sandbox",
        to: "421233221242",
        template_id: ORDER_SHIPPED.id,
        values: [
          { number: 1, value: "Anna" },
          { number: 2, value: "A-1001" },
        ],
      },
    });
  });

  it("puts the core's error for one value beside that value's input", async () => {
    routeCommands({
      templates_list: () => TEMPLATES,
      send_template: () => {
        throw { code: "invalid_input", message: "{{2}} is longer than the provider allows.", field: "values.2" };
      },
    });
    const user = userEvent.setup();
    renderSend(ORDER_SHIPPED.id);
    await user.type(byId("send-to"), "421233221242");
    await user.type(await screen.findByLabelText("{{1}}"), "Anna");
    await user.type(byId("send-var-2"), "A-1001");
    await user.click(byId("send-submit"));

    await waitFor(() => expect(byId("send-var-2")).toHaveAttribute("aria-invalid", "true"));
    expect(byId("send-var-2")).toHaveAccessibleDescription("{{2}} is longer than the provider allows.");
    expect(byId("send-var-1")).not.toHaveAttribute("aria-invalid");
    await user.type(byId("send-var-2"), "x");
    expect(byId("send-var-2")).not.toHaveAttribute("aria-invalid");
  });
});
