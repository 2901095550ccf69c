import { describe, expect, it } from "vitest";
import { MAX_FRAME_HEIGHT, readRegistrationMessage, stepAfter, stepForStatus } from "./registrationHints";

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
  it("follows the page: phone_verified finishes phone and code, facebook_started opens Meta", () => {
    expect(stepAfter("phone", { event: "phone_verified" })).toBe("details");
    expect(stepAfter("code", { event: "phone_verified" })).toBe("details");
    expect(stepAfter("details", { event: "facebook_started" })).toBe("meta");
    expect(stepAfter("phone", { event: "facebook_started" })).toBe("meta");
    expect(stepAfter("meta", { event: "completed" })).toBe("done");
  });

  it("keeps the Meta step on a cancelled or failed Meta signup", () => {
    expect(stepAfter("meta", { event: "cancelled" })).toBeNull();
    expect(stepAfter("meta", { event: "failed", message: "no" })).toBeNull();
    // A cancel seen before facebook_started (a replayed event) still means the page is at Meta.
    expect(stepAfter("details", { event: "cancelled" })).toBe("meta");
  });

  it("never moves backwards on a late or repeated event", () => {
    expect(stepAfter("meta", { event: "phone_verified" })).toBeNull();
    expect(stepAfter("done", { event: "facebook_started" })).toBeNull();
    expect(stepAfter("done", { event: "cancelled" })).toBeNull();
    expect(stepAfter("phone", { event: "ready" })).toBeNull();
    expect(stepAfter("phone", { event: "failed" })).toBeNull();
  });
});

describe("stepForStatus", () => {
  it("maps the provider statuses to the page's steps", () => {
    expect(stepForStatus("phone", "phone_code_sent")).toBe("code");
    expect(stepForStatus("phone", "phone_verified")).toBe("details");
    expect(stepForStatus("details", "form_completed")).toBe("meta");
    expect(stepForStatus("details", "fb_started")).toBe("meta");
    expect(stepForStatus("meta", "completed")).toBe("done");
  });

  it("never moves backwards and ignores expired", () => {
    expect(stepForStatus("meta", "phone_verified")).toBeNull();
    expect(stepForStatus("details", "started")).toBeNull();
    expect(stepForStatus("code", "expired")).toBeNull();
  });
});
