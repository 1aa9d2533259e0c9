//! The categories flow's questions, and the mapping it ships with.

use serde::{Deserialize, Serialize};

use crate::mapping::{Mapping, Rule};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CategoriesSettings {
    /// A label renamed in eAccounting renames its POS category (otherwise a category is only
    /// created, and then left to the merchant).
    pub update_existing: bool,
    /// The POS category (its id) new categories are created under; `None`: at the top.
    pub parent_category_id: Option<i64>,
}

impl Default for CategoriesSettings {
    fn default() -> Self {
        Self {
            update_existing: true,
            parent_category_id: None,
        }
    }
}

/// POS category fields from an eAccounting article label (`label`: `Id`, `Name`, `Description`).
/// Targets are the POS's field names; any other target is sent as it is.
pub fn default_mapping() -> Mapping {
    Mapping::new([
        Rule::field("name", "label.Name"),
        Rule::expression("description", "coalesce(label.Description, \"\")"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mapping_is_valid() {
        default_mapping().validate().unwrap();
    }
}
