import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Composer, { forgetDrafts } from "../inbox/Composer.svelte";
import { CANNED, HOURS, THANKS, TRACKING, conversation, neverWrote, rendered } from "../../test/composer";
import { BROKEN, ORDER_SHIPPED, TEMPLATES, message } from "../../test/messaging";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";
import type { ConversationView } from "../../bindings/ConversationView";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

function renderComposer(conv: ConversationView = conversation()) {
  const onSent = vi.fn();
  const result = render(Composer, { props: { conversation: conv, onSent } });
  return { ...result, onSent };
}

const textarea = () => screen.getByTestId("composer-text") as HTMLTextAreaElement;

afterEach(() => {
  vi.useRealTimers();
  forgetDrafts();
});

describe("Composer: free text in the window", () => {
  it("sends on Enter, breaks the line on Shift+Enter, and clears only after success", async () => {
    const invoke = routeCommands({ conversation_reply_text: () => message({ id: "msg-reply", text: "Hi\nthere" }) });
    const user = userEvent.setup();
    const { onSent } = renderComposer();

    expect(screen.getByTestId("window-countdown")).toHaveTextContent("Free text allowed for 3 h 12 min");
    await user.type(textarea(), "Hi{Shift>}{Enter}{/Shift}there");
    expect(invokedCommands()).not.toContain("conversation_reply_text");
    expect(textarea().value).toBe("Hi\nthere");

    await user.keyboard("{Enter}");
    await waitFor(() => expect(onSent).toHaveBeenCalledWith(expect.objectContaining({ id: "msg-reply" })));
    expect(invoke).toHaveBeenCalledWith("conversation_reply_text", { input: { conversation_id: 7, text: "Hi\nthere" } });
    expect(textarea().value).toBe("");
    expect(textarea()).toHaveFocus();
  });

  it("sends once on a double Enter, and keeps the text and shows the error on failure", async () => {
    const pending = deferred<unknown>();
    const invoke = routeCommands({ conversation_reply_text: () => pending.promise });
    const user = userEvent.setup();
    const { onSent } = renderComposer();

    await user.type(textarea(), "On its way{Enter}{Enter}");
    expect(screen.getByTestId("composer-send")).toBeDisabled();
    expect(invoke.mock.calls.filter(([c]) => c === "conversation_reply_text")).toHaveLength(1);

    pending.reject({ code: "provider_unavailable", message: "503 from the provider" });
    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "provider_unavailable");
    expect(textarea().value).toBe("On its way");
    expect(onSent).not.toHaveBeenCalled();
    expect(screen.getByTestId("composer-send")).not.toBeDisabled();
  });

  it("shows the core's text error at the textarea", async () => {
    routeCommands({
      conversation_reply_text: () => {
        throw { code: "invalid_input", message: "The text is longer than 4096 characters.", field: "text" };
      },
    });
    const user = userEvent.setup();
    renderComposer();
    await user.type(textarea(), "Hello{Enter}");
    expect(await screen.findByTestId("field-error")).toHaveTextContent("longer than 4096");
    expect(textarea()).toHaveAttribute("aria-invalid", "true");
  });

  it("counts characters near the limit and refuses to send over it", async () => {
    routeCommands({});
    const user = userEvent.setup();
    renderComposer();
    await user.click(textarea());
    await user.paste("x".repeat(4100));
    expect(screen.getByTestId("composer-count")).toHaveTextContent(/4,?100 \/ 4,?096/);
    expect(screen.getByTestId("composer-send")).toBeDisabled();
    await user.keyboard("{Enter}");
    expect(invokedCommands()).not.toContain("conversation_reply_text");
  });

  it("switches to templates by itself when the window closes", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    routeCommands({ templates_list: () => TEMPLATES });
    renderComposer(conversation(90_000));
    expect(screen.getByTestId("window-countdown")).toHaveTextContent("Free text allowed for 1 min");
    vi.advanceTimersByTime(60_000); // two ticks: 30 s left
    await waitFor(() => expect(screen.getByTestId("window-countdown")).toHaveTextContent("less than a minute"));
    vi.advanceTimersByTime(30_100); // the close time itself, before the next tick
    expect(await screen.findByTestId("template-picker")).toBeInTheDocument();
    expect(screen.queryByTestId("composer-text")).not.toBeInTheDocument();
  });
});

describe("Composer: the window has closed", () => {
  it("shows the template picker instead of a textarea, and why", async () => {
    routeCommands({ templates_list: () => TEMPLATES });
    renderComposer(conversation(-2 * 24 * 3_600_000));
    const picker = screen.getByTestId("template-picker");
    expect(screen.queryByTestId("composer-text")).not.toBeInTheDocument();
    expect(picker).toHaveTextContent("The customer last wrote 3 days ago; only an approved template can be sent.");
    const select = await within(picker).findByLabelText("Template");
    await waitFor(() => expect(select).not.toBeDisabled());
    expect(within(select).getAllByRole("option")).toHaveLength(4); // the prompt and the three usable ones
    expect(screen.getByTestId("template-unusable")).toHaveTextContent("1 template cannot be sent");
    expect(screen.getByTestId("template-unusable")).toHaveTextContent(BROKEN.problem as string);
  });

  it("says so when the customer never wrote", () => {
    routeCommands({ templates_list: () => [] });
    renderComposer(neverWrote());
    expect(screen.getByTestId("template-picker")).toHaveTextContent("The customer has not written to this number");
  });

  it("switches to the template picker when the core answers window_closed, keeping the draft", async () => {
    routeCommands({
      templates_list: () => TEMPLATES,
      conversation_reply_text: () => {
        throw { code: "window_closed", message: "the customer service window closed" };
      },
    });
    const user = userEvent.setup();
    renderComposer();
    await user.type(textarea(), "Are you still there?{Enter}");
    const picker = await screen.findByTestId("template-picker");
    expect(picker).toHaveTextContent("Your text was not sent");
    expect(screen.queryByTestId("composer-text")).not.toBeInTheDocument();
  });

  it("fills the variables into the preview and sends the template with its values", async () => {
    const invoke = routeCommands({
      templates_list: () => TEMPLATES,
      conversation_reply_template: () => message({ id: "msg-t", kind: "template", template_id: ORDER_SHIPPED.id }),
    });
    const user = userEvent.setup();
    const { onSent } = renderComposer(conversation(-3_600_000));
    const select = await screen.findByLabelText("Template");
    await waitFor(() => expect(select).not.toBeDisabled());
    await user.selectOptions(select, ORDER_SHIPPED.id);

    await user.type(screen.getByTestId("template-var-1"), "Jana");
    await user.type(screen.getByTestId("template-var-2"), "A-1042");
    expect(screen.getByTestId("template-preview")).toHaveTextContent("Hello Jana, your order A-1042 has shipped.");
    await user.click(screen.getByTestId("template-send"));

    await waitFor(() => expect(onSent).toHaveBeenCalledWith(expect.objectContaining({ id: "msg-t" })));
    expect(invoke).toHaveBeenCalledWith("conversation_reply_template", {
      input: {
        conversation_id: 7,
        template_id: ORDER_SHIPPED.id,
        values: [
          { number: 1, value: "Jana" },
          { number: 2, value: "A-1042" },
        ],
      },
    });
  });

  it("checks empty variables first and shows the core's values.N error at its input", async () => {
    routeCommands({
      templates_list: () => TEMPLATES,
      conversation_reply_template: () => {
        throw { code: "invalid_input", message: "{{2}} is longer than the provider allows.", field: "values.2" };
      },
    });
    const user = userEvent.setup();
    renderComposer(conversation(-3_600_000));
    const select = await screen.findByLabelText("Template");
    await waitFor(() => expect(select).not.toBeDisabled());
    await user.selectOptions(select, ORDER_SHIPPED.id);
    await user.type(screen.getByTestId("template-var-1"), "Jana");
    await user.click(screen.getByTestId("template-send"));
    expect(screen.getByTestId("template-var-2")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("template-var-2")).toHaveFocus();
    expect(invokedCommands()).not.toContain("conversation_reply_template");

    await user.type(screen.getByTestId("template-var-2"), "A-1042");
    await user.click(screen.getByTestId("template-send"));
    expect(await screen.findByText("{{2}} is longer than the provider allows.")).toBeInTheDocument();
    expect(screen.getByTestId("template-var-2")).toHaveAttribute("aria-invalid", "true");
  });
});

describe("Composer: saved replies", () => {
  const forJana = [
    rendered(THANKS, "Thank you, Jana!"),
    rendered(HOURS),
    rendered(TRACKING, "Your tracking link is in the e-mail, . Thanks for waiting.", ["first_name"]),
  ];

  it("opens on /, filters by shortcut then text, and Enter inserts the rendered reply", async () => {
    const invoke = routeCommands({ canned_replies_for: () => forJana });
    const user = userEvent.setup();
    renderComposer();

    await user.type(textarea(), "Hello! /");
    const picker = await screen.findByTestId("canned-picker");
    await waitFor(() => expect(within(picker).getAllByTestId("canned-option")).toHaveLength(3));
    expect(invoke).toHaveBeenCalledWith("canned_replies_for", { conversationId: 7 });

    await user.keyboard("th");
    const shortcuts = () => within(screen.getByTestId("canned-picker")).getAllByTestId("canned-option").map((o) => o.dataset.shortcut);
    expect(shortcuts()).toEqual(["thanks", "track"]); // prefix first, then "Thanks" in the text
    expect(screen.getAllByRole("option")[0]).toHaveAttribute("aria-selected", "true");

    await user.keyboard("{Enter}");
    expect(textarea().value).toBe("Hello! Thank you, Jana!");
    expect(screen.queryByTestId("canned-picker")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("conversation_reply_text");
    expect(screen.queryByTestId("canned-missing")).not.toBeInTheDocument();
  });

  it("moves with the arrows, warns about missing variables, and Esc closes", async () => {
    routeCommands({ canned_replies_for: () => forJana });
    const user = userEvent.setup();
    renderComposer();
    await user.type(textarea(), "/th");
    await waitFor(() => expect(screen.getAllByTestId("canned-option")).toHaveLength(2));
    await user.keyboard("{ArrowDown}");
    expect(screen.getAllByRole("option")[1]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Tab}");
    expect(textarea().value).toBe("Your tracking link is in the e-mail, . Thanks for waiting.");
    expect(screen.getByTestId("canned-missing")).toHaveTextContent("no value for {{first_name}}");

    await user.keyboard(" /");
    expect(await screen.findByTestId("canned-picker")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("canned-picker")).not.toBeInTheDocument();
    expect(textarea().value).toMatch(/ \/$/);
  });

  it("does not open for a slash inside a word", async () => {
    routeCommands({ canned_replies_for: () => forJana });
    const user = userEvent.setup();
    renderComposer();
    await user.type(textarea(), "and/or");
    expect(screen.queryByTestId("canned-picker")).not.toBeInTheDocument();
  });

  it("points to Settings when there are no saved replies", async () => {
    routeCommands({ canned_replies_for: () => [] });
    const user = userEvent.setup();
    renderComposer();
    await user.type(textarea(), "/");
    expect(await screen.findByTestId("canned-empty")).toHaveTextContent("No saved replies yet — add them in Settings");
    expect(CANNED).toHaveLength(3);
  });
});
