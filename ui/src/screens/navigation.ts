// The unlocked app's screens, in sidebar order, and the remembered account choice.

export type ScreenId = "inbox" | "templates" | "send" | "contacts" | "bulk" | "history" | "accounts" | "settings";

export type NavItem = { id: ScreenId; label: string; icon: string; testId: string };

export const NAV_ITEMS: readonly NavItem[] = [
  { id: "inbox", label: "Inbox", icon: "✉", testId: "inbox" },
  { id: "templates", label: "Templates", icon: "▤", testId: "templates" },
  { id: "send", label: "Send", icon: "➤", testId: "send" },
  { id: "contacts", label: "Contacts", icon: "☷", testId: "contacts" },
  { id: "bulk", label: "Bulk send", icon: "⇶", testId: "bulk" },
  { id: "history", label: "Send history", icon: "☰", testId: "history" },
  { id: "accounts", label: "Accounts", icon: "◎", testId: "accounts" },
  { id: "settings", label: "Settings", icon: "⚙", testId: "settings" },
];

const SELECTED_ACCOUNT_KEY = "wadesk.selectedAccount";

/** The account id chosen last time, if storage works. */
export function loadSelectedAccount(): string | null {
  try {
    return localStorage.getItem(SELECTED_ACCOUNT_KEY);
  } catch {
    return null;
  }
}

export function saveSelectedAccount(id: string): void {
  try {
    localStorage.setItem(SELECTED_ACCOUNT_KEY, id);
  } catch {
    // Storage refused (private mode, quota): the choice lasts until the window closes.
  }
}
