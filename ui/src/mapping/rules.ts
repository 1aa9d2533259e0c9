// The datamapper's rules as the editor handles them: comparing, describing, and the values a
// lookup table's keys and entries are picked from (the live systems' own lists).
import type { BooksChoices, ChoiceList, Mapping, Rule, Source, TillChoices, Value } from "../lib/bindings";

export type RuleKind = "none" | Source["kind"];

export function sameSource(a: Source | undefined, b: Source | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function ruleOf(mapping: Mapping, target: string): Rule | undefined {
  return mapping.rules.find((r) => r.target === target);
}

/** The mapping with `target` filled by `source` (or left unfilled with `null`), in place of its old rule. */
export function withRule(mapping: Mapping, target: string, source: Source | null): Mapping {
  const rules = mapping.rules.filter((r) => r.target !== target);
  if (source) {
    const at = mapping.rules.findIndex((r) => r.target === target);
    const rule = { target, source };
    if (at < 0) rules.push(rule);
    else rules.splice(at, 0, rule);
  }
  return { rules };
}

/** A source as one line, as the merchant reads it. */
export function describe(source: Source | undefined): string {
  if (!source) return "";
  switch (source.kind) {
    case "field":
      return source.path;
    case "constant":
      return JSON.stringify(source.value);
    case "lookup":
      return `${source.table}[${describe(source.key)}]${source.default !== undefined && source.default !== null ? ` ?? ${JSON.stringify(source.default)}` : ""}`;
    case "expression":
      return source.expression;
  }
}

/** The same source written as an expression, so switching to "Expression" starts from it. */
export function asExpression(source: Source | undefined): string {
  if (!source) return "";
  switch (source.kind) {
    case "field":
      return source.path;
    case "constant":
      return source.value === null ? "null" : JSON.stringify(source.value);
    case "lookup": {
      const fallback = source.default !== undefined && source.default !== null ? `, ${JSON.stringify(source.default)}` : "";
      return `lookup(${JSON.stringify(source.table)}, ${asExpression(source.key)}${fallback})`;
    }
    case "expression":
      return source.expression;
  }
}

/** Every field path of a record (leaves only), for the expression's autocompletion. */
export function paths(value: Value, prefix: string, into: string[] = [], depth = 0): string[] {
  if (depth > 6) return into;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) paths(inner, `${prefix}.${key}`, into, depth + 1);
  } else if (Array.isArray(value)) {
    value.slice(0, 3).forEach((inner, i) => paths(inner, `${prefix}.${i}`, into, depth + 1));
  } else {
    into.push(prefix);
  }
  return into;
}

export type Choice = { value: Value; label: string };

/**
 * What a lookup table's keys or entries are picked from; `null` for free text (or while the
 * live lists could not be read).
 */
export function choices(list: ChoiceList, books: BooksChoices | null, till: TillChoices | null, deliveryWays: Record<string, string>): Choice[] | null {
  switch (list) {
    case "payment_methods":
      return till?.payment_methods.map((m) => ({ value: m.key, label: m.label })) ?? null;
    case "order_statuses":
      return till?.order_statuses.map((s) => ({ value: String(s.id), label: s.name })) ?? null;
    case "delivery_ways":
      return Object.entries(deliveryWays).map(([value, label]) => ({ value, label }));
    case "terms_of_payment":
      return books?.terms_of_payment.map((t) => ({ value: t.id, label: t.name })) ?? null;
    case "countries":
      return books?.countries.map((c) => ({ value: c.code, label: c.name })) ?? null;
    case "vat_codes":
      return books?.vat_codes.map((v) => ({ value: v.code, label: `${v.code} – ${v.description} (${v.percent}%)` })) ?? null;
    case "vat_rates":
      return books?.vat_codes.map((v) => ({ value: String(v.percent), label: `${v.percent}% (${v.code} – ${v.description})` })) ?? null;
    case "revenue_accounts":
      return books?.revenue_accounts.map((a) => ({ value: a.number, label: `${a.number} (${a.used_by.join(", ")})` })) ?? null;
    case "delivery_methods":
      return books?.delivery_methods.map((m) => ({ value: m.code, label: m.name })) ?? null;
    case "vat_percentages": {
      if (!books) return null;
      const rates = [...new Set(books.codings.map((c) => String(c.vat_percent)))];
      return rates.map((r) => ({ value: r, label: `${r}%` }));
    }
    case "tax_tariffs":
      return ["normal", "low a", "low b", "extra low", "zero"].map((t) => ({ value: t, label: t }));
    case "yes_no":
      return [
        { value: true, label: "✓" },
        { value: false, label: "✗" },
      ];
    case "text":
      return null;
  }
}

/** The text a value is compared and shown by in a picker. */
export function valueKey(value: Value | undefined): string {
  return value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
}
