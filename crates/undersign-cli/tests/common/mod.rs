//! Helpers for the tests that run the real binary: starting and stopping
//! servers, reading the mail outbox, and PostgreSQL databases of their own.

#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to start a server beyond its data folder and port.
#[derive(Default)]
pub struct Launch<'a> {
    pub database: Option<&'a str>,
    pub public_url: Option<&'a str>,
    pub demo: bool,
    pub client_ip_header: Option<&'a str>,
    /// Where the server's log goes (else nowhere), and at which level.
    pub log: Option<(&'a Path, &'a str)>,
    /// More environment for the server.
    pub env: &'a [(&'a str, &'a str)],
}

/// A running `undersign serve`; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts `undersign serve` on `port` with loose abuse limits (every client
    /// here is one loopback address) and waits until it answers.
    pub async fn start(data: &Path, port: u16, database: Option<&str>) -> Server {
        Self::launch(data, port, Launch { database, ..Launch::default() }).await
    }

    /// `serve --demo` on SQLite.
    pub async fn start_demo(data: &Path, port: u16) -> Server {
        Self::launch(data, port, Launch { demo: true, ..Launch::default() }).await
    }

    pub async fn launch(data: &Path, port: u16, launch: Launch<'_>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_undersign"));
        command
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("UNDERSIGN_SIGNATURE_BURST_PER_NETWORK", "100000")
            .env("UNDERSIGN_POW_MAXNUMBER", "1000")
            .env("UNDERSIGN_SIGNATURE_BURST_PER_DOMAIN", "100000")
            .env("UNDERSIGN_CHALLENGE_BURST_PER_NETWORK", "1000000")
            .stdout(Stdio::null());
        match launch.log {
            Some((file, level)) => {
                command.env("RUST_LOG", level).stderr(std::fs::File::create(file).unwrap());
            }
            None => {
                command.env("RUST_LOG", "warn").stderr(Stdio::null());
            }
        }
        if let Some(url) = launch.database {
            command.args(["--database", url]);
        }
        if let Some(url) = launch.public_url {
            command.args(["--public-url", url]);
        }
        if launch.demo {
            command.arg("--demo");
        }
        command.envs(launch.env.iter().copied());
        if let Some(header) = launch.client_ip_header {
            command.env("UNDERSIGN_CLIENT_IP_HEADER", header);
        }
        let server = Server { child: command.spawn().unwrap(), base: format!("http://127.0.0.1:{port}") };
        for _ in 0..300 {
            if reqwest::get(format!("{}/healthz", server.base)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server on port {port} did not start");
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: a graceful stop; waits for the exit.
    pub fn terminate(&mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let _ = self.child.wait();
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        reqwest::get(format!("{}{path}", self.base)).await.unwrap().json().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        let response = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.text().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A letter's count and "being added", as its JSON says (none if the server
/// does not answer).
pub async fn letter_counts(base: &str, slug: &str) -> Option<(u64, u64)> {
    let json: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/letters/{slug}")).await.ok()?.json().await.ok()?;
    Some((json["letter"]["count"].as_u64()?, json["letter"]["being_added"].as_u64()?))
}

/// `undersign verify` against a server: passes, and the log holds `count`.
pub async fn verify_letter(base: &str, slug: &str, count: u64) {
    let key = reqwest::get(format!("{base}/letters/{slug}/log/key")).await.unwrap().text().await.unwrap();
    let verify = Command::new(env!("CARGO_BIN_EXE_undersign"))
        .args(["verify", base, "--letter", slug, "--key", key.trim()])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{base}: {}", String::from_utf8_lossy(&verify.stderr));
    let printed = String::from_utf8_lossy(&verify.stdout);
    assert!(printed.contains(&format!("count         {count} ")), "{printed}");
}

/// The names in a letter's log records (after its text, at index 0), with
/// how often each appears.
pub async fn names_in_log(base: &str, slug: &str) -> HashMap<String, usize> {
    let mut names = HashMap::new();
    let mut from = 1;
    loop {
        let records: Vec<serde_json::Value> =
            reqwest::get(format!("{base}/letters/{slug}/log/records?from={from}&to={}", from + 1000))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        if records.is_empty() {
            return names;
        }
        for record in &records {
            let record: serde_json::Value = serde_json::from_str(record["record"].as_str().unwrap()).unwrap();
            if let Some(name) = record["name"].as_str() {
                *names.entry(name.to_owned()).or_insert(0) += 1;
            }
        }
        from += records.len() as u64;
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs the binary with `--data`; panics with its error output if it fails.
pub fn cli(data: &Path, args: &[&str]) -> String {
    let output =
        Command::new(env!("CARGO_BIN_EXE_undersign")).args(args).arg("--data").arg(data).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Publishes a small letter from a file (on `database` when given).
pub fn publish(data: &Path, slug: &str, database: Option<&str>) {
    let letter = data.join(format!("{slug}.md"));
    std::fs::write(
        &letter,
        format!(
            "---\ntitle: Test letter\nslug: {slug}\naddressee: To the court\ncommunity: scientists\nlanguage: en\n---\nWe ask.\n"
        ),
    )
    .unwrap();
    let mut args = vec!["letter", "publish", letter.to_str().unwrap()];
    args.extend(database.iter().flat_map(|url| ["--database", url]));
    cli(data, &args);
}

/// The confirmation links in the outbox, by recipient.
pub fn links(outbox: &Path) -> HashMap<String, String> {
    let mut links = HashMap::new();
    let Ok(entries) = std::fs::read_dir(outbox) else { return links };
    for entry in entries {
        // Complete messages only: the transport writes under a hidden name first.
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let raw = std::fs::read(path).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let to = message.to().unwrap().first().unwrap().address().unwrap().to_owned();
        let text = message.body_text(0).unwrap().into_owned();
        if let Some(link) =
            text.split_whitespace().find(|w| w.contains("/confirm/") && !w.ends_with("/withdraw"))
        {
            links.insert(to, link.to_owned());
        }
    }
    links
}

/// A PostgreSQL database made for one test and dropped after it, on the
/// server named by `UNDERSIGN_TEST_POSTGRES` (default: the local one).
pub struct TestPostgres {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestPostgres {
    pub async fn new(label: &str) -> TestPostgres {
        let admin_url = std::env::var("UNDERSIGN_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("undersign_cli_{label}_{}_{}", std::process::id(), rand_suffix());
        let client = admin(&admin_url).await;
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        let url = with_database(&admin_url, &name);
        TestPostgres { admin_url, name, url }
    }

    /// A client on the test's database.
    pub async fn client(&self) -> tokio_postgres::Client {
        admin(&self.url).await
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime: drop the database from a thread
        // with a runtime of its own.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                let client = admin(&admin_url).await;
                let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            })
        })
        .join();
    }
}

async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at UNDERSIGN_TEST_POSTGRES is needed: {e}"));
    tokio::spawn(connection);
    client
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a postgres:// address with a database");
    format!("{base}/{name}")
}
