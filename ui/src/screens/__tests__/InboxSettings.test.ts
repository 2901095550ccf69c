import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Settings from "../settings/Settings.svelte";
import CannedRepliesPanel from "../settings/CannedRepliesPanel.svelte";
import InboxSettingsPanel from "../settings/InboxSettingsPanel.svelte";
import type { CannedReply } from "../../bindings/CannedReply";
import type { CannedReplyEdit } from "../../bindings/CannedReplyEdit";
import type { InboxSettings } from "../../bindings/InboxSettings";
import { CANNED, HOURS, THANKS } from "../../test/composer";
import { SANDBOX_ACCOUNT } from "../../test/fixtures";
import { health } from "../../test/messaging";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const CONTACT_FIELDS = () => ({ contacts: [], total: 0, tags: [], fields: ["city", "plan"] });

describe("Settings: notifications", () => {
  it("loads, saves each change at once, and disables the text option while notifications are off", async () => {
    let stored: InboxSettings = { notify: true, notify_text: true };
    const invoke = routeCommands({
      inbox_settings: () => stored,
      inbox_settings_set: (args) => (stored = args.settings as InboxSettings),
    });
    const user = userEvent.setup();
    render(InboxSettingsPanel);
    const notify = screen.getByTestId("inbox-notify");
    const withText = screen.getByTestId("inbox-notify-text");
    await waitFor(() => expect(notify).toBeChecked());
    expect(withText).toBeChecked();
    expect(withText).not.toBeDisabled();

    await user.click(notify);
    expect(invoke).toHaveBeenLastCalledWith("inbox_settings_set", { settings: { notify: false, notify_text: true } });
    await waitFor(() => expect(withText).toBeDisabled());
    expect(notify).not.toBeChecked();
    expect(screen.getByRole("status")).toHaveTextContent("Saved.");

    await user.click(notify);
    await waitFor(() => expect(withText).not.toBeDisabled());
    await user.click(withText);
    expect(invoke).toHaveBeenLastCalledWith("inbox_settings_set", { settings: { notify: true, notify_text: false } });
  });

  it("shows a refused save and puts the box back", async () => {
    routeCommands({
      inbox_settings: () => ({ notify: false, notify_text: false }),
      inbox_settings_set: () => {
        throw { code: "database", message: "disk I/O error" };
      },
    });
    const user = userEvent.setup();
    render(InboxSettingsPanel);
    const notify = screen.getByTestId("inbox-notify");
    await waitFor(() => expect(notify).not.toBeDisabled());
    await user.click(notify);
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "database");
    expect(notify).not.toBeChecked();
  });
});

describe("Settings: saved replies", () => {
  function serve(initial: CannedReply[]) {
    let list = [...initial];
    let next = 10;
    const invoke = routeCommands({
      canned_replies_list: () => list,
      contacts_page: CONTACT_FIELDS,
      canned_reply_save: (args) => {
        const edit = args.edit as CannedReplyEdit;
        const saved = { id: edit.id ?? next++, shortcut: edit.shortcut, text: edit.text };
        list = [...list.filter((r) => r.id !== saved.id), saved];
        return saved;
      },
      canned_reply_delete: (args) => {
        list = list.filter((r) => r.id !== args.id);
      },
    });
    return invoke;
  }

  const rows = () => screen.queryAllByTestId("canned-reply");

  it("lists the replies by shortcut and adds one, with the variables hint", async () => {
    const invoke = serve(CANNED);
    const user = userEvent.setup();
    render(CannedRepliesPanel);
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((r) => within(r).getByText(/^\//).textContent)).toEqual(["/hours", "/thanks", "/track"]);

    await user.click(screen.getByTestId("canned-add"));
    const shortcut = screen.getByLabelText("Shortcut");
    expect(shortcut).toHaveFocus();
    const hint = screen.getByTestId("canned-variables");
    for (const name of ["{{name}}", "{{first_name}}", "{{phone}}", "{{city}}", "{{plan}}"]) expect(hint).toHaveTextContent(name);

    await user.type(shortcut, "/bye");
    await user.type(screen.getByLabelText("Text"), "Have a nice day, ");
    await user.click(within(hint).getByRole("button", { name: "{{first_name}}" }));
    await user.click(screen.getByTestId("canned-save"));

    expect(invoke).toHaveBeenCalledWith("canned_reply_save", { edit: { shortcut: "bye", text: "Have a nice day, {{first_name}}" } });
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(screen.queryByTestId("canned-form")).not.toBeInTheDocument();
  });

  it("edits a reply, and shows the core's field error at its field", async () => {
    let calls = 0;
    const invoke = routeCommands({
      canned_replies_list: () => [THANKS, HOURS],
      contacts_page: CONTACT_FIELDS,
      canned_reply_save: (args) => {
        calls += 1;
        if (calls === 1) throw { code: "invalid_input", message: "{{favourite}} is not a contact field.", field: "text" };
        return { id: 2, ...(args.edit as CannedReplyEdit) };
      },
    });
    const user = userEvent.setup();
    render(CannedRepliesPanel);
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Edit /hours" }));
    const text = screen.getByLabelText("Text");
    expect(text).toHaveValue(HOURS.text);
    await user.clear(text);
    await user.type(text, "Open {{{{favourite}}");
    await user.click(screen.getByTestId("canned-save"));
    expect(await screen.findByText("{{favourite}} is not a contact field.")).toBeInTheDocument();
    expect(text).toHaveAttribute("aria-invalid", "true");
    expect(invoke).toHaveBeenLastCalledWith("canned_reply_save", { edit: { id: 2, shortcut: "hours", text: "Open {{favourite}}" } });

    await user.clear(text);
    await user.type(text, "Open 9–18");
    await user.click(screen.getByTestId("canned-save"));
    await waitFor(() => expect(screen.queryByTestId("canned-form")).not.toBeInTheDocument());
    expect(screen.getByText("Open 9–18")).toBeInTheDocument();
  });

  it("checks the shortcut before asking the core", async () => {
    serve([THANKS]);
    const user = userEvent.setup();
    render(CannedRepliesPanel);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(screen.getByTestId("canned-add"));
    await user.type(screen.getByLabelText("Shortcut"), "thank you");
    await user.click(screen.getByTestId("canned-save"));
    expect(screen.getByLabelText("Shortcut")).toHaveAccessibleDescription(/letters, digits/);
    expect(screen.getByLabelText("Text")).toHaveAttribute("aria-invalid", "true");
    await user.clear(screen.getByLabelText("Shortcut"));
    await user.type(screen.getByLabelText("Shortcut"), "THANKS");
    await user.click(screen.getByTestId("canned-save"));
    expect(screen.getByLabelText("Shortcut")).toHaveAccessibleDescription(/taken/);
    expect(invokedCommands()).not.toContain("canned_reply_save");
  });

  it("asks before deleting, and deletes only when confirmed", async () => {
    const pending = deferred<unknown>();
    const invoke = routeCommands({
      canned_replies_list: () => [THANKS, HOURS],
      contacts_page: CONTACT_FIELDS,
      canned_reply_delete: () => pending.promise,
    });
    const user = userEvent.setup();
    render(CannedRepliesPanel);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await user.click(screen.getByRole("button", { name: "Delete /thanks" }));
    let dialog = screen.getByTestId("confirm-dialog");
    expect(dialog).toHaveTextContent("Delete /thanks?");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("confirm-dialog")).not.toBeInTheDocument();
    expect(invokedCommands()).not.toContain("canned_reply_delete");

    await user.click(screen.getByRole("button", { name: "Delete /thanks" }));
    dialog = screen.getByTestId("confirm-dialog");
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(invoke).toHaveBeenCalledWith("canned_reply_delete", { id: THANKS.id });
    pending.resolve(null);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByTestId("confirm-dialog")).not.toBeInTheDocument();
  });

  it("says when there are none", async () => {
    serve([]);
    render(CannedRepliesPanel);
    expect(await screen.findByTestId("canned-replies-empty")).toHaveTextContent("No saved replies yet");
  });
});

describe("Settings screen", () => {
  it("includes the notification and saved-reply panels", async () => {
    routeCommands({
      messaging_health: () => health(),
      inbox_settings: () => ({ notify: true, notify_text: false }),
      canned_replies_list: () => [THANKS],
      contacts_page: CONTACT_FIELDS,
    });
    render(Settings, { props: { account: SANDBOX_ACCOUNT } });
    expect(await screen.findByTestId("inbox-settings")).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId("canned-reply")).toHaveLength(1));
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });
});
