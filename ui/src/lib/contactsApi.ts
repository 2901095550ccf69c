// Commands of the Contacts screen: the CSV import (stage, run with progress, cancel), the paged
// list, edits, bulk tagging and deletion, export, and the contact settings. Every command rejects
// with a normalised ApiError; input errors name the `field` they are about.

import { listen } from "@tauri-apps/api/event";
import type { ContactEdit } from "../bindings/ContactEdit";
import type { ContactPage } from "../bindings/ContactPage";
import type { ContactQuery } from "../bindings/ContactQuery";
import type { ContactSettings } from "../bindings/ContactSettings";
import type { ContactView } from "../bindings/ContactView";
import type { ImportOptions } from "../bindings/ImportOptions";
import type { ImportPreview } from "../bindings/ImportPreview";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import { call } from "./call";

/**
 * Hands the file's bytes to the core, which detects encoding and delimiter and keeps the file
 * until `contactsImportRun`. The body is the raw bytes (no JSON), so large files cross cheaply.
 */
export function contactsImportStage(bytes: Uint8Array): Promise<ImportPreview> {
  return call("contacts_import_stage", bytes);
}

/** Imports the staged file; `contacts-import-progress` events report rows as they are read. */
export function contactsImportRun(options: ImportOptions): Promise<ImportReport> {
  return call("contacts_import_run", { options });
}

/** Stops the running import; its report then says `cancelled` and nothing was changed. */
export async function contactsImportCancel(): Promise<void> {
  await call<null>("contacts_import_cancel");
}

export const IMPORT_PROGRESS_EVENT = "contacts-import-progress";

/** Calls `onProgress` for each progress event; resolves to a function that stops listening. */
export function onImportProgress(onProgress: (progress: ImportProgress) => void): Promise<() => void> {
  return listen<ImportProgress>(IMPORT_PROGRESS_EVENT, (event) => onProgress(event.payload));
}

export function contactsPage(query: ContactQuery): Promise<ContactPage> {
  return call("contacts_page", { query });
}

export function contactUpdate(id: number, edit: ContactEdit): Promise<ContactView> {
  return call("contact_update", { id, edit });
}

/** Resolves to how many contacts were deleted. */
export function contactsDelete(ids: number[]): Promise<number> {
  return call("contacts_delete", { ids });
}

/** Adds (`add`) or removes one tag on every contact in `ids`; resolves to how many changed. */
export function contactsTag(ids: number[], tag: string, add: boolean): Promise<number> {
  return call("contacts_tag", { ids, tag, add });
}

/** Writes the contacts matching `query` as CSV and resolves to the saved file's path. */
export function contactsExportCsv(query: ContactQuery): Promise<string> {
  return call("contacts_export_csv", { query });
}

export function contactSettings(): Promise<ContactSettings> {
  return call("contact_settings");
}

export function contactSettingsSet(settings: ContactSettings): Promise<ContactSettings> {
  return call("contact_settings_set", { settings });
}
