//! What every use case and request handler can reach: storage, keys, settings,
//! caches and limiters. Opened once per process; modules take it from here, never
//! from the wiring in `app.rs`, so no module imports upward.

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Notify;

use crate::abuse::difficulty::Difficulty;
use crate::abuse::disposable::DisposableDomains;
use crate::abuse::mail_quota::MailQuota;
use crate::cache::{Freshness, LetterCache, LetterKeyCache};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Database};
use crate::crypto::{InstanceKeys, LogKey};
use crate::domain::{Letter, Slug};
use crate::log::trees::LetterLogs;
use crate::rate_limit::SignRateLimiter;
use crate::readiness::ReadinessCache;
use crate::storage::postgres::PostgresStore;
use crate::storage::{SqliteStore, Store, StoreError};

/// What every request handler can reach.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: Arc<InstanceKeys>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the mail worker when a job was queued.
    pub mail_wake: Arc<Notify>,
    pub letter_keys: LetterKeyCache,
    pub sign_limiter: SignRateLimiter,
    /// Signs every letter's checkpoints.
    pub log_key: LogKey,
    /// Each letter's Merkle tree.
    pub logs: LetterLogs,
    /// Wakes the log integrator when an entry was queued.
    pub log_wake: Arc<Notify>,
    pub pow_difficulty: Difficulty,
    pub disposable: DisposableDomains,
    pub mail_quota: MailQuota,
    /// Letters and pages in memory; invalidate after writes that change them.
    pub cache: LetterCache,
    /// This process among the nodes sharing a database: the holder of the
    /// integrator leases it takes.
    pub node_id: String,
    /// `/readyz`'s last answer, reused for a second.
    pub readiness: ReadinessCache,
}

impl AppState {
    /// Opens the data folder (created with the key files as needed) and the
    /// database: the SQLite file in it, or the PostgreSQL server configured
    /// (migrated to this program's schema either way).
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Self>> {
        crate::private_files::ensure_private_dir(&config.data_dir)
            .with_context(|| format!("creating data folder {}", config.data_dir.display()))?;
        crate::private_files::ensure_private_dir(&config.keys_dir())
            .with_context(|| format!("creating key folder {}", config.keys_dir().display()))?;
        let keys = InstanceKeys::load_or_create(&config.keys_dir())?;
        let log_key = LogKey::load_or_create(&config.keys_dir())?;
        let store: Arc<dyn Store> = match &config.database {
            Database::Sqlite => {
                crate::private_files::touch_private_file(&config.database_path())
                    .with_context(|| format!("creating database {}", config.database_path().display()))?;
                let store = SqliteStore::open(&config.database_path())
                    .with_context(|| format!("opening database {}", config.database_path().display()))?;
                Arc::new(store)
            }
            Database::Postgres(url) => {
                let store = PostgresStore::connect(url)
                    .await
                    .with_context(|| format!("opening the PostgreSQL database {:?}", config.database))?;
                Arc::new(store)
            }
        };
        let differing = store
            .check_key_fingerprints(
                vec![
                    ("instance.key".to_owned(), keys.fingerprint()),
                    ("log.key".to_owned(), log_key.fingerprint()),
                ],
                clock.now(),
            )
            .await
            .context("checking the key files against the database")?;
        if !differing.is_empty() {
            anyhow::bail!(
                "the key files in {} ({}) are not the ones this database was first used with: every node \
                 sharing a database must use the same key files (copy them from the first node); with \
                 other keys the letters could not be opened and a second log key would fork every log",
                config.keys_dir().display(),
                differing.join(", ")
            );
        }
        Ok(Arc::new(Self {
            store,
            keys: Arc::new(keys),
            clock,
            mail_wake: Arc::new(Notify::new()),
            letter_keys: LetterKeyCache::default(),
            sign_limiter: SignRateLimiter::new(&config.limits),
            log_key,
            logs: LetterLogs::default(),
            log_wake: Arc::new(Notify::new()),
            pow_difficulty: Difficulty::default(),
            disposable: DisposableDomains::new(Some(config.disposable_domains_file())),
            mail_quota: MailQuota::new(config.limits.mails_per_address_per_day),
            cache: LetterCache::default(),
            readiness: ReadinessCache::default(),
            node_id: format!("{}-{}-{:08x}", hostname(), std::process::id(), rand::random::<u32>()),
            config: Arc::new(config),
        }))
    }

    /// A letter as pages show it: from memory, its "being added" and recent
    /// signers up to [`crate::cache::SETTLE`] behind the latest confirmations.
    pub async fn letter(&self, slug: &Slug) -> Result<Option<Arc<Letter>>, StoreError> {
        self.letter_as_fresh_as(slug, Freshness::Settled).await
    }

    /// A letter as current as asked (the JSON API asks for every confirmation).
    pub async fn letter_as_fresh_as(
        &self,
        slug: &Slug,
        freshness: Freshness,
    ) -> Result<Option<Arc<Letter>>, StoreError> {
        self.cache.letter(self.store.as_ref(), slug, freshness).await
    }

    pub async fn open_with_system_clock(config: Config) -> anyhow::Result<Arc<Self>> {
        Self::open(config, Arc::new(SystemClock)).await
    }
}

/// The machine's name, for telling nodes apart in the lease table.
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "node".to_owned())
}
