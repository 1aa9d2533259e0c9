//! What the merchant may not change about the orders flow because exactly-once rests on it: the
//! document field that carries PosBridge's reference (no mapping rule may fill it) and the store
//! id in that reference (short and plain, so every reference is unique and fits its field).
//! Checked wherever either is saved (the mapping, the orders settings, a settings file, the
//! wizard) and again when a run starts, for what an older version stored.

use crate::flow::FlowKind;
use crate::flows::FlowConfig;
use crate::mapping::Mapping;
use crate::settings_paths::SettingsError;
use crate::store::Store;

use super::settings::{OrdersSettings, ReferenceField};

/// A mapping rule aimed at the field PosBridge's reference lives in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the orders mapping may not fill {target}: PosBridge keeps its reference to the till order there (orders.reference_field is {}), so that a booking is found again after a crash or a lost answer instead of being made twice. Map that text to another field, or choose the other reference field",
    .reference_field.setting()
)]
pub struct ReservedField {
    /// The rule's target, e.g. `YourReference`.
    pub target: String,
    pub reference_field: ReferenceField,
}

/// The first rule of the document mapping that targets the reference field, as an error.
pub fn check_mapping(mapping: &Mapping, field: ReferenceField) -> Result<(), ReservedField> {
    let reserved = field.document_fields();
    match mapping
        .rules
        .iter()
        .find(|rule| reserved.contains(&rule.target.as_str()))
    {
        Some(rule) => Err(ReservedField {
            target: rule.target.clone(),
            reference_field: field,
        }),
        None => Ok(()),
    }
}

/// Checks the orders document mapping about to be saved against the stored orders settings.
pub fn check_mapping_to_save(store: &Store, mapping: &Mapping) -> Result<(), SettingsError> {
    let settings = FlowConfig::<OrdersSettings>::load(store, FlowKind::Orders)?.settings;
    check_mapping(mapping, settings.reference_field).map_err(|error| SettingsError::Invalid {
        path: format!("mapping.orders.{}", error.target),
        reason: error.to_string(),
    })
}

/// Checks orders settings about to be saved: their own answers, and the stored document mapping
/// against their reference field.
pub fn check_settings_to_save(
    store: &Store,
    settings: &OrdersSettings,
) -> Result<(), SettingsError> {
    if let Some((path, reason)) = settings.problem() {
        return Err(SettingsError::Invalid {
            path: path.into(),
            reason,
        });
    }
    if let Some(mapping) = Mapping::load(store, FlowKind::Orders)? {
        check_mapping(&mapping, settings.reference_field).map_err(|error| {
            SettingsError::Invalid {
                path: "orders.reference_field".into(),
                reason: error.to_string(),
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::orders::defaults;
    use crate::mapping::Rule;

    #[test]
    fn the_default_mapping_leaves_the_reference_alone() {
        for field in [
            ReferenceField::YourReference,
            ReferenceField::BuyersOrderReference,
        ] {
            assert_eq!(check_mapping(&defaults::document_mapping(), field), Ok(()));
        }
    }

    #[test]
    fn a_rule_on_the_reference_field_is_named_whatever_the_document_calls_it() {
        let mut mapping = defaults::document_mapping();
        mapping.set(Rule::constant("CustomerReference", "Kassa"));
        let error = check_mapping(&mapping, ReferenceField::YourReference).unwrap_err();
        assert_eq!(error.target, "CustomerReference");
        assert!(error.to_string().contains("may not fill CustomerReference"));
        assert_eq!(
            check_mapping(&mapping, ReferenceField::BuyersOrderReference),
            Ok(()),
            "free to map while PosBridge uses BuyersOrderReference"
        );
    }

    #[test]
    fn saving_is_refused_in_both_directions() {
        let store = Store::open_in_memory().unwrap();
        let mut mapping = defaults::document_mapping();
        mapping.set(Rule::field(
            "BuyersOrderReference",
            "order.ordernumber_full",
        ));
        check_mapping_to_save(&store, &mapping).unwrap();
        mapping.save(&store, FlowKind::Orders).unwrap();

        let moved = OrdersSettings {
            reference_field: ReferenceField::BuyersOrderReference,
            ..OrdersSettings::default()
        };
        let error = check_settings_to_save(&store, &moved).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "orders.reference_field: the orders mapping may not fill BuyersOrderReference"
            ),
            "{error}"
        );

        let mut aimed = defaults::document_mapping();
        aimed.set(Rule::constant("YourReference", "x"));
        let error = aimed.save(&store, FlowKind::Orders).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("mapping.orders.YourReference: "),
            "{error}"
        );
        assert_eq!(
            Mapping::load(&store, FlowKind::Orders).unwrap(),
            Some(mapping)
        );
    }
}
