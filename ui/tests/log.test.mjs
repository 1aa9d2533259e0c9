// The bookkeeper's view: the activity log, newest first, filtered, live.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveHarness, launchBrowser, openUi, event } from "./support.mjs";

let server, browser;
before(async () => {
  server = await serveHarness();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const history = [
  event(1, "PosBridge started; secrets are kept in the OS keyring"),
  event(2, "Booked invoice 1001 for POS order 17", { flow: "orders", record: "POS order 17", details: { sent: { YourReference: "17" } } }),
  event(3, "Article KB-01-250 does not exist in eAccounting", { flow: "orders", level: "error", record: "POS order 18" }),
  event(4, "Stock of KB-01-250 set to 11", { flow: "stock", record: "KB-01-250" }),
];

async function openLog(options) {
  const ui = await openUi(browser, server.url, options);
  await ui.page.getByRole("button", { name: "Activity" }).click();
  await ui.page.getByTestId("events").waitFor();
  return ui;
}

const messages = (page) => page.locator('[data-testid="event"] .message').allInnerTexts();

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
  await page.screenshot({ path: "../artifacts/ui-log.png" }).catch(() => {});
});

test("a new event appears on top as it happens", async () => {
  const { page } = await openLog({ events: history });
  await page.evaluate(() => window.__harness.emit("activity-logged", { id: 5, at: new Date().toISOString(), level: "info", flow: "orders", record: "POS order 19", message: "Booked invoice 1002 for POS order 19", details: null }));
  await page.waitForFunction(() => document.querySelector('[data-testid="event"] .message')?.textContent === "Booked invoice 1002 for POS order 19");
  assert.equal((await messages(page)).length, 5);
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

test("a record's events, and an event's details, are one click away", async () => {
  const { page } = await openLog({ events: history });
  await page.getByRole("button", { name: "Booked invoice 1001 for POS order 17" }).click();
  assert.match(await page.locator("pre.details").innerText(), /YourReference/);
  await page.getByRole("button", { name: "POS order 18" }).click();
  await page.getByTestId("filter-record").waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 1);
  assert.deepEqual(await messages(page), ["Article KB-01-250 does not exist in eAccounting"]);
});

test("a long log is read a page at a time", async () => {
  const many = Array.from({ length: 250 }, (_, i) => event(i + 1, `event ${i + 1}`));
  const { page } = await openLog({ events: many });
  assert.equal((await messages(page)).length, 100);
  await page.getByTestId("log-older").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 200);
  await page.getByTestId("log-older").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="event"]').length === 250);
  assert.equal(await page.getByTestId("log-older").count(), 0, "no older page after the last");
  assert.equal((await messages(page)).at(-1), "event 1");
});
