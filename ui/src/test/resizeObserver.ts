// jsdom has no layout and no ResizeObserver. Virtualized lists (virtua) need one to learn their
// viewport size, so this stand-in reports every observed element as VIEWPORT_WIDTH × VIEWPORT_HEIGHT
// once, asynchronously, like a browser's first observation. Items have no offsetParent in jsdom, so
// virtua keeps their estimated size.

export const VIEWPORT_WIDTH = 1000;
export const VIEWPORT_HEIGHT = 600;

export class FakeResizeObserver {
  private readonly callback: ResizeObserverCallback;
  private observed = new Set<Element>();

  constructor(callback: ResizeObserverCallback) {
    this.callback = callback;
  }

  observe(target: Element) {
    this.observed.add(target);
    queueMicrotask(() => {
      if (!this.observed.has(target)) return;
      const contentRect = { width: VIEWPORT_WIDTH, height: VIEWPORT_HEIGHT, top: 0, left: 0, bottom: VIEWPORT_HEIGHT, right: VIEWPORT_WIDTH, x: 0, y: 0 };
      const entry = { target, contentRect, borderBoxSize: [], contentBoxSize: [], devicePixelContentBoxSize: [] };
      this.callback([entry as unknown as ResizeObserverEntry], this as unknown as ResizeObserver);
    });
  }

  unobserve(target: Element) {
    this.observed.delete(target);
  }

  disconnect() {
    this.observed.clear();
  }
}
