//! How each surface answers when something goes wrong: one type for pages, one for
//! the API. A 500 says nothing internal; the cause is logged here, once.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::domain::FieldErrors;
use crate::faults::RepeatedErrors;
use crate::i18n::{Language, Translator};
use crate::storage::{Outage, StoreError};
use crate::web::views::{ErrorView, PageMeta, field_error_message};

/// A page that could not be shown as asked.
#[derive(Debug)]
pub struct PageError {
    pub lang: Language,
    pub kind: PageErrorKind,
}

#[derive(Debug)]
pub enum PageErrorKind {
    NotFound,
    /// The request could not be read at all (not a field mistake: those are shown
    /// in the form itself).
    BadRequest,
    PayloadTooLarge,
    /// The letter no longer takes signatures.
    LetterClosed,
    /// Too many signatures from this network; try again after the wait.
    TooManyRequests(std::time::Duration),
    /// The database is saturated, out of reach or cannot write; nothing was
    /// stored; try again after `Retry-After`.
    Unavailable(Outage),
    /// Signed in, but this account may not do this.
    Forbidden,
    /// An organiser form without this session's CSRF token: nothing was done.
    CsrfRejected,
    Internal(anyhow::Error),
}

impl PageError {
    pub fn not_found(lang: Language) -> Self {
        Self { lang, kind: PageErrorKind::NotFound }
    }

    /// A form that could not be read: too large (413) or malformed (400).
    pub fn unreadable_form(lang: Language, rejection: &axum::extract::rejection::FormRejection) -> Self {
        let kind = match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => PageErrorKind::PayloadTooLarge,
            _ => PageErrorKind::BadRequest,
        };
        Self { lang, kind }
    }

    pub fn forbidden(lang: Language) -> Self {
        Self { lang, kind: PageErrorKind::Forbidden }
    }

    /// A failure on our side: 503 when the database is saturated, out of
    /// reach or cannot write (asking again will work), else 500.
    pub fn internal(lang: Language, error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        if let Some(outage) = StoreError::outage_in(&error) {
            log_outage(&error);
            return Self { lang, kind: PageErrorKind::Unavailable(outage) };
        }
        Self { lang, kind: PageErrorKind::Internal(error) }
    }

    /// A storage failure: 503 when the writer is saturated or the database out
    /// of reach, else 500.
    pub fn store(lang: Language, error: StoreError) -> Self {
        Self::internal(lang, error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key) = match &self.kind {
            PageErrorKind::NotFound => (StatusCode::NOT_FOUND, "not-found"),
            PageErrorKind::BadRequest => (StatusCode::BAD_REQUEST, "bad-request"),
            PageErrorKind::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            PageErrorKind::LetterClosed => (StatusCode::CONFLICT, "letter-closed"),
            PageErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            PageErrorKind::CsrfRejected => (StatusCode::FORBIDDEN, "csrf"),
            PageErrorKind::TooManyRequests(wait) => return rate_limited_page(self.lang, *wait),
            PageErrorKind::Unavailable(outage) => {
                let (key, wait) = outage_answer(*outage);
                let page = render_error_page(self.lang, StatusCode::SERVICE_UNAVAILABLE, key);
                return (retry_after(wait), page).into_response();
            }
            PageErrorKind::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error while rendering a page");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        render_error_page(self.lang, status, key)
    }
}

/// Whether an error is a passing outage of the database (a 503): a page kept
/// from before may be served instead.
pub trait MaybeOutage {
    fn is_outage(&self) -> bool;
}

impl MaybeOutage for PageError {
    fn is_outage(&self) -> bool {
        matches!(self.kind, PageErrorKind::Unavailable(_))
    }
}

impl MaybeOutage for ApiError {
    fn is_outage(&self) -> bool {
        self.status == StatusCode::SERVICE_UNAVAILABLE
    }
}

/// What a busy server asks clients to wait.
pub const BUSY_RETRY: std::time::Duration = std::time::Duration::from_secs(2);
/// What a server whose database is down or cannot write asks clients to wait:
/// an operator has to act, which takes minutes, not seconds.
pub const DOWN_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// The message key (the same for pages and the API) and the wait for each
/// kind of outage.
fn outage_answer(outage: Outage) -> (&'static str, std::time::Duration) {
    match outage {
        Outage::Busy => ("busy", BUSY_RETRY),
        Outage::Down => ("unavailable", DOWN_RETRY),
    }
}

/// Each 503 is logged, but a fault that lasts (a full disk) once a minute
/// with a count, not once per request.
fn log_outage(error: &anyhow::Error) {
    static OUTAGES: RepeatedErrors = RepeatedErrors::new();
    let message = format!("{error:#}");
    if let Some(repeats) = OUTAGES.should_log(&message) {
        tracing::warn!(error = message, repeats, "database busy, unavailable or unwritable: answered 503");
    }
}

/// Whole minutes to wait, rounded up, at least one.
pub fn minutes_to_wait(wait: std::time::Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

pub fn retry_after(wait: std::time::Duration) -> [(axum::http::HeaderName, String); 1] {
    [(axum::http::header::RETRY_AFTER, wait.as_secs().max(1).to_string())]
}

/// 429 with `Retry-After` and, in words, how long to wait.
fn rate_limited_page(lang: Language, wait: std::time::Duration) -> Response {
    let tr = Translator::new(lang);
    let message = tr.count("error-page-too-many-body", minutes_to_wait(wait));
    let page = render_error_page_with(lang, StatusCode::TOO_MANY_REQUESTS, "too-many", Some(message));
    (retry_after(wait), page).into_response()
}

/// The friendly error page, for handlers and for the fallbacks.
pub fn render_error_page(lang: Language, status: StatusCode, key: &str) -> Response {
    render_error_page_with(lang, status, key, None)
}

fn render_error_page_with(
    lang: Language,
    status: StatusCode,
    key: &str,
    message: Option<String>,
) -> Response {
    let tr = Translator::new(lang);
    let heading = tr.t(&format!("error-page-{key}-title"));
    let view = ErrorView {
        page: PageMeta::new(tr, "/", heading.clone()),
        status: status.as_u16(),
        heading,
        message: message.unwrap_or_else(|| tr.t(&format!("error-page-{key}-body"))),
    };
    match view.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "the error page itself failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }
    }
}

/// The one error shape of the API: `{"errors": [{"field"?, "code", "detail"}]}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<ApiErrorItem>,
    /// Sent as `Retry-After` (429).
    pub retry_after: Option<std::time::Duration>,
}

#[derive(Debug, Serialize)]
pub struct ApiErrorItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    pub code: &'static str,
    pub detail: String,
}

#[derive(Serialize)]
struct ApiErrorBody<'a> {
    errors: &'a [ApiErrorItem],
}

impl ApiError {
    /// An error that is about the request as a whole, with a translated detail.
    pub fn general(status: StatusCode, code: &'static str, lang: Language) -> Self {
        Self {
            status,
            errors: vec![ApiErrorItem {
                field: None,
                code,
                detail: Translator::new(lang).t(&format!("api-error-{code}")),
            }],
            retry_after: None,
        }
    }

    /// 503 with `Retry-After`: nothing was stored, asking again later works.
    pub fn unavailable(lang: Language, outage: Outage) -> Self {
        let (code, wait) = outage_answer(outage);
        let mut error = Self::general(StatusCode::SERVICE_UNAVAILABLE, code, lang);
        error.retry_after = Some(wait);
        error
    }

    pub fn rate_limited(lang: Language, wait: std::time::Duration) -> Self {
        let tr = Translator::new(lang);
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            errors: vec![ApiErrorItem {
                field: None,
                code: "rate_limited",
                detail: tr.count("error-page-too-many-body", minutes_to_wait(wait)),
            }],
            retry_after: Some(wait),
        }
    }

    pub fn validation(errors: &FieldErrors, lang: Language) -> Self {
        let tr = Translator::new(lang);
        Self {
            status: StatusCode::BAD_REQUEST,
            errors: errors
                .iter()
                .map(|e| ApiErrorItem {
                    field: Some(e.field.as_str()),
                    code: "invalid_field",
                    detail: field_error_message(&tr, e),
                })
                .collect(),
            retry_after: None,
        }
    }

    pub fn internal(lang: Language, error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        if let Some(outage) = StoreError::outage_in(&error) {
            log_outage(&error);
            return Self::unavailable(lang, outage);
        }
        tracing::error!(error = format!("{error:#}"), "internal error in the API");
        Self::general(StatusCode::INTERNAL_SERVER_ERROR, "internal", lang)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = (self.status, Json(ApiErrorBody { errors: &self.errors }));
        match self.retry_after {
            Some(wait) => (retry_after(wait), body).into_response(),
            None => body.into_response(),
        }
    }
}

/// Query parameters for the API: like axum's `Query`, but a query that cannot be
/// read (a repeated parameter, a number out of range, a word where a number
/// belongs) is answered in the API's error shape, naming what was wrong.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let crate::web::lang::Lang(lang) = crate::web::lang::Lang::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => {
                let mut error = ApiError::general(StatusCode::BAD_REQUEST, "invalid_query", lang);
                // The parser's explanation names the parameter, never echoes a value
                // beyond what the client itself sent.
                error.errors[0].detail = format!("{} ({})", error.errors[0].detail, rejection.body_text());
                Err(error)
            }
        }
    }
}
