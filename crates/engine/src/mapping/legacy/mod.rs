//! TEMPORARY: the evalexpr-based implementation as it was, for the differential test only.
#![allow(dead_code, unused_imports, clippy::all)]

use super::{context, error, lookup, model, schema};

pub(crate) mod expression;
pub(crate) mod functions;
pub(crate) mod numbers;
pub(crate) mod shape;
pub(crate) mod values;
