import "@testing-library/jest-dom/vitest";
import { afterEach, vi } from "vitest";
import { resetAppEvents } from "./mockEvents";

// No Tauri runtime under jsdom: app events go through an in-memory bus (see mockEvents.ts).
vi.mock("@tauri-apps/api/event", () => import("./mockEvents"));

afterEach(() => {
  resetAppEvents();
});
