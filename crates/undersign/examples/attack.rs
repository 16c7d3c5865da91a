//! A scripted attack on one letter, for `bench/attack/run.sh`: 10,000 sign
//! attempts from a handful of networks with random names — missing, forged and
//! replayed proofs of work, freshly solved ones, and no-JavaScript form posts —
//! while real signers on other networks keep signing. The server is the real one,
//! in this process, on a fresh data folder; networks are told apart by the
//! `X-Real-IP` header it is configured to trust, as behind a reverse proxy (no
//! traffic goes to those addresses: everything stays on loopback).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use undersign::abuse::pow::{Challenge, solve};
use undersign::app::Application;
use undersign::config::Config;
use undersign::domain::{Community, LetterDraft, LetterLanguage, Slug};
use undersign::state::AppState;

const SLUG: &str = "attacked-letter";
const ATTACKER_NETWORKS: [&str; 4] = ["203.0.113.", "198.18.0.", "198.18.7.", "100.64.3."];
const REAL_SIGNERS: usize = 50;

#[derive(Default)]
struct Tally {
    sent: u64,
    accepted: u64,
    refused_proof: u64,
    limited: u64,
    other: u64,
}

fn random_name(rng: &mut impl Rng) -> String {
    const FIRST: &[&str] = &["Ivan", "Анна", "Petr", "Мария", "John", "Олег", "Vladimir", "Елена"];
    const LAST: &[&str] = &["Ivanov", "Смирнова", "Sidorov", "Кузнецова", "Doe", "Попов", "Putin", "Волкова"];
    format!(
        "{} {} {}",
        FIRST[rng.gen_range(0..FIRST.len())],
        LAST[rng.gen_range(0..LAST.len())],
        rng.gen_range(0..100_000)
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut config = Config::for_data_dir(dir.path(), format!("127.0.0.1:{port}").parse()?);
    config.client_ip_header = Some("x-real-ip".into());
    let limits = config.limits;
    let state = AppState::open_with_system_clock(config).await?;
    let slug = Slug::parse(SLUG)?;
    let draft = LetterDraft {
        slug: slug.clone(),
        title: "Attacked letter".into(),
        addressee: "To the court".into(),
        community: Community::parse("scientists").map_err(anyhow::Error::msg)?,
        language: LetterLanguage::parse("en").map_err(anyhow::Error::msg)?,
        body: "We ask.".into(),
        organisations: false,
        campaign: None,
        pull_quote: None,
        closes_on: None,
        target: None,
    };
    undersign::publishing::publish_letter(&state, &draft).await?;
    let app = Application::start(state.clone()).await?;
    let base = format!("http://{}", app.local_addr());
    // Redirects are not followed: a form's 303 is its "accepted".
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let api = format!("{base}/api/v1/letters/{SLUG}/signatures");
    // Real signers, each on their own network, sign throughout the attack.
    let real = {
        let client = client.clone();
        let api = api.clone();
        let base = base.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut accepted = 0;
            for i in 0..REAL_SIGNERS {
                let network = format!("10.{}.{}.7", i / 200, i % 200);
                let challenge =
                    fetch_challenge(&client, &base, &network).await?.expect("one challenge per network");
                let solved = solve(&challenge).expect("solvable");
                let body = json!({"name": format!("Real Person {i}"), "email": format!("real{i}@uni{i}.example"),
                                  "consent": true, "show_name": true, "altcha": solved});
                let started = Instant::now();
                let response = client.post(&api).header("x-real-ip", network).json(&body).send().await?;
                latencies.push(started.elapsed());
                accepted += u64::from(response.status() == 202);
                tokio::time::sleep(Duration::from_millis(60)).await;
            }
            anyhow::Ok((accepted, latencies))
        })
    };

    let mut rng = rand::rngs::StdRng::seed_from_u64(2016);
    let mut tallies: HashMap<&str, Tally> = HashMap::new();
    let replayed = solve(&fetch_challenge(&client, &base, "203.0.113.9").await?.expect("a first challenge"))
        .expect("solvable");
    let started = Instant::now();
    for attempt in 0..10_000u32 {
        let network = format!("{}{}", ATTACKER_NETWORKS[attempt as usize % 4], rng.gen_range(1..255));
        let email = format!("bot{attempt}@attacker.example");
        let name = random_name(&mut rng);
        let (kind, request) = match attempt % 20 {
            0..=4 => (
                "no proof (API)",
                client.post(&api).json(&json!({"name": name, "email": email, "consent": true})),
            ),
            5..=9 => {
                // A challenge of the attacker's own making, signed with a guess.
                let salt = format!("{:x}?expires=4102444800&letter={SLUG}&", rng.r#gen::<u64>());
                let digest = <sha2::Sha256 as sha2::Digest>::digest(format!("{salt}1").as_bytes());
                let forged = json!({"algorithm": "SHA-256", "challenge": hex::encode(digest), "number": 1,
                                    "salt": salt, "signature": hex::encode(rng.r#gen::<[u8; 32]>()), "took": 0});
                let payload = STANDARD.encode(forged.to_string());
                (
                    "forged proof",
                    client
                        .post(&api)
                        .json(&json!({"name": name, "email": email, "consent": true, "altcha": payload})),
                )
            }
            10..=14 => (
                "replayed proof",
                client
                    .post(&api)
                    .json(&json!({"name": name, "email": email, "consent": true, "altcha": replayed})),
            ),
            15..=17 => {
                // Past its network's allowance of challenges the attacker gets none,
                // and sends the signature without a proof (refused).
                let solved = match fetch_challenge(&client, &base, &network).await? {
                    Some(challenge) => solve(&challenge).expect("solvable"),
                    None => String::new(),
                };
                (
                    "fresh valid proof",
                    client
                        .post(&api)
                        .json(&json!({"name": name, "email": email, "consent": true, "altcha": solved})),
                )
            }
            _ => (
                "no JavaScript (form)",
                client.post(format!("{base}/letters/{SLUG}/sign")).form(&[
                    ("name", name.as_str()),
                    ("email", email.as_str()),
                    ("consent", "true"),
                    ("show_name", "true"),
                ]),
            ),
        };
        let response = request.header("x-real-ip", network).send().await?;
        let tally = tallies.entry(kind).or_default();
        tally.sent += 1;
        match response.status().as_u16() {
            202 | 303 => tally.accepted += 1,
            429 => tally.limited += 1,
            400 => tally.refused_proof += 1,
            _ => tally.other += 1,
        }
    }
    let attack_s = started.elapsed().as_secs_f64();
    let (real_accepted, mut latencies) = real.await??;
    latencies.sort();

    // The worst case: the attacker controls every mailbox and confirms all it can.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut confirmed = 0;
    for entry in std::fs::read_dir(dir.path().join("outbox"))? {
        let text = std::fs::read_to_string(entry?.path())?;
        if let Some(link) = text
            .split_whitespace()
            .find(|w| w.contains("/confirm/") && w.len() > 40 && !w.ends_with("/withdraw"))
        {
            let link = link.trim_end_matches('=');
            confirmed +=
                u64::from(client.post(link).send().await.map(|r| r.status() == 200).unwrap_or(false));
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let letter = state.store.letter(&slug).await?.expect("letter");
    let flags = state.store.signature_flags(letter.id).await?;
    let mut flag_counts: HashMap<&str, u64> = HashMap::new();
    for flag in &flags {
        *flag_counts.entry(flag.kind.as_str()).or_default() += 1;
    }
    let count: Value = client.get(format!("{base}/api/v1/letters/{SLUG}")).send().await?.json().await?;
    app.stop().await?;

    println!(
        "scripted attack on one letter: 10,000 attempts in {attack_s:.1} s from {} attacker networks (/24)",
        ATTACKER_NETWORKS.len()
    );
    println!(
        "limits: {} burst + {}/h per network with proof, {} burst + {}/h without; {} burst per domain",
        limits.burst_per_network,
        limits.per_hour_per_network,
        limits.no_js_burst_per_network,
        limits.no_js_per_hour_per_network,
        limits.burst_per_domain
    );
    println!(
        "{:<24} {:>7} {:>9} {:>15} {:>9} {:>6}",
        "kind", "sent", "accepted", "refused (proof)", "429", "other"
    );
    let mut kinds: Vec<_> = tallies.iter().collect();
    kinds.sort_by_key(|(k, _)| *k);
    for (kind, t) in kinds {
        println!(
            "{kind:<24} {:>7} {:>9} {:>15} {:>9} {:>6}",
            t.sent, t.accepted, t.refused_proof, t.limited, t.other
        );
    }
    let count = count["letter"]["count"].as_u64().unwrap_or(0);
    println!("signatures confirmed (the attacker confirms through its own mailboxes): {confirmed}");
    println!(
        "count after the attack: {count} = {real_accepted} real signers + {} attacker signatures",
        count.saturating_sub(real_accepted)
    );
    println!("flags raised: {flag_counts:?}");
    let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "real signers on other networks: {real_accepted}/{REAL_SIGNERS} accepted; POST latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        p(0.5),
        p(0.99),
        p(1.0)
    );
    Ok(())
}

/// A challenge for `network`; `None` once the network asked for too many (429).
async fn fetch_challenge(
    client: &reqwest::Client,
    base: &str,
    network: &str,
) -> anyhow::Result<Option<Challenge>> {
    let response = client
        .get(format!("{base}/api/v1/letters/{SLUG}/challenge"))
        .header("x-real-ip", network)
        .send()
        .await?;
    if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Ok(None);
    }
    Ok(Some(response.json().await?))
}
