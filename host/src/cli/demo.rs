//! `paybridge demo`: the main job on embedded defaults. Starts the
//! 24SevenOffice emulator on loopback, stores the sample HR data in a fresh
//! SQLite file, syncs (one line per employee), syncs again (all unchanged,
//! no write), shows a dry run after an edit made in the target, exports a
//! month of absences, syncs the same employees to the Visma Nmbrs
//! emulator, and last runs Kontek Lön both ways with Swedish sample
//! employees read live from the AlexisHR emulator (its own database
//! beside the first, `<database stem>-kontek.db`).
//!
//! Only with the `demo` feature (`make demo`), which links the emulators:
//! the product binary goes without them.

use crate::app::App;
use crate::config::{Config, IntegrationConfig};
use crate::http::Secrets;
use crate::source::parse_snapshot;
use crate::sync::SyncOptions;
use anyhow::{Context as _, bail};
use clap::Args;
use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
use paybridge_emulators::{alexishr, kontek, nmbrs};
use std::path::PathBuf;

/// The sample HR snapshot, built in so the demo needs no files but the
/// connectors.
const SAMPLE: &str = include_str!("../../../examples/hr-snapshot.json");

/// The Swedish sample, served by the AlexisHR emulator in the Kontek step.
const SWEDEN: &str = include_str!("../../../examples/hr-sweden.json");

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder with the connector components (`make plugins` fills it).
    #[arg(long, default_value = "connectors")]
    pub connectors: PathBuf,
    /// SQLite file to create afresh.
    #[arg(long, default_value = "paybridge-demo.db")]
    pub database: PathBuf,
}

fn remove_database(path: &std::path::Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("removing the old demo database {}", file.display()));
            }
        }
    }
    // The refresh tokens the last demo's Nmbrs emulator rotated: this
    // demo's emulator never issued them.
    let tokens = PathBuf::from(format!("{}.tokens", path.display()));
    match std::fs::remove_dir_all(&tokens) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing the old demo tokens {}", tokens.display())),
    }
}

/// Run the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    if !args.connectors.is_dir() {
        bail!(
            "no connectors folder at {}: run `make demo` (it builds the connectors) or `make plugins` first",
            args.connectors.display()
        );
    }
    remove_database(&args.database)?;
    let emulator = Emulator::start(Settings::default()).await.context("starting the 24SevenOffice emulator")?;
    println!("24SevenOffice emulator listening on {}", emulator.base_url());
    let nmbrs = nmbrs::Emulator::start(nmbrs::Settings::default()).await.context("starting the Nmbrs emulator")?;
    println!("Visma Nmbrs emulator listening on {}", nmbrs.base_url());
    let mut integration = IntegrationConfig::new("24so-demo", "twentyfour-seven", &emulator.base_url());
    integration.retry_backoff_ms = 100;
    let mut nmbrs_integration = IntegrationConfig::new("nmbrs-demo", "nmbrs", &nmbrs.base_url());
    nmbrs_integration.token_url = Some(nmbrs.token_url());
    nmbrs_integration.settings.insert("company_id".into(), nmbrs.settings().companies[0].0.clone());
    nmbrs_integration.retry_backoff_ms = 100;
    let mut config =
        Config::new(args.database.clone(), args.connectors.clone(), PathBuf::from("examples/hr-snapshot.json"));
    config.integrations = vec![integration, nmbrs_integration];
    let tz = config.time_zone()?;
    let limits = config.limits();
    let app = App::open(config, limits)?;
    let snapshot = parse_snapshot(SAMPLE, &tz).context("the built-in sample data")?;
    let imported = app.import(&snapshot)?;
    let connector = app.connector_for(&app.config.integrations[0])?;
    println!(
        "{imported} sample employees stored in {}; connector {} (sha256 {})",
        args.database.display(),
        connector.label(),
        &connector.sha256[..16]
    );
    let secrets = Secrets::from_pairs(&[("token", &emulator.access_token())]);

    println!("\n1) first sync: create every in-scope employee");
    let first = app
        .sync("24so-demo", &SyncOptions::default(), Some(secrets.clone()), Some(super::print::event_printer("  … ").0))
        .await?;
    super::print::report(&first, false);

    println!("\n2) second sync: nothing changed, so nothing is written");
    let before = emulator.write_requests().len();
    let second = app
        .sync("24so-demo", &SyncOptions::default(), Some(secrets.clone()), Some(super::print::event_printer("  … ").0))
        .await?;
    super::print::report(&second, false);
    let writes = emulator.write_requests().len() - before;
    println!("  the emulator saw {writes} write request(s) during the second sync");
    let changed = second.count("created") + second.count("updated") + second.count("failed");
    if writes != 0 || changed != 0 || first.status == "failed" {
        bail!(
            "demo self-check failed: the second sync should write nothing (writes {writes}, changed or failed {changed})"
        );
    }

    println!("\n3) someone edits employee 1001 in 24SevenOffice; a dry run shows what the next sync would write");
    emulator.edit_employee(1001, "city", "Drammen");
    emulator.edit_employee(1001, "account", "12345678903");
    let dry = app
        .sync(
            "24so-demo",
            &SyncOptions { dry_run: true, ..SyncOptions::default() },
            Some(secrets.clone()),
            Some(super::print::event_printer("  … ").0),
        )
        .await?;
    super::print::report(&dry, true);

    println!("\n4) the absences of March 2026 to 24SevenOffice (sickness, a sick child, vacation), then again");
    let march = SyncOptions {
        period: Some(crate::runtime::types::Period { start: "2026-03-01".into(), end: "2026-03-31".into() }),
        ..SyncOptions::default()
    };
    let absences =
        app.sync("24so-demo", &march, Some(secrets.clone()), Some(super::print::event_printer("  … ").0)).await?;
    super::print::report(&absences, true);
    println!("  the emulator holds {} absence(s)", emulator.absences().len());
    let again = app.sync("24so-demo", &march, Some(secrets.clone()), None).await?;
    println!("  second absence export: {}", again.summary());
    if again.writes_sent != 0 || emulator.absences().is_empty() {
        bail!(
            "demo self-check failed: the absence export should write once and then nothing (second wrote {}, held {})",
            again.writes_sent,
            emulator.absences().len()
        );
    }

    println!(
        "\n5) the same employees to Visma Nmbrs: create, then address, bank account and salary under the id Nmbrs gave"
    );
    let s = nmbrs.settings();
    let nmbrs_secrets = Secrets::from_pairs(&[
        ("client_id", &s.client_id),
        ("client_secret", &s.client_secret),
        ("subscription_key", &s.subscription_key),
        ("refresh_token", &s.refresh_token),
    ]);
    let to_nmbrs = app
        .sync(
            "nmbrs-demo",
            &SyncOptions::default(),
            Some(nmbrs_secrets.clone()),
            Some(super::print::event_printer("  … ").0),
        )
        .await?;
    super::print::report(&to_nmbrs, false);
    let again = app
        .sync("nmbrs-demo", &SyncOptions::default(), Some(nmbrs_secrets), Some(super::print::event_printer("  … ").0))
        .await?;
    println!("  second Nmbrs sync: {}", again.summary());
    if again.writes_sent != 0 || again.status == "failed" || to_nmbrs.status == "failed" {
        bail!(
            "demo self-check failed: the Nmbrs syncs should succeed and the second write nothing (statuses {} and {}, second wrote {})",
            to_nmbrs.status,
            again.status,
            again.writes_sent
        );
    }
    let stem = args.database.file_stem().and_then(|s| s.to_str()).unwrap_or("paybridge-demo");
    let kontek_database = args.database.with_file_name(format!("{stem}-kontek.db"));
    kontek_both_ways(&args.connectors, &kontek_database).await?;
    println!(
        "\nDone. The databases {} and {} keep the runs, links and journal.",
        args.database.display(),
        kontek_database.display()
    );
    Ok(())
}

/// Step 6: Kontek both ways, HR read live from the AlexisHR emulator.
async fn kontek_both_ways(connectors: &std::path::Path, database: &std::path::Path) -> anyhow::Result<()> {
    println!("\n6) Kontek Lön (Sweden) both ways, HR read live from the AlexisHR emulator");
    remove_database(database)?;
    let hr = alexishr::Emulator::with_snapshot(alexishr::Settings::default(), SWEDEN)
        .await
        .map_err(|e| anyhow::anyhow!("starting the AlexisHR emulator: {e}"))?;
    let payroll = kontek::Emulator::start(kontek::Settings::default()).await.context("starting the Kontek emulator")?;
    println!("  AlexisHR emulator on {}, Kontek emulator on {}", hr.base_url(), payroll.base_url());
    let mut config = Config::new(database.to_owned(), connectors.to_owned(), PathBuf::new());
    config.hr_snapshot = None;
    config.alexishr = Some(crate::config::AlexisHrConfig::new(&hr.base_url()));
    let mut integration = IntegrationConfig::new("kontek-demo", "kontek", &payroll.base_url());
    integration.retry_backoff_ms = 100;
    integration.settings.insert("owner.privatePhone".into(), "payroll".into());
    integration.watch = Some(crate::config::WatchConfig {
        interval_secs: Some(60),
        debounce_secs: Some(0),
        settings: [("field_set".to_owned(), "on-change".to_owned())].into(),
    });
    config.integrations = vec![integration];
    let limits = config.limits();
    let app = App::open(config, limits)?;
    let token = Some(hr.token());
    let secrets = Secrets::from_pairs(&[("username", &payroll.username()), ("password", &payroll.password())]);

    let read = app.import_hr_with(token.clone()).await?;
    println!("  read {} employee(s) from {}; the manual export:", read.employees, read.source);
    let export = app.sync("kontek-demo", &SyncOptions::default(), Some(secrets.clone()), None).await?;
    super::print::report(&export, false);

    println!("  a payroll clerk changes 2002's phone in Kontek (payroll owns the phone); the import:");
    payroll
        .edit("2002", serde_json::json!({"telephoneNo": "+46 70 444 44 44"}))
        .map_err(|e| anyhow::anyhow!("editing the Kontek emulator: {e}"))?;
    let import = app
        .import_from_target(
            "kontek-demo",
            &crate::import::ImportOptions::default(),
            Some(secrets.clone()),
            token.clone(),
        )
        .await?;
    for e in import.employees.iter().filter(|e| !e.changes.is_empty()) {
        for c in &e.changes {
            println!(
                "    {} {}: {}: {} → {}",
                e.employee_number.as_deref().unwrap_or("-"),
                e.name,
                c.field,
                c.before,
                c.after
            );
        }
    }

    println!("  someone renames 2001 in AlexisHR; one watch round pushes only that:");
    let astrid = hr.records("employee").into_iter().find(|e| e["employeeNumber"] == "2001");
    let id = astrid.and_then(|e| e["id"].as_str().map(str::to_owned)).context("2001 in the Swedish sample")?;
    hr.edit("employee", &id, serde_json::json!({"lastName": "Lindqvist-Berg"}));
    let before = payroll.write_requests().len();
    let watcher = crate::watch::Watcher::new(&app, "kontek-demo", Some(secrets), token)?;
    let tick = watcher.tick().await?;
    let writes = &payroll.write_requests()[before..];
    for w in writes {
        println!("    {} {} {}", w.method, w.path, w.body);
    }
    let in_kontek = payroll.employees().len();
    let hr_writes = hr.write_requests().len();
    if in_kontek != 5 || hr_writes != 1 || writes.len() != 1 || !matches!(tick, crate::watch::Tick::Synced { .. }) {
        bail!(
            "demo self-check failed: Kontek should hold 5 employees ({in_kontek}), the import write once into HR ({hr_writes}), the watch once into Kontek ({})",
            writes.len()
        );
    }
    Ok(())
}
