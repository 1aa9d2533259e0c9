//! Which model lives at which path, and what may be done with it: every resource can be listed;
//! [`Gettable`], [`Creatable`], [`Updatable`] and [`Deletable`] mark the rest, so the compiler
//! refuses, say, updating a VAT code or reading one currency (Visma has no such endpoint).

use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::models::*;

/// A resource of the API.
pub trait Resource: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The path below `/v2/`, e.g. `customers`.
    const PATH: &'static str;
    /// The OpenAPI schema of one record, e.g. `CustomerApi`.
    const SCHEMA: &'static str;
    /// What names one record in its URL (a GUID, or a country code).
    type Id: Display + Sync + ?Sized;
}

/// Resources that can be read one by one (`GET path/{id}`).
pub trait Gettable: Resource {}
/// Resources that can be created with POST.
pub trait Creatable: Resource {}
/// Resources that can be replaced with PUT (a full replacement: read, change, write back).
pub trait Updatable: Resource {}
/// Resources that can be deleted.
pub trait Deletable: Resource {}

macro_rules! resource {
    ($model:ty, $path:literal, $id:ty $(, $capability:ident)*) => {
        impl Resource for $model {
            const PATH: &'static str = $path;
            const SCHEMA: &'static str = concat!(stringify!($model), "Api");
            type Id = $id;
        }
        $(impl $capability for $model {})*
    };
}

resource!(
    Customer,
    "customers",
    Uuid,
    Gettable,
    Creatable,
    Updatable,
    Deletable
);
resource!(Article, "articles", Uuid, Gettable, Creatable, Updatable);
resource!(
    ArticleLabel,
    "articlelabels",
    Uuid,
    Gettable,
    Creatable,
    Updatable,
    Deletable
);
resource!(
    ArticleAccountCoding,
    "articleaccountcodings",
    Uuid,
    Gettable
);
resource!(Unit, "units", Uuid, Gettable);
resource!(VatCode, "vatcodes", Uuid, Gettable);
resource!(TermsOfPayment, "termsofpayments", Uuid, Gettable);
resource!(Country, "countries", str, Gettable);
resource!(Currency, "currencies", str);
resource!(DeliveryMethod, "deliverymethods", Uuid, Gettable, Creatable);
resource!(DeliveryTerm, "deliveryterms", Uuid, Gettable, Creatable);
resource!(Order, "orders", Uuid, Gettable, Creatable, Updatable, Deletable);
resource!(Quote, "quotes", Uuid, Gettable, Creatable, Updatable, Deletable);
resource!(
    CustomerInvoiceDraft,
    "customerinvoicedrafts",
    Uuid,
    Gettable,
    Creatable,
    Updatable,
    Deletable
);
resource!(
    CustomerInvoice,
    "customerinvoices",
    Uuid,
    Gettable,
    Creatable
);
