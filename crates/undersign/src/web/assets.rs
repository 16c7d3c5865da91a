//! Our own CSS, compiled into the binary: no CDN, no web font.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

const STYLE_CSS: &str = include_str!("../../static/style.css");

pub async fn get_style() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], STYLE_CSS)
}
