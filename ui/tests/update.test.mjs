// Updates: a newer release shows in the status bar; the merchant installs it with one click, and
// not while a sync runs; PosBridge says why when it cannot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, liveStatus, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();
const available = { state: "available", update: { version: "0.2.0", current_version: "0.1.0", notes: "Faster stock sync." } };

test("an available update shows in the status bar and is installed at the merchant's word", async () => {
  const { page, problems } = await openUi({ status: liveStatus, update: available });
  const update = page.getByTestId("update");
  await update.waitFor();
  assert.match(await update.innerText(), /PosBridge 0\.2\.0 is available\./);
  assert.equal(await page.getByTestId("install-update").isEnabled(), true);
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("install_update")), [], "nothing is installed unasked");
  await screenshot(page, "update-available");
  await page.getByTestId("install-update").click();
  await page.waitForFunction(() => window.__harness.callsTo("install_update").length === 1);
  await page.evaluate(() => window.__harness.emit("update-changed", { state: "installing", update: { version: "0.2.0", current_version: "0.1.0", notes: null } }));
  await page.getByText("Installing PosBridge 0.2.0; PosBridge restarts when it is done…").waitFor();
  assert.deepEqual(problems, []);
});

test("no install while a sync is running", async () => {
  const { page } = await openUi({ status: { ...liveStatus, running_flows: ["orders"] }, update: available });
  await page.getByTestId("update").waitFor();
  assert.equal(await page.getByTestId("install-update").isDisabled(), true);
});

test("an update found while PosBridge runs appears, and a refusal is said in words", async () => {
  const { page } = await openUi({
    status: liveStatus,
    installError: { code: "update.busy", message: "A sync is running (orders). Install the update when it has finished." },
  });
  await page.getByTestId("secret-backend").waitFor();
  assert.equal(await page.getByTestId("update").count(), 0, "nothing to say without an update");
  await page.evaluate((u) => window.__harness.emit("update-changed", u), available);
  await page.getByTestId("install-update").click();
  await page.getByRole("alert").waitFor();
  assert.match(await page.getByRole("alert").innerText(), /A sync is running \(orders\)\. Install the update when it has finished\./);
});

test("Dutch merchants read about updates in Dutch", async () => {
  const { page } = await openUi({ status: liveStatus, update: available, settings: { paused: false, start_at_login: true, log_retention_days: 90, notifications: true, language: "nl" } });
  await page.getByTestId("update").waitFor();
  assert.match(await page.getByTestId("update").innerText(), /PosBridge 0\.2\.0 is beschikbaar\./);
  assert.equal(await page.getByTestId("install-update").innerText(), "Installeren en herstarten");
});
