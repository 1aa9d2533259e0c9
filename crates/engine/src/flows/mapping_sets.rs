//! Every mapping a flow evaluates, as the datamapper editor and `posbridge mapping` see it: what
//! it writes (the target record, checked against the API's published fields), which fields
//! PosBridge fills itself (reserved: a rule may not target them), what it reads (the records the
//! flow's own context builder gives), where it is kept, and its default.
//!
//! The reserved fields are one list per mapping ([`MappingSet::reserved`]); the save path checks
//! every rule against it, and nothing else decides what may be mapped.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::flow::FlowKind;
use crate::flows::orders::{DocumentKind, OrdersSettings, ReferenceField};
use crate::flows::{categories, customers, orders, products};
use crate::mapping::schema::{self, FieldKind, FieldSpec, RecordSchema};
use crate::mapping::shape::{Fields, Shape};
use crate::mapping::{mapping_key, Mapping, ReservedTarget, TargetRecord};
use crate::store::records::System;

/// Where the products flow's second mapping (POS -> eAccounting) is kept; the first is the
/// flow's own (`mapping.products`).
pub const PRODUCTS_TO_BOOKS_MAPPING: &str = "mapping.products.to_books";
/// Where the customers flow's second mapping (eAccounting -> POS) is kept; the first
/// (`mapping.customers`) is shared with the orders flow.
pub const CUSTOMERS_TO_POS_MAPPING: &str = "mapping.customers.to_pos";

/// One mapping of one (or, for the customer, two) flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MappingSet {
    /// A till sale -> the document's header (references, terms, delivery).
    OrderDocument,
    /// A till customer -> an eAccounting customer (the orders flow and the customers flow).
    OrderCustomer,
    /// An eAccounting article -> a POS product.
    ProductToPos,
    /// A POS product -> an eAccounting article.
    ProductToBooks,
    /// An eAccounting customer -> a POS account.
    CustomerToPos,
    /// An eAccounting article label -> a POS category.
    Category,
}

/// A record a mapping reads, by the name its paths start with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordRoot {
    pub name: String,
    pub description: String,
}

impl MappingSet {
    pub const ALL: [MappingSet; 6] = [
        MappingSet::OrderDocument,
        MappingSet::OrderCustomer,
        MappingSet::ProductToPos,
        MappingSet::ProductToBooks,
        MappingSet::CustomerToPos,
        MappingSet::Category,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MappingSet::OrderDocument => "order_document",
            MappingSet::OrderCustomer => "order_customer",
            MappingSet::ProductToPos => "product_to_pos",
            MappingSet::ProductToBooks => "product_to_books",
            MappingSet::CustomerToPos => "customer_to_pos",
            MappingSet::Category => "category",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|set| set.as_str() == name)
    }

    /// The mappings of `flow`, in the order the editor shows them.
    pub fn of_flow(flow: FlowKind) -> &'static [MappingSet] {
        match flow {
            FlowKind::Orders => &[MappingSet::OrderDocument, MappingSet::OrderCustomer],
            FlowKind::Products => &[MappingSet::ProductToPos, MappingSet::ProductToBooks],
            FlowKind::Customers => &[MappingSet::OrderCustomer, MappingSet::CustomerToPos],
            FlowKind::Categories => &[MappingSet::Category],
            FlowKind::Stock => &[],
        }
    }

    /// Every flow that evaluates this mapping.
    pub fn flows(self) -> &'static [FlowKind] {
        match self {
            MappingSet::OrderDocument => &[FlowKind::Orders],
            MappingSet::OrderCustomer => &[FlowKind::Orders, FlowKind::Customers],
            MappingSet::ProductToPos | MappingSet::ProductToBooks => &[FlowKind::Products],
            MappingSet::CustomerToPos => &[FlowKind::Customers],
            MappingSet::Category => &[FlowKind::Categories],
        }
    }

    /// The settings key it is kept under; nothing stored there means the default.
    pub fn key(self) -> String {
        match self {
            MappingSet::OrderDocument => mapping_key(FlowKind::Orders),
            MappingSet::OrderCustomer => mapping_key(FlowKind::Customers),
            MappingSet::ProductToPos => mapping_key(FlowKind::Products),
            MappingSet::ProductToBooks => PRODUCTS_TO_BOOKS_MAPPING.to_string(),
            MappingSet::CustomerToPos => CUSTOMERS_TO_POS_MAPPING.to_string(),
            MappingSet::Category => mapping_key(FlowKind::Categories),
        }
    }

    /// The mapping the flow ships with.
    pub fn default_mapping(self) -> Mapping {
        match self {
            MappingSet::OrderDocument => orders::defaults::document_mapping(),
            MappingSet::OrderCustomer => orders::defaults::customer_mapping(),
            MappingSet::ProductToPos => products::defaults::to_pos_mapping(),
            MappingSet::ProductToBooks => products::defaults::to_books_mapping(),
            MappingSet::CustomerToPos => customers::settings::to_pos_mapping(),
            MappingSet::Category => categories::default_mapping(),
        }
    }

    /// The system whose record it writes.
    pub fn writes(self) -> System {
        match self {
            MappingSet::OrderDocument | MappingSet::OrderCustomer | MappingSet::ProductToBooks => {
                System::Eaccounting
            }
            MappingSet::ProductToPos | MappingSet::CustomerToPos | MappingSet::Category => {
                System::Salespos
            }
        }
    }

    /// The records the flow's context builder gives this mapping when `flow` evaluates it.
    pub fn roots(self, flow: FlowKind) -> Vec<RecordRoot> {
        let root = |name: &str, description: &str| RecordRoot {
            name: name.into(),
            description: description.into(),
        };
        match (self, flow) {
            (MappingSet::OrderCustomer, FlowKind::Customers) => vec![
                root("customer", "the POS customer"),
                root("address", "the customer's billing address"),
                root("country", "the customer's country: code, is_home, is_eu, vat_code, vat_rate, revenue_account"),
            ],
            (MappingSet::OrderDocument | MappingSet::OrderCustomer, _) => vec![
                root("order", "the POS order (with store_id)"),
                root("customer", "the order's customer"),
                root("address", "the customer's billing address"),
                root("delivery", "the order's delivery address"),
            ],
            (MappingSet::ProductToPos, _) => vec![
                root("article", "the eAccounting article"),
                root("coding", "the article's account coding"),
                root("prices", "the article's prices: gross, net, vat_percent, pos"),
                root("labels", "the article's label names"),
            ],
            (MappingSet::ProductToBooks, _) => vec![root("product", "the POS product")],
            (MappingSet::CustomerToPos, _) => vec![root("customer", "the eAccounting customer")],
            (MappingSet::Category, _) => vec![root("label", "the eAccounting article label")],
        }
    }

    /// The record names a rule may read: those every flow evaluating the mapping gives (the
    /// shared customer mapping cannot read `order`, which the customers flow does not have).
    pub fn shared_roots(self) -> Vec<String> {
        let mut names: Vec<String> = self
            .roots(self.flows()[0])
            .into_iter()
            .map(|r| r.name)
            .collect();
        for flow in &self.flows()[1..] {
            let others: Vec<String> = self.roots(*flow).into_iter().map(|r| r.name).collect();
            names.retain(|n| others.contains(n));
        }
        names
    }

    /// The fields PosBridge fills itself, and why: a rule may not target them. The one list the
    /// save path checks.
    pub fn reserved(self, orders: &OrdersSettings) -> Vec<ReservedTarget> {
        let reserve = |fields: &[&str], reason: &str| -> Vec<ReservedTarget> {
            fields
                .iter()
                .map(|f| ReservedTarget::new(*f, reason))
                .collect()
        };
        match self {
            MappingSet::OrderDocument => {
                let references: &[&str] = match (orders.reference_field, orders.document) {
                    (ReferenceField::BuyersOrderReference, _) => &["BuyersOrderReference"],
                    (ReferenceField::YourReference, DocumentKind::Quote) => &["CustomerReference"],
                    (ReferenceField::YourReference, _) => &["YourReference"],
                };
                let dates: &[&str] = match orders.document {
                    DocumentKind::Quote => &["QuoteDate"],
                    DocumentKind::Order => &["OrderDate"],
                    DocumentKind::Invoice | DocumentKind::InvoiceDraft => {
                        &["InvoiceDate", "DeliveryDate"]
                    }
                };
                let mut reserved = reserve(
                    references,
                    "PosBridge puts its reference to the till sale there (\"POS 1/1042\") and finds its bookings by it; any other value would book sales twice",
                );
                reserved.extend(reserve(&["CustomerId"], "the customer is chosen in the orders settings (the default debtor, or the order's customer)"));
                reserved.extend(reserve(
                    &["Rows"],
                    "the rows are the till's lines, priced to the cent",
                ));
                reserved.extend(reserve(dates, "PosBridge dates the document on the day of the sale, so that the books and the till agree day by day"));
                reserved.extend(reserve(
                    &[
                        "CurrencyCode",
                        "Amount",
                        "VatAmount",
                        "RoundingsAmount",
                        "DeliveredAmount",
                        "DeliveredVatAmount",
                        "DeliveredRoundingsAmount",
                        "Status",
                    ],
                    "eAccounting works it out from the rows PosBridge sends",
                ));
                reserved
            }
            MappingSet::OrderCustomer => {
                let mut reserved = reserve(&["IsPrivatePerson"], "it follows IsCompany (a company with the person as contact, or a private person)");
                reserved.extend(reserve(
                    &["TermsOfPaymentId", "TermsOfPayment"],
                    "the terms of payment for new customers are chosen in the orders settings",
                ));
                reserved
            }
            MappingSet::ProductToPos => {
                let mut reserved = reserve(
                    &["productnumber"],
                    "products are matched by it: it is the article number",
                );
                reserved.extend(reserve(
                    &["stock", "stockenabled"],
                    "the stock flow writes the stock",
                ));
                reserved
            }
            MappingSet::ProductToBooks => {
                let mut reserved = reserve(
                    &["Number"],
                    "articles are matched by it: it is the POS product number",
                );
                reserved.extend(reserve(&["GrossPrice", "NetPrice"], "map 'price': PosBridge writes it as the gross or the net price, whichever the POS's price is"));
                reserved.extend(reserve(
                    &["CodingId", "UnitId"],
                    "chosen in the products settings",
                ));
                reserved
            }
            MappingSet::CustomerToPos => Vec::new(),
            MappingSet::Category => {
                reserve(&["parentcategory_id"], "chosen in the categories settings")
            }
        }
    }

    /// The record it writes, with the targets the flow names itself added.
    pub fn target(self, orders: &OrdersSettings) -> TargetRecord {
        let (title, schema) = match self {
            MappingSet::OrderDocument => match orders.document {
                DocumentKind::Invoice | DocumentKind::InvoiceDraft => (
                    "eAccounting's invoice draft",
                    schema::eaccounting("CustomerInvoiceDraftApi"),
                ),
                DocumentKind::Order => ("eAccounting's order", schema::eaccounting("OrderApi")),
                DocumentKind::Quote => {
                    let quote = schema::eaccounting("QuoteApi");
                    // The flow writes "OurReference" as a quote's CompanyReference.
                    let ours = quote
                        .fields
                        .get("CompanyReference")
                        .map(|(spec, _)| FieldSpec {
                            name: "OurReference".into(),
                            ..spec.clone()
                        });
                    ("eAccounting's quote", quote.with(ours))
                }
            },
            MappingSet::OrderCustomer => (
                "eAccounting's customer",
                schema::eaccounting("CustomerApi").with([FieldSpec::new(
                    "IsCompany",
                    FieldKind::Boolean,
                )
                .described(
                    "true: a company, with the person as its contact; false: a private person",
                )]),
            ),
            MappingSet::ProductToPos => ("the POS product", schema::ccv("POST products")),
            MappingSet::ProductToBooks => (
                "eAccounting's article",
                schema::eaccounting("ArticleApi").with([
                    FieldSpec::new("price", FieldKind::Number).described(
                        "the price in the POS's terms, written as GrossPrice or NetPrice",
                    ),
                    FieldSpec::new("Barcode", FieldKind::Text)
                        .at_most(50)
                        .described("the article's default barcode"),
                ]),
            ),
            MappingSet::CustomerToPos => (
                "the POS account's personal details",
                schema::ccv("personalinfo input (POST/PATCH)"),
            ),
            MappingSet::Category => ("the POS category", schema::ccv("POST categories")),
        };
        TargetRecord {
            title: title.to_string(),
            schema,
            reserved: self.reserved(orders),
            // The orders flow fits every text to eAccounting's limits before it writes.
            lengths_checked_when_writing: matches!(
                self,
                MappingSet::OrderDocument | MappingSet::OrderCustomer
            ),
        }
    }

    /// What the fields it reads are, from the same published lists.
    pub fn sources(self, flow: FlowKind) -> SourceSchema {
        let order = "GET orders/:id (vnd.verto.webshop.resource.orders)";
        let roots: Vec<(&str, RecordSchema)> = match (self, flow) {
            (MappingSet::OrderCustomer, FlowKind::Customers) => vec![
                (
                    "customer",
                    schema::ccv("personalinfo entity (orders.customer, users.userinfo)"),
                ),
                ("address", schema::ccv("personalinfo.billingaddress")),
                ("country", country_schema()),
            ],
            (MappingSet::OrderDocument | MappingSet::OrderCustomer, _) => vec![
                (
                    "order",
                    schema::ccv(order).with([FieldSpec::new("store_id", FieldKind::Text)]),
                ),
                (
                    "customer",
                    schema::ccv("personalinfo entity (orders.customer, users.userinfo)"),
                ),
                ("address", schema::ccv("personalinfo.billingaddress")),
                ("delivery", schema::ccv("personalinfo.deliveryaddress")),
            ],
            (MappingSet::ProductToPos, _) => vec![
                ("article", schema::eaccounting("ArticleApi")),
                ("coding", schema::eaccounting("ArticleAccountCodingApi")),
                (
                    "prices",
                    RecordSchema::default().with(
                        ["gross", "net", "vat_percent", "pos"]
                            .map(|name| FieldSpec::new(name, FieldKind::Number)),
                    ),
                ),
            ],
            (MappingSet::ProductToBooks, _) => vec![("product", schema::ccv("GET products/:id"))],
            (MappingSet::CustomerToPos, _) => {
                vec![("customer", schema::eaccounting("CustomerApi"))]
            }
            (MappingSet::Category, _) => vec![("label", schema::eaccounting("ArticleLabelApi"))],
        };
        SourceSchema {
            roots: roots
                .into_iter()
                .map(|(name, schema)| (name.to_string(), schema))
                .collect(),
        }
    }
}

fn country_schema() -> RecordSchema {
    RecordSchema::default().with([
        FieldSpec::new("code", FieldKind::Text).at_most(2),
        FieldSpec::new("is_home", FieldKind::Boolean),
        FieldSpec::new("is_eu", FieldKind::Boolean),
        FieldSpec::new("vat_code", FieldKind::Text),
        FieldSpec::new("vat_rate", FieldKind::Number),
        FieldSpec::new("revenue_account", FieldKind::Any),
    ])
}

/// The published fields of the records a mapping reads, by root name.
pub struct SourceSchema {
    roots: Vec<(String, RecordSchema)>,
}

impl Fields for SourceSchema {
    fn shape_of(&self, path: &str) -> Shape {
        let (root, rest) = path.split_once('.').unwrap_or((path, ""));
        self.roots
            .iter()
            .find(|(name, _)| name == root)
            .and_then(|(_, schema)| schema.field(rest))
            .map(Shape::of_field)
            .unwrap_or_else(Shape::any)
    }
}

/// Every known set as JSON names, for error messages.
pub fn set_names() -> String {
    json!(MappingSet::ALL.map(MappingSet::as_str))
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{check, Lookups, Rule, Severity, SourceRecords};

    fn issues_of(
        set: MappingSet,
        flow: FlowKind,
        mapping: &Mapping,
        orders: &OrdersSettings,
    ) -> Vec<crate::mapping::RuleIssue> {
        let sources = set.sources(flow);
        let roots = set.shared_roots();
        let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
        let lookups = match set {
            MappingSet::OrderDocument | MappingSet::OrderCustomer => orders::defaults::lookups(),
            MappingSet::ProductToPos | MappingSet::ProductToBooks => products::defaults::lookups(),
            _ => Lookups::new(),
        };
        check(
            mapping,
            &set.target(orders),
            &SourceRecords {
                roots: &roots,
                fields: &sources,
            },
            &lookups,
        )
    }

    fn errors(set: MappingSet, document: DocumentKind) -> Vec<String> {
        let orders = OrdersSettings {
            document,
            ..OrdersSettings::default()
        };
        issues_of(set, set.flows()[0], &set.default_mapping(), &orders)
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .map(|i| format!("{}: {}", i.target, i.code))
            .collect()
    }

    #[test]
    fn every_default_mapping_passes_its_own_checks_without_a_flag() {
        for set in MappingSet::ALL {
            for document in [DocumentKind::Invoice, DocumentKind::Order] {
                assert_eq!(
                    errors(set, document),
                    Vec::<String>::new(),
                    "{set:?} for a {document:?}"
                );
            }
            let flags: Vec<String> = issues_of(
                set,
                set.flows()[0],
                &set.default_mapping(),
                &OrdersSettings::default(),
            )
            .into_iter()
            .map(|i| i.message)
            .collect();
            assert_eq!(
                flags,
                Vec::<String>::new(),
                "{set:?}: a merchant opening the editor sees no flag on a default"
            );
        }
    }

    #[test]
    fn a_quote_takes_no_delivery_address_nor_terms_which_the_default_document_mapping_sets() {
        // Found by these checks: eAccounting's quote has the delivery fields read-only and its
        // terms as an object, so a shop booking quotes must drop these rules (the flow sends a
        // rule's value only when it is not empty, so an empty lookup or address passes).
        assert_eq!(
            errors(MappingSet::OrderDocument, DocumentKind::Quote),
            [
                "TermsOfPaymentId: unknown_target",
                "DeliveryMethodCode: read_only",
                "DeliveryCustomerName: read_only",
                "DeliveryAddress1: read_only",
                "DeliveryPostalCode: read_only",
                "DeliveryCity: read_only",
                "DeliveryCountryCode: read_only",
            ]
        );
    }

    #[test]
    fn the_reference_field_is_reserved_whichever_the_settings_choose() {
        let mut orders = OrdersSettings::default();
        let reserved = |orders: &OrdersSettings| -> Vec<String> {
            MappingSet::OrderDocument
                .reserved(orders)
                .into_iter()
                .map(|r| r.field)
                .collect()
        };
        assert!(reserved(&orders).contains(&"YourReference".to_string()));
        assert!(!reserved(&orders).contains(&"BuyersOrderReference".to_string()));
        orders.reference_field = ReferenceField::BuyersOrderReference;
        assert!(reserved(&orders).contains(&"BuyersOrderReference".to_string()));
        let mapping = Mapping::new([Rule::constant("BuyersOrderReference", "x")]);
        let found = issues_of(
            MappingSet::OrderDocument,
            FlowKind::Orders,
            &mapping,
            &orders,
        );
        assert_eq!(found[0].code, "reserved");
        assert!(
            found[0].message.contains("finds its bookings by it"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn the_shared_customer_mapping_reads_only_what_both_flows_give() {
        assert_eq!(
            MappingSet::OrderCustomer.shared_roots(),
            ["customer", "address"]
        );
        let mapping = Mapping::new([Rule::field("Note", "order.ordernumber")]);
        let found = issues_of(
            MappingSet::OrderCustomer,
            FlowKind::Orders,
            &mapping,
            &OrdersSettings::default(),
        );
        assert_eq!(found[0].code, "unknown_root");
    }

    #[test]
    fn sets_are_named_and_kept_where_the_flows_read_them() {
        for set in MappingSet::ALL {
            assert_eq!(MappingSet::parse(set.as_str()), Some(set));
            assert!(set
                .flows()
                .iter()
                .all(|f| MappingSet::of_flow(*f).contains(&set)));
        }
        assert_eq!(MappingSet::OrderCustomer.key(), "mapping.customers");
    }
}
