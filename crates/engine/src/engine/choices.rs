//! What the setup wizard's dropdowns offer, read from the live systems (never typed in by hand:
//! a terms-of-payment id the merchant picked from eAccounting's own list cannot be misspelled),
//! and the numbers the dashboard shows, read from the runs table.
//!
//! The choices are plain, serializable lists in the merchant's terms (names with their ids), so
//! the desktop UI and the CLI can offer the same answers. Long lists (customers, articles) are
//! searched rather than listed whole: a shop may have thousands of them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use eaccounting::{
    Article, ArticleAccountCoding, ArticleLabel, Country, Customer, DeliveryMethod, ListQuery,
    TermsOfPayment, Unit, VatCode,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Engine, Result};
use crate::flow::FlowKind;
use crate::store::failed;
use crate::store::runs::{self, RunRecord};

/// How many matches a search returns (the merchant types more to narrow it down).
pub const SEARCH_LIMIT: u32 = 25;
/// The dashboard's chart covers this many days, today included.
pub const CHART_DAYS: u32 = 14;

/// A term of payment the merchant can pick (eAccounting `/termsofpayments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TermsOption {
    pub id: Uuid,
    pub name: String,
    pub days: i32,
    /// Cash, card and the like are paid at once; the wizard suggests them for till payments.
    pub paid_at_once: bool,
}

/// A VAT code (eAccounting `/vatcodes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VatCodeOption {
    pub id: Option<Uuid>,
    pub code: String,
    pub description: String,
    /// In percent (21 for 21 %).
    pub percent: Decimal,
}

/// The revenue accounts an article account coding books a sale on, per kind of sale.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RevenueAccounts {
    pub domestic: Option<i64>,
    pub domestic_vat_exempt: Option<i64>,
    pub within_eu: Option<i64>,
    pub within_eu_vat_exempt: Option<i64>,
    pub outside_eu: Option<i64>,
}

impl RevenueAccounts {
    fn numbers(&self) -> impl Iterator<Item = i64> {
        [
            self.domestic,
            self.domestic_vat_exempt,
            self.within_eu,
            self.within_eu_vat_exempt,
            self.outside_eu,
        ]
        .into_iter()
        .flatten()
    }
}

/// An article account coding (eAccounting `/articleaccountcodings`): VAT rate and revenue
/// accounts for the articles that use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CodingOption {
    pub id: Uuid,
    pub name: String,
    /// `Goods` or `Service`.
    pub kind: String,
    pub vat_percent: Decimal,
    pub accounts: RevenueAccounts,
}

/// A revenue account, with the codings that book on it (so the merchant recognises it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountOption {
    pub number: i64,
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UnitOption {
    pub id: Uuid,
    pub name: String,
}

/// A delivery method; documents carry its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeliveryMethodOption {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CountryOption {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    pub name: String,
    pub eu_member: bool,
}

/// A customer to book till sales on (the default debtor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DebtorOption {
    pub id: Uuid,
    pub number: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub private_person: bool,
}

/// An article (the shipping article, the extra-costs article).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ArticleOption {
    pub id: Option<Uuid>,
    /// The article number (SKU).
    pub number: String,
    pub name: String,
    pub service: bool,
    /// Price excluding VAT, as eAccounting has it.
    pub net_price: Option<Decimal>,
}

/// Everything the wizard offers from the bookkeeping, in one read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BooksChoices {
    pub company_name: String,
    pub country_code: String,
    pub currency_code: Option<String>,
    pub terms_of_payment: Vec<TermsOption>,
    pub vat_codes: Vec<VatCodeOption>,
    pub codings: Vec<CodingOption>,
    /// Every revenue account the codings use, lowest number first.
    pub revenue_accounts: Vec<AccountOption>,
    pub units: Vec<UnitOption>,
    pub delivery_methods: Vec<DeliveryMethodOption>,
    pub countries: Vec<CountryOption>,
    /// Article label names (the products flow's filter; the categories flow's source).
    pub article_labels: Vec<String>,
}

/// A POS category (where the categories flow puts new ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CategoryOption {
    pub id: i64,
    pub name: String,
}

/// An order status as the merchant named it in SalesPOS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatusOption {
    pub id: i64,
    pub name: String,
}

/// A payment method activated at the till; orders name it by `key` (its `combined_name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentMethodOption {
    pub key: String,
    pub label: String,
}

/// Everything the wizard offers from the till, in one read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TillChoices {
    pub shop_name: String,
    pub currency_code: Option<String>,
    pub prices_include_vat: Option<bool>,
    pub order_statuses: Vec<StatusOption>,
    pub payment_methods: Vec<PaymentMethodOption>,
    pub categories: Vec<CategoryOption>,
}

/// One flow on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FlowOverview {
    pub flow: FlowKind,
    pub enabled: bool,
    pub running: bool,
    pub interval_seconds: u32,
    /// The latest finished real run.
    pub last_run: Option<RunRecord>,
    /// When the schedule runs it next; none while paused or switched off.
    pub next_run: Option<DateTime<Utc>>,
    /// Records created or updated today (the merchant's day).
    pub records_today: u32,
    /// Records on the failed list.
    pub open_failures: u32,
}

/// Records synced (created or updated) per day, for one flow; one number per chart day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FlowSeries {
    pub flow: FlowKind,
    pub records: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dashboard {
    pub paused: bool,
    pub flows: Vec<FlowOverview>,
    /// The chart's days, oldest first, ending today (the merchant's day).
    pub days: Vec<NaiveDate>,
    /// One series per flow that synced anything in those days, in the flows' fixed order.
    pub series: Vec<FlowSeries>,
}

fn terms_option(terms: TermsOfPayment) -> Option<TermsOption> {
    let paid_at_once = matches!(
        terms.terms_of_payment_type_id,
        TermsOfPayment::TYPE_CASH
            | TermsOfPayment::TYPE_CARD_PAYMENT
            | TermsOfPayment::TYPE_DIGITAL_WALLET
            | TermsOfPayment::TYPE_PAYMENT_SERVICE_PROVIDER
    );
    Some(TermsOption {
        id: terms.id?,
        name: terms.name.or(terms.name_english).unwrap_or_default(),
        days: terms.number_of_days,
        paid_at_once,
    })
}

fn vat_option(vat: VatCode) -> Option<VatCodeOption> {
    Some(VatCodeOption {
        id: vat.id,
        code: vat.code?,
        description: vat.description.unwrap_or_default(),
        percent: vat.vat_rate.unwrap_or_default().percent(),
    })
}

fn coding_option(coding: ArticleAccountCoding) -> Option<CodingOption> {
    Some(CodingOption {
        id: coding.id?,
        name: coding
            .name
            .clone()
            .or(coding.name_english.clone())
            .unwrap_or_default(),
        kind: coding.kind.clone().unwrap_or_default(),
        vat_percent: coding.vat_rate().percent(),
        accounts: RevenueAccounts {
            domestic: coding.domestic_sales_subject_to_vat_account_number,
            domestic_vat_exempt: coding.domestic_sales_vat_exempt_account_number,
            within_eu: coding.foreign_sales_subject_to_vat_within_eu_account_number,
            within_eu_vat_exempt: coding.foreign_sales_vat_exempt_within_eu_account_number,
            outside_eu: coding.foreign_sales_vat_exempt_outside_eu_account_number,
        },
    })
}

/// Every account number the codings use, each with the names of the codings using it.
fn revenue_accounts(codings: &[CodingOption]) -> Vec<AccountOption> {
    let mut by_number: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for coding in codings {
        for number in coding.accounts.numbers() {
            by_number
                .entry(number)
                .or_default()
                .insert(coding.name.clone());
        }
    }
    by_number
        .into_iter()
        .map(|(number, names)| AccountOption {
            number,
            used_by: names.into_iter().collect(),
        })
        .collect()
}

fn debtor_option(customer: Customer) -> Option<DebtorOption> {
    Some(DebtorOption {
        id: customer.id?,
        number: customer.customer_number,
        name: customer.name,
        email: customer.email_address,
        private_person: customer.is_private_person,
    })
}

fn article_option(article: Article) -> ArticleOption {
    ArticleOption {
        id: article.id,
        service: article.is_service_article.unwrap_or(false),
        number: article.number,
        name: article.name,
        net_price: article.net_price,
    }
}

/// The text of a search as eAccounting's `contains` needs it: trimmed, at most 50 characters.
fn search_words(words: &str) -> Option<String> {
    let words: String = words.trim().chars().take(50).collect();
    (!words.is_empty()).then_some(words)
}

impl Engine {
    /// The bookkeeping's lists the wizard's dropdowns need, read from the connected company.
    pub async fn books_choices(&self) -> Result<BooksChoices> {
        let books = self.eaccounting_client()?;
        let company = books.company_settings().await?;
        let terms = books.list_all::<TermsOfPayment>(None).await?;
        let vat_codes = books.list_all::<VatCode>(None).await?;
        let codings = books.list_all::<ArticleAccountCoding>(None).await?;
        let units = books.list_all::<Unit>(None).await?;
        let delivery = books.list_all::<DeliveryMethod>(None).await?;
        let countries = books.list_all::<Country>(None).await?;
        let labels = books.list_all::<ArticleLabel>(None).await?;

        let mut terms: Vec<TermsOption> = terms
            .items
            .into_iter()
            .filter(|t| t.available_for_sales)
            .filter_map(terms_option)
            .collect();
        terms.sort_by_key(|a| a.name.to_lowercase());
        let mut vat_codes: Vec<VatCodeOption> =
            vat_codes.items.into_iter().filter_map(vat_option).collect();
        vat_codes.sort_by(|a, b| a.code.cmp(&b.code));
        let codings: Vec<CodingOption> = codings
            .items
            .into_iter()
            .filter(|c| c.is_active)
            .filter_map(coding_option)
            .collect();
        let mut countries: Vec<CountryOption> = countries
            .items
            .into_iter()
            .filter_map(|c| {
                Some(CountryOption {
                    name: c.name.or(c.name_english).unwrap_or_default(),
                    code: c.code?,
                    eu_member: c.is_eu_member,
                })
            })
            .collect();
        countries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut article_labels: Vec<String> = labels.items.into_iter().map(|l| l.name).collect();
        article_labels.sort();
        article_labels.dedup();
        Ok(BooksChoices {
            article_labels,
            company_name: company.name,
            country_code: company.country_code,
            currency_code: company.currency_code,
            terms_of_payment: terms,
            vat_codes,
            revenue_accounts: revenue_accounts(&codings),
            codings,
            units: units
                .items
                .into_iter()
                .filter_map(|u| {
                    Some(UnitOption {
                        id: u.id?,
                        name: u.name.or(u.code).unwrap_or_default(),
                    })
                })
                .collect(),
            delivery_methods: delivery
                .items
                .into_iter()
                .filter_map(|d| {
                    Some(DeliveryMethodOption {
                        code: d.code?,
                        name: d.name,
                    })
                })
                .collect(),
            countries,
        })
    }

    /// Active customers whose name, number or e-mail contains `words` (the first
    /// [`SEARCH_LIMIT`], by name); with no words, the first customers by name.
    pub async fn find_debtors(&self, words: &str) -> Result<Vec<DebtorOption>> {
        let books = self.eaccounting_client()?;
        let mut query = ListQuery::<Customer>::new()
            .page_size(SEARCH_LIMIT)
            .order_by("Name");
        let active = Customer::IS_ACTIVE.eq(true);
        query = match search_words(words) {
            Some(words) => query.filter(
                active.and(
                    Customer::NAME
                        .contains(words.clone())
                        .or(Customer::CUSTOMER_NUMBER.contains(words.clone()))
                        .or(Customer::EMAIL_ADDRESS.contains(words)),
                ),
            ),
            None => query.filter(active),
        };
        let page = books.list_page(&query).await?;
        Ok(page.data.into_iter().filter_map(debtor_option).collect())
    }

    /// One customer by id (to show the chosen default debtor by name); `None` if it is gone.
    pub async fn debtor(&self, id: Uuid) -> Result<Option<DebtorOption>> {
        let books = self.eaccounting_client()?;
        match books.get::<Customer>(&id).await {
            Ok(customer) => Ok(debtor_option(customer)),
            Err(error) if error.code() == "not_found" => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Active articles whose number or name contains `words` (the first [`SEARCH_LIMIT`], by
    /// number); with no words, the first articles by number.
    pub async fn find_articles(&self, words: &str) -> Result<Vec<ArticleOption>> {
        let books = self.eaccounting_client()?;
        let mut query = ListQuery::<Article>::new()
            .page_size(SEARCH_LIMIT)
            .order_by("Number");
        let active = Article::IS_ACTIVE.eq(true);
        query = match search_words(words) {
            Some(words) => query.filter(
                active.and(
                    Article::NUMBER
                        .contains(words.clone())
                        .or(Article::NAME.contains(words)),
                ),
            ),
            None => query.filter(active),
        };
        let page = books.list_page(&query).await?;
        Ok(page.data.into_iter().map(article_option).collect())
    }

    /// The till's order statuses and payment methods, read from the connected shop.
    pub async fn till_choices(&self) -> Result<TillChoices> {
        let pos = self.salespos_client()?;
        let connection = self.salespos_connection()?;
        let webshop_id = salespos::WebshopId(connection.webshop_id);
        let settings = pos.webshops().settings(webshop_id).await?;
        let methods = pos.paymethods().list_all().await?;
        let mut categories: Vec<CategoryOption> = pos
            .categories()
            .list_all()
            .await?
            .into_iter()
            .map(|c| CategoryOption {
                id: c.id.get(),
                name: c.name,
            })
            .collect();
        categories.sort_by_key(|a| a.name.to_lowercase());
        let mut order_statuses: Vec<StatusOption> = settings
            .order_status
            .into_iter()
            .filter_map(|s| {
                Some(StatusOption {
                    id: s.id?,
                    name: s.status_name.or(s.status).unwrap_or_default(),
                })
            })
            .collect();
        order_statuses.sort_by_key(|s| s.id);
        let mut payment_methods: Vec<PaymentMethodOption> = Vec::new();
        for method in methods {
            let Some(key) = method.combined_name.clone().or(method.method.clone()) else {
                continue;
            };
            if payment_methods.iter().any(|m| m.key == key) {
                continue;
            }
            payment_methods.push(PaymentMethodOption {
                label: method.label.unwrap_or_else(|| key.clone()),
                key,
            });
        }
        Ok(TillChoices {
            shop_name: connection.shop_name,
            currency_code: settings.currency,
            prices_include_vat: settings.prices_include_vat,
            order_statuses,
            payment_methods,
            categories,
        })
    }

    /// The dashboard as of `now`, whose time zone decides what "today" and the chart's days
    /// are (the merchant's local time; tests pass a fixed offset).
    pub fn dashboard<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Result<Dashboard> {
        let now_utc = now.with_timezone(&Utc);
        let today = now.date_naive();
        let days: Vec<NaiveDate> = (0..CHART_DAYS)
            .rev()
            .map(|back| today - Duration::days(i64::from(back)))
            .collect();
        let first_day = days[0];
        let zone = now.timezone();
        // The start of the first chart day in the merchant's zone (the earliest instant of it,
        // should a clock change fall on midnight).
        let since = zone
            .from_local_datetime(&first_day.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
            .map(|start| start.with_timezone(&Utc))
            .unwrap_or(now_utc - Duration::days(i64::from(CHART_DAYS)));
        let recent = self.store.read(|conn| runs::since(conn, since))?;

        let mut per_day: BTreeMap<FlowKind, Vec<u32>> = BTreeMap::new();
        for run in &recent {
            let day = run.started_at.with_timezone(&zone).date_naive();
            let Some(index) = days.iter().position(|d| *d == day) else {
                continue;
            };
            let synced = run.counts.created + run.counts.updated;
            per_day
                .entry(run.flow)
                .or_insert_with(|| vec![0; days.len()])[index] += synced;
        }

        let paused = self.settings()?.paused;
        let open = self.store.read(|conn| failed::open(conn, None))?;
        let next_runs: BTreeMap<FlowKind, Option<DateTime<Utc>>> =
            self.next_runs(now_utc)?.into_iter().collect();
        let mut flows = Vec::new();
        for schedule in self.flow_schedules()? {
            let flow = schedule.flow;
            flows.push(FlowOverview {
                flow,
                enabled: schedule.enabled,
                running: self.locks.is_running(flow),
                interval_seconds: schedule.interval_seconds,
                last_run: self.store.read(|conn| runs::last(conn, flow))?,
                next_run: next_runs.get(&flow).copied().flatten(),
                records_today: per_day
                    .get(&flow)
                    .and_then(|series| series.last().copied())
                    .unwrap_or(0),
                open_failures: open.iter().filter(|r| r.flow == flow).count() as u32,
            });
        }
        Ok(Dashboard {
            paused,
            flows,
            days,
            series: per_day
                .into_iter()
                .map(|(flow, records)| FlowSeries { flow, records })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Origin;
    use crate::secrets::MemoryStore;
    use crate::store::flow_settings;
    use crate::store::runs::Counts;
    use crate::store::Store;
    use chrono::FixedOffset;
    use std::sync::Arc;

    fn engine() -> Engine {
        Engine::in_memory(Arc::new(MemoryStore::new())).unwrap()
    }

    /// Writes a finished real run started at `at`.
    fn run_at(store: &Store, flow: FlowKind, at: DateTime<Utc>, created: u32, updated: u32) {
        store
            .read(|conn| {
                let id = runs::start(conn, flow, Origin::Schedule, false)?;
                conn.execute(
                    "UPDATE runs SET started_at = ?2 WHERE id = ?1",
                    (id, crate::store::records::timestamp(at)),
                )?;
                runs::finish(
                    conn,
                    id,
                    Counts {
                        created,
                        updated,
                        skipped: 7,
                        failed: 1,
                    },
                    None,
                )
            })
            .unwrap();
    }

    #[test]
    fn the_chart_counts_synced_records_per_merchant_day_and_flow() {
        let engine = engine();
        // Amsterdam in winter: UTC+1. 23:30 UTC on the 27th is already the 28th there.
        let zone = FixedOffset::east_opt(3600).unwrap();
        let now = zone.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let utc = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        let store = engine.store();
        run_at(store, FlowKind::Orders, utc(1, 10, 0), 99, 0); // before the chart
        run_at(store, FlowKind::Stock, utc(20, 10, 0), 0, 40);
        run_at(store, FlowKind::Orders, utc(27, 10, 0), 5, 0);
        run_at(store, FlowKind::Orders, utc(27, 23, 30), 3, 1); // the 28th, locally
        run_at(store, FlowKind::Orders, utc(28, 9, 0), 2, 0);

        let dashboard = engine.dashboard(now).unwrap();
        assert_eq!(dashboard.days.len(), CHART_DAYS as usize);
        assert_eq!(
            dashboard.days.last(),
            Some(&NaiveDate::from_ymd_opt(2026, 11, 28).unwrap())
        );
        assert_eq!(
            dashboard.days[0],
            NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()
        );
        let orders = &dashboard.series[0];
        assert_eq!(orders.flow, FlowKind::Orders);
        assert_eq!(
            orders.records[13], 6,
            "created + updated, skips and failures left out"
        );
        assert_eq!(orders.records[12], 5);
        assert_eq!(
            orders.records.iter().sum::<u32>(),
            11,
            "the run of the 1st is too old"
        );
        let stock = &dashboard.series[1];
        assert_eq!(stock.flow, FlowKind::Stock);
        assert_eq!(stock.records[5], 40);
        assert_eq!(
            dashboard.series.len(),
            2,
            "flows that did nothing have no series"
        );

        let overview = &dashboard.flows[0];
        assert_eq!(overview.flow, FlowKind::Orders);
        assert_eq!(overview.records_today, 6);
        assert_eq!(
            overview.last_run.as_ref().map(|r| r.started_at),
            Some(utc(28, 9, 0))
        );
    }

    #[test]
    fn switched_off_and_paused_flows_have_no_next_run_and_failures_are_counted_per_flow() {
        let engine = engine();
        let store = engine.store();
        store
            .read(|conn| {
                flow_settings::put(
                    conn,
                    &flow_settings::StoredFlowSettings {
                        flow: FlowKind::Orders,
                        enabled: true,
                        interval_seconds: 120,
                        settings: serde_json::json!({}),
                    },
                )
            })
            .unwrap();
        let error = failed::RecordError {
            code: "unknown_sku".into(),
            reason: "Article X does not exist".into(),
            field: Some("sku".into()),
            transient: false,
            message: None,
        };
        store
            .read(|conn| {
                failed::record(
                    conn,
                    FlowKind::Orders,
                    "17",
                    "POS order 17",
                    &serde_json::json!({}),
                    &error,
                    Utc::now(),
                )
            })
            .unwrap();

        let now = Utc::now();
        let dashboard = engine.dashboard(now).unwrap();
        let orders = &dashboard.flows[0];
        assert!(orders.enabled);
        assert_eq!(orders.interval_seconds, 120);
        assert_eq!(orders.next_run, Some(now), "never ran: due now");
        assert_eq!(orders.open_failures, 1);
        let stock = &dashboard.flows[2];
        assert!(!stock.enabled);
        assert_eq!(stock.next_run, None);
        assert_eq!(stock.open_failures, 0);

        engine.set_paused(true, Origin::Window).unwrap();
        let paused = engine.dashboard(now).unwrap();
        assert!(paused.paused);
        assert_eq!(
            paused.flows[0].next_run, None,
            "nothing is scheduled while paused"
        );
    }

    #[test]
    fn revenue_accounts_are_listed_once_with_the_codings_that_use_them() {
        let coding = |name: &str, domestic: i64, eu: Option<i64>| CodingOption {
            id: Uuid::new_v4(),
            name: name.into(),
            kind: "Goods".into(),
            vat_percent: Decimal::from(21),
            accounts: RevenueAccounts {
                domestic: Some(domestic),
                within_eu: eu,
                ..RevenueAccounts::default()
            },
        };
        let accounts = revenue_accounts(&[
            coding("Hoog", 8000, Some(8002)),
            coding("Laag", 8100, Some(8002)),
        ]);
        let numbers: Vec<i64> = accounts.iter().map(|a| a.number).collect();
        assert_eq!(numbers, vec![8000, 8002, 8100]);
        assert_eq!(accounts[1].used_by, vec!["Hoog", "Laag"]);
    }

    #[test]
    fn till_payments_are_told_apart_from_invoice_terms() {
        let terms = |kind: i32| TermsOfPayment {
            id: Some(Uuid::new_v4()),
            name: Some("x".into()),
            terms_of_payment_type_id: kind,
            ..TermsOfPayment::default()
        };
        assert!(
            terms_option(terms(TermsOfPayment::TYPE_CARD_PAYMENT))
                .unwrap()
                .paid_at_once
        );
        assert!(
            terms_option(terms(TermsOfPayment::TYPE_CASH))
                .unwrap()
                .paid_at_once
        );
        assert!(
            !terms_option(terms(TermsOfPayment::TYPE_NORMAL))
                .unwrap()
                .paid_at_once
        );
        assert_eq!(
            terms_option(TermsOfPayment::default()),
            None,
            "terms without an id cannot be chosen"
        );
    }

    #[test]
    fn searches_are_trimmed_and_bounded() {
        assert_eq!(search_words("  "), None);
        assert_eq!(search_words(" boon "), Some("boon".into()));
        assert_eq!(search_words(&"x".repeat(80)).map(|w| w.len()), Some(50));
    }
}
