//! Progress of a long run, told in the activity log per page: "Stock: 300 of 5,000 stock
//! articles checked, 42 to write so far". A run of one page says nothing extra (its summary is
//! enough), and a dry run writes nothing, not even this.

use std::sync::Arc;

use crate::activity::{ActivityLog, NewEvent};
use crate::flow::FlowKind;

pub struct Progress {
    activity: Option<Arc<ActivityLog>>,
    flow: FlowKind,
    /// What is counted, e.g. "stock articles".
    what: &'static str,
    /// Creates and updates decided so far in this run.
    pub writes: usize,
}

impl Progress {
    /// `activity` is `None` for a dry run.
    pub fn new(activity: Option<Arc<ActivityLog>>, flow: FlowKind, what: &'static str) -> Self {
        Self {
            activity,
            flow,
            what,
            writes: 0,
        }
    }

    /// Notes how far a paged read got; `read` of `total` records so far.
    pub fn page(&self, read: u32, total: u32, page_size: u32) {
        let Some(activity) = &self.activity else {
            return;
        };
        if total <= page_size {
            return;
        }
        let flow = self.flow;
        let name = flow.as_str();
        let title = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        activity.note(
            NewEvent::info(format!(
                "{title}: {read} of {total} {} checked, {} to write so far",
                self.what, self.writes
            ))
            .flow(flow)
            .details(serde_json::json!({"read": read, "total": total, "writes": self.writes})),
        );
    }
}
