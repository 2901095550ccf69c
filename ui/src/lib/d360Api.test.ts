import { describe, expect, it } from "vitest";
import { isSignupOutcome, readMetaSignupMessage } from "./d360Api";

const ORIGIN = "http://127.0.0.1:8790";
const STATE = "st_4f2c9a";

describe("the Embedded Signup host page's messages", () => {
  const frame = {} as Window;
  const event = (data: unknown, origin = ORIGIN, source: unknown = frame) =>
    ({ data, origin, source }) as unknown as MessageEvent;
  const finish = {
    type: "wadesk.meta-signup",
    state: STATE,
    event: "FINISH",
    waba_id: "109876543210987",
    phone_number_id: "106540352242922",
    business_id: "204785643210987",
  };

  it("counts only the host frame's own messages, from its origin, about this onboarding", () => {
    expect(readMetaSignupMessage(event(finish), frame, ORIGIN, STATE)).toEqual(finish);
    expect(readMetaSignupMessage(event(finish, "https://evil.example"), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event(finish, ORIGIN, {}), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event(finish, ORIGIN, null), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event(finish), null, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event({ ...finish, state: "st_other" }), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event({ ...finish, state: undefined }), frame, ORIGIN, STATE)).toBeNull();
  });

  it("takes only the host page's type and events", () => {
    expect(readMetaSignupMessage(event({ ...finish, type: "ca.whatsapp.registration" }), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event({ ...finish, event: "height" }), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event(JSON.stringify(finish)), frame, ORIGIN, STATE)).toBeNull();
    expect(readMetaSignupMessage(event(null), frame, ORIGIN, STATE)).toBeNull();
    const cancel = { type: "wadesk.meta-signup", state: STATE, event: "CANCEL", current_step: "PHONE_NUMBER_VERIFICATION" };
    expect(readMetaSignupMessage(event(cancel), frame, ORIGIN, STATE)).toEqual(cancel);
    const blocked = { type: "wadesk.meta-signup", state: STATE, event: "popup_blocked" };
    expect(readMetaSignupMessage(event(blocked), frame, ORIGIN, STATE)).toEqual(blocked);
  });

  it("tells the core about Meta's outcomes only, not the host page's own trouble", () => {
    expect(["FINISH", "FINISH_ONLY_WABA", "CANCEL", "ERROR"].every((e) => isSignupOutcome(e as never))).toBe(true);
    expect(isSignupOutcome("popup_blocked")).toBe(false);
    expect(isSignupOutcome("host_error")).toBe(false);
  });
});
