//! The chaos suite: every till sale booked exactly once and to the cent, or on the failed list
//! with a reason, whatever happens to the processes and the networks in between (see
//! `driver.rs` for the storm). `POSBRIDGE_CHAOS_SEED` picks another storm; the default is fixed so
//! a failure repeats.

#![cfg(unix)]

#[path = "../support/mod.rs"]
mod support;

mod driver;

use driver::{run, Chaos};

/// In `make test`: 100 sales, 20 kills (under two minutes on a two-core machine; the storm is
/// the benchmark's, only shorter).
#[tokio::test(flavor = "multi_thread")]
async fn till_sales_through_a_storm_are_each_booked_exactly_once_or_failed_with_a_reason() {
    let report = run(Chaos::with_env_seed(100, 20)).await;
    report.print();
    let problems = report.problems();
    assert!(
        problems.is_empty(),
        "the chaos suite found:\n{}",
        problems.join("\n")
    );
}

/// The benchmark (`make bench-chaos`): 1,000 sales and 50 kills; prints duplicates, lost,
/// unconverted drafts, mismatches and the runs needed.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark of several minutes: make bench-chaos"]
async fn chaos_benchmark_a_thousand_sales_fifty_kills() {
    let report = run(Chaos::with_env_seed(1_000, 50)).await;
    report.print();
    let problems = report.problems();
    assert!(
        problems.is_empty(),
        "the chaos benchmark found:\n{}",
        problems.join("\n")
    );
}
