// The failed list as the bookkeeper works it: the reason in plain words, the field at fault,
// retry one, retry all, skip; a retried record leaves the list when it succeeds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, failedRecord, liveStatus, screenshot, defaultSettings } from "./support.mjs";

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

test("a record PosBridge could not read shows exactly as it came in, with the field and the value at fault", async () => {
  const reason =
    'POS order 1042 could not be read: its field create_date holds "07/11/2022", which PosBridge cannot read ("07/11/2022" is not a date and time). PosBridge keeps it as it came in; correct it in the till, then retry (or skip it).';
  const unreadable = failedRecord(4, "POS order 1042", reason, {
    payload: { id: 5004, ordernumber: 1042, create_date: "07/11/2022", total_price: 12.95, paid: true, customer: { email: "jan@example.com" } },
    error: { code: "unreadable_record", reason, field: "create_date", transient: false },
  });
  const lineReason = 'POS order 1043 could not be read: its field rows[1].count holds "een", which PosBridge cannot read.';
  const row = failedRecord(5, "POS order 1043", lineReason, {
    payload: { id: 5005, ordernumber: 1043, rows: [null, { id: 9, product_number: "KB-01", count: "een" }] },
    error: { code: "unreadable_record", reason: lineReason, field: "rows[1].count", transient: false },
  });
  const { page, problems } = await openUi({ status: liveStatus, failed: [unreadable, row, three[0]] });
  await page.getByRole("button", { name: /^Failed records/ }).click();
  await page.getByTestId("failed-record").first().waitFor();

  const card = page.getByTestId("failed-record").first();
  const text = await card.innerText();
  assert.match(text, /Field at fault\s+create_date/);
  assert.match(text, /Value received\s+"07\/11\/2022"/);
  assert.match(text, /kept exactly as it came in/);
  const raw = card.getByRole("region", { name: "The record exactly as it came in" });
  assert.match(await raw.innerText(), /"create_date": "07\/11\/2022"/, "shown without asking, as JSON");
  assert.equal(await raw.locator(".fault").innerText(), '  "create_date": "07/11/2022",', "the field's line is marked");
  assert.equal(await card.getByRole("button", { name: "What came in" }).count(), 0);

  const line = page.getByTestId("failed-record").nth(1);
  assert.equal(await line.getByTestId("value-received").innerText(), '"een"', "a line's field, found in the record");

  const known = page.getByTestId("failed-record").nth(2);
  assert.equal(await known.getByTestId("value-received").count(), 0, "other failures stay as they were");
  assert.deepEqual(problems, []);
  await screenshot(page, "failed-unreadable");
});

test("a Dutch merchant reads why a record failed in Dutch; a reason without a Dutch text stays as the engine said it", async () => {
  const english = "Article KB-01-250 does not exist in Visma eAccounting (line 2 of POS order 17). Create it there (or let PosBridge create missing articles in the orders settings), then retry.";
  const said = failedRecord(1, "POS order 17", english, {
    error: {
      code: "unknown_sku",
      reason: english,
      field: "rows[1].product_number",
      transient: false,
      message: { key: "unknown_sku_in_line", params: { sku: "KB-01-250", line: "2", record: "POS order 17" } },
    },
  });
  const plain = failedRecord(2, "POS order 18", "eAccounting answered 4711: something only eAccounting says.");
  const { page, problems } = await openUi({ status: liveStatus, failed: [said, plain], settings: { ...defaultSettings, language: "nl" } });
  await page.getByRole("button", { name: /^Mislukte records/ }).click();
  await page.getByTestId("failed-record").first().waitFor();
  const first = await page.getByTestId("failed-record").first().innerText();
  assert.match(first, /Artikel KB-01-250 bestaat niet in Visma eAccounting \(regel 2 van POS order 17\)\. Maak het daar aan/);
  assert.doesNotMatch(first, /does not exist/);
  const second = await page.getByTestId("failed-record").nth(1).innerText();
  assert.match(second, /eAccounting answered 4711: something only eAccounting says\./);
  assert.deepEqual(problems, []);
  await screenshot(page, "failed-dutch");
});
