// Fixtures for the Contacts and Bulk send screens: contacts and their pages, import previews and
// reports, campaigns, dry runs, reports and recipients.

import type { CampaignReport } from "../bindings/CampaignReport";
import type { CampaignView } from "../bindings/CampaignView";
import type { ContactPage } from "../bindings/ContactPage";
import type { ContactQuery } from "../bindings/ContactQuery";
import type { ContactView } from "../bindings/ContactView";
import type { DryRun } from "../bindings/DryRun";
import type { Funnel } from "../bindings/Funnel";
import type { ImportPreview } from "../bindings/ImportPreview";
import type { ImportReport } from "../bindings/ImportReport";
import type { PreviewSample } from "../bindings/PreviewSample";
import type { ProblemCount } from "../bindings/ProblemCount";
import type { ProblemRow } from "../bindings/ProblemRow";
import type { RecipientFilter } from "../bindings/RecipientFilter";
import type { RecipientPage } from "../bindings/RecipientPage";
import type { RecipientView } from "../bindings/RecipientView";
import type { TagCount } from "../bindings/TagCount";

export const AT = Date.UTC(2025, 5, 5, 10, 0, 0);

export function contact(overrides: Partial<ContactView> = {}): ContactView {
  return {
    id: 1,
    phone: "4915112345678",
    name: "Anna Schmidt",
    first_name: "Anna",
    fields: { city: "Berlin" },
    tags: ["vip"],
    opted_out_at: null,
    opt_out_source: null,
    created_at: AT,
    updated_at: AT,
    ...overrides,
  };
}

/** `count` contacts with ids 1…count and phones 49151000000001…; every third is tagged "spring". */
export function contacts(count: number): ContactView[] {
  return Array.from({ length: count }, (_, i) =>
    contact({
      id: i + 1,
      phone: `4915100${String(i + 1).padStart(7, "0")}`,
      name: `Customer ${i + 1}`,
      first_name: `C${i + 1}`,
      fields: {},
      tags: i % 3 === 0 ? ["spring"] : [],
    }),
  );
}

export const TAGS: TagCount[] = [
  { tag: "spring", count: 34 },
  { tag: "vip", count: 3 },
];

/** Serves `all` as contacts_page does: search over phone and name, tags, opted-out, offset/limit. */
export function contactPageOf(all: readonly ContactView[], query: ContactQuery, fields: string[] = ["city"]): ContactPage {
  const search = query.search?.toLowerCase();
  const matching = all.filter(
    (c) =>
      (!search || c.phone.includes(search) || (c.name ?? "").toLowerCase().includes(search)) &&
      (query.tags ?? []).every((t) => c.tags.includes(t)) &&
      (query.opted_out === undefined || (c.opted_out_at !== null) === query.opted_out),
  );
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 200;
  return { contacts: matching.slice(offset, offset + limit), total: matching.length, tags: TAGS, fields };
}

export function importPreview(overrides: Partial<ImportPreview> = {}): ImportPreview {
  return {
    encoding: "utf-8-bom",
    delimiter: ";",
    headers: ["Telefon", "Name", "Stadt"],
    rows: [
      ["0151 1234567", "Anna Schmidt", "Berlin"],
      ["+49 160 7654321", "Jörg Weiß", "Köln"],
    ],
    total_rows: 1200,
    mapping: [{ to: "phone" }, { to: "name" }, { to: "ignore" }],
    mapping_saved: false,
    ...overrides,
  };
}

export function importReport(overrides: Partial<ImportReport> = {}): ImportReport {
  return {
    rows: 1200,
    created: 1150,
    updated: 30,
    merged: 5,
    skipped: 15,
    opted_out: 2,
    errors: [
      { line: 14, column: "Telefon", message: "\"0151 234\" is not a valid number for DE" },
      { line: 220, column: null, message: "The row has 2 cells; the header has 3." },
    ],
    cancelled: false,
    ...overrides,
  };
}

export function funnel(overrides: Partial<Funnel> = {}): Funnel {
  return {
    total: 0,
    queued: 0,
    sending: 0,
    submitted: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    uncertain: 0,
    dropped: 0,
    ...overrides,
  };
}

export function campaign(overrides: Partial<CampaignView> = {}): CampaignView {
  return {
    id: "camp-1",
    account_id: "acc-sandbox",
    name: "Spring sale",
    template_id: "0b1c2d3e-0000-4000-8000-000000000002",
    audience: { tags: ["spring"], without_tags: [], conditions: [] },
    mapping: [{ number: 1, source: { from: "constant", text: "Sunday" } }],
    rate_per_second: 80,
    scheduled_at: null,
    state: "draft",
    created_at: AT,
    started_at: null,
    finished_at: null,
    funnel: funnel(),
    eta_seconds: null,
    waiting: null,
    rate_limited: 0,
    ...overrides,
  };
}

export function problemRow(overrides: Partial<ProblemRow> = {}): ProblemRow {
  return { contact_id: 7, phone: "4915100000007", name: "Customer 7", placeholder: 1, detail: "first_name is empty", ...overrides };
}

export function problem(overrides: Partial<ProblemCount> = {}): ProblemCount {
  const rows = overrides.rows ?? [problemRow()];
  return {
    kind: "empty_value",
    severity: "error",
    count: rows.length,
    description: "A placeholder has no value for these recipients: fill in the field, add a fallback, or exclude them.",
    rows,
    ...overrides,
  };
}

export function sample(overrides: Partial<PreviewSample> = {}): PreviewSample {
  return {
    reason: "typical",
    contact_id: 1,
    phone: "4915100000001",
    name: "Customer 1",
    body: "Spring sale!\nEverything 20% off until Sunday.",
    chars: 44,
    problem: null,
    ...overrides,
  };
}

export function dryRun(overrides: Partial<DryRun> = {}): DryRun {
  return {
    campaign_id: "camp-1",
    audience: 34,
    excluded: 0,
    to_send: 34,
    blocked: 0,
    skipped: 0,
    problems: [],
    samples: [sample({ reason: "longest" }), sample({ contact_id: 4, name: "Customer 4", phone: "4915100000004" })],
    ok: true,
    ...overrides,
  };
}

/** A dry run blocked by one empty value (contact 7), with a missing-value sample. */
export function blockedDryRun(overrides: Partial<DryRun> = {}): DryRun {
  return dryRun({
    to_send: 33,
    blocked: 1,
    ok: false,
    problems: [
      problem(),
      problem({ kind: "opted_out", severity: "skipped", rows: [problemRow({ contact_id: 9, phone: "4915100000009", placeholder: null, detail: "Opted out by reply" })] }),
    ],
    samples: [
      sample({ reason: "missing_value", contact_id: 7, name: "Customer 7", body: "Hi {{1}}, everything 20% off.", problem: "{{1}} is empty" }),
      sample({ reason: "longest" }),
    ],
    ...overrides,
  });
}

export function report(overrides: Partial<CampaignReport> = {}): CampaignReport {
  return { timeline: [], failures: [], ...overrides };
}

export function recipient(overrides: Partial<RecipientView> = {}): RecipientView {
  return {
    position: 0,
    contact_id: 1,
    phone: "4915100000001",
    name: "Customer 1",
    body: "Spring sale!",
    state: "done",
    status: "delivered",
    message_id: "msg-r0",
    attempt: 1,
    failure: null,
    updated_at: AT,
    ...overrides,
  };
}

/** Serves `all` as campaign_recipients does (statuses, failure code, offset/limit). */
export function recipientPageOf(all: readonly RecipientView[], filter: RecipientFilter): RecipientPage {
  const matching = all.filter(
    (r) =>
      (!filter.statuses || (r.status !== null && filter.statuses.includes(r.status)) || (filter.statuses.includes("uncertain") && r.state === "uncertain")) &&
      (filter.failure_code === undefined || r.failure?.code === filter.failure_code),
  );
  const offset = filter.offset ?? 0;
  const limit = filter.limit ?? 200;
  return { recipients: matching.slice(offset, offset + limit), total: matching.length };
}
