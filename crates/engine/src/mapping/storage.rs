//! A flow's mapping and lookup tables in the store, as JSON settings under `mapping.<flow>` and
//! `lookups.<flow>`. Nothing stored means the merchant never changed the flow's default, which
//! stays in code, so improving a default in a new version reaches everyone who kept it.

use crate::flow::FlowKind;
use crate::settings_paths::SettingsError;
use crate::store::{Result, Store};

use super::lookup::Lookups;
use super::model::Mapping;

/// The settings key of `flow`'s mapping.
pub fn mapping_key(flow: FlowKind) -> String {
    format!("mapping.{flow}")
}

/// The settings key of `flow`'s lookup tables.
pub fn lookups_key(flow: FlowKind) -> String {
    format!("lookups.{flow}")
}

impl Mapping {
    /// The merchant's mapping for `flow`, or `None` to use the flow's default.
    pub fn load(store: &Store, flow: FlowKind) -> Result<Option<Self>> {
        store.setting(&mapping_key(flow))
    }

    /// Stores the merchant's mapping for `flow`. Refused, naming the rule, when it fills a
    /// field the flow reserves (the orders document's reference field: see
    /// `flows::orders::reserved`).
    pub fn save(&self, store: &Store, flow: FlowKind) -> Result<(), SettingsError> {
        if flow == FlowKind::Orders {
            crate::flows::orders::reserved::check_mapping_to_save(store, self)?;
        }
        Ok(store.set_setting(&mapping_key(flow), self)?)
    }
}

impl Lookups {
    /// The merchant's lookup tables for `flow`, or `None` to use the flow's default.
    pub fn load(store: &Store, flow: FlowKind) -> Result<Option<Self>> {
        store.setting(&lookups_key(flow))
    }

    pub fn save(&self, store: &Store, flow: FlowKind) -> Result<()> {
        store.set_setting(&lookups_key(flow), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::{LookupTable, COUNTRY_VAT_CODE, PAYMENT_METHOD_TERMS};
    use crate::mapping::model::{Rule, Source};
    use serde_json::json;

    #[test]
    fn nothing_stored_means_the_default_then_what_was_saved_comes_back() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(Mapping::load(&store, FlowKind::Orders).unwrap(), None);
        assert_eq!(Lookups::load(&store, FlowKind::Orders).unwrap(), None);

        let mapping = Mapping::new([
            Rule::field("InvoiceCity", "order.customer.billingaddress.city"),
            Rule::lookup_or(
                "VatCode",
                COUNTRY_VAT_CODE,
                Source::expression("upper(order.country)"),
                serde_json::Value::Null,
            ),
            Rule::constant("Extra", json!({"nested": [1, 2.5, "x"]})),
        ]);
        let lookups = Lookups::new()
            .with(
                COUNTRY_VAT_CODE,
                LookupTable::new().with("NL", "21").or_default("0"),
            )
            .with(PAYMENT_METHOD_TERMS, LookupTable::new());
        mapping.save(&store, FlowKind::Orders).unwrap();
        lookups.save(&store, FlowKind::Orders).unwrap();

        assert_eq!(
            Mapping::load(&store, FlowKind::Orders).unwrap(),
            Some(mapping)
        );
        assert_eq!(
            Lookups::load(&store, FlowKind::Orders).unwrap(),
            Some(lookups)
        );
        assert_eq!(
            Mapping::load(&store, FlowKind::Products).unwrap(),
            None,
            "each flow has its own"
        );
        let keys: Vec<String> = store
            .all_settings()
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["lookups.orders", "mapping.orders"]);
    }

    #[test]
    fn a_stored_mapping_of_the_wrong_shape_is_an_error_naming_its_key() {
        let store = Store::open_in_memory().unwrap();
        store
            .set_setting(
                &mapping_key(FlowKind::Stock),
                &json!({"rules": [{"target": "x"}]}),
            )
            .unwrap();
        let error = Mapping::load(&store, FlowKind::Stock).unwrap_err();
        assert!(error.to_string().contains("\"mapping.stock\""), "{error}");
    }
}
