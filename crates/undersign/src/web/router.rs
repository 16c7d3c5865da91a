//! Every route of the service, in one place.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::i18n::Language;
use crate::readiness::LogState;
use crate::state::AppState;
use crate::web::errors::{ApiError, render_error_page};
use crate::web::lang::{self, Lang};
use crate::web::pages::{campaign_editor, moderation, organise, verify, versions};
use crate::web::{api, assets, embeds, letter_log, pages};

/// Forms and JSON bodies are small; anything larger is refused with 413.
pub const BODY_LIMIT: usize = 16 * 1024;
/// Organisers' forms carry whole letter texts.
pub const ORGANISER_BODY_LIMIT: usize = 512 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The API routes, as `(method, path)`; the OpenAPI document must describe each.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/letters"),
    ("get", "/api/v1/letters/{slug}"),
    ("get", "/api/v1/letters/{slug}/signatures"),
    ("post", "/api/v1/letters/{slug}/signatures"),
    ("get", "/api/v1/letters/{slug}/challenge"),
    ("get", "/api/v1/letters/{slug}/log/inclusion"),
    ("get", "/api/v1/letters/{slug}/log/consistency"),
    ("get", "/api/v1/openapi.json"),
];

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/v1/letters", get(api::list_letters))
        .route("/api/v1/letters/{slug}", get(api::get_letter))
        .route("/api/v1/letters/{slug}/signatures", get(api::list_signatures).post(api::create_signature))
        .route("/api/v1/letters/{slug}/challenge", get(api::get_challenge))
        .route("/api/v1/letters/{slug}/log/inclusion", get(letter_log::get_inclusion_proof))
        .route("/api/v1/letters/{slug}/log/consistency", get(letter_log::get_consistency_proof))
        .route("/api/v1/openapi.json", get(api::get_openapi));

    // The letter log, laid out as docs/log.md specifies.
    let log = Router::new()
        .route("/letters/{slug}/log/checkpoint", get(letter_log::get_checkpoint))
        .route("/letters/{slug}/log/key", get(letter_log::get_letter_key))
        .route("/letters/{slug}/log/tile/{*path}", get(letter_log::get_tile))
        .route("/letters/{slug}/log/records", get(letter_log::list_records))
        .route("/letters/{slug}/log/records/{index}", get(letter_log::get_record))
        .route("/log-key", get(letter_log::get_instance_log_key));

    // Organisers: sign-in and the pages behind it. Never kept by any cache.
    let organise = Router::new()
        .route("/sign-in", get(pages::show_sign_in).post(pages::request_sign_in))
        .route("/sign-in/{token}", get(pages::show_sign_in_link).post(pages::use_sign_in_link))
        .route("/sign-out", post(pages::sign_out))
        .route("/organise", get(organise::show_overview))
        .route("/organise/second-factor", get(pages::show_second_factor).post(pages::pass_second_factor))
        .route("/organise/two-factor", get(organise::show_two_factor).post(organise::enrol_two_factor))
        .route("/organise/two-factor/start", post(organise::begin_two_factor))
        .route("/organise/two-factor/kept", post(organise::confirm_recovery_codes_kept))
        .route("/organise/drafts", post(organise::create_draft))
        .route("/organise/drafts/new", get(organise::show_new_draft))
        .route("/organise/drafts/{id}", get(organise::show_draft).post(organise::update_draft))
        .route("/organise/drafts/{id}/publish", post(organise::publish_draft))
        .route("/organise/letters/{slug}", get(organise::show_letter))
        .route(
            "/organise/letters/{slug}/close",
            get(organise::show_close_letter).post(organise::close_letter),
        )
        .route("/organise/letters/{slug}/members", post(organise::invite_member))
        .route("/organise/letters/{slug}/versions", post(organise::publish_correction))
        .route("/organise/letters/{slug}/form", post(organise::save_form_settings))
        .route("/organise/letters/{slug}/translations", post(organise::publish_translation))
        .route("/organise/letters/{slug}/addresses", get(organise::show_addresses))
        .route("/organise/letters/{slug}/moderation", get(moderation::show_queue))
        .route("/organise/letters/{slug}/moderation/approve", post(moderation::approve))
        .route("/organise/letters/{slug}/moderation/strike", post(moderation::strike))
        .route("/organise/letters/{slug}/moderation/bulk-strike", post(moderation::bulk_strike))
        .route("/organise/campaigns", post(campaign_editor::create))
        .route("/organise/campaigns/new", get(campaign_editor::show_new))
        .route("/organise/campaigns/{slug}", get(campaign_editor::show_edit).post(campaign_editor::update))
        .route("/organise/campaigns/{slug}/letters", post(campaign_editor::put_letter))
        .route("/organise/campaigns/{slug}/timeline", post(campaign_editor::save_entry))
        .route("/organise/campaigns/{slug}/timeline/{id}/hidden", post(campaign_editor::hide_entry))
        .route("/organise/campaigns/{slug}/related", post(campaign_editor::link_related))
        .route("/organise/campaigns/{slug}/organisers", post(campaign_editor::invite_organiser))
        .route("/organise/campaigns/{slug}/translations", post(campaign_editor::save_translation))
        .route("/organise/audit", get(organise::show_audit))
        .route("/organise/organisers", post(organise::invite_organiser))
        .layer(DefaultBodyLimit::max(ORGANISER_BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")));

    // Pages that carry a token or answer one person's action: no cache (a shared
    // browser, a proxy) may keep them.
    let private = Router::new()
        .route("/letters/{slug}/sign", axum::routing::post(pages::sign_letter))
        .route("/letters/{slug}/check-email", get(pages::show_check_email))
        .route("/reconfirm/{token}", get(versions::show_reconfirm).post(versions::reconfirm))
        .route("/removal/{token}", get(moderation::show_removal).post(moderation::confirm_removal))
        .route(
            "/letters/{slug}/signatures/{seq}/report",
            get(moderation::show_report).post(moderation::send_report),
        )
        .route("/confirm/{token}", get(pages::show_confirmation).post(pages::confirm_signature))
        .route("/confirm/{token}/withdraw", get(pages::show_withdrawal).post(pages::withdraw_signature))
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")));

    Router::new()
        .route("/", get(pages::show_home))
        .route("/campaigns/{slug}", get(pages::show_campaign))
        .route("/letters/{slug}", get(pages::show_letter))
        .route("/letters/{slug}/versions", get(versions::show_versions))
        .route("/letters/{slug}/verify", get(verify::show_verify))
        .route("/letters/{slug}/signatures", get(pages::list_signatures))
        .route("/letters/{slug}/signatures.csv", get(embeds::export_signatures_csv))
        .route("/letters/{slug}/badge.svg", get(embeds::get_badge))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/style.css", get(assets::get_style))
        .route("/static/altcha.js", get(assets::get_altcha_script))
        .route("/static/altcha-worker.js", get(assets::get_altcha_worker))
        .merge(private)
        .merge(api)
        .merge(log)
        .merge(organise)
        .fallback(page_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(lang::remember_language))
        .layer(middleware::from_fn(crate::metrics::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            // Log the route pattern, never the path: paths carry tokens.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("<unmatched>", |p| p.as_str())
                        .to_owned();
                    tracing::info_span!("request", method = %request.method(), route)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                // A 5xx is in the response line already, and its cause is
                // logged where it arose (once a minute for a lasting fault):
                // not a second ERROR line per request.
                .on_failure(()),
        )
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            render_error_page(Language::En, StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Confirmation pages carry a token in their address; never leak it onward.
        .layer(SetResponseHeaderLayer::if_not_present(REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(state)
}

/// For load balancers and benchmarks: cheap, touches nothing.
async fn healthz() -> &'static str {
    "ok"
}

/// For load balancers: 200 when this node's database takes writes and the
/// letters' logs are current, else 503 saying which is not (no details of
/// the fault: those are in the server's log).
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let (store, now, max_lag) = (state.store.as_ref(), state.clock.now(), state.config.ready_max_lag);
    let readiness = state.readiness.check(store, &state.node_id, now, max_lag).await;
    let mut text = String::new();
    match readiness.database {
        None => text.push_str("database: writable\n"),
        Some(problem) => text.push_str(&format!("database: {problem}\n")),
    }
    match &readiness.log {
        LogState::Current => text.push_str("log: current\n"),
        LogState::Behind { letter, by } => {
            text.push_str(&format!("log: {} s behind on {letter}\n", by.as_secs()))
        }
        LogState::Unknown => text.push_str("log: unknown\n"),
    }
    let status = if readiness.is_ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, [(CACHE_CONTROL, "no-store")], text).into_response()
}

/// A JSON 404 under `/api/`, the friendly page elsewhere.
async fn page_not_found(Lang(lang): Lang, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::general(StatusCode::NOT_FOUND, "not_found", lang).into_response()
    } else {
        render_error_page(lang, StatusCode::NOT_FOUND, "not-found")
    }
}

async fn method_not_allowed(Lang(lang): Lang, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::general(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", lang).into_response()
    } else {
        render_error_page(lang, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed")
    }
}
