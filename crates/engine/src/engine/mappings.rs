//! The datamapper editor as the hosts reach it: every target field of a flow's mappings with the
//! rule that fills it and its default, the checks while the merchant edits, saving (refused while
//! a rule has an error), and resetting to the defaults. The live preview is in
//! `mapping_preview.rs`. The app and `posbridge mapping` call the same methods.

use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, Origin, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::flows::mapping_sets::{MappingSet, RecordRoot};
use crate::flows::orders::OrdersSettings;
use crate::flows::FlowConfig;
use crate::mapping::schema::FieldSpec;
use crate::mapping::{
    self, FunctionInfo, Lookups, Mapping, Rule, RuleIssue, SourceRecords, FUNCTIONS,
    WELL_KNOWN_TABLES,
};
use crate::store::{self, records::System};

/// One field of the record a mapping writes, as the editor lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TargetField {
    pub spec: FieldSpec,
    /// Why PosBridge fills it itself, when it does (no rule may target it).
    pub reserved: Option<String>,
}

/// One mapping of a flow, as the editor shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MappingView {
    pub set: MappingSet,
    /// The record it writes, e.g. "eAccounting's invoice draft".
    pub target: String,
    pub writes: System,
    /// The other flows that use this mapping too (the customer mapping: orders and customers).
    pub shared_with: Vec<FlowKind>,
    /// The records the flow gives it.
    pub roots: Vec<RecordRoot>,
    /// The record names a rule may read (every flow using it gives them).
    pub readable: Vec<String>,
    /// Every field it can write, reserved ones included (marked), in name order; then the
    /// custom fields its rules name.
    pub fields: Vec<TargetField>,
    /// The rules in effect (the merchant's, or the default).
    pub mapping: Mapping,
    pub default_mapping: Mapping,
    /// The merchant changed it (it is stored, not the default).
    pub customized: bool,
}

/// What the values of a lookup table's keys and entries are picked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ChoiceList {
    /// The till's payment methods.
    PaymentMethods,
    /// The till's order statuses.
    OrderStatuses,
    /// How the till delivers: pickup, shipping, delivery.
    DeliveryWays,
    /// eAccounting's terms of payment (their ids).
    TermsOfPayment,
    /// eAccounting's countries (their codes).
    Countries,
    /// eAccounting's VAT codes (their codes: the customers flow's table).
    VatCodes,
    /// eAccounting's VAT codes' rates in percent (the orders flow checks a booking's rate).
    VatRates,
    /// The revenue accounts eAccounting's codings book on.
    RevenueAccounts,
    /// eAccounting's delivery methods (their codes).
    DeliveryMethods,
    /// VAT percentages (from eAccounting's codings).
    VatPercentages,
    /// The POS's tax tariffs.
    TaxTariffs,
    /// Yes or no.
    YesNo,
    /// Free text.
    Text,
}

/// A lookup table the editor can fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LookupTableInfo {
    pub name: String,
    pub title: String,
    pub keys: ChoiceList,
    pub values: ChoiceList,
}

/// A flow's mappings, its lookup tables and the expression language's functions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FlowMappings {
    pub flow: FlowKind,
    pub sets: Vec<MappingView>,
    pub lookups: Lookups,
    pub tables: Vec<LookupTableInfo>,
    pub functions: Vec<FunctionInfo>,
}

/// The message of a refused mapping: its errors, one a line.
pub(super) fn refusal(issues: &[RuleIssue]) -> String {
    let errors: Vec<String> = issues
        .iter()
        .filter(|i| i.is_error())
        .map(|i| format!("{}: {}", i.target, i.message))
        .collect();
    format!(
        "The mapping was not saved: {} rule{} {} an error. {}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        if errors.len() == 1 { "has" } else { "have" },
        errors.join("; ")
    )
}

/// The lookup tables a flow's mappings use, and where their keys and values come from.
fn tables_of(flow: FlowKind) -> Vec<LookupTableInfo> {
    use crate::flows::orders::defaults::DELIVERY_METHOD;
    use crate::flows::products::defaults::VAT_TARIFF;
    use crate::mapping::{
        COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE, PAYMENT_METHOD_REFERENCE, PAYMENT_METHOD_TERMS,
        POS_STATUS_INCLUDE,
    };
    let title = |name: &str| {
        WELL_KNOWN_TABLES
            .iter()
            .find(|(known, _)| *known == name)
            .map_or(name, |(_, title)| title)
            .to_string()
    };
    let table = |name: &str, keys, values| LookupTableInfo {
        name: name.to_string(),
        title: match name {
            DELIVERY_METHOD => "till delivery -> delivery method".to_string(),
            VAT_TARIFF => "VAT percentage -> POS tax tariff".to_string(),
            other => title(other),
        },
        keys,
        values,
    };
    match flow {
        FlowKind::Orders => vec![
            table(
                PAYMENT_METHOD_REFERENCE,
                ChoiceList::PaymentMethods,
                ChoiceList::Text,
            ),
            table(
                PAYMENT_METHOD_TERMS,
                ChoiceList::PaymentMethods,
                ChoiceList::TermsOfPayment,
            ),
            table(
                DELIVERY_METHOD,
                ChoiceList::DeliveryWays,
                ChoiceList::DeliveryMethods,
            ),
            table(
                POS_STATUS_INCLUDE,
                ChoiceList::OrderStatuses,
                ChoiceList::YesNo,
            ),
            table(
                COUNTRY_VAT_CODE,
                ChoiceList::Countries,
                ChoiceList::VatRates,
            ),
            table(
                COUNTRY_REVENUE_ACCOUNT,
                ChoiceList::Countries,
                ChoiceList::RevenueAccounts,
            ),
        ],
        FlowKind::Customers => vec![
            table(
                COUNTRY_VAT_CODE,
                ChoiceList::Countries,
                ChoiceList::VatCodes,
            ),
            table(
                COUNTRY_REVENUE_ACCOUNT,
                ChoiceList::Countries,
                ChoiceList::RevenueAccounts,
            ),
        ],
        FlowKind::Products => vec![table(
            VAT_TARIFF,
            ChoiceList::VatPercentages,
            ChoiceList::TaxTariffs,
        )],
        FlowKind::Stock | FlowKind::Categories => Vec::new(),
    }
}

/// What changed between two mappings, by target, for the activity log.
fn changed_targets(before: &Mapping, after: &Mapping) -> Vec<String> {
    let mut targets: Vec<String> = Vec::new();
    for rule in before.rules.iter().chain(&after.rules) {
        if before.rule(&rule.target) != after.rule(&rule.target) && !targets.contains(&rule.target)
        {
            targets.push(rule.target.clone());
        }
    }
    targets
}

impl Engine {
    fn orders_settings(&self) -> Result<OrdersSettings> {
        Ok(FlowConfig::<OrdersSettings>::load(&self.store, FlowKind::Orders)?.settings)
    }

    /// The mapping `set` in effect: the merchant's, or the default.
    pub fn mapping_in_effect(&self, set: MappingSet) -> Result<Mapping> {
        Ok(self
            .store
            .setting(&set.key())?
            .unwrap_or_else(|| set.default_mapping()))
    }

    /// The lookup tables `flow` evaluates its mappings with: the merchant's, or the defaults.
    pub fn flow_lookups(&self, flow: FlowKind) -> Result<Lookups> {
        Ok(match flow {
            FlowKind::Orders => self.orders_mapping()?.2,
            FlowKind::Products => self.products_mappings()?.lookups,
            FlowKind::Customers => self.customers_mappings()?.2,
            FlowKind::Categories => self.categories_mapping()?.1,
            FlowKind::Stock => Lookups::new(),
        })
    }

    fn known_set(flow: FlowKind, set: MappingSet) -> Result<()> {
        if MappingSet::of_flow(flow).contains(&set) {
            Ok(())
        } else {
            Err(EngineError::NotFound(format!(
                "the {flow} flow has no mapping '{}'; it has {}",
                set.as_str(),
                MappingSet::of_flow(flow)
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    /// Every mapping of `flow` for the editor.
    pub fn mapping_editor(&self, flow: FlowKind) -> Result<FlowMappings> {
        let orders = self.orders_settings()?;
        let mut sets = Vec::new();
        for set in MappingSet::of_flow(flow) {
            let target = set.target(&orders);
            let mapping = self.mapping_in_effect(*set)?;
            let mut fields: Vec<TargetField> = target
                .schema
                .writable()
                .into_iter()
                .map(|spec| TargetField {
                    reserved: target
                        .reserved
                        .iter()
                        .find(|r| r.field == spec.name)
                        .map(|r| r.reason.clone()),
                    spec,
                })
                .collect();
            // Reserved fields the schema lists as writable are marked above; the rest (e.g. a
            // read-only one) need no row. Rules on fields the schema lacks are custom fields.
            for rule in &mapping.rules {
                if !fields.iter().any(|f| f.spec.name == rule.target) {
                    fields.push(TargetField {
                        spec: target
                            .schema
                            .field(&rule.target)
                            .cloned()
                            .unwrap_or_else(|| {
                                FieldSpec::new(rule.target.clone(), mapping::schema::FieldKind::Any)
                                    .described(
                                        "a field the published list does not name (a custom field)",
                                    )
                            }),
                        reserved: None,
                    });
                }
            }
            sets.push(MappingView {
                set: *set,
                target: target.title,
                writes: set.writes(),
                shared_with: set.flows().iter().copied().filter(|f| *f != flow).collect(),
                roots: set.roots(flow),
                readable: set.shared_roots(),
                fields,
                customized: self.store.setting::<Mapping>(&set.key())?.is_some(),
                default_mapping: set.default_mapping(),
                mapping,
            });
        }
        Ok(FlowMappings {
            flow,
            sets,
            lookups: self.flow_lookups(flow)?,
            tables: tables_of(flow),
            functions: FUNCTIONS.to_vec(),
        })
    }

    /// Every problem of `mapping` as `set` of `flow`, with `lookups` (errors first).
    pub fn check_mapping(
        &self,
        flow: FlowKind,
        set: MappingSet,
        mapping: &Mapping,
        lookups: &Lookups,
    ) -> Result<Vec<RuleIssue>> {
        Self::known_set(flow, set)?;
        let orders = self.orders_settings()?;
        let readable = set.shared_roots();
        let roots: Vec<&str> = readable.iter().map(String::as_str).collect();
        let sources = set.sources(flow);
        Ok(mapping::check(
            mapping,
            &set.target(&orders),
            &SourceRecords {
                roots: &roots,
                fields: &sources,
            },
            lookups,
        ))
    }

    /// The first problem of one expression of `set`, with where it is: the editor calls this as
    /// the merchant types.
    pub fn check_expression(&self, set: MappingSet, expression: &str) -> Option<RuleIssue> {
        let readable = set.shared_roots();
        let roots: Vec<&str> = readable.iter().map(String::as_str).collect();
        mapping::check_expression(expression, &roots)
    }

    /// Saves `set` of `flow` and the flow's lookup tables. Refused (nothing stored) while a rule
    /// has an error; answers with the warnings that remain. A mapping equal to the default is
    /// stored as "the default", so later improvements of the default reach it.
    pub fn save_mapping(
        &self,
        flow: FlowKind,
        set: MappingSet,
        mapping: &Mapping,
        lookups: &Lookups,
        origin: Origin,
    ) -> Result<Vec<RuleIssue>> {
        let issues = self.check_mapping(flow, set, mapping, lookups)?;
        if issues.iter().any(RuleIssue::is_error) {
            return Err(EngineError::MappingRefused(issues));
        }
        let before = self.mapping_in_effect(set)?;
        let key = set.key();
        // The rules and the tables land together, or neither does.
        self.store.transaction(|tx| {
            if *mapping == set.default_mapping() {
                store::remove_setting(tx, &key)?;
            } else {
                store::write_setting(tx, &key, mapping)?;
            }
            store::write_setting(tx, &mapping::lookups_key(flow), lookups)
        })?;
        let changed = changed_targets(&before, mapping);
        let what = if changed.is_empty() {
            "lookup tables".to_string()
        } else {
            changed.join(", ")
        };
        self.activity.note(
            NewEvent::info(format!(
                "The {flow} mapping ({}) changed {origin}: {what}",
                set.as_str()
            ))
            .flow(flow)
            .details(serde_json::json!({"set": set, "before": before, "after": mapping})),
        );
        Ok(issues)
    }

    /// Back to the default: one rule (`target`), one mapping (`set`), or every mapping of the
    /// flow. The lookup tables are the flow's answers and stay.
    pub fn reset_mapping(
        &self,
        flow: FlowKind,
        set: Option<MappingSet>,
        target: Option<&str>,
        origin: Origin,
    ) -> Result<()> {
        let sets: Vec<MappingSet> = match set {
            Some(set) => {
                Self::known_set(flow, set)?;
                vec![set]
            }
            None => MappingSet::of_flow(flow).to_vec(),
        };
        match target {
            Some(target) => {
                let [set] = sets.as_slice() else {
                    return Err(EngineError::NotFound(format!(
                        "say which mapping of the {flow} flow {target} belongs to"
                    )));
                };
                let mut mapping = self.mapping_in_effect(*set)?;
                let default = set.default_mapping();
                match default.rule(target) {
                    Some(rule) => mapping.set(rule.clone()),
                    None => mapping.rules.retain(|r| r.target != target),
                }
                let lookups = self.flow_lookups(flow)?;
                self.save_mapping(flow, *set, &mapping, &lookups, origin)?;
            }
            None => {
                for set in &sets {
                    self.store.remove_setting(&set.key())?;
                }
                let names: Vec<&str> = sets.iter().map(|s| s.as_str()).collect();
                self.activity.note(
                    NewEvent::info(format!(
                        "The {flow} mapping ({}) was reset to the default {origin}",
                        names.join(", ")
                    ))
                    .flow(flow),
                );
            }
        }
        Ok(())
    }

    /// Sets one rule of `set` and saves, as `posbridge mapping set` does.
    pub fn set_mapping_rule(
        &self,
        flow: FlowKind,
        set: MappingSet,
        rule: Rule,
        origin: Origin,
    ) -> Result<Vec<RuleIssue>> {
        Self::known_set(flow, set)?;
        let mut mapping = self.mapping_in_effect(set)?;
        mapping.set(rule);
        let lookups = self.flow_lookups(flow)?;
        self.save_mapping(flow, set, &mapping, &lookups, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::EventQuery;
    use crate::mapping::{Severity, Source, PAYMENT_METHOD_REFERENCE};
    use crate::secrets::MemoryStore;
    use std::sync::Arc;

    fn engine() -> Engine {
        Engine::in_memory(Arc::new(MemoryStore::new())).unwrap()
    }

    #[test]
    fn the_editor_lists_every_target_field_with_its_rule_and_marks_reserved_ones() {
        let engine = engine();
        let editor = engine.mapping_editor(FlowKind::Orders).unwrap();
        let document = &editor.sets[0];
        assert_eq!(document.set, MappingSet::OrderDocument);
        assert_eq!(document.target, "eAccounting's invoice draft");
        let field = |name: &str| document.fields.iter().find(|f| f.spec.name == name);
        assert_eq!(
            field("OurReference").map(|f| f.spec.max_length),
            Some(Some(100))
        );
        assert!(field("YourReference").unwrap().reserved.is_some());
        assert!(
            field("ElectronicReference").is_some(),
            "fields without a rule are listed too"
        );
        assert!(field("TotalAmount").is_none(), "read-only fields are not");
        assert_eq!(document.mapping, document.default_mapping);
        assert!(!document.customized);
        let customer = &editor.sets[1];
        assert_eq!(customer.shared_with, [FlowKind::Customers]);
        assert!(customer.fields.iter().any(|f| f.spec.name == "IsCompany"));
        assert!(editor
            .tables
            .iter()
            .any(|t| t.name == PAYMENT_METHOD_REFERENCE && t.keys == ChoiceList::PaymentMethods));
        assert!(editor.functions.iter().any(|f| f.name == "left"));
    }

    #[test]
    fn a_mapping_with_an_error_is_refused_and_nothing_is_stored() {
        let engine = engine();
        let lookups = engine.flow_lookups(FlowKind::Orders).unwrap();
        let mut mapping = MappingSet::OrderDocument.default_mapping();
        mapping.set(Rule::constant("YourReference", "mine"));
        let error = engine
            .save_mapping(
                FlowKind::Orders,
                MappingSet::OrderDocument,
                &mapping,
                &lookups,
                Origin::Window,
            )
            .unwrap_err();
        assert_eq!(error.code(), "mapping.refused");
        assert!(
            error.to_string().contains("YourReference cannot be mapped"),
            "{error}"
        );
        assert_eq!(
            engine.mapping_in_effect(MappingSet::OrderDocument).unwrap(),
            MappingSet::OrderDocument.default_mapping(),
            "nothing stored"
        );
    }

    #[test]
    fn a_saved_rule_is_in_effect_and_logged_and_warnings_come_back() {
        let engine = engine();
        // The till's payment method is a text, and TermsOfPaymentId takes an eAccounting id.
        let warnings = engine
            .set_mapping_rule(
                FlowKind::Orders,
                MappingSet::OrderDocument,
                Rule::field("TermsOfPaymentId", "order.paymethod"),
                Origin::Cli,
            )
            .unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert_eq!(
            (warnings[0].severity, warnings[0].code.as_str()),
            (Severity::Warning, "could_be_not_an_id")
        );
        let (document, _, _) = engine.orders_mapping().unwrap();
        assert_eq!(
            document.rule("TermsOfPaymentId").map(|r| &r.source),
            Some(&Source::field("order.paymethod")),
            "the flow reads what the editor saved"
        );
        let page = engine.activity().query(&EventQuery::default()).unwrap();
        assert_eq!(
            page.events[0].message,
            "The orders mapping (order_document) changed from the command line: TermsOfPaymentId"
        );
        assert!(engine.mapping_editor(FlowKind::Orders).unwrap().sets[0].customized);
    }

    #[test]
    fn a_text_that_could_be_too_long_is_not_flagged_where_the_flow_fits_it_when_writing() {
        let engine = engine();
        // The orders flow checks every text against eAccounting's limit before it writes: an
        // order whose text is too long fails naming the field (or is shortened, where allowed).
        let warnings = engine
            .set_mapping_rule(
                FlowKind::Orders,
                MappingSet::OrderDocument,
                Rule::expression("OurReference", "concat(\"Kassa \", order.paymethod_label)"),
                Origin::Cli,
            )
            .unwrap();
        assert_eq!(warnings, []);
    }

    #[test]
    fn reset_puts_back_one_rule_or_the_whole_flow() {
        let engine = engine();
        for rule in [
            Rule::constant("OurReference", "Kassa"),
            Rule::constant("DeliveryCity", "Utrecht"),
        ] {
            engine
                .set_mapping_rule(
                    FlowKind::Orders,
                    MappingSet::OrderDocument,
                    rule,
                    Origin::Cli,
                )
                .unwrap();
        }
        engine
            .reset_mapping(
                FlowKind::Orders,
                Some(MappingSet::OrderDocument),
                Some("OurReference"),
                Origin::Cli,
            )
            .unwrap();
        let mapping = engine.mapping_in_effect(MappingSet::OrderDocument).unwrap();
        let default = MappingSet::OrderDocument.default_mapping();
        assert_eq!(mapping.rule("OurReference"), default.rule("OurReference"));
        assert_eq!(
            mapping.rule("DeliveryCity").map(|r| &r.source),
            Some(&Source::constant("Utrecht"))
        );

        engine
            .reset_mapping(FlowKind::Orders, None, None, Origin::Cli)
            .unwrap();
        assert_eq!(
            engine.mapping_in_effect(MappingSet::OrderDocument).unwrap(),
            default
        );
        assert!(!engine.mapping_editor(FlowKind::Orders).unwrap().sets[0].customized);
    }

    #[test]
    fn a_mapping_of_another_flow_is_not_found() {
        let engine = engine();
        let error = engine
            .check_mapping(
                FlowKind::Stock,
                MappingSet::Category,
                &Mapping::default(),
                &Lookups::new(),
            )
            .unwrap_err();
        assert_eq!(error.code(), "not_found");
    }
}
