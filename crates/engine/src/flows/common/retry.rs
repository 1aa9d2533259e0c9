//! Retrying a failed record: it is read again from its source, or skipped when the source no
//! longer has it. A read that fails otherwise stops the run (the record stays on the list).

use std::future::Future;

use eaccounting::Gettable;

use super::errors;
use crate::store::failed::FailedRecord;
use crate::sync::{Planned, RecordRef, RunError};

/// The failed record, skipped because its source no longer has it (`reason` says so).
pub fn gone<A>(failed: &FailedRecord, reason: impl Into<String>) -> Planned<A> {
    Planned::skip(
        RecordRef {
            source_id: failed.source_id.clone(),
            label: failed.label.clone(),
        },
        failed.payload.clone(),
        reason,
    )
}

/// An eAccounting record read again; `None` when eAccounting no longer has it.
pub async fn from_books<R: Gettable>(
    books: &eaccounting::Client,
    id: &R::Id,
) -> Result<Option<R>, RunError> {
    match books.get::<R>(id).await {
        Ok(record) => Ok(Some(record)),
        Err(e) if e.code() == "not_found" => Ok(None),
        Err(e) => Err(errors::books_run(&e)),
    }
}

/// A POS record read again by `read`; `None` when the POS no longer has it.
pub async fn from_pos<T>(
    read: impl Future<Output = Result<T, salespos::Error>>,
) -> Result<Option<T>, RunError> {
    match read.await {
        Ok(record) => Ok(Some(record)),
        Err(e) if e.api_kind() == Some(salespos::ApiErrorKind::NotFound) => Ok(None),
        Err(e) => Err(errors::pos_run(&e)),
    }
}
