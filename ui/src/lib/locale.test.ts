import { describe, expect, it } from "vitest";
import { ensureUsableLanguage, isUsableLanguage } from "./locale";

describe("the webview's language", () => {
  it("keeps a real language tag", () => {
    const nav = { language: "de-DE", languages: ["de-DE"] } as unknown as Navigator;
    expect(ensureUsableLanguage(nav)).toBe("de-DE");
  });

  it("replaces the POSIX locale 'C', which Intl refuses, with en-US", () => {
    expect(isUsableLanguage("C")).toBe(false);
    const nav = { language: "C", languages: ["C"] } as unknown as Navigator;
    expect(ensureUsableLanguage(nav)).toBe("en-US");
    expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
  });
});
