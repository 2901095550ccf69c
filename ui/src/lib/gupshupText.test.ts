import { describe, expect, it } from "vitest";
import { GUPSHUP_STEPS, gupshupPhone, gupshupStepState, reportedPipeline } from "./gupshupText";

const states = (stage: Parameters<typeof gupshupStepState>[1]) => GUPSHUP_STEPS.map((s) => gupshupStepState(s.key, stage));

describe("Gupshup's link steps", () => {
  it("move forward with the stage, with the pipeline's error on its own step", () => {
    expect(states("provisioning")).toEqual(["done", "current", "todo", "todo", "todo"]);
    expect(states("pipeline_error")).toEqual(["done", "error", "todo", "todo", "todo"]);
    expect(states("awaiting_live")).toEqual(["done", "done", "current", "todo", "todo"]);
    expect(states("live")).toEqual(["done", "done", "done", "current", "todo"]);
    expect(states("connected")).toEqual(["done", "done", "done", "done", "done"]);
  });

  it("list only the pipeline fields Gupshup reported, by its names", () => {
    expect(reportedPipeline(null)).toEqual([]);
    const p = {
      creationStage: "ERROR",
      embedStage: "",
      pipeLineStage: "CREATE_DOCKER",
      uiFormStage: null,
      whatsappVerificationStatus: "PN_DN_APPROVED",
    };
    expect(reportedPipeline(p)).toEqual([
      { label: "creationStage", value: "ERROR" },
      { label: "pipeLineStage", value: "CREATE_DOCKER" },
      { label: "whatsappVerificationStatus", value: "PN_DN_APPROVED" },
    ]);
  });

  it("shows numbers with their plus", () => {
    expect(gupshupPhone("15557654321")).toBe("+15557654321");
    expect(gupshupPhone("")).toBe("");
  });
});
