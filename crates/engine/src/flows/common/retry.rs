//! Retrying a failed record: it is read again from its source, or skipped when the source no
//! longer has it. One that still does not read fails again with what it holds now. A read that
//! fails otherwise stops the run (the record stays on the list).

use std::future::Future;

use eaccounting::Gettable;

use super::errors;
use super::unreadable::Unreadable;
use crate::store::failed::FailedRecord;
use crate::sync::{Planned, RecordRef, RunError};

/// A failed record, read again.
#[derive(Debug)]
pub enum Reread<T> {
    Found(T),
    /// The source no longer has it.
    Gone,
    /// It is still there, and still does not read.
    Unreadable(Box<Unreadable>),
}

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

/// The failed record, failing again because it still does not read; `kind` names it when it
/// is not a record at all ("order", "article").
pub fn still_unreadable<A>(failed: &FailedRecord, record: &Unreadable, kind: &str) -> Planned<A> {
    record.planned(failed.source_id.clone(), failed.label.clone(), kind)
}

/// An eAccounting record read again.
pub async fn from_books<R: Gettable>(
    books: &eaccounting::Client,
    id: &R::Id,
) -> Result<Reread<R>, RunError> {
    match books.get::<R>(id).await {
        Ok(record) => Ok(Reread::Found(record)),
        Err(e) if e.code() == "not_found" => Ok(Reread::Gone),
        Err(eaccounting::Error::Undecodable { record, .. }) => {
            Ok(Reread::Unreadable(Box::new((*record).into())))
        }
        Err(e) => Err(errors::books_run(&e)),
    }
}

/// A POS record read again by `read`.
pub async fn from_pos<T>(
    read: impl Future<Output = Result<T, salespos::Error>>,
) -> Result<Reread<T>, RunError> {
    match read.await {
        Ok(record) => Ok(Reread::Found(record)),
        Err(e) if e.api_kind() == Some(salespos::ApiErrorKind::NotFound) => Ok(Reread::Gone),
        Err(salespos::Error::Undecodable { record, .. }) => {
            Ok(Reread::Unreadable(Box::new((*record).into())))
        }
        Err(e) => Err(errors::pos_run(&e)),
    }
}
