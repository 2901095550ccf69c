import { invoke } from "@tauri-apps/api/core";
import { vi } from "vitest";

// Test files must also call vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() })).

type Handler = (args: Record<string, unknown>) => unknown;

/** Routes mocked `invoke` calls by command name; an unexpected command rejects like the core would. */
export function routeCommands(handlers: Record<string, Handler>) {
  const mocked = vi.mocked(invoke);
  mocked.mockImplementation(async (command: string, args?: unknown) => {
    const handler = handlers[command];
    if (!handler) throw { code: "internal", message: `unexpected command ${command}` };
    return handler((args ?? {}) as Record<string, unknown>);
  });
  return mocked;
}

/** The names of the commands invoked so far, in order. */
export function invokedCommands(): string[] {
  return vi.mocked(invoke).mock.calls.map(([command]) => command);
}

/** A promise plus its resolver, to hold a command "pending" while a test looks at the UI. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
