//! Measures the letter log: integration throughput, `verify` time for a large
//! letter (over HTTP and from a static export), and proof sizes.
//! Run through `bench/log/run.sh`; the signatures are stored through the bulk
//! import path (as the demo does), then integrated by the real integrator.

use std::sync::Arc;
use std::time::Instant;

use undersign::app::Application;
use undersign::config::Config;
use undersign::domain::Slug;
use undersign::state::AppState;
use undersign::verify::{Source, verify};

#[path = "support/mod.rs"]
mod support;

const SLUG: &str = "bench-letter";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let leaves: u64 = std::env::args().nth(1).map_or(Ok(100_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let config = Config::for_data_dir(dir.path(), format!("127.0.0.1:{port}").parse()?);
    let state = AppState::open_with_system_clock(config).await?;
    let slug = Slug::parse(SLUG)?;
    let letter_id = support::publish(&state, SLUG).await?;
    let started = Instant::now();
    support::import_signatures(&state, SLUG, letter_id, leaves - 1).await?;
    let import_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut integrated = 0;
    loop {
        let added = undersign::log::integrate_all(&state).await?;
        if added == 0 {
            break;
        }
        integrated += added;
    }
    let integrate_s = started.elapsed().as_secs_f64();

    let app = Application::start(state.clone()).await?;
    let base = format!("http://{}", app.local_addr());
    let vkey = reqwest::get(format!("{base}/letters/{SLUG}/log/key")).await?.text().await?;
    let started = Instant::now();
    let report = verify(&Source::from_arg(&base)?, Some(SLUG), vkey.trim(), None).await?;
    let verify_http_s = started.elapsed().as_secs_f64();

    let mirror = tempfile::tempdir()?;
    let started = Instant::now();
    let exported = undersign::export::export_static(&state, mirror.path(), Some(&slug)).await?;
    let export_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let dir_report = verify(&Source::Dir(mirror.path().to_owned()), Some(SLUG), vkey.trim(), None).await?;
    let verify_dir_s = started.elapsed().as_secs_f64();
    assert_eq!(report, dir_report);

    let size = report.size;
    let middle = size / 2;
    let inclusion =
        reqwest::get(format!("{base}/api/v1/letters/{SLUG}/log/inclusion?index={middle}&size={size}"))
            .await?
            .text()
            .await?;
    let inclusion_hashes =
        serde_json::from_str::<serde_json::Value>(&inclusion)?["hashes"].as_array().map_or(0, Vec::len);
    let consistency =
        reqwest::get(format!("{base}/api/v1/letters/{SLUG}/log/consistency?from={middle}&to={size}"))
            .await?
            .text()
            .await?;
    let consistency_hashes =
        serde_json::from_str::<serde_json::Value>(&consistency)?["hashes"].as_array().map_or(0, Vec::len);
    app.stop().await?;
    let db_bytes: u64 = std::fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("undersign.sqlite3"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();

    println!("letter log benchmark: {size} leaves ({leaves} requested)");
    println!("  bulk import of signatures      {import_s:8.2} s");
    println!(
        "  integration                    {integrate_s:8.2} s  = {:>9.0} leaves/s ({integrated} leaves)",
        integrated as f64 / integrate_s
    );
    println!(
        "  verify over HTTP               {verify_http_s:8.2} s  (count {}, {} records checked, {} withheld)",
        report.count, report.records_checked, report.withheld
    );
    println!("  export --static                {export_s:8.2} s  ({} files)", exported.files);
    println!("  verify of the static export    {verify_dir_s:8.2} s");
    println!(
        "  inclusion proof at size {size}: {inclusion_hashes} hashes, {} bytes of JSON",
        inclusion.len()
    );
    println!(
        "  consistency proof {middle}→{size}: {consistency_hashes} hashes, {} bytes of JSON",
        consistency.len()
    );
    println!(
        "  database + WAL                 {:8.1} MB ({:.0} bytes per leaf)",
        db_bytes as f64 / 1e6,
        db_bytes as f64 / size as f64
    );
    drop(Arc::clone(&state));
    Ok(())
}
