// Bursts of store events (a bulk send can produce a thousand status changes a second) are folded
// into one reload: the first item opens a window of `delayMs`, everything pushed inside it is
// flushed together at its end, so a screen reloads at most once per window.

export type Batcher<T> = { push: (item: T) => void; cancel: () => void };

export function createBatcher<T>(flush: (items: T[]) => void, delayMs = 100): Batcher<T> {
  let items: T[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    push(item: T) {
      items.push(item);
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        const batch = items;
        items = [];
        flush(batch);
      }, delayMs);
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      items = [];
    },
  };
}
