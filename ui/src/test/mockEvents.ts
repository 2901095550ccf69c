// An in-memory stand-in for @tauri-apps/api/event, installed for every test file by setup.ts.
// Tests push app events with `emitAppEvent` and can check that components stop listening.

type Handler = (event: { event: string; id: number; payload: unknown }) => void;

const listeners = new Map<string, Set<Handler>>();
let nextId = 1;

/** Same shape as the real `listen`: resolves to an unlisten function. */
export async function listen<T>(event: string, handler: (event: { event: string; id: number; payload: T }) => void) {
  const set = listeners.get(event) ?? new Set<Handler>();
  listeners.set(event, set);
  const wrapped = handler as Handler;
  set.add(wrapped);
  return () => {
    set.delete(wrapped);
  };
}

/** Delivers `payload` to every current listener of `event`, like an emit from the Rust side. */
export function emitAppEvent(event: string, payload: unknown) {
  for (const handler of [...(listeners.get(event) ?? [])]) {
    handler({ event, id: nextId++, payload });
  }
}

/** How many listeners `event` has right now. */
export function listenerCount(event: string): number {
  return listeners.get(event)?.size ?? 0;
}

export function resetAppEvents() {
  listeners.clear();
}
