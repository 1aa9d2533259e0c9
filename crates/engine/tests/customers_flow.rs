//! The customers flow as a merchant lives it: the till's customers are in the bookkeeping once
//! each, as company or private person, set up for their country's VAT; and, when chosen, the
//! bookkeeping's customers get accounts at the till.

mod catalog;
mod support;

use std::collections::BTreeMap;

use catalog::{
    books, books_log, clear_logs, count, pos, pos_log, sync_again_unchanged, sync_ok, writes,
};
use engine::flows::customers::CustomerDirection;
use engine::mapping::{LookupTable, Lookups, COUNTRY_VAT_CODE};
use engine::FlowKind;
use salespos::{Address, NewUser, PersonalInfo};
use serde_json::Value;

const NEW_CUSTOMER: &str = "POST /v2/customers";
const CHANGED_CUSTOMER: &str = "PUT /v2/customers/{id}";

/// Every e-mail the till knows a customer by (accounts and order customers), lower-case.
fn till_emails(shop: &support::Shop) -> Vec<String> {
    let till = shop.sandbox.salespos.snapshot();
    let mut emails: Vec<String> = till
        .users
        .values()
        .map(|u| u.username.to_lowercase())
        .chain(
            till.orders
                .values()
                .filter(|o| o.is_completed)
                .map(|o| o.customer.email.to_lowercase()),
        )
        .filter(|e| e.contains('@'))
        .collect();
    emails.sort();
    emails.dedup();
    emails
}

fn customers_by_email(shop: &support::Shop) -> BTreeMap<String, Vec<Value>> {
    let mut by_email: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for customer in shop.books().customers {
        if let Some(email) = customer["EmailAddress"].as_str() {
            by_email
                .entry(email.to_lowercase())
                .or_default()
                .push(customer.clone());
        }
    }
    by_email
}

fn account(
    email: &str,
    name: (&str, &str),
    company: Option<&str>,
    btw: Option<&str>,
    country: &str,
) -> NewUser {
    NewUser {
        username: email.into(),
        password: "geheim-123".into(),
        status: Some(true),
        group_id: None,
        userinfo: Some(PersonalInfo {
            email: Some(email.into()),
            customertype: Some(if company.is_some() { "b2b" } else { "b2c" }.into()),
            btw: btw.map(str::to_string),
            billingaddress: Some(Address {
                first_name: Some(name.0.into()),
                last_name: Some(name.1.into()),
                full_name: Some(format!("{} {}", name.0, name.1)),
                company: company.map(str::to_string),
                address_line_1: Some("Marktplein 1".into()),
                zipcode: Some("9000".into()),
                city: Some("Gent".into()),
                country_code: Some(country.into()),
                ..Address::default()
            }),
            ..PersonalInfo::default()
        }),
        extra: Default::default(),
    }
}

#[tokio::test]
async fn every_till_customer_is_in_the_bookkeeping_once_and_a_second_run_writes_nothing() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |_| {});
    let before = customers_by_email(&shop);

    let summary = sync_ok(&shop, FlowKind::Customers).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let after = customers_by_email(&shop);
    let emails = till_emails(&shop);
    assert!(emails.len() > 20);
    for email in &emails {
        let found = after.get(email).map(Vec::len).unwrap_or(0);
        assert_eq!(found, 1, "{email} is one customer");
    }
    let new = emails.iter().filter(|e| !before.contains_key(*e)).count();
    assert_eq!(count(&books_log(&shop), NEW_CUSTOMER) as usize, new);
    assert_eq!(
        count(&books_log(&shop), CHANGED_CUSTOMER),
        0,
        "updating known customers is off"
    );

    sync_again_unchanged(&shop, FlowKind::Customers).await;
    assert_eq!(writes(&books_log(&shop)) + writes(&pos_log(&shop)), 0);
}

#[tokio::test]
async fn a_company_becomes_a_company_customer_with_its_contact_and_a_person_a_private_one() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| s.from_orders = false);
    let pos = pos(&shop);
    pos.users()
        .create(&account(
            "inkoop@lunchroomnoord.example",
            ("Iris", "Mulder"),
            Some("Lunchroom Noord"),
            Some("NL001234567B01"),
            "NL",
        ))
        .await
        .unwrap();
    pos.users()
        .create(&account(
            "thijs.dekker@example.com",
            ("Thijs", "Dekker"),
            None,
            None,
            "NL",
        ))
        .await
        .unwrap();

    sync_ok(&shop, FlowKind::Customers).await;
    let books = shop.books();
    let company = books
        .customer_by_email("inkoop@lunchroomnoord.example")
        .unwrap();
    assert_eq!(company["IsPrivatePerson"], false);
    assert_eq!(company["Name"], "Lunchroom Noord");
    assert_eq!(company["ContactPersonName"], "Iris Mulder");
    assert_eq!(company["VatNumber"], "NL001234567B01");
    let person = books.customer_by_email("thijs.dekker@example.com").unwrap();
    assert_eq!(person["IsPrivatePerson"], true);
    assert_eq!(person["Name"], "Thijs Dekker");
    assert!(person["ContactPersonName"].is_null());
}

#[tokio::test]
async fn customers_are_set_up_for_the_vat_code_of_their_country() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| s.from_orders = false);
    Lookups::new()
        .with(
            COUNTRY_VAT_CODE,
            LookupTable::new()
                .with("NL", "1a")
                .with("BE", "3b")
                .with("CH", "1a"),
        )
        .save(shop.engine.store(), FlowKind::Customers)
        .unwrap();
    let pos = pos(&shop);
    for user in [
        account(
            "anke@bistrogent.example",
            ("Anke", "Peeters"),
            Some("Bistro Gent"),
            Some("BE0412345678"),
            "BE",
        ),
        account(
            "jef@atelierjef.example",
            ("Jef", "Claes"),
            Some("Atelier Jef"),
            None,
            "BE",
        ),
        account("ueli@example.ch", ("Ueli", "Meier"), None, None, "CH"),
    ] {
        pos.users().create(&user).await.unwrap();
    }

    sync_ok(&shop, FlowKind::Customers).await;
    let books = shop.books();
    let reverse_charged = books.customer_by_email("anke@bistrogent.example").unwrap();
    assert_eq!(reverse_charged["InvoiceCountryCode"], "BE");
    assert_eq!(reverse_charged["IsPrivatePerson"], false);
    assert_eq!(reverse_charged["VatNumber"], "BE0412345678");
    let export_with_vat = books.customer_by_email("ueli@example.ch").unwrap();
    assert_eq!(
        export_with_vat["ForceBookkeepVat"], true,
        "a VAT code with a rate outside the EU"
    );
    assert!(books.customer_by_email("jef@atelierjef.example").is_none());

    let open = shop
        .engine
        .store()
        .read(|c| engine::store::failed::open(c, Some(FlowKind::Customers)))
        .unwrap();
    let jef = open
        .iter()
        .find(|f| f.label.contains("jef@atelierjef.example"))
        .expect("the company without VAT number waits on the failed list");
    assert_eq!(jef.error.code, "vat_number_missing");
    assert!(
        jef.error.reason.contains("Add the VAT number"),
        "{}",
        jef.error.reason
    );
}

#[tokio::test]
async fn a_known_customer_is_updated_only_when_the_merchant_allows_it() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| s.from_orders = false);
    let person = sandbox::demo::people(support::SEED)
        .into_iter()
        .enumerate()
        .find(|(i, p)| i % 2 == 0 && p.in_bookkeeping && p.company.is_none())
        .map(|(_, p)| p)
        .expect("someone is a till account and a customer already");
    let till = shop.sandbox.salespos.snapshot();
    let user = till.user_by_email(&person.email).unwrap();
    let mut info: PersonalInfo =
        serde_json::from_value(serde_json::to_value(&user.userinfo).unwrap()).unwrap();
    info.billingaddress.as_mut().unwrap().city = Some("Zwolle".into());
    pos(&shop)
        .users()
        .patch(
            salespos::UserId(user.id),
            &salespos::UserPatch {
                userinfo: Some(info),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    sync_ok(&shop, FlowKind::Customers).await;
    assert_eq!(
        shop.books().customer_by_email(&person.email).unwrap()["InvoiceCity"],
        person.city.as_str()
    );
    assert_eq!(count(&books_log(&shop), CHANGED_CUSTOMER), 0);

    catalog::customers_settings(&shop, |s| s.update_existing = true);
    sync_ok(&shop, FlowKind::Customers).await;
    let customers = customers_by_email(&shop);
    assert_eq!(customers[&person.email.to_lowercase()].len(), 1);
    assert_eq!(
        customers[&person.email.to_lowercase()][0]["InvoiceCity"],
        "Zwolle"
    );
}

#[tokio::test]
async fn bookkeeping_customers_get_a_till_account_once() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| s.direction = CustomerDirection::BooksToPos);

    let summary = sync_ok(&shop, FlowKind::Customers).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let till = shop.sandbox.salespos.snapshot();
    for customer in shop.books().customers {
        let Some(email) = customer["EmailAddress"].as_str() else {
            continue;
        };
        let accounts = till
            .users
            .values()
            .filter(|u| u.username.eq_ignore_ascii_case(email))
            .count();
        assert_eq!(accounts, 1, "{email} has one account");
        let user = till.user_by_email(email).unwrap();
        assert_eq!(
            user.userinfo.billingaddress.city,
            customer["InvoiceCity"].as_str().unwrap()
        );
    }
    assert!(count(&pos_log(&shop), "POST /api/rest/v1/users") > 0);
    assert_eq!(writes(&books_log(&shop)), 0);

    sync_again_unchanged(&shop, FlowKind::Customers).await;
    assert_eq!(writes(&pos_log(&shop)), 0);
}

#[tokio::test]
async fn both_ways_a_change_goes_across_once_and_never_comes_back() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| {
        s.direction = CustomerDirection::Both;
        s.from_orders = false;
        s.update_existing = true;
        s.to_pos.update_existing = true;
    });
    sync_ok(&shop, FlowKind::Customers).await;
    sync_again_unchanged(&shop, FlowKind::Customers).await;
    assert_eq!(writes(&books_log(&shop)) + writes(&pos_log(&shop)), 0);

    // The bookkeeper moves a customer; the till's account follows, and nothing comes back.
    let books_client = books(&shop).await;
    let person = sandbox::demo::people(support::SEED)
        .into_iter()
        .find(|p| p.in_bookkeeping)
        .unwrap();
    let mut customer: eaccounting::Customer = books_client
        .list_all(Some(
            eaccounting::Customer::EMAIL_ADDRESS.eq(person.email.clone()),
        ))
        .await
        .unwrap()
        .items
        .remove(0);
    customer.invoice_city = "Deventer".into();
    books_client
        .update(&customer.id.unwrap(), &customer)
        .await
        .unwrap();
    clear_logs(&shop);
    sync_ok(&shop, FlowKind::Customers).await;
    let till = shop.sandbox.salespos.snapshot();
    assert_eq!(
        till.user_by_email(&person.email)
            .unwrap()
            .userinfo
            .billingaddress
            .city,
        "Deventer"
    );
    assert_eq!(
        count(&books_log(&shop), CHANGED_CUSTOMER),
        0,
        "not sent back"
    );
    sync_again_unchanged(&shop, FlowKind::Customers).await;
    assert_eq!(writes(&books_log(&shop)) + writes(&pos_log(&shop)), 0);
}

#[tokio::test]
async fn a_lost_answer_to_a_create_does_not_make_the_customer_twice() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| s.from_orders = false);
    pos(&shop)
        .users()
        .create(&account(
            "sanne.smit@example.com",
            ("Sanne", "Smit"),
            None,
            None,
            "NL",
        ))
        .await
        .unwrap();
    shop.sandbox
        .eaccounting
        .control()
        .set_faults(sandbox::Faults {
            lose_response_next: 1,
            match_method: Some("POST".into()),
            match_path: Some("/v2/customers".into()),
            ..sandbox::Faults::default()
        });
    let summary = sync_ok(&shop, FlowKind::Customers).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let customers = customers_by_email(&shop);
    for (email, found) in &customers {
        assert_eq!(found.len(), 1, "{email} is one customer");
    }
    assert!(customers.contains_key("sanne.smit@example.com"));
}

#[tokio::test]
async fn a_custom_field_of_the_mapping_reaches_the_bookkeeping() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| s.from_orders = false);
    let (mut mapping, _, _) = shop.engine.customers_mappings().unwrap();
    mapping.set(engine::mapping::Rule::expression(
        "Note",
        "concat(\"Klant van de kassa, \", customer.customertype)",
    ));
    mapping
        .save(shop.engine.store(), FlowKind::Customers)
        .unwrap();
    pos(&shop)
        .users()
        .create(&account(
            "bram.bos@example.com",
            ("Bram", "Bos"),
            None,
            None,
            "NL",
        ))
        .await
        .unwrap();

    sync_ok(&shop, FlowKind::Customers).await;
    let books = shop.books();
    let customer = books.customer_by_email("bram.bos@example.com").unwrap();
    assert_eq!(customer["Note"], "Klant van de kassa, b2c");
}
