//! The client's address, used only in memory for rate limits: never stored, never
//! logged. Behind a reverse proxy it comes from the header the operator names.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

pub struct ClientIp(pub IpAddr);

impl FromRequestParts<Arc<AppState>> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let from_header = state.config.client_ip_header.as_ref().and_then(|name| {
            let value = parts.headers.get(name.as_str())?.to_str().ok()?;
            // In a list (X-Forwarded-For), the last entry is the one our proxy added.
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        });
        let peer = || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        // Unknown clients share one bucket rather than escaping the limit.
        Ok(ClientIp(from_header.or_else(peer).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}
