import "@testing-library/jest-dom/vitest";
import { afterEach, vi } from "vitest";
import { resetAppEvents } from "./mockEvents";
import { FakeResizeObserver } from "./resizeObserver";

// No Tauri runtime under jsdom: app events go through an in-memory bus (see mockEvents.ts).
vi.mock("@tauri-apps/api/event", () => import("./mockEvents"));

// jsdom has no ResizeObserver; virtualized lists need one (see resizeObserver.ts).
globalThis.ResizeObserver ??= FakeResizeObserver as unknown as typeof ResizeObserver;

afterEach(() => {
  resetAppEvents();
  localStorage.clear();
});
