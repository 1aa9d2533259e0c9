// The bookkeeper's view: the activity log, newest first, filtered, live, with each record's
// detail; and smooth with 100,000 events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, event, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

const booked = {
  source: { id: 5017, ordernumber: "17", total_price: 12.95, rows: [{ sku: "KB-01-250", count: 1, price: 12.95 }] },
  sent: { document: "invoice", reference: "POS 1/17", customer: "Kassaverkoop", rows: [{ article: "KB-01-250", quantity: "1", unit_price: "11.88" }] },
  answer: { id: "9d7c", number: 1001, total: "12.9", vat: "1.07" },
};
const history = [
  event(1, "PosBridge started; secrets are kept in the OS keyring"),
  event(2, "Booked invoice 1001 for POS order 17", { flow: "orders", record: "POS order 17", details: booked }),
  event(3, "Article KB-01-250 does not exist in eAccounting", {
    flow: "orders",
    level: "error",
    record: "POS order 18",
    details: { code: "unknown_sku", field: "Rows[0].ArticleId", attempts: 2, next_retry_at: "2026-11-28T10:00:00Z", source: { id: 5018 } },
  }),
  event(4, "Stock of KB-01-250 set to 11", { flow: "stock", record: "KB-01-250" }),
];

async function openLog(options) {
  const ui = await openUi(options);
  await ui.page.getByRole("button", { name: "Activity" }).click();
  await ui.page.getByTestId("events").waitFor();
  return ui;
}

const messages = (page) => page.locator('[data-testid="event"] .message').allInnerTexts();
const rows = (page) => page.locator('[data-testid="event"]').count();

test("the log shows the newest event first", async () => {
  const { page, problems } = await openLog({ events: history });
  assert.deepEqual(await messages(page), [
    "Stock of KB-01-250 set to 11",
    "Article KB-01-250 does not exist in eAccounting",
    "Booked invoice 1001 for POS order 17",
    "PosBridge started; secrets are kept in the OS keyring",
  ]);
  assert.match(await page.getByTestId("log-count").innerText(), /4 of 4/);
  assert.deepEqual(problems, []);
  await screenshot(page, "log");
});

test("a new event appears on top as it happens", async () => {
  const { page } = await openLog({ events: history });
  await page.evaluate(() => window.__harness.emit("activity-logged", { id: 5, at: new Date().toISOString(), level: "info", flow: "orders", record: "POS order 19", message: "Booked invoice 1002 for POS order 19", details: null }));
  await page.waitForFunction(() => document.querySelector('[data-testid="event"] .message')?.textContent === "Booked invoice 1002 for POS order 19");
  assert.equal((await messages(page)).length, 5);
  assert.match(await page.getByTestId("log-count").innerText(), /5 of 5/);
});

test("filtering by flow asks the engine for that flow only", async () => {
  const { page } = await openLog({ events: history });
  await page.getByTestId("filter-flow").selectOption("stock");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 1);
  assert.deepEqual(await messages(page), ["Stock of KB-01-250 set to 11"]);
  const queries = await page.evaluate(() => window.__harness.callsTo("query_events").map((a) => a.query));
  assert.equal(queries.at(-1).flow, "stock");
});

test("errors only, and words, narrow the log", async () => {
  const { page } = await openLog({ events: history });
  await page.getByTestId("filter-level").selectOption("error");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 1);
  assert.deepEqual(await messages(page), ["Article KB-01-250 does not exist in eAccounting"]);

  await page.getByTestId("filter-level").selectOption("");
  await page.getByTestId("filter-search").fill("invoice");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 1);
  assert.deepEqual(await messages(page), ["Booked invoice 1001 for POS order 17"]);
  const queries = await page.evaluate(() => window.__harness.callsTo("query_events").map((a) => a.query));
  assert.equal(queries.at(-1).search, "invoice");
});

test("a live event that does not match the filter stays out of view", async () => {
  const { page } = await openLog({ events: history });
  await page.getByTestId("filter-flow").selectOption("stock");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 1);
  await page.evaluate(() => window.__harness.emit("activity-logged", { id: 6, at: new Date().toISOString(), level: "info", flow: "orders", record: null, message: "Booked invoice 1003", details: null }));
  await page.evaluate(() => window.__harness.emit("activity-logged", { id: 7, at: new Date().toISOString(), level: "info", flow: "stock", record: "TH-01-100", message: "Stock of TH-01-100 set to 4", details: null }));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 2);
  assert.deepEqual(await messages(page), ["Stock of TH-01-100 set to 4", "Stock of KB-01-250 set to 11"]);
});

test("a record's detail shows what came from the source, what was sent and what eAccounting answered", async () => {
  const { page } = await openLog({ events: history });
  await page.getByRole("button", { name: "Booked invoice 1001 for POS order 17" }).click();
  const detail = page.getByTestId("event-detail");
  await detail.waitFor();
  assert.match(await detail.locator('[data-part="source"]').innerText(), /total_price\s+12\.95/);
  assert.match(await detail.locator('[data-part="sent"]').innerText(), /POS 1\/17/);
  assert.match(await detail.locator('[data-part="sent"]').innerText(), /KB-01-250\s+1\s+11\.88/, "rows as a table");
  assert.match(await detail.locator('[data-part="answer"]').innerText(), /number\s+1001/);
  assert.match(await detail.locator('[data-part="answer"]').innerText(), /total\s+12\.90/, "money with two decimals");
  await screenshot(page, "log-detail");

  await page.getByRole("button", { name: "Article KB-01-250 does not exist in eAccounting" }).click();
  const facts = await detail.locator(".facts").innerText();
  assert.match(facts, /Error code\s+unknown_sku/);
  assert.match(facts, /Field at fault\s+Rows\[0\]\.ArticleId/);
  assert.match(facts, /Attempts\s+2/);
});

test("a record's events are one click away, and the record filter can be cleared", async () => {
  const { page } = await openLog({ events: history });
  await page.getByRole("button", { name: "POS order 18" }).click();
  await page.getByTestId("filter-record").waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 1);
  assert.deepEqual(await messages(page), ["Article KB-01-250 does not exist in eAccounting"]);
  await page.getByTestId("filter-record").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 4);
});

test("100,000 events scroll smoothly: pages are read as needed and the rows in the page stay few", async () => {
  const { page, problems } = await openLog({ manyEvents: 100_000 });
  assert.match(await page.getByTestId("log-count").innerText(), /200 of 100000/);
  const viewport = page.getByTestId("log-viewport");
  const firstRows = await rows(page);
  assert.ok(firstRows < 60, `only the rows in view are drawn (${firstRows})`);

  // Scroll to the bottom of what is loaded a number of times: each time the next page is read.
  for (let i = 0; i < 5; i++) {
    const before = await page.evaluate(() => window.__harness.callsTo("query_events").length);
    await viewport.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForFunction((before) => window.__harness.callsTo("query_events").length > before, before);
  }
  await page.waitForFunction(() => /1200 of 100000/.test(document.querySelector('[data-testid="log-count"]').textContent));
  const deep = (await messages(page)).map((m) => Number(m.replace("Event number ", "")));
  assert.ok(deep[0] < 99_100, `the rows drawn are the ones scrolled to, ~1000 down: ${deep.slice(0, 3)}…`);
  assert.ok((await rows(page)) < 60, "still only the rows in view");
  const queries = await page.evaluate(() => window.__harness.callsTo("query_events").map((a) => a.query));
  assert.ok(queries.every((q) => q.limit <= 200), "read a page at a time");
  assert.deepEqual(problems, []);
  await screenshot(page, "log-100k");

  // Filtering the big log is the engine's work too.
  await page.getByTestId("filter-level").selectOption("error");
  await page.waitForFunction(() => /of 16666/.test(document.querySelector('[data-testid="log-count"]').textContent));
  assert.ok((await rows(page)) < 60);
});
