// English and Dutch. The language follows the merchant's setting once it is loaded; until then
// the system language decides.
import { addMessages, init, locale } from "svelte-i18n";
import en from "./en.json";
import nl from "./nl.json";
import type { Language } from "../bindings";

addMessages("en", en);
addMessages("nl", nl);

export function setupI18n(): void {
  const system = typeof navigator !== "undefined" && navigator.language?.startsWith("nl") ? "nl" : "en";
  init({ fallbackLocale: "en", initialLocale: system });
}

export function useLanguage(language: Language): void {
  locale.set(language);
}
