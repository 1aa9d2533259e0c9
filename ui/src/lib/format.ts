// How numbers, money and times are shown: money always with two decimals, from the engine's
// Decimal strings (or numbers) as they come; never rounded through a float for arithmetic.
import { locale } from "svelte-i18n";
import { get } from "svelte/store";

function current(): string {
  return get(locale) === "nl" ? "nl-NL" : "en-GB";
}

/** "12.50" from "12.5", 12.5 or "12.500"; an empty string for nothing. */
export function money(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  return new Intl.NumberFormat(current(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return "";
  return new Intl.DateTimeFormat(current(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

export function time(value: string): string {
  return new Intl.DateTimeFormat(current(), { dateStyle: "short", timeStyle: "medium" }).format(new Date(value));
}

/** "28 Nov" for a chart axis, from "2026-11-28". */
export function shortDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(current(), { day: "numeric", month: "short" }).format(new Date(y, m - 1, d));
}

/** "in 4 min", "3 min ago": relative to now. */
export function relative(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "";
  const seconds = Math.round((new Date(value).getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(current(), { numeric: "auto", style: "short" });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(seconds, "second");
  if (abs < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86400), "day");
}
