// The dashboard: per flow last run, next run, records today and failures; the chart of records
// per day; "Sync now" per flow; pause; and what needs the merchant.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, liveStatus, dashboard, failedRecord, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

test("a merchant who went live lands on the dashboard with each flow's numbers and the chart", async () => {
  const { page, problems } = await openUi({ status: liveStatus, dashboard: dashboard({ today: 3 }), height: 1000 });
  const card = page.getByTestId("flow-card-orders");
  await card.waitFor();
  assert.equal(await page.getByTestId("records-today-orders").innerText(), "3");
  const text = await card.innerText();
  assert.match(text, /Last run\s+2 min ago · 3 created, 0 updated, 2 skipped, 0 failed/);
  assert.match(text, /Next run\s+in 3 min/);
  assert.equal(await page.getByTestId("flow-card-stock").count(), 0, "switched-off flows get no card");
  assert.match(await page.locator(".dashboard").innerText(), /Switched off: Products, Stock, Customers, Categories\./);

  const cells = await page.getByTestId("chart-table").locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.equal(cells.length, 14);
  assert.deepEqual(cells.at(-1), ["2026-11-28", "3"]);
  assert.deepEqual(cells[7], ["2026-11-22", "12"]);
  assert.equal(await page.locator(".chart rect.bar.orders").count(), 10, "one bar part per day with records");
  assert.equal(await page.getByTestId("health").innerText(), "All in step");
  assert.deepEqual(problems, []);
  await screenshot(page, "dashboard");
});

test("sync now per flow asks for that flow, and the numbers are read again", async () => {
  const { page } = await openUi({ status: liveStatus });
  await page.getByTestId("flow-card-orders").waitFor();
  const before = await page.evaluate(() => window.__harness.callsTo("get_dashboard").length);
  await page.getByRole("button", { name: "Sync Orders now" }).click();
  await page.waitForFunction((before) => window.__harness.callsTo("get_dashboard").length > before, before);
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("sync_now")), [{ flow: "orders" }]);

  await page.getByTestId("sync-all").click();
  await page.waitForFunction(() => window.__harness.callsTo("sync_now").length === 2);
  assert.deepEqual((await page.evaluate(() => window.__harness.callsTo("sync_now")))[1], { flow: null });
});

test("pausing shows on the dashboard: no next run, and a way to resume", async () => {
  const { page } = await openUi({ status: liveStatus, dashboard: dashboard({ paused: true }) });
  await page.getByTestId("flow-card-orders").waitFor();
  await page.getByTestId("pause").click();
  await page.getByText("Syncing is paused").waitFor();
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("set_paused")), [{ paused: true }]);
  assert.match(await page.getByTestId("flow-card-orders").innerText(), /Next run\s+paused/);
  await page.getByRole("button", { name: "Resume syncing" }).first().click();
  await page.waitForFunction(() => window.__harness.callsTo("set_paused").length === 2);
});

test("what needs the merchant is said on top, with the way to it", async () => {
  const { page } = await openUi({
    status: liveStatus,
    dashboard: dashboard({ failures: 1 }),
    failed: [failedRecord(1, "POS order 17", "Article POS-TAART does not exist in eAccounting.")],
    health: {
      state: "needs_attention",
      running: [],
      failures_needing_merchant: 1,
      connection_problems: [{ system: "eaccounting", mode: "live", name: "Bakkerij Jansen B.V.", connected_at: "2026-11-28T08:00:00Z", problem: "The connection to Visma eAccounting has expired. Reconnect Visma eAccounting in Settings." }],
      stopped_runs: [],
    },
  });
  const attention = page.getByTestId("attention");
  await attention.waitFor();
  assert.match(await attention.innerText(), /1 record could not be synced\./);
  assert.match(await attention.innerText(), /Visma eAccounting: The connection to Visma eAccounting has expired/);
  assert.equal(await page.getByTestId("health").innerText(), "Needs your attention");
  await screenshot(page, "dashboard-attention");
  await page.getByRole("button", { name: "See what to do" }).click();
  await page.getByRole("heading", { name: "Failed records" }).waitFor();
});

test("the state follows the engine as it changes", async () => {
  const { page } = await openUi({ status: liveStatus });
  await page.getByTestId("health").waitFor();
  await page.evaluate(() => window.__harness.emit("health-changed", { state: "syncing", running: ["orders"], failures_needing_merchant: 0, connection_problems: [], stopped_runs: [] }));
  await page.waitForFunction(() => document.querySelector('[data-testid="health"]').textContent === "Syncing…");
});

test("before going live the dashboard points to the setup", async () => {
  const { page } = await openUi({ dashboard: dashboard({ enabled: [] }) });
  await page.getByRole("heading", { name: "Welcome to PosBridge" }).waitFor();
  await page.getByRole("button", { name: "Dashboard" }).click();
  await page.getByText("No flow runs yet. Finish the setup to choose your flows.").waitFor();
  await page.getByRole("button", { name: "Finish the setup" }).click();
  await page.waitForFunction(() => document.querySelector('.steps [aria-current="step"]')?.textContent?.includes("Visma"));
});
