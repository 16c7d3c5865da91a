//! `/letters/{slug}/verify`: the proof explained to a reader. What the numbers in
//! the signed checkpoint mean (entries are not signatures), the checkpoint and the
//! key as served, and the three commands that check the count independently.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::cached_page;
use crate::cache::PageKey;
use crate::domain::Slug;
use crate::i18n::Translator;
use crate::log;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::lang::Lang;
use crate::web::views::{LetterCard, PageMeta};

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyView {
    pub page: PageMeta,
    pub letter: LetterCard,
    /// The signed note exactly as served; `None` before the first checkpoint.
    pub checkpoint: Option<String>,
    pub vkey: String,
    /// Sentences that take the checkpoint's numbers apart, in order.
    pub numbers: Vec<String>,
    /// What the page shows and the checkpoint does not (yet).
    pub notes: Vec<String>,
    /// Shell commands: the key, the check, the check against a kept checkpoint.
    pub commands: [String; 3],
    pub log_base: String,
}

pub async fn show_verify(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let slug = Slug::parse(&slug).map_err(|_| PageError::not_found(lang))?;
    cached_page(&state, &headers, PageKey::Verify(slug.clone()), lang, async || {
        let tr = Translator::new(lang);
        let letter = state
            .letter(&slug)
            .await
            .map_err(|e| PageError::store(lang, e))?
            .ok_or_else(|| PageError::not_found(lang))?;
        let checkpoint =
            state.store.latest_checkpoint(letter.id).await.map_err(|e| PageError::store(lang, e))?;
        let size = checkpoint.as_ref().map_or(0, |c| c.size);
        let kinds = state.store.entry_kinds(letter.id, size).await.map_err(|e| PageError::store(lang, e))?;
        let vkey = log::verifier(&state, &letter).map_err(|e| PageError::internal(lang, e))?.vkey();
        let n = |v: u64| tr.number(v);
        let numbers = vec![
            tr.t1("verify-size", "size", &n(size)),
            tr.lookup(
                "verify-kinds",
                [
                    ("texts", n(kinds.texts).into()),
                    ("signatures", n(kinds.signatures).into()),
                    ("withdrawals", n(kinds.withdrawals).into()),
                    ("strikes", n(kinds.strikes).into()),
                ],
            ),
            tr.lookup(
                "verify-count",
                [
                    ("signatures", n(kinds.signatures).into()),
                    ("cancelled", n(kinds.signatures.saturating_sub(letter.count)).into()),
                    ("count", n(letter.count).into()),
                ],
            ),
        ];
        let mut notes = Vec::new();
        if letter.being_added > 0 {
            notes.push(tr.count("verify-being-added", letter.being_added));
        }
        if letter.withdrawals_pending > 0 {
            notes.push(tr.count("verify-withdrawals-pending", letter.withdrawals_pending));
        }
        let base = state.config.public_link("");
        let base = base.trim_end_matches('/');
        let key_file = format!("{slug}.vkey");
        let commands = [
            format!("curl -o {key_file} {base}/letters/{slug}/log/key"),
            format!("undersign verify {base} --letter {slug} --key \"$(cat {key_file})\""),
            format!(
                "curl -o today.checkpoint {base}/letters/{slug}/log/checkpoint\nundersign verify {base} --letter {slug} --key \"$(cat {key_file})\" --previous today.checkpoint"
            ),
        ];
        VerifyView {
            page: PageMeta::new(tr, &format!("/letters/{slug}/verify"), tr.t1("verify-title", "title", &letter.title)),
            letter: LetterCard::new(&tr, &letter),
            checkpoint: checkpoint.map(|c| c.note),
            vkey,
            numbers,
            notes,
            commands,
            log_base: format!("/letters/{slug}/log"),
        }
        .render()
        .map_err(|e| PageError::internal(lang, e))
    })
    .await
}
