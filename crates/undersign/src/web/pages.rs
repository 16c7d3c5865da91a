//! Server-rendered pages. They work without JavaScript.

pub mod campaign_editor;
mod campaigns;
mod confirmations;
mod letters;
pub mod moderation;
pub mod organise;
mod sign_in;
pub mod verify;
pub mod versions;

pub use campaigns::{show_campaign, show_home};
pub use confirmations::{confirm_signature, show_confirmation, show_withdrawal, withdraw_signature};
pub use letters::{
    MATCHES_COUNTED, list_signatures, pow_message_id, show_check_email, show_letter, sign_letter, signer_page,
};
pub use sign_in::{
    pass_second_factor, request_sign_in, show_second_factor, show_sign_in, show_sign_in_link, sign_out,
    use_sign_in_link,
};

use askama::Template;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

use std::sync::Arc;

use crate::cache::PageKey;
use crate::domain::{Letter, Slug};
use crate::i18n::Language;
use crate::state::AppState;
use crate::web::errors::PageError;

/// A page from memory (see `web::cached_response`).
async fn cached_page<F>(
    state: &AppState,
    headers: &HeaderMap,
    key: PageKey,
    lang: Language,
    render: F,
) -> Result<Response, PageError>
where
    F: AsyncFnOnce() -> Result<String, PageError>,
{
    crate::web::cached_response(state, headers, key, lang, crate::web::Cached::PAGE, render).await
}

/// Renders a template into a 200 page.
fn render(lang: Language, view: &impl Template) -> Result<Response, PageError> {
    view.render().map(|html| Html(html).into_response()).map_err(|e| PageError::internal(lang, e))
}

/// A slug from the path; a malformed one is simply a page that does not exist.
fn parse_slug(lang: Language, raw: &str) -> Result<Slug, PageError> {
    Slug::parse(raw).map_err(|_| PageError::not_found(lang))
}

/// The letter a page is about, from the slug in its path (404 if none).
pub(crate) async fn find_letter(
    state: &AppState,
    lang: Language,
    raw_slug: &str,
) -> Result<Arc<Letter>, PageError> {
    let slug = parse_slug(lang, raw_slug)?;
    state
        .letter(&slug)
        .await
        .map_err(|e| PageError::store(lang, e))?
        .ok_or_else(|| PageError::not_found(lang))
}
