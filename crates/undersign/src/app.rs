//! Wiring: starts the HTTP server, the mail worker, the log integrator and
//! maintenance on an opened [`AppState`], and shuts them down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::mail::{MailTransport, MailWorker};
use crate::state::AppState;
use crate::web;
use crate::web::server::ConnectionPolicy;

/// A running server: its address, and a handle to stop it.
pub struct Application {
    pub state: Arc<AppState>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    mailer: JoinHandle<()>,
    integrator: JoinHandle<()>,
    maintenance: JoinHandle<()>,
    metrics: Option<JoinHandle<std::io::Result<()>>>,
    metrics_addr: Option<SocketAddr>,
}

impl Application {
    /// Binds the listen address and starts serving and mailing in the background.
    pub async fn start(state: Arc<AppState>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(state.config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", state.config.listen))?;
        let local_addr = listener.local_addr()?;
        // Bound before anything starts, so a taken address stops us cleanly.
        let metrics_listener = match state.config.metrics_listen {
            Some(address) => {
                let listener = crate::metrics::bind(address).await?;
                tracing::info!(address = %listener.local_addr()?, "metrics are served at /metrics");
                Some(listener)
            }
            None => None,
        };
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
        let metrics_addr = metrics_listener.as_ref().map(TcpListener::local_addr).transpose()?;
        let metrics = metrics_listener.map(|listener| {
            tokio::spawn(crate::metrics::serve(listener, state.clone(), shutdown_rx.clone()))
        });

        let router = web::router(state.clone());
        let policy = ConnectionPolicy {
            // Behind a proxy every connection comes from it: it limits clients.
            per_client: state
                .config
                .client_ip_header
                .is_none()
                .then_some(state.config.connections_per_client),
        };
        let server = tokio::spawn(web::server::serve(listener, router, policy, shutdown_rx));
        // Command-line tools on this data folder print links to where we serve.
        if let Err(error) = crate::private_files::write_private_file(
            &state.config.served_url_file(),
            state.config.public_url.as_str().as_bytes(),
        ) {
            tracing::warn!(%error, "could not note the public address in the data folder");
        }
        tracing::info!(address = %local_addr, public_url = %state.config.public_url, "undersign is serving");
        Ok(Self {
            state,
            local_addr,
            shutdown,
            server,
            mailer,
            integrator,
            maintenance,
            metrics,
            metrics_addr,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where metrics are served, when they are.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops accepting connections, lets requests in flight, the mail job in hand
    /// and a running log integration finish, then returns.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.server.await.context("server task")?.context("server")?;
        self.mailer.await.context("mail worker task")?;
        self.integrator.await.context("log integrator task")?;
        self.maintenance.await.context("maintenance task")?;
        if let Some(metrics) = self.metrics {
            metrics.await.context("metrics task")?.context("metrics server")?;
        }
        // Another node takes the letters' logs over at once, not when the
        // leases run out.
        if let Err(error) = self.state.store.release_log_leases(&self.state.node_id).await {
            tracing::warn!(%error, "could not release the integrator leases; they run out by themselves");
        }
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
