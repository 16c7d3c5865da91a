//! Wiring: opens storage and keys, starts the mail worker and the HTTP server, and
//! shuts both down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::abuse::difficulty::Difficulty;
use crate::abuse::disposable::DisposableDomains;
use crate::abuse::mail_quota::MailQuota;
use crate::cache::{Freshness, LetterCache};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{InstanceKeys, LogKey};
use crate::domain::{Letter, Slug};
use crate::log::LetterLogs;
use crate::mail::{MailTransport, MailWorker};
use crate::rate_limit::SignRateLimiter;
use crate::signing::LetterKeyCache;
use crate::storage::{SqliteStore, Store, StoreError};
use crate::web;

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
}

impl AppState {
    /// Opens the data folder: creates it, the key file and the database as needed.
    pub fn open(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Self>> {
        crate::private_files::ensure_private_dir(&config.data_dir)
            .with_context(|| format!("creating data folder {}", config.data_dir.display()))?;
        crate::private_files::ensure_private_dir(&config.keys_dir())
            .with_context(|| format!("creating key folder {}", config.keys_dir().display()))?;
        let keys = InstanceKeys::load_or_create(&config.keys_dir())?;
        let log_key = LogKey::load_or_create(&config.keys_dir())?;
        crate::private_files::touch_private_file(&config.database_path())
            .with_context(|| format!("creating database {}", config.database_path().display()))?;
        let store = SqliteStore::open(&config.database_path())
            .with_context(|| format!("opening database {}", config.database_path().display()))?;
        Ok(Arc::new(Self {
            store: Arc::new(store),
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

    pub fn open_with_system_clock(config: Config) -> anyhow::Result<Arc<Self>> {
        Self::open(config, Arc::new(SystemClock))
    }
}

/// A running server: its address, and a handle to stop it.
pub struct Application {
    pub state: Arc<AppState>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    mailer: JoinHandle<()>,
    integrator: JoinHandle<()>,
    maintenance: JoinHandle<()>,
}

impl Application {
    /// Binds the listen address and starts serving and mailing in the background.
    pub async fn start(state: Arc<AppState>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(state.config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", state.config.listen))?;
        let local_addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);

        let transport = MailTransport::from_config(&state.config.mail.transport, &state.config.outbox_dir())?;
        let worker = MailWorker::new(
            state.store.clone(),
            state.keys.clone(),
            transport,
            state.config.clone(),
            state.clock.clone(),
            state.mail_wake.clone(),
        );
        let mailer = tokio::spawn(worker.run(shutdown_rx.clone()));
        let integrator = tokio::spawn(crate::log::run_integrator(state.clone(), shutdown_rx.clone()));
        let maintenance = tokio::spawn(crate::maintenance::run(state.clone(), shutdown_rx.clone()));

        let router = web::router(state.clone());
        let mut server_shutdown = shutdown_rx;
        let server = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = server_shutdown.wait_for(|stop| *stop).await;
                })
                .await
        });
        // Command-line tools on this data folder print links to where we serve.
        if let Err(error) = crate::private_files::write_private_file(
            &state.config.served_url_file(),
            state.config.public_url.as_str().as_bytes(),
        ) {
            tracing::warn!(%error, "could not note the public address in the data folder");
        }
        tracing::info!(address = %local_addr, public_url = %state.config.public_url, "undersign is serving");
        Ok(Self { state, local_addr, shutdown, server, mailer, integrator, maintenance })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections, lets requests in flight, the mail job in hand
    /// and a running log integration finish, then returns.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.server.await.context("server task")?.context("server")?;
        self.mailer.await.context("mail worker task")?;
        self.integrator.await.context("log integrator task")?;
        self.maintenance.await.context("maintenance task")?;
        Ok(())
    }

    /// Serves until SIGTERM or ctrl-c, then stops gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight and the mail in hand");
        self.stop().await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
