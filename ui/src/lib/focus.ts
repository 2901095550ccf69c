/** Svelte action: focus (and select) an element as soon as it is mounted. */
export function focusOnMount(node: HTMLElement): void {
  node.focus();
  if (node instanceof HTMLInputElement) node.select();
}
