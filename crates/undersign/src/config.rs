//! Configuration: defaults, then an optional TOML file, then `UNDERSIGN_*`
//! environment variables, then command-line flags; later ones win.
//! The reference of every key is in `docs/OPERATIONS.md`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// The settings a running instance uses, resolved and checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the database, the key folder and the mail outbox.
    pub data_dir: PathBuf,
    /// Where signatures are stored: SQLite in the data folder, or PostgreSQL.
    pub database: Database,
    pub listen: SocketAddr,
    /// The address people reach this instance at; used in e-mailed links.
    pub public_url: Url,
    pub mail: MailConfig,
    pub log_format: LogFormat,
    pub limits: SignLimits,
    /// A header set by the reverse proxy that holds the client's address
    /// (e.g. `X-Real-IP`). Only set it when a proxy you run always sets it.
    pub client_ip_header: Option<String>,
    /// Withdrawals are integrated into the log together, once per this period.
    pub withdrawal_batch: time::Duration,
    pub pow: PowSettings,
    /// Connections one client address may hold open at once (not applied to
    /// loopback, nor when `client_ip_header` says a proxy is in front).
    pub connections_per_client: u32,
    /// `/readyz` answers 503 when a letter's confirmed signatures have waited
    /// longer than this for a checkpoint.
    pub ready_max_lag: std::time::Duration,
    /// Where Prometheus metrics are served; off when `None`.
    pub metrics_listen: Option<SocketAddr>,
}

/// Connections a client may hold by default: a university or an office
/// behind one address opens many, each browser up to six.
pub const DEFAULT_CONNECTIONS_PER_CLIENT: u32 = 128;
/// How far the log integrator may fall behind before a node is not ready.
pub const DEFAULT_READY_MAX_LAG: std::time::Duration = std::time::Duration::from_secs(60);

/// The database engine and where it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// `undersign.sqlite3` in the data folder: the default.
    Sqlite,
    /// A PostgreSQL server (`postgres://user@host/db`): for several nodes.
    Postgres(String),
}

/// The address may hold a password: only its host and database are shown.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite => f.write_str("Sqlite"),
            Database::Postgres(url) => {
                let shown = Url::parse(url)
                    .map(|u| format!("{}{}", u.host_str().unwrap_or(""), u.path()))
                    .unwrap_or_else(|_| "(unreadable address)".to_owned());
                write!(f, "Postgres({shown})")
            }
        }
    }
}

impl Database {
    /// Reads a database address: `postgres://` or `postgresql://` for
    /// PostgreSQL, `sqlite` (or nothing) for the data folder's SQLite file.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        if text.is_empty() || text == "sqlite" {
            return Ok(Database::Sqlite);
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            text.parse::<tokio_postgres::Config>().map_err(|e| {
                anyhow::anyhow!("the database address is not a valid PostgreSQL address: {e}")
            })?;
            return Ok(Database::Postgres(text.to_owned()));
        }
        bail!("database must be a postgres:// address or \"sqlite\"")
    }
}

/// How many signatures may come from one network (IPv4 /24, IPv6 /48) to one
/// letter, and from one e-mail domain; each with a burst and a sustained rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignLimits {
    /// Sustained rate.
    pub per_hour_per_network: u32,
    /// How many may come at once before the sustained rate applies.
    pub burst_per_network: u32,
    /// The same, for signatures without proof of work (no JavaScript): stricter.
    pub no_js_per_hour_per_network: u32,
    pub no_js_burst_per_network: u32,
    /// Per e-mail domain and letter (large public mail providers are exempt).
    pub per_hour_per_domain: u32,
    pub burst_per_domain: u32,
    /// Confirmation e-mails one address may receive per day.
    pub mails_per_address_per_day: u32,
    /// From this many signatures from one network to one letter within ten
    /// minutes on, signatures are flagged as a burst for moderators (below the
    /// hard limits: offices sign together, provocateurs too).
    pub burst_flag_per_10_minutes: u32,
    /// Proof-of-work challenges one network may fetch per letter (a person needs
    /// one per signature; a page reload fetches another).
    pub challenges_per_hour_per_network: u32,
    pub challenge_burst_per_network: u32,
}

impl Default for SignLimits {
    /// Generous: a university or an office signs from behind one address.
    fn default() -> Self {
        Self {
            per_hour_per_network: 120,
            burst_per_network: 30,
            no_js_per_hour_per_network: 10,
            no_js_burst_per_network: 3,
            per_hour_per_domain: 300,
            burst_per_domain: 60,
            mails_per_address_per_day: 3,
            burst_flag_per_10_minutes: 10,
            challenges_per_hour_per_network: 600,
            challenge_burst_per_network: 60,
        }
    }
}

/// Proof-of-work difficulty: the secret number is below `maxnumber`, or below
/// `burst_maxnumber` for a network that fetched more than `burst_per_minute`
/// challenges for one letter this minute — and for everyone on the letter while
/// `bursting_networks` networks do so at once. One client cannot make signing
/// harder for everybody else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowSettings {
    /// `false` turns proof of work off (signatures are then not flagged for it).
    pub enabled: bool,
    pub maxnumber: u64,
    pub burst_maxnumber: u64,
    /// Challenges a minute from one network to one letter before its own rise.
    pub burst_per_minute: u64,
    /// Bursting networks on one letter in one minute before the letter-wide rise.
    pub bursting_networks: u64,
}

impl Default for PowSettings {
    /// About a quarter of a second in a phone's browser; ten times that in a burst.
    fn default() -> Self {
        Self {
            enabled: true,
            maxnumber: 50_000,
            burst_maxnumber: 500_000,
            burst_per_minute: 30,
            bursting_networks: 10,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The `From:` header, e.g. `Open letters <letters@example.org>`.
    pub from: String,
    pub transport: MailTransportConfig,
}

#[derive(Debug, Clone)]
pub enum MailTransportConfig {
    /// Writes each message as an `.eml` file into `<data>/outbox/`.
    File,
    Smtp(SmtpConfig),
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The config file, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    database: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    #[serde(default)]
    mail: FileMail,
    #[serde(default)]
    log: FileLog,
    #[serde(default)]
    limits: FileLimits,
    client_ip_header: Option<String>,
    #[serde(default)]
    letter_log: FileLetterLog,
    #[serde(default)]
    proof_of_work: FilePow,
    #[serde(default)]
    readiness: FileReadiness,
    metrics_listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileReadiness {
    max_integration_lag_seconds: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLetterLog {
    withdrawal_batch_seconds: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    signatures_per_hour_per_network: Option<u32>,
    signature_burst_per_network: Option<u32>,
    no_js_signatures_per_hour_per_network: Option<u32>,
    no_js_signature_burst_per_network: Option<u32>,
    signatures_per_hour_per_domain: Option<u32>,
    signature_burst_per_domain: Option<u32>,
    confirmation_mails_per_address_per_day: Option<u32>,
    burst_flag_per_10_minutes: Option<u32>,
    challenges_per_hour_per_network: Option<u32>,
    challenge_burst_per_network: Option<u32>,
    connections_per_client: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePow {
    enabled: Option<bool>,
    maxnumber: Option<u64>,
    burst_maxnumber: Option<u64>,
    burst_per_minute: Option<u64>,
    bursting_networks: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMail {
    transport: Option<String>,
    from: Option<String>,
    #[serde(default)]
    smtp: FileSmtp,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSmtp {
    host: Option<String>,
    port: Option<u16>,
    tls: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLog {
    format: Option<String>,
}

/// Values given on the command line (clap has already folded in the environment
/// variables that have flags: `UNDERSIGN_DATA`, `UNDERSIGN_LISTEN`,
/// `UNDERSIGN_PUBLIC_URL`).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub metrics_listen: Option<String>,
}

pub const DEFAULT_DATA_DIR: &str = "./undersign-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Daily: the log does not reveal the moment a person withdrew.
pub const DEFAULT_WITHDRAWAL_BATCH: time::Duration = time::Duration::DAY;

impl Config {
    /// Reads the configuration from the file, the process environment and flags.
    pub fn load(overrides: Overrides) -> anyhow::Result<Self> {
        Self::load_with_env(overrides, |key| std::env::var(key).ok())
    }

    /// As [`Config::load`], with the environment given as a function (for tests).
    pub fn load_with_env(overrides: Overrides, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let file_path = overrides.config_file.clone().or_else(|| env("UNDERSIGN_CONFIG").map(PathBuf::from));
        let mut file = match &file_path {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        apply_env(&mut file, &env);
        if let Some(data) = overrides.data_dir {
            file.data = Some(data);
        }
        if let Some(database) = overrides.database {
            file.database = Some(database);
        }
        if let Some(listen) = overrides.listen {
            file.listen = Some(listen);
        }
        if let Some(url) = overrides.public_url {
            file.public_url = Some(url);
        }
        if let Some(metrics) = overrides.metrics_listen {
            file.metrics_listen = Some(metrics);
        }
        resolve(file)
    }

    /// Settings for tests and tools: a data folder, a listen address, file mail.
    pub fn for_data_dir(data_dir: &Path, listen: SocketAddr) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            database: Database::Sqlite,
            listen,
            public_url: default_public_url(listen),
            mail: MailConfig { from: default_from(), transport: MailTransportConfig::File },
            log_format: LogFormat::Text,
            limits: SignLimits::default(),
            client_ip_header: None,
            withdrawal_batch: DEFAULT_WITHDRAWAL_BATCH,
            pow: PowSettings::default(),
            connections_per_client: DEFAULT_CONNECTIONS_PER_CLIENT,
            ready_max_lag: DEFAULT_READY_MAX_LAG,
            metrics_listen: None,
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("undersign.sqlite3")
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// Extra throwaway-mail domains, one a line; re-read when it changes.
    pub fn disposable_domains_file(&self) -> PathBuf {
        self.data_dir.join("disposable-domains.txt")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// `<public url>/<path>` without doubled slashes.
    pub fn public_link(&self, path: &str) -> String {
        format!("{}/{}", self.public_url.as_str().trim_end_matches('/'), path.trim_start_matches('/'))
    }

    /// Where `serve` notes the public address it serves at, for the command-line
    /// tools that run beside it on the same data folder.
    pub fn served_url_file(&self) -> PathBuf {
        self.data_dir.join("served-url")
    }

    /// A link for a person to open, printed by a command-line tool: on the
    /// address the server on this data folder last served at (its `--listen` or
    /// `--public-url` may differ from this command's defaults), else ours.
    pub fn served_link(&self, path: &str) -> String {
        let served = std::fs::read_to_string(self.served_url_file())
            .ok()
            .and_then(|text| Url::parse(text.trim()).ok())
            .filter(|url| matches!(url.scheme(), "http" | "https"));
        let base = served.as_ref().unwrap_or(&self.public_url);
        format!("{}/{}", base.as_str().trim_end_matches('/'), path.trim_start_matches('/'))
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {} is not valid", path.display()))
}

fn apply_env(file: &mut FileConfig, env: &impl Fn(&str) -> Option<String>) {
    let set = |slot: &mut Option<String>, key: &str| {
        if let Some(value) = env(key).filter(|v| !v.is_empty()) {
            *slot = Some(value);
        }
    };
    if let Some(data) = env("UNDERSIGN_DATA").filter(|v| !v.is_empty()) {
        file.data = Some(PathBuf::from(data));
    }
    set(&mut file.listen, "UNDERSIGN_LISTEN");
    set(&mut file.database, "UNDERSIGN_DATABASE_URL");
    set(&mut file.public_url, "UNDERSIGN_PUBLIC_URL");
    set(&mut file.mail.transport, "UNDERSIGN_MAIL_TRANSPORT");
    set(&mut file.mail.from, "UNDERSIGN_MAIL_FROM");
    set(&mut file.mail.smtp.host, "UNDERSIGN_SMTP_HOST");
    set(&mut file.mail.smtp.tls, "UNDERSIGN_SMTP_TLS");
    set(&mut file.mail.smtp.username, "UNDERSIGN_SMTP_USERNAME");
    set(&mut file.mail.smtp.password, "UNDERSIGN_SMTP_PASSWORD");
    set(&mut file.log.format, "UNDERSIGN_LOG_FORMAT");
    set(&mut file.client_ip_header, "UNDERSIGN_CLIENT_IP_HEADER");
    set(&mut file.metrics_listen, "UNDERSIGN_METRICS_LISTEN");
    if let Some(n) = env("UNDERSIGN_SIGNATURES_PER_HOUR_PER_NETWORK").and_then(|v| v.parse().ok()) {
        file.limits.signatures_per_hour_per_network = Some(n);
    }
    let number = |key: &str| env(key).and_then(|v| v.parse::<u32>().ok());
    let limits = &mut file.limits;
    for (slot, key) in [
        (
            &mut limits.no_js_signatures_per_hour_per_network,
            "UNDERSIGN_NO_JS_SIGNATURES_PER_HOUR_PER_NETWORK",
        ),
        (&mut limits.no_js_signature_burst_per_network, "UNDERSIGN_NO_JS_SIGNATURE_BURST_PER_NETWORK"),
        (&mut limits.signatures_per_hour_per_domain, "UNDERSIGN_SIGNATURES_PER_HOUR_PER_DOMAIN"),
        (&mut limits.signature_burst_per_domain, "UNDERSIGN_SIGNATURE_BURST_PER_DOMAIN"),
        (
            &mut limits.confirmation_mails_per_address_per_day,
            "UNDERSIGN_CONFIRMATION_MAILS_PER_ADDRESS_PER_DAY",
        ),
        (&mut limits.burst_flag_per_10_minutes, "UNDERSIGN_BURST_FLAG_PER_10_MINUTES"),
        (&mut limits.challenges_per_hour_per_network, "UNDERSIGN_CHALLENGES_PER_HOUR_PER_NETWORK"),
        (&mut limits.challenge_burst_per_network, "UNDERSIGN_CHALLENGE_BURST_PER_NETWORK"),
        (&mut limits.connections_per_client, "UNDERSIGN_CONNECTIONS_PER_CLIENT"),
        (&mut file.readiness.max_integration_lag_seconds, "UNDERSIGN_READY_MAX_LAG_SECONDS"),
    ] {
        if let Some(n) = number(key) {
            *slot = Some(n);
        }
    }
    if let Some(enabled) = env("UNDERSIGN_POW_ENABLED").and_then(|v| v.parse().ok()) {
        file.proof_of_work.enabled = Some(enabled);
    }
    if let Some(n) = env("UNDERSIGN_POW_MAXNUMBER").and_then(|v| v.parse().ok()) {
        file.proof_of_work.maxnumber = Some(n);
    }
    if let Some(n) = env("UNDERSIGN_POW_BURST_PER_MINUTE").and_then(|v| v.parse().ok()) {
        file.proof_of_work.burst_per_minute = Some(n);
    }
    if let Some(n) = env("UNDERSIGN_POW_BURSTING_NETWORKS").and_then(|v| v.parse().ok()) {
        file.proof_of_work.bursting_networks = Some(n);
    }
    if let Some(n) = env("UNDERSIGN_WITHDRAWAL_BATCH_SECONDS").and_then(|v| v.parse().ok()) {
        file.letter_log.withdrawal_batch_seconds = Some(n);
    }
    if let Some(n) = env("UNDERSIGN_SIGNATURE_BURST_PER_NETWORK").and_then(|v| v.parse().ok()) {
        file.limits.signature_burst_per_network = Some(n);
    }
    if let Some(port) = env("UNDERSIGN_SMTP_PORT").and_then(|p| p.parse().ok()) {
        file.mail.smtp.port = Some(port);
    }
}

fn default_public_url(listen: SocketAddr) -> Url {
    Url::parse(&format!("http://{listen}")).expect("a socket address makes a valid URL")
}

fn default_from() -> String {
    "undersign <undersign@localhost>".to_owned()
}

fn resolve(file: FileConfig) -> anyhow::Result<Config> {
    let listen_text = file.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = listen_text
        .parse()
        .with_context(|| format!("listen address {listen_text:?} must look like 127.0.0.1:8080"))?;
    let public_url = match file.public_url {
        Some(text) => {
            let url = Url::parse(&text).with_context(|| format!("public URL {text:?} is not a URL"))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                bail!("public URL {text:?} must start with http:// or https:// and name a host");
            }
            url
        }
        None if listen.port() == 0 => {
            bail!(
                "listening on port 0 picks a port at random, so links in e-mails cannot be known: set public_url too"
            )
        }
        None => default_public_url(listen),
    };
    let transport = match file.mail.transport.as_deref().unwrap_or("file") {
        "file" => MailTransportConfig::File,
        "smtp" => {
            let smtp = file.mail.smtp;
            let tls = match smtp.tls.as_deref().unwrap_or("starttls") {
                "starttls" => SmtpTls::Starttls,
                "tls" => SmtpTls::Tls,
                "none" => SmtpTls::None,
                other => bail!("mail.smtp.tls {other:?} must be starttls, tls or none"),
            };
            let host = smtp.host.context("mail.transport is smtp, so mail.smtp.host is needed")?;
            let port = smtp.port.unwrap_or(match tls {
                SmtpTls::Starttls => 587,
                SmtpTls::Tls => 465,
                SmtpTls::None => 25,
            });
            if smtp.password.is_some() && smtp.username.is_none() {
                bail!("mail.smtp.password is set without mail.smtp.username");
            }
            MailTransportConfig::Smtp(SmtpConfig {
                host,
                port,
                tls,
                username: smtp.username,
                password: smtp.password.map(SecretString::from),
            })
        }
        other => bail!("mail.transport {other:?} must be file or smtp"),
    };
    let from = file.mail.from.unwrap_or_else(default_from);
    from.parse::<lettre::message::Mailbox>()
        .map_err(|e| anyhow::anyhow!("mail.from {from:?} is not a mailbox: {e}"))?;
    let log_format = match file.log.format.as_deref().unwrap_or("text") {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => bail!("log.format {other:?} must be text or json"),
    };
    let d = SignLimits::default();
    let l = &file.limits;
    let limits = SignLimits {
        per_hour_per_network: l.signatures_per_hour_per_network.unwrap_or(d.per_hour_per_network),
        burst_per_network: l.signature_burst_per_network.unwrap_or(d.burst_per_network),
        no_js_per_hour_per_network: l
            .no_js_signatures_per_hour_per_network
            .unwrap_or(d.no_js_per_hour_per_network),
        no_js_burst_per_network: l.no_js_signature_burst_per_network.unwrap_or(d.no_js_burst_per_network),
        per_hour_per_domain: l.signatures_per_hour_per_domain.unwrap_or(d.per_hour_per_domain),
        burst_per_domain: l.signature_burst_per_domain.unwrap_or(d.burst_per_domain),
        mails_per_address_per_day: l
            .confirmation_mails_per_address_per_day
            .unwrap_or(d.mails_per_address_per_day),
        burst_flag_per_10_minutes: l.burst_flag_per_10_minutes.unwrap_or(d.burst_flag_per_10_minutes),
        challenges_per_hour_per_network: l
            .challenges_per_hour_per_network
            .unwrap_or(d.challenges_per_hour_per_network),
        challenge_burst_per_network: l.challenge_burst_per_network.unwrap_or(d.challenge_burst_per_network),
    };
    let connections_per_client = l.connections_per_client.unwrap_or(DEFAULT_CONNECTIONS_PER_CLIENT);
    let all_limits = [
        limits.per_hour_per_network,
        limits.burst_per_network,
        limits.no_js_per_hour_per_network,
        limits.no_js_burst_per_network,
        limits.per_hour_per_domain,
        limits.burst_per_domain,
        limits.mails_per_address_per_day,
        limits.burst_flag_per_10_minutes,
        limits.challenges_per_hour_per_network,
        limits.challenge_burst_per_network,
        connections_per_client,
    ];
    if all_limits.contains(&0) {
        bail!("every value under [limits] must be at least 1");
    }
    let pd = PowSettings::default();
    let p = &file.proof_of_work;
    let pow = PowSettings {
        enabled: p.enabled.unwrap_or(pd.enabled),
        maxnumber: p.maxnumber.unwrap_or(pd.maxnumber),
        burst_maxnumber: p.burst_maxnumber.unwrap_or(pd.burst_maxnumber),
        burst_per_minute: p.burst_per_minute.unwrap_or(pd.burst_per_minute),
        bursting_networks: p.bursting_networks.unwrap_or(pd.bursting_networks).max(1),
    };
    if pow.maxnumber == 0 || pow.burst_maxnumber < pow.maxnumber {
        bail!("proof_of_work.maxnumber must be at least 1 and burst_maxnumber at least maxnumber");
    }
    if let Some(header) = &file.client_ip_header
        && axum::http::HeaderName::from_bytes(header.as_bytes()).is_err()
    {
        bail!("client_ip_header {header:?} is not a valid header name");
    }
    let database = match &file.database {
        Some(text) => Database::parse(text)?,
        None => Database::Sqlite,
    };
    Ok(Config {
        data_dir: file.data.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
        database,
        listen,
        public_url,
        mail: MailConfig { from, transport },
        log_format,
        limits,
        client_ip_header: file.client_ip_header.map(|h| h.to_ascii_lowercase()),
        withdrawal_batch: match file.letter_log.withdrawal_batch_seconds {
            Some(0) => bail!("letter_log.withdrawal_batch_seconds must be at least 1"),
            Some(seconds) => time::Duration::seconds(i64::from(seconds)),
            None => DEFAULT_WITHDRAWAL_BATCH,
        },
        pow,
        connections_per_client,
        ready_max_lag: match file.readiness.max_integration_lag_seconds {
            Some(0) => bail!("readiness.max_integration_lag_seconds must be at least 1"),
            Some(seconds) => std::time::Duration::from_secs(u64::from(seconds)),
            None => DEFAULT_READY_MAX_LAG,
        },
        metrics_listen: match file.metrics_listen.as_deref().map(str::trim) {
            None | Some("") | Some("off") => None,
            Some(text) => Some(
                text.parse()
                    .with_context(|| format!("metrics_listen {text:?} must look like 127.0.0.1:9090"))?,
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(file: Option<&str>, env: &[(&str, &str)], overrides: Overrides) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let mut overrides = overrides;
        if let Some(text) = file {
            let path = dir.path().join("undersign.toml");
            std::fs::write(&path, text).unwrap();
            overrides.config_file = Some(path);
        }
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::load_with_env(overrides, |k| env.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_file() {
        let config = load(None, &[], Overrides::default()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(config.data_dir, PathBuf::from("./undersign-data"));
        assert!(matches!(config.mail.transport, MailTransportConfig::File));
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let file = "listen = \"127.0.0.1:9000\"\npublic_url = \"https://file.example\"\n[mail]\nfrom = \"Letters <l@example.org>\"";
        let config = load(
            Some(file),
            &[("UNDERSIGN_PUBLIC_URL", "https://env.example")],
            Overrides { listen: Some("127.0.0.1:9001".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9001);
        assert_eq!(config.public_url.as_str(), "https://env.example/");
        assert_eq!(config.mail.from, "Letters <l@example.org>");
    }

    #[test]
    fn smtp_settings_resolve_with_default_ports() {
        let config = load(
            None,
            &[
                ("UNDERSIGN_MAIL_TRANSPORT", "smtp"),
                ("UNDERSIGN_SMTP_HOST", "mail.example.org"),
                ("UNDERSIGN_SMTP_TLS", "tls"),
            ],
            Overrides::default(),
        )
        .unwrap();
        let MailTransportConfig::Smtp(smtp) = config.mail.transport else { panic!("expected smtp") };
        assert_eq!((smtp.host.as_str(), smtp.port, smtp.tls), ("mail.example.org", 465, SmtpTls::Tls));
    }

    #[test]
    fn mistakes_are_explained() {
        let cases = [
            (Some("lisen = \"x\""), vec![], "not valid"),
            (None, vec![("UNDERSIGN_LISTEN", "localhost")], "must look like"),
            (None, vec![("UNDERSIGN_PUBLIC_URL", "ftp://x")], "http://"),
            (None, vec![("UNDERSIGN_MAIL_TRANSPORT", "smtp")], "mail.smtp.host"),
            (None, vec![("UNDERSIGN_MAIL_TRANSPORT", "pigeon")], "file or smtp"),
        ];
        for (file, env, expected) in cases {
            let error = format!("{:#}", load(file, &env, Overrides::default()).unwrap_err());
            assert!(error.contains(expected), "{error} should mention {expected}");
        }
    }

    #[test]
    fn the_smtp_password_is_not_printed() {
        let config = load(
            None,
            &[
                ("UNDERSIGN_MAIL_TRANSPORT", "smtp"),
                ("UNDERSIGN_SMTP_HOST", "h.example"),
                ("UNDERSIGN_SMTP_USERNAME", "u"),
                ("UNDERSIGN_SMTP_PASSWORD", "hunter2-secret"),
            ],
            Overrides::default(),
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("hunter2-secret"));
    }
}
