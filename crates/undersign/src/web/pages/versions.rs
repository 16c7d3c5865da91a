//! A letter's versions (each with a diff to the one before) and translations,
//! and the re-confirmation link signers of an earlier version get by mail.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{find_letter, render};
use crate::i18n::{Language, Translator};
use crate::organisers::texts::{self, DiffPart};
use crate::state::AppState;
use crate::storage::texts::LetterText;
use crate::web::errors::{PageError, render_error_page};
use crate::web::lang::Lang;
use crate::web::views::{PageMeta, format_date};

/// A diff piece as the template shows it: `same`, `removed` or `added`.
struct Piece {
    kind: &'static str,
    text: String,
}

fn pieces(old: &str, new: &str) -> Vec<Piece> {
    texts::word_diff(old, new)
        .into_iter()
        .map(|part| match part {
            DiffPart::Same(text) => Piece { kind: "same", text },
            DiffPart::Removed(text) => Piece { kind: "removed", text },
            DiffPart::Added(text) => Piece { kind: "added", text },
        })
        .collect()
}

struct VersionRow {
    version: u32,
    date: String,
    title: String,
    /// Against the version before; empty for the first.
    diff: Vec<Piece>,
    /// Other languages of this version.
    translations: Vec<String>,
}

#[derive(Template)]
#[template(path = "versions.html")]
struct VersionsView {
    page: PageMeta,
    slug: String,
    title: String,
    rows: Vec<VersionRow>,
}

/// The whole text of a version as a reader sees it, and as compared: title,
/// addressee and the body's words (the diff is of the text, not its Markdown).
fn whole(text: &LetterText) -> String {
    format!("{}\n{}\n\n{}", text.title, text.addressee, crate::web::markdown::to_plain_text(&text.body))
}

pub async fn show_versions(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let tr = Translator::new(lang);
    let all = state.store.letter_texts(letter.id).await.map_err(|e| PageError::store(lang, e))?;
    let own: Vec<&LetterText> = all.iter().filter(|t| t.language == letter.language).collect();
    let rows = own
        .iter()
        .enumerate()
        .rev()
        .map(|(i, text)| VersionRow {
            version: text.version,
            date: format_date(&tr, text.published_at.date()),
            title: text.title.clone(),
            diff: if i == 0 { Vec::new() } else { pieces(&whole(own[i - 1]), &whole(text)) },
            translations: all
                .iter()
                .filter(|t| t.version == text.version && t.language != letter.language)
                .map(|t| super::letters::language_name(t.language.as_str()))
                .collect(),
        })
        .collect();
    let view = VersionsView {
        page: PageMeta::new(tr, &format!("/letters/{}/versions", letter.slug), tr.t("versions-title")),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        rows,
    };
    render(lang, &view)
}

#[derive(Template)]
#[template(path = "reconfirm.html")]
struct ReconfirmView {
    page: PageMeta,
    slug: String,
    title: String,
    signed_version: u32,
    current_version: u32,
    diff: Vec<Piece>,
    action: String,
    done: bool,
}

async fn reconfirm_view(
    state: &AppState,
    lang: Language,
    token: &str,
    found: crate::storage::texts::ReconfirmState,
    done: bool,
) -> Result<ReconfirmView, PageError> {
    let tr = Translator::new(lang);
    let letter = &found.letter;
    let all = state.store.letter_texts(letter.id).await.map_err(|e| PageError::store(lang, e))?;
    let own = |version: u32| all.iter().find(|t| t.version == version && t.language == letter.language);
    let diff = match (own(found.signed_version), own(letter.version)) {
        (Some(old), Some(new)) if old.version != new.version => pieces(&whole(old), &whole(new)),
        _ => Vec::new(),
    };
    Ok(ReconfirmView {
        page: PageMeta::new(tr, &format!("/reconfirm/{token}"), tr.t("reconfirm-title")),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        signed_version: found.signed_version,
        current_version: letter.version,
        diff,
        action: format!("/reconfirm/{token}"),
        done,
    })
}

fn unknown_link(lang: Language) -> Response {
    render_error_page(lang, StatusCode::NOT_FOUND, "not-found")
}

/// The link shows what changed and a button; opening it changes nothing.
pub async fn show_reconfirm(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match texts::reconfirm_state(&state, &token).await.map_err(|e| PageError::store(lang, e))? {
        Some(found) => {
            let done = found.signed_version == found.letter.version;
            render(lang, &reconfirm_view(&state, lang, &token, found, done).await?)
        }
        None => Ok(unknown_link(lang)),
    }
}

pub async fn reconfirm(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match texts::reconfirm(&state, &token).await.map_err(|e| PageError::store(lang, e))? {
        Some(found) => render(lang, &reconfirm_view(&state, lang, &token, found, true).await?),
        None => Ok(unknown_link(lang)),
    }
}
