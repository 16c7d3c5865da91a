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
#[doc(hidden)]
pub mod fuzzing;
mod lang;
mod letter_log;
mod markdown;
mod pages;
mod router;
pub mod server;
mod session;
mod views;

pub use router::{API_ROUTES, router};

/// Whether the client already holds this version (`If-None-Match` equals the ETag).
fn client_has(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers.get(axum::http::header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag)
}

/// What a kept response is and how it may be served.
#[derive(Debug, Clone, Copy)]
struct Cached {
    freshness: crate::cache::Freshness,
    content_type: &'static str,
    cache_control: &'static str,
}

impl Cached {
    /// Pages: revalidated on every load, settled after confirmations.
    const PAGE: Self = Self {
        freshness: crate::cache::Freshness::Settled,
        content_type: "text/html; charset=utf-8",
        cache_control: "no-cache",
    };
    /// The badge: embedded elsewhere, may be kept by caches for half a minute.
    const BADGE: Self = Self {
        freshness: crate::cache::Freshness::Settled,
        content_type: "image/svg+xml",
        cache_control: "public, max-age=30",
    };
    /// A letter's JSON: exact, because tools poll `being_added`.
    const LETTER_JSON: Self = Self {
        freshness: crate::cache::Freshness::Exact,
        content_type: "application/json",
        cache_control: "no-cache",
    };
}

/// A response from the cache, or rendered by `render` and kept; with its ETag,
/// and a 304 when the client has it already. The version is taken before
/// `render` reads anything, so a body that raced a write is not kept; while
/// one reader renders, the others are served what was kept (`cache.rs`).
async fn cached_response<F, E>(
    state: &crate::state::AppState,
    headers: &axum::http::HeaderMap,
    key: crate::cache::PageKey,
    lang: crate::i18n::Language,
    kind: Cached,
    render: F,
) -> Result<axum::response::Response, E>
where
    F: AsyncFnOnce() -> Result<String, E>,
    E: errors::MaybeOutage,
{
    use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
    use axum::response::IntoResponse;

    use crate::cache::PageLookup;
    let page = match state.cache.page(key.clone(), lang, kind.freshness) {
        PageLookup::Serve(page) => page,
        PageLookup::Render(ticket) => match render().await {
            Ok(body) => ticket.keep(axum::body::Bytes::from(body)),
            Err(error) if error.is_outage() => state.cache.last_page(&key, lang).ok_or(error)?,
            Err(error) => return Err(error),
        },
    };
    let validators = [(ETAG, page.etag.clone()), (CACHE_CONTROL, kind.cache_control.to_owned())];
    if client_has(headers, &page.etag) {
        return Ok((axum::http::StatusCode::NOT_MODIFIED, validators).into_response());
    }
    Ok((validators, [(CONTENT_TYPE, kind.content_type)], page.body.clone()).into_response())
}
