//! Entry points for the fuzz targets in `fuzz/`: the parsers behind the HTTP
//! surface, reachable without a server. Each reads what a client could send,
//! exactly as its handler does, and must never panic whatever the bytes. Not
//! part of the service's API.

use axum::http::{HeaderMap, HeaderValue, header::COOKIE};

use crate::crypto::{InstanceKeys, PlainToken};
use crate::domain::{NewSignature, SignatureSubmission};
use crate::i18n::Language;

/// A form body of `POST /letters/{slug}/sign`: decoded as axum's `Form` does,
/// then validated. Whether it was a valid signature.
pub fn signature_form(body: &[u8]) -> bool {
    let Ok(submission) = serde_urlencoded::from_bytes::<SignatureSubmission>(body) else { return false };
    NewSignature::try_from(&submission).is_ok()
}

/// A JSON body of `POST /api/v1/letters/{slug}/signatures`: read as the API
/// does (an object, then its fields), then validated.
pub fn signature_json(body: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return false };
    let Ok(request) = crate::web::api::sign_request(value, Language::En) else { return false };
    NewSignature::try_from(&SignatureSubmission::from(request)).is_ok()
}

/// A letter's Markdown, rendered for its page and as plain text.
pub fn markdown(text: &str) -> (String, String) {
    (crate::web::markdown::to_safe_html(text), crate::web::markdown::to_plain_text(text))
}

/// A `Cookie` header: the session token in it, and a submitted CSRF token
/// checked against that session. Whether the pair would be accepted.
pub fn session_and_csrf(keys: &InstanceKeys, cookie_header: &[u8], submitted: &str) -> bool {
    let Ok(value) = HeaderValue::from_bytes(cookie_header) else { return false };
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, value);
    let token: Option<PlainToken> = crate::web::session::session_token(&headers);
    token.is_some_and(|token| keys.csrf_matches(&token, submitted))
}
