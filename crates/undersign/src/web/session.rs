//! Organisers' sessions in the browser: the cookies, the extractors that demand a
//! session, and the CSRF check every state-changing organiser form passes.
//!
//! The session cookie holds a random token (storage keeps its hash). It is
//! `HttpOnly`, `SameSite=Lax`, `Secure` when the public address is HTTPS, has no
//! expiry (it ends with the browser) and the server ends it after
//! [`crate::organisers::SESSION_IDLE`] without use. A form's CSRF token is derived
//! from the session token, so it changes with every sign-in.

use std::sync::Arc;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};

use crate::config::Config;
use crate::crypto::PlainToken;
use crate::i18n::Language;
use crate::organisers;
use crate::state::AppState;
use crate::storage::organisers::{Account, Session};
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::lang::language_of;

pub const SESSION_COOKIE: &str = "undersign_session";
/// Binds a sign-in link's button to the browser that opened the link (no other
/// site can make someone's browser sign in to an account of theirs).
pub const SIGN_IN_COOKIE: &str = "undersign_sign_in";

/// The value of a cookie in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}

fn secure(config: &Config) -> &'static str {
    if config.public_url.scheme() == "https" { "; Secure" } else { "" }
}

/// `Set-Cookie` for a cookie the page's scripts never see.
pub fn set_cookie(
    config: &Config,
    name: &str,
    value: &str,
    same_site: &str,
    path: &str,
) -> (axum::http::HeaderName, HeaderValue) {
    let cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}{}", secure(config));
    (SET_COOKIE, HeaderValue::from_str(&cookie).expect("tokens are base64url"))
}

/// `Set-Cookie` that removes a cookie.
pub fn clear_cookie(config: &Config, name: &str, path: &str) -> (axum::http::HeaderName, HeaderValue) {
    let cookie = format!("{name}=; Path={path}; HttpOnly; Max-Age=0; SameSite=Lax{}", secure(config));
    (SET_COOKIE, HeaderValue::from_str(&cookie).expect("a fixed cookie"))
}

pub fn session_cookie(config: &Config, token: &PlainToken) -> (axum::http::HeaderName, HeaderValue) {
    set_cookie(config, SESSION_COOKIE, token.expose(), "Lax", "/")
}

/// The session token a request carries, if well formed.
pub fn session_token(headers: &HeaderMap) -> Option<PlainToken> {
    cookie(headers, SESSION_COOKIE).and_then(PlainToken::parse)
}

/// A browser with an open session; its second factor may still be owed.
pub struct SignedIn {
    pub token: PlainToken,
    pub session: Session,
    pub lang: Language,
    pub csrf: String,
}

fn check_csrf(
    state: &AppState,
    token: &PlainToken,
    submitted: &str,
    lang: Language,
) -> Result<(), PageError> {
    if state.keys.csrf_matches(token, submitted) {
        Ok(())
    } else {
        tracing::warn!("an organiser form came without this session's CSRF token");
        Err(PageError { lang, kind: PageErrorKind::CsrfRejected })
    }
}

fn to_sign_in() -> Response {
    Redirect::to("/sign-in").into_response()
}

impl FromRequestParts<Arc<AppState>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let lang = language_of(parts);
        let Some(token) = session_token(&parts.headers) else { return Err(to_sign_in()) };
        match organisers::current_session(state, &token).await {
            Ok(Some(session)) => {
                let csrf = state.keys.csrf_token(&token);
                Ok(SignedIn { token, session, lang, csrf })
            }
            Ok(None) => Err(to_sign_in()),
            Err(error) => Err(PageError::store(lang, error).into_response()),
        }
    }
}

/// A fully signed-in organiser: the second factor passed where there is one,
/// and admins have one.
pub struct Organiser {
    pub token: PlainToken,
    pub account: Account,
    pub lang: Language,
    /// For the forms of the page being rendered.
    pub csrf: String,
}

impl FromRequestParts<Arc<AppState>> for Organiser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if !signed_in.session.second_factor_done {
            return Err(Redirect::to("/organise/second-factor").into_response());
        }
        let account = signed_in.session.account;
        if account.is_admin && !account.has_second_factor() {
            return Err(Redirect::to("/organise/two-factor").into_response());
        }
        Ok(Organiser { token: signed_in.token, account, lang: signed_in.lang, csrf: signed_in.csrf })
    }
}

/// The sessions whose forms carry a CSRF token.
pub trait CsrfSession {
    fn token(&self) -> &PlainToken;
    fn lang(&self) -> Language;
}

impl CsrfSession for SignedIn {
    fn token(&self) -> &PlainToken {
        &self.token
    }
    fn lang(&self) -> Language {
        self.lang
    }
}

impl CsrfSession for Organiser {
    fn token(&self) -> &PlainToken {
        &self.token
    }
    fn lang(&self) -> Language {
        self.lang
    }
}

/// A form's own fields beside its `csrf` field.
#[derive(serde::Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: T,
}

/// A state-changing organiser form: the session (`SignedIn` or `Organiser`) and
/// the form's fields, its CSRF token already checked against that session. Every
/// organiser POST takes one, so no handler can forget the check. The session is
/// looked at first (no session: to the sign-in page), then the form is read
/// (unreadable: 400 or 413), then the token checked (wrong: 403, nothing done).
pub struct Checked<S, T> {
    pub session: S,
    pub form: T,
}

/// A form with no fields but its CSRF token (a button).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Button {}

impl<S, T> FromRequest<Arc<AppState>> for Checked<S, T>
where
    S: FromRequestParts<Arc<AppState>, Rejection = Response> + CsrfSession + Send,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = S::from_request_parts(&mut parts, state).await?;
        let lang = session.lang();
        let Form(WithCsrf { csrf, fields }) =
            Form::<WithCsrf<T>>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(|rejection| PageError::unreadable_form(lang, &rejection).into_response())?;
        check_csrf(state, session.token(), &csrf, lang).map_err(IntoResponse::into_response)?;
        Ok(Self { session, form: fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str) -> Config {
        let mut config =
            Config::for_data_dir(std::path::Path::new("/tmp/unused"), "127.0.0.1:0".parse().unwrap());
        config.public_url = public_url.parse().unwrap();
        config
    }

    #[test]
    fn the_session_cookie_is_secure_exactly_when_the_site_is_https() {
        let token = PlainToken::generate();
        let (_, https) = session_cookie(&config("https://letters.example.org"), &token);
        let https = https.to_str().unwrap();
        assert!(
            https.contains("; Secure") && https.contains("HttpOnly") && https.contains("SameSite=Lax"),
            "{https}"
        );
        let (_, http) = session_cookie(&config("http://127.0.0.1:8080"), &token);
        assert!(!http.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("lang=ru; undersign_sign_in=abc; undersign_session=xyz"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, SIGN_IN_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "undersign"), None);
    }
}
