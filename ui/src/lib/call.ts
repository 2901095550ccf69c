// The one way the webview calls the core: every command rejects with a normalised ApiError, so
// callers branch on `code` (and `field`) alone.

import { type InvokeArgs, invoke } from "@tauri-apps/api/core";
import { toApiError } from "./apiError";

export async function call<T>(command: string, args: InvokeArgs = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}
