//! For `bench/scale`: builds a data folder with one letter of N confirmed
//! signatures, through the bulk import path (as the demo does; documented as such),
//! and integrates them all into the letter's log. Usage: scale_build DATA_DIR N

use std::time::Instant;

use undersign::config::Config;
use undersign::state::AppState;

#[path = "support/mod.rs"]
mod support;

const SLUG: &str = "million-letter";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, n] = args.as_slice() else { anyhow::bail!("usage: scale_build DATA_DIR N") };
    let n: u64 = n.parse()?;
    let config = Config::for_data_dir(std::path::Path::new(data), "127.0.0.1:8080".parse()?);
    let state = AppState::open_with_system_clock(config).await?;
    let letter = support::publish(&state, SLUG).await?;
    let started = Instant::now();
    support::import_signatures(&state, SLUG, letter, n).await?;
    let import_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    while undersign::log::integrate_all(&state).await? > 0 {}
    println!(
        "built: {n} signatures imported in {import_s:.1} s (bulk path), integrated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
