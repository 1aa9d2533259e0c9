// The first thing a merchant sees: the wizard's welcome step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, defaultSettings, defaultStatus, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

test("a new merchant is welcomed with the choice between real and demo systems", async () => {
  const { page, problems } = await openUi();
  await page.getByRole("heading", { name: "Welcome to PosBridge" }).waitFor();
  assert.ok(await page.getByRole("button", { name: "Connect your systems" }).isVisible());
  assert.ok(await page.getByRole("button", { name: "Try with demo systems" }).isVisible());
  const current = page.locator('.steps [aria-current="step"]');
  assert.match(await current.innerText(), /Welcome/);
  assert.deepEqual(problems, []);
  await screenshot(page, "welcome");
});

test("choosing the demo systems starts them and moves the wizard on to the next step", async () => {
  const { page } = await openUi();
  await page.getByRole("button", { name: "Try with demo systems" }).click();
  await page.waitForFunction(() => document.querySelector('.steps [aria-current="step"]')?.textContent?.includes("Visma"));
  assert.equal((await page.evaluate(() => window.__harness.callsTo("try_demo"))).length, 1);
  assert.match(await page.getByTestId("eaccounting-connected").innerText(), /Koffiebranderij De Gouden Boon B\.V\./);
});

test("a Dutch merchant gets the welcome in Dutch", async () => {
  const { page } = await openUi({ settings: { ...defaultSettings, language: "nl" } });
  await page.getByRole("heading", { name: "Welkom bij PosBridge" }).waitFor();
  assert.ok(await page.getByRole("button", { name: "Probeer met demosystemen" }).isVisible());
  assert.ok(await page.getByRole("button", { name: "Overzicht" }).isVisible(), "the menu is Dutch too");
});

test("the window says plainly where secrets are kept when there is no keyring", async () => {
  const { page } = await openUi({ status: { ...defaultStatus, secret_backend: { kind: "memory" } } });
  const footer = page.getByTestId("secret-backend");
  await footer.waitFor();
  assert.match(await footer.innerText(), /memory only/);
});
