//! Publishing letters and campaigns (for now from the CLI and the demo).

use crate::domain::{Campaign, LetterDraft, LetterId};
use crate::log::records::{SaltedRecord, text_record};
use crate::state::AppState;
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
    publish(state, draft, None).await
}

/// Publishes a stored draft: the letter, the draft's removal, its owner's role
/// and the audit entry are one transaction.
pub async fn publish_from_draft(
    state: &AppState,
    draft: &LetterDraft,
    from: crate::storage::FromDraft,
) -> Result<LetterId, PublishError> {
    publish(state, draft, Some(from)).await
}

async fn publish(
    state: &AppState,
    draft: &LetterDraft,
    from: Option<crate::storage::FromDraft>,
) -> Result<LetterId, PublishError> {
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
            from,
            state.clock.now(),
        )
        .await
        .map_err(anyhow::Error::from)??;
    state.log_wake.notify_one();
    state.cache.invalidate();
    tracing::info!(letter.slug = %draft.slug, "letter published");
    Ok(id)
}

/// Creates a campaign unless one with its slug exists; `true` if created.
pub async fn create_campaign(state: &AppState, campaign: &Campaign) -> anyhow::Result<bool> {
    let created = state.store.insert_campaign(campaign, state.clock.now()).await?;
    state.cache.invalidate();
    Ok(created)
}

/// Closes a letter: it stays readable and counted, and takes no more signatures.
pub async fn close_letter(state: &AppState, slug: &crate::domain::Slug) -> anyhow::Result<bool> {
    let closed = state.store.close_letter(slug, state.clock.now()).await?;
    state.cache.invalidate();
    if closed {
        tracing::info!(letter.slug = %slug, "letter closed");
    }
    Ok(closed)
}

/// Adds a name to a letter's watch list: a signature under a matching name (in any
/// script or spelling) is held for moderators. `false` if it was listed already.
pub async fn watch_name(state: &AppState, slug: &crate::domain::Slug, name: &str) -> anyhow::Result<bool> {
    let letter =
        state.store.letter(slug).await?.ok_or_else(|| anyhow::anyhow!("there is no letter {slug}"))?;
    let key = crate::abuse::names::name_key(name);
    anyhow::ensure!(!key.is_empty(), "{name:?} has no letters to match");
    Ok(state.store.add_to_watch_list(letter.id, &key).await?)
}

/// Creates a token for a trusted API client (a bulk importer): it signs without
/// proof of work or rate limits. The token is shown once; only its hash is kept.
pub async fn create_api_token(state: &AppState, name: &str) -> anyhow::Result<crate::crypto::PlainToken> {
    let token = crate::crypto::PlainToken::generate();
    let created = state.store.create_api_token(name, &token.hash(), state.clock.now()).await?;
    anyhow::ensure!(created, "a token named {name:?} exists already");
    tracing::info!(token.name = name, "API token created");
    Ok(token)
}
