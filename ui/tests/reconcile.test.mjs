// The reconciliation: the day's till and books side by side, by VAT rate and payment method,
// every difference with the way to its cause, and a chart of the period to pick a day from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, liveStatus, reconciliation, storyDifferences, failedRecord, event, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

function periodReport() {
  const differences = [...storyDifferences("2026-11-20"), ...storyDifferences("2026-11-27")];
  return reconciliation({ from: "2026-11-15", to: "2026-11-28", differences });
}

async function openView(options) {
  const ui = await openUi({ status: liveStatus, height: 1300, ...options });
  await ui.page.getByRole("button", { name: "Reconciliation" }).click();
  await ui.page.getByRole("heading", { name: "Reconciliation" }).waitFor();
  await ui.page.getByTestId("reconcile-status").waitFor();
  return ui;
}

const calls = (page) => page.evaluate(() => window.__harness.callsTo("reconcile"));

test("the day's till and books are side by side by VAT rate and payment method, with each difference and its cause", async () => {
  const day = reconciliation({ differences: storyDifferences(), till: ["4", "64.85", "11.26"], books: ["3", "50.40", "8.71"] });
  const { page, problems } = await openView({
    reconciliations: { day, period: periodReport() },
    failed: [failedRecord(41, "POS order 17", "Article POS-KOFFIE-TG does not exist in Visma eAccounting.")],
  });
  assert.equal(await page.getByTestId("till-total").innerText(), "64.85");
  assert.equal(await page.getByTestId("books-total").innerText(), "50.40");
  assert.match(await page.getByTestId("reconcile-status").innerText(), /3 differences/);
  assert.match(await page.getByTestId("reconcile-status").innerText(), /1 till order is not for the books/);

  const vat = await page.getByTestId("by-vat").locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
  assert.deepEqual(vat.map((r) => r[0]), ["9%", "21%"]);
  assert.equal(vat[1][3], "-12.95", "books minus till, per rate");
  const payments = await page.getByTestId("by-payment").locator("tbody th").allInnerTexts();
  assert.deepEqual(payments, ["Contant", "Pin", "not from the till"]);

  const kinds = await page.getByTestId("difference").evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(kinds, ["not_booked", "not_booked", "booked_by_someone_else"]);
  const [failed, deleted, byHand] = await page.getByTestId("difference").allInnerTexts();
  assert.match(failed, /Not booked\s+POS order 17\s+till 12\.95 · books 0\.00/);
  assert.match(deleted, /it was deleted there/);
  assert.match(byHand, /Booked by someone else\s+invoice 1009/);
  assert.deepEqual((await calls(page))[0], { from: (await calls(page))[0].from, to: (await calls(page))[0].from, byVatRate: true }, "the day with VAT per rate");
  assert.deepEqual(problems, []);
  await screenshot(page, "reconciliation");

  await page.getByTestId("difference").first().getByRole("button", { name: "Open the failed record" }).click();
  await page.getByRole("heading", { name: "Failed records" }).waitFor();
  await page.locator(".failed-record.highlighted").getByRole("heading", { name: "POS order 17" }).waitFor();
});

test("a difference's activity entry is one click away, filtered on its sale", async () => {
  const { page } = await openView({
    reconciliations: { day: reconciliation({ differences: storyDifferences() }), period: periodReport() },
    events: [event(900, "Booked invoice 1003 for POS order 19", { flow: "orders", record: "POS order 19" }), event(901, "Sync of all flows requested from the window")],
  });
  await page.getByTestId("difference").nth(1).getByRole("button", { name: "Open in the activity log" }).click();
  await page.getByTestId("filter-record").getByText("POS order 19").waitFor();
  const queries = await page.evaluate(() => window.__harness.callsTo("query_events"));
  assert.equal(queries.at(-1).query.record, "POS order 19");
  assert.deepEqual(await page.getByTestId("event").allInnerTexts().then((rows) => rows.length), 1);
});

test("the chart shows the till and the books per day of the period, marks the days that differ, and opens a day", async () => {
  const { page } = await openView({ reconciliations: { day: reconciliation(), period: periodReport() } });
  const chart = page.getByTestId("reconcile-chart");
  await chart.waitFor();
  const rows = await page.getByTestId("period-table").locator("tbody tr").evaluateAll((r) => r.map((row) => [...row.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 14);
  assert.deepEqual(rows[5], ["2026-11-20", "54.85", "54.85", "3"]);
  assert.equal(await chart.locator("circle.mark").count(), 2, "two days have differences");
  assert.equal(await chart.locator("rect.bar.till").count(), 14);
  assert.equal(await chart.locator("rect.bar.books").count(), 14);
  // Totals for the period in words: a chart of empty days (before the start date) says why.
  const summary = await page.getByTestId("period-summary").innerText();
  const [from, to] = await page.locator('#period-title ~ div input[type="date"]').evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.ok(summary.startsWith(`${from} to ${to}: till 54.85 (3 sales), books 54.85, 6 differences.`), summary);
  assert.match(summary, /1 till order is not for the books \(status, unpaid, before the start date\)\./);
  await chart.scrollIntoViewIfNeeded();
  await screenshot(page, "reconciliation-period");
  const period = (await calls(page)).find((c) => c.from !== c.to);
  assert.equal(period.byVatRate, false, "the chart reads no lines");

  await chart.locator("rect.hit").nth(5).click();
  await page.waitForFunction(() => window.__harness.callsTo("reconcile").some((c) => c.from === "2026-11-20" && c.to === "2026-11-20"));
  assert.equal(await page.getByTestId("reconcile-day").inputValue(), "2026-11-20");
});

test("a balanced day says so and lists nothing", async () => {
  const { page } = await openView({ reconciliations: { day: reconciliation(), period: reconciliation({ from: "2026-11-15", to: "2026-11-28" }) } });
  assert.match(await page.getByTestId("reconcile-status").innerText(), /Balanced/);
  assert.equal(await page.getByTestId("differences").count(), 0);
});
