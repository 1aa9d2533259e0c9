//! `posbridge settings`: read or change one setting by its path, or move all of them through a
//! JSON file (e.g. to set up a second till the same way).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use engine::settings_paths;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print a setting (e.g. `app.log_retention_days`) or a whole group (`app`) as JSON.
    Get { path: String },
    /// Change a setting. VALUE is JSON (`30`, `true`, `"nl"`) or, if it is not JSON, text.
    Set { path: String, value: String },
    /// Write every setting to FILE (or stdout) as JSON.
    Export { file: Option<PathBuf> },
    /// Read every setting from FILE; nothing changes unless all of it is valid.
    Import { file: PathBuf },
}

/// `30` is a number and `"nl"` a string, but typing the quotes around `nl` is a chore.
fn parse_value(raw: &str) -> serde_json::Value {
    serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_string()))
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    let store = engine.store();
    match args.action {
        Action::Get { path } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&settings_paths::get(store, &path)?)?
            );
        }
        Action::Set { path, value } => {
            settings_paths::set(store, &path, parse_value(&value))?;
            engine
                .activity()
                .note(engine::activity::NewEvent::info(format!(
                    "Setting {path} changed from the command line"
                )));
        }
        Action::Export { file } => {
            let text = serde_json::to_string_pretty(&settings_paths::export(store)?)?;
            match file {
                Some(file) => std::fs::write(&file, text + "\n")
                    .with_context(|| format!("could not write {}", file.display()))?,
                None => println!("{text}"),
            }
        }
        Action::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not valid JSON", file.display()))?;
            settings_paths::import(store, value)?;
            engine
                .activity()
                .note(engine::activity::NewEvent::info(format!(
                    "Settings imported from {} on the command line",
                    file.display()
                )));
        }
    }
    Ok(ExitCode::SUCCESS)
}
