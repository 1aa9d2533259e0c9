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

/// The latest `day_in(year)` on or before `today` (the orders flow books no sale dated in the
/// future, so the odd days are always the last ones that have been).
fn latest(
    today: chrono::NaiveDate,
    day_in: impl Fn(i32) -> Option<chrono::NaiveDate>,
) -> chrono::NaiveDate {
    use chrono::Datelike as _;
    (0..8)
        .filter_map(|back| day_in(today.year() - back))
        .find(|day| *day <= today)
        .expect("every such day comes round within eight years")
}

/// The last Sunday of `month` in `year`: when European clocks change (March, October).
fn last_sunday(year: i32, month: u32) -> Option<chrono::NaiveDate> {
    use chrono::Datelike as _;
    let last = chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_days(chrono::Days::new(back.into()))
}

#[test]
fn the_sales_of_any_day_are_booked_year_ends_leap_days_and_clock_changes_included() {
    use chrono::NaiveDate;
    let today = chrono::Utc::now().date_naive();
    let days = [
        ("1", latest(today, |y| NaiveDate::from_ymd_opt(y, 1, 2))),
        ("2", latest(today, |y| last_sunday(y, 3))),
        ("4", latest(today, |y| last_sunday(y, 10))),
        ("5", latest(today, |y| NaiveDate::from_ymd_opt(y, 12, 31))),
        ("6", latest(today, |y| NaiveDate::from_ymd_opt(y, 6, 15))),
        ("8", latest(today, |y| NaiveDate::from_ymd_opt(y, 2, 29))),
        ("9", latest(today, |y| NaiveDate::from_ymd_opt(y, 1, 1))),
        ("3", today),
    ];
    for (seed, day) in days {
        let day = day.to_string();
        let (rung_up, booked) = demo(&["--orders", "40", "--seed", seed, "--date", &day, "--json"]);
        assert_eq!((rung_up, booked), (40, 40), "seed {seed} on {day}");
    }
}

#[test]
fn a_demo_day_in_the_future_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(2);
    let output = posbridge(dir.path())
        .args(["demo", "--orders", "1", "--date", &tomorrow.to_string()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("in the future"), "{said}");
}
