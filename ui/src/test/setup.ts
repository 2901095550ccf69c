import "@testing-library/jest-dom/vitest";
import { afterEach, vi } from "vitest";
import { resetAppEvents } from "./mockEvents";
import { FakeResizeObserver } from "./resizeObserver";

// No Tauri runtime under jsdom: app events go through an in-memory bus (see mockEvents.ts).
vi.mock("@tauri-apps/api/event", () => import("./mockEvents"));

// jsdom has no ResizeObserver; virtualized lists need one (see resizeObserver.ts).
globalThis.ResizeObserver ??= FakeResizeObserver as unknown as typeof ResizeObserver;
// …nor Element.scrollTo, which virtua calls to jump (e.g. back to the top after a filter change).
if (typeof Element.prototype.scrollTo !== "function") {
  Element.prototype.scrollTo = function scrollTo(this: Element, x?: ScrollToOptions | number, y?: number) {
    if (typeof x === "object" && x !== null) {
      if (x.top !== undefined) this.scrollTop = x.top;
      if (x.left !== undefined) this.scrollLeft = x.left;
    } else if (typeof x === "number") {
      this.scrollLeft = x;
      if (y !== undefined) this.scrollTop = y;
    }
  } as Element["scrollTo"];
}

afterEach(() => {
  resetAppEvents();
  localStorage.clear();
});
