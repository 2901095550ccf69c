import { describe, expect, it } from "vitest";
import { MAX_FRAME_HEIGHT, readRegistrationMessage, stepAfter } from "./registrationHints";

const HOST = "http://127.0.0.1:47011";
const ID = "abc123def456ghi789jkl0";
const msg = (data: unknown, origin = HOST) => ({ origin, data });

describe("readRegistrationMessage", () => {
  it("accepts the documented events from the host origin", () => {
    expect(readRegistrationMessage(msg({ type: "ca.whatsapp.registration", event: "ready", registration_id: ID }), HOST, ID)).toEqual({
      event: "ready",
    });
    expect(
      readRegistrationMessage(msg({ type: "ca.whatsapp.registration", event: "failed", registration_id: ID, message: " no " }), HOST, ID),
    ).toEqual({ event: "failed", message: "no" });
  });

  it("ignores other origins, even ones that differ only by host spelling or port", () => {
    const data = { type: "ca.whatsapp.registration", event: "completed", registration_id: ID };
    for (const origin of ["tauri://localhost", "http://localhost:47011", "http://127.0.0.1:47012", "https://127.0.0.1:47011", "null"]) {
      expect(readRegistrationMessage(msg(data, origin), HOST, ID)).toBeNull();
    }
  });

  it("ignores the wrong type, unknown events, other registrations and non-objects", () => {
    expect(readRegistrationMessage(msg({ type: "other", event: "completed" }), HOST, ID)).toBeNull();
    expect(readRegistrationMessage(msg({ type: "ca.whatsapp.registration", event: "app_secret" }), HOST, ID)).toBeNull();
    expect(
      readRegistrationMessage(msg({ type: "ca.whatsapp.registration", event: "completed", registration_id: "zzz" }), HOST, ID),
    ).toBeNull();
    expect(readRegistrationMessage(msg("completed"), HOST, ID)).toBeNull();
    expect(readRegistrationMessage(msg(null), HOST, ID)).toBeNull();
  });

  it("clamps heights and drops malformed ones", () => {
    const h = (height: unknown) =>
      readRegistrationMessage(msg({ type: "ca.whatsapp.registration", event: "height", height }), HOST, ID);
    expect(h(612.2)).toEqual({ event: "height", height: 613 });
    expect(h("700")).toEqual({ event: "height", height: 700 });
    expect(h(1e9)).toEqual({ event: "height", height: MAX_FRAME_HEIGHT });
    expect(h(-5)).toBeNull();
    expect(h("tall")).toBeNull();
  });
});

describe("stepAfter", () => {
  it("moves forward on progress events and back to details on cancel", () => {
    expect(stepAfter("phone", { event: "phone_verified" })).toBe("details");
    expect(stepAfter("details", { event: "facebook_started" })).toBe("meta");
    expect(stepAfter("meta", { event: "completed" })).toBe("done");
    expect(stepAfter("meta", { event: "cancelled" })).toBe("details");
  });

  it("never moves backwards on a late or repeated event", () => {
    expect(stepAfter("meta", { event: "phone_verified" })).toBeNull();
    expect(stepAfter("done", { event: "facebook_started" })).toBeNull();
    expect(stepAfter("phone", { event: "ready" })).toBeNull();
  });
});
