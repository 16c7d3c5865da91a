//! The signer's private link. Its GET only shows a button (mail scanners that
//! follow links never confirm anyone); the POST confirms. Once confirmed, the same
//! address is the signer's receipt, and `…/withdraw` takes the signature back.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{find_letter, render};
use crate::app::AppState;
use crate::domain::Letter;
use crate::i18n::{Language, Translator};
use crate::signing;
use crate::storage::{ConfirmRefusal, Receipt, TokenState, WithdrawOutcome};
use crate::web::errors::{PageError, PageErrorKind, render_error_page};
use crate::web::lang::Lang;
use crate::web::views::{
    ConfirmState, ConfirmView, LetterCard, PageMeta, ReceiptView, WithdrawState, WithdrawView,
};

/// The page's own address carries the signer's token: it is their page, and the
/// language switch must lead back to it. (Logs see only the route pattern.)
fn meta(tr: Translator, path: &str, title_id: &str) -> PageMeta {
    PageMeta::new(tr, path, tr.t(title_id))
}

fn confirm_view(tr: Translator, token: &str, letter: &Letter, state: ConfirmState) -> ConfirmView {
    ConfirmView {
        page: meta(tr, &format!("/confirm/{token}"), "confirm-title"),
        letter: LetterCard::new(&tr, letter),
        state,
    }
}

fn expired(lang: Language) -> Response {
    render_error_page(lang, StatusCode::GONE, "link-expired")
}

fn receipt_view(token: &str, letter: &Letter, receipt: Receipt, tr: &Translator) -> ReceiptView {
    ReceiptView {
        leaf_index: receipt.leaf_index.map(|i| i.to_string()),
        proof_url: receipt.leaf_index.filter(|i| *i < letter.log_size).map(|i| {
            format!("/api/v1/letters/{}/log/inclusion?index={i}&size={}", letter.slug, letter.log_size)
        }),
        self_url: format!("/confirm/{token}?lang={}", tr.lang.code()),
        withdraw_url: format!("/confirm/{token}/withdraw"),
        withdrawn: receipt.withdrawn,
        held: receipt.held,
    }
}

pub async fn show_confirmation(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let found = signing::inspect_token(&state, &token).await.map_err(|e| PageError::internal(lang, e))?;
    let (letter, view_state) = match found {
        TokenState::Pending { letter } => {
            (letter, ConfirmState::Ready { action: format!("/confirm/{token}") })
        }
        TokenState::AlreadyConfirmed { letter, seq, receipt } => {
            let receipt = receipt_view(&token, &letter, receipt, &tr);
            (letter, ConfirmState::Confirmed { seq_text: tr.number(seq), already: true, receipt })
        }
        TokenState::Expired => return Ok(expired(lang)),
        TokenState::Unknown => return Err(PageError::not_found(lang)),
    };
    render(lang, &confirm_view(tr, &token, &letter, view_state))
}

pub async fn confirm_signature(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let result = signing::confirm_signature(&state, &token).await.map_err(|e| PageError::store(lang, e))?;
    let confirmed = match result {
        Ok(confirmed) => confirmed,
        Err(ConfirmRefusal::UnknownToken) => return Err(PageError::not_found(lang)),
        Err(ConfirmRefusal::Expired) => return Ok(expired(lang)),
        Err(ConfirmRefusal::LetterClosed) => {
            return Err(PageError { lang, kind: PageErrorKind::LetterClosed });
        }
    };
    let letter = find_letter(&state, lang, confirmed.letter_slug.as_str()).await?;
    // The entry reaches the log within a second or two; the page reloads itself
    // (no JavaScript needed) until it can show the receipt.
    let receipt = receipt_view(
        &token,
        &letter,
        Receipt { leaf_index: None, withdrawn: false, held: confirmed.held },
        &tr,
    );
    let view_state = ConfirmState::Confirmed {
        seq_text: tr.number(confirmed.seq),
        already: confirmed.already_confirmed,
        receipt,
    };
    render(lang, &confirm_view(tr, &token, &letter, view_state))
}

pub async fn show_withdrawal(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let found = signing::inspect_token(&state, &token).await.map_err(|e| PageError::internal(lang, e))?;
    let letter = match found {
        TokenState::Pending { letter } | TokenState::AlreadyConfirmed { letter, .. } => letter,
        TokenState::Expired | TokenState::Unknown => return Err(PageError::not_found(lang)),
    };
    let view = WithdrawView {
        page: meta(tr, &format!("/confirm/{token}/withdraw"), "withdraw-title"),
        letter: LetterCard::new(&tr, &letter),
        state: WithdrawState::Ask { action: format!("/confirm/{token}/withdraw") },
    };
    render(lang, &view)
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    erase: bool,
}

pub async fn withdraw_signature(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
    form: Result<Form<WithdrawForm>, FormRejection>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let Form(form) = form.map_err(|_| PageError { lang, kind: PageErrorKind::BadRequest })?;
    let result = signing::withdraw_signature(&state, &token, form.erase)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    let (slug, message_id) = match result {
        Ok(WithdrawOutcome::Queued { letter }) => {
            (letter, if form.erase { "withdraw-done-erased" } else { "withdraw-done" })
        }
        Ok(WithdrawOutcome::AlreadyWithdrawn { letter }) => (letter, "withdraw-already"),
        Ok(WithdrawOutcome::DroppedUnconfirmed { letter }) => (letter, "withdraw-dropped"),
        Err(_) => return Err(PageError::not_found(lang)),
    };
    let letter = find_letter(&state, lang, slug.as_str()).await?;
    let view = WithdrawView {
        page: meta(tr, &format!("/confirm/{token}/withdraw"), "withdraw-title"),
        letter: LetterCard::new(&tr, &letter),
        state: WithdrawState::Done { message: tr.t(message_id) },
    };
    Ok(render(lang, &view)?.into_response())
}
