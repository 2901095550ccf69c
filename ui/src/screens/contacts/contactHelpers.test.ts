import { describe, expect, it } from "vitest";
import { contact } from "../../test/bulk";
import { draftOf, editOf, errorKey } from "./contactForm";
import { delimiterLabel, encodingLabel, fieldNameFor, mappingProblem, splitList, targetFor } from "./importMapping";

describe("import mapping", () => {
  it("names a custom field after its header", () => {
    expect(fieldNameFor("Customer No.")).toBe("customer_no");
    expect(fieldNameFor("Straße")).toBe("strasse");
    expect(fieldNameFor("Größe")).toBe("grosse");
    expect(fieldNameFor("2nd phone")).toBe("field_2nd_phone");
    expect(fieldNameFor("★")).toBe("field");
  });

  it("keeps a custom field's name when switching away and back only if it stayed a field", () => {
    expect(targetFor("field", "City", { to: "ignore" })).toEqual({ to: "field", name: "city" });
    expect(targetFor("field", "City", { to: "field", name: "town" })).toEqual({ to: "field", name: "town" });
    expect(targetFor("tags", "City", { to: "field", name: "town" })).toEqual({ to: "tags" });
  });

  it("needs exactly one phone column and well-named, distinct custom fields", () => {
    expect(mappingProblem([{ to: "name" }])).toMatch(/phone numbers/);
    expect(mappingProblem([{ to: "phone" }, { to: "phone" }])).toMatch(/Only one column/);
    expect(mappingProblem([{ to: "phone" }, { to: "field", name: "" }])).toBe("Give every custom field a name.");
    expect(mappingProblem([{ to: "phone" }, { to: "field", name: "Stadt" }])).toMatch(/cannot be a field name/);
    expect(mappingProblem([{ to: "phone" }, { to: "field", name: "name" }])).toMatch(/column choice of its own/);
    expect(mappingProblem([{ to: "phone" }, { to: "field", name: "city" }, { to: "field", name: "city" }])).toMatch(/Two columns/);
    expect(mappingProblem([{ to: "phone" }, { to: "field", name: "city" }, { to: "ignore" }])).toBeNull();
  });

  it("splits tag lists and names encodings and delimiters", () => {
    expect(splitList(" vip, spring ,vip,\nfair,, ")).toEqual(["vip", "spring", "fair"]);
    expect(encodingLabel("latin-1")).toBe("Latin-1");
    expect(delimiterLabel("\t")).toBe("tabs");
  });
});

describe("contact form", () => {
  it("sends only the parts that changed", () => {
    const anna = contact({ tags: ["vip", "spring"] });
    const draft = draftOf(anna);
    expect(editOf(anna, draft)).toEqual({});
    expect(editOf(anna, { ...draft, tags: "spring, vip" })).toEqual({});
    expect(editOf(anna, { ...draft, first_name: " Ann ", tags: "vip" })).toEqual({ first_name: "Ann", tags: ["vip"] });
    expect(editOf(anna, { ...draft, fields: { city: "", zip: "10115" } })).toEqual({ fields: { city: "", zip: "10115" } });
    expect(editOf(anna, { ...draft, opted_out: true })).toEqual({ opted_out: true });
  });

  it("places core field errors at their inputs", () => {
    expect(errorKey("phone")).toBe("phone");
    expect(errorKey("fields.city")).toBe("field-city");
    expect(errorKey("account_id")).toBeNull();
  });
});
