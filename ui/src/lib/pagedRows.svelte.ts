// A long list fetched a page at a time as it scrolls into view, for the virtualized lists of
// contacts and campaign recipients. Pages are cached by number; a new query starts over, and
// answers for an old query are dropped (a generation counter), so a slow page cannot overwrite a
// newer filter's rows.

import type { VListHandle } from "virtua/svelte";
import type { ApiError } from "../bindings/ApiError";
import { toApiError } from "./apiError";

export type RowWindow<T> = { rows: T[]; total: number };

export class PagedRows<T> {
  total = $state(0);
  /** The first answer for the current query has arrived. */
  loaded = $state(false);
  error = $state<ApiError | null>(null);
  #pages = $state.raw<Record<number, T[]>>({});
  #generation = 0;
  #inflight = new Set<number>();
  readonly #fetch: (offset: number, limit: number) => Promise<RowWindow<T>>;
  readonly pageSize: number;
  /** The list last asked about, to fill it again when a changed total dropped its pages. */
  #list: { handle: VListHandle | undefined; rowHeight: number } | null = null;
  #disposed = false;

  /** `fetch` reads the current query when called; call `reset` whenever that query changes. */
  constructor(fetch: (offset: number, limit: number) => Promise<RowWindow<T>>, pageSize = 200) {
    this.#fetch = fetch;
    this.pageSize = pageSize;
  }

  rowAt(index: number): T | undefined {
    return this.#pages[Math.floor(index / this.pageSize)]?.[index % this.pageSize];
  }

  /** Every row loaded so far, in list order (pages that were not loaded are skipped). */
  get loadedRows(): T[] {
    return Object.keys(this.#pages)
      .map(Number)
      .sort((a, b) => a - b)
      .flatMap((p) => this.#pages[p]);
  }

  async load(page: number, force = false): Promise<void> {
    if (!force && (this.#pages[page] || this.#inflight.has(page))) return;
    const gen = this.#generation;
    const inflight = this.#inflight;
    inflight.add(page);
    try {
      const result = await this.#fetch(page * this.pageSize, this.pageSize);
      if (gen !== this.#generation) return;
      // Offsets shift when the total changes: the other cached pages are stale then.
      const shifted = result.total !== this.total && this.loaded;
      this.total = result.total;
      this.#pages = shifted ? { [page]: result.rows } : { ...this.#pages, [page]: result.rows };
      this.loaded = true;
      this.error = null;
      // After the list has re-rendered for the new total, fetch what it shows.
      const list = this.#list;
      if (shifted && list) setTimeout(() => !this.#disposed && this.ensureVisible(list.handle, list.rowHeight), 0);
    } catch (e) {
      if (gen === this.#generation) this.error = toApiError(e);
    } finally {
      inflight.delete(page);
    }
  }

  /** The query changed: forget everything and load the first page. */
  reset(): Promise<void> {
    this.#generation += 1;
    this.#inflight = new Set();
    this.#pages = {};
    this.loaded = false;
    return this.load(0);
  }

  /** The data changed: drop the cache and load `pages` (what is on screen) again. */
  refresh(pages: number[]): Promise<void> {
    this.#generation += 1;
    this.#inflight = new Set();
    this.#pages = {};
    return Promise.all((pages.length > 0 ? pages : [0]).map((p) => this.load(p, true))).then(() => undefined);
  }

  /** Replaces one loaded row in place (after an edit), without a reload. */
  replace(match: (row: T) => boolean, next: T): boolean {
    for (const [key, rows] of Object.entries(this.#pages)) {
      const slot = rows.findIndex(match);
      if (slot >= 0) {
        const copy = [...rows];
        copy[slot] = next;
        this.#pages = { ...this.#pages, [key]: copy };
        return true;
      }
    }
    return false;
  }

  /** The list's component is gone: late answers and timers do nothing any more. */
  dispose(): void {
    this.#disposed = true;
    this.#generation += 1;
  }

  /** The page numbers a virtual list shows right now (page 0 before it has a size). */
  visiblePages(list: VListHandle | undefined, rowHeight: number): number[] {
    this.#list = { handle: list, rowHeight };
    if (!list || this.total === 0 || this.#disposed) return [0];
    const offset = list.getScrollOffset();
    const first = list.findItemIndex(offset);
    const last = list.findItemIndex(offset + Math.max(list.getViewportSize(), rowHeight));
    const out: number[] = [];
    for (let p = Math.floor(first / this.pageSize); p <= Math.floor(last / this.pageSize); p++) out.push(p);
    return out;
  }

  /** Loads every page the list shows that the cache lacks (call it on scroll). */
  ensureVisible(list: VListHandle | undefined, rowHeight: number): void {
    for (const p of this.visiblePages(list, rowHeight)) void this.load(p);
  }
}
