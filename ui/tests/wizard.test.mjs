// The setup wizard, step by step: the demo systems walked with the defaults to "Go live", and
// the real systems' connections with their validation and known failures, the flows, the
// orders questions, the preview and the first run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harnessInBrowser, screenshot, schedulesOff, ordersPreview, counts } from "./support.mjs";

const openUi = harnessInBrowser();

const currentStep = (page) => page.locator('.steps [aria-current="step"]').innerText();
const next = (page) => page.getByTestId("wizard-next").click();
const calls = (page, cmd) => page.evaluate((cmd) => window.__harness.callsTo(cmd), cmd);

async function onStep(page, name) {
  await page.waitForFunction((name) => document.querySelector('.steps [aria-current="step"]')?.textContent?.includes(name), name);
}

test("the demo systems are walked with the defaults from welcome to going live", async () => {
  const { page, problems } = await openUi({ height: 1500 });
  await page.getByRole("button", { name: "Try with demo systems" }).click();

  await onStep(page, "Visma eAccounting");
  assert.match(await page.getByTestId("eaccounting-connected").innerText(), /demo company/);
  await screenshot(page, "wizard-2-eaccounting");
  await next(page);

  await onStep(page, "CCV SalesPOS");
  assert.match(await page.getByTestId("salespos-connected").innerText(), /De Gouden Boon/);
  assert.equal(await page.getByLabel("Secret key").count(), 0, "the demo needs no keys");
  await screenshot(page, "wizard-3-salespos");
  await next(page);

  await onStep(page, "Flows");
  assert.ok(await page.getByRole("switch", { name: "Orders" }).isChecked(), "orders is proposed");
  assert.ok(!(await page.getByRole("switch", { name: "Stock" }).isChecked()));
  assert.match(await page.locator(".flow-switches").innerText(), /SalesPOS → eAccounting/);
  await screenshot(page, "wizard-4-flows");
  await next(page);

  await onStep(page, "Questions");
  await page.getByRole("group", { name: "Order statuses to book" }).waitFor();
  assert.ok(await page.getByRole("checkbox", { name: "Completed" }).isChecked());
  assert.equal(await page.getByTestId("default-debtor-chosen").innerText(), "Kassaverkoop");
  assert.equal(await page.getByLabel("Terms of payment for Pin").inputValue(), "11111111-0000-4000-8000-000000000002");
  const check = page.getByLabel("Look for new till sales");
  assert.equal(await check.locator("option:checked").innerText(), "Every 15 seconds");
  await check.selectOption({ label: "Every 30 seconds" });
  await screenshot(page, "wizard-5-questions");
  await next(page);

  await onStep(page, "Preview");
  await page.getByTestId("preview-orders").waitFor();
  const saved = await calls(page, "save_orders_answers");
  assert.equal(saved.length, 1, "the answers were saved");
  assert.equal(saved[0].answers.settings.new_sales_check_seconds, 30, "with the merchant's check interval");
  assert.deepEqual((await calls(page, "preview"))[0].flows, ["orders"]);
  assert.equal((await calls(page, "save_flow_schedules")).length, 0, "nothing is switched on before going live");
  await screenshot(page, "wizard-6-preview");
  await next(page);

  await onStep(page, "Go live");
  await page.getByTestId("go-live").click();
  await page.getByTestId("golive-results").waitFor();
  assert.equal(await page.getByRole("progressbar").getAttribute("aria-valuenow"), "100");
  assert.match(await page.getByTestId("golive-results").innerText(), /Orders: 1 created, 0 updated, 1 skipped, 0 failed/);
  const wentLive = (await calls(page, "go_live"))[0].schedules;
  assert.deepEqual(wentLive.filter((s) => s.enabled).map((s) => s.flow), ["orders"]);
  await screenshot(page, "wizard-7-live");

  await page.getByTestId("open-dashboard").click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.deepEqual(problems, []);
});

test("connecting Visma opens the browser and names the company; known failures say what is wrong", async () => {
  const { page } = await openUi({
    eaccountingError: {
      code: "eaccounting.module_not_activated",
      message: "The API integration is not activated for this company in Visma eAccounting. In eAccounting open Settings > Apps/Integrations, activate the integration, then try again.",
    },
  });
  await page.getByRole("button", { name: "Connect your systems" }).click();
  await onStep(page, "Visma eAccounting");
  assert.ok(await page.getByTestId("wizard-next").isDisabled(), "not before connecting");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /The API is not activated for this company/);
  assert.match(await alert.innerText(), /Apps\/Integrations/);
  await screenshot(page, "wizard-2-eaccounting-failure");

  await page.evaluate(() => (window.__state.eaccountingError = null));
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByTestId("eaccounting-connected").waitFor();
  assert.match(await page.getByTestId("eaccounting-connected").innerText(), /Bakkerij Jansen B\.V\./);
  assert.deepEqual((await calls(page, "connect_eaccounting")).at(-1), { ownApp: null }, "this build's own Visma app");
  assert.ok(!(await page.getByTestId("wizard-next").isDisabled()));
});

test("without a built-in Visma app the client id and secret are asked for, and required", async () => {
  const { page } = await openUi({ visma_app_built_in: false });
  await page.getByRole("button", { name: "Connect your systems" }).click();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  assert.equal(await page.getByText("Fill this in.").count(), 2);
  assert.equal((await calls(page, "connect_eaccounting")).length, 0, "nothing is sent half-filled");
  await page.getByLabel("Client id").fill("my-app");
  await page.getByLabel("Client secret").fill("my-secret");
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByTestId("eaccounting-connected").waitFor();
  assert.deepEqual((await calls(page, "connect_eaccounting"))[0], { ownApp: { client_id: "my-app", client_secret: "my-secret" } });
  assert.equal(await page.getByLabel("Client secret").inputValue(), "", "the secret is not kept in the form");
});

test("the SalesPOS keys are validated, tested with the shop, and the secret is not kept", async () => {
  const { page } = await openUi();
  await page.getByRole("button", { name: "Connect your systems" }).click();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByTestId("eaccounting-connected").waitFor();
  await next(page);
  await onStep(page, "CCV SalesPOS");

  const test = page.getByRole("button", { name: "Test and save" });
  await test.click();
  assert.equal(await page.getByText("Fill this in.").count(), 3);

  await page.getByLabel("API root (your shop's address)").fill("http://mijnwinkel.example");
  await page.getByLabel("Public key").fill("pub");
  await page.getByLabel("Secret key").fill("wrong");
  await test.click();
  assert.ok(await page.getByText("The address must start with https://.").isVisible());
  assert.equal((await calls(page, "connect_salespos")).length, 0);

  await page.getByLabel("API root (your shop's address)").fill("https://mijnwinkel.example");
  await test.click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /CCV SalesPOS did not accept these keys/);
  await screenshot(page, "wizard-3-salespos-failure");

  await page.getByLabel("Secret key").fill("right");
  await test.click();
  await page.getByTestId("salespos-connected").waitFor();
  assert.match(await page.getByTestId("salespos-connected").innerText(), /Bakkerij Jansen/);
  assert.equal(await page.getByLabel("Secret key").inputValue(), "", "the secret leaves the form once stored");
  assert.deepEqual((await calls(page, "connect_salespos")).at(-1), { keys: { api_root: "https://mijnwinkel.example", public_key: "pub", secret: "right" } });
});

async function demoAt(page, step) {
  await page.getByRole("button", { name: "Try with demo systems" }).click();
  await onStep(page, "Visma eAccounting");
  for (const name of ["CCV SalesPOS", "Flows", "Questions", "Preview", "Go live"]) {
    if ((await currentStep(page)).includes(step)) return;
    await next(page);
    await onStep(page, name);
  }
}

test("at least one flow must be switched on", async () => {
  const { page } = await openUi();
  await demoAt(page, "Flows");
  await page.getByRole("switch", { name: "Orders" }).uncheck();
  await next(page);
  assert.ok(await page.getByText("Switch on at least one flow.").isVisible());
  assert.match(await currentStep(page), /Flows/);
  await page.getByRole("switch", { name: "Stock" }).check();
  await next(page);
  await onStep(page, "Questions");
  await page.getByRole("group", { name: "Stock the till shows" }).waitFor();
  assert.equal(await page.locator(".flow-questions h2").allInnerTexts().then((t) => t.join()), "Stock", "only the chosen flow asks");
});

test("the other flows ask their own questions: stock calculation, product fields with their update boxes, filters", async () => {
  const { page, problems } = await openUi({
    height: 2400,
    schedules: schedulesOff.map((s) => ({ ...s, enabled: s.flow !== "orders" })),
  });
  await demoAt(page, "Questions");
  await page.getByRole("group", { name: "Stock the till shows" }).waitFor();
  await screenshot(page, "wizard-5-catalogue-questions");

  await page.getByRole("radio", { name: /On hand, reservations ignored/ }).check();
  await page.getByLabel("Keep back (units per article, for breakage or display)").fill("-1");
  await next(page);
  assert.ok(await page.getByText("The number to keep back cannot be below zero.").isVisible());
  await page.getByLabel("Keep back (units per article, for breakage or display)").fill("2");

  await page.getByRole("checkbox", { name: "Long description: also on update" }).check();
  await page.getByRole("checkbox", { name: "Price: also on update" }).uncheck();
  await page.getByRole("checkbox", { name: "Thee" }).check();
  await page.getByRole("checkbox", { name: "Only stock articles" }).check();
  await page.getByLabel("Which way products go").selectOption("both");
  await page.getByLabel("Account coding for tariff low a").selectOption({ label: "Omzet laag (9%)" });
  await page.getByLabel("Which way customers go").selectOption("both");
  await page.getByRole("checkbox", { name: /Create a till account/ }).uncheck();
  await page.getByLabel("New categories go under").selectOption({ label: "Koffie" });

  await next(page);
  await onStep(page, "Preview");
  const saved = Object.fromEntries((await calls(page, "save_catalog_answers")).map(({ answers }) => [answers.flow, answers.settings]));
  assert.equal(saved.stock.calculation, "physical");
  assert.equal(saved.stock.safety_margin, "2");
  assert.equal(saved.products.update.description, true);
  assert.equal(saved.products.update.price, false);
  assert.equal(saved.products.direction, "both");
  assert.deepEqual(saved.products.filters.labels, ["Thee"]);
  assert.equal(saved.products.filters.only_stock_articles, true);
  assert.equal(saved.products.to_books.coding_by_tariff["low a"], "22222222-0000-4000-8000-000000000002");
  assert.equal(saved.customers.direction, "both");
  assert.equal(saved.customers.to_pos.create, false);
  assert.equal(saved.categories.parent_category_id, 501);
  assert.equal((await calls(page, "save_orders_answers")).length, 0, "orders is off: not asked");
  assert.deepEqual(problems, []);
});

test("the orders questions are checked before saving, and the answers land in the settings and lookups", async () => {
  const { page } = await openUi({ height: 1600 });
  await demoAt(page, "Questions");
  await page.getByRole("group", { name: "Order statuses to book" }).waitFor();

  await page.getByRole("checkbox", { name: "Completed" }).uncheck();
  await next(page);
  assert.ok(await page.getByText("Choose at least one order status to book.").isVisible());
  assert.equal((await calls(page, "save_orders_answers")).length, 0);
  await screenshot(page, "wizard-5-questions-invalid");

  await page.getByRole("checkbox", { name: "Completed" }).check();
  await page.getByRole("checkbox", { name: "Wait for payment" }).check();
  await page.getByLabel("Book till sales as").selectOption("invoice_draft");
  await page.getByTestId("default-debtor").getByRole("button", { name: "Change" }).click();
  await page.getByLabel("Customer for till sales: Search").fill("zwaan");
  await page.getByRole("button", { name: /Café de Zwaan/ }).click();
  assert.equal(await page.getByTestId("default-debtor-chosen").innerText(), "Café de Zwaan");
  await page.getByLabel("Terms of payment for Contant").selectOption({ label: "Contant" });
  await page.getByLabel("Reference text for Pin").fill("Pinbetaling");
  await page.getByLabel("VAT for Netherlands").selectOption("21");
  await page.getByLabel("Add a country").selectOption("BE");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByLabel("Revenue account for Belgium").selectOption("8002");
  await page.getByLabel("How often Orders runs").selectOption("900");
  await page.getByTestId("shipping-article").getByRole("button", { name: "Change" }).click();
  await page.getByLabel("Article for shipping costs: Search").fill("VERZEND");
  await page.getByRole("button", { name: /VERZEND – Verzendkosten/ }).click();

  await next(page);
  await onStep(page, "Preview");
  const [{ answers }] = await calls(page, "save_orders_answers");
  assert.equal(answers.settings.document, "invoice_draft");
  assert.equal(answers.settings.default_debtor, "44444444-0000-4000-8000-000000000002");
  assert.equal(answers.settings.shipping_article, "VERZEND");
  assert.deepEqual(answers.lookups.pos_status_include.entries, { 4: true, 7: true });
  assert.equal(answers.lookups.payment_method_terms.entries.cash, "11111111-0000-4000-8000-000000000001");
  assert.equal(answers.lookups.payment_method_reference.entries.pin, "Pinbetaling");
  assert.deepEqual(answers.lookups.country_vat_code.entries, { NL: "21" });
  assert.deepEqual(answers.lookups.country_revenue_account.entries, { BE: 8002 });

  await page.getByRole("button", { name: "Back" }).click();
  await onStep(page, "Questions");
  await page.getByRole("group", { name: "Order statuses to book" }).waitFor();
  assert.equal(await page.getByLabel("How often Orders runs").inputValue(), "900", "the schedule is kept until going live");
});

test("how a business from abroad at the counter is booked, and the deposit article, are asked and saved", async () => {
  const { page } = await openUi({ height: 1800 });
  await demoAt(page, "Questions");
  const foreign = page.getByTestId("foreign-business");
  await foreign.getByText("Businesses from another EU country at the counter").waitFor();
  assert.ok(await foreign.getByText(/reverse charge \(0% VAT\)/).isVisible(), "the choice is explained");
  assert.ok(await foreign.getByRole("radio", { name: /On their own customer card/ }).isChecked(), "the default");
  await foreign.getByRole("radio", { name: /On the default debtor/ }).check();
  await page.getByTestId("deposit-article").getByRole("button", { name: "Change" }).click();
  await page.getByLabel("Article for deposits (statiegeld, borg): Search").fill("STATIEGELD");
  await page.getByRole("button", { name: /STATIEGELD – Statiegeld en borg/ }).click();
  await screenshot(page, "wizard-5-questions-foreign-business");

  await next(page);
  await onStep(page, "Preview");
  const [{ answers }] = await calls(page, "save_orders_answers");
  assert.equal(answers.settings.foreign_business_sales, "default_debtor");
  assert.equal(answers.settings.deposit_article, "STATIEGELD");
});

test("a default debtor is needed unless sales go on the receipt's customer, and the engine's refusal is shown", async () => {
  const { page } = await openUi({
    answers: { settings: { customers: "default_debtor", default_debtor: null, only_paid: true, document: "invoice", reference_field: "your_reference" }, lookups: { pos_status_include: { entries: { 7: true } } } },
    rejectAnswers: { code: "settings", message: "orders.new_article_coding_id: choose the account coding and unit for articles PosBridge creates" },
  });
  await demoAt(page, "Questions");
  await page.getByRole("group", { name: "Order statuses to book" }).waitFor();
  assert.equal(await page.getByTestId("default-debtor-chosen").innerText(), "none chosen");
  await next(page);
  assert.ok(await page.getByText("Choose the customer that till sales are booked on.").isVisible());

  await page.getByRole("radio", { name: /The customer on the receipt/ }).check();
  await next(page);
  const alert = page.locator('.banner.error[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /choose the account coding/);
  assert.match(await currentStep(page), /Questions/, "the wizard stays until the answers are accepted");
});

test("the preview shows what would be created, skipped with reasons, and what would fail with the fix", async () => {
  const { page } = await openUi({
    preview: [ordersPreview, { flow: "stock", run_id: null, dry_run: true, counts: counts(), items: [], error: "The stock flow is not available in this version of PosBridge yet." }],
    schedules: schedulesOff.map((s) => ({ ...s, enabled: s.flow === "orders" || s.flow === "stock" })),
  });
  await demoAt(page, "Preview");
  const orders = page.getByTestId("preview-orders");
  await orders.waitFor();
  const text = await orders.innerText();
  assert.match(text, /1\s*would be created/);
  assert.match(text, /1\s*would fail/);
  assert.match(text, /POS order 19\s*Article POS-TAART does not exist in eAccounting\. Add it there, then retry\./);
  assert.match(text, /rows\[0\]\.sku/);
  assert.match(text, /POS order 17 invoice for Kassaverkoop, 12\.95 EUR/);
  assert.match(text, /1×\s*it is not paid yet/);
  assert.match(await page.getByTestId("preview-stock").innerText(), /cannot run yet: The stock flow is not available/);
});

test("going live shows the first run's progress and results", async () => {
  const { page } = await openUi();
  await demoAt(page, "Go live");
  await page.getByTestId("go-live").click();
  await page.getByTestId("golive-results").waitFor();
  assert.match(await page.getByRole("status").filter({ hasText: "Done." }).innerText(), /Done\./);
  assert.ok(await page.getByRole("button", { name: "Close the window" }).isVisible(), "it may close to the tray");
  const statuses = await page.evaluate(() => window.__harness.callsTo("get_status").length);
  assert.ok(statuses >= 2, "the window reads the new state after going live");
});

test("a step can be opened again from Settings once PosBridge is live", async () => {
  const { page } = await openUi({
    status: { paused: false, enabled_flows: ["orders"], running_flows: [], connections: [], failed_records: 0, secret_backend: { kind: "os_keyring", name: "the keyring" }, data_dir: "/x" },
    schedules: schedulesOff.map((s) => ({ ...s, enabled: s.flow === "orders" })),
  });
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("button", { name: "4. Flows" }).click();
  await onStep(page, "Flows");
  await page.getByRole("switch", { name: "Stock" }).check();
  await next(page);
  await onStep(page, "Questions");
  const saved = (await calls(page, "save_flow_schedules")).at(-1).schedules;
  assert.deepEqual(saved.filter((s) => s.enabled).map((s) => s.flow), ["orders", "stock"], "live: a switch takes effect at once");
});

test("refunds are skipped unless the merchant books them, and then only as invoices", async () => {
  const { page } = await openUi({ height: 1700 });
  await demoAt(page, "Questions");
  const refunds = page.getByRole("radiogroup", { name: "Refunds and returns at the till" });
  await refunds.waitFor();
  assert.ok(await refunds.getByRole("radio", { name: /Do not book them/ }).isChecked(), "skipped unless asked");

  await refunds.getByRole("radio", { name: /Book them/ }).check();
  await page.getByLabel("Book till sales as").selectOption("order");
  await next(page);
  assert.ok(await page.getByText("eAccounting has credit invoices only").isVisible());
  assert.equal((await calls(page, "save_orders_answers")).length, 0);

  await page.getByLabel("Book till sales as").selectOption("invoice");
  await page.getByText("More options").click();
  await page.getByRole("checkbox", { name: /Shorten names and addresses/ }).check();
  await next(page);
  await onStep(page, "Preview");
  const [{ answers }] = await calls(page, "save_orders_answers");
  assert.equal(answers.settings.refunds, "credit_invoice");
  assert.equal(answers.settings.shorten_long_texts, true);
});
