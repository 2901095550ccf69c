import { describe, expect, it, vi } from "vitest";
import { dismissible } from "./dismiss";

describe("dismissible", () => {
  it("focuses the first field, closes on Esc, and returns focus to the opener", async () => {
    const opener = document.createElement("button");
    document.body.append(opener);
    opener.focus();
    const panel = document.createElement("div");
    panel.innerHTML = `<p>x</p><input id="first" /><input id="second" />`;
    document.body.append(panel);
    const onClose = vi.fn();
    const action = dismissible(panel, { onClose });
    expect(document.activeElement?.id).toBe("first");

    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(onClose).not.toHaveBeenCalled();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(onClose).toHaveBeenCalledTimes(1);

    panel.remove();
    action.destroy();
    await Promise.resolve();
    expect(document.activeElement).toBe(opener);
    opener.remove();
  });

  it("leaves Esc alone while disabled or already handled", () => {
    const panel = document.createElement("div");
    document.body.append(panel);
    const onClose = vi.fn();
    let busy = true;
    const action = dismissible(panel, { onClose, enabled: () => !busy, focusFirstField: false });
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(onClose).not.toHaveBeenCalled();
    busy = false;
    const handled = new KeyboardEvent("keydown", { key: "Escape", cancelable: true });
    handled.preventDefault();
    window.dispatchEvent(handled);
    expect(onClose).not.toHaveBeenCalled();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(onClose).toHaveBeenCalledTimes(1);
    action.destroy();
    panel.remove();
  });

  it("gives Esc to the panel opened last, then to the one below it", () => {
    const outer = document.createElement("div");
    const inner = document.createElement("div");
    document.body.append(outer, inner);
    const closeOuter = vi.fn();
    const closeInner = vi.fn();
    const outerAction = dismissible(outer, { onClose: closeOuter, focusFirstField: false });
    const innerAction = dismissible(inner, { onClose: closeInner, focusFirstField: false });
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(closeInner).toHaveBeenCalledTimes(1);
    expect(closeOuter).not.toHaveBeenCalled();
    innerAction.destroy();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(closeOuter).toHaveBeenCalledTimes(1);
    expect(closeInner).toHaveBeenCalledTimes(1);
    outerAction.destroy();
    outer.remove();
    inner.remove();
  });
});
