// The webview's language comes from the system locale. Under LANG=C (a server, a CI machine, a
// minimal desktop) WebKitGTK reports navigator.language "C", which is no BCP 47 tag: libraries
// that pass it to Intl (uPlot does, when it loads) throw "invalid language tag". Such a value is
// replaced by "en-US" once, at start-up, before anything reads it.

/** Whether `tag` is a language tag Intl accepts. */
export function isUsableLanguage(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

/** Makes `navigator.language` a tag Intl accepts; returns the value now in effect. */
export function ensureUsableLanguage(nav: Navigator = navigator): string {
  if (isUsableLanguage(nav.language)) return nav.language;
  Object.defineProperty(nav, "language", { value: "en-US", configurable: true });
  Object.defineProperty(nav, "languages", { value: ["en-US"], configurable: true });
  return nav.language;
}
