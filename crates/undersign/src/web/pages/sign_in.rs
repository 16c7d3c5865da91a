//! Organisers' sign-in: ask for a link, open it (a page whose button POSTs, so a
//! mail scanner following links signs no one in), the second factor, sign-out.
//!
//! Asking for a link answers the same page whether or not the address has an
//! account; only the mail differs.

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::render;
use crate::crypto::PlainToken;
use crate::domain::{EmailAddress, Field, FieldError};
use crate::i18n::{Language, Translator};
use crate::organisers::{self, SecondFactor};
use crate::state::AppState;
use crate::web::errors::{PageError, PageErrorKind, render_error_page};
use crate::web::lang::Lang;
use crate::web::session::{
    Button, Checked, SIGN_IN_COOKIE, SignedIn, clear_cookie, cookie, session_cookie, session_token,
    set_cookie,
};
use crate::web::views::{PageMeta, field_error_message};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInView {
    page: PageMeta,
    email: String,
    error: Option<String>,
    /// The link is on its way (or would be, for an account).
    sent: bool,
    /// On a demo instance: the demo organiser's address, to try organising.
    demo_organiser: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "sign_in_link.html")]
struct SignInLinkView {
    page: PageMeta,
    action: String,
    nonce: String,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorView {
    page: PageMeta,
    csrf: String,
    error: bool,
}

fn sign_in_view(lang: Language, email: String, error: Option<String>, sent: bool) -> SignInView {
    let tr = Translator::new(lang);
    SignInView {
        page: PageMeta::new(tr, "/sign-in", tr.t("sign-in-title")),
        email,
        error,
        sent,
        demo_organiser: None,
    }
}

pub async fn show_sign_in(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
) -> Result<Response, PageError> {
    let mut view = sign_in_view(lang, String::new(), None, false);
    // The demo's organiser account exists only where the demo was loaded.
    let demo = EmailAddress::parse(crate::demo::ORGANISER_EMAIL).map_err(|_| PageError::not_found(lang))?;
    let demo = state.store.account_by_lookup(&state.keys.account_lookup(&demo)).await;
    if demo.map_err(|e| PageError::store(lang, e))?.is_some() {
        view.demo_organiser = Some(crate::demo::ORGANISER_EMAIL);
    }
    render(lang, &view)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
}

pub async fn request_sign_in(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    crate::web::client_ip::ClientIp(client): crate::web::client_ip::ClientIp,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|r| PageError::unreadable_form(lang, &r))?;
    state
        .sign_limiter
        .check_sign_in(client, state.clock.now())
        .map_err(|wait| PageError { lang, kind: PageErrorKind::TooManyRequests(wait) })?;
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(kind) => {
            let message =
                field_error_message(&Translator::new(lang), &FieldError { field: Field::Email, kind });
            let page = render(lang, &sign_in_view(lang, form.email, Some(message), false))?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    organisers::request_sign_in(&state, &email).await.map_err(|e| PageError::store(lang, e))?;
    render(lang, &sign_in_view(lang, String::new(), None, true))
}

/// The link from the mail: a button, and a cookie that ties the button to this
/// browser. Nothing is looked up yet.
pub async fn show_sign_in_link(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if PlainToken::parse(&token).is_none() {
        return Ok(link_not_valid(lang));
    }
    let tr = Translator::new(lang);
    let nonce = PlainToken::generate();
    let view = SignInLinkView {
        page: PageMeta::new(tr, &format!("/sign-in/{token}"), tr.t("sign-in-link-title")),
        action: format!("/sign-in/{token}"),
        nonce: nonce.expose().to_owned(),
    };
    let page = render(lang, &view)?;
    Ok(([set_cookie(&state.config, SIGN_IN_COOKIE, nonce.expose(), "Strict", "/sign-in")], page)
        .into_response())
}

fn link_not_valid(lang: Language) -> Response {
    render_error_page(lang, StatusCode::GONE, "sign-in-link")
}

#[derive(Debug, Deserialize)]
pub struct SignInLinkForm {
    #[serde(default)]
    nonce: String,
}

/// The button: spends the link and opens a new session (any session cookie the
/// browser had is replaced and that session ended).
pub async fn use_sign_in_link(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<SignInLinkForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|r| PageError::unreadable_form(lang, &r))?;
    let Some(link) = PlainToken::parse(&token) else { return Ok(link_not_valid(lang)) };
    let bound = cookie(&headers, SIGN_IN_COOKIE).is_some_and(|nonce| {
        use subtle::ConstantTimeEq;
        !form.nonce.is_empty() && bool::from(nonce.as_bytes().ct_eq(form.nonce.as_bytes()))
    });
    if !bound {
        return Err(PageError { lang, kind: PageErrorKind::CsrfRejected });
    }
    let Some(new) =
        organisers::sign_in_with_link(&state, &link).await.map_err(|e| PageError::store(lang, e))?
    else {
        return Ok(link_not_valid(lang));
    };
    if let Some(old) = session_token(&headers) {
        organisers::sign_out(&state, &old).await.map_err(|e| PageError::store(lang, e))?;
    }
    let next = if new.account.has_second_factor() {
        "/organise/second-factor"
    } else if new.account.is_admin {
        "/organise/two-factor"
    } else {
        "/organise"
    };
    let cookies =
        [session_cookie(&state.config, &new.token), clear_cookie(&state.config, SIGN_IN_COOKIE, "/sign-in")];
    // Appended, not inserted: both are `Set-Cookie`.
    Ok((AppendHeaders(cookies), Redirect::to(next)).into_response())
}

pub async fn show_second_factor(signed_in: SignedIn) -> Result<Response, PageError> {
    if signed_in.session.second_factor_done {
        return Ok(Redirect::to("/organise").into_response());
    }
    second_factor_page(&signed_in, false, StatusCode::OK)
}

fn second_factor_page(signed_in: &SignedIn, error: bool, status: StatusCode) -> Result<Response, PageError> {
    let tr = Translator::new(signed_in.lang);
    let view = SecondFactorView {
        page: PageMeta::new(tr, "/organise/second-factor", tr.t("second-factor-title")),
        csrf: signed_in.csrf.clone(),
        error,
    };
    Ok((status, render(signed_in.lang, &view)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn pass_second_factor(
    State(state): State<Arc<AppState>>,
    Checked { session: signed_in, form }: Checked<SignedIn, CodeForm>,
) -> Result<Response, PageError> {
    let lang = signed_in.lang;
    if signed_in.session.second_factor_done {
        return Ok(Redirect::to("/organise").into_response());
    }
    let outcome =
        organisers::pass_second_factor(&state, &signed_in.token, &signed_in.session.account, &form.code)
            .await
            .map_err(|e| PageError::internal(lang, e))?;
    match outcome {
        SecondFactor::Passed => Ok(Redirect::to("/organise").into_response()),
        SecondFactor::Refused => second_factor_page(&signed_in, true, StatusCode::BAD_REQUEST),
    }
}

pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    Checked { session: signed_in, .. }: Checked<SignedIn, Button>,
) -> Result<Response, PageError> {
    organisers::sign_out(&state, &signed_in.token).await.map_err(|e| PageError::store(signed_in.lang, e))?;
    let cookie = clear_cookie(&state.config, crate::web::session::SESSION_COOKIE, "/");
    Ok(([cookie], Redirect::to("/")).into_response())
}
