// The filter bar's values and the HistoryFilter the core takes.

import type { HistoryFilter } from "../../bindings/HistoryFilter";
import type { MessageStatus } from "../../bindings/MessageStatus";

export type FilterValues = {
  statuses: MessageStatus[];
  /** yyyy-mm-dd from a date input, local time; empty = no bound. */
  from: string;
  to: string;
  templateId: string;
  number: string;
};

export const EMPTY_FILTER: FilterValues = { statuses: [], from: "", to: "", templateId: "", number: "" };

/** Local midnight at the start of a yyyy-mm-dd day, in ms; null for an empty or broken value. */
function startOfDay(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
}

/**
 * Maps the bar to the core's filter. "To" includes the whole day it names, so it becomes the
 * next local midnight (the core's `to_ms` is exclusive). Empty values do not filter.
 */
export function toHistoryFilter(accountId: string, values: FilterValues): HistoryFilter {
  const filter: HistoryFilter = { account_id: accountId };
  if (values.statuses.length > 0) filter.statuses = [...values.statuses];
  const from = startOfDay(values.from);
  if (from !== null) filter.from_ms = from;
  const to = startOfDay(values.to);
  if (to !== null) {
    const next = new Date(to);
    next.setDate(next.getDate() + 1);
    filter.to_ms = next.getTime();
  }
  if (values.templateId) filter.template_id = values.templateId;
  const digits = values.number.replace(/\D/g, "");
  if (digits) filter.number = digits;
  return filter;
}

export function isFiltered(values: FilterValues): boolean {
  return (
    values.statuses.length > 0 || values.from !== "" || values.to !== "" || values.templateId !== "" || /\d/.test(values.number)
  );
}
