//! Corrections and translations of a published letter. The text a person signed
//! never changes under them: a correction is a new version (its own `text` leaf),
//! shown with a diff; its signers are told and may re-confirm on the new text.
//! A translation is the current version in another language (also a leaf).

use similar::{ChangeTag, TextDiff};

use crate::crypto::PlainToken;
use crate::domain::{Letter, LetterLanguage};
use crate::organisers::drafts::{MAX_ADDRESSEE, MAX_TITLE, letter_body, required_line};
use crate::organisers::{actions, audit};
use crate::state::AppState;
use crate::storage::StoreError;
use crate::storage::organisers::Account;
use crate::storage::texts::{NewText, ReconfirmState, TextRefusal};

/// Notices queued per write: a big letter's signers are told in chunks so the
/// writer keeps serving signatures in between.
const NOTICE_CHUNK: u32 = 5_000;

/// One mistake in a text form: the field and a Fluent message id.
pub type Problem = (&'static str, &'static str);

fn line(field: &'static str, value: &str, max: usize, problems: &mut Vec<Problem>) -> Option<String> {
    required_line(value, max).map_err(|id| problems.push((field, id))).ok()
}

/// A text form: for a correction the language is the letter's own.
pub fn parse_text(language: &str, title: &str, addressee: &str, body: &str) -> Result<NewText, Vec<Problem>> {
    let mut problems = Vec::new();
    let language = LetterLanguage::parse(language.trim())
        .map_err(|_| problems.push(("language", "draft-error-language")))
        .ok();
    let title = line("title", title, MAX_TITLE, &mut problems);
    let addressee = line("addressee", addressee, MAX_ADDRESSEE, &mut problems);
    let body = letter_body(body).map_err(|id| problems.push(("body", id))).ok();
    match (language, title, addressee, body) {
        (Some(language), Some(title), Some(addressee), Some(body)) if problems.is_empty() => {
            Ok(NewText { language, title, addressee, body })
        }
        _ => Err(problems),
    }
}

/// Publishes a correction; its signers of earlier versions are told in the
/// background (and by the maintenance task, should the server stop meanwhile).
pub async fn publish_version(
    state: &std::sync::Arc<AppState>,
    by: &Account,
    letter: &Letter,
    text: NewText,
) -> Result<Result<u32, TextRefusal>, StoreError> {
    let now = state.clock.now();
    let entry = audit(Some(by.id), Some(letter.id), actions::VERSION_PUBLISHED, "", now);
    let published = state.store.publish_version(letter.id, text, entry, now).await?;
    if let Ok(version) = published {
        tracing::info!(letter.slug = %letter.slug, version, "a new version of the letter was published");
        state.log_wake.notify_one();
        state.cache.invalidate();
        let state = state.clone();
        let letter = letter.id;
        tokio::spawn(async move {
            if let Err(error) = queue_notices(&state, letter).await {
                tracing::error!(%error, "could not queue the new-version mail; maintenance will retry");
            }
        });
    }
    Ok(published)
}

/// Queues every due new-version notice of a letter, chunk by chunk.
pub async fn queue_notices(state: &AppState, letter: crate::domain::LetterId) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let queued = state.store.queue_version_notices(letter, NOTICE_CHUNK, state.clock.now()).await?;
        total += queued;
        state.mail_wake.notify_one();
        if queued < u64::from(NOTICE_CHUNK) {
            return Ok(total);
        }
    }
}

pub async fn publish_translation(
    state: &AppState,
    by: &Account,
    letter: &Letter,
    text: NewText,
) -> Result<Result<u32, TextRefusal>, StoreError> {
    let now = state.clock.now();
    let entry = audit(Some(by.id), Some(letter.id), actions::TRANSLATION_PUBLISHED, "", now);
    let published = state.store.publish_translation(letter.id, text, entry, now).await?;
    if published.is_ok() {
        state.log_wake.notify_one();
        state.cache.invalidate();
    }
    Ok(published)
}

/// What a re-confirmation link shows; `None` for a link that is not ours.
pub async fn reconfirm_state(state: &AppState, token: &str) -> Result<Option<ReconfirmState>, StoreError> {
    match PlainToken::parse(token) {
        Some(token) => state.store.reconfirm_state(&token.hash()).await,
        None => Ok(None),
    }
}

pub async fn reconfirm(state: &AppState, token: &str) -> Result<Option<ReconfirmState>, StoreError> {
    let Some(token) = PlainToken::parse(token) else { return Ok(None) };
    let done = state.store.reconfirm(&token.hash()).await?;
    if done.is_some() {
        state.cache.invalidate();
    }
    Ok(done)
}

/// A piece of a word diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffPart {
    Same(String),
    Removed(String),
    Added(String),
}

/// The words that changed between two texts, in order.
pub fn word_diff(old: &str, new: &str) -> Vec<DiffPart> {
    let diff = TextDiff::from_words(old, new);
    let mut parts: Vec<DiffPart> = Vec::new();
    for change in diff.iter_all_changes() {
        let value = change.value().to_owned();
        // Runs of one kind are joined so the page shows phrases, not words.
        match (change.tag(), parts.last_mut()) {
            (ChangeTag::Equal, Some(DiffPart::Same(run)))
            | (ChangeTag::Delete, Some(DiffPart::Removed(run)))
            | (ChangeTag::Insert, Some(DiffPart::Added(run))) => run.push_str(&value),
            (ChangeTag::Equal, _) => parts.push(DiffPart::Same(value)),
            (ChangeTag::Delete, _) => parts.push(DiffPart::Removed(value)),
            (ChangeTag::Insert, _) => parts.push(DiffPart::Added(value)),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_shows_what_was_removed_and_added_in_order() {
        let parts = word_diff(
            "We ask the court for a fair trial.",
            "We ask the Supreme Court for an open and fair trial.",
        );
        assert!(parts.contains(&DiffPart::Removed("court".into())), "{parts:?}");
        assert!(parts.iter().any(|p| matches!(p, DiffPart::Added(a) if a.contains("Supreme"))), "{parts:?}");
        let rebuilt_new: String = parts
            .iter()
            .filter_map(|p| match p {
                DiffPart::Same(t) | DiffPart::Added(t) => Some(t.as_str()),
                DiffPart::Removed(_) => None,
            })
            .collect();
        assert_eq!(rebuilt_new, "We ask the Supreme Court for an open and fair trial.");
    }

    #[test]
    fn a_text_form_reports_every_mistake() {
        let problems = parse_text("Русский", "", "To the court", "").unwrap_err();
        assert_eq!(
            problems,
            vec![
                ("language", "draft-error-language"),
                ("title", "draft-error-required"),
                ("body", "draft-error-required")
            ]
        );
        assert!(parse_text("ru", "Письмо", "Суду", "Мы просим.").is_ok());
    }
}
