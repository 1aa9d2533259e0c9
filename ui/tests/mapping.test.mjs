// The datamapper editor: every target field with its rule and default, a rule edited as an
// expression with autocompletion and inline errors, the live preview on a real record, the
// checks before saving, lookup tables from the live lists, reset per field and per flow, and the
// way in from the wizard's questions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, liveStatus, schedulesOff, screenshot } from "./support.mjs";

const openUi = harnessInBrowser();

async function openEditor(options) {
  const ui = await openUi({ status: liveStatus, height: 1100, ...options });
  await ui.page.getByRole("button", { name: "Settings" }).click();
  await ui.page.getByRole("button", { name: "Orders: mapping" }).click();
  await ui.page.getByRole("heading", { name: "Orders mapping" }).waitFor();
  // The preview of the newest sale is in.
  await ui.page.getByTestId("preview-OurReference").getByText("Pin (kassa)").waitFor();
  return ui;
}

const row = (page, field) => page.getByTestId(`field-${field}`);
const saved = (page) => page.evaluate(() => window.__harness.callsTo("save_mapping"));

test("every target field is listed with the rule that fills it, the default marked, and what it gives on a real sale", async () => {
  const { page, problems } = await openEditor();
  assert.equal(await row(page, "OurReference").getAttribute("data-state"), "default");
  assert.match(await row(page, "OurReference").innerText(), /payment_method_reference\[order\.paymethod\]\s*default/);
  assert.match(await page.getByTestId("preview-OurReference").innerText(), /Pin \(kassa\)\s*← order\.paymethod = pin/);
  assert.match(await row(page, "BuyersOrderReference").innerText(), /not filled/);
  assert.equal(await row(page, "YourReference").getAttribute("data-state"), "reserved");
  assert.match(await row(page, "YourReference").innerText(), /PosBridge fills this/);
  assert.match(await page.getByTestId("mapping-editor").innerText(), /Writes eAccounting's invoice draft\./);
  const previews = await page.evaluate(() => window.__harness.callsTo("preview_mapping"));
  assert.equal(previews.at(-1).record, "5001", "the newest sale is previewed first");
  assert.deepEqual(problems, []);
});

test("a rule becomes an expression with autocompletion; an error shows inline as it is typed; the preview follows; flagged, then saved", async () => {
  const { page } = await openEditor();
  await row(page, "OurReference").getByRole("button", { name: "OurReference" }).click();
  await page.getByRole("radio", { name: "Expression" }).check();
  const expression = page.getByTestId("expression");
  assert.equal(await expression.inputValue(), 'lookup("payment_method_reference", order.paymethod)', "switching keeps what the rule did");

  await expression.fill("");
  await expression.pressSequentially('concat("Kassa ", upper(order.pay');
  await page.getByTestId("expression-error").filter({ hasText: "a '(' is never closed (at character 23)" }).waitFor();
  await page.getByTestId("suggestions").getByText("order.paymethod", { exact: true }).waitFor();
  await expression.press("Enter");
  assert.equal(await expression.inputValue(), 'concat("Kassa ", upper(order.paymethod');
  await expression.fill('concat("Kassa ", order.paymethod)');
  await page.getByTestId("expression-error").waitFor({ state: "detached" });
  await page.getByTestId("preview-OurReference").getByText("Kassa pin").waitFor();
  assert.equal(await row(page, "OurReference").getAttribute("data-state"), "changed");
  await row(page, "OurReference").getByText("check").waitFor();
  await screenshot(page, "mapping-editor");

  await page.getByTestId("save-mapping").click();
  const dialog = page.getByRole("alertdialog", { name: "Save with flagged rules?" });
  await dialog.getByText("OurReference takes at most 100 characters").waitFor();
  assert.equal((await saved(page)).length, 0, "nothing is saved before the merchant accepts");
  await dialog.getByRole("button", { name: "Save anyway" }).click();
  await page.getByText("Saved. The next run uses the new rules.").waitFor();
  const [{ flow, set, mapping }] = await saved(page);
  assert.equal(flow, "orders");
  assert.equal(set, "order_document");
  assert.deepEqual(mapping.rules.find((r) => r.target === "OurReference").source, { kind: "expression", expression: 'concat("Kassa ", order.paymethod)' });
});

test("an unknown function is named where it stands", async () => {
  const { page } = await openEditor();
  await row(page, "DeliveryCity").getByRole("button", { name: "DeliveryCity" }).click();
  await page.getByRole("radio", { name: "Expression" }).check();
  await page.getByTestId("expression").fill("uper(delivery.city)");
  await page.getByTestId("expression-error").filter({ hasText: "there is no function named uper (at character 1)" }).waitFor();
});

test("a source field is picked from the tree of the real sale's fields", async () => {
  const { page } = await openEditor();
  await row(page, "BuyersOrderReference").getByRole("button", { name: "BuyersOrderReference" }).click();
  await page.getByRole("radio", { name: "Source field" }).check();
  const tree = page.getByTestId("field-tree");
  await tree.getByText("order", { exact: true }).click();
  await tree.locator('[data-path="order.ordernumber"]').click();
  await page.getByTestId("preview-BuyersOrderReference").getByText("17", { exact: true }).waitFor();
  assert.match(await row(page, "BuyersOrderReference").innerText(), /order\.ordernumber\s*changed/);
});

test("a rule that would give a refused value blocks saving; a reserved field cannot be edited", async () => {
  const { page } = await openEditor();
  await row(page, "YourReference").getByRole("button", { name: "YourReference" }).click();
  assert.match(await page.getByTestId("reserved").innerText(), /PosBridge fills this field itself: PosBridge puts its reference/);
  assert.equal(await page.getByTestId("rule-editor").getByRole("radio").count(), 0);

  await row(page, "BuyersOrderReference").getByRole("button", { name: "BuyersOrderReference" }).click();
  await page.getByRole("radio", { name: "Constant" }).check();
  await page.getByLabel("Value", { exact: true }).fill("Verkoop aan de toonbank van de winkel");
  await page.getByText("1 rule has an error: fix it before saving.").waitFor();
  await row(page, "BuyersOrderReference").getByText("error").waitFor();
  await page.getByTestId("rule-issues").getByText("BuyersOrderReference takes at most 35 characters").waitFor();
  assert.ok(await page.getByTestId("save-mapping").isDisabled());
  await screenshot(page, "mapping-validation");
});

test("the preview follows the chosen record, and a rule that fails on it says why", async () => {
  const { page } = await openEditor();
  await page.getByTestId("preview-record").selectOption("5002");
  await page.getByTestId("preview-OurReference").getByText("Fails: the lookup table 'payment_method_reference' has no entry for 'ideal' and no default").waitFor();
  assert.match(await page.getByTestId("preview-DeliveryCity").innerText(), /Utrecht\s*← delivery\.city = Utrecht/);
  const previews = await page.evaluate(() => window.__harness.callsTo("preview_mapping"));
  assert.equal(previews.at(-1).record, "5002");
});

test("lookup table rows are picked from the live systems' lists and saved with the mapping", async () => {
  const { page } = await openEditor();
  const terms = page.getByTestId("lookup-payment_method_terms");
  await terms.getByLabel("Add a row to payment method -> terms of payment").selectOption("cash");
  await terms.getByRole("button", { name: "Add" }).click();
  await terms.getByLabel("Value for Contant").selectOption({ label: "Contant" });
  await page.getByTestId("save-mapping").click();
  await page.getByText("Saved. The next run uses the new rules.").waitFor();
  const [{ lookups }] = await saved(page);
  assert.deepEqual(lookups.payment_method_terms.entries, {
    pin: "11111111-0000-4000-8000-000000000002",
    cash: "11111111-0000-4000-8000-000000000001",
  });
});

test("a lookup table's value for any other key fills what its rows miss, in the preview and when saved", async () => {
  const { page } = await openEditor();
  await page.getByTestId("preview-record").selectOption("5002");
  await page.getByTestId("preview-OurReference").getByText("Fails: the lookup table 'payment_method_reference' has no entry for 'ideal' and no default").waitFor();
  const table = page.getByTestId("lookup-payment_method_reference");
  await table.getByLabel("Value for any other key").fill("Betaald (kassa)");
  await page.getByTestId("preview-OurReference").getByText("Betaald (kassa)").waitFor();
  await page.getByTestId("save-mapping").click();
  await page.getByText("Saved. The next run uses the new rules.").waitFor();
  const [{ lookups }] = await saved(page);
  assert.equal(lookups.payment_method_reference.default, "Betaald (kassa)");
  assert.equal(lookups.payment_method_reference.entries.pin, "Pin (kassa)", "the rows stay");

  // Emptied, a key not listed is an error again: nothing is silently booked with an empty text.
  await table.getByLabel("Value for any other key").fill("");
  await page.getByTestId("preview-OurReference").getByText("has no entry for 'ideal' and no default", { exact: false }).waitFor();
});

test("a field goes back to its default, and the whole flow too", async () => {
  const { page } = await openEditor();
  await row(page, "DeliveryCity").getByRole("button", { name: "DeliveryCity" }).click();
  await page.getByRole("radio", { name: "Constant" }).check();
  await page.getByLabel("Value", { exact: true }).fill("Utrecht");
  assert.equal(await row(page, "DeliveryCity").getAttribute("data-state"), "changed");
  await page.getByTestId("reset-field").click();
  assert.equal(await row(page, "DeliveryCity").getAttribute("data-state"), "default");
  assert.match(await row(page, "DeliveryCity").innerText(), /delivery\.city\s*default/);

  page.once("dialog", (dialog) => dialog.accept());
  await page.getByTestId("reset-flow").click();
  await page.getByText("Back to the defaults.").waitFor();
  assert.deepEqual(await page.evaluate(() => window.__harness.callsTo("reset_mapping")), [{ flow: "orders", set: null }]);
});

test("the shared customer mapping says so, and its fields are the customer's", async () => {
  const { page } = await openEditor();
  await page.getByRole("tab", { name: "Customer" }).click();
  await page.getByText("Shared with the Customers flow: a change applies there too.").waitFor();
  await row(page, "IsCompany").waitFor();
});

test("the wizard's questions open the mapping, having saved the answers so far", async () => {
  const schedules = schedulesOff.map((s) => ({ ...s, enabled: s.flow === "orders" }));
  const { page } = await openUi({ status: liveStatus, schedules, height: 1000 });
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("button", { name: "5. Questions" }).click();
  await page.getByRole("group", { name: "Order statuses to book" }).waitFor();
  await page.getByTestId("questions-mapping-orders").click();
  await page.getByRole("heading", { name: "Orders mapping" }).waitFor();
  assert.equal((await page.evaluate(() => window.__harness.callsTo("save_orders_answers"))).length, 1);
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByRole("heading", { name: "A few questions" }).waitFor();
});
