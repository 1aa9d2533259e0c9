// The five flows in their fixed order, with the schedules a merchant can choose from.
import type { FlowKind, FlowSchedule } from "./bindings";

export const FLOWS: FlowKind[] = ["orders", "products", "stock", "customers", "categories"];

/** The flows with a mapping the merchant can edit (stock has none). */
export const MAPPED_FLOWS: FlowKind[] = ["orders", "products", "customers", "categories"];

/** The schedules offered, in seconds: every minute up to once a day. */
export const INTERVALS = [60, 300, 900, 1800, 3600, 14400, 86400];

/** What the wizard proposes before the merchant went live: the orders flow, every 5 minutes. */
export function proposedSchedules(stored: FlowSchedule[]): FlowSchedule[] {
  if (stored.some((s) => s.enabled)) return stored;
  return stored.map((s) => (s.flow === "orders" ? { ...s, enabled: true } : s));
}
