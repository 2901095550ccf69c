/** Accounts whose never-synced template list was synced automatically in this window's life. */
export const autoSyncAttempted = new Set<string>();
