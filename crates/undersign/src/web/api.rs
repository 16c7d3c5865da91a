//! The JSON API v1. Same rules and messages as the pages; errors in one shape
//! (`errors.rs`). The OpenAPI description is `docs/openapi.json`, served at
//! `/api/v1/openapi.json`; a test checks that it lists every route here.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::crypto::PlainToken;
use crate::domain::{Letter, SignatureSubmission, Slug};
use crate::signing::{self, Proof, SignError};
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::errors::{ApiError, ApiErrorItem, ApiQuery};
use crate::web::lang::Lang;

const OPENAPI: &str = include_str!("../../../../docs/openapi.json");

#[derive(Serialize)]
pub struct LetterJson {
    slug: String,
    title: String,
    addressee: String,
    community: String,
    language: String,
    status: &'static str,
    /// The count by the log's rule at the latest checkpoint: provable by anyone.
    count: u64,
    /// The size of that checkpoint.
    log_size: u64,
    /// Confirmed signatures not yet in a checkpoint.
    being_added: u64,
    /// Withdrawals waiting for their batch (still in `count` until integrated).
    withdrawals_pending: u64,
    organisations: bool,
    /// Organisations among the counted signatures.
    organisation_count: u64,
    /// The current version of the text.
    version: u32,
    /// Other languages of the current version.
    translations: Vec<String>,
    campaign: Option<String>,
    published_at: String,
    url: String,
}

impl LetterJson {
    fn new(state: &AppState, letter: &Letter) -> Self {
        Self {
            slug: letter.slug.to_string(),
            title: letter.title.clone(),
            addressee: letter.addressee.clone(),
            community: letter.community.as_str().to_owned(),
            language: letter.language.as_str().to_owned(),
            status: letter.status.as_str(),
            count: letter.count,
            log_size: letter.log_size,
            being_added: letter.being_added,
            withdrawals_pending: letter.withdrawals_pending,
            organisations: letter.organisations,
            organisation_count: letter.organisation_count,
            version: letter.version,
            translations: letter.translations.iter().map(|l| l.as_str().to_owned()).collect(),
            campaign: letter.campaign.as_ref().map(ToString::to_string),
            published_at: letter
                .published_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            url: state.config.public_link(&format!("letters/{}", letter.slug)),
        }
    }
}

pub async fn list_letters(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
) -> Result<Response, ApiError> {
    let letters = state.store.letters().await.map_err(|e| ApiError::internal(lang, e))?;
    let letters: Vec<_> = letters.iter().map(|l| LetterJson::new(&state, l)).collect();
    Ok(Json(serde_json::json!({ "letters": letters })).into_response())
}

pub async fn get_letter(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Kept serialised; exact, because tools poll `being_added` to see that every
    // confirmation reached the log.
    let slug = Slug::parse(&slug).map_err(|_| letter_not_found(lang))?;
    let key = crate::cache::PageKey::LetterJson(slug.clone());
    crate::web::cached_response(&state, &headers, key, lang, crate::web::Cached::LETTER_JSON, async || {
        let letter = state
            .letter_as_fresh_as(&slug, crate::cache::Freshness::Exact)
            .await
            .map_err(|e| ApiError::internal(lang, e))?
            .ok_or_else(|| letter_not_found(lang))?;
        serde_json::to_string(&serde_json::json!({ "letter": LetterJson::new(&state, &letter) }))
            .map_err(|e| ApiError::internal(lang, e))
    })
    .await
}

/// The JSON body of a signature. Unknown fields are refused so a misspelt field
/// name is reported instead of silently ignored. `show_name` defaults to `false`
/// (the safer choice: counted, not shown).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    affiliation: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    orcid: Option<String>,
    #[serde(default)]
    organisation: bool,
    #[serde(default)]
    pledge: Option<String>,
    #[serde(default)]
    show_name: bool,
    #[serde(default)]
    consent: bool,
    /// The ALTCHA payload (base64 JSON) solving a challenge from `…/challenge`.
    #[serde(default)]
    altcha: Option<String>,
}

impl From<SignRequest> for SignatureSubmission {
    fn from(r: SignRequest) -> Self {
        SignatureSubmission {
            name: r.name,
            email: r.email,
            title: r.title.unwrap_or_default(),
            affiliation: r.affiliation.unwrap_or_default(),
            city: r.city.unwrap_or_default(),
            country: r.country.unwrap_or_default(),
            orcid: r.orcid.unwrap_or_default(),
            organisation: r.organisation,
            pledge: r.pledge.unwrap_or_default(),
            show_name: r.show_name,
            consent: r.consent,
            altcha: r.altcha.unwrap_or_default(),
        }
    }
}

/// 202: received, pending confirmation by e-mail (the same for a repeat signature).
pub async fn create_signature(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let not_found = || letter_not_found(lang);
    let slug = Slug::parse(&slug).map_err(|_| not_found())?;
    let Json(body) = body.map_err(|rejection| json_rejection(rejection, lang))?;
    let submission = SignatureSubmission::from(sign_request(body, lang)?);
    let trusted = match bearer_token(&headers) {
        Credentials::Token(token) => {
            let known =
                state.store.api_token_exists(&token.hash()).await.map_err(|e| ApiError::internal(lang, e))?;
            if !known {
                return Err(ApiError::general(StatusCode::UNAUTHORIZED, "unknown_token", lang));
            }
            true
        }
        // A client that sent credentials meant to be trusted: falling back to the
        // proof-of-work path would hide its mistake.
        Credentials::Unusable => {
            return Err(ApiError::general(StatusCode::UNAUTHORIZED, "unknown_token", lang));
        }
        Credentials::None => false,
    };
    let proof = if trusted { Proof::TrustedClient } else { Proof::Payload(&submission.altcha) };
    match signing::submit_signature(&state, &slug, &submission, lang, client, proof).await {
        Ok(()) => Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "ok": true }))).into_response()),
        Err(SignError::Invalid(errors)) => Err(ApiError::validation(&errors, lang)),
        Err(SignError::UnknownLetter) => Err(not_found()),
        Err(SignError::LetterClosed) => Err(ApiError::general(StatusCode::CONFLICT, "letter_closed", lang)),
        Err(SignError::RateLimited(wait)) => Err(ApiError::rate_limited(lang, wait)),
        Err(SignError::Unavailable(outage)) => Err(ApiError::unavailable(lang, outage)),
        Err(SignError::ProofOfWork(problem)) => Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            errors: vec![ApiErrorItem {
                field: Some("altcha"),
                code: "invalid_proof_of_work",
                detail: crate::i18n::Translator::new(lang).t(crate::web::pages::pow_message_id(problem)),
            }],
            retry_after: None,
        }),
        Err(SignError::Internal(error)) => Err(ApiError::internal(lang, error)),
    }
}

/// Our error shape instead of the framework's plain text, with the parser's
/// explanation (which names the field and the position, never a value).
fn json_rejection(rejection: JsonRejection, lang: crate::i18n::Language) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::general(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", lang)
        }
        JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::general(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", lang)
        }
        JsonRejection::JsonDataError(e) => {
            let mut error = ApiError::general(StatusCode::BAD_REQUEST, "invalid_body", lang);
            error.errors[0].detail = format!("{} ({})", error.errors[0].detail, e.body_text());
            error
        }
        _ => ApiError::general(StatusCode::BAD_REQUEST, "malformed_json", lang),
    }
}

pub async fn get_openapi() -> Response {
    ([(CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A signature body must be a JSON object. serde would fill the struct from an
/// array by position, which no client means and the OpenAPI document does not allow.
pub(super) fn sign_request(
    body: serde_json::Value,
    lang: crate::i18n::Language,
) -> Result<SignRequest, ApiError> {
    let invalid = |detail: String| {
        let mut error = ApiError::general(StatusCode::BAD_REQUEST, "invalid_body", lang);
        error.errors[0].detail = format!("{} ({detail})", error.errors[0].detail);
        error
    };
    if !body.is_object() {
        return Err(invalid("the body must be a JSON object".to_owned()));
    }
    serde_json::from_value(body).map_err(|e| invalid(e.to_string()))
}

/// What the `Authorization` header says about the client.
enum Credentials {
    /// No `Authorization` header: an ordinary client, with a proof of work.
    None,
    /// `Bearer <token>` (the scheme in any case, RFC 9110 §11.1) in our token form.
    Token(PlainToken),
    /// A header that is not a token of ours: another scheme, or a malformed token.
    Unusable,
}

fn bearer_token(headers: &HeaderMap) -> Credentials {
    let Some(value) = headers.get(AUTHORIZATION) else { return Credentials::None };
    let token = value.to_str().ok().and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| PlainToken::parse(token.trim()))?
    });
    token.map_or(Credentials::Unusable, Credentials::Token)
}

/// A proof-of-work challenge in ALTCHA's JSON form; never cached.
pub async fn get_challenge(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
) -> Result<Response, ApiError> {
    let not_found = || letter_not_found(lang);
    let slug = Slug::parse(&slug).map_err(|_| not_found())?;
    match signing::issue_challenge(&state, &slug, client).await {
        Ok(challenge) => Ok(([(CACHE_CONTROL, "no-store")], Json(challenge)).into_response()),
        Err(SignError::RateLimited(wait)) => {
            let mut error = ApiError::rate_limited(lang, wait);
            error.errors[0].detail = crate::i18n::Translator::new(lang)
                .count("api-error-too-many-challenges", crate::web::errors::minutes_to_wait(wait));
            Err(error)
        }
        Err(SignError::UnknownLetter) => Err(not_found()),
        Err(SignError::LetterClosed) => Err(ApiError::general(StatusCode::CONFLICT, "letter_closed", lang)),
        Err(error) => Err(ApiError::internal(lang, anyhow::anyhow!("{error}"))),
    }
}

#[derive(Debug, Deserialize)]
pub struct SignatureListQuery {
    before: Option<u64>,
    q: Option<String>,
    limit: Option<u32>,
}

/// The public signer list, newest first, in keyset pages (`before`,
/// `next_before`), all of it or the matches of a search (`q`, with `matches`: how
/// many there are on all pages). Only signatures whose signers chose to be shown.
pub async fn list_signatures(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<SignatureListQuery>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) || query.before.is_some_and(|b| i64::try_from(b).is_err()) {
        let mut error = ApiError::general(StatusCode::BAD_REQUEST, "invalid_query", lang);
        error.errors[0].detail =
            format!("{} (limit is 1 to 500; before is 0 to {})", error.errors[0].detail, i64::MAX);
        return Err(error);
    }
    let search = query.q.as_deref().map(str::trim).unwrap_or("");
    let counted = crate::web::pages::MATCHES_COUNTED;
    let (rows, matches) =
        crate::web::pages::signer_page(&state, letter.id, search, query.before, limit, counted)
            .await
            .map_err(|e| ApiError::internal(lang, e))?;
    let next_before = (rows.len() as u32 == limit).then(|| rows.last().map(|r| r.seq)).flatten();
    let signatures: Vec<_> = rows
        .iter()
        .map(|s| {
            serde_json::json!({
                "number": s.seq, "name": s.name.as_str(), "title": s.title, "affiliation": s.affiliation,
                "city": s.city, "country": s.country, "orcid": s.orcid.as_ref().map(|o| o.as_str()),
                "organisation": s.organisation, "pledge": s.pledge,
            })
        })
        .collect();
    let mut body = serde_json::json!({ "signatures": signatures, "next_before": next_before });
    match matches {
        Some(crate::storage::MatchCount::Exactly(n)) => {
            body["matches"] = n.into();
            body["matches_exact"] = true.into();
        }
        Some(crate::storage::MatchCount::MoreThan(n)) => {
            body["matches"] = n.into();
            body["matches_exact"] = false.into();
        }
        None => {}
    }
    Ok(Json(body).into_response())
}

fn letter_not_found(lang: crate::i18n::Language) -> ApiError {
    ApiError::general(StatusCode::NOT_FOUND, "letter_not_found", lang)
}

/// The letter an API route is about, from the slug in its path (404 if none).
pub(super) async fn find_letter(
    state: &AppState,
    lang: crate::i18n::Language,
    raw_slug: &str,
) -> Result<Arc<Letter>, ApiError> {
    let slug = Slug::parse(raw_slug).map_err(|_| letter_not_found(lang))?;
    state.letter(&slug).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| letter_not_found(lang))
}
