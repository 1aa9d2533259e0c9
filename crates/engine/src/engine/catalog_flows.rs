//! The catalogue flows as the hosts reach them: each flow's settings (switch, schedule, own
//! answers) and mappings, and building the flow for a run from them and the shared clients.
//! Products, stock, customers and categories; the orders flow lives beside them in `runs.rs`.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Engine, Origin, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::flows::categories::{self, CategoriesFlow, CategoriesSettings, CategoriesSetup};
use crate::flows::customers::{self, CustomersFlow, CustomersSettings, CustomersSetup};
use crate::flows::orders::defaults as order_defaults;
use crate::flows::products::{
    defaults as product_defaults, ProductsFlow, ProductsMappings, ProductsSettings, ProductsSetup,
};
use crate::flows::stock::{StockFlow, StockSettings, StockSetup};
use crate::flows::FlowConfig;
use crate::mapping::{LookupTable, Lookups, Mapping, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE};
use crate::sync::RunError;

pub use crate::flows::mapping_sets::{CUSTOMERS_TO_POS_MAPPING, PRODUCTS_TO_BOOKS_MAPPING};

pub(super) fn setup_error(error: impl ToString) -> RunError {
    RunError::Setup(error.to_string())
}

impl Engine {
    pub(super) fn flow_config<T: Serialize + DeserializeOwned + Default>(
        &self,
        flow: FlowKind,
    ) -> Result<FlowConfig<T>> {
        Ok(FlowConfig::load(&self.store, flow)?)
    }

    pub(super) fn save_flow_config<T: Serialize + DeserializeOwned + Default>(
        &self,
        flow: FlowKind,
        title: &str,
        config: &FlowConfig<T>,
        origin: Origin,
    ) -> Result<()> {
        config.save(&self.store, flow)?;
        self.activity.note(
            NewEvent::info(format!(
                "{title} flow settings changed {origin} (switched {})",
                if config.enabled { "on" } else { "off" }
            ))
            .flow(flow),
        );
        self.wake.notify_one();
        Ok(())
    }

    pub fn products_config(&self) -> Result<FlowConfig<ProductsSettings>> {
        self.flow_config(FlowKind::Products)
    }

    pub fn save_products_config(
        &self,
        config: &FlowConfig<ProductsSettings>,
        origin: Origin,
    ) -> Result<()> {
        self.save_flow_config(FlowKind::Products, "Products", config, origin)
    }

    pub fn stock_config(&self) -> Result<FlowConfig<StockSettings>> {
        self.flow_config(FlowKind::Stock)
    }

    pub fn save_stock_config(
        &self,
        config: &FlowConfig<StockSettings>,
        origin: Origin,
    ) -> Result<()> {
        self.save_flow_config(FlowKind::Stock, "Stock", config, origin)
    }

    pub fn customers_config(&self) -> Result<FlowConfig<CustomersSettings>> {
        self.flow_config(FlowKind::Customers)
    }

    pub fn save_customers_config(
        &self,
        config: &FlowConfig<CustomersSettings>,
        origin: Origin,
    ) -> Result<()> {
        self.save_flow_config(FlowKind::Customers, "Customers", config, origin)
    }

    pub fn categories_config(&self) -> Result<FlowConfig<CategoriesSettings>> {
        self.flow_config(FlowKind::Categories)
    }

    pub fn save_categories_config(
        &self,
        config: &FlowConfig<CategoriesSettings>,
        origin: Origin,
    ) -> Result<()> {
        self.save_flow_config(FlowKind::Categories, "Categories", config, origin)
    }

    /// The products flow's mappings and lookups: the merchant's, or the defaults.
    pub fn products_mappings(&self) -> Result<ProductsMappings> {
        let store = &self.store;
        Ok(ProductsMappings {
            to_pos: Mapping::load(store, FlowKind::Products)?
                .unwrap_or_else(product_defaults::to_pos_mapping),
            to_books: store
                .setting(PRODUCTS_TO_BOOKS_MAPPING)?
                .unwrap_or_else(product_defaults::to_books_mapping),
            lookups: Lookups::load(store, FlowKind::Products)?
                .unwrap_or_else(product_defaults::lookups),
        })
    }

    pub fn save_products_mappings(
        &self,
        mappings: &ProductsMappings,
        origin: Origin,
    ) -> Result<()> {
        mappings.to_pos.save(&self.store, FlowKind::Products)?;
        self.store
            .set_setting(PRODUCTS_TO_BOOKS_MAPPING, &mappings.to_books)?;
        mappings.lookups.save(&self.store, FlowKind::Products)?;
        self.activity.note(
            NewEvent::info(format!("Products mapping changed {origin}")).flow(FlowKind::Products),
        );
        Ok(())
    }

    /// The customers flow's mappings (to eAccounting, shared with the orders flow; to the POS)
    /// and its lookups (VAT code and revenue account per country).
    pub fn customers_mappings(&self) -> Result<(Mapping, Mapping, Lookups)> {
        let store = &self.store;
        Ok((
            Mapping::load(store, FlowKind::Customers)?
                .unwrap_or_else(order_defaults::customer_mapping),
            store
                .setting(CUSTOMERS_TO_POS_MAPPING)?
                .unwrap_or_else(customers::settings::to_pos_mapping),
            Lookups::load(store, FlowKind::Customers)?.unwrap_or_else(|| {
                Lookups::new()
                    .with(COUNTRY_VAT_CODE, LookupTable::new())
                    .with(COUNTRY_REVENUE_ACCOUNT, LookupTable::new())
            }),
        ))
    }

    pub fn save_customers_to_pos_mapping(&self, mapping: &Mapping, origin: Origin) -> Result<()> {
        self.store.set_setting(CUSTOMERS_TO_POS_MAPPING, mapping)?;
        self.activity.note(
            NewEvent::info(format!("Customers mapping (to the POS) changed {origin}"))
                .flow(FlowKind::Customers),
        );
        Ok(())
    }

    /// The label -> category mapping and its lookups.
    pub fn categories_mapping(&self) -> Result<(Mapping, Lookups)> {
        let store = &self.store;
        Ok((
            Mapping::load(store, FlowKind::Categories)?.unwrap_or_else(categories::default_mapping),
            Lookups::load(store, FlowKind::Categories)?.unwrap_or_default(),
        ))
    }

    /// Progress notes go to the activity log, except in a dry run, which writes nothing.
    fn progress_log(&self, dry_run: bool) -> Option<Arc<crate::activity::ActivityLog>> {
        (!dry_run).then(|| Arc::clone(&self.activity))
    }

    pub(super) fn products_flow(
        &self,
        dry_run: bool,
    ) -> std::result::Result<ProductsFlow, RunError> {
        let pos = self.salespos_client()?;
        let books = self.eaccounting_client()?;
        let connection = self.salespos_connection()?;
        let config = self.products_config().map_err(setup_error)?;
        let mappings = self.products_mappings().map_err(setup_error)?;
        let categories = self.categories_config().map_err(setup_error)?;
        let (category_mapping, category_lookups) =
            self.categories_mapping().map_err(setup_error)?;
        ProductsFlow::new(ProductsSetup {
            pos,
            books,
            store: Arc::clone(&self.store),
            activity: self.progress_log(dry_run),
            webshop_id: connection.webshop_id,
            settings: config.settings,
            mappings,
            categories: categories.settings,
            category_mapping,
            category_lookups,
        })
    }

    pub(super) fn stock_flow(&self, dry_run: bool) -> std::result::Result<StockFlow, RunError> {
        Ok(StockFlow::new(StockSetup {
            pos: self.salespos_client()?,
            books: self.eaccounting_client()?,
            store: Arc::clone(&self.store),
            activity: self.progress_log(dry_run),
            settings: self.stock_config().map_err(setup_error)?.settings,
        }))
    }

    pub(super) fn customers_flow(
        &self,
        dry_run: bool,
    ) -> std::result::Result<CustomersFlow, RunError> {
        let (to_books_mapping, to_pos_mapping, lookups) =
            self.customers_mappings().map_err(setup_error)?;
        CustomersFlow::new(CustomersSetup {
            pos: self.salespos_client()?,
            books: self.eaccounting_client()?,
            store: Arc::clone(&self.store),
            activity: self.progress_log(dry_run),
            settings: self.customers_config().map_err(setup_error)?.settings,
            to_books_mapping,
            to_pos_mapping,
            lookups,
        })
    }

    pub(super) fn categories_flow(&self) -> std::result::Result<CategoriesFlow, RunError> {
        let (mapping, lookups) = self.categories_mapping().map_err(setup_error)?;
        CategoriesFlow::new(CategoriesSetup {
            pos: self.salespos_client()?,
            books: self.eaccounting_client()?,
            store: Arc::clone(&self.store),
            settings: self.categories_config().map_err(setup_error)?.settings,
            mapping,
            lookups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings_paths;
    use crate::store::Store;
    use serde_json::json;

    #[test]
    fn a_catalogue_flows_settings_are_reached_by_path_and_checked_before_they_are_stored() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            settings_paths::get(&store, "products.update.description").unwrap(),
            json!(false)
        );
        settings_paths::set(&store, "products.update.description", json!(true)).unwrap();
        settings_paths::set(&store, "stock.calculation", json!("physical")).unwrap();
        let products = FlowConfig::<ProductsSettings>::load(&store, FlowKind::Products).unwrap();
        assert!(products.settings.updates("description"));
        assert!(
            !products.enabled,
            "the switch is not a setting of the document"
        );

        let error = settings_paths::set(
            &store,
            "products.filters.expression",
            json!("article.GrossPrice <"),
        )
        .unwrap_err();
        assert!(
            error.to_string().starts_with("products.filters.expression"),
            "{error}"
        );
        let error =
            settings_paths::set(&store, "customers.direction", json!("sideways")).unwrap_err();
        assert!(
            error.to_string().starts_with("customers.direction"),
            "{error}"
        );
        assert_eq!(
            settings_paths::get(&store, "categories.update_existing").unwrap(),
            json!(true)
        );
    }
}
