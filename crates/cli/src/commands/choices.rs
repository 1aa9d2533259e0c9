//! `posbridge choices SETTING [--search TEXT]`: the options the wizard's dropdown for SETTING
//! shows, read from the connected systems, with the value to put in the answers. Without a
//! setting, the settings that have such a list.

use std::path::PathBuf;
use std::process::ExitCode;

use engine::setting_choices::{SettingChoice, CHOOSABLE_SETTINGS};

use crate::output::json_line;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The setting, as named in the answers file (e.g. `orders.default_debtor`).
    setting: Option<String>,
    /// Only options whose name, value or detail contains this (customers and articles are
    /// searched in eAccounting, which may hold thousands).
    #[arg(long)]
    search: Option<String>,
    /// One JSON object per option: {"value", "label", "detail"}.
    #[arg(long)]
    json: bool,
}

fn value_text(choice: &SettingChoice) -> String {
    match &choice.value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let Some(setting) = args.setting else {
        let width = CHOOSABLE_SETTINGS
            .iter()
            .map(|s| s.path.len())
            .max()
            .unwrap_or(0);
        for choosable in CHOOSABLE_SETTINGS {
            println!("{:width$}  {}", choosable.path, choosable.about);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let engine = super::open_engine(data_dir)?;
    let options = engine
        .setting_choices(&setting, args.search.as_deref())
        .await?;
    if args.json {
        for option in &options {
            json_line(option)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if options.is_empty() {
        eprintln!(
            "No options for {setting}{}.",
            args.search
                .map(|s| format!(" matching {s:?}"))
                .unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let width = options
        .iter()
        .map(|o| value_text(o).len())
        .max()
        .unwrap_or(0);
    for option in &options {
        let detail = option
            .detail
            .as_ref()
            .map(|d| format!("  ({d})"))
            .unwrap_or_default();
        println!("{:width$}  {}{detail}", value_text(option), option.label);
    }
    Ok(ExitCode::SUCCESS)
}
