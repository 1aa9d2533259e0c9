//! A record's decision while a flow plans it, before it becomes a [`crate::sync::Planned`].

use crate::store::failed::RecordError;
use crate::store::StoreError;
use crate::sync::RunError;

/// What planning decided for one record.
pub enum Decided<W> {
    Write(W),
    /// Nothing to write, and why.
    Skip(String),
}

/// Why a record could not be decided: its own problem (it fails, the run goes on), or one that
/// stops the run.
pub enum Problem {
    Record(RecordError),
    Run(RunError),
}

impl From<RecordError> for Problem {
    fn from(error: RecordError) -> Self {
        Problem::Record(error)
    }
}

impl From<RunError> for Problem {
    fn from(error: RunError) -> Self {
        Problem::Run(error)
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        Problem::Run(error.into())
    }
}
