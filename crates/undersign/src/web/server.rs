//! Accepting connections. axum's `serve` cannot time out a client that sends
//! its request slowly or not at all, nor limit how many sockets one client
//! holds, so the accept loop is ours (hyper's own connection builder does the
//! HTTP):
//!
//! - a request's head (start line and headers) must arrive within
//!   [`HEADER_READ_TIMEOUT`]; an idle kept-alive connection is closed after as
//!   long;
//! - the whole request, body included, is timed out by the router's layer
//!   (`REQUEST_TIMEOUT`, 408);
//! - one client address may hold `limits.connections_per_client` connections
//!   at once; further ones are closed at once. Loopback is exempt, and so is
//!   every peer when a reverse proxy reports clients' addresses (all
//!   connections then come from the proxy, which limits them itself).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::faults::RepeatedErrors;

/// A request's head must arrive within this; an idle connection is closed
/// after as long (slow-header clients cannot hold sockets open).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests in flight may take to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Who may hold how many connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionPolicy {
    /// `None`: no cap (behind a reverse proxy).
    pub per_client: Option<u32>,
}

/// Serves `router` on `listener` until `shutdown` turns true, then lets the
/// requests in flight finish (up to [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    policy: ConnectionPolicy,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let clients = Arc::new(ClientConnections::default());
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(HEADER_READ_TIMEOUT));
    static ACCEPT_ERRORS: RepeatedErrors = RepeatedErrors::new();
    static REFUSED: RepeatedErrors = RepeatedErrors::new();
    let mut stopping = std::pin::pin!(async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    });
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most often: wait for some to close.
                    if let Some(repeats) = ACCEPT_ERRORS.should_log(&error.to_string()) {
                        tracing::error!(%error, repeats, "cannot accept connections");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stopping => break,
        };
        let Some(slot) = clients.admit(peer.ip(), policy) else {
            // The address is not logged: it is personal data.
            if let Some(repeats) = REFUSED.should_log("over the cap") {
                tracing::warn!(repeats, "a client held too many connections: one more was closed");
            }
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // hyper's header timeout starts once it knows the protocol, which
            // it learns from the first bytes: a client that sends nothing
            // would wait forever before it.
            let mut first = [0u8; 1];
            if !matches!(
                tokio::time::timeout(HEADER_READ_TIMEOUT, stream.peek(&mut first)).await,
                Ok(Ok(1..))
            ) {
                return;
            }
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            // Errors here are clients going away or timing out: not ours.
            let _ = watcher.watch(connection).await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after the grace period were cut off");
    }
    Ok(())
}

/// Open connections per client address.
#[derive(Debug, Default)]
struct ClientConnections {
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One admitted connection; gives its place back when dropped.
struct Slot {
    clients: Option<(Arc<ClientConnections>, IpAddr)>,
}

impl ClientConnections {
    fn admit(self: &Arc<Self>, ip: IpAddr, policy: ConnectionPolicy) -> Option<Slot> {
        let Some(cap) = policy.per_client.filter(|_| !ip.is_loopback()) else {
            return Some(Slot { clients: None });
        };
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot { clients: Some((self.clone(), ip)) })
    }

    fn release(&self, ip: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((clients, ip)) = self.clients.take() {
            clients.release(ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_at_most_its_cap_and_gets_places_back() {
        let clients = Arc::new(ClientConnections::default());
        let policy = ConnectionPolicy { per_client: Some(2) };
        let ip: IpAddr = "203.0.113.7".parse().expect("an address");
        let other: IpAddr = "198.51.100.1".parse().expect("an address");
        let first = clients.admit(ip, policy).expect("first");
        let _second = clients.admit(ip, policy).expect("second");
        assert!(clients.admit(ip, policy).is_none(), "a third is refused");
        assert!(clients.admit(other, policy).is_some(), "another client is not affected");
        drop(first);
        assert!(clients.admit(ip, policy).is_some(), "a closed connection frees its place");
    }

    #[test]
    fn loopback_and_an_uncapped_policy_are_not_limited() {
        let clients = Arc::new(ClientConnections::default());
        let capped = ConnectionPolicy { per_client: Some(1) };
        let local: IpAddr = "127.0.0.1".parse().expect("an address");
        let held: Vec<Slot> = (0..5).filter_map(|_| clients.admit(local, capped)).collect();
        assert_eq!(held.len(), 5);
        let ip: IpAddr = "203.0.113.7".parse().expect("an address");
        let open = ConnectionPolicy { per_client: None };
        let held: Vec<Slot> = (0..5).filter_map(|_| clients.admit(ip, open)).collect();
        assert_eq!(held.len(), 5);
        assert!(clients.open.lock().expect("lock").is_empty(), "nothing counted");
    }
}
