//! `TestApp` and typed helpers shared by every integration test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tempfile::TempDir;
use undersign::app::Application;
use undersign::clock::ManualClock;
use undersign::config::{Config, LogFormat};
use undersign::domain::{Community, LetterDraft, LetterLanguage, Slug};
use undersign::state::AppState;

pub const LETTER: &str = "test-letter";

/// Every log line the servers of this test process wrote.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        undersign::telemetry::init_with_default_level(
            LogFormat::Json,
            move || LogSink(sink.clone()),
            "debug",
        );
        buffer
    })
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub dir: Arc<TempDir>,
    /// The PostgreSQL database of this app, when the tests run on PostgreSQL.
    pub postgres: Option<Arc<TestPostgres>>,
    app: Option<Application>,
}

/// Whether the integration tests run on PostgreSQL: `UNDERSIGN_TEST_DATABASE=postgres`
/// (scripts/test.sh runs them once on each engine).
pub fn on_postgres() -> bool {
    std::env::var("UNDERSIGN_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A PostgreSQL database of one test's own on the test server
/// (`UNDERSIGN_TEST_POSTGRES`, by default the local one), dropped at the end.
pub struct TestPostgres {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestPostgres {
    pub async fn create() -> Self {
        let admin_url = std::env::var("UNDERSIGN_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("undersign_it_{}_{:016x}", std::process::id(), rand::random::<u64>());
        let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
            .await
            .expect("the PostgreSQL server for tests is running (scripts/test.sh starts it)");
        tokio::spawn(connection);
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        let base = &admin_url[..admin_url.rfind('/').expect("a database in the address")];
        let url = format!("{base}/{name}");
        Self { admin_url, name, url }
    }

    /// A connection to the server's administrative database.
    pub async fn admin(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.admin_url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }

    /// Runs SQL as the database's owner (for tests that break the database on
    /// purpose). A deadlock with the app's own background work (dropping a
    /// table while the integrator or the mail worker holds it) is retried.
    pub async fn execute(&self, sql: &str) {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        for attempt in 1.. {
            match client.batch_execute(sql).await {
                Ok(()) => return,
                Err(error)
                    if attempt < 10
                        && error.code() == Some(&tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED) =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(error) => panic!("{sql}: {error}"),
            }
        }
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: a thread with its own runtime
        // drops the database (WITH FORCE ends the server's connections).
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.ok()?;
                tokio::spawn(connection);
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()
            })
        })
        .join();
    }
}

/// One e-mail read back from the outbox.
pub struct Mail {
    pub subject: String,
    pub to: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The confirmation link in the plain-text part.
    pub fn confirmation_link(&self) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.contains("/confirm/"))
            .unwrap_or_else(|| panic!("no confirmation link in mail {:?}", self.subject))
            .to_owned()
    }
}

impl TestApp {
    /// A server with one published letter, `test-letter`.
    pub async fn spawn() -> Self {
        let app = Self::spawn_empty().await;
        app.publish(LETTER, false).await;
        app
    }

    /// A server with nothing in it.
    pub async fn spawn_empty() -> Self {
        Self::start(Arc::new(tempfile::tempdir().unwrap()), None, |_| {}).await
    }

    /// A server with the configuration changed by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let app = Self::start(Arc::new(tempfile::tempdir().unwrap()), None, tweak).await;
        app.publish(LETTER, false).await;
        app
    }

    async fn start(
        dir: Arc<TempDir>,
        postgres: Option<Arc<TestPostgres>>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_with_clock(dir, postgres, Arc::new(ManualClock::default()), tweak).await
    }

    async fn start_with_clock(
        dir: Arc<TempDir>,
        postgres: Option<Arc<TestPostgres>>,
        clock: Arc<ManualClock>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        log_buffer();
        let postgres = match postgres {
            Some(database) => Some(database),
            None if on_postgres() => Some(Arc::new(TestPostgres::create().await)),
            None => None,
        };
        // A known port, so the links in e-mails point at this server.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut config = Config::for_data_dir(dir.path(), format!("127.0.0.1:{port}").parse().unwrap());
        // Tests sign a lot from one address: limits are lifted unless a test sets
        // them, and proof of work is cheap.
        config.limits = undersign::config::SignLimits {
            per_hour_per_network: 100_000,
            burst_per_network: 100_000,
            no_js_per_hour_per_network: 100_000,
            no_js_burst_per_network: 100_000,
            per_hour_per_domain: 100_000,
            burst_per_domain: 100_000,
            mails_per_address_per_day: 100,
            burst_flag_per_10_minutes: 100_000,
            challenges_per_hour_per_network: 100_000,
            challenge_burst_per_network: 100_000,
        };
        config.pow.maxnumber = 500;
        config.pow.burst_maxnumber = 500;
        if let Some(database) = &postgres {
            config.database = undersign::config::Database::Postgres(database.url.clone());
        }
        tweak(&mut config);
        let state = AppState::open(config, clock.clone()).await.unwrap();
        let app = Application::start(state).await.unwrap();
        let address = format!("http://{}", app.local_addr());
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { address, client, clock, dir, postgres, app: Some(app) }
    }

    /// A count by SQL on whichever engine this app runs (for the few facts no
    /// page or store method shows: how many rows a request wrote).
    pub async fn sql_count(&self, sql: &str) -> i64 {
        match &self.postgres {
            Some(database) => {
                let (client, connection) =
                    tokio_postgres::connect(&database.url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(connection);
                client.query_one(sql, &[]).await.unwrap().get(0)
            }
            None => {
                let db = rusqlite::Connection::open(self.dir.path().join("undersign.sqlite3")).unwrap();
                db.query_row(sql, [], |r| r.get(0)).unwrap()
            }
        }
    }

    /// Runs SQL on whichever engine this app runs (tests that break the database
    /// on purpose).
    pub async fn sql_execute(&self, sql: &str) {
        match &self.postgres {
            Some(database) => database.execute(sql).await,
            None => {
                let db = rusqlite::Connection::open(self.dir.path().join("undersign.sqlite3")).unwrap();
                db.execute_batch(sql).unwrap();
            }
        }
    }

    /// A second node beside this one: its own port, the same PostgreSQL
    /// database, and the same data folder (the key files every node needs, and
    /// one outbox folder whichever node's worker sends a mail).
    pub async fn spawn_peer(&self) -> Self {
        let database = self.postgres.clone().expect("several nodes share a PostgreSQL database");
        // One time for all nodes, as synchronised clocks give them.
        Self::start_with_clock(self.dir.clone(), Some(database), self.clock.clone(), |_| {}).await
    }

    /// The metrics address, when the app was started with one.
    pub fn metrics_url(&self) -> Option<String> {
        let address = self.app.as_ref().expect("running").metrics_addr()?;
        Some(format!("http://{address}/metrics"))
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.app.as_ref().expect("running").state
    }

    /// Stops the server gracefully (SIGTERM's path): requests in flight finish,
    /// the leases it held are released.
    pub async fn stop(mut self) {
        self.app.take().unwrap().stop().await.unwrap();
    }

    /// Stops the server gracefully and starts a new one on the same data folder.
    pub async fn restart(mut self) -> Self {
        self.app.take().unwrap().stop().await.unwrap();
        Self::start(self.dir.clone(), self.postgres.clone(), |_| {}).await
    }

    pub async fn publish(&self, slug: &str, organisations: bool) {
        let draft = LetterDraft {
            slug: Slug::parse(slug).unwrap(),
            title: format!("Letter {slug}"),
            addressee: "To the court".into(),
            community: Community::parse("scientists").unwrap(),
            language: LetterLanguage::parse("en").unwrap(),
            body: "We ask for a *fair* trial.".into(),
            organisations,
            campaign: None,
            pull_quote: None,
            closes_on: None,
            target: None,
        };
        undersign::publishing::publish_letter(self.state(), &draft).await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A page's text as a reader whose language cookie says `lang` gets it.
    pub async fn get_text_in(&self, lang: &str, path: &str) -> String {
        let response =
            self.client.get(self.url(path)).header("cookie", format!("lang={lang}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.text().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// Submits the HTML sign form.
    pub async fn sign_form(&self, slug: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(&format!("/letters/{slug}/sign"))).form(fields).send().await.unwrap()
    }

    /// Submits a signature to the JSON API, solving a fresh proof-of-work
    /// challenge as a real client does (unless the body brings its own `altcha`).
    pub async fn sign_api(&self, slug: &str, body: &serde_json::Value) -> reqwest::Response {
        let mut body = body.clone();
        if body.get("altcha").is_none()
            && let Some(payload) = self.solve_challenge(slug).await
        {
            body["altcha"] = payload.into();
        }
        self.client
            .post(self.url(&format!("/api/v1/letters/{slug}/signatures")))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Fetches the letter's challenge and solves it; `None` if there is none.
    pub async fn solve_challenge(&self, slug: &str) -> Option<String> {
        let response = self.get(&format!("/api/v1/letters/{slug}/challenge")).await;
        if response.status() != 200 {
            return None;
        }
        let challenge: undersign::abuse::pow::Challenge = response.json().await.unwrap();
        undersign::abuse::pow::solve(&challenge)
    }

    /// The letter's count by the log, once every confirmed signature is in a
    /// checkpoint (the integrator needs well under a second).
    pub async fn count(&self, slug: &str) -> u64 {
        for _ in 0..100 {
            let json = self.letter_json(slug).await;
            if json["being_added"].as_u64() == Some(0) {
                return json["count"].as_u64().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("signatures of {slug} stayed outside the log for 5 s");
    }

    pub async fn letter_json(&self, slug: &str) -> serde_json::Value {
        let json: serde_json::Value =
            self.get(&format!("/api/v1/letters/{slug}")).await.json().await.unwrap();
        json["letter"].clone()
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// Waits until the outbox holds `n` messages and returns them, oldest first.
    pub async fn wait_for_mails(&self, n: usize) -> Vec<Mail> {
        for _ in 0..200 {
            let mails = read_outbox(&self.outbox_dir());
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} mails, found {}", read_outbox(&self.outbox_dir()).len());
    }

    /// Signs with the form, reads the mail, opens the link and presses the button.
    pub async fn sign_and_confirm(&self, slug: &str, name: &str, email: &str, show_name: bool) {
        let before = read_outbox(&self.outbox_dir()).len();
        let show = if show_name { "true" } else { "false" };
        let response = self
            .sign_form(slug, &[("name", name), ("email", email), ("show_name", show), ("consent", "true")])
            .await;
        assert_eq!(response.status(), 303, "signing should redirect");
        let mails = self.wait_for_mails(before + 1).await;
        let link = mails[before].confirmation_link();
        self.confirm(&link).await;
    }

    /// POSTs the confirmation form behind a link and returns the page it leads
    /// back to (the link's page in its new state).
    pub async fn confirm(&self, link: &str) -> String {
        let response = self.client.post(link).send().await.unwrap();
        assert_eq!(response.status(), 303, "confirming {link}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(link.ends_with(&location), "back to the link's own page: {location}");
        let page = self.client.get(link).send().await.unwrap();
        assert_eq!(page.status(), 200, "the link's page after confirming {link}");
        page.text().await.unwrap()
    }
}

/// Reads every `.eml` in the folder, oldest first (the transport's file names
/// sort in the order it wrote them).
pub fn read_outbox(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files.into_iter().map(|path| parse_mail(&std::fs::read(path).unwrap())).collect()
}

pub fn parse_mail(raw: &[u8]) -> Mail {
    let message = mail_parser::MessageParser::default().parse(raw).expect("a parsable message");
    Mail {
        subject: message.subject().unwrap_or_default().to_owned(),
        to: message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned(),
        text: message.body_text(0).unwrap_or_default().into_owned(),
        html: message.body_html(0).unwrap_or_default().into_owned(),
    }
}

/// The form fields of a valid signature.
pub fn valid_form(email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Анна Петрова".into()),
        ("email", email.into()),
        ("title", "Professor".into()),
        ("affiliation", "Moscow State University".into()),
        ("city", "Moscow".into()),
        ("country", "Russia".into()),
        ("show_name", "true".into()),
        ("consent", "true".into()),
    ]
}

/// Borrows form fields as the pairs `sign_form` takes.
pub fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
