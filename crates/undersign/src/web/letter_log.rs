//! The letter log's public endpoints, exactly as `docs/log.md` (the format
//! specification) lays them out: checkpoint, key, tiles, entry bundles, records, proofs, `/log-key`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use letterlog::tiles::Tile;
use serde::Deserialize;
use serde_json::json;

use crate::log::{self, ProofRequestError};
use crate::state::AppState;
use crate::web::api::find_letter;
use crate::web::errors::{ApiError, ApiQuery};
use crate::web::lang::Lang;

/// Records per range request, at most (spec).
const MAX_RECORDS: u64 = 1000;
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn get_checkpoint(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let checkpoint =
        state.store.latest_checkpoint(letter.id).await.map_err(|e| ApiError::internal(lang, e))?;
    let checkpoint =
        checkpoint.ok_or_else(|| ApiError::general(StatusCode::NOT_FOUND, "no_checkpoint", lang))?;
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8"), (CACHE_CONTROL, "no-store")], checkpoint.note)
        .into_response())
}

pub async fn get_letter_key(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let verifier = log::verifier(&state, &letter).map_err(|e| ApiError::internal(lang, e))?;
    Ok((
        [(CONTENT_TYPE, "text/plain; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")],
        format!("{}\n", verifier.vkey()),
    )
        .into_response())
}

/// `<log>/tile/<L>/<N>[.p/<W>]` and `<log>/tile/entries/<N>[.p/<W>]`.
pub async fn get_tile(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path((slug, path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let not_found = || ApiError::general(StatusCode::NOT_FOUND, "not_found", lang);
    let tile = Tile::parse(&format!("tile/{path}")).map_err(|_| not_found())?;
    let bytes = log::tile_bytes(&state, &letter, tile).await.map_err(|e| ApiError::internal(lang, e))?;
    let bytes = bytes.ok_or_else(not_found)?;
    // Full tiles never change; a partial tile of a given width does not either, but
    // clients should move on to the full one, so it is cached briefly.
    let cache = if tile.partial.is_none() { IMMUTABLE } else { "public, max-age=60" };
    Ok(([(CONTENT_TYPE, "application/octet-stream"), (CACHE_CONTROL, cache)], bytes).into_response())
}

pub async fn get_record(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path((slug, index)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let not_found = || ApiError::general(StatusCode::NOT_FOUND, "not_found", lang);
    let index: u64 = index.parse().map_err(|_| not_found())?;
    let records = state
        .store
        .log_records(letter.id, index, index.saturating_add(1))
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    let (index, record) =
        records.into_iter().next().filter(|(i, _)| *i < letter.log_size).ok_or_else(not_found)?;
    Ok(([(CACHE_CONTROL, "public, max-age=60")], Json(log::record_json(index, record))).into_response())
}

#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

fn bad_request(lang: crate::i18n::Language, code: &'static str, detail: String) -> ApiError {
    let mut error = ApiError::general(StatusCode::BAD_REQUEST, code, lang);
    error.errors[0].detail = detail;
    error
}

fn parse_param(
    lang: crate::i18n::Language,
    name: &'static str,
    value: Option<String>,
) -> Result<u64, ApiError> {
    let value = value.ok_or_else(|| {
        bad_request(lang, "missing_parameter", format!("the query parameter {name} is required"))
    })?;
    // Indexes and sizes are stored as signed 64-bit numbers; anything larger can
    // name no entry and is refused rather than wrapped.
    value.parse::<u64>().ok().filter(|n| i64::try_from(*n).is_ok()).ok_or_else(|| {
        bad_request(
            lang,
            "invalid_parameter",
            format!("{name} must be a whole number from 0 to {}, not {value:?}", i64::MAX),
        )
    })
}

/// `<log>/records?from=i&to=j`: `i ≤ index < j`, at most 1000.
pub async fn list_records(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ApiQuery(range): ApiQuery<RangeQuery>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let from = parse_param(lang, "from", range.from)?;
    let to = parse_param(lang, "to", range.to)?;
    if from > to || to - from > MAX_RECORDS {
        return Err(bad_request(
            lang,
            "invalid_range",
            format!("need from ≤ to and at most {MAX_RECORDS} records"),
        ));
    }
    let to = to.min(letter.log_size);
    if from >= to {
        return Ok(
            ([(CACHE_CONTROL, "public, max-age=60")], Json(Vec::<serde_json::Value>::new())).into_response()
        );
    }
    let records =
        state.store.log_records(letter.id, from, to).await.map_err(|e| ApiError::internal(lang, e))?;
    let records: Vec<serde_json::Value> = records.into_iter().map(|(i, r)| log::record_json(i, r)).collect();
    Ok(([(CACHE_CONTROL, "public, max-age=60")], Json(records)).into_response())
}

/// `/log-key`: the instance's public key and every letter's vkey.
pub async fn get_instance_log_key(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
) -> Result<Response, ApiError> {
    let document = log::log_key_document(&state).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(([(CACHE_CONTROL, "public, max-age=300")], Json(document)).into_response())
}

#[derive(Deserialize)]
pub struct InclusionQuery {
    index: Option<String>,
    size: Option<String>,
}

pub async fn get_inclusion_proof(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<InclusionQuery>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let index = parse_param(lang, "index", query.index)?;
    let size = parse_param(lang, "size", query.size)?;
    match log::inclusion_proof(&state, &letter, index, size).await {
        Ok((leaf, hashes)) => Ok(Json(json!({
            "index": index,
            "size": size,
            "leaf_hash": leaf.to_base64(),
            "hashes": hashes.iter().map(|h| h.to_base64()).collect::<Vec<_>>(),
        }))
        .into_response()),
        Err(ProofRequestError::OutOfRange { current }) => Err(bad_request(
            lang,
            "invalid_range",
            format!("need index < size ≤ {current} (the current tree size); got index {index}, size {size}"),
        )),
        Err(ProofRequestError::Internal(error)) => Err(ApiError::internal(lang, error)),
    }
}

#[derive(Deserialize)]
pub struct ConsistencyQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn get_consistency_proof(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> Result<Response, ApiError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let from = parse_param(lang, "from", query.from)?;
    let to = parse_param(lang, "to", query.to)?;
    match log::consistency_proof(&state, &letter, from, to).await {
        Ok(hashes) => Ok(Json(json!({
            "from": from,
            "to": to,
            "hashes": hashes.iter().map(|h| h.to_base64()).collect::<Vec<_>>(),
        }))
        .into_response()),
        Err(ProofRequestError::OutOfRange { current }) => Err(bad_request(
            lang,
            "invalid_range",
            format!("need 1 ≤ from ≤ to ≤ {current} (the current tree size); got from {from}, to {to}"),
        )),
        Err(ProofRequestError::Internal(error)) => Err(ApiError::internal(lang, error)),
    }
}
