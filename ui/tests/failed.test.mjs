// The failed list as the bookkeeper works it: the reason in plain words, the field at fault,
// retry one, retry all, skip; a retried record leaves the list when it succeeds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, failedRecord, liveStatus, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

const three = [
  failedRecord(1, "POS order 17", "Article POS-TAART does not exist in eAccounting. Add it there, then retry."),
  failedRecord(2, "POS order 18", "eAccounting computed 12.96 EUR where the till charged 12.95 EUR. Check the VAT rounding setting, then retry.", {
    error: { code: "totals_mismatch", reason: "eAccounting computed 12.96 EUR where the till charged 12.95 EUR. Check the VAT rounding setting, then retry.", field: null, transient: false },
    next_retry_at: null,
    attempts: 6,
  }),
  failedRecord(3, "POS order 19", "Article POS-KOFFIE-TG does not exist in eAccounting. Add it there, then retry."),
];

async function openFailed(options) {
  const ui = await openUi({ status: liveStatus, failed: three, ...options });
  await ui.page.getByRole("button", { name: /^Failed records/ }).click();
  await ui.page.getByTestId("failed-record").first().waitFor();
  return ui;
}
const labels = (page) => page.locator('[data-testid="failed-record"] h2').allInnerTexts();

test("each failed record says why in plain words, names the field at fault, and what came in", async () => {
  const { page, problems } = await openFailed();
  assert.deepEqual(await labels(page), ["POS order 17", "POS order 18", "POS order 19"]);
  const first = page.getByTestId("failed-record").first();
  const text = await first.innerText();
  assert.match(text, /Article POS-TAART does not exist in eAccounting\. Add it there, then retry\./);
  assert.match(text, /Field at fault\s+rows\[0\]\.sku/);
  assert.match(text, /total 12\.50/, "money with two decimals");
  const second = await page.getByTestId("failed-record").nth(1).innerText();
  assert.match(second, /Next automatic retry\s+waits for you/);
  await first.getByRole("button", { name: "What came in" }).click();
  assert.match(await first.getByRole("region", { name: "What came in" }).innerText(), /total_price\s+12\.50/);
  assert.match(await page.getByRole("button", { name: /^Failed records/ }).innerText(), /3/, "the menu counts them");
  assert.deepEqual(problems, []);
  await screenshot(page, "failed");
});

test("a retried record that now syncs leaves the list; one that still fails stays, and says so", async () => {
  const { page } = await openFailed({ fixable: [1] });
  await page.getByRole("button", { name: "Retry POS order 17" }).click();
  await page.getByText("POS order 17 is synced now.").waitFor();
  assert.deepEqual(await labels(page), ["POS order 18", "POS order 19"]);

  await page.getByRole("button", { name: "Retry POS order 18" }).click();
  await page.getByText("POS order 18 still fails; see the reason below.").waitFor();
  assert.deepEqual(await labels(page), ["POS order 18", "POS order 19"]);
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("retry_failed")), [{ id: 1 }, { id: 2 }]);
});

test("retry all retries every record and reports how many synced", async () => {
  const { page } = await openFailed({ fixable: [1, 3] });
  await page.getByTestId("retry-all").click();
  await page.getByText("2 synced, 1 still failing.").waitFor();
  assert.deepEqual(await labels(page), ["POS order 18"]);
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("retry_all_failed")), [{ flow: null }]);
});

test("a skipped record leaves the list for good", async () => {
  const { page } = await openFailed();
  await page.getByRole("button", { name: "Skip POS order 19" }).click();
  await page.getByText("POS order 19 will not be synced.").waitFor();
  assert.deepEqual(await labels(page), ["POS order 17", "POS order 18"]);
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("skip_failed")), [{ id: 3 }]);
});

test("with nothing failed the list says so", async () => {
  const { page } = await openUi({ status: liveStatus });
  await page.getByRole("button", { name: /^Failed records/ }).click();
  await page.getByText("Nothing failed. Every record is in step.").waitFor();
  assert.ok(await page.getByTestId("retry-all").isDisabled());
});
