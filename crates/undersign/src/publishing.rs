//! Publishing letters and campaigns (for now from the CLI and the demo).

use crate::app::AppState;
use crate::domain::{Campaign, LetterDraft, LetterId};
use crate::log::records::{SaltedRecord, text_record};
use crate::storage::PublishRefusal;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Refused(#[from] PublishRefusal),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Publishes a letter: it gets its own data key and starts taking signatures.
pub async fn publish_letter(state: &AppState, draft: &LetterDraft) -> Result<LetterId, PublishError> {
    let (_key, wrapped) = state.keys.new_letter_key(draft.slug.as_str())?;
    let text = SaltedRecord::new(text_record(
        &draft.title,
        &draft.body,
        draft.language.as_str(),
        &draft.addressee,
        1,
    ));
    let id = state
        .store
        .insert_letter(
            draft,
            wrapped,
            crate::log::origin(&state.config, &draft.slug),
            text,
            state.clock.now(),
        )
        .await
        .map_err(anyhow::Error::from)??;
    state.log_wake.notify_one();
    tracing::info!(letter.slug = %draft.slug, "letter published");
    Ok(id)
}

/// Creates a campaign unless one with its slug exists; `true` if created.
pub async fn create_campaign(state: &AppState, campaign: &Campaign) -> anyhow::Result<bool> {
    Ok(state.store.insert_campaign(campaign, state.clock.now()).await?)
}

/// Closes a letter: it stays readable and counted, and takes no more signatures.
pub async fn close_letter(state: &AppState, slug: &crate::domain::Slug) -> anyhow::Result<bool> {
    let closed = state.store.close_letter(slug).await?;
    if closed {
        tracing::info!(letter.slug = %slug, "letter closed");
    }
    Ok(closed)
}
