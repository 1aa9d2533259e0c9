// The merchant's settings: schedules, log retention, notifications, start at login, language.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, liveStatus, schedulesOff, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

async function openSettings(options) {
  const ui = await openUi(options);
  await ui.page.getByRole("button", { name: "Settings" }).click();
  await ui.page.getByRole("heading", { name: "Settings" }).waitFor();
  return ui;
}

test("switching off start at login is saved", async () => {
  const { page } = await openSettings();
  await page.getByTestId("start-at-login").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  const saved = await page.evaluate(() => window.__harness.callsTo("save_settings").map((a) => a.settings));
  assert.equal(saved.length, 1);
  assert.equal(saved[0].start_at_login, false);
  assert.equal(saved[0].log_retention_days, 90);
});

test("choosing Dutch switches the window to Dutch", async () => {
  const { page } = await openSettings();
  await page.getByLabel("Language").selectOption("nl");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: "Instellingen" }).waitFor();
  assert.ok(await page.getByRole("button", { name: "Mislukte records" }).isVisible());
});

test("log retention must be between a day and ten years; notifications can be switched off", async () => {
  const { page } = await openSettings();
  await page.getByLabel("Keep the activity log for").fill("0");
  await page.getByRole("button", { name: "Save" }).click();
  assert.ok(await page.getByText("Choose between 1 and 3650 days.").isVisible());
  assert.equal((await page.evaluate(() => window.__harness.callsTo("save_settings"))).length, 0);

  await page.getByLabel("Keep the activity log for").fill("30");
  await page.getByLabel("Tell me with a notification when something needs my attention").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  const [saved] = await page.evaluate(() => window.__harness.callsTo("save_settings").map((a) => a.settings));
  assert.equal(saved.log_retention_days, 30);
  assert.equal(saved.notifications, false);
});

test("once live, each flow's schedule can be changed here", async () => {
  const { page } = await openSettings({ status: liveStatus, schedules: schedulesOff.map((s) => ({ ...s, enabled: s.flow === "orders" })) });
  await page.getByLabel("How often Orders runs").selectOption("3600");
  await page.getByRole("switch", { name: "Stock" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  const [{ schedules }] = await page.evaluate(() => window.__harness.callsTo("save_flow_schedules"));
  assert.deepEqual(
    schedules.filter((s) => s.enabled).map((s) => [s.flow, s.interval_seconds]),
    [["orders", 3600], ["stock", 300]],
  );
  await screenshot(page, "settings");
});

test("before going live the schedules wait for the setup, and nothing is switched on from here", async () => {
  const { page } = await openSettings();
  assert.ok(await page.getByText("Flows are switched on in the setup, after the preview.").isVisible());
  assert.ok(await page.getByRole("switch", { name: "Orders" }).isDisabled());
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  assert.equal((await page.evaluate(() => window.__harness.callsTo("save_flow_schedules"))).length, 0);
});

test("a connection can be checked with a real read", async () => {
  const { page } = await openSettings({ status: liveStatus });
  await page.getByRole("button", { name: "Check now" }).first().click();
  await page.getByText("Works: Koffiebranderij De Gouden Boon B.V. answered.").waitFor();
});

test("the differences from the documented API are listed by name, with how to send them, and can be cleared", async () => {
  const differences = [
    { system: "salespos", kind: "unknown_field", place: "orders", name: "take_out_window", count: 12, first_seen: "2026-11-28T08:00:00Z", last_seen: "2026-11-28T09:30:00Z" },
    { system: "eaccounting", kind: "undocumented_status", place: "POST customers", name: "422", count: 1, first_seen: "2026-11-28T08:10:00Z", last_seen: "2026-11-28T08:10:00Z" },
  ];
  const { page, problems } = await openSettings({ differences });
  const panel = page.getByTestId("api-differences");
  await panel.getByRole("heading", { name: "Differences from the documented API" }).waitFor();
  assert.ok(await panel.getByRole("cell", { name: "take_out_window" }).isVisible());
  assert.ok(await panel.getByRole("cell", { name: "Unknown field" }).isVisible());
  assert.ok(await panel.getByRole("cell", { name: "Undocumented status or code" }).isVisible());
  assert.ok(await panel.getByText("posbridge diagnose --output diagnosis.json").isVisible());
  await screenshot(page, "settings-api-differences");

  await panel.getByRole("button", { name: "Clear the list" }).click();
  await panel.getByText("None so far: both services answered as documented.").waitFor();
  assert.equal((await page.evaluate(() => window.__harness.callsTo("clear_api_differences"))).length, 1);
  assert.deepEqual(problems, []);
});
