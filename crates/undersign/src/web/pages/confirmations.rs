//! The signer's private link. Its GET shows the link's one state (confirm, receipt,
//! or why it confirms nothing any more); mail scanners that follow links never
//! confirm anyone, because only the button's POST does. Every POST answers with a
//! redirect to the GET, so a reload never repeats an action and the page always
//! says where the signature stands now. `…/withdraw` takes the signature back.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{find_letter, render};
use crate::domain::Letter;
use crate::i18n::Translator;
use crate::signing;
use crate::state::AppState;
use crate::storage::{ConfirmRefusal, PublicPreview, Receipt, TokenState};
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::lang::Lang;
use crate::web::views::{
    ConfirmState, ConfirmView, LetterCard, PageMeta, ReceiptStage, ReceiptView, WithdrawView, format_date,
};

/// The label and value of every field that will be public, in the order the
/// letter shows them; the name only when the signer chose to be shown.
fn preview_rows(tr: &Translator, preview: &PublicPreview) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    if let Some(name) = &preview.name {
        rows.push((tr.t("field-name"), name.clone()));
    }
    let fields = [
        ("field-title", &preview.title),
        ("field-affiliation", &preview.affiliation),
        ("field-city", &preview.city),
        ("field-country", &preview.country),
        ("field-orcid", &preview.orcid),
        ("field-pledge", &preview.pledge),
    ];
    for (label, value) in fields {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            rows.push((tr.t(label), value.to_owned()));
        }
    }
    rows
}

fn receipt_view(token: &str, letter: &Letter, seq: u64, receipt: Receipt, tr: &Translator) -> ReceiptView {
    let stage = match (receipt.withdrawal, receipt.leaf_index) {
        (Some(withdrawal), _) => match (withdrawal.leaf_index, withdrawal.due_at) {
            (Some(index), _) => ReceiptStage::WithdrawalInLog { index: index.to_string() },
            (None, Some(due)) => ReceiptStage::WithdrawalWaiting {
                due: time::OffsetDateTime::from_unix_timestamp(due)
                    .map(|d| format_date(tr, d.date()))
                    .unwrap_or_default(),
            },
            (None, None) => ReceiptStage::WithdrawnUncounted,
        },
        (None, _) if receipt.held => ReceiptStage::Held,
        (None, Some(index)) => ReceiptStage::InLog {
            index: index.to_string(),
            proof_url: (index < letter.log_size).then(|| {
                format!(
                    "/api/v1/letters/{}/log/inclusion?index={index}&size={}",
                    letter.slug, letter.log_size
                )
            }),
        },
        (None, None) => ReceiptStage::BeingAdded,
    };
    ReceiptView {
        stage,
        number_text: tr.t1("receipt-number", "number", &tr.number(seq)),
        erased: receipt.withdrawal.is_some_and(|w| w.erased),
        self_url: format!("/confirm/{token}?lang={}", tr.lang.code()),
        withdraw_url: format!("/confirm/{token}/withdraw"),
        verify_url: format!("/letters/{}/verify", letter.slug),
    }
}

/// The link's page in its current state.
pub async fn show_confirmation(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let found = signing::inspect_token(&state, &token).await.map_err(|e| PageError::internal(lang, e))?;
    let stopped = |id: &str| ConfirmState::Stopped { reason: tr.t(id) };
    // The letter from the cache, not the database: a receipt reloads itself every
    // two seconds while its entry is on its way.
    let letter = match found.letter() {
        Some(slug) => Some(find_letter(&state, lang, slug.as_str()).await?),
        None => None,
    };
    let (view_state, status) = match (found, &letter) {
        (TokenState::Pending { preview, .. }, _) => {
            let state = ConfirmState::Ready {
                action: format!("/confirm/{token}"),
                preview: preview_rows(&tr, &preview),
                name_hidden: preview.name.is_none(),
            };
            (state, StatusCode::OK)
        }
        (TokenState::Confirmed { seq, receipt, .. }, Some(letter)) => {
            (ConfirmState::Receipt(receipt_view(&token, letter, seq, receipt, &tr)), StatusCode::OK)
        }
        (TokenState::Expired { .. }, _) => (stopped("link-stopped-expired"), StatusCode::GONE),
        (TokenState::DroppedUnconfirmed { .. }, _) => (stopped("link-stopped-withdrawn"), StatusCode::GONE),
        (TokenState::Unknown | TokenState::Confirmed { .. }, _) => {
            (stopped("link-stopped-unknown"), StatusCode::NOT_FOUND)
        }
    };
    let view = ConfirmView {
        page: PageMeta::new(tr, &format!("/confirm/{token}"), tr.t(view_state.title_id())),
        letter: letter.as_deref().map(|l| LetterCard::new(&tr, l)),
        state: view_state,
    };
    Ok((status, render(lang, &view)?).into_response())
}

/// The button: confirms (twice counts once), then shows the link's page.
pub async fn confirm_signature(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let result = signing::confirm_signature(&state, &token).await.map_err(|e| PageError::store(lang, e))?;
    match result {
        // The page explains the other refusals (expired, withdrawn, unknown).
        Ok(_) | Err(ConfirmRefusal::Expired | ConfirmRefusal::Withdrawn | ConfirmRefusal::UnknownToken) => {
            Ok(Redirect::to(&format!("/confirm/{token}")).into_response())
        }
        Err(ConfirmRefusal::LetterClosed) => Err(PageError { lang, kind: PageErrorKind::LetterClosed }),
    }
}

pub async fn show_withdrawal(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let found = signing::inspect_token(&state, &token).await.map_err(|e| PageError::internal(lang, e))?;
    let slug = match found {
        TokenState::Pending { letter, .. } => letter,
        TokenState::Confirmed { letter, receipt, .. } if receipt.withdrawal.is_none() => letter,
        // Withdrawn already, expired or unknown: the link's page says so.
        _ => return Ok(Redirect::to(&format!("/confirm/{token}")).into_response()),
    };
    let letter = find_letter(&state, lang, slug.as_str()).await?;
    let view = WithdrawView {
        page: PageMeta::new(tr, &format!("/confirm/{token}/withdraw"), tr.t("withdraw-title")),
        letter: LetterCard::new(&tr, &letter),
        action: format!("/confirm/{token}/withdraw"),
        receipt_url: format!("/confirm/{token}"),
    };
    render(lang, &view)
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    erase: bool,
}

/// Withdraws (once; again changes nothing), then shows the link's page, which
/// now says the signature is withdrawn and when the log records it.
pub async fn withdraw_signature(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
    form: Result<Form<WithdrawForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|_| PageError { lang, kind: PageErrorKind::BadRequest })?;
    // Whatever the outcome (withdrawn now, before, or a link that names no
    // signature), the link's page says where things stand.
    let _outcome = signing::withdraw_signature(&state, &token, form.erase)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    Ok(Redirect::to(&format!("/confirm/{token}")).into_response())
}
