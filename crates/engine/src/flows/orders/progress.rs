//! How far a booking got, as its intent remembers it, and what PosBridge may conclude when an
//! answer never came.
//!
//! What is assumed of eAccounting, and how the booking stays safe if the assumption is wrong:
//! - **A read by id is current**: a document is readable by its id as soon as its create was
//!   answered. So the intent keeps the id the moment the answer arrives, and recovery reads by id
//!   first. (If reads by id lagged too, recovery would find nothing, wait out the settle time and
//!   then search by the reference, which is the next line.)
//! - **Lists may lag behind writes** (unknown; Visma publishes nothing): a document may be missing
//!   from list and filter answers for a while after it was created. So "searched and found
//!   nothing" is taken to mean "nothing was saved" only once the settle time
//!   (`orders.search_settle_seconds`, 15 minutes by default) has passed since the write whose
//!   answer was lost; until then the booking waits, transient, and the next run looks again.
//!   Should the real lag ever exceed the settle time, a duplicate needs a lost answer *and* a
//!   document invisible for that whole time.
//! - **An answer with an error status means nothing was written** for a 4xx (a refusal, e.g. a
//!   conversion refused in a locked period: 400 with an `ErrorCode`), while a 5xx, a cut
//!   connection or a garbled success may have been written (the client reports those as
//!   outcome unknown). If a 4xx ever did write, the document is still found by its reference
//!   (a refused conversion leaves the intent on the draft, and every retry looks for an invoice
//!   under the reference before converting again).
//! - **A converted draft disappears** (the simulator's behaviour; unconfirmed). PosBridge does not
//!   rely on it: after a conversion whose answer was lost it looks for the invoice, and converts
//!   the draft again only when no invoice has shown for the settle time.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::document::Stage;
use super::settings::DocumentKind;
use crate::store::intents::{Intent, IntentState};

/// An intent's step while a create went out without an answer.
pub(super) const MAY_EXIST: &str = "may_exist";
/// An intent's step while a draft's conversion went out without an answer.
pub(super) const CONVERTING: &str = "converting";

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Progress {
    /// Nothing was sent to eAccounting yet, or what was sent was refused.
    Start,
    /// A create (or something PosBridge held vanished) at `since`: eAccounting may hold a
    /// document its lists do not show yet.
    MayExist { since: DateTime<Utc> },
    /// eAccounting holds the document, readable by its id.
    Holds { stage: Stage, id: Uuid },
    /// The draft's conversion went out at `since` without an answer.
    Converting { draft: Uuid, since: DateTime<Utc> },
}

impl Progress {
    /// What an intent of an order booked as `kind` says. A step PosBridge cannot read is taken
    /// as "may exist", which only ever makes it look and wait, never write twice.
    pub fn of(intent: &Intent, kind: DocumentKind) -> Self {
        let id = intent
            .target_id
            .as_deref()
            .and_then(|id| Uuid::parse_str(id).ok());
        let since = intent.sent_at.unwrap_or_else(Utc::now);
        match (intent.step.as_deref(), id) {
            // Versions before the step names noted a finished invoice on its draft's step.
            (Some("draft_checked"), Some(id)) if intent.state == IntentState::Done => {
                Progress::Holds {
                    stage: Stage::last_of(kind),
                    id,
                }
            }
            (Some(CONVERTING), Some(draft)) => Progress::Converting { draft, since },
            (Some(MAY_EXIST), _) => Progress::MayExist { since },
            (Some(step), Some(id)) => match Stage::from_step(step) {
                Some(stage) => Progress::Holds { stage, id },
                None => Progress::MayExist { since },
            },
            (None, None) => Progress::Start,
            _ => Progress::MayExist { since },
        }
    }
}

/// Whether a write that failed with `error` may have been carried out all the same.
pub(super) fn may_have_written(error: &eaccounting::Error) -> bool {
    matches!(error.code(), "outcome_unknown" | "unexpected_response")
}

/// Whether a write sent (or last looked for) at `since` has had `settle` to show in eAccounting's
/// lists.
pub(super) fn settled(since: DateTime<Utc>, settle: Duration) -> bool {
    Utc::now() - since >= settle
}

/// The settle time in words ("15 minutes", "4 seconds").
pub(super) fn describe(settle: Duration) -> String {
    let seconds = settle.num_seconds();
    match seconds {
        s if s >= 120 && s % 60 == 0 => format!("{} minutes", s / 60),
        1 => "1 second".into(),
        s => format!("{s} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowKind;

    fn intent(state: IntentState, step: Option<&str>, target: Option<Uuid>) -> Intent {
        Intent {
            key: "k".into(),
            flow: FlowKind::Orders,
            reference: "r".into(),
            state,
            step: step.map(str::to_string),
            target_id: target.map(|t| t.to_string()),
            sent_at: None,
        }
    }

    #[test]
    fn an_intent_reads_as_the_step_it_reached() {
        let id = Uuid::from_u128(9);
        let of =
            |state, step, target| Progress::of(&intent(state, step, target), DocumentKind::Invoice);
        assert_eq!(of(IntentState::Pending, None, None), Progress::Start);
        assert_eq!(
            of(IntentState::Pending, Some("draft"), Some(id)),
            Progress::Holds {
                stage: Stage::Draft,
                id
            }
        );
        assert_eq!(
            of(IntentState::Pending, Some("draft_checked"), Some(id)),
            Progress::Holds {
                stage: Stage::Draft,
                id
            },
            "an older version's checked draft"
        );
        assert_eq!(
            of(IntentState::Done, Some("draft_checked"), Some(id)),
            Progress::Holds {
                stage: Stage::Invoice,
                id
            },
            "an older version's booked invoice"
        );
        assert!(matches!(
            of(IntentState::Pending, Some("converting"), Some(id)),
            Progress::Converting { draft, .. } if draft == id
        ));
        assert!(matches!(
            of(IntentState::Pending, Some("something new"), None),
            Progress::MayExist { .. }
        ));
    }
}
