// Shared by the browser tests: serve the harness build, start headless Chromium (Debian's), and
// open the UI with the IPC answers a test gives. The mocked shell keeps a little state (the
// connections, the failed list, the schedules) so that a test can walk through a story.
import { before, after } from "node:test";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../dist-harness/", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json" };

async function serveHarness() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path === "/" ? "tests/harness/index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export const flows = ["orders", "products", "stock", "customers", "categories"];

export const defaultSettings = { paused: false, start_at_login: true, log_retention_days: 90, notifications: true, language: "en" };
export const defaultStatus = {
  paused: false,
  enabled_flows: [],
  running_flows: [],
  connections: [],
  failed_records: 0,
  secret_backend: { kind: "os_keyring", name: "the Secret Service keyring" },
  data_dir: "/tmp/x",
};
export const okHealth = { state: "ok", running: [], failures_needing_merchant: 0, connection_problems: [], stopped_runs: [] };

export function connection(system, mode, name) {
  return { system, mode, name, connected_at: "2026-11-28T08:00:00Z", problem: null };
}
export const demoConnections = [
  connection("eaccounting", "demo", "Koffiebranderij De Gouden Boon B.V."),
  connection("salespos", "demo", "De Gouden Boon"),
];
/** A merchant who went live on the demo systems with the orders flow. */
export const liveStatus = { ...defaultStatus, enabled_flows: ["orders"], connections: demoConnections };

export const schedulesOff = flows.map((flow) => ({ flow, enabled: false, interval_seconds: 300 }));

export const booksChoices = {
  company_name: "Koffiebranderij De Gouden Boon B.V.",
  country_code: "NL",
  currency_code: "EUR",
  terms_of_payment: [
    { id: "11111111-0000-4000-8000-000000000001", name: "Contant", days: 0, paid_at_once: true },
    { id: "11111111-0000-4000-8000-000000000002", name: "Pin", days: 0, paid_at_once: true },
    { id: "11111111-0000-4000-8000-000000000003", name: "14 dagen", days: 14, paid_at_once: false },
  ],
  vat_codes: [
    { id: null, code: "1", description: "Btw hoog", percent: "21" },
    { id: null, code: "2", description: "Btw laag", percent: "9" },
    { id: null, code: "0", description: "Btw 0%", percent: "0" },
  ],
  codings: [
    { id: "22222222-0000-4000-8000-000000000001", name: "Omzet hoog", kind: "Goods", vat_percent: "21", accounts: { domestic: 8000, domestic_vat_exempt: 8001, within_eu: 8002, within_eu_vat_exempt: 8003, outside_eu: 8004 } },
    { id: "22222222-0000-4000-8000-000000000002", name: "Omzet laag", kind: "Goods", vat_percent: "9", accounts: { domestic: 8100, domestic_vat_exempt: 8101, within_eu: 8102, within_eu_vat_exempt: 8103, outside_eu: 8104 } },
  ],
  revenue_accounts: [
    { number: 8000, used_by: ["Omzet hoog"] },
    { number: 8002, used_by: ["Omzet hoog"] },
    { number: 8100, used_by: ["Omzet laag"] },
  ],
  units: [{ id: "33333333-0000-4000-8000-000000000001", name: "Stuk" }],
  delivery_methods: [{ code: "AFH", name: "Afhalen" }, { code: "PNL", name: "PostNL" }],
  countries: [
    { code: "BE", name: "Belgium", eu_member: true },
    { code: "DE", name: "Germany", eu_member: true },
    { code: "NL", name: "Netherlands", eu_member: true },
  ],
  article_labels: ["Koffie", "Servies", "Thee"],
};

export const tillChoices = {
  shop_name: "De Gouden Boon",
  currency_code: "EUR",
  prices_include_vat: true,
  order_statuses: [
    { id: 1, name: "New" },
    { id: 4, name: "Wait for payment" },
    { id: 7, name: "Completed" },
    { id: 8, name: "Cancelled" },
  ],
  payment_methods: [
    { key: "cash", label: "Contant" },
    { key: "pin", label: "Pin" },
  ],
  categories: [{ id: 501, name: "Koffie" }, { id: 502, name: "Thee" }],
};

/** The catalogue flows' answers as the engine ships them. */
export const catalogAnswers = {
  products: {
    direction: "books_to_pos",
    update: { name: true, shortdescription: true, description: false, price: true, taxtariff: true, eannumber: true, unit: false, active: true, categories: true },
    filters: { only_active: true, labels: [], only_stock_articles: false, sku_prefix: null, expression: null },
    categories: true,
    to_books: { coding_by_tariff: {}, unit_id: null, update: { Name: true, Note: false, price: true, Barcode: true, IsActive: true } },
  },
  stock: { calculation: "available", safety_margin: "0", manage_stock: true, never_negative: true, sku_prefix: null },
  customers: { direction: "pos_to_books", from_accounts: true, from_orders: true, orders_since: null, update_existing: false, defaults: {}, to_pos: { create: true, update_existing: false, group_id: null } },
  categories: { update_existing: true, parent_category_id: null },
};

export const debtor = { id: "44444444-0000-4000-8000-000000000001", number: "1", name: "Kassaverkoop", email: null, private_person: true };

export const ordersAnswers = {
  settings: {
    only_paid: true,
    new_sales_check_seconds: 15,
    start_date: "2026-11-28",
    recheck_days: 3,
    store_id: null,
    document: "invoice",
    reference_field: "your_reference",
    customers: "default_debtor",
    default_debtor: debtor.id,
    update_existing_customers: false,
    customer_defaults: { postal_code: null, city: null, country_code: null, terms_of_payment_id: null },
    create_missing_articles: false,
    new_article_coding_id: null,
    new_article_unit_id: null,
    shipping_article: "VERZEND",
    extra_costs_article: null,
    refunds: "skip",
    shorten_long_texts: false,
    deposit_article: null,
    foreign_business_sales: "vat_where_handed_over",
  },
  lookups: {
    pos_status_include: { entries: { 7: true }, default: false },
    payment_method_reference: { entries: { cash: "Contant (kassa)", pin: "Pin (kassa)" } },
    payment_method_terms: { entries: { pin: "11111111-0000-4000-8000-000000000002" } },
    delivery_method: { entries: {} },
  },
};

/** A text, number or id field of eAccounting, as the engine describes it. */
function spec(name, kind, extra = {}) {
  return { name, kind, format: null, max_length: null, allowed: null, read_only: false, nullable: true, description: null, ...extra };
}

const lookupRule = (target, table, path) => ({ target, source: { kind: "lookup", table, key: { kind: "field", path }, default: null } });

/** The orders flow's mappings as the engine's editor gives them (a few fields of each). */
export function ordersMappings() {
  const document = [
    lookupRule("OurReference", "payment_method_reference", "order.paymethod"),
    lookupRule("TermsOfPaymentId", "payment_method_terms", "order.paymethod"),
    { target: "DeliveryCity", source: { kind: "field", path: "delivery.city" } },
  ];
  const customer = [
    { target: "Name", source: { kind: "expression", expression: "left(coalesce(address.company, address.full_name), 50)" } },
    { target: "EmailAddress", source: { kind: "field", path: "customer.email" } },
    { target: "IsCompany", source: { kind: "expression", expression: "!is_empty(address.company)" } },
  ];
  return {
    flow: "orders",
    sets: [
      {
        set: "order_document",
        target: "eAccounting's invoice draft",
        writes: "eaccounting",
        shared_with: [],
        roots: [
          { name: "order", description: "the POS order (with store_id)" },
          { name: "customer", description: "the order's customer" },
          { name: "address", description: "the customer's billing address" },
          { name: "delivery", description: "the order's delivery address" },
        ],
        readable: ["order", "customer", "address", "delivery"],
        fields: [
          { spec: spec("BuyersOrderReference", "text", { max_length: 35 }), reserved: null },
          { spec: spec("DeliveryCity", "text", { max_length: 50 }), reserved: null },
          { spec: spec("OurReference", "text", { max_length: 100 }), reserved: null },
          { spec: spec("RotReducedInvoicingType", "integer", { allowed: [0, 1, 2] }), reserved: null },
          { spec: spec("TermsOfPaymentId", "text", { format: "uuid" }), reserved: null },
          { spec: spec("YourReference", "text", { max_length: 100 }), reserved: "PosBridge puts its reference to the till sale there (\"POS 1/1042\") and finds its bookings by it; any other value would book sales twice" },
        ],
        mapping: { rules: document },
        default_mapping: { rules: structuredClone(document) },
        customized: false,
      },
      {
        set: "order_customer",
        target: "eAccounting's customer",
        writes: "eaccounting",
        shared_with: ["customers"],
        roots: [{ name: "order", description: "the POS order" }, { name: "customer", description: "the order's customer" }, { name: "address", description: "the customer's billing address" }],
        readable: ["customer", "address"],
        fields: [
          { spec: spec("EmailAddress", "text", { max_length: 255 }), reserved: null },
          { spec: spec("IsCompany", "boolean"), reserved: null },
          { spec: spec("Name", "text", { max_length: 50 }), reserved: null },
        ],
        mapping: { rules: customer },
        default_mapping: { rules: structuredClone(customer) },
        customized: false,
      },
    ],
    lookups: structuredClone(ordersAnswers.lookups),
    tables: [
      { name: "payment_method_reference", title: "payment method -> our reference", keys: "payment_methods", values: "text" },
      { name: "payment_method_terms", title: "payment method -> terms of payment", keys: "payment_methods", values: "terms_of_payment" },
    ],
    functions: [
      { name: "concat", usage: "concat(a, b, ...)", summary: "the arguments joined as text", min_arguments: 1, max_arguments: null },
      { name: "coalesce", usage: "coalesce(a, b, ...)", summary: "the first argument that is not empty", min_arguments: 1, max_arguments: null },
      { name: "left", usage: "left(s, n)", summary: "the first n characters of s", min_arguments: 2, max_arguments: 2 },
      { name: "upper", usage: "upper(s)", summary: "s in capitals", min_arguments: 1, max_arguments: 1 },
    ],
  };
}

/** Two recent till sales to preview on. */
export const mappingSamples = [
  { id: "5001", label: "POS order 17", detail: "12.95 EUR · pin · 2026-11-28 09:12" },
  { id: "5002", label: "POS order 18", detail: "4.50 EUR · ideal · 2026-11-28 09:30" },
];
export const sampleRecords = {
  5001: { order: { id: 5001, ordernumber: 17, paymethod: "pin", paymethod_label: "Pin", total_price: 12.95, store_id: "1" }, customer: { email: null }, address: { city: null, company: null, full_name: null }, delivery: { city: null } },
  5002: { order: { id: 5002, ordernumber: 18, paymethod: "ideal", paymethod_label: "iDEAL", total_price: 4.5, store_id: "1" }, customer: { email: "anna@example.com" }, address: { city: "Utrecht", company: null, full_name: "Anna de Vries" }, delivery: { city: "Utrecht" } },
};

/** A reconciliation of one day (or a period), with the till's sales and the books' documents. */
export function reconciliation({ from = "2026-11-28", to = from, differences = [], till = ["3", "54.85", "9.52"], books = ["3", "54.85", "9.52"] } = {}) {
  const amounts = ([count, gross, vat]) => ({ count: Number(count), gross, vat });
  const days = [];
  for (let d = new Date(`${from}T12:00:00Z`); d <= new Date(`${to}T12:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    const mine = differences.filter((x) => x.day === day).length;
    days.push({ day, till: amounts(till), books: amounts(books), differences: mine });
  }
  return {
    from,
    to,
    document: "invoice",
    till: amounts(till),
    books: amounts(books),
    days,
    by_vat: [
      { percent: "9", till: amounts(["2", "17.40", "1.44"]), books: amounts(["2", "17.40", "1.44"]) },
      { percent: "21", till: amounts(["2", "37.45", "8.08"]), books: amounts(["1", "24.50", "4.25"]) },
    ],
    by_payment: [
      { method: "cash", label: "Contant", till: amounts(["1", "4.50", "0.37"]), books: amounts(["1", "4.50", "0.37"]) },
      { method: "pin", label: "Pin", till: amounts(["2", "50.35", "9.15"]), books: amounts(["1", "37.40", "6.90"]) },
      { method: null, label: null, till: amounts(["0", "0", "0"]), books: amounts(["1", "10.00", "1.74"]) },
    ],
    differences,
    not_for_the_books: 1,
    balanced: differences.length === 0,
  };
}

/** The three differences of the issue's story: a failed sale, a deleted booking, a hand booking. */
export function storyDifferences(day = "2026-11-28") {
  const sale = (id, label, gross, payment) => ({ order_id: id, label, reference: `POS 1/${label.split(" ").pop()}`, at: `${day}T09:00:00Z`, day, payment, payment_label: null, gross, vat: "0", by_rate: [] });
  return [
    { kind: "not_booked", day, sale: sale(5001, "POS order 17", "12.95", "pin"), documents: [], till: "12.95", books: "0", explanation: "PosBridge could not book it: Article POS-KOFFIE-TG does not exist in Visma eAccounting.", failed_record: 41, activity_event: 900 },
    { kind: "not_booked", day, sale: sale(5003, "POS order 19", "24.50", "pin"), documents: [], till: "24.50", books: "0", explanation: "PosBridge booked it as invoice 1003, but no invoice in eAccounting carries its reference 'POS 1/19' any more: it was deleted there. Book the sale again by hand in eAccounting (PosBridge does not book a sale twice).", failed_record: null, activity_event: 901 },
    { kind: "booked_by_someone_else", day, sale: null, documents: [{ id: "99999999-0000-4000-8000-000000000001", label: "invoice 1009", reference: "Kassa middag", date: day, customer_id: "44444444-0000-4000-8000-000000000001", customer_name: "Kassaverkoop", gross: "10.00", vat: "1.74", by_rate: [] }], till: "0", books: "10.00", explanation: "invoice 1009 for Kassaverkoop was not booked by PosBridge (it is on the till's debtor); the books have 10.00 more than the till.", failed_record: null, activity_event: null },
  ];
}

export function counts(created = 0, updated = 0, skipped = 0, failed = 0) {
  return { created, updated, skipped, failed };
}

/** A dry run of the orders flow: one booking, one skip, one failure. */
export const ordersPreview = {
  flow: "orders",
  run_id: null,
  dry_run: true,
  counts: counts(1, 0, 1, 1),
  error: null,
  items: [
    { record: { source_id: "5001", label: "POS order 17" }, decision: { kind: "create", what: "invoice for Kassaverkoop, 12.95 EUR" }, outcome: null },
    { record: { source_id: "5002", label: "POS order 18" }, decision: { kind: "skip", reason: "it is not paid yet" }, outcome: null },
    {
      record: { source_id: "5003", label: "POS order 19" },
      decision: { kind: "fail", error: { code: "unknown_sku", reason: "Article POS-TAART does not exist in eAccounting. Add it there, then retry.", field: "rows[0].sku", transient: false } },
      outcome: null,
    },
  ],
};

export function failedRecord(id, label, reason, extra = {}) {
  return {
    id,
    flow: "orders",
    source_id: String(5000 + id),
    label,
    payload: { id: 5000 + id, ordernumber: label, total_price: 12.5 },
    error: { code: "unknown_sku", reason, field: "rows[0].sku", transient: false },
    attempts: 2,
    first_failed_at: "2026-11-28T09:00:00Z",
    last_failed_at: "2026-11-28T09:05:00Z",
    next_retry_at: "2026-11-28T09:20:00Z",
    state: "open",
    ...extra,
  };
}

export function dashboard({ paused = false, enabled = ["orders"], today = 3, failures = 0 } = {}) {
  const days = Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2026, 10, 15 + i)).toISOString().slice(0, 10));
  return {
    paused,
    days,
    series: [{ flow: "orders", records: [0, 4, 6, 2, 0, 0, 9, 12, 5, 3, 7, 0, 4, today] }],
    flows: flows.map((flow) => ({
      flow,
      enabled: enabled.includes(flow),
      running: false,
      interval_seconds: 300,
      last_run: enabled.includes(flow)
        ? { id: 9, flow, origin: "schedule", dry_run: false, started_at: new Date(Date.now() - 120_000).toISOString(), finished_at: new Date(Date.now() - 119_000).toISOString(), counts: counts(today, 0, 2, failures), error: null }
        : null,
      next_run: enabled.includes(flow) && !paused ? new Date(Date.now() + 180_000).toISOString() : null,
      records_today: enabled.includes(flow) ? today : 0,
      open_failures: flow === "orders" ? failures : 0,
    })),
  };
}

/** An activity event as the engine records it. */
export function event(id, message, extra = {}) {
  return { id, at: new Date(Date.UTC(2026, 10, 28, 9, 0, id % 60)).toISOString(), level: "info", flow: null, record: null, details: null, message, ...extra };
}

/**
 * Serves the harness and starts Chromium once for the calling test file (both end after its
 * tests); answers `openUi(options)`, which opens the UI in a new page of that browser.
 */
export function harnessInBrowser() {
  let server, browser;
  before(async () => {
    server = await serveHarness();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return (options) => openUi(browser, server.url, options);
}

/**
 * Opens the UI with canned answers. `settings`, `status`, `health`, `events` (the store the
 * mocked `query_events` filters and pages like the engine does), `manyEvents` (that many
 * generated events, made in the page), `failed` (the failed list; ids in `fixable` succeed when
 * retried), `schedules`, `preview`, `answers` (orders), `visma_app_built_in`, `rejectAnswers`
 * (a CommandError save_orders_answers answers with), `eaccountingError`, `dashboard`,
 * `differences` (what the engine met outside the documented APIs), `update` (what
 * get_update_status answers), `installError` (a CommandError install_update answers with).
 */
async function openUi(browser, url, options = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height: options.height ?? 800 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  const scenario = {
    settings: defaultSettings,
    status: defaultStatus,
    health: okHealth,
    events: [],
    manyEvents: 0,
    failed: [],
    fixable: [],
    schedules: schedulesOff,
    preview: [ordersPreview],
    answers: ordersAnswers,
    catalog: catalogAnswers,
    books: booksChoices,
    till: tillChoices,
    debtors: [debtor, { id: "44444444-0000-4000-8000-000000000002", number: "2", name: "Café de Zwaan", email: "fleur@zwaan.example", private_person: false }],
    articles: [
      { id: null, number: "VERZEND", name: "Verzendkosten", service: true, net_price: "6.2" },
      { id: null, number: "KB-01-250", name: "Koffiebonen 250 g", service: false, net_price: "8.21" },
      { id: null, number: "STATIEGELD", name: "Statiegeld en borg", service: false, net_price: "0" },
    ],
    visma_app_built_in: true,
    rejectAnswers: null,
    eaccountingError: null,
    dashboard: dashboard(),
    mappings: ordersMappings(),
    samples: mappingSamples,
    records: sampleRecords,
    reconciliations: {},
    differences: [],
    update: { state: "off" },
    installError: null,
    ...options,
  };
  await page.addInitScript((scenario) => {
    window.__harnessSetup = (h) => {
      const state = structuredClone(scenario);
      if (state.manyEvents) {
        const levels = ["info", "info", "info", "debug", "warn", "error"];
        state.events = Array.from({ length: state.manyEvents }, (_, i) => ({
          id: i + 1,
          at: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
          level: levels[i % levels.length],
          flow: i % 2 ? "orders" : "stock",
          record: `POS order ${i + 1}`,
          message: `Event number ${i + 1}`,
          details: null,
        }));
      }
      window.__state = state;
      const fail = (code, message) => {
        throw { code, message };
      };
      h.respond("get_app_info", () => ({ version: "0.1.0", visma_app_built_in: state.visma_app_built_in }));
      h.respond("get_settings", () => state.settings);
      h.respond("get_api_differences", () => state.differences);
      h.respond("clear_api_differences", () => {
        state.differences = [];
        return null;
      });
      h.respond("get_status", () => ({ ...state.status, failed_records: state.failed.length }));
      h.respond("get_health", () => state.health);
      h.respond("get_dashboard", () => state.dashboard);
      h.respond("get_update_status", () => state.update);
      h.respond("check_for_update", () => state.update);
      h.respond("install_update", () => {
        if (state.installError) fail(state.installError.code, state.installError.message);
        state.update = { state: "installing", update: state.update.update };
        return null;
      });
      h.respond("save_settings", ({ settings }) => {
        state.settings = settings;
        return null;
      });
      h.respond("set_paused", ({ paused }) => {
        state.status = { ...state.status, paused };
        return null;
      });
      h.respond("sync_now", () => []);
      h.respond("try_demo", () => {
        state.status = {
          ...state.status,
          connections: [
            { system: "eaccounting", mode: "demo", name: "Koffiebranderij De Gouden Boon B.V.", connected_at: "2026-11-28T08:00:00Z", problem: null },
            { system: "salespos", mode: "demo", name: "De Gouden Boon", connected_at: "2026-11-28T08:00:00Z", problem: null },
          ],
        };
        return state.status.connections;
      });
      h.respond("connect_eaccounting", () => {
        if (state.eaccountingError) fail(state.eaccountingError.code, state.eaccountingError.message);
        const c = { system: "eaccounting", mode: "live", name: "Bakkerij Jansen B.V.", connected_at: "2026-11-28T08:00:00Z", problem: null };
        state.status = { ...state.status, connections: [...state.status.connections.filter((x) => x.system !== "eaccounting"), c] };
        return c;
      });
      h.respond("connect_salespos", ({ keys }) => {
        if (keys.secret === "wrong")
          fail("salespos.bad_credentials", "CCV SalesPOS did not accept the API keys. Check the public key and the secret key.");
        const c = { system: "salespos", mode: "live", name: "Bakkerij Jansen", connected_at: "2026-11-28T08:00:00Z", problem: null };
        state.status = { ...state.status, connections: [...state.status.connections.filter((x) => x.system !== "salespos"), c] };
        return c;
      });
      h.respond("check_connection", ({ system }) => state.status.connections.find((c) => c.system === system)?.name ?? fail(`${system}.not_connected`, "not connected"));
      h.respond("get_books_choices", () => state.books);
      h.respond("get_till_choices", () => state.till);
      h.respond("find_debtors", ({ words }) => state.debtors.filter((d) => d.name.toLowerCase().includes(words.toLowerCase())));
      h.respond("get_debtor", ({ id }) => state.debtors.find((d) => d.id === id) ?? null);
      h.respond("find_articles", ({ words }) => state.articles.filter((a) => (a.number + a.name).toLowerCase().includes(words.toLowerCase())));
      h.respond("get_flow_schedules", () => state.schedules);
      h.respond("save_flow_schedules", ({ schedules }) => {
        state.schedules = schedules;
        return null;
      });
      h.respond("get_orders_answers", () => state.answers);
      h.respond("save_orders_answers", ({ answers }) => {
        if (state.rejectAnswers) fail(state.rejectAnswers.code, state.rejectAnswers.message);
        state.answers = answers;
        return null;
      });
      h.respond("get_catalog_answers", ({ flow }) => (flow === "orders" ? null : { flow, settings: state.catalog[flow] }));
      h.respond("save_catalog_answers", ({ answers }) => {
        state.catalog[answers.flow] = answers.settings;
        return null;
      });
      h.respond("preview", ({ flows }) => state.preview.filter((p) => flows.includes(p.flow)));
      h.respond("go_live", async ({ schedules }) => {
        state.schedules = schedules;
        const chosen = schedules.filter((s) => s.enabled).map((s) => s.flow);
        const summaries = [];
        for (const [i, flow] of chosen.entries()) {
          await h.emit("run-progress", { flow, step: i + 1, steps: chosen.length, counts: null, error: null });
          await h.emit("activity-logged", { id: 9000 + i, at: new Date().toISOString(), level: "info", flow, record: "POS order 17", message: "Booked invoice 1001 for POS order 17", details: null });
          const c = { created: 1, updated: 0, skipped: 1, failed: 0 };
          await h.emit("run-progress", { flow, step: i + 1, steps: chosen.length, counts: c, error: null });
          summaries.push({ flow, run_id: i + 1, dry_run: false, counts: c, items: [], error: null });
        }
        state.status = { ...state.status, enabled_flows: chosen };
        return summaries;
      });
      h.respond("get_failed_records", ({ flow }) => state.failed.filter((r) => !flow || r.flow === flow));
      const retried = (ids) => {
        const fixed = state.failed.filter((r) => ids.includes(r.id) && state.fixable.includes(r.id));
        state.failed = state.failed.filter((r) => !fixed.includes(r));
        return { flow: "orders", run_id: 1, dry_run: false, counts: { created: fixed.length, updated: 0, skipped: 0, failed: ids.length - fixed.length }, items: [], error: null };
      };
      h.respond("retry_failed", ({ id }) => retried([id]));
      h.respond("retry_all_failed", () => [retried(state.failed.map((r) => r.id))]);
      h.respond("skip_failed", ({ id }) => {
        const before = state.failed.length;
        state.failed = state.failed.filter((r) => r.id !== id);
        return state.failed.length < before;
      });
      // The datamapper: the editor's view, the checks and the preview behave like the engine's
      // for the rules these tests write.
      const fieldOf = (record, path) => path.split(".").reduce((v, k) => (v == null ? undefined : v[k]), record);
      const specOf = (set, target) => state.mappings.sets.find((s) => s.set === set)?.fields.find((f) => f.spec.name === target)?.spec;
      h.respond("get_mapping_editor", () => state.mappings);
      h.respond("get_mapping_samples", () => state.samples);
      h.respond("check_mapping_expression", ({ expression }) => {
        const open = [];
        for (const [i, c] of [...expression].entries()) {
          if (c === "(") open.push(i + 1);
          if (c === ")") open.pop();
        }
        if (open.length) return { target: "", code: "syntax", severity: "error", message: "a '(' is never closed", position: open.at(-1) };
        const call = /([a-z_]+)\(/g;
        let m;
        while ((m = call.exec(expression))) {
          if (!["concat", "coalesce", "left", "upper", "lookup", "is_empty"].includes(m[1])) return { target: "", code: "syntax", severity: "error", message: `there is no function named ${m[1]}`, position: m.index + 1 };
        }
        return null;
      });
      h.respond("check_mapping", ({ set, mapping }) => {
        const issues = [];
        for (const rule of mapping.rules) {
          const spec = specOf(set, rule.target);
          const reserved = state.mappings.sets.find((s) => s.set === set)?.fields.find((f) => f.spec.name === rule.target)?.reserved;
          if (reserved) issues.push({ target: rule.target, code: "reserved", severity: "error", message: `${rule.target} cannot be mapped: ${reserved}`, position: null });
          if (rule.source.kind === "constant" && typeof rule.source.value === "string" && spec?.max_length && rule.source.value.length > spec.max_length)
            issues.push({ target: rule.target, code: "too_long", severity: "error", message: `${rule.target} takes at most ${spec.max_length} characters, and this rule gives "${rule.source.value}"`, position: null });
          if (rule.source.kind === "expression" && rule.source.expression.includes("concat(") && !rule.source.expression.startsWith("left(") && spec?.max_length)
            issues.push({ target: rule.target, code: "could_be_too_long", severity: "warning", message: `${rule.target} takes at most ${spec.max_length} characters, and this rule could give more; wrap it in left(..., ${spec.max_length})`, position: null });
        }
        return issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
      });
      h.respond("preview_mapping", ({ mapping, lookups, record }) => {
        const data = state.records[record];
        const evaluate = (source) => {
          switch (source.kind) {
            case "field":
              return [fieldOf(data, source.path) ?? null, [source.path]];
            case "constant":
              return [source.value, []];
            case "lookup": {
              const [key, paths] = evaluate(source.key);
              const table = lookups[source.table];
              const found = table?.entries?.[key] ?? source.default ?? table?.default;
              if (found === undefined || found === null) throw { error: `the lookup table '${source.table}' has no entry for '${key}' and no default`, paths };
              return [found, paths];
            }
            case "expression": {
              const concat = /^concat\("([^"]*)", ([\w.]+)\)$/.exec(source.expression);
              if (concat) return [concat[1] + (fieldOf(data, concat[2]) ?? ""), [concat[2]]];
              const path = /^[\w.]+$/.test(source.expression) ? source.expression : null;
              return path ? [fieldOf(data, path) ?? null, [path]] : [`= ${source.expression}`, []];
            }
          }
        };
        const fields = mapping.rules.map((rule) => {
          try {
            const [value, paths] = evaluate(rule.source);
            return { target: rule.target, value, error: null, invalid: null, sources: paths.map((p) => ({ path: p, value: fieldOf(data, p) ?? null })) };
          } catch (e) {
            return { target: rule.target, value: null, error: e.error, invalid: null, sources: (e.paths ?? []).map((p) => ({ path: p, value: fieldOf(data, p) ?? null })) };
          }
        });
        const sample = state.samples.find((s) => s.id === record);
        return { record: sample, roots: Object.entries(data).map(([name, value]) => ({ name, description: null, value })), fields };
      });
      h.respond("save_mapping", ({ set, mapping, lookups }) => {
        const view = state.mappings.sets.find((s) => s.set === set);
        view.mapping = mapping;
        view.customized = JSON.stringify(mapping) !== JSON.stringify(view.default_mapping);
        state.mappings.lookups = lookups;
        return [];
      });
      h.respond("reset_mapping", () => {
        for (const view of state.mappings.sets) {
          view.mapping = structuredClone(view.default_mapping);
          view.customized = false;
        }
        return null;
      });
      h.respond("reconcile", ({ from, to }) => {
        const found = state.reconciliations[`${from}..${to}`] ?? state.reconciliations[from === to ? "day" : "period"];
        if (!found) fail("unexpected", `no reconciliation for ${from}..${to}`);
        return { ...found, from, to };
      });
      const rank = { debug: 0, info: 1, warn: 2, error: 3 };
      h.respond("query_events", ({ query }) => {
        const words = (query.search ?? "").toLowerCase();
        // Newest first; the store is kept in id order, so walk it backwards.
        const matching = [];
        for (let i = state.events.length - 1; i >= 0; i--) {
          const e = state.events[i];
          if (query.flow && e.flow !== query.flow) continue;
          if (query.min_level && rank[e.level] < rank[query.min_level]) continue;
          if (query.record && e.record !== query.record) continue;
          if (words && !e.message.toLowerCase().includes(words) && !(e.record ?? "").toLowerCase().includes(words)) continue;
          matching.push(e);
        }
        matching.sort((a, b) => b.id - a.id);
        const older = matching.filter((e) => query.before_id == null || e.id < query.before_id);
        const limit = query.limit ?? 100;
        const page = older.slice(0, limit);
        return { events: page, total: matching.length, next_before_id: older.length > limit ? page[page.length - 1].id : null };
      });
    };
  }, scenario);
  await page.goto(url);
  return { page, problems };
}

/** Saves a screenshot to artifacts/ (not committed) for a person to look at. */
export async function screenshot(page, name) {
  await page.screenshot({ path: fileURLToPath(new URL(`../../artifacts/ui-${name}.png`, import.meta.url)), fullPage: true });
}
