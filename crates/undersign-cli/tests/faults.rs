//! Faults survived by the real binary: a full disk under SQLite, and the
//! PostgreSQL server restarted under load. Meanwhile writes answer 503 with
//! `Retry-After`, reads keep working, `/readyz` says not ready and the server
//! neither spins nor floods its log; afterwards it recovers by itself, every
//! acknowledged signature is confirmed and in the log exactly once, and the
//! log verifies.
//!
//! Both need root (a `tmpfs` mount; `pg_ctlcluster`) and must run alone (a
//! restarted PostgreSQL cuts every other test's connections): `scripts/test.sh`
//! runs them after the other suites.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    Launch, Server, TestPostgres, cli, free_port, letter_counts, links, names_in_log, publish, verify_letter,
};

const SLUG: &str = "fault-letter";

/// A `tmpfs` of `megabytes` mounted on a fresh folder; unmounted when dropped.
struct SmallDisk {
    mount: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&mount)
            .status()
            .expect("mount(8) runs");
        assert!(status.success(), "mounting a tmpfs needs root (scripts/test.sh runs this test as root)");
        SmallDisk { mount, _dir: dir }
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.mount.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // The last partial chunk: fill to the last byte.
        while file.write_all(&[0]).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

/// Signs as a trusted client (token: no proof of work); the status answered.
async fn sign(http: &reqwest::Client, base: &str, token: &str, signer: usize) -> Option<reqwest::Response> {
    let body = serde_json::json!({
        "name": format!("Signer {signer}"), "email": format!("signer{signer}@example.org"),
        "consent": true, "show_name": true,
    });
    http.post(format!("{base}/api/v1/letters/{SLUG}/signatures"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()
}

async fn count(base: &str) -> Option<(u64, u64)> {
    letter_counts(base, SLUG).await
}

async fn readyz(base: &str) -> Option<(u16, String)> {
    let response = reqwest::get(format!("{base}/readyz")).await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

/// Waits (up to `limit`) until `/readyz` answers `status`; its body.
async fn wait_for_readiness(base: &str, status: u16, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Some((answered, body)) = readyz(base).await
            && answered == status
        {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz did not answer {status} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Confirms every acknowledged signer once their mail is there (waiting up
/// to `limit` for the mails), then waits until the log holds them all, and
/// checks each is in it exactly once and the log verifies.
async fn confirm_all_and_check(
    http: &reqwest::Client,
    server: &Server,
    outbox: &Path,
    acknowledged: &HashSet<usize>,
    already_confirmed: &HashSet<usize>,
    limit: Duration,
) {
    let deadline = Instant::now() + limit;
    let mut confirmed = already_confirmed.clone();
    while confirmed.len() < acknowledged.len() {
        assert!(
            Instant::now() < deadline,
            "only {} of {} acknowledged signers could confirm within {limit:?}",
            confirmed.len(),
            acknowledged.len()
        );
        for (to, link) in links(outbox) {
            let signer: usize =
                to.trim_start_matches("signer").trim_end_matches("@example.org").parse().unwrap();
            if acknowledged.contains(&signer) && !confirmed.contains(&signer) {
                let response = http.post(&link).send().await.unwrap();
                if response.status() == 200 {
                    confirmed.insert(signer);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let expected = acknowledged.len() as u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&server.base).await != Some((expected, 0)) {
        assert!(Instant::now() < deadline, "the log holds all {expected}: {:?}", count(&server.base).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let names = names_in_log(&server.base, SLUG).await;
    assert_eq!(names.len() as u64, expected, "one log entry per acknowledged signer");
    for signer in acknowledged {
        assert_eq!(names.get(&format!("Signer {signer}")), Some(&1), "Signer {signer} is in the log once");
    }
    verify_letter(&server.base, SLUG, expected).await;
}

/// CPU time (user + system, in clock ticks of 1/100 s) a process has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name may hold spaces; fields after it are space-separated.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn warnings_and_errors(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .count()
}

#[tokio::test]
#[ignore = "mounts a tmpfs (root): scripts/test.sh runs it after the other suites"]
async fn sqlite_on_a_full_disk_answers_503_then_recovers_with_nothing_lost() {
    let disk = SmallDisk::mount(48);
    let data = disk.mount.join("data");
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("server.log");
    let port = free_port();
    std::fs::create_dir(&data).unwrap();
    publish(&data, SLUG, None);
    let token = cli(&data, &["token", "create", "faults-test"]).trim().to_owned();
    let server = Server::launch(&data, port, Launch { log: Some((&log, "warn")), ..Launch::default() }).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let outbox = data.join("outbox");

    // Five signers confirmed before the disk fills.
    let mut acknowledged = HashSet::new();
    for signer in 0..5 {
        assert_eq!(sign(&http, &server.base, &token, signer).await.unwrap().status(), 202);
        acknowledged.insert(signer);
    }
    confirm_all_and_check(&http, &server, &outbox, &acknowledged, &HashSet::new(), Duration::from_secs(30))
        .await;
    let confirmed_before = acknowledged.clone();

    // The disk fills. Signatures go on until the database cannot store them:
    // SQLite reuses room in its write-ahead log first.
    let filler = disk.fill();
    let mut refused = None;
    for signer in 100..20_000 {
        let response = sign(&http, &server.base, &token, signer).await.unwrap();
        match response.status().as_u16() {
            202 => {
                acknowledged.insert(signer);
            }
            503 => {
                refused = Some(response);
                break;
            }
            other => panic!("signer {signer}: unexpected {other}"),
        }
    }
    let refused = refused.expect("a full disk refused a signature");
    assert_eq!(refused.headers()["retry-after"], "30");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "unavailable", "{body}");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("nothing was stored"), "{body}");
    println!("{} signatures acknowledged after the disk filled", acknowledged.len() - 5);

    // The form says the same in the reader's language.
    let form = http
        .post(format!("{}/letters/{SLUG}/sign", server.base))
        .header("accept-language", "ru")
        .form(&[("name", "Подписант"), ("email", "form@example.org"), ("consent", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 503);
    assert_eq!(form.headers()["retry-after"], "30");
    assert!(form.text().await.unwrap().contains("Сейчас мы не можем ничего сохранить"));

    // Reads keep working; the node says it is not ready.
    assert_eq!(http.get(format!("{}/letters/{SLUG}", server.base)).send().await.unwrap().status(), 200);
    assert_eq!(count(&server.base).await, Some((5, 0)));
    let body = wait_for_readiness(&server.base, 503, Duration::from_secs(5)).await;
    assert!(body.contains("database: not writable"), "{body}");

    // No spinning: a few seconds later the process is idle and its log quiet.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (ticks, lines) = (cpu_ticks(server.child.id()), warnings_and_errors(&log));
    for signer in 20_000..20_050 {
        assert_eq!(sign(&http, &server.base, &token, signer).await.unwrap().status(), 503);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (busy, logged) = (cpu_ticks(server.child.id()) - ticks, warnings_and_errors(&log) - lines);
    println!("while full: {busy} ticks of CPU in 5 s, {logged} log lines for 50 refusals");
    assert!(busy < 50, "the server spun while the disk was full: {busy}/500 ticks");
    assert!(logged <= 5, "50 refusals were logged once each: {logged} lines");

    // Space comes back: the node is ready again by itself, every acknowledged
    // signer gets their mail and is counted once.
    std::fs::remove_file(filler).unwrap();
    wait_for_readiness(&server.base, 200, Duration::from_secs(40)).await;
    assert_eq!(sign(&http, &server.base, &token, 30_000).await.unwrap().status(), 202);
    acknowledged.insert(30_000);
    confirm_all_and_check(
        &http,
        &server,
        &outbox,
        &acknowledged,
        &confirmed_before,
        Duration::from_secs(120),
    )
    .await;
}

/// The local cluster on port 5432 (`pg_lsclusters`): version and name.
fn local_cluster() -> (String, String) {
    let listed = Command::new("pg_lsclusters").arg("-h").output().expect("pg_lsclusters runs");
    let listed = String::from_utf8(listed.stdout).unwrap();
    let line = listed
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.get(2) == Some(&"5432"))
        .expect("a local PostgreSQL cluster on port 5432");
    (line[0].to_owned(), line[1].to_owned())
}

fn pg_ctlcluster(action: &str) {
    let (version, name) = local_cluster();
    let mut command = Command::new("pg_ctlcluster");
    command.args([version.as_str(), name.as_str(), action]);
    if action == "stop" {
        command.args(["-m", "fast"]);
    }
    assert!(command.status().unwrap().success(), "pg_ctlcluster {action}");
}

#[tokio::test]
#[ignore = "restarts the local PostgreSQL server: scripts/test.sh runs it alone, last"]
async fn a_postgresql_restart_under_load_answers_503_then_recovers_with_nothing_lost() {
    let postgres = TestPostgres::new("faults").await;
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("server.log");
    publish(data.path(), SLUG, Some(&postgres.url));
    let token =
        cli(data.path(), &["token", "create", "faults-test", "--database", &postgres.url]).trim().to_owned();
    let launch = Launch { database: Some(&postgres.url), log: Some((&log, "warn")), ..Launch::default() };
    let server = Server::launch(data.path(), free_port(), launch).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();

    // Two signers sign without pause; a third process confirms what arrives.
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let signers: Vec<_> = (0..2)
        .map(|lane| {
            let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
            let (acknowledged, unavailable, stop) = (acknowledged.clone(), unavailable.clone(), stop.clone());
            tokio::spawn(async move {
                let mut signer = lane;
                while !stop.load(Ordering::Relaxed) {
                    match sign(&http, &base, &token, signer).await {
                        Some(r) if r.status() == 202 => {
                            acknowledged.lock().unwrap().insert(signer);
                        }
                        Some(r) if r.status() == 503 => {
                            assert!(r.headers().contains_key("retry-after"), "503 with Retry-After");
                            unavailable.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Some(r) => panic!("signer {signer}: unexpected {}", r.status()),
                        None => panic!("signer {signer}: the server did not answer"),
                    }
                    signer += 2;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = acknowledged.lock().unwrap().len();
    assert!(before > 0, "signatures were acknowledged before the restart");

    // The server stops for a few seconds in the middle of the load.
    let page = format!("{}/letters/{SLUG}", server.base);
    assert_eq!(http.get(&page).send().await.unwrap().status(), 200);
    pg_ctlcluster("stop");
    let body = wait_for_readiness(&server.base, 503, Duration::from_secs(10)).await;
    assert!(body.contains("database: unavailable"), "{body}");
    // Pages already shown are served as they were meanwhile.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let shown = http.get(&page).send().await.unwrap();
    assert_eq!(shown.status(), 200, "the letter's page is served from memory while the database is down");
    assert!(shown.text().await.unwrap().contains("Test letter"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    pg_ctlcluster("start");
    wait_for_readiness(&server.base, 200, Duration::from_secs(60)).await;
    let refused = unavailable.load(Ordering::Relaxed);
    assert!(refused > 0, "signatures were refused with 503 while the database was down");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for signer in signers {
        signer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    println!(
        "{before} acknowledged before the restart, {} in all, {refused} refused with 503",
        acknowledged.len()
    );
    assert!(acknowledged.len() > before, "signing resumed after the restart");

    confirm_all_and_check(
        &http,
        &server,
        &data.path().join("outbox"),
        &acknowledged,
        &HashSet::new(),
        Duration::from_secs(120),
    )
    .await;
    let log_lines = warnings_and_errors(&log);
    println!("{log_lines} warning and error lines in the server's log");
    assert!(log_lines < 100, "the outage was logged in a few lines, not one per request: {log_lines}");
}
