//! Which interface language a request gets: `?lang=` (the visible switch), then the
//! `lang` cookie the switch sets, then `Accept-Language`, then English.

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

use crate::i18n::Language;

const COOKIE_NAME: &str = "lang";

/// The language of this request's answer.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Language);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(language_of(parts)))
    }
}

pub fn language_of(parts: &Parts) -> Language {
    from_query(&parts.uri)
        .or_else(|| {
            parts
                .headers
                .get_all(COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .find_map(|c| c.trim().strip_prefix("lang=").and_then(Language::from_code))
        })
        .or_else(|| {
            parts.headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Language::negotiate)
        })
        .unwrap_or_default()
}

fn from_query(uri: &Uri) -> Option<Language> {
    uri.query()?.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Language::from_code)
}

/// Remembers a language chosen with the switch for the following pages.
pub async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = from_query(request.uri());
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        // A session cookie: a shared or seized computer should not keep, for a year,
        // a hint of which language someone read letters in.
        let cookie = format!("{COOKIE_NAME}={}; Path=/; SameSite=Lax", lang.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}
