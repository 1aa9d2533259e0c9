//! How far the orders flow has read the till. The POS has no "changed since" filter on orders
//! (reference §8.2), only `min_create_date`, and an order may be paid or completed after it was
//! first seen. So each run reads from the newest order seen minus a recheck window; booked orders
//! are recognised by their link and pass silently, and an order skipped for a reason is reported
//! again only when the reason changes (the cursor remembers it while it is in the window).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrdersCursor {
    /// Creation time of the newest order read so far.
    pub newest: Option<DateTime<Utc>>,
    /// Orders in the recheck window that were skipped, with the reason and their creation time.
    #[serde(default)]
    pub skipped: BTreeMap<String, SkippedOrder>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedOrder {
    pub reason: String,
    pub created: Option<DateTime<Utc>>,
}

impl OrdersCursor {
    /// Where the next run starts reading: the recheck window before the newest order seen, but
    /// never before the start date.
    pub fn read_from(
        &self,
        start_date: Option<NaiveDate>,
        recheck_days: u32,
    ) -> Option<DateTime<Utc>> {
        let start = start_date.map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
        let window = self
            .newest
            .map(|n| n - Duration::days(i64::from(recheck_days)));
        match (start, window) {
            (Some(s), Some(w)) => Some(s.max(w)),
            (s, w) => s.or(w),
        }
    }

    /// Whether this skip was reported already (same order, same reason).
    pub fn already_reported(&self, order_id: &str, reason: &str) -> bool {
        self.skipped
            .get(order_id)
            .is_some_and(|s| s.reason == reason)
    }

    pub fn note_skip(&mut self, order_id: &str, reason: &str, created: Option<DateTime<Utc>>) {
        self.skipped.insert(
            order_id.to_string(),
            SkippedOrder {
                reason: reason.to_string(),
                created,
            },
        );
    }

    /// An order that is no longer skipped (booked, or failed) leaves the skip memory.
    pub fn forget(&mut self, order_id: &str) {
        self.skipped.remove(order_id);
    }

    pub fn saw(&mut self, created: Option<DateTime<Utc>>) {
        if let Some(created) = created {
            if self.newest.is_none_or(|n| created > n) {
                self.newest = Some(created);
            }
        }
    }

    /// Drops remembered skips that have left the window (they will not be read again).
    pub fn prune(&mut self, read_from: Option<DateTime<Utc>>) {
        if let Some(from) = read_from {
            self.skipped
                .retain(|_, s| s.created.is_none_or(|c| c >= from));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn reading_starts_a_recheck_window_before_the_newest_order_but_not_before_the_start_date() {
        let mut cursor = OrdersCursor::default();
        assert_eq!(
            cursor.read_from(None, 3),
            None,
            "a first run reads everything"
        );
        let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(
            cursor.read_from(Some(start), 3),
            Some(start.and_hms_opt(0, 0, 0).unwrap().and_utc())
        );
        cursor.saw(Some(at(20)));
        cursor.saw(Some(at(10)));
        assert_eq!(cursor.newest, Some(at(20)));
        assert_eq!(cursor.read_from(Some(start), 3), Some(at(17)));
        let late_start = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap();
        assert_eq!(
            cursor.read_from(Some(late_start), 3),
            Some(late_start.and_hms_opt(0, 0, 0).unwrap().and_utc())
        );
    }

    #[test]
    fn a_skip_is_reported_once_per_reason_and_forgotten_outside_the_window() {
        let mut cursor = OrdersCursor::default();
        cursor.note_skip("5001", "not paid yet", Some(at(10)));
        assert!(cursor.already_reported("5001", "not paid yet"));
        assert!(!cursor.already_reported("5001", "cancelled"));
        cursor.prune(Some(at(11)));
        assert!(!cursor.already_reported("5001", "not paid yet"));
    }
}
