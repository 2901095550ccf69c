import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { ContactQuery } from "../../bindings/ContactQuery";
import type { ContactView } from "../../bindings/ContactView";
import type { ImportReport } from "../../bindings/ImportReport";
import Contacts from "../contacts/Contacts.svelte";
import { contact, contactPageOf, contacts, importPreview, importReport } from "../../test/bulk";
import { emitAppEvent, listenerCount } from "../../test/mockEvents";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

/** Serves a mutable contact list; `queries` records every contacts_page query. */
function serveContacts(initial: ContactView[], extra: Parameters<typeof routeCommands>[0] = {}) {
  const store = { all: [...initial] };
  const queries: ContactQuery[] = [];
  const invoke = routeCommands({
    contacts_page: (args) => {
      const query = args.query as ContactQuery;
      queries.push(query);
      return contactPageOf(store.all, query);
    },
    contact_settings: () => ({ default_country: "DE", opt_out_keywords: ["STOP", "ABMELDEN"] }),
    ...extra,
  });
  return { store, queries, invoke };
}

const rows = () => screen.queryAllByTestId("contact-row");
const rowFor = (phone: string) => rows().find((r) => r.getAttribute("data-phone") === phone);
const last = <T>(list: T[]): T | undefined => list[list.length - 1];
const csv = () => new File(["Telefon;Name;Stadt\n0151 1234567;Anna Schmidt;Berlin\n"], "kunden.csv", { type: "text/csv" });

describe("Contacts import", () => {
  it("stages the file, previews it, imports with the chosen mapping while showing progress, then reports", async () => {
    const run = deferred<ImportReport>();
    const { invoke } = serveContacts(contacts(3), {
      contacts_import_stage: () => importPreview(),
      contacts_import_run: () => run.promise,
    });
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(3));

    await user.upload(screen.getByTestId("contacts-import-file"), csv());
    const preview = await screen.findByTestId("contacts-import-preview");
    const [, bytes] = invoke.mock.calls.find(([c]) => c === "contacts_import_stage")!;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes as Uint8Array)).toContain("Telefon;Name;Stadt");
    expect(screen.getByTestId("contacts-import-format")).toHaveTextContent("1,200 rows · UTF-8 with BOM · separated by semicolons");
    expect(preview).toHaveTextContent("Jörg Weiß");
    expect(screen.getByTestId("contacts-import-mapping-0")).toHaveValue("phone");
    expect(screen.queryByTestId("contacts-import-saved")).not.toBeInTheDocument();

    await user.selectOptions(screen.getByTestId("contacts-import-mapping-2"), "field");
    expect(screen.getByTestId("contacts-import-field-2")).toHaveValue("stadt");
    await user.type(screen.getByLabelText("Tags for every imported contact"), "fair, fair , spring");
    await waitFor(() => expect(screen.getByLabelText("Default country")).toHaveValue("DE"));

    await user.click(screen.getByTestId("contacts-import-run"));
    const bar = await screen.findByTestId("contacts-import-progress");
    await waitFor(() => expect(listenerCount("contacts-import-progress")).toBe(1));
    emitAppEvent("contacts-import-progress", { rows_done: 600, total_rows: 1200 });
    await waitFor(() => expect(bar).toHaveAttribute("value", "600"));
    expect(screen.getByText(/600 of 1,200 rows \(50%\)/)).toBeInTheDocument();
    expect(invoke).toHaveBeenCalledWith("contacts_import_run", {
      options: {
        mapping: [{ to: "phone" }, { to: "name" }, { to: "field", name: "stadt" }],
        tags: ["fair", "spring"],
        default_country: "DE",
      },
    });

    const pagesBefore = invokedCommands().filter((c) => c === "contacts_page").length;
    run.resolve(importReport());
    const report = await screen.findByTestId("contacts-import-report");
    expect(within(report).getByTestId("import-created")).toHaveTextContent("1,150");
    expect(within(report).getByTestId("import-merged")).toHaveTextContent("5");
    const errors = within(report).getAllByTestId("import-error");
    expect(errors[0]).toHaveTextContent('Line 14 · Telefon "0151 234" is not a valid number for DE');
    expect(errors[1]).toHaveTextContent("Line 220 The row has 2 cells");
    expect(listenerCount("contacts-import-progress")).toBe(0);
    await waitFor(() => expect(invokedCommands().filter((c) => c === "contacts_page").length).toBeGreaterThan(pagesBefore));

    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByTestId("contacts-import")).not.toBeInTheDocument();
  });

  it("will not import without exactly one phone column, and says why", async () => {
    serveContacts([], { contacts_import_stage: () => importPreview({ mapping_saved: true }) });
    const user = userEvent.setup();
    render(Contacts);
    await user.upload(screen.getByTestId("contacts-import-file"), csv());
    await screen.findByTestId("contacts-import-preview");
    expect(screen.getByTestId("contacts-import-saved")).toHaveTextContent("Mapping remembered from your last import");

    await user.selectOptions(screen.getByTestId("contacts-import-mapping-0"), "ignore");
    expect(screen.getByTestId("contacts-import-run")).toBeDisabled();
    expect(screen.getByTestId("contacts-import-problem")).toHaveTextContent("Choose the column that holds the phone numbers");

    await user.selectOptions(screen.getByTestId("contacts-import-mapping-0"), "phone");
    await user.selectOptions(screen.getByTestId("contacts-import-mapping-1"), "phone");
    expect(screen.getByTestId("contacts-import-problem")).toHaveTextContent("Only one column can be the phone number");
    expect(invokedCommands()).not.toContain("contacts_import_run");
  });

  it("cancels a running import and says that nothing changed", async () => {
    const run = deferred<ImportReport>();
    const { invoke } = serveContacts([], {
      contacts_import_stage: () => importPreview(),
      contacts_import_run: () => run.promise,
      contacts_import_cancel: () => {
        run.resolve(importReport({ cancelled: true, created: 0, updated: 0, errors: [] }));
        return null;
      },
    });
    const user = userEvent.setup();
    render(Contacts);
    await user.upload(screen.getByTestId("contacts-import-file"), csv());
    await user.click(await screen.findByTestId("contacts-import-run"));
    await user.click(await screen.findByTestId("contacts-import-cancel"));

    const report = await screen.findByTestId("contacts-import-report");
    expect(report).toHaveTextContent("Import cancelled. Nothing was changed");
    expect(invoke).toHaveBeenCalledWith("contacts_import_cancel", {});
    expect(within(report).queryByTestId("import-created")).not.toBeInTheDocument();
  });

  it("puts an unknown default country at its field", async () => {
    serveContacts([], {
      contacts_import_stage: () => importPreview(),
      contacts_import_run: () => {
        throw { code: "invalid_input", field: "default_country", message: "\"XX\" is not a country code" };
      },
    });
    const user = userEvent.setup();
    render(Contacts);
    await user.upload(screen.getByTestId("contacts-import-file"), csv());
    await user.click(await screen.findByTestId("contacts-import-run"));
    const error = await screen.findByTestId("field-error");
    expect(error).toHaveAttribute("data-for", "contacts-import-country");
    expect(error).toHaveTextContent('"XX" is not a country code');
    expect(screen.getByTestId("contacts-import-preview")).toBeInTheDocument();
  });

  it("shows a file the core could not read", async () => {
    serveContacts([], {
      contacts_import_stage: () => {
        throw { code: "invalid_input", message: "The file has no header row." };
      },
    });
    const user = userEvent.setup();
    render(Contacts);
    await user.upload(screen.getByTestId("contacts-import-file"), csv());
    expect(await screen.findByTestId("error")).toHaveTextContent("The file has no header row.");
    expect(screen.queryByTestId("contacts-import-run")).not.toBeInTheDocument();
  });
});

describe("Contacts list", () => {
  it("pages through a long list as it scrolls, showing only the rows that fit", async () => {
    const { queries } = serveContacts(contacts(1000));
    const { container } = render(Contacts);
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    expect(rows().length).toBeLessThan(60);
    expect(screen.getByTestId("contacts-total")).toHaveTextContent("1,000 contacts");
    expect(queries).toEqual([{ offset: 0, limit: 200 }]);
    expect(rowFor("49151000000001")).toHaveTextContent("Customer 1");

    const viewport = container.querySelector(".viewport") as HTMLElement;
    viewport.scrollTop = 450 * 40;
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(rowFor("49151000000451")).toBeDefined());
    expect(queries.map((q) => q.offset)).toEqual([0, 400]);
    expect(rowFor("49151000000001")).toBeUndefined();
  });

  it("searches after typing stops, filters by tag chips and by opt-out", async () => {
    const list = [...contacts(6), contact({ id: 50, phone: "4917700000050", name: "Out", tags: [], opted_out_at: 1, opt_out_source: "reply" })];
    const { queries } = serveContacts(list);
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(7));

    await user.type(screen.getByLabelText("Search"), "Customer 2");
    await waitFor(() => expect(last(queries)).toEqual({ search: "Customer 2", offset: 0, limit: 200 }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.clear(screen.getByLabelText("Search"));
    await waitFor(() => expect(rows()).toHaveLength(7));

    await user.click(screen.getByTestId("contacts-tag-spring"));
    expect(screen.getByTestId("contacts-tag-spring")).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => expect(last(queries)).toEqual({ tags: ["spring"], offset: 0, limit: 200 }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.click(screen.getByTestId("contacts-tag-spring"));

    await user.selectOptions(screen.getByLabelText("Show"), "opted_out");
    await waitFor(() => expect(last(queries)).toEqual({ opted_out: true, offset: 0, limit: 200 }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(within(rows()[0]).getByTestId("contact-opted-out")).toHaveTextContent("Opted out");
  });

  it("reloads when the core says contacts changed", async () => {
    const { store } = serveContacts(contacts(2));
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(2));
    store.all = contacts(5);
    emitAppEvent("store-changed", { kind: "contacts" });
    await waitFor(() => expect(rows()).toHaveLength(5));
  });

  it("exports the filtered list and says where", async () => {
    const { invoke } = serveContacts(contacts(3), { contacts_export_csv: () => "/home/test/Downloads/contacts.csv" });
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(3));
    await user.click(screen.getByTestId("contacts-tag-spring"));
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByTestId("contacts-export-result")).toHaveTextContent(
      "Saved the filtered contacts to /home/test/Downloads/contacts.csv",
    );
    expect(invoke).toHaveBeenCalledWith("contacts_export_csv", { query: { tags: ["spring"] } });
  });
});

describe("Editing contacts", () => {
  it("edits a contact in a panel and sends only what changed", async () => {
    const anna = contact();
    const { invoke } = serveContacts([anna], { contact_update: () => ({ ...anna, name: "Anna Weber", fields: { city: "Hamburg" } }) });
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(rowFor("4915112345678")!);

    const panel = await screen.findByTestId("contact-edit");
    expect(screen.getByTestId("contact-edit-phone")).toHaveValue("4915112345678");
    expect(screen.getByTestId("contact-edit-field-city")).toHaveValue("Berlin");
    await user.clear(screen.getByTestId("contact-edit-name"));
    await user.type(screen.getByTestId("contact-edit-name"), "Anna Weber");
    await user.clear(screen.getByTestId("contact-edit-field-city"));
    await user.type(screen.getByTestId("contact-edit-field-city"), "Hamburg");
    await user.click(within(panel).getByTestId("contact-edit-save"));

    expect(invoke).toHaveBeenCalledWith("contact_update", { id: 1, edit: { name: "Anna Weber", fields: { city: "Hamburg" } } });
    await waitFor(() => expect(screen.queryByTestId("contact-edit")).not.toBeInTheDocument());
    expect(rowFor("4915112345678")).toHaveTextContent("Anna Weber");
    expect(screen.getByTestId("contacts-notice")).toHaveTextContent("Saved +4915112345678.");
  });

  it("shows the core's field error beside the field and keeps the panel open", async () => {
    serveContacts([contact()], {
      contact_update: () => {
        throw { code: "invalid_input", field: "phone", message: "\"0151\" is not a valid number for DE." };
      },
    });
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(rows()[0]);
    await user.clear(screen.getByTestId("contact-edit-phone"));
    await user.type(screen.getByTestId("contact-edit-phone"), "0151");
    await user.click(screen.getByTestId("contact-edit-save"));

    const error = await screen.findByTestId("field-error");
    expect(error).toHaveAttribute("data-for", "contact-edit-phone");
    expect(error).toHaveTextContent('"0151" is not a valid number for DE.');
    expect(screen.getByTestId("contact-edit-phone")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("contact-edit-phone")).toHaveFocus();
  });

  it("opens with Enter, closes with Escape and gives focus back to the row", async () => {
    serveContacts(contacts(3));
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(3));
    rows()[1].focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("contact-edit")).toHaveAttribute("data-contact-id", "2");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("contact-edit")).not.toBeInTheDocument());
    await waitFor(() => expect(rows()[1]).toHaveFocus());
  });

  it("deletes the selected contacts after a confirmation naming how many", async () => {
    const { invoke, store } = serveContacts(contacts(3), {
      contacts_delete: (args) => {
        const ids = args.ids as number[];
        store.all = store.all.filter((c) => !ids.includes(c.id));
        return ids.length;
      },
    });
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(3));
    await user.click(screen.getByLabelText("Select +49151000000001"));
    await user.click(screen.getByLabelText("Select +49151000000003"));
    expect(screen.getByTestId("contacts-selection")).toHaveTextContent("2 contacts selected");

    await user.click(screen.getByRole("button", { name: "Delete…" }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Delete 2 contacts?");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(invokedCommands()).not.toContain("contacts_delete");

    await user.click(screen.getByRole("button", { name: "Delete…" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete 2 contacts" }));
    expect(invoke).toHaveBeenCalledWith("contacts_delete", { ids: [1, 3] });
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.getByTestId("contacts-notice")).toHaveTextContent("Deleted 2 contacts.");
    expect(screen.queryByTestId("contacts-selection")).not.toBeInTheDocument();
  });

  it("tags and untags the selected contacts in one go", async () => {
    const { invoke } = serveContacts(contacts(3), { contacts_tag: (args) => (args.ids as number[]).length });
    const user = userEvent.setup();
    render(Contacts);
    await waitFor(() => expect(rows()).toHaveLength(3));
    await user.click(screen.getByLabelText("Select every loaded contact"));
    expect(screen.getByTestId("contacts-selection")).toHaveTextContent("3 contacts selected");
    await user.type(screen.getByLabelText("Tag"), "newsletter");
    await user.click(screen.getByRole("button", { name: "Add tag" }));
    expect(invoke).toHaveBeenCalledWith("contacts_tag", { ids: [1, 2, 3], tag: "newsletter", add: true });
    expect(await screen.findByTestId("contacts-notice")).toHaveTextContent("Tagged 3 contacts “newsletter”.");

    await user.type(screen.getByLabelText("Tag"), "spring");
    await user.click(screen.getByRole("button", { name: "Remove tag" }));
    expect(invoke).toHaveBeenCalledWith("contacts_tag", { ids: [1, 2, 3], tag: "spring", add: false });
  });
});

describe("Contact settings", () => {
  it("loads and saves the default country and the opt-out keywords", async () => {
    const { invoke } = serveContacts([], { contact_settings_set: (args) => args.settings });
    const user = userEvent.setup();
    render(Contacts);
    await user.click(screen.getByRole("button", { name: "Settings" }));
    const country = screen.getByLabelText("Default country");
    await waitFor(() => expect(country).toHaveValue("DE"));
    expect(screen.getByLabelText("Opt-out keywords")).toHaveValue("STOP\nABMELDEN");

    await user.clear(country);
    await user.type(country, "es");
    await user.type(screen.getByLabelText("Opt-out keywords"), "\nBAJA\n");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(invoke).toHaveBeenCalledWith("contact_settings_set", {
      settings: { default_country: "ES", opt_out_keywords: ["STOP", "ABMELDEN", "BAJA"] },
    });
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("contact-settings")).not.toBeInTheDocument();
  });
});
