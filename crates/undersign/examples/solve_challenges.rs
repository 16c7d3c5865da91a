//! For `bench/http`: fetches N proof-of-work challenges for a letter from a
//! running server and solves them, as N real browsers would, writing one ALTCHA
//! payload a line. Usage: solve_challenges BASE_URL SLUG N OUT_FILE

use std::io::Write;

use undersign::abuse::pow::{Challenge, solve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, slug, n, out] = args.as_slice() else {
        anyhow::bail!("usage: solve_challenges BASE_URL SLUG N OUT_FILE");
    };
    let n: usize = n.parse()?;
    let client = reqwest::Client::new();
    let mut challenges = Vec::with_capacity(n);
    for _ in 0..n {
        let challenge: Challenge =
            client.get(format!("{base}/api/v1/letters/{slug}/challenge")).send().await?.json().await?;
        challenges.push(challenge);
    }
    // Solve on every core, as that many browsers would.
    let threads = std::thread::available_parallelism().map_or(2, |p| p.get());
    let chunks: Vec<Vec<Challenge>> =
        challenges.chunks(n.div_ceil(threads).max(1)).map(<[_]>::to_vec).collect();
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || chunk.iter().map(|c| solve(c).expect("solvable")).collect::<Vec<_>>())
        })
        .collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for handle in handles {
        for payload in handle.join().map_err(|_| anyhow::anyhow!("a solver thread panicked"))? {
            writeln!(file, "{payload}")?;
        }
    }
    Ok(())
}
