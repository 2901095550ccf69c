import { describe, expect, it } from "vitest";
import type { D360Stage } from "./d360Api";
import { D360_STEPS, phoneText, stageText, stepState } from "./d360Text";

const states = (stage: D360Stage) => D360_STEPS.map((s) => stepState(stage, s.key));

describe("360dialog stage list and text", () => {
  it("marks the items before the stage done, the stage current, and the rest to do", () => {
    expect(states("signup")).toEqual(["current", "todo", "todo", "todo", "todo", "todo", "todo"]);
    expect(states("channel_ready")).toEqual(["done", "done", "done", "current", "todo", "todo", "todo"]);
    expect(states("channel_submitted")).toEqual(["done", "done", "current", "todo", "todo", "todo", "todo"]);
    expect(states("connected")).toEqual(Array(7).fill("done"));
  });

  it("marks where a stopped onboarding stopped", () => {
    expect(states("cancelled")[0]).toBe("error");
    expect(states("signup_error")[0]).toBe("error");
    expect(states("submit_failed").slice(0, 2)).toEqual(["done", "error"]);
  });

  it("says where the customer closed Meta's signup", () => {
    expect(stageText({ stage: "cancelled", stage_detail: "PHONE_NUMBER_VERIFICATION" })).toBe(
      "You closed Meta's signup at phone number verification. Start it again when ready.",
    );
    expect(stageText({ stage: "submitted", stage_detail: null })).toBe(
      "Number submitted. Waiting for 360dialog to create the channel…",
    );
  });

  it("shows the number with one plus", () => {
    expect(phoneText("+4915112345678")).toBe("+4915112345678");
    expect(phoneText("4915112345678")).toBe("+4915112345678");
  });
});
