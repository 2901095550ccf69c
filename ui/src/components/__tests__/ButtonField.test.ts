import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { createRawSnippet } from "svelte";
import Button from "../Button.svelte";
import Field, { type FieldControl } from "../Field.svelte";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const label = (text: string) => createRawSnippet(() => ({ render: () => `<span>${text}</span>` }));

describe("Button variants", () => {
  it.each(["primary", "secondary", "danger", "quiet"] as const)("renders the %s variant styled, never bare", (variant) => {
    render(Button, { props: { children: label("Go"), variant } });
    const button = screen.getByRole("button", { name: "Go" });
    expect(button).toHaveClass("btn", variant);
  });

  it("is secondary by default, so no button renders as the browser's grey default", () => {
    render(Button, { props: { children: label("Go") } });
    expect(screen.getByRole("button", { name: "Go" })).toHaveClass("btn", "secondary");
  });

  it("does nothing while busy or disabled, and says it is busy", async () => {
    const onclick = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(Button, { props: { children: label("Save"), onclick } });
    const button = screen.getByRole("button", { name: "Save" });
    await user.click(button);
    expect(onclick).toHaveBeenCalledTimes(1);

    await rerender({ children: label("Save"), onclick, busy: true, busyLabel: "Saving…" });
    expect(button).toHaveTextContent("Saving…");
    expect(button).toHaveAttribute("aria-busy", "true");
    expect(button.querySelector(".spinner")).toHaveAttribute("aria-hidden", "true");
    await user.click(button);

    await rerender({ children: label("Save"), onclick, busy: false, disabled: true });
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent("Save");
    expect(button).not.toHaveAttribute("aria-busy");
    await user.click(button);
    expect(onclick).toHaveBeenCalledTimes(1);
  });
});

const input = createRawSnippet((control: () => FieldControl) => ({
  render: () =>
    `<input id="${control().id}" aria-invalid="${control()["aria-invalid"] ?? "false"}" aria-describedby="${control()["aria-describedby"] ?? ""}">`,
}));

describe("Field", () => {
  it("shows its error under the input and ties it to the input", () => {
    render(Field, { props: { id: "url", label: "Base URL", hint: "The API's address.", error: "Not an address.", children: input } });
    const field = screen.getByLabelText("Base URL");
    expect(field).toHaveAccessibleDescription("The API's address. Not an address.");
    expect(screen.getByTestId("field-error")).toHaveAttribute("data-for", "url");
  });

  it("shows a warning only when there is no error", async () => {
    const { rerender } = render(Field, { props: { id: "url", label: "Base URL", warning: "Plain http.", children: input } });
    expect(screen.getByTestId("field-warning")).toHaveTextContent("Plain http.");
    expect(screen.getByLabelText("Base URL")).toHaveAccessibleDescription("Plain http.");

    await rerender({ id: "url", label: "Base URL", warning: "Plain http.", error: "Not an address.", children: input });
    expect(screen.queryByTestId("field-warning")).not.toBeInTheDocument();
    expect(screen.getByTestId("field-error")).toHaveTextContent("Not an address.");
  });
});
