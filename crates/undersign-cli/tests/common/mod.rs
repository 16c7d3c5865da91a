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

/// A letter's log records (after its text, at index 0), parsed.
pub async fn log_records(base: &str, slug: &str) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
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
            return all;
        }
        from += records.len() as u64;
        all.extend(records.iter().map(|r| serde_json::from_str(r["record"].as_str().unwrap()).unwrap()));
    }
}

/// How often each value of the field `key` appears in a letter's log records
/// (`name` for signatures, `reason` for strikes, `body` for texts).
pub async fn values_in_log(base: &str, slug: &str, key: &str) -> HashMap<String, usize> {
    let mut values = HashMap::new();
    for record in log_records(base, slug).await {
        if let Some(value) = record[key].as_str() {
            *values.entry(value.to_owned()).or_insert(0) += 1;
        }
    }
    values
}

/// The signers' names in a letter's log records, with how often each appears.
pub async fn names_in_log(base: &str, slug: &str) -> HashMap<String, usize> {
    values_in_log(base, slug, "name").await
}

/// The first column of a query's rows as text, on whichever engine the
/// instance runs (its SQLite file, read-only, or its PostgreSQL database).
pub async fn first_column(data: &Path, database: Option<&str>, sql: &str) -> Vec<Option<String>> {
    match database {
        None => {
            let db = rusqlite::Connection::open_with_flags(
                data.join("undersign.sqlite3"),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap();
            let mut statement = db.prepare(sql).unwrap();
            statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        }
        Some(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(connection);
            client.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect()
        }
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

/// A browser of an instance admin, signed in over HTTP like a person would:
/// the CLI makes the account and hands out a sign-in link, the link's button
/// is pressed and a second factor set up. Its cookies are kept by hand (the
/// session lives in the database, so it outlasts restarts of the server).
#[derive(Clone)]
pub struct AdminBrowser {
    http: reqwest::Client,
    pub base: String,
    cookies: std::sync::Arc<std::sync::Mutex<HashMap<String, String>>>,
}

/// What a page answered: status, redirect target, body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Answer {
    /// The value of the form field `name` on the page.
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).unwrap_or_else(|| panic!("no field {name} in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    /// The text of the element with this id.
    pub fn text_of(&self, id: &str) -> String {
        let marker = format!("id=\"{id}\">");
        let start =
            self.body.find(&marker).unwrap_or_else(|| panic!("no #{id} in {}", self.body)) + marker.len();
        let end = self.body[start..].find('<').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

impl AdminBrowser {
    /// Makes `email` an admin with the CLI (of the server's data folder and
    /// database), signs in with a link the CLI prints, and enrols a second factor.
    pub async fn sign_in(data: &Path, database: Option<&str>, base: &str, email: &str) -> AdminBrowser {
        let run = |args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(database.iter().flat_map(|url| ["--database", url]));
            cli(data, &all)
        };
        run(&["admin", "create", "--email", email]);
        let printed = run(&["admin", "sign-in-link", "--email", email]);
        let path =
            printed.trim().split_once("/sign-in/").map(|(_, token)| format!("/sign-in/{token}")).unwrap();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let browser = AdminBrowser { http, base: base.to_owned(), cookies: Default::default() };
        let button = browser.get(&path).await;
        assert_eq!(button.status, 200, "{}", button.body);
        let landed = browser.post(&path, &[("nonce", &button.field("nonce"))]).await.unwrap();
        assert_eq!(landed.location.as_deref(), Some("/organise/two-factor"), "admins set up a second factor");
        let csrf = browser.get("/organise/two-factor").await.field("csrf");
        assert_eq!(browser.post("/organise/two-factor/start", &[("csrf", &csrf)]).await.unwrap().status, 303);
        let secret = browser.get("/organise/two-factor").await.text_of("totp-secret");
        let secret = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let code = undersign::organisers::totp::TotpSecret::from_bytes(secret).code_at(now);
        let enrolled =
            browser.post("/organise/two-factor", &[("csrf", &csrf), ("code", &code)]).await.unwrap();
        assert_eq!(enrolled.status, 200, "{}", enrolled.body);
        let kept = browser
            .post("/organise/two-factor/kept", &[("csrf", &enrolled.field("csrf")), ("kept", "yes")])
            .await
            .unwrap();
        assert_eq!(kept.location.as_deref(), Some("/organise"));
        browser
    }

    fn cookie_header(&self) -> String {
        let cookies = self.cookies.lock().unwrap();
        cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    async fn answer(&self, sent: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
        let response = sent.header("cookie", self.cookie_header()).send().await?;
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.lock().unwrap().insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        Ok(Answer { status, location, body: response.text().await? })
    }

    /// A page; panics if the server does not answer.
    pub async fn get(&self, path: &str) -> Answer {
        self.try_get(path).await.unwrap()
    }

    /// A page; an error if the server did not answer.
    pub async fn try_get(&self, path: &str) -> Result<Answer, reqwest::Error> {
        self.answer(self.http.get(format!("{}{path}", self.base))).await
    }

    /// A form posted; an error if the server did not answer (it was killed).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Answer, reqwest::Error> {
        self.answer(self.http.post(format!("{}{path}", self.base)).form(form)).await
    }
}
