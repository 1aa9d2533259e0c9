//! When PosBridge speaks up. The merchant walks the wizard once and then forgets PosBridge, so it
//! must say so when something needs them, and only then (peers §A4, §A7.7):
//! - the tray's state: ok, syncing, or needs attention ([`Health`]);
//! - a desktop notification for a record that failed after its last automatic retry, or a
//!   connection that needs the merchant to connect again ([`Problem`]), saying what to do, and at
//!   most one per kind of problem per hour ([`NotificationGate`]; the time is passed in).
//!
//! All of it is decided here, so it is tested without a desktop; the shell only shows it.

use crate::messages::sentence;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Engine, Result};
use crate::activity::{ActivityEvent, Level};
use crate::connections::ConnectionSummary;
use crate::flow::FlowKind;
use crate::messages::Message;
use crate::settings::Language;
use crate::store::failed::{self, FailedRecord};
use crate::store::records::System;
use crate::store::runs;

/// At most one notification per kind of problem in this period.
pub const QUIET_PERIOD: Duration = Duration::hours(1);

/// What the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// Nothing running, nothing waiting for the merchant.
    Ok,
    /// A flow is running now.
    Syncing,
    /// Something only the merchant can fix: see [`Health`] for what.
    NeedsAttention,
}

/// An enabled flow whose last run stopped as a whole (not connected, a broken setting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StoppedRun {
    pub flow: FlowKind,
    pub error: String,
}

/// How PosBridge stands, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Health {
    pub state: HealthState,
    pub running: Vec<FlowKind>,
    /// Failed records a retry alone will not fix (a permanent error), or whose automatic
    /// retries are used up.
    pub failures_needing_merchant: u32,
    /// Connections whose last check found a problem.
    pub connection_problems: Vec<ConnectionSummary>,
    pub stopped_runs: Vec<StoppedRun>,
}

impl Health {
    /// Decides the state. A run going on shows as syncing even when something else needs
    /// attention; the attention shows again when it ends.
    pub fn assess(
        running: Vec<FlowKind>,
        open_failures: &[FailedRecord],
        connections: &[ConnectionSummary],
        stopped_runs: Vec<StoppedRun>,
    ) -> Self {
        let failures_needing_merchant = open_failures
            .iter()
            .filter(|r| !r.error.transient || r.waits_for_merchant())
            .count() as u32;
        let connection_problems: Vec<ConnectionSummary> = connections
            .iter()
            .filter(|c| c.problem.is_some())
            .cloned()
            .collect();
        let state = if !running.is_empty() {
            HealthState::Syncing
        } else if failures_needing_merchant > 0
            || !connection_problems.is_empty()
            || !stopped_runs.is_empty()
        {
            HealthState::NeedsAttention
        } else {
            HealthState::Ok
        };
        Self {
            state,
            running,
            failures_needing_merchant,
            connection_problems,
            stopped_runs,
        }
    }
}

/// A kind of problem: the unit of "at most one notification per hour".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// Records of this flow that failed for this reason (its error code), retries used up.
    RecordFailed { flow: FlowKind, code: String },
    /// This system needs the merchant to connect it again (or fix it there, then retry).
    Connection { system: System },
}

/// A problem that deserves a desktop notification.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A record failed after its last automatic retry: it waits for the merchant now.
    RecordGaveUp {
        flow: FlowKind,
        record: String,
        code: String,
        reason: String,
        /// `reason` as a key and parameters, when it has them (other languages).
        message: Option<Message>,
    },
    /// A connection refuses PosBridge until the merchant does something.
    Connection {
        system: System,
        code: String,
        message: String,
    },
}

/// A desktop notification, in the merchant's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Notification {
    pub kind: ProblemKind,
    pub title: String,
    /// What went wrong and what to do about it.
    pub body: String,
}

/// Whether an error code means the connection is unusable until the merchant acts: connect
/// again, accept a licence, activate the API, get rights. Slow or offline is not such a code
/// (PosBridge retries by itself).
pub fn needs_reconnect(code: &str) -> bool {
    let (system, reason) = match code.split_once('.') {
        Some((system, rest)) => (system, rest.rsplit('.').next().unwrap_or(rest)),
        None => return false,
    };
    match system {
        "eaccounting" => matches!(
            reason,
            "not_connected"
                | "reconnect_required"
                | "unauthorized"
                | "missing_scopes"
                | "no_access_in_company"
                | "permission_denied"
                | "module_not_activated"
                | "licence_not_accepted"
                | "company_inactive"
                | "startup_guide_incomplete"
                | "sandbox_client_on_production"
                | "token_store"
        ),
        "salespos" => matches!(
            reason,
            "not_connected" | "bad_credentials" | "app_not_installed"
        ),
        _ => false,
    }
}

/// Whether the event says a run stopped as a whole (it could not start, or broke off): the
/// moment to check whether a connection needs the merchant.
pub fn reports_stopped_run(event: &ActivityEvent) -> bool {
    event.level == Level::Error
        && event.flow.is_some()
        && event.record.is_none()
        && event
            .details
            .as_ref()
            .is_some_and(|d| d.get("run").is_some())
}

impl Problem {
    /// The problem an activity event reports, if it deserves a notification: a record's
    /// failure once its automatic retries are used up (earlier failures are retried quietly).
    pub fn from_event(event: &ActivityEvent) -> Option<Problem> {
        if event.level != Level::Error {
            return None;
        }
        let flow = event.flow?;
        let record = event.record.clone()?;
        let details = event.details.as_ref()?;
        // The runner writes `attempts` and `next_retry_at` with every record failure; no next
        // automatic retry means the merchant is the next to act.
        details.get("attempts")?;
        if !details.get("next_retry_at").is_some_and(|v| v.is_null()) {
            return None;
        }
        let code = details
            .get("code")
            .and_then(|c| c.as_str())
            .unwrap_or("failed")
            .to_string();
        let reason = event
            .message
            .trim_end_matches(" (no more automatic retries)")
            .to_string();
        let message = details
            .get("message")
            .and_then(|m| serde_json::from_value(m.clone()).ok());
        Some(Problem::RecordGaveUp {
            flow,
            record,
            code,
            reason,
            message,
        })
    }

    pub fn kind(&self) -> ProblemKind {
        match self {
            Problem::RecordGaveUp { flow, code, .. } => ProblemKind::RecordFailed {
                flow: *flow,
                code: code.clone(),
            },
            Problem::Connection { system, .. } => ProblemKind::Connection { system: *system },
        }
    }

    /// The notification: a title naming the problem, a body saying what to do.
    pub fn notification(&self, language: Language) -> Notification {
        let (title, body) = match (self, language) {
            (Problem::RecordGaveUp { record, reason, .. }, Language::En) => (
                format!("PosBridge could not sync {record}"),
                format!(
                    "{} Open PosBridge and go to Failed records to retry or skip it.",
                    sentence(reason)
                ),
            ),
            (Problem::RecordGaveUp { record, reason, .. }, Language::Nl) => (
                format!("PosBridge kon {record} niet synchroniseren"),
                format!(
                    "{} Open PosBridge en ga naar Mislukte records om het opnieuw te proberen of over te slaan.",
                    sentence(reason)
                ),
            ),
            (Problem::Connection { system, message, .. }, Language::En) => (
                format!("PosBridge cannot reach {system}"),
                format!(
                    "{} Syncing with {system} waits until then.",
                    sentence(message)
                ),
            ),
            (Problem::Connection { system, message, .. }, Language::Nl) => (
                format!("PosBridge kan {system} niet bereiken"),
                format!(
                    "{} Koppel {system} opnieuw in PosBridge (Instellen); tot dan wacht het synchroniseren.",
                    sentence(message)
                ),
            ),
        };
        Notification {
            kind: self.kind(),
            title,
            body,
        }
    }
}

/// Lets through at most one notification per kind of problem per [`QUIET_PERIOD`].
#[derive(Debug, Default)]
pub struct NotificationGate {
    last_sent: HashMap<ProblemKind, DateTime<Utc>>,
}

impl NotificationGate {
    pub fn new() -> Self {
        Self::default()
    }

    /// The notification to show for `problem` at `now`, or `None` when one of its kind was
    /// shown less than an hour ago.
    pub fn consider(
        &mut self,
        problem: &Problem,
        language: Language,
        now: DateTime<Utc>,
    ) -> Option<Notification> {
        let kind = problem.kind();
        if let Some(last) = self.last_sent.get(&kind) {
            if now - *last < QUIET_PERIOD {
                return None;
            }
        }
        self.last_sent.insert(kind, now);
        Some(problem.notification(language))
    }
}

impl Engine {
    /// The flows with a run going on now: a look at memory only, cheap enough to ask every
    /// second (a scheduled run starts without an event).
    pub fn running_flows(&self) -> Vec<FlowKind> {
        self.locks.running()
    }

    /// How PosBridge stands now: running flows, failures and connections that need the
    /// merchant, enabled flows whose last run stopped.
    pub fn health(&self) -> Result<Health> {
        let open = self.store.read(|conn| failed::open(conn, None))?;
        let mut stopped_runs = Vec::new();
        for flow in self.enabled_flows()? {
            if let Some(run) = self.store.read(|conn| runs::last(conn, flow))? {
                if let Some(error) = run.error {
                    stopped_runs.push(StoppedRun { flow, error });
                }
            }
        }
        Ok(Health::assess(
            self.locks.running(),
            &open,
            &self.connections()?,
            stopped_runs,
        ))
    }

    /// Checks every connected system with an authorised read (which also records the outcome
    /// for the dashboard); the connections that need the merchant.
    pub async fn connection_problems(&self) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        for connection in self.connections()? {
            if let Err(error) = self.check_connection(connection.system).await {
                let code = error.code();
                if needs_reconnect(&code) {
                    problems.push(Problem::Connection {
                        system: connection.system,
                        code,
                        message: error.to_string(),
                    });
                }
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::connections::Mode;
    use crate::store::failed::{FailedState, RecordError};
    use serde_json::json;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    fn failure_event(record: &str, code: &str, next_retry_at: serde_json::Value) -> ActivityEvent {
        let gave_up = next_retry_at.is_null();
        ActivityEvent {
            id: 1,
            at: at(0),
            level: Level::Error,
            flow: Some(FlowKind::Orders),
            record: Some(record.into()),
            message: format!(
                "Article KB-01-250 does not exist in eAccounting. Add it there, then retry{}",
                if gave_up {
                    " (no more automatic retries)"
                } else {
                    ""
                }
            ),
            details: Some(json!({
                "code": code, "field": "Rows[0].ArticleId", "attempts": 6,
                "next_retry_at": next_retry_at, "source": {"id": 17},
            })),
        }
    }

    fn reconnect(system: System) -> Problem {
        Problem::Connection {
            system,
            code: format!("{}.reconnect_required", system.as_str()),
            message: "The connection has expired. Reconnect it in Settings.".into(),
        }
    }

    #[test]
    fn a_record_failure_is_news_only_after_its_last_automatic_retry() {
        let retried_later =
            failure_event("POS order 17", "unknown_sku", json!("2026-11-28T10:00:00Z"));
        assert_eq!(
            Problem::from_event(&retried_later),
            None,
            "it will be retried quietly"
        );

        let gave_up = failure_event("POS order 17", "unknown_sku", serde_json::Value::Null);
        let problem = Problem::from_event(&gave_up).expect("the merchant must act now");
        assert_eq!(
            problem,
            Problem::RecordGaveUp {
                flow: FlowKind::Orders,
                record: "POS order 17".into(),
                code: "unknown_sku".into(),
                reason: "Article KB-01-250 does not exist in eAccounting. Add it there, then retry"
                    .into(),
                message: None,
            }
        );
        let note = problem.notification(Language::En);
        assert_eq!(note.title, "PosBridge could not sync POS order 17");
        assert_eq!(
            note.body,
            "Article KB-01-250 does not exist in eAccounting. Add it there, then retry. Open PosBridge and go to Failed records to retry or skip it."
        );
        let dutch = problem.notification(Language::Nl);
        assert_eq!(
            dutch.title,
            "PosBridge kon POS order 17 niet synchroniseren"
        );
        assert!(dutch
            .body
            .ends_with("Mislukte records om het opnieuw te proberen of over te slaan."));
    }

    #[test]
    fn other_events_are_no_problem() {
        let mut info = failure_event("POS order 17", "unknown_sku", serde_json::Value::Null);
        info.level = Level::Info;
        assert_eq!(Problem::from_event(&info), None);
        let mut run_stopped = failure_event("x", "x", serde_json::Value::Null);
        run_stopped.record = None;
        run_stopped.details = Some(json!({"run": 4, "origin": "schedule"}));
        assert_eq!(
            Problem::from_event(&run_stopped),
            None,
            "not a record's failure"
        );
        assert!(
            reports_stopped_run(&run_stopped),
            "but worth checking the connections"
        );
        assert!(!reports_stopped_run(&failure_event(
            "x",
            "x",
            serde_json::Value::Null
        )));
    }

    #[test]
    fn at_most_one_notification_per_kind_of_problem_per_hour() {
        let mut gate = NotificationGate::new();
        let first = Problem::from_event(&failure_event(
            "POS order 17",
            "unknown_sku",
            serde_json::Value::Null,
        ))
        .unwrap();
        let same_kind = Problem::from_event(&failure_event(
            "POS order 18",
            "unknown_sku",
            serde_json::Value::Null,
        ))
        .unwrap();
        let other_kind = Problem::from_event(&failure_event(
            "POS order 19",
            "totals_mismatch",
            serde_json::Value::Null,
        ))
        .unwrap();

        assert!(gate.consider(&first, Language::En, at(0)).is_some());
        assert!(
            gate.consider(&same_kind, Language::En, at(10)).is_none(),
            "same reason, same hour"
        );
        assert!(
            gate.consider(&other_kind, Language::En, at(11)).is_some(),
            "another reason is news"
        );
        assert!(gate
            .consider(&reconnect(System::Eaccounting), Language::En, at(12))
            .is_some());
        assert!(gate
            .consider(&reconnect(System::Eaccounting), Language::En, at(40))
            .is_none());
        assert!(
            gate.consider(&reconnect(System::Salespos), Language::En, at(41))
                .is_some(),
            "another system"
        );
        assert!(gate.consider(&same_kind, Language::En, at(59)).is_none());
        let an_hour_later = gate.consider(&same_kind, Language::En, at(60)).unwrap();
        assert_eq!(an_hour_later.title, "PosBridge could not sync POS order 18");
        assert!(
            gate.consider(&first, Language::En, at(61)).is_none(),
            "the hour starts again"
        );
    }

    #[test]
    fn a_connection_notification_says_what_to_do() {
        let note = reconnect(System::Eaccounting).notification(Language::En);
        assert_eq!(note.title, "PosBridge cannot reach Visma eAccounting");
        assert_eq!(
            note.body,
            "The connection has expired. Reconnect it in Settings. Syncing with Visma eAccounting waits until then."
        );
        assert_eq!(
            note.kind,
            ProblemKind::Connection {
                system: System::Eaccounting
            }
        );
        let dutch = reconnect(System::Salespos).notification(Language::Nl);
        assert_eq!(dutch.title, "PosBridge kan CCV SalesPOS niet bereiken");
    }

    #[test]
    fn only_codes_the_merchant_must_act_on_need_reconnecting() {
        for code in [
            "eaccounting.reconnect_required",
            "eaccounting.no_access_in_company",
            "eaccounting.module_not_activated",
            "eaccounting.sandbox_client_on_production",
            "eaccounting.not_connected",
            "salespos.bad_credentials",
            "salespos.salespos.bad_credentials",
        ] {
            assert!(needs_reconnect(code), "{code}");
        }
        for code in [
            "eaccounting.network",
            "eaccounting.timeout",
            "eaccounting.rate_limited",
            "salespos.unreachable",
            "salespos.server_error",
            "store",
            "bad_credentials",
        ] {
            assert!(!needs_reconnect(code), "{code}");
        }
    }

    fn failed(transient: bool, next_retry: Option<DateTime<Utc>>) -> FailedRecord {
        FailedRecord {
            id: 1,
            flow: FlowKind::Orders,
            source_id: "17".into(),
            label: "POS order 17".into(),
            payload: json!({}),
            error: RecordError {
                code: "x".into(),
                reason: "x".into(),
                field: None,
                transient,
                message: None,
            },
            attempts: 1,
            first_failed_at: at(0),
            last_failed_at: at(0),
            next_retry_at: next_retry,
            state: FailedState::Open,
        }
    }

    #[test]
    fn the_tray_needs_attention_only_for_what_the_merchant_must_fix() {
        assert_eq!(
            Health::assess(vec![], &[], &[], vec![]).state,
            HealthState::Ok
        );

        let rate_limited = failed(true, Some(at(5)));
        let health = Health::assess(vec![], std::slice::from_ref(&rate_limited), &[], vec![]);
        assert_eq!(
            health.state,
            HealthState::Ok,
            "a rate limit sorts itself out"
        );

        let unknown_sku = failed(false, Some(at(5)));
        let health = Health::assess(vec![], &[rate_limited, unknown_sku], &[], vec![]);
        assert_eq!(health.state, HealthState::NeedsAttention);
        assert_eq!(health.failures_needing_merchant, 1);

        let out_of_retries = failed(true, None);
        assert_eq!(
            Health::assess(vec![], std::slice::from_ref(&out_of_retries), &[], vec![]).state,
            HealthState::NeedsAttention
        );
        assert_eq!(
            Health::assess(vec![FlowKind::Orders], &[out_of_retries], &[], vec![]).state,
            HealthState::Syncing,
            "a run shows while it lasts"
        );

        let expired = ConnectionSummary {
            system: System::Eaccounting,
            mode: Mode::Live,
            name: "De Gouden Boon".into(),
            connected_at: at(0),
            problem: Some("The connection has expired".into()),
        };
        let health = Health::assess(vec![], &[], &[expired], vec![]);
        assert_eq!(health.state, HealthState::NeedsAttention);
        assert_eq!(health.connection_problems.len(), 1);

        let stopped = StoppedRun {
            flow: FlowKind::Orders,
            error: "CCV SalesPOS is not connected yet.".into(),
        };
        assert_eq!(
            Health::assess(vec![], &[], &[], vec![stopped]).state,
            HealthState::NeedsAttention
        );
    }
}
