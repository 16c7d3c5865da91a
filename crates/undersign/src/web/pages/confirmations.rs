//! The confirmation link. Its GET only shows a button; the POST confirms. Mail
//! scanners that follow links therefore never confirm anyone.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::render;
use crate::app::AppState;
use crate::i18n::{Language, Translator};
use crate::signing;
use crate::storage::{ConfirmRefusal, TokenState};
use crate::web::errors::{PageError, PageErrorKind, render_error_page};
use crate::web::lang::Lang;
use crate::web::views::{ConfirmState, ConfirmView, LetterCard, PageMeta};

/// Links are not logged by path: the router logs only the route pattern.
fn meta(tr: Translator) -> PageMeta {
    PageMeta::new(tr, "/confirm", tr.t("confirm-title"))
}

fn expired(lang: Language) -> Response {
    render_error_page(lang, StatusCode::GONE, "link-expired")
}

pub async fn show_confirmation(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let found = signing::inspect_token(&state, &token).await.map_err(|e| PageError::internal(lang, e))?;
    let (letter, state) = match found {
        TokenState::Pending { letter } => {
            (letter, ConfirmState::Ready { action: format!("/confirm/{token}") })
        }
        TokenState::AlreadyConfirmed { letter, seq } => {
            (letter, ConfirmState::Confirmed { seq_text: tr.number(seq), already: true })
        }
        TokenState::Expired => return Ok(expired(lang)),
        TokenState::Unknown => return Err(PageError::not_found(lang)),
    };
    let page = meta(tr);
    render(lang, &ConfirmView { letter: LetterCard::new(&tr, &letter), page, state })
}

pub async fn confirm_signature(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let result =
        signing::confirm_signature(&state, &token).await.map_err(|e| PageError::internal(lang, e))?;
    let confirmed = match result {
        Ok(confirmed) => confirmed,
        Err(ConfirmRefusal::UnknownToken) => return Err(PageError::not_found(lang)),
        Err(ConfirmRefusal::Expired) => return Ok(expired(lang)),
        Err(ConfirmRefusal::LetterClosed) => {
            return Err(PageError { lang, kind: PageErrorKind::LetterClosed });
        }
    };
    let letter = state
        .store
        .letter(&confirmed.letter_slug)
        .await
        .map_err(|e| PageError::internal(lang, e))?
        .ok_or_else(|| PageError::not_found(lang))?;
    let view = ConfirmView {
        page: meta(tr),
        letter: LetterCard::new(&tr, &letter),
        state: ConfirmState::Confirmed {
            seq_text: tr.number(confirmed.seq),
            already: confirmed.already_confirmed,
        },
    };
    Ok(render(lang, &view)?.into_response())
}
