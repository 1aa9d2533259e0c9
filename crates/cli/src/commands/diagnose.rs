//! `posbridge diagnose`: a small JSON report a merchant can send to PosBridge's makers when the
//! real services behave otherwise than documented: versions, operating system, the connections'
//! hosts, which flows are on, a few counts, and every difference from the documented APIs met so
//! far (names and codes only). Nothing secret or personal is in it; see `engine::diagnosis`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the report to this file instead of printing it.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Forget the differences once the report is written (after sending it).
    #[arg(long)]
    clear: bool,
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    let diagnosis = engine.diagnosis()?;
    let json = serde_json::to_string_pretty(&diagnosis)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, format!("{json}\n"))
                .with_context(|| format!("could not write {}", path.display()))?;
            eprintln!(
                "Wrote {} ({} difference{} from the documented APIs). It holds no keys, names or records; send it to PosBridge support.",
                path.display(),
                diagnosis.differences.len(),
                if diagnosis.differences.len() == 1 { "" } else { "s" }
            );
        }
        None => println!("{json}"),
    }
    if args.clear {
        engine.clear_drift(engine::Origin::Cli)?;
    }
    Ok(ExitCode::SUCCESS)
}
