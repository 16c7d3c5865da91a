//! Crash safety of the letter log with the real binary: SIGKILL the server while
//! confirmations stream in and the integrator runs; after a restart every
//! confirmed signature is in the log exactly once and `verify` passes.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Server, free_port, links};

use undersign::verify::{Source, verify};

const SIGNERS: usize = 120;
const ROUNDS: usize = 4;

async fn start(data: &Path, port: u16) -> Server {
    Server::start(data, port, None).await
}

#[tokio::test]
async fn killing_the_server_mid_stream_loses_and_duplicates_nothing() {
    let data = tempfile::tempdir().unwrap();
    let letter = data.path().join("letter.md");
    std::fs::write(
        &letter,
        "---\ntitle: Crash test\nslug: crash-test\naddressee: To the court\ncommunity: scientists\nlanguage: en\n---\nWe ask.\n",
    )
    .unwrap();
    let publish = Command::new(env!("CARGO_BIN_EXE_undersign"))
        .args(["letter", "publish"])
        .arg(&letter)
        .arg("--data")
        .arg(data.path())
        .output()
        .unwrap();
    assert!(publish.status.success(), "{}", String::from_utf8_lossy(&publish.stderr));

    let port = free_port();
    let mut server = start(data.path(), port).await;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for i in 0..SIGNERS {
        let challenge: undersign::abuse::pow::Challenge =
            reqwest::get(format!("{base}/api/v1/letters/crash-test/challenge"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let altcha = undersign::abuse::pow::solve(&challenge).unwrap();
        let body = serde_json::json!({"name": format!("Signer {i}"), "email": format!("s{i}@example.org"), "show_name": true, "consent": true, "altcha": altcha});
        let response = client
            .post(format!("{base}/api/v1/letters/crash-test/signatures"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
    }
    let outbox = data.path().join("outbox");
    let mut all = HashMap::new();
    for _ in 0..100 {
        all = links(&outbox);
        if all.len() == SIGNERS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(all.len(), SIGNERS, "every confirmation mail was written");
    let mut pending: Vec<String> = all.values().cloned().collect();
    pending.sort();

    let mut acknowledged = 0;
    for round in 0..ROUNDS {
        // Confirm a stream of links; kill the server at a moment that varies by round.
        let stream = {
            let client = client.clone();
            let pending = pending.clone();
            tokio::spawn(async move {
                let mut confirmed = Vec::new();
                for link in pending {
                    match client.post(&link).send().await {
                        Ok(response) if response.status() == 200 => confirmed.push(link),
                        _ => break,
                    }
                }
                confirmed
            })
        };
        tokio::time::sleep(Duration::from_millis(30 + 40 * round as u64)).await;
        server.kill();
        let confirmed = stream.await.unwrap();
        acknowledged += confirmed.len();
        eprintln!("round {round}: {} confirmations acknowledged before the kill", confirmed.len());
        pending.retain(|l| !confirmed.contains(l));
        server = start(data.path(), port).await;
        let json: serde_json::Value =
            reqwest::get(format!("{base}/api/v1/letters/crash-test")).await.unwrap().json().await.unwrap();
        let in_or_entering =
            json["letter"]["count"].as_u64().unwrap() + json["letter"]["being_added"].as_u64().unwrap();
        assert!(
            in_or_entering >= acknowledged as u64,
            "round {round}: an acknowledged confirmation was lost"
        );
    }

    // Confirm the rest, and everything once more: repeats must count once.
    for link in all.values() {
        assert_eq!(client.post(link).send().await.unwrap().status(), 200);
    }
    for _ in 0..100 {
        let json: serde_json::Value =
            reqwest::get(format!("{base}/api/v1/letters/crash-test")).await.unwrap().json().await.unwrap();
        if json["letter"]["being_added"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = reqwest::get(format!("{base}/letters/crash-test/log/key")).await.unwrap().text().await.unwrap();
    let report =
        verify(&Source::from_arg(&base).unwrap(), Some("crash-test"), key.trim(), None).await.unwrap();
    assert_eq!(report.count, SIGNERS as u64);
    assert_eq!(report.size, SIGNERS as u64 + 1, "no entry twice");
    let records: Vec<serde_json::Value> =
        reqwest::get(format!("{base}/letters/crash-test/log/records?from=1&to=1000"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let mut names: Vec<String> = records
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(r["record"].as_str().unwrap()).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), SIGNERS, "each signer exactly once");
    assert!(acknowledged > 0, "some confirmations were acknowledged before a kill");
}

/// Signatures answered 202 survive `kill -9` at varying moments: each is stored
/// exactly once after the restart. Rounds: `CRASH_ROUNDS` (default 3; the
/// benchmark `bench/crash/run.sh` runs 20). The load signs as a trusted client
/// (token): the write path is the same as with a proof of work, without the
/// clients' solving time.
#[tokio::test]
async fn acknowledged_signatures_survive_kill_nine_rounds() {
    let rounds: usize = std::env::var("CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let data = tempfile::tempdir().unwrap();
    let letter = data.path().join("letter.md");
    std::fs::write(
        &letter,
        "---\ntitle: Crash bench\nslug: crash-bench\naddressee: To the court\ncommunity: scientists\nlanguage: en\n---\nWe ask.\n",
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_undersign"))
            .args(args)
            .arg("--data")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    cli(&["letter", "publish", letter.to_str().unwrap()]);
    let token = cli(&["token", "create", "crash-bench"]).trim().to_owned();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..rounds {
        let mut server = start(data.path(), port).await;
        // Sixteen clients sign concurrently, so kills land inside group commits.
        let streams: Vec<_> = (0..16).map(|client_no| {
            let (base, token) = (base.clone(), token.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut answered = Vec::new();
                for k in 0.. {
                    let name = format!("Round {round} Client {client_no} Signer {k}");
                    let body = serde_json::json!({"name": name, "email": format!("r{round}c{client_no}k{k}@example.org"), "consent": true, "show_name": true});
                    match client.post(format!("{base}/api/v1/letters/crash-bench/signatures")).bearer_auth(&token).json(&body).send().await {
                        Ok(response) if response.status() == 202 => answered.push(name),
                        Ok(response) => panic!("unexpected status {}", response.status()),
                        Err(_) => break,
                    }
                }
                answered
            })
        }).collect();
        // Kill at a moment that varies from round to round.
        tokio::time::sleep(Duration::from_millis(40 + (round as u64 * 37) % 160)).await;
        server.kill();
        let mut answered = Vec::new();
        for stream in streams {
            answered.extend(stream.await.unwrap());
        }
        eprintln!("round {round}: {} signatures acknowledged before kill -9", answered.len());
        acknowledged.extend(answered);
    }
    // After a final restart (recovery), every acknowledged signature is stored once.
    let server = start(data.path(), port).await;
    let db = rusqlite::Connection::open_with_flags(
        data.path().join("undersign.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stored: HashMap<String, u32> = HashMap::new();
    let mut statement = db.prepare("SELECT name FROM signatures").unwrap();
    for name in statement.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        *stored.entry(name.unwrap()).or_default() += 1;
    }
    let lost = acknowledged.iter().filter(|name| !stored.contains_key(*name)).count();
    let duplicated = stored.values().filter(|n| **n > 1).count();
    eprintln!(
        "crash: rounds {rounds}, acknowledged {}, lost {lost}, duplicated {duplicated}",
        acknowledged.len()
    );
    drop(server);
    assert!(!acknowledged.is_empty(), "the load ran");
    assert_eq!((lost, duplicated), (0, 0));
}
