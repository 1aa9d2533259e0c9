//! `posbridge mapping`: the datamapper from the command line, the same as the app's editor. Show a
//! flow's mappings (every target field, its rule, the default marked), set or reset a rule, and
//! preview the mapping on a real recent record (`--record ID`, else the newest). A rule with an
//! error is refused (exit 1); `preview` exits 2 when a rule fails on the record.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use engine::flows::mapping_sets::MappingSet;
use engine::mapping::{Mapping, Rule, RuleIssue, Source};
use engine::{Engine, FlowKind, Origin};
use serde_json::Value;

use crate::output::{json_line, RECORDS_FAILED};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

/// Which flow, and which of its mappings (orders: `order_document`, `order_customer`; products:
/// `product_to_pos`, `product_to_books`; customers: `order_customer`, `customer_to_pos`;
/// categories: `category`).
#[derive(Debug, clap::Args)]
struct Which {
    #[arg(long)]
    flow: FlowKind,
    /// One mapping of the flow (default: all of them; for `set`, the flow's first).
    #[arg(long = "set", value_parser = parse_set)]
    set: Option<MappingSet>,
}

fn parse_set(name: &str) -> Result<MappingSet, String> {
    MappingSet::parse(name).ok_or_else(|| {
        format!(
            "unknown mapping {name:?}; mappings are {}",
            engine::flows::mapping_sets::set_names()
        )
    })
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Every field the mapping can fill, with its rule; `*` marks a changed default.
    Show {
        #[command(flatten)]
        which: Which,
        /// The mappings as JSON (one object per mapping).
        #[arg(long)]
        json: bool,
    },
    /// Fill TARGET from a field, a constant, a lookup table or an expression.
    Set {
        #[command(flatten)]
        which: Which,
        /// The field written, e.g. OurReference.
        target: String,
        /// A field of the source record, e.g. order.paymethod.
        #[arg(long, group = "source")]
        field: Option<String>,
        /// The same value for every record: JSON (`21`, `true`, `"Kassa"`) or, if not JSON, text.
        #[arg(long, group = "source")]
        constant: Option<String>,
        /// A lookup table (with --key, and optionally --default).
        #[arg(long, group = "source", requires = "key")]
        lookup: Option<String>,
        /// The field whose value is looked up.
        #[arg(long, requires = "lookup")]
        key: Option<String>,
        /// What the lookup gives for a key the table lacks (JSON or text).
        #[arg(long, requires = "lookup")]
        default: Option<String>,
        /// An expression, e.g. 'concat("POS ", order.ordernumber)'.
        #[arg(long, group = "source")]
        expression: Option<String>,
        /// Leave TARGET unfilled (remove its rule).
        #[arg(long, group = "source")]
        none: bool,
    },
    /// Put the default back: one rule (--target), one mapping (--set), or the whole flow.
    Reset {
        #[command(flatten)]
        which: Which,
        #[arg(long)]
        target: Option<String>,
    },
    /// What each rule gives on a real record, next to the source values it read.
    Preview {
        #[command(flatten)]
        which: Which,
        /// The record's id in its system (default: the newest).
        #[arg(long)]
        record: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// `30` is a number and `"Kassa"` text, but typing the quotes around Kassa is a chore.
fn parse_value(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// A rule's source as one line.
fn describe(source: &Source) -> String {
    match source {
        Source::Field { path } => path.clone(),
        Source::Constant { value } => format!("= {value}"),
        Source::Lookup {
            table,
            key,
            default,
        } => format!(
            "lookup {table}[{}]{}",
            describe(key),
            default
                .as_ref()
                .map(|d| format!(" else {d}"))
                .unwrap_or_default()
        ),
        Source::Expression { expression } => format!("= {expression}"),
    }
}

fn sets_of(which: &Which) -> anyhow::Result<Vec<MappingSet>> {
    let all = MappingSet::of_flow(which.flow);
    if all.is_empty() {
        anyhow::bail!("the {} flow has no mapping", which.flow);
    }
    Ok(match which.set {
        Some(set) if all.contains(&set) => vec![set],
        Some(set) => anyhow::bail!(
            "the {} flow has no mapping {}; it has {}",
            which.flow,
            set.as_str(),
            all.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => all.to_vec(),
    })
}

fn print_issues(issues: &[RuleIssue]) {
    for issue in issues {
        let mark = if issue.is_error() { "error" } else { "check" };
        eprintln!("{mark}: {}: {}", issue.target, issue.message);
    }
}

fn show(engine: &Engine, which: &Which, json: bool) -> anyhow::Result<()> {
    let editor = engine.mapping_editor(which.flow)?;
    let wanted = sets_of(which)?;
    for view in editor.sets.iter().filter(|v| wanted.contains(&v.set)) {
        if json {
            json_line(view)?;
            continue;
        }
        let shared = if view.shared_with.is_empty() {
            String::new()
        } else {
            format!(
                " (shared with the {} flow)",
                view.shared_with
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        println!(
            "{} -> {}{shared}{}",
            view.set.as_str(),
            view.target,
            if view.customized { ", changed" } else { "" }
        );
        let width = view
            .fields
            .iter()
            .map(|f| f.spec.name.len())
            .max()
            .unwrap_or(0);
        for field in &view.fields {
            let name = &field.spec.name;
            let rule = view.mapping.rule(name);
            let default = view.default_mapping.rule(name);
            let text = match (&field.reserved, rule) {
                (Some(reason), _) => format!("(PosBridge: {reason})"),
                (None, Some(rule)) => describe(&rule.source),
                (None, None) => "-".to_string(),
            };
            let changed = if field.reserved.is_none() && rule != default {
                " *"
            } else {
                ""
            };
            println!("  {name:width$}  {text}{changed}");
        }
        let issues = engine.check_mapping(which.flow, view.set, &view.mapping, &editor.lookups)?;
        print_issues(&issues);
    }
    Ok(())
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    match args.action {
        Action::Show { which, json } => show(&engine, &which, json)?,
        Action::Set {
            which,
            target,
            field,
            constant,
            lookup,
            key,
            default,
            expression,
            none,
        } => {
            let set = which.set.unwrap_or_else(|| {
                MappingSet::of_flow(which.flow)
                    .first()
                    .copied()
                    .unwrap_or(MappingSet::OrderDocument)
            });
            sets_of(&Which {
                flow: which.flow,
                set: Some(set),
            })?;
            let source = match (field, constant, lookup, expression) {
                (Some(path), ..) => Some(Source::field(path)),
                (_, Some(raw), ..) => Some(Source::constant(parse_value(&raw))),
                (_, _, Some(table), _) => Some(Source::Lookup {
                    table,
                    key: Box::new(Source::field(key.context("--lookup needs --key")?)),
                    default: default.as_deref().map(parse_value),
                }),
                (_, _, _, Some(text)) => Some(Source::expression(text)),
                _ if none => None,
                _ => anyhow::bail!("say where {target} comes from: --field, --constant, --lookup, --expression or --none"),
            };
            let mut mapping: Mapping = engine.mapping_in_effect(set)?;
            match source {
                Some(source) => mapping.set(Rule::new(target.clone(), source)),
                None => mapping.rules.retain(|r| r.target != target),
            }
            let lookups = engine.flow_lookups(which.flow)?;
            match engine.save_mapping(which.flow, set, &mapping, &lookups, Origin::Cli) {
                Ok(warnings) => {
                    print_issues(&warnings);
                    println!("{target} of {} saved.", set.as_str());
                }
                Err(engine::EngineError::MappingRefused(issues)) => {
                    print_issues(&issues);
                    anyhow::bail!("the mapping was not saved");
                }
                Err(error) => return Err(error.into()),
            }
        }
        Action::Reset { which, target } => {
            if target.is_some() && which.set.is_none() && MappingSet::of_flow(which.flow).len() > 1
            {
                anyhow::bail!(
                    "say which mapping with --set ({})",
                    MappingSet::of_flow(which.flow)
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let set = which.set.or_else(|| {
                (MappingSet::of_flow(which.flow).len() == 1)
                    .then(|| MappingSet::of_flow(which.flow)[0])
            });
            engine.reset_mapping(which.flow, set, target.as_deref(), Origin::Cli)?;
            println!("Back to the default.");
        }
        Action::Preview {
            which,
            record,
            json,
        } => {
            let mut failed = false;
            for set in sets_of(&which)? {
                let mapping = engine.mapping_in_effect(set)?;
                let lookups = engine.flow_lookups(which.flow)?;
                let preview = engine
                    .preview_mapping(which.flow, set, &mapping, &lookups, record.as_deref())
                    .await?;
                failed |= preview
                    .fields
                    .iter()
                    .any(|f| f.error.is_some() || f.invalid.is_some());
                if json {
                    json_line(&preview)?;
                    continue;
                }
                println!("{} on {}", set.as_str(), preview.record.label);
                for field in &preview.fields {
                    let outcome = match (&field.value, &field.error) {
                        (_, Some(error)) => format!("FAILS: {error}"),
                        (Some(value), None) => value.to_string(),
                        (None, None) => "null".to_string(),
                    };
                    let sources: Vec<String> = field
                        .sources
                        .iter()
                        .map(|s| match &s.value {
                            Some(v) => format!("{} = {v}", s.path),
                            None => format!("{} (missing)", s.path),
                        })
                        .collect();
                    println!(
                        "  {} = {outcome}{}{}",
                        field.target,
                        if sources.is_empty() {
                            String::new()
                        } else {
                            format!("   <- {}", sources.join(", "))
                        },
                        field
                            .invalid
                            .as_ref()
                            .map(|i| format!("   REFUSED: {i}"))
                            .unwrap_or_default()
                    );
                }
            }
            if failed {
                return Ok(ExitCode::from(RECORDS_FAILED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
