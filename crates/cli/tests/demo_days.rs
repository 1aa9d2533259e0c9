//! `posbridge demo` books every sale it rings up, whatever the seed (which decides who buys what,
//! businesses from abroad and bottles with deposit included) and whatever day the sales are on.

mod support;

use support::posbridge;

/// Runs the demo; returns how many sales it rang up and how many the orders flow booked.
fn demo(args: &[&str]) -> (usize, u64) {
    let dir = tempfile::tempdir().unwrap();
    let output = posbridge(dir.path())
        .arg("demo")
        .args(args)
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "demo {args:?}: {printed}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let orders = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flow"] == "orders")
        .unwrap();
    assert_eq!(orders["counts"]["failed"], 0, "demo {args:?}: {orders:#}");
    (
        report["orders_rung_up"].as_array().unwrap().len(),
        orders["counts"]["created"].as_u64().unwrap(),
    )
}

#[test]
fn forty_sales_are_booked_for_every_seed_from_one_to_ten() {
    for seed in 1..=10 {
        let seed = seed.to_string();
        let (rung_up, booked) = demo(&["--orders", "40", "--seed", &seed, "--json"]);
        assert_eq!((rung_up, booked), (40, 40), "seed {seed}");
    }
}

#[test]
fn the_sales_of_any_day_are_booked_year_ends_leap_days_and_clock_changes_included() {
    for (seed, day) in [
        ("1", "2026-01-02"),
        ("2", "2026-03-29"),
        ("4", "2026-10-25"),
        ("5", "2026-12-31"),
        ("6", "2027-06-15"),
        ("8", "2028-02-29"),
        ("9", "2030-01-01"),
    ] {
        let (rung_up, booked) = demo(&["--orders", "40", "--seed", seed, "--date", day, "--json"]);
        assert_eq!((rung_up, booked), (40, 40), "seed {seed} on {day}");
    }
}
