//! The HTTP surface: server-rendered pages and the JSON API v1.
//!
//! Every route is listed in `router.rs`. Pages live in `pages/`, the API in `api/`,
//! the letter log's endpoints in `letter_log.rs`, view models for the templates in `views.rs`, and the error answers of each
//! surface in `errors.rs`.

mod api;
mod assets;
mod client_ip;
mod embeds;
mod errors;
mod lang;
mod letter_log;
mod markdown;
mod pages;
mod router;
mod views;

pub use router::{API_ROUTES, router};

/// Whether the client already holds this version (`If-None-Match` equals the ETag).
fn client_has(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers.get(axum::http::header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag)
}
