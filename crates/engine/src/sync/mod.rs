//! Running a flow: a flow plans (reads what changed and decides, per record, to create, update,
//! skip with a reason, or fail with a reason, writing nothing), and the runner applies the plan,
//! records the outcomes, and commits each page's outcomes together with the flow's cursor.
//! A dry run is the same run without the apply: what the wizard's preview shows is exactly what
//! "Sync now" would do.

mod plan;
mod runner;

pub use plan::{Applied, Decision, ItemReport, PlanPage, Planned, RecordRef};
pub use runner::{run, Flow, RunError, RunOptions, RunSummary, MAX_REPORTED_ITEMS};
