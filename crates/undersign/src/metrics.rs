//! Prometheus metrics, served on their own address (`metrics_listen`, off by
//! default) so they never reach the public. Labels are routes, statuses,
//! letter slugs and fixed words: never an address, a name, a token or free
//! text. Counters and histograms are updated where things happen; what lives
//! in the database (the outbox, the logs' lag) is read when scraped.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route's pattern (`/letters/{slug}`), never the path: paths carry tokens.
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RefusalLabels {
    /// `rate_limited` (429) or `unavailable` (503).
    pub reason: &'static str,
    pub route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct LetterLabels {
    pub letter: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct EngineLabels {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub requests: HistogramFamily<RequestLabels>,
    pub refusals: Family<RefusalLabels, Counter>,
    pub signatures_received: Counter,
    pub signatures_confirmed: Counter,
    pub signatures_withdrawn: Counter,
    pub signatures_struck: Counter,
    /// Writes waiting for the writer (SQLite) or the group commit (PostgreSQL).
    pub write_queue: Family<EngineLabels, Gauge>,
    /// Writes per commit.
    pub commit_batch: HistogramFamily<EngineLabels>,
    outbox_depth: Gauge,
    outbox_oldest: Gauge<f64, std::sync::atomic::AtomicU64>,
    log_lag: Family<LetterLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    checkpoint_age: Family<LetterLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    scrape_failures: Counter,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

fn batch_histogram() -> Histogram {
    // 1 to 1,024 writes per commit.
    Histogram::new(exponential_buckets(1.0, 2.0, 11))
}

impl Metrics {
    fn new() -> Self {
        let mut metrics = Self {
            registry: Registry::default(),
            requests: Family::new_with_constructor(latency_histogram),
            refusals: Family::default(),
            signatures_received: Counter::default(),
            signatures_confirmed: Counter::default(),
            signatures_withdrawn: Counter::default(),
            signatures_struck: Counter::default(),
            write_queue: Family::default(),
            commit_batch: Family::new_with_constructor(batch_histogram),
            outbox_depth: Gauge::default(),
            outbox_oldest: Gauge::default(),
            log_lag: Family::default(),
            checkpoint_age: Family::default(),
            scrape_failures: Counter::default(),
        };
        // A registered metric is a handle on the same values as the field.
        let (mut registry, m) = (Registry::with_prefix("undersign"), &metrics);
        let r = &mut registry;
        r.register(
            "http_request_duration_seconds",
            "HTTP requests by method, route pattern and status, and how long they took",
            m.requests.clone(),
        );
        r.register(
            "http_refusals",
            "Requests refused: rate_limited (429) or unavailable (503, the database busy or down)",
            m.refusals.clone(),
        );
        r.register(
            "signatures_received",
            "Signatures taken, waiting for confirmation",
            m.signatures_received.clone(),
        );
        r.register(
            "signatures_confirmed",
            "Signatures confirmed by their e-mail link",
            m.signatures_confirmed.clone(),
        );
        r.register(
            "signatures_withdrawn",
            "Signatures withdrawn by their signer",
            m.signatures_withdrawn.clone(),
        );
        r.register("signatures_struck", "Signatures struck by moderators", m.signatures_struck.clone());
        r.register("write_queue_depth", "Writes waiting to be committed", m.write_queue.clone());
        r.register(
            "commit_batch_size",
            "Writes committed together in one transaction",
            m.commit_batch.clone(),
        );
        r.register("outbox_depth", "Mails waiting in the outbox", m.outbox_depth.clone());
        r.register(
            "outbox_oldest_job_age_seconds",
            "How long the oldest mail due has waited (0 when none is due)",
            m.outbox_oldest.clone(),
        );
        r.register(
            "log_integration_lag_seconds",
            "Per letter: how long the oldest entry due (a confirmed signature) has waited for a checkpoint",
            m.log_lag.clone(),
        );
        r.register(
            "checkpoint_age_seconds",
            "Per letter: how long ago its latest checkpoint was made",
            m.checkpoint_age.clone(),
        );
        r.register(
            "metrics_scrape_failures",
            "Scrapes that could not read the database's figures",
            m.scrape_failures.clone(),
        );
        metrics.registry = registry;
        metrics
    }

    /// Notes a request's outcome (the middleware calls it).
    fn observe(&self, method: &str, route: &str, status: StatusCode, took: Duration) {
        let labels =
            RequestLabels { method: method.to_owned(), route: route.to_owned(), status: status.as_u16() };
        self.requests.get_or_create(&labels).observe(took.as_secs_f64());
        let reason = match status {
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => return,
        };
        self.refusals.get_or_create(&RefusalLabels { reason, route: route.to_owned() }).inc();
    }

    /// Notes a commit of `writes` writes, with `waiting` still queued behind it.
    pub fn committed(&self, engine: &'static str, writes: usize, waiting: usize) {
        let labels = EngineLabels { engine };
        self.commit_batch.get_or_create(&labels).observe(writes as f64);
        self.write_queue.get_or_create(&labels).set(waiting as i64);
    }

    /// Reads what lives in the database, then encodes everything.
    async fn render(&self, state: &AppState) -> String {
        let now = state.clock.now();
        let seconds = |d: time::Duration| d.as_seconds_f64().max(0.0);
        match state.store.outbox_stats().await {
            Ok(stats) => {
                self.outbox_depth.set(stats.waiting as i64);
                self.outbox_oldest.set(stats.oldest_due.map_or(0.0, |due| seconds(now - due)));
            }
            Err(error) => {
                tracing::debug!(%error, "metrics: the outbox could not be read");
                self.scrape_failures.inc();
            }
        }
        match state.store.log_health().await {
            Ok(letters) => {
                // Letters are never deleted: a family holds each letter once.
                for letter in letters {
                    let labels = LetterLabels { letter: letter.slug.to_string() };
                    self.log_lag
                        .get_or_create(&labels)
                        .set(letter.oldest_due.map_or(0.0, |due| seconds(now - due)));
                    if let Some(at) = letter.last_checkpoint_at {
                        self.checkpoint_age.get_or_create(&labels).set(seconds(now - at));
                    }
                }
            }
            Err(error) => {
                tracing::debug!(%error, "metrics: the logs' state could not be read");
                self.scrape_failures.inc();
            }
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "metrics could not be encoded");
        }
        text
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// Middleware: times every request and counts it by route and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map_or("<unmatched>", |p| p.as_str()).to_owned();
    let response = next.run(request).await;
    metrics().observe(&method, &route, response.status(), started.elapsed());
    response
}

async fn serve_metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = metrics().render(&state).await;
    ([(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
        .into_response()
}

/// Serves `/metrics` on `listener` until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let router = axum::Router::new().route("/metrics", axum::routing::get(serve_metrics)).with_state(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await
}

/// Binds the metrics address (a clear error if it is taken).
pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    use anyhow::Context;
    TcpListener::bind(address).await.with_context(|| format!("cannot serve metrics on {address}"))
}
