//! Till sales booked within seconds, at a small cost: between the orders flow's scheduled runs,
//! a light "anything new?" read of the newest order (`salespos::Client::newest_order`, one GET of
//! one item) every few seconds, and the full orders run only when it changed. The schedule stays
//! as the safety net (for orders paid or changed later, and anything the check missed), and a
//! webhook delivery, where PosBridge runs as a reachable server, asks for a run at once.
//!
//! This module holds the decisions, as plain values tested without waiting: the budget the
//! check may spend ([`CheckBudget`]) and whether what it saw is news ([`NewestWatch`]). The
//! loop that applies them is `Engine::start_scheduler`'s companion in `engine/new_sales.rs`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use salespos::NewestOrder;

/// How often the orders flow looks for new till sales unless the merchant chooses otherwise.
pub const DEFAULT_CHECK_SECONDS: u32 = 15;

/// The share of CCV's reads per window (150 a minute per resource) the check may spend: 5 %, so
/// 7 reads a minute, and a sync never finds the orders bucket spent by the check.
pub const BUDGET_PERCENT: u32 = 5;

/// The longest the check waits after CCV refused it or was unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How many checks fit in a rate window of `reads_per_window` (at least one).
pub fn checks_per_window(reads_per_window: u32) -> usize {
    ((reads_per_window * BUDGET_PERCENT) / 100).max(1) as usize
}

/// The checks' budget: at most `max` in any `window` (sliding), and a growing pause after CCV
/// answered 429 or the client's limiter had no room (the check yields to real work).
#[derive(Debug)]
pub struct CheckBudget {
    max: usize,
    window: Duration,
    spent: VecDeque<Instant>,
    paused_until: Option<Instant>,
    setbacks: u32,
}

impl CheckBudget {
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max: max.max(1),
            window,
            spent: VecDeque::new(),
            paused_until: None,
            setbacks: 0,
        }
    }

    /// The shortest interval that keeps the checks inside the budget.
    pub fn min_interval(&self) -> Duration {
        self.window / self.max as u32
    }

    /// Whether a check may be sent at `now`; if so, it is counted as spent.
    pub fn take(&mut self, now: Instant) -> bool {
        if self.paused_until.is_some_and(|until| now < until) {
            return false;
        }
        while self
            .spent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.window)
        {
            self.spent.pop_front();
        }
        if self.spent.len() >= self.max {
            return false;
        }
        self.spent.push_back(now);
        true
    }

    /// The check was answered: the pause after setbacks is over.
    pub fn answered(&mut self) {
        self.setbacks = 0;
        self.paused_until = None;
    }

    /// CCV refused the check (429, `asked` = its `Retry-After`), was unreachable, or the
    /// client's limiter had no room: wait at least what was asked, and twice as long as the
    /// last time, from `interval` up to [`MAX_BACKOFF`].
    pub fn set_back(&mut self, now: Instant, interval: Duration, asked: Option<Duration>) {
        let doubling = interval.saturating_mul(1u32 << self.setbacks.min(8));
        let wait = doubling.max(asked.unwrap_or_default()).min(MAX_BACKOFF);
        self.setbacks = self.setbacks.saturating_add(1);
        self.paused_until = Some(now + wait);
    }

    /// Until when the check pauses after setbacks, if it does.
    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }
}

/// What the newest order says, compared with the last look.
#[derive(Debug, Default)]
pub struct NewestWatch {
    last: Option<Option<NewestOrder>>,
}

impl NewestWatch {
    /// Whether `newest` is news that needs the orders flow. The first look after a start has
    /// nothing to compare with: it is news when the newest order was created after the last
    /// orders run started (or there was none), so a sale rung up while PosBridge was closed
    /// is booked without waiting for the schedule.
    pub fn saw(
        &mut self,
        newest: Option<NewestOrder>,
        last_run_started: Option<DateTime<Utc>>,
    ) -> bool {
        let news = match self.last {
            Some(last) => last != newest,
            None => match (newest, last_run_started) {
                (None, _) => false,
                (Some(_), None) => true,
                // Without a date the order cannot be placed in time: look at it to be sure.
                (Some(order), Some(started)) => order.create_date.is_none_or(|at| at >= started),
            },
        };
        self.last = Some(newest);
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: i64, at: Option<DateTime<Utc>>) -> Option<NewestOrder> {
        Some(NewestOrder {
            id: salespos::OrderId::from(id),
            create_date: at,
        })
    }

    #[test]
    fn five_percent_of_ccvs_reads_is_seven_a_minute() {
        assert_eq!(checks_per_window(150), 7);
        assert_eq!(checks_per_window(10), 1);
        let budget = CheckBudget::new(7, Duration::from_secs(60));
        assert!(budget.min_interval() > Duration::from_secs(8));
    }

    #[test]
    fn the_budget_holds_in_any_window_however_often_it_is_asked() {
        let start = Instant::now();
        let mut budget = CheckBudget::new(7, Duration::from_secs(60));
        // Asked every second for five minutes.
        let taken: Vec<Instant> = (0..300)
            .map(|s| start + Duration::from_secs(s))
            .filter(|now| budget.take(*now))
            .collect();
        for (i, at) in taken.iter().enumerate() {
            let in_window = taken[i..]
                .iter()
                .take_while(|t| t.duration_since(*at) < Duration::from_secs(60))
                .count();
            assert!(in_window <= 7, "{in_window} checks in a minute");
        }
        assert!(taken.len() >= 7 * 5, "the budget is used: {}", taken.len());
    }

    #[test]
    fn after_a_refusal_the_check_waits_longer_each_time_and_as_long_as_asked() {
        let start = Instant::now();
        let interval = Duration::from_secs(15);
        let mut budget = CheckBudget::new(7, Duration::from_secs(60));
        budget.set_back(start, interval, None);
        assert!(!budget.take(start + Duration::from_secs(14)));
        assert!(budget.take(start + Duration::from_secs(15)));
        budget.set_back(start, interval, None);
        assert!(!budget.take(start + Duration::from_secs(29)));
        budget.set_back(start, interval, Some(Duration::from_secs(120)));
        assert_eq!(
            budget.paused_until(),
            Some(start + Duration::from_secs(120))
        );
        for _ in 0..20 {
            budget.set_back(start, interval, None);
        }
        assert_eq!(budget.paused_until(), Some(start + MAX_BACKOFF));
        budget.answered();
        assert!(budget.take(start + Duration::from_secs(1)));
    }

    #[test]
    fn only_a_changed_newest_order_is_news() {
        let now = Utc::now();
        let mut watch = NewestWatch::default();
        assert!(!watch.saw(
            order(5, Some(now)),
            Some(now + chrono::Duration::seconds(1))
        ));
        assert!(!watch.saw(order(5, Some(now)), None));
        assert!(watch.saw(order(6, Some(now)), None));
        assert!(!watch.saw(order(6, Some(now)), None));
    }

    #[test]
    fn the_first_look_books_a_sale_made_while_posbridge_was_closed() {
        let now = Utc::now();
        let run = Some(now - chrono::Duration::minutes(3));
        assert!(NewestWatch::default().saw(order(9, Some(now)), run));
        assert!(!NewestWatch::default().saw(order(9, Some(now - chrono::Duration::hours(1))), run));
        assert!(NewestWatch::default().saw(order(9, None), run));
        assert!(NewestWatch::default().saw(order(9, Some(now)), None));
        assert!(!NewestWatch::default().saw(None, None));
    }
}
