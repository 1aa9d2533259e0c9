//! `posbridge setup --answers FILE`: a whole wizard's answers from one JSON file, checked as the
//! wizard checks them (and against what the connected systems hold) and saved only if every
//! answer is good; `--check` only checks. `posbridge setup --export [FILE]` writes the answers
//! as they stand, the shape to start from.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use engine::answers::WizardAnswers;
use engine::Origin;

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["answers", "export"]))]
pub struct Args {
    /// The answers (JSON): `flows`, and a section per flow (`orders`, `products`, `stock`,
    /// `customers`, `categories`). `posbridge choices` lists the ids the answers need.
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Only check the answers; save nothing.
    #[arg(long, requires = "answers")]
    check: bool,
    /// Write the current answers to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    export: Option<PathBuf>,
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    if let Some(file) = args.export {
        let text = serde_json::to_string_pretty(&engine.wizard_answers()?)? + "\n";
        if file.as_os_str() == "-" {
            print!("{text}");
        } else {
            std::fs::write(&file, text)
                .with_context(|| format!("could not write {}", file.display()))?;
            println!("The answers are in {}.", file.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let file = args.answers.expect("clap requires --answers or --export");
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let json = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", file.display()))?;
    let answers = WizardAnswers::from_json(json)?;
    if args.check {
        let problems = engine.check_wizard_answers(&answers).await?;
        if problems.is_empty() {
            println!("The answers in {} can be applied.", file.display());
            return Ok(ExitCode::SUCCESS);
        }
        anyhow::bail!(engine::answers::AnswersError::Refused(problems));
    }
    engine.apply_wizard_answers(&answers, Origin::Cli).await?;
    println!("The answers in {} are applied.", file.display());
    let on: Vec<&str> = engine.enabled_flows()?.iter().map(|f| f.as_str()).collect();
    println!(
        "Flows on: {}",
        if on.is_empty() {
            "none (`posbridge flows on FLOW`)".to_string()
        } else {
            on.join(", ")
        }
    );
    Ok(ExitCode::SUCCESS)
}
