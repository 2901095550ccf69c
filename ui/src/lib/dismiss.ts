/**
 * Panels and dialogs: Esc closes them, and focus goes back to what opened them.
 *
 * `dismissible` is a Svelte action for the panel's root element. On mount it remembers the element
 * that had focus (the button that opened the panel) and, unless told otherwise, focuses the first
 * field inside. Esc anywhere in the window calls `onClose` — unless a nested dialog or an open
 * native control already handled it (`defaultPrevented`), or `enabled()` says no (e.g. while a
 * save is in flight). When the panel unmounts, focus returns to the remembered element if it is
 * still in the page. When panels are open inside one another (a confirmation over an edit
 * panel), Esc belongs to the one opened last: the others ignore it until it is gone.
 */
export type DismissOptions = {
  onClose: () => void;
  /** Whether Esc may close it right now (default: always). */
  enabled?: () => boolean;
  /** Focus the first input, select or textarea inside on mount (default true). */
  focusFirstField?: boolean;
};

/** Open panels, oldest first; only the last one answers Esc. */
const open: HTMLElement[] = [];

const FIELD_SELECTOR = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

export function dismissible(node: HTMLElement, options: DismissOptions) {
  let current = options;
  open.push(node);
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  if (current.focusFirstField !== false) {
    const first = node.querySelector<HTMLElement>(FIELD_SELECTOR);
    first?.focus();
  }
  function onKeydown(event: KeyboardEvent) {
    if (event.key !== "Escape" || event.defaultPrevented || open[open.length - 1] !== node) return;
    if (current.enabled && !current.enabled()) return;
    event.preventDefault();
    current.onClose();
  }
  window.addEventListener("keydown", onKeydown);
  return {
    update(next: DismissOptions) {
      current = next;
    },
    destroy() {
      window.removeEventListener("keydown", onKeydown);
      open.splice(open.indexOf(node), 1);
      // After the DOM settles: the opener may be re-rendered in the same tick.
      queueMicrotask(() => {
        if (opener && opener.isConnected) opener.focus();
      });
    },
  };
}
