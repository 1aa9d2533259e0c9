//! The eAccounting-specific control routes under `/__sim/` (JSON), next to the shared ones of
//! [`crate::control`]:
//! - `POST /__sim/tokens/expire`: every access token expires now (refresh tokens stay valid)
//! - `GET /__sim/tokens`: what the token endpoint did (codes exchanged, refreshes, refusals) and
//!   the access-token lifetime; `PUT /__sim/tokens/lifetime` `{"seconds": N}` sets the lifetime
//!   of tokens issued from then on
//! - `GET /__sim/tokens/issued`: every authorization code, access token and refresh token issued
//!   so far ([`IssuedTokens`](super::IssuedTokens)), for tests that look for them where they must
//!   not be
//! - `POST /__sim/grants/revoke`: every grant is revoked (refresh -> `invalid_grant`, API -> 401)
//! - `GET`/`PUT`/`PATCH /__sim/company`: the company-level failure switches
//!   ([`CompanySwitches`]: API module, user rights, production company, denied scopes)
//! - `PATCH /__sim/companysettings`: merge PascalCase fields into the company settings, including
//!   the read-only ones (`DomesticCurrencyRounding`, `ShowPricesExclVatPC`, `ActivatedModules`)
//! - `GET /__sim/state`: everything the company holds ([`EaccountingSnapshot`])
//! - `GET`/`PUT /__sim/search_lag` `{"seconds": N}`: records (the four documents, customers,
//!   articles) created less than N seconds ago are left out of list and filter answers
//!   (`GET /v2/<collection>`) while a read by id finds them, as a lagging search index would;
//!   `POST /__sim/reset` sets it back to 0. N may be fractional; the answer is the value set.
//! - `POST /__sim/raw/articles`, `/__sim/raw/customers`, `/__sim/raw/articlelabels`: any JSON
//!   object stored as an article, customer or label exactly as given, unchecked, as the API might return it (an `Id` and
//!   `ChangedUtc` are added only when missing, so it can be listed and read); answers `{"Id"}`
//! - `GET`/`PUT`/`PATCH /__sim/readings`: how contested behaviours are answered
//!   ([`super::Readings`]: `VatRatePercent` as percent or fraction, the reading of `IncludesVat`,
//!   a `$pagesize` cap)
//! - `GET`/`PUT`/`PATCH /__sim/drift`: the drift switches ([`super::Drift`])

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::access::CompanySwitches;
use super::store::EaccountingSnapshot;
use super::SimState;

#[derive(Deserialize)]
struct Lifetime {
    seconds: u64,
}

pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/__sim/tokens", get(token_info))
        .route("/__sim/tokens/issued", get(issued_tokens))
        .route("/__sim/tokens/expire", post(expire_tokens))
        .route("/__sim/tokens/lifetime", put(set_lifetime))
        .route("/__sim/grants/revoke", post(revoke_grants))
        .route(
            "/__sim/company",
            get(get_switches).put(put_switches).patch(patch_switches),
        )
        .route(
            "/__sim/companysettings",
            axum::routing::patch(patch_settings),
        )
        .route("/__sim/state", get(state_snapshot))
        .route("/__sim/raw/{collection}", post(inject_raw))
        .route(
            "/__sim/readings",
            get(get_readings).put(put_readings).patch(patch_readings),
        )
        .route(
            "/__sim/drift",
            get(get_drift).put(put_drift).patch(patch_drift),
        )
        .route(
            "/__sim/vat_rounding",
            get(get_vat_rounding).put(put_vat_rounding),
        )
        .route("/__sim/search_lag", get(get_search_lag).put(put_search_lag))
        .with_state(state)
}

#[derive(Deserialize)]
struct SearchLagBody {
    seconds: f64,
}

/// `{"seconds": N}`, whole seconds as an integer so a client may read them as one.
fn search_lag_body(lag: Duration) -> Json<Value> {
    let seconds = lag.as_secs_f64();
    if lag.subsec_nanos() == 0 {
        Json(json!({"seconds": lag.as_secs()}))
    } else {
        Json(json!({"seconds": seconds}))
    }
}

async fn get_search_lag(State(sim): State<Arc<SimState>>) -> Json<Value> {
    search_lag_body(sim.company().search_lag)
}

async fn put_search_lag(
    State(sim): State<Arc<SimState>>,
    Json(body): Json<SearchLagBody>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let lag = Duration::try_from_secs_f64(body.seconds).map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            format!(
                "seconds must be a number of seconds, 0 or more (got {})",
                body.seconds
            ),
        )
    })?;
    sim.company().search_lag = lag;
    Ok(search_lag_body(lag))
}

#[derive(serde::Serialize, Deserialize)]
struct VatRoundingBody {
    mode: super::store::VatRounding,
}

async fn get_vat_rounding(State(sim): State<Arc<SimState>>) -> Json<VatRoundingBody> {
    Json(VatRoundingBody {
        mode: sim.company().vat_rounding,
    })
}

async fn put_vat_rounding(
    State(sim): State<Arc<SimState>>,
    Json(body): Json<VatRoundingBody>,
) -> Json<VatRoundingBody> {
    sim.company().vat_rounding = body.mode;
    Json(body)
}

async fn token_info(State(sim): State<Arc<SimState>>) -> Json<Value> {
    let auth = sim.auth();
    Json(json!({"stats": auth.stats, "access_token_seconds": auth.access_lifetime.as_secs_f64()}))
}

async fn issued_tokens(State(sim): State<Arc<SimState>>) -> Json<super::IssuedTokens> {
    Json(sim.auth().issued.clone())
}

async fn expire_tokens(State(sim): State<Arc<SimState>>) -> StatusCode {
    sim.auth().expire_access_tokens();
    StatusCode::NO_CONTENT
}

async fn set_lifetime(
    State(sim): State<Arc<SimState>>,
    Json(lifetime): Json<Lifetime>,
) -> StatusCode {
    sim.auth().access_lifetime = Duration::from_secs(lifetime.seconds);
    StatusCode::NO_CONTENT
}

async fn revoke_grants(State(sim): State<Arc<SimState>>) -> StatusCode {
    sim.auth().revoke_grants();
    StatusCode::NO_CONTENT
}

/// `current` with the fields of `patch` replaced.
fn merged<T: serde::Serialize + serde::de::DeserializeOwned>(
    current: &T,
    patch: &Value,
) -> Result<T, (StatusCode, String)> {
    let mut value = serde_json::to_value(current).expect("knobs serialize");
    if let (Some(value), Some(patch)) = (value.as_object_mut(), patch.as_object()) {
        for (key, field) in patch {
            value.insert(key.clone(), field.clone());
        }
    }
    serde_json::from_value(value).map_err(|e| (StatusCode::BAD_REQUEST, format!("invalid: {e}")))
}

async fn get_readings(State(sim): State<Arc<SimState>>) -> Json<super::Readings> {
    Json(sim.readings())
}

async fn put_readings(
    State(sim): State<Arc<SimState>>,
    Json(readings): Json<super::Readings>,
) -> Json<super::Readings> {
    sim.set_readings(readings);
    Json(readings)
}

async fn patch_readings(
    State(sim): State<Arc<SimState>>,
    Json(patch): Json<Value>,
) -> Result<Json<super::Readings>, (StatusCode, String)> {
    let readings = merged(&sim.readings(), &patch)?;
    sim.set_readings(readings);
    Ok(Json(readings))
}

async fn get_drift(State(sim): State<Arc<SimState>>) -> Json<super::Drift> {
    Json(*sim.drift())
}

async fn put_drift(
    State(sim): State<Arc<SimState>>,
    Json(drift): Json<super::Drift>,
) -> Json<super::Drift> {
    *sim.drift() = drift;
    Json(drift)
}

async fn patch_drift(
    State(sim): State<Arc<SimState>>,
    Json(patch): Json<Value>,
) -> Result<Json<super::Drift>, (StatusCode, String)> {
    let drift = merged(&*sim.drift(), &patch)?;
    *sim.drift() = drift;
    Ok(Json(drift))
}

async fn get_switches(State(sim): State<Arc<SimState>>) -> Json<CompanySwitches> {
    Json(sim.switches().clone())
}

async fn put_switches(
    State(sim): State<Arc<SimState>>,
    Json(switches): Json<CompanySwitches>,
) -> Json<CompanySwitches> {
    *sim.switches() = switches.clone();
    Json(switches)
}

async fn patch_switches(
    State(sim): State<Arc<SimState>>,
    Json(patch): Json<Value>,
) -> Result<Json<CompanySwitches>, (StatusCode, String)> {
    let mut switches = sim.switches();
    let mut current = serde_json::to_value(&*switches).expect("switches serialize");
    if let (Some(current), Some(patch)) = (current.as_object_mut(), patch.as_object()) {
        for (key, value) in patch {
            current.insert(key.clone(), value.clone());
        }
    }
    *switches = serde_json::from_value(current)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("invalid switches: {e}")))?;
    Ok(Json(switches.clone()))
}

async fn patch_settings(
    State(sim): State<Arc<SimState>>,
    Json(patch): Json<Value>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let patch = patch.as_object().ok_or((
        StatusCode::BAD_REQUEST,
        "expected a JSON object".to_string(),
    ))?;
    Ok(Json(sim.update_company_settings(patch.clone())))
}

async fn state_snapshot(State(sim): State<Arc<SimState>>) -> Json<EaccountingSnapshot> {
    Json(sim.company().snapshot())
}

/// The collections a raw record can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawCollection {
    Articles,
    Customers,
    ArticleLabels,
}

async fn inject_raw(
    State(sim): State<Arc<SimState>>,
    axum::extract::Path(collection): axum::extract::Path<RawCollection>,
    Json(record): Json<Value>,
) -> Result<(StatusCode, Json<Value>), (StatusCode, String)> {
    let id = sim.inject_raw(collection, record).ok_or((
        StatusCode::BAD_REQUEST,
        "expected a JSON object".to_string(),
    ))?;
    Ok((StatusCode::CREATED, Json(json!({ "Id": id }))))
}
