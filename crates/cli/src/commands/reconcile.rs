//! `posbridge reconcile --from D --to D`: the till's sales next to what eAccounting holds, per
//! day, VAT rate and payment method, and every difference by order with where to look. Exit 0
//! when it balances, 2 when not, 1 on a setup error. Days are the till's days in this machine's
//! time zone (on a server, set `TZ`, e.g. `TZ=Europe/Amsterdam`).

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use engine::reconcile::{Amounts, Detail, Reconciliation};

use crate::output::{json_line, RECORDS_FAILED};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first day (YYYY-MM-DD).
    #[arg(long)]
    from: NaiveDate,
    /// The last day (default: the first).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// The whole report as one JSON object.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// The figures and the differences as CSV, one row each, with a `section` column (day, vat,
    /// payment, difference), for a spreadsheet.
    #[arg(long)]
    csv: bool,
    /// Leave out the VAT per rate (it reads every sale's lines: one read per sale).
    #[arg(long)]
    totals_only: bool,
}

fn amounts(a: &Amounts) -> String {
    format!("{:>3} · {:>10.2} (VAT {:.2})", a.count, a.gross, a.vat)
}

fn print_text(report: &Reconciliation) {
    let period = if report.from == report.to {
        report.from.to_string()
    } else {
        format!("{} to {}", report.from, report.to)
    };
    println!(
        "Till and books, {period} (sales booked as {}s)",
        report.document.describe()
    );
    println!(
        "  {:<24} till {}   books {}",
        "All sales",
        amounts(&report.till),
        amounts(&report.books)
    );
    if report.days.len() > 1 {
        println!("By day:");
        for day in &report.days {
            println!(
                "  {:<24} till {}   books {}{}",
                day.day.to_string(),
                amounts(&day.till),
                amounts(&day.books),
                if day.differences > 0 {
                    format!("   {} differences", day.differences)
                } else {
                    String::new()
                }
            );
        }
    }
    if !report.by_vat.is_empty() {
        println!("By VAT rate:");
        for rate in &report.by_vat {
            let name = rate.percent.map_or("rate unknown".to_string(), |p| {
                format!("{}%", p.normalize())
            });
            println!(
                "  {:<24} till {}   books {}",
                name,
                amounts(&rate.till),
                amounts(&rate.books)
            );
        }
    }
    println!("By payment method:");
    for payment in &report.by_payment {
        let name = match (&payment.label, &payment.method) {
            (Some(label), _) => label.clone(),
            (None, Some(method)) => method.clone(),
            (None, None) => "not from the till".to_string(),
        };
        println!(
            "  {:<24} till {}   books {}",
            name,
            amounts(&payment.till),
            amounts(&payment.books)
        );
    }
    if report.not_for_the_books > 0 {
        println!(
            "{} order{} of the till the orders flow does not book (status, unpaid, before the start date).",
            report.not_for_the_books,
            if report.not_for_the_books == 1 { "" } else { "s" }
        );
    }
    if report.balanced {
        println!("Balanced: every sale is booked once, to the cent.");
        return;
    }
    println!("Differences:");
    for difference in &report.differences {
        let what = match &difference.sale {
            Some(sale) => format!("{} ({:.2})", sale.label, sale.gross),
            None => difference
                .documents
                .iter()
                .map(|d| d.label.clone())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let mut links = Vec::new();
        if let Some(id) = difference.failed_record {
            links.push(format!("failed record #{id}: posbridge failed"));
        }
        if let Some(id) = difference.activity_event {
            links.push(format!("activity #{id}"));
        }
        println!(
            "  {} {:<22} {what}: {}{}",
            difference.day,
            difference.kind.describe().to_uppercase(),
            difference.explanation,
            if links.is_empty() {
                String::new()
            } else {
                format!(" [{}]", links.join("; "))
            }
        );
    }
    println!(
        "{} difference{}.",
        report.differences.len(),
        if report.differences.len() == 1 {
            ""
        } else {
            "s"
        }
    );
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn print_csv(report: &Reconciliation) {
    println!("section,day,name,till_count,till_gross,till_vat,books_count,books_gross,books_vat,kind,order_id,reference,documents,explanation,failed_record,activity_event");
    let figures = |section: &str, day: &str, name: &str, till: &Amounts, books: &Amounts| {
        println!(
            "{section},{day},{},{},{},{},{},{},{},,,,,,,",
            field(name),
            till.count,
            till.gross,
            till.vat,
            books.count,
            books.gross,
            books.vat
        );
    };
    for day in &report.days {
        figures("day", &day.day.to_string(), "", &day.till, &day.books);
    }
    for rate in &report.by_vat {
        let name = rate
            .percent
            .map(|p| p.normalize().to_string())
            .unwrap_or_default();
        figures("vat", "", &name, &rate.till, &rate.books);
    }
    for payment in &report.by_payment {
        figures(
            "payment",
            "",
            payment.method.as_deref().unwrap_or(""),
            &payment.till,
            &payment.books,
        );
    }
    for d in &report.differences {
        let documents: Vec<String> = d.documents.iter().map(|doc| doc.label.clone()).collect();
        println!(
            "difference,{},,,{},,,{},,{},{},{},{},{},{},{}",
            d.day,
            d.till,
            d.books,
            d.kind.describe(),
            d.sale
                .as_ref()
                .map(|s| s.order_id.to_string())
                .unwrap_or_default(),
            field(
                d.sale
                    .as_ref()
                    .map(|s| s.reference.as_str())
                    .unwrap_or_default()
            ),
            field(&documents.join("; ")),
            field(&d.explanation),
            d.failed_record.map(|id| id.to_string()).unwrap_or_default(),
            d.activity_event
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    let to = args.to.unwrap_or(args.from);
    let detail = if args.totals_only {
        Detail::Totals
    } else {
        Detail::ByVatRate
    };
    let report = engine
        .reconcile(args.from, to, &chrono::Local, detail)
        .await?;
    if args.json {
        json_line(&report)?;
    } else if args.csv {
        print_csv(&report);
    } else {
        print_text(&report);
    }
    Ok(if report.balanced {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(RECORDS_FAILED)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("POS 1/17"), "POS 1/17");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
