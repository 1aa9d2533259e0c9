// The merchant's settings: start at login, notifications, retention, language.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveHarness, launchBrowser, openUi } from "./support.mjs";

let server, browser;
before(async () => {
  server = await serveHarness();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("switching off start at login is saved", async () => {
  const { page } = await openUi(browser, server.url);
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByTestId("start-at-login").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();
  const saved = await page.evaluate(() => window.__harness.callsTo("save_settings").map((a) => a.settings));
  assert.equal(saved.length, 1);
  assert.equal(saved[0].start_at_login, false);
  assert.equal(saved[0].log_retention_days, 90);
});

test("choosing Dutch switches the window to Dutch", async () => {
  const { page } = await openUi(browser, server.url);
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByLabel("Language").selectOption("nl");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: "Instellingen" }).waitFor();
});
