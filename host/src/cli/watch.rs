//! `paybridge watch --integration NAME`: push HR changes to the target as
//! they happen (the live AlexisHR source, polled every
//! `[integration.watch] interval_secs`), until Ctrl-C.

use crate::watch::{Tick, Watcher};
use clap::Args;
use std::path::Path;

/// Arguments of `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Integration to push HR changes to.
    #[arg(long, short)]
    pub integration: String,
    /// One poll (and sync, if HR changed), then stop.
    #[arg(long)]
    pub once: bool,
}

fn show(tick: anyhow::Result<Tick>) {
    let now = jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M:%S");
    match tick {
        Ok(Tick::Quiet) => eprintln!("{now}  no change in HR"),
        Ok(Tick::Synced { employees, report }) => {
            eprintln!("{now}  {} employee(s) changed in HR; run {}: {}", employees.len(), report.run_id, report.status);
            super::print::report(&report, false);
        }
        Err(e) => eprintln!("{now}  this round failed, the next one tries again: {e:#}"),
    }
}

/// Run the watch.
pub async fn run(config: &Path, args: WatchArgs) -> anyhow::Result<()> {
    let app = super::open(config)?;
    let watcher = Watcher::new(&app, &args.integration, None, None)?;
    if args.once {
        let tick = watcher.tick().await;
        let failed = tick.is_err();
        let ended = match &tick {
            Ok(Tick::Synced { report, .. }) => Some((report.status.clone(), report.summary())),
            _ => None,
        };
        show(tick);
        if failed {
            anyhow::bail!("the watch round failed");
        }
        if let Some((status, summary)) = ended {
            if status == "failed" {
                anyhow::bail!("the watch round's run failed: no employee went through ({summary})");
            }
            super::partial_is_an_error("the watch round's run", &status, &summary)?;
        }
        return Ok(());
    }
    eprintln!("watching HR for {} every {} s; Ctrl-C stops", args.integration, watcher.interval().as_secs());
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    watcher.run(stop, show).await
}
