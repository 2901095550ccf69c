// Commands of the Bulk send screen: audiences, template mappings, campaigns from draft to funnel.
// Every command rejects with a normalised ApiError. The core renders, checks and sends; the
// webview only shows what it reports and passes on the admin's decisions.

import type { Audience } from "../bindings/Audience";
import type { CampaignEdit } from "../bindings/CampaignEdit";
import type { CampaignReport } from "../bindings/CampaignReport";
import type { CampaignView } from "../bindings/CampaignView";
import type { DryRun } from "../bindings/DryRun";
import type { MessageView } from "../bindings/MessageView";
import type { NewCampaign } from "../bindings/NewCampaign";
import type { RecipientFilter } from "../bindings/RecipientFilter";
import type { RecipientPage } from "../bindings/RecipientPage";
import type { UncertainAction } from "../bindings/UncertainAction";
import type { VariableMapping } from "../bindings/VariableMapping";
import { call } from "./call";

/** How many contacts the audience selects now. */
export function audienceCount(audience: Audience): Promise<number> {
  return call("audience_count", { audience });
}

/** The mapping saved for the template (empty when none was saved yet). */
export function templateMapping(accountId: string, templateId: string): Promise<VariableMapping[]> {
  return call("template_mapping", { accountId, templateId });
}

/** Writes a sample CSV with the template's columns and resolves to the saved file's path. */
export function templateSampleCsv(accountId: string, templateId: string): Promise<string> {
  return call("template_sample_csv", { accountId, templateId });
}

export function campaignCreate(campaign: NewCampaign): Promise<CampaignView> {
  return call("campaign_create", { campaign });
}

export function campaignUpdate(id: string, edit: CampaignEdit): Promise<CampaignView> {
  return call("campaign_update", { id, edit });
}

/** Renders every recipient and reports the problems; nothing is sent. */
export function campaignDryRun(id: string): Promise<DryRun> {
  return call("campaign_dry_run", { id });
}

/** Leaves contacts out of (or back in) the draft and resolves to the dry run that results. */
export function campaignExclude(id: string, contactIds: number[], excluded: boolean): Promise<DryRun> {
  return call("campaign_exclude", { id, contactIds, excluded });
}

/** Sends the campaign's message to `to`, with `contactId`'s values (null: the first recipient's). */
export function campaignSendTest(id: string, to: string, contactId: number | null): Promise<MessageView> {
  return call("campaign_send_test", { id, to, contactId });
}

/**
 * Starts (or schedules) the campaign. `expectedCount` is the number the admin confirmed; the core
 * refuses with field `expected_count` when the audience no longer renders to that many.
 */
export function campaignStart(id: string, expectedCount: number): Promise<CampaignView> {
  return call("campaign_start", { id, expectedCount });
}

export function campaignPause(id: string): Promise<CampaignView> {
  return call("campaign_pause", { id });
}

export function campaignResume(id: string): Promise<CampaignView> {
  return call("campaign_resume", { id });
}

export function campaignCancel(id: string): Promise<CampaignView> {
  return call("campaign_cancel", { id });
}

/** Queues the failed recipients again as new attempts; `failureCode` null: every failure. */
export function campaignRetryFailed(id: string, failureCode: number | null): Promise<CampaignView> {
  return call("campaign_retry_failed", { id, failureCode });
}

/** Resends or drops uncertain recipients; `positions` null: all of them. */
export function campaignResolveUncertain(
  id: string,
  positions: number[] | null,
  action: UncertainAction,
): Promise<CampaignView> {
  return call("campaign_resolve_uncertain", { id, positions, action });
}

/** The account's campaigns, newest first. */
export function campaignsList(accountId: string): Promise<CampaignView[]> {
  return call("campaigns_list", { accountId });
}

export function campaignGet(id: string): Promise<CampaignView> {
  return call("campaign_get", { id });
}

export function campaignReport(id: string): Promise<CampaignReport> {
  return call("campaign_report", { id });
}

export function campaignRecipients(id: string, filter: RecipientFilter): Promise<RecipientPage> {
  return call("campaign_recipients", { id, filter });
}

/** Writes one CSV row per recipient and resolves to the saved file's path. */
export function campaignExportCsv(id: string): Promise<string> {
  return call("campaign_export_csv", { id });
}
