//! The API clients' errors as the failed list and the run report carry them: a stable code, the
//! client's merchant-readable message with what was being attempted in front, the field when
//! the API named one, and whether retrying without a change can help.

use crate::connections::ConnectError;
use crate::mapping::MappingError;
use crate::store::failed::RecordError;
use crate::sync::RunError;

/// An eAccounting error while doing `what` ("Creating article KB-01-250").
pub fn books(what: &str, error: &eaccounting::Error) -> RecordError {
    attempting(what, books_plain(error))
}

/// An eAccounting error in the client's words alone, where the record already says what was
/// being attempted.
pub fn books_plain(error: &eaccounting::Error) -> RecordError {
    RecordError {
        code: format!("eaccounting.{}", error.code()),
        reason: error.user_message(),
        field: error.field().map(str::to_string),
        transient: error.is_transient(),
        message: None,
    }
}

/// A SalesPOS error while doing `what`.
pub fn pos(what: &str, error: &salespos::Error) -> RecordError {
    attempting(what, pos_plain(error))
}

/// A SalesPOS error in the client's words alone. The client's codes already carry the
/// `salespos.` prefix.
pub fn pos_plain(error: &salespos::Error) -> RecordError {
    RecordError {
        code: error.code().to_string(),
        reason: error.user_message(),
        field: None,
        transient: error.is_transient(),
        message: None,
    }
}

fn attempting(what: &str, error: RecordError) -> RecordError {
    RecordError {
        reason: format!("{what}: {}", error.reason),
        ..error
    }
}

/// A read that the whole run depends on failed (listing the articles, say).
pub fn books_run(error: &eaccounting::Error) -> RunError {
    ConnectError::from(error).into()
}

pub fn pos_run(error: &salespos::Error) -> RunError {
    ConnectError::from(error).into()
}

/// A mapping rule or filter that could not be worked out for one record; `flow` names where the
/// merchant changes it ("products").
pub fn mapping(flow: &str, record: &str, error: &MappingError) -> RecordError {
    let place = if error.target == MappingError::FILTER {
        format!("the filter in the {flow} settings")
    } else {
        format!("the {flow} mapping")
    };
    RecordError {
        code: format!("mapping.{}", error.code()),
        reason: format!("{record} could not be mapped: {error}. Correct {place}, then retry."),
        field: Some(error.target.clone()),
        transient: false,
        message: None,
    }
}

/// A mapping that does not even compile stops the run before any record is read.
pub fn mapping_setup(flow: &str, errors: Vec<MappingError>) -> RunError {
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    RunError::Setup(format!(
        "The {flow} mapping has errors: {}. Correct it in the mapping editor.",
        text.join("; ")
    ))
}

/// A record-level failure the flow itself detects.
pub fn record(code: &str, field: Option<&str>, reason: String) -> RecordError {
    RecordError {
        code: code.to_string(),
        reason,
        field: field.map(str::to_string),
        transient: false,
        message: None,
    }
}
