//! Settings addressed by a dotted path, as `posbridge settings get|set` and settings files use
//! them: `app.log_retention_days`, `orders.document_type`. Each top-level name is one settings
//! document with a Rust type; a change is checked against that type before it is stored, and an
//! error names the setting and says what was expected.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::connections::settings_file as connections;
use crate::flow::FlowKind;
use crate::flows::categories::CategoriesSettings;
use crate::flows::customers::CustomersSettings;
use crate::flows::orders::OrdersSettings;
use crate::flows::products::ProductsSettings;
use crate::flows::stock::StockSettings;
use crate::flows::FlowConfig;
use crate::settings::AppSettings;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting {path:?}; settings are {known}")]
    Unknown { path: String, known: String },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A settings document: a name, and how to read and write it as JSON through its Rust type.
struct Document {
    name: &'static str,
    load: fn(&Store) -> Result<Value, StoreError>,
    /// Checks `value` against the type (the error names the field) and stores it; with `None`
    /// for the store it only checks.
    save: fn(Option<&Store>, Value) -> Result<(), SettingsError>,
}

/// `value` as the document `name`'s type; the error names the field.
fn typed<T: DeserializeOwned>(name: &str, value: Value) -> Result<T, SettingsError> {
    serde_path_to_error::deserialize(value).map_err(|e| SettingsError::Invalid {
        path: format!("{name}.{}", e.path()),
        reason: e.inner().to_string(),
    })
}

fn typed_save<T: DeserializeOwned>(
    name: &str,
    store: Option<&Store>,
    value: Value,
    write: impl FnOnce(&T, &Store) -> Result<(), StoreError>,
) -> Result<(), SettingsError> {
    let typed: T = typed(name, value)?;
    if let Some(store) = store {
        write(&typed, store)?;
    }
    Ok(())
}

/// A flow's own settings (`T`) as a document named after the flow.
fn load_flow<T: Serialize + DeserializeOwned + Default>(
    store: &Store,
    flow: FlowKind,
) -> Result<Value, StoreError> {
    FlowConfig::<T>::settings_document(store, flow)
}

fn save_flow<T: Serialize + DeserializeOwned + Default + Clone>(
    store: Option<&Store>,
    value: Value,
    flow: FlowKind,
) -> Result<(), SettingsError> {
    typed_save(flow.as_str(), store, value, |settings, store| {
        FlowConfig::<T>::save_settings_document(settings, store, flow)
    })
}

/// The orders settings also answer to what exactly-once rests on (store id, the reference
/// field no mapping rule may fill); see `flows::orders::reserved`.
fn save_orders(store: Option<&Store>, value: Value) -> Result<(), SettingsError> {
    let settings: OrdersSettings = typed("orders", value)?;
    if let Some((path, reason)) = settings.problem() {
        return Err(SettingsError::Invalid {
            path: path.into(),
            reason,
        });
    }
    if let Some(store) = store {
        crate::flows::orders::reserved::check_settings_to_save(store, &settings)?;
        FlowConfig::<OrdersSettings>::save_settings_document(&settings, store, FlowKind::Orders)?;
    }
    Ok(())
}

const DOCUMENTS: &[Document] = &[
    Document {
        name: "app",
        load: |store| Ok(serde_json::to_value(AppSettings::load(store)?).expect("serializes")),
        save: |store, value| typed_save::<AppSettings>("app", store, value, AppSettings::save),
    },
    Document {
        name: "orders",
        load: |store| load_flow::<OrdersSettings>(store, FlowKind::Orders),
        save: save_orders,
    },
    Document {
        name: "products",
        load: |store| load_flow::<ProductsSettings>(store, FlowKind::Products),
        save: |store, value| save_flow::<ProductsSettings>(store, value, FlowKind::Products),
    },
    Document {
        name: "stock",
        load: |store| load_flow::<StockSettings>(store, FlowKind::Stock),
        save: |store, value| save_flow::<StockSettings>(store, value, FlowKind::Stock),
    },
    Document {
        name: "customers",
        load: |store| load_flow::<CustomersSettings>(store, FlowKind::Customers),
        save: |store, value| save_flow::<CustomersSettings>(store, value, FlowKind::Customers),
    },
    Document {
        name: "categories",
        load: |store| load_flow::<CategoriesSettings>(store, FlowKind::Categories),
        save: |store, value| save_flow::<CategoriesSettings>(store, value, FlowKind::Categories),
    },
];

fn known() -> String {
    DOCUMENTS
        .iter()
        .map(|d| d.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn document(name: &str, path: &str) -> Result<&'static Document, SettingsError> {
    DOCUMENTS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| SettingsError::Unknown {
            path: path.to_string(),
            known: known(),
        })
}

/// The value at `path` (a whole document when the path is just its name).
pub fn get(store: &Store, path: &str) -> Result<Value, SettingsError> {
    let mut parts = path.split('.');
    let name = parts.next().unwrap_or_default();
    let mut value = if name == connections::DOCUMENT {
        connections::export(store)?
    } else {
        (document(name, path)?.load)(store)?
    };
    for part in parts {
        value = value
            .get(part)
            .cloned()
            .ok_or_else(|| SettingsError::Unknown {
                path: path.to_string(),
                known: known(),
            })?;
    }
    Ok(value)
}

/// Sets the value at `path`; a value that does not fit is refused and nothing is stored.
pub fn set(store: &Store, path: &str, new: Value) -> Result<(), SettingsError> {
    if path.split('.').next() == Some(connections::DOCUMENT) {
        return Err(SettingsError::Invalid {
            path: path.to_string(),
            reason: "a connection is changed by connecting it again (`posbridge connect`), which asks for its keys".into(),
        });
    }
    let mut parts: Vec<&str> = path.split('.').collect();
    let doc = document(parts.remove(0), path)?;
    let mut whole = (doc.load)(store)?;
    if parts.is_empty() {
        return (doc.save)(Some(store), new);
    }
    let (last, parents) = parts.split_last().expect("not empty");
    let mut node = &mut whole;
    for part in parents {
        node = node.get_mut(*part).ok_or_else(|| SettingsError::Unknown {
            path: path.to_string(),
            known: known(),
        })?;
    }
    let object = node.as_object_mut().ok_or_else(|| SettingsError::Invalid {
        path: path.to_string(),
        reason: "is not a group of settings".into(),
    })?;
    if !object.contains_key(*last) {
        return Err(SettingsError::Unknown {
            path: path.to_string(),
            known: format!(
                "{} (in {}: {})",
                known(),
                doc.name,
                object.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    object.insert(last.to_string(), new);
    (doc.save)(Some(store), whole)
}

/// Every settings document, for a settings file.
pub fn export(store: &Store) -> Result<Value, SettingsError> {
    let mut all = Map::new();
    for doc in DOCUMENTS {
        all.insert(doc.name.to_string(), (doc.load)(store)?);
    }
    all.insert(connections::DOCUMENT.into(), connections::export(store)?);
    Ok(Value::Object(all))
}

/// Reads a settings file: every document in it is checked before any is stored, and one that
/// would point a connection at another host is refused whole.
pub fn import(store: &Store, file: Value) -> Result<(), SettingsError> {
    let object = file.as_object().ok_or_else(|| SettingsError::Invalid {
        path: "(file)".into(),
        reason: "a settings file is a JSON object of documents".into(),
    })?;
    let mut checked = Vec::new();
    for (name, value) in object {
        if name == connections::DOCUMENT {
            // Nothing to store: it only must not move a connection.
            connections::check_import(store, value)?;
            continue;
        }
        let doc = document(name, name)?;
        (doc.save)(None, value.clone())?;
        if doc.name == "orders" {
            // Against what is stored (the orders mapping) before anything is written.
            let settings: OrdersSettings = typed("orders", value.clone())?;
            crate::flows::orders::reserved::check_settings_to_save(store, &settings)?;
        }
        checked.push((doc, value.clone()));
    }
    for (doc, value) in checked {
        (doc.save)(Some(store), value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_setting_is_read_and_changed_by_its_path() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(get(&store, "app.log_retention_days").unwrap(), json!(90));
        set(&store, "app.log_retention_days", json!(30)).unwrap();
        assert_eq!(AppSettings::load(&store).unwrap().log_retention_days, 30);
        assert_eq!(get(&store, "app").unwrap()["log_retention_days"], json!(30));
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_naming_the_setting() {
        let store = Store::open_in_memory().unwrap();
        let error = set(&store, "app.log_retention_days", json!("a month")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("app.log_retention_days: invalid type"),
            "{error}"
        );
        assert_eq!(
            AppSettings::load(&store).unwrap().log_retention_days,
            90,
            "nothing stored"
        );
        let error = set(&store, "app.language", json!("fr")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("app.language: unknown variant `fr`"),
            "{error}"
        );
    }

    #[test]
    fn unknown_settings_are_refused_with_the_known_ones() {
        let store = Store::open_in_memory().unwrap();
        let error = set(&store, "app.colour", json!("red")).unwrap_err();
        assert!(error.to_string().contains("log_retention_days"), "{error}");
        assert!(matches!(
            get(&store, "invoices.x"),
            Err(SettingsError::Unknown { .. })
        ));
    }

    #[test]
    fn a_settings_file_with_one_bad_value_changes_nothing() {
        let store = Store::open_in_memory().unwrap();
        let error = import(&store, json!({"app": {"log_retention_days": -1}})).unwrap_err();
        assert!(
            error.to_string().starts_with("app.log_retention_days"),
            "{error}"
        );
        assert_eq!(AppSettings::load(&store).unwrap(), AppSettings::default());
    }

    #[test]
    fn the_orders_questions_are_settings_too() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(get(&store, "orders.document").unwrap(), json!("invoice"));
        set(&store, "orders.document", json!("quote")).unwrap();
        assert_eq!(get(&store, "orders.document").unwrap(), json!("quote"));
        let error = set(&store, "orders.document", json!("receipt")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("orders.document: unknown variant `receipt`"),
            "{error}"
        );
    }

    #[test]
    fn a_store_id_that_cannot_make_unique_references_is_refused() {
        let store = Store::open_in_memory().unwrap();
        let error = set(&store, "orders.store_id", json!("De Gouden Boon")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("orders.store_id: the store id"),
            "{error}"
        );
        let error = import(&store, json!({"orders": {"store_id": "a/b"}})).unwrap_err();
        assert!(error.to_string().starts_with("orders.store_id"), "{error}");
        set(&store, "orders.store_id", json!("UTR-01")).unwrap();
        assert_eq!(get(&store, "orders.store_id").unwrap(), json!("UTR-01"));
        assert_eq!(
            get(&store, "orders.search_settle_seconds").unwrap(),
            json!(900)
        );
    }

    #[test]
    fn a_settings_file_round_trips() {
        let store = Store::open_in_memory().unwrap();
        set(&store, "app.language", json!("nl")).unwrap();
        let file = export(&store).unwrap();
        let other = Store::open_in_memory().unwrap();
        import(&other, file.clone()).unwrap();
        assert_eq!(export(&other).unwrap(), file);
    }
}
