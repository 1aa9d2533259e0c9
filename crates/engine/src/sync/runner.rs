//! The one run loop every flow goes through: retries due first, then the changed records page by
//! page; each page's outcomes (links, failed list) and the flow's cursor commit in one SQLite
//! transaction, so a crash repeats at most the page it was in (and intents make that harmless).
//! A record that fails is kept on the failed list and never stops the records behind it.
//! A stop (shutdown, Ctrl-C) is looked at between records: the record under way finishes, the
//! page's outcomes so far commit without moving the cursor, and the rest waits for the next run.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::plan::{Applied, Decision, ItemReport, PlanPage, Planned};
use crate::activity::{ActivityLog, NewEvent};
use crate::engine::Origin;
use crate::flow::FlowKind;
use crate::store::failed::{self, FailedRecord, RecordError};
use crate::store::records::System;
use crate::store::runs::{self, Counts};
use crate::store::{cursors, links, Store, StoreError};

/// A run's report keeps at most this many records (the counts cover all of them).
pub const MAX_REPORTED_ITEMS: usize = 1000;

/// One flow, as the runner drives it.
pub trait Flow: Send {
    /// What the flow prepares during planning and writes during apply.
    type Action: Send + Sync;

    fn kind(&self) -> FlowKind;

    /// Re-reads the records whose failure is due for another attempt, and decides for each.
    fn plan_retries(
        &mut self,
        due: &[FailedRecord],
    ) -> impl Future<Output = Result<PlanPage<Self::Action>, RunError>> + Send;

    /// Reads the next page of records changed since the cursor and decides for each; `None` when
    /// there is nothing more. Writes nothing.
    fn plan_next_page(
        &mut self,
    ) -> impl Future<Output = Result<Option<PlanPage<Self::Action>>, RunError>> + Send;

    /// Carries out one create or update. Must be safe to repeat (the runner retries transient
    /// errors, and a crash may repeat a page).
    fn apply(
        &mut self,
        item: &Planned<Self::Action>,
    ) -> impl Future<Output = Result<Applied, RecordError>> + Send;
}

/// Why a run stopped before it went through all records.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}", crate::connections::not_connected_yet(*system))]
    NotConnected { system: System },
    #[error("{message}")]
    Source {
        system: System,
        /// Stable code, e.g. `eaccounting.4011`.
        code: String,
        message: String,
        transient: bool,
    },
    #[error("{0}")]
    Setup(String),
    #[error("the local database failed: {0}")]
    Store(#[from] StoreError),
    /// A bug (or data no check foresaw) made the run panic; caught at the run's edge, so only
    /// this run stops.
    #[error("PosBridge hit an internal error and stopped this run ({0}). It tries again on the next run; if this keeps happening, report it to PosBridge support with the activity log.")]
    Panicked(String),
}

impl From<rusqlite::Error> for RunError {
    fn from(error: rusqlite::Error) -> Self {
        RunError::Store(StoreError::Sqlite(error))
    }
}

impl RunError {
    /// Trying again later (without a change) may help.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            RunError::Source {
                transient: true,
                ..
            }
        )
    }
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub origin: Origin,
    /// Plan only: nothing is written anywhere, not even locally.
    pub dry_run: bool,
    /// Cancelled when PosBridge is asked to stop: no record is started after it.
    pub stop: CancellationToken,
}

/// What a run did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunSummary {
    pub flow: FlowKind,
    /// The run's row in the store (none for a dry run).
    pub run_id: Option<i64>,
    pub dry_run: bool,
    pub counts: Counts,
    /// The records, in the order they were handled (at most [`MAX_REPORTED_ITEMS`]).
    pub items: Vec<ItemReport>,
    /// Set when the run stopped early; the records it did handle are still counted.
    pub error: Option<String>,
}

/// Transient errors of one record are retried this often within a run before it is put on the
/// failed list (the API clients have already retried the HTTP call itself).
fn record_retry() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(2)
        .with_jitter()
}

struct PageOutcome {
    links: Vec<links::Link>,
    resolved: Vec<String>,
    failures: Vec<(Planned<()>, RecordError)>,
    events: Vec<NewEvent>,
}

/// Runs `flow` once. The caller holds the flow's run lock.
pub async fn run<F: Flow>(
    store: &Store,
    activity: &ActivityLog,
    flow: &mut F,
    options: RunOptions,
) -> RunSummary {
    let kind = flow.kind();
    let mut summary = RunSummary {
        flow: kind,
        run_id: None,
        dry_run: options.dry_run,
        counts: Counts::default(),
        items: Vec::new(),
        error: None,
    };
    if options.stop.is_cancelled() {
        return summary;
    }
    if !options.dry_run {
        match store.read(|conn| runs::start(conn, kind, options.origin, false)) {
            Ok(id) => summary.run_id = Some(id),
            Err(error) => {
                summary.error = Some(error.to_string());
                return summary;
            }
        }
    }

    let mut handled = HashSet::new();
    let pages = run_pages(store, activity, flow, &options, &mut summary, &mut handled);
    let result = catching_panics(pages).await;
    if let Err(error) = &result {
        summary.error = Some(error.to_string());
    }
    let stopped = matches!(result, Ok(Stopped::Early));
    if let Some(id) = summary.run_id {
        let error = summary.error.as_deref();
        if let Err(store_error) = store.read(|conn| runs::finish(conn, id, summary.counts, error)) {
            tracing::error!(%store_error, "could not record the end of a run");
        }
        let c = summary.counts;
        let mut event = match &summary.error {
            Some(error) => NewEvent::error(format!("The {kind} run stopped: {error}")),
            None if c.failed > 0 => NewEvent::warn(format!(
                "{kind}: {} created, {} updated, {} skipped, {} failed (see Failed records)",
                c.created, c.updated, c.skipped, c.failed
            )),
            None => NewEvent::info(format!(
                "{kind}: {} created, {} updated, {} skipped",
                c.created, c.updated, c.skipped
            )),
        };
        if stopped {
            event.message += " (stopped on request; the rest syncs on the next run)";
        }
        event = event
            .flow(kind)
            .details(serde_json::json!({ "run": id, "origin": options.origin, "counts": c }));
        activity.note(event);
    }
    summary
}

/// Whether a run went through all its records or stopped on request before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    AtTheEnd,
    Early,
}

/// Runs `work`, turning a panic inside it into [`RunError::Panicked`] with the panic's message:
/// the run is then finished as failed and logged like any other, and the scheduler and the app
/// go on. (Pages committed before the panic stay committed; the one it happened in does not.)
async fn catching_panics<T>(
    work: impl Future<Output = Result<T, RunError>>,
) -> Result<T, RunError> {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|m| m.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            tracing::error!(%message, "a run panicked");
            Err(RunError::Panicked(message))
        }
    }
}

async fn run_pages<F: Flow>(
    store: &Store,
    activity: &ActivityLog,
    flow: &mut F,
    options: &RunOptions,
    summary: &mut RunSummary,
    handled: &mut HashSet<String>,
) -> Result<Stopped, RunError> {
    let kind = flow.kind();
    let due = store.read(|conn| failed::due(conn, kind, Utc::now()))?;
    if !due.is_empty() {
        let page = flow.plan_retries(&due).await?;
        if handle_page(store, activity, flow, options, summary, handled, page).await?
            == Stopped::Early
        {
            return Ok(Stopped::Early);
        }
    }
    loop {
        if options.stop.is_cancelled() {
            return Ok(Stopped::Early);
        }
        let Some(page) = flow.plan_next_page().await? else {
            return Ok(Stopped::AtTheEnd);
        };
        if handle_page(store, activity, flow, options, summary, handled, page).await?
            == Stopped::Early
        {
            return Ok(Stopped::Early);
        }
    }
}

async fn handle_page<F: Flow>(
    store: &Store,
    activity: &ActivityLog,
    flow: &mut F,
    options: &RunOptions,
    summary: &mut RunSummary,
    handled: &mut HashSet<String>,
    page: PlanPage<F::Action>,
) -> Result<Stopped, RunError> {
    let kind = flow.kind();
    let mut outcome = PageOutcome {
        links: Vec::new(),
        resolved: Vec::new(),
        failures: Vec::new(),
        events: Vec::new(),
    };
    let mut stopped = Stopped::AtTheEnd;
    for item in &page.items {
        if options.stop.is_cancelled() {
            stopped = Stopped::Early;
            break;
        }
        // A record is handled once per run (a retried one may be read again further on), and
        // never when the merchant chose to skip it.
        if !handled.insert(item.record.source_id.clone())
            || store.read(|conn| failed::is_skipped(conn, kind, &item.record.source_id))?
        {
            continue;
        }
        let mut report = ItemReport {
            record: item.record.clone(),
            decision: item.decision.clone(),
            outcome: None,
        };
        match &item.decision {
            Decision::Skip { reason } => {
                summary.counts.skipped += 1;
                outcome.resolved.push(item.record.source_id.clone());
                outcome.events.push(
                    NewEvent::new(crate::activity::Level::Debug, format!("Skipped: {reason}"))
                        .flow(kind)
                        .record(&item.record.label),
                );
            }
            Decision::Fail { error } => {
                summary.counts.failed += 1;
                outcome.failures.push((strip(item), error.clone()));
            }
            Decision::Create { .. } | Decision::Update { .. } if options.dry_run => {
                count_write(&mut summary.counts, &item.decision);
            }
            Decision::Create { .. } | Decision::Update { .. } => {
                let applied = apply_with_retries(flow, item).await;
                match applied {
                    Ok(applied) => {
                        count_write(&mut summary.counts, &item.decision);
                        report.outcome = Some(applied.message.clone());
                        outcome.resolved.push(item.record.source_id.clone());
                        outcome.links.extend(applied.link);
                        outcome.events.push(
                            NewEvent::info(applied.message)
                                .flow(kind)
                                .record(&item.record.label)
                                .details(applied.details),
                        );
                    }
                    Err(error) => {
                        summary.counts.failed += 1;
                        report.outcome = Some(error.reason.clone());
                        outcome.failures.push((strip(item), error));
                    }
                }
            }
        }
        if summary.items.len() < MAX_REPORTED_ITEMS {
            summary.items.push(report);
        }
    }
    if options.dry_run {
        return Ok(stopped);
    }
    // A page left half-way keeps its cursor: its other records are read again next run.
    let cursor = match stopped {
        Stopped::AtTheEnd => &page.cursor,
        Stopped::Early => &None,
    };
    let stored = commit_page(store, kind, cursor, &mut outcome)?;
    activity.stream(&stored);
    Ok(stopped)
}

/// Applies one item, retrying transient errors with jittered backoff.
async fn apply_with_retries<F: Flow>(
    flow: &mut F,
    item: &Planned<F::Action>,
) -> Result<Applied, RecordError> {
    let mut pauses = record_retry().build();
    loop {
        match flow.apply(item).await {
            Err(error) if error.transient => match pauses.next() {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return Err(error),
            },
            result => return result,
        }
    }
}

fn count_write(counts: &mut Counts, decision: &Decision) {
    match decision {
        Decision::Create { .. } => counts.created += 1,
        Decision::Update { .. } => counts.updated += 1,
        _ => {}
    }
}

fn strip<A>(item: &Planned<A>) -> Planned<()> {
    Planned {
        record: item.record.clone(),
        decision: item.decision.clone(),
        source: item.source.clone(),
        action: None,
    }
}

/// The page's links, failed-list changes, activity events and the cursor, all or nothing;
/// returns the events as stored, to stream.
fn commit_page(
    store: &Store,
    kind: FlowKind,
    cursor: &Option<serde_json::Value>,
    outcome: &mut PageOutcome,
) -> Result<Vec<crate::activity::ActivityEvent>, RunError> {
    let now = Utc::now();
    store.transaction(|tx| {
        for link in &outcome.links {
            links::put(tx, link)?;
        }
        for source_id in &outcome.resolved {
            failed::resolve(tx, kind, source_id)?;
        }
        for (item, error) in &outcome.failures {
            let record = failed::record(
                tx,
                kind,
                &item.record.source_id,
                &item.record.label,
                &item.source,
                error,
                now,
            )?;
            let mut event = NewEvent::error(error.reason.clone())
                .flow(kind)
                .record(&item.record.label)
                .details(serde_json::json!({
                    "code": error.code,
                    "field": error.field,
                    "attempts": record.attempts,
                    "next_retry_at": record.next_retry_at,
                    "source": item.source,
                    "message": error.message,
                }));
            if record.waits_for_merchant() {
                event.message = format!("{} (no more automatic retries)", error.reason);
            }
            outcome.events.push(event);
        }
        if let Some(cursor) = cursor {
            cursors::set(tx, kind, cursor)?;
        }
        let mut stored = Vec::with_capacity(outcome.events.len());
        for event in outcome.events.drain(..) {
            stored.push(crate::activity::insert(tx, event)?);
        }
        Ok::<_, RunError>(stored)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::EventQuery;
    use crate::store::links::Link;
    use crate::store::records::LinkKind;
    use crate::sync::plan::RecordRef;
    use serde_json::json;
    use std::collections::VecDeque;
    use std::sync::Arc;

    /// A flow over an in-memory list of "records": even numbers are created, odd ones skipped,
    /// and those listed in `failing` fail until they are removed from it.
    struct Numbers {
        pages: VecDeque<Vec<u32>>,
        failing: Vec<u32>,
        transient_failures_left: u32,
        applied: Vec<u32>,
        /// A stop is asked for while this number is being applied.
        stop_during: Option<(u32, CancellationToken)>,
    }

    impl Numbers {
        fn new(pages: impl IntoIterator<Item = Vec<u32>>, failing: Vec<u32>) -> Self {
            Self {
                pages: pages.into_iter().collect(),
                failing,
                transient_failures_left: 0,
                applied: Vec::new(),
                stop_during: None,
            }
        }
    }

    fn record(n: u32) -> RecordRef {
        RecordRef {
            source_id: n.to_string(),
            label: format!("Number {n}"),
        }
    }

    fn decide(n: u32) -> Planned<u32> {
        if n % 2 == 1 {
            return Planned::skip(record(n), json!(n), "odd numbers are not synced");
        }
        Planned {
            record: record(n),
            decision: Decision::Create {
                what: format!("number {n}"),
            },
            source: json!(n),
            action: Some(n),
        }
    }

    impl Flow for Numbers {
        type Action = u32;

        fn kind(&self) -> FlowKind {
            FlowKind::Orders
        }

        async fn plan_retries(&mut self, due: &[FailedRecord]) -> Result<PlanPage<u32>, RunError> {
            Ok(PlanPage {
                items: due
                    .iter()
                    .map(|f| decide(f.source_id.parse().unwrap()))
                    .collect(),
                cursor: None,
            })
        }

        async fn plan_next_page(&mut self) -> Result<Option<PlanPage<u32>>, RunError> {
            Ok(self.pages.pop_front().map(|numbers| PlanPage {
                cursor: numbers.last().map(|n| json!(n)),
                items: numbers.into_iter().map(decide).collect(),
            }))
        }

        async fn apply(&mut self, item: &Planned<u32>) -> Result<Applied, RecordError> {
            let n = *item.action.as_ref().unwrap();
            if let Some((_, stop)) = self.stop_during.as_ref().filter(|(at, _)| *at == n) {
                stop.cancel();
            }
            if self.transient_failures_left > 0 {
                self.transient_failures_left -= 1;
                return Err(RecordError {
                    code: "timeout".into(),
                    reason: "the target did not answer in time".into(),
                    field: None,
                    transient: true,
                    message: None,
                });
            }
            if self.failing.contains(&n) {
                return Err(RecordError {
                    code: "too_big".into(),
                    reason: format!("{n} is too big for the target"),
                    field: Some("value".into()),
                    transient: false,
                    message: None,
                });
            }
            self.applied.push(n);
            Ok(Applied {
                message: format!("Created number {n}"),
                details: json!({"sent": n}),
                link: Some(Link {
                    kind: LinkKind::Order,
                    source_system: System::Salespos,
                    source_id: n.to_string(),
                    target_system: System::Eaccounting,
                    target_id: format!("t{n}"),
                    label: None,
                    content_hash: None,
                    updated_at: Utc::now(),
                }),
            })
        }
    }

    fn setup() -> (Arc<Store>, ActivityLog) {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let activity = ActivityLog::new(Arc::clone(&store));
        (store, activity)
    }

    fn options(dry_run: bool) -> RunOptions {
        RunOptions {
            origin: Origin::Cli,
            dry_run,
            stop: CancellationToken::new(),
        }
    }

    #[tokio::test]
    async fn a_failing_record_goes_to_the_failed_list_and_the_records_behind_it_still_sync() {
        let (store, activity) = setup();
        let mut flow = Numbers::new([vec![1, 2, 4], vec![6, 7]], vec![4]);
        let summary = run(&store, &activity, &mut flow, options(false)).await;
        assert_eq!(summary.error, None);
        assert_eq!(
            summary.counts,
            Counts {
                created: 2,
                updated: 0,
                skipped: 2,
                failed: 1
            }
        );
        assert_eq!(flow.applied, vec![2, 6]);

        let open = store.read(|c| failed::open(c, None)).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].label, "Number 4");
        assert_eq!(open[0].error.field.as_deref(), Some("value"));
        assert_eq!(open[0].payload, json!(4));

        let cursor: Option<u32> = store.read(|c| cursors::get(c, FlowKind::Orders)).unwrap();
        assert_eq!(cursor, Some(7), "the cursor moved past the failed record");
        assert!(store
            .read(|c| links::find(c, LinkKind::Order, System::Salespos, "6"))
            .unwrap()
            .is_some());

        let log = activity.query(&EventQuery::default()).unwrap();
        assert!(log.events[0]
            .message
            .starts_with("orders: 2 created, 0 updated, 2 skipped, 1 failed"));
        assert!(log
            .events
            .iter()
            .any(|e| e.message == "4 is too big for the target"
                && e.record.as_deref() == Some("Number 4")));
    }

    #[tokio::test]
    async fn a_failed_record_is_retried_on_a_later_run_and_leaves_the_list_when_it_succeeds() {
        let (store, activity) = setup();
        let mut flow = Numbers::new([vec![4]], vec![4]);
        run(&store, &activity, &mut flow, options(false)).await;
        // The merchant fixed it and asks to retry now.
        let id = store.read(|c| failed::open(c, None)).unwrap()[0].id;
        store
            .read(|c| failed::retry_now(c, id, Utc::now()))
            .unwrap();
        flow.failing.clear();
        let summary = run(&store, &activity, &mut flow, options(false)).await;
        assert_eq!(summary.counts.created, 1);
        assert_eq!(flow.applied, vec![4]);
        assert!(store.read(|c| failed::open(c, None)).unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_record_the_merchant_skipped_is_never_synced_again_and_none_is_handled_twice() {
        let (store, activity) = setup();
        let mut flow = Numbers::new([vec![4]], vec![4]);
        run(&store, &activity, &mut flow, options(false)).await;
        let id = store.read(|c| failed::open(c, None)).unwrap()[0].id;
        store.read(|c| failed::skip(c, id)).unwrap();

        // Read again later (and fixed meanwhile): still not synced, and not failed again.
        flow.failing.clear();
        flow.pages = VecDeque::from([vec![4, 6], vec![6]]);
        let summary = run(&store, &activity, &mut flow, options(false)).await;
        assert_eq!(
            flow.applied,
            vec![6],
            "4 stays skipped; 6 is written once though read twice"
        );
        assert_eq!(summary.counts.created, 1);
        assert!(store.read(|c| failed::open(c, None)).unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_stop_lets_the_record_under_way_finish_commits_it_and_leaves_the_rest_for_next_time()
    {
        let (store, activity) = setup();
        let stop = CancellationToken::new();
        let mut flow = Numbers {
            stop_during: Some((4, stop.clone())),
            ..Numbers::new([vec![2], vec![4, 6, 8], vec![10]], vec![])
        };
        let mut stopping = options(false);
        stopping.stop = stop;
        let summary = run(&store, &activity, &mut flow, stopping).await;
        assert_eq!(flow.applied, vec![2, 4], "4 was under way and finished");
        assert_eq!(summary.counts.created, 2);
        assert_eq!(summary.error, None, "a stop on request is not a failure");
        assert!(store
            .read(|c| links::find(c, LinkKind::Order, System::Salespos, "4"))
            .unwrap()
            .is_some());
        let cursor: Option<u32> = store.read(|c| cursors::get(c, FlowKind::Orders)).unwrap();
        assert_eq!(
            cursor,
            Some(2),
            "the half-done page keeps its cursor, so 6 and 8 are read again"
        );
        let log = activity.query(&EventQuery::default()).unwrap();
        assert!(
            log.events[0]
                .message
                .ends_with("(stopped on request; the rest syncs on the next run)"),
            "{:?}",
            log.events[0]
        );
    }

    #[tokio::test]
    async fn transient_errors_are_retried_within_the_run() {
        let (store, activity) = setup();
        let mut flow = Numbers {
            transient_failures_left: 2,
            ..Numbers::new([vec![2]], vec![])
        };
        let summary = run(&store, &activity, &mut flow, options(false)).await;
        assert_eq!(summary.counts.created, 1, "{summary:?}");
        assert!(store.read(|c| failed::open(c, None)).unwrap().is_empty());
    }

    /// A flow with a bug: planning its second page panics (as arithmetic on absurd data could).
    struct Panicking {
        pages: u32,
    }

    impl Flow for Panicking {
        type Action = u32;

        fn kind(&self) -> FlowKind {
            FlowKind::Stock
        }

        async fn plan_retries(&mut self, _: &[FailedRecord]) -> Result<PlanPage<u32>, RunError> {
            Ok(PlanPage {
                items: Vec::new(),
                cursor: None,
            })
        }

        async fn plan_next_page(&mut self) -> Result<Option<PlanPage<u32>>, RunError> {
            self.pages += 1;
            match self.pages {
                1 => Ok(Some(PlanPage {
                    items: vec![decide(2)],
                    cursor: Some(json!(2)),
                })),
                _ => {
                    let zero = u32::from(self.pages > 100);
                    Ok(Some(PlanPage {
                        items: vec![decide(4 / zero)],
                        cursor: None,
                    }))
                }
            }
        }

        async fn apply(&mut self, item: &Planned<u32>) -> Result<Applied, RecordError> {
            Ok(Applied {
                message: format!("Wrote {}", item.action.unwrap()),
                details: json!(null),
                link: None,
            })
        }
    }

    #[tokio::test]
    async fn a_panic_in_a_run_fails_that_run_with_the_message_and_the_next_run_goes_on() {
        let (store, activity) = setup();
        let summary = run(
            &store,
            &activity,
            &mut Panicking { pages: 0 },
            options(false),
        )
        .await;
        let error = summary.error.clone().expect("the run failed");
        assert!(error.contains("divide by zero"), "{error}");
        assert_eq!(summary.counts.created, 1, "the page before it still counts");

        let last = store
            .read(|c| runs::last(c, FlowKind::Stock))
            .unwrap()
            .expect("the run is recorded");
        assert!(
            last.finished_at.is_some(),
            "the run row is finished: {last:?}"
        );
        assert!(last
            .error
            .as_deref()
            .is_some_and(|e| e.contains("divide by zero")));
        let cursor: Option<u32> = store.read(|c| cursors::get(c, FlowKind::Stock)).unwrap();
        assert_eq!(cursor, Some(2), "the page committed before the panic stays");
        let log = activity.query(&EventQuery::default()).unwrap();
        assert!(
            log.events
                .iter()
                .any(|e| e.message.contains("stopped") && e.message.contains("divide by zero")),
            "{:#?}",
            log.events
        );

        // The scheduler runs it again next time, and a flow without the bug runs at all.
        let again = run(
            &store,
            &activity,
            &mut Panicking { pages: 0 },
            options(false),
        )
        .await;
        assert!(again.error.is_some());
        let mut healthy = Numbers::new([vec![2]], vec![]);
        assert_eq!(
            run(&store, &activity, &mut healthy, options(false))
                .await
                .error,
            None
        );
    }

    #[tokio::test]
    async fn a_dry_run_reports_the_same_decisions_and_writes_nothing() {
        let (store, activity) = setup();
        let mut flow = Numbers::new([vec![1, 2], vec![4]], vec![4]);
        let summary = run(&store, &activity, &mut flow, options(true)).await;
        assert!(summary.dry_run);
        assert_eq!(summary.run_id, None);
        assert_eq!(
            summary.counts.created, 2,
            "a dry run does not know apply-time failures"
        );
        assert_eq!(summary.counts.skipped, 1);
        assert!(flow.applied.is_empty());
        assert_eq!(summary.items.len(), 3);
        assert!(matches!(summary.items[0].decision, Decision::Skip { .. }));
        assert_eq!(
            store
                .read(|c| cursors::get::<u32>(c, FlowKind::Orders))
                .unwrap(),
            None
        );
        assert_eq!(activity.query(&EventQuery::default()).unwrap().total, 0);
        assert_eq!(
            store.read(|c| runs::last(c, FlowKind::Orders)).unwrap(),
            None
        );
    }
}
