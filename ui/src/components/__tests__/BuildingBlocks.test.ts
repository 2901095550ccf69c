import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import Button from "../Button.svelte";
import StatusBadge from "../StatusBadge.svelte";
import { ALL_STATUSES } from "../../lib/messageStatus";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const label = (text: string) => createRawSnippet(() => ({ render: () => `<span>${text}</span>` }));

describe("Button", () => {
  it("is a plain button by default and shows busy state", async () => {
    const { rerender } = render(Button, { props: { children: label("Save"), variant: "primary" } });
    const button = screen.getByRole("button", { name: "Save" });
    expect(button).toHaveAttribute("type", "button");
    expect(button).toHaveClass("primary");
    expect(button).not.toBeDisabled();

    await rerender({ children: label("Save"), variant: "primary", busy: true, busyLabel: "Saving…" });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute("aria-busy", "true");
    expect(button).toHaveTextContent("Saving…");
  });

  it("passes type and disabled", () => {
    render(Button, { props: { children: label("Go"), type: "submit", disabled: true, variant: "danger" } });
    const button = screen.getByRole("button", { name: "Go" });
    expect(button).toHaveAttribute("type", "submit");
    expect(button).toBeDisabled();
    expect(button).toHaveClass("danger");
  });
});

describe("StatusBadge", () => {
  it.each(ALL_STATUSES)("shows %s as words and a shape, not colour alone", (status) => {
    render(StatusBadge, { props: { status } });
    const badge = screen.getByTestId("status-badge");
    const text = badge.querySelector(".label")?.textContent ?? "";
    const icon = badge.querySelector(".icon")?.textContent ?? "";
    expect(text.length).toBeGreaterThan(2);
    expect(icon.trim().length).toBeGreaterThan(0);
    expect(badge.querySelector(".icon")).toHaveAttribute("aria-hidden", "true");
  });

  it("gives distinct words to each status", () => {
    const words = ALL_STATUSES.map((status) => {
      const { container, unmount } = render(StatusBadge, { props: { status } });
      const text = container.textContent?.trim();
      unmount();
      return text;
    });
    expect(new Set(words).size).toBe(ALL_STATUSES.length);
  });

  it("names a provider event it does not know", () => {
    render(StatusBadge, { props: { status: "enqueued" } });
    expect(screen.getByTestId("status-badge")).toHaveTextContent("Enqueued");
  });
});
