// English and Dutch. The language follows the merchant's setting once it is loaded; until then
// the system language decides.
import { addMessages, init, json, locale } from "svelte-i18n";
import { derived } from "svelte/store";
import en from "./en.json";
import nl from "./nl.json";
import type { Language, Message } from "../bindings";

addMessages("en", en);
addMessages("nl", nl);

export function setupI18n(): void {
  const system = typeof navigator !== "undefined" && navigator.language?.startsWith("nl") ? "nl" : "en";
  init({ fallbackLocale: "en", initialLocale: system });
}

export function useLanguage(language: Language): void {
  locale.set(language);
}

/** `template` with each `{name}` filled in from `params` (the engine's own template syntax:
 * plain names in braces, no ICU, so an apostrophe stays an apostrophe); a name without a
 * value stays as it is. The Rust twin is `engine::messages::fill`. */
export function fill(template: string, params: Partial<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/** What the engine said, in the merchant's language: its message (key and parameters) from the
 * `engine` texts of the message files, else the engine's English `reason`. */
export const engineText = derived(json, ($json) => (reason: string, message: Message | null | undefined): string => {
  if (!message) return reason;
  const template = $json(`engine.${message.key}`);
  return typeof template === "string" ? fill(template, message.params ?? {}) : reason;
});
