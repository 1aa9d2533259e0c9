//! `posbridge flows on|off FLOW...` switches flows (their answers stay as they are);
//! `posbridge flows list` shows each flow's switch and schedule.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use engine::wizard::FlowSchedule;
use engine::{FlowKind, Origin};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Switch flows on (`all` for every flow); the scheduler runs them from now on.
    On {
        /// orders, products, stock, customers, categories, or all.
        #[arg(required = true)]
        flows: Vec<String>,
        /// How often they run, in seconds (60 to 86400; default: as they were).
        #[arg(long)]
        interval: Option<u32>,
    },
    /// Switch flows off; their answers are kept.
    Off {
        #[arg(required = true)]
        flows: Vec<String>,
    },
    /// Show each flow's switch and how often it runs.
    List,
}

fn flows_named(names: &[String]) -> anyhow::Result<Vec<FlowKind>> {
    let mut flows = Vec::new();
    for name in names {
        if name == "all" {
            return Ok(FlowKind::ALL.to_vec());
        }
        let flow = name
            .parse::<FlowKind>()
            .with_context(|| format!("{name:?} is not a flow (or `all`)"))?;
        if !flows.contains(&flow) {
            flows.push(flow);
        }
    }
    Ok(flows)
}

fn every(seconds: u32) -> String {
    let (n, unit) = match seconds {
        s if s % 3600 == 0 => (s / 3600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if n == 1 {
        format!("every {unit}")
    } else {
        format!("every {n} {unit}s")
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    let (chosen, enabled, interval) = match args.action {
        Action::List => {
            for schedule in engine.flow_schedules()? {
                let state = if schedule.enabled {
                    format!("on, {}", every(schedule.interval_seconds))
                } else {
                    "off".to_string()
                };
                println!("{:<11} {state}", schedule.flow.as_str());
            }
            return Ok(ExitCode::SUCCESS);
        }
        Action::On { flows, interval } => (flows_named(&flows)?, true, interval),
        Action::Off { flows } => (flows_named(&flows)?, false, None),
    };
    let schedules: Vec<FlowSchedule> = engine
        .flow_schedules()?
        .into_iter()
        .filter(|s| chosen.contains(&s.flow))
        .map(|s| FlowSchedule {
            enabled,
            interval_seconds: interval.unwrap_or(s.interval_seconds),
            ..s
        })
        .collect();
    engine.save_flow_schedules(&schedules, Origin::Cli)?;
    for schedule in &schedules {
        if schedule.enabled {
            println!(
                "{} on, {}",
                schedule.flow.as_str(),
                every(schedule.interval_seconds)
            );
        } else {
            println!("{} off", schedule.flow.as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}
