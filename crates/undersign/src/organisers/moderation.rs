//! Moderation: the queue of flagged signatures, keeping or striking them (a strike
//! has a public reason and becomes a `strike` leaf, so the count drops and the log
//! shows why), bulk strikes by rule after a preview, and readers' reports.

use sha2::{Digest, Sha256};

use crate::domain::{BoundedText, FieldErrorKind, Letter, SignatureId};
use crate::organisers::{actions, audit};
use crate::state::AppState;
use crate::storage::StoreError;
use crate::storage::moderation::{FlagRule, QueueItem, StrikeTally};
use crate::storage::organisers::Account;

/// Characters of a strike's public reason.
pub const MAX_REASON: usize = 300;
/// Characters of a reader's note with a report.
pub const MAX_REPORT_NOTE: usize = 500;
/// Most signatures one bulk strike takes.
pub const BULK_MOST: u32 = 10_000;

/// A strike's reason, as the log will show it: required, one line.
pub fn parse_reason(input: &str) -> Result<String, FieldErrorKind> {
    BoundedText::parse(input, MAX_REASON).map(BoundedText::into_string)
}

/// A fingerprint of a preview's exact set of signatures: a bulk strike goes ahead
/// only if the rule still takes exactly what the moderator saw.
pub fn preview_digest(items: &[QueueItem]) -> String {
    let mut hash = Sha256::new();
    for item in items {
        hash.update(item.signature.get().to_be_bytes());
    }
    hex::encode(&hash.finalize()[..16])
}

pub async fn approve(
    state: &AppState,
    by: &Account,
    letter: &Letter,
    signature: SignatureId,
) -> Result<bool, StoreError> {
    let now = state.clock.now();
    let entry = audit(
        Some(by.id),
        Some(letter.id),
        actions::SIGNATURE_APPROVED,
        crate::organisers::detail("signature", &[&signature.get().to_string()]),
        now,
    );
    let kept = state.store.approve_signature(letter.id, signature, entry, now).await?;
    if kept {
        // A released signature enters the log and the list.
        state.log_wake.notify_one();
        state.cache.invalidate();
    }
    Ok(kept)
}

pub async fn strike(
    state: &AppState,
    by: &Account,
    letter: &Letter,
    signatures: Vec<SignatureId>,
    reason: &str,
    what: &str,
) -> Result<StrikeTally, StoreError> {
    let now = state.clock.now();
    let entry = audit(
        Some(by.id),
        Some(letter.id),
        actions::SIGNATURES_STRUCK,
        crate::organisers::detail("struck", &[what, reason]),
        now,
    );
    let tally = state.store.strike_signatures(letter.id, signatures, reason.to_owned(), entry, now).await?;
    if tally.in_log + tally.held > 0 {
        tracing::info!(letter.slug = %letter.slug, struck = tally.in_log + tally.held, "signatures struck");
        crate::metrics::metrics().signatures_struck.inc_by(tally.in_log + tally.held);
        state.log_wake.notify_one();
        state.cache.invalidate();
    }
    Ok(tally)
}

/// What a bulk strike found when it was to be done.
pub enum BulkOutcome {
    Struck(StrikeTally),
    /// The rule takes other signatures than the preview showed (more arrived, or
    /// someone decided some meanwhile): nothing was done.
    PreviewOutdated,
}

pub async fn strike_matching(
    state: &AppState,
    by: &Account,
    letter: &Letter,
    rule: &FlagRule,
    seen_digest: &str,
    reason: &str,
) -> Result<BulkOutcome, StoreError> {
    let items = state.store.signatures_matching(letter.id, rule, BULK_MOST).await?;
    if preview_digest(&items) != seen_digest {
        return Ok(BulkOutcome::PreviewOutdated);
    }
    let what = match &rule.detail {
        Some(detail) => format!("every signature flagged {} {detail}", rule.kind.as_str()),
        None => format!("every signature flagged {}", rule.kind.as_str()),
    };
    let ids = items.iter().map(|i| i.signature).collect();
    Ok(BulkOutcome::Struck(strike(state, by, letter, ids, reason, &what).await?))
}

/// A reader reports a shown signature as fake; `false` if there is none with
/// this number. The note is optional.
pub async fn report(
    state: &AppState,
    letter: &Letter,
    seq: u64,
    note: &str,
) -> Result<Result<bool, FieldErrorKind>, StoreError> {
    let note = match BoundedText::parse_optional(note, MAX_REPORT_NOTE) {
        Ok(note) => note.map(BoundedText::into_string).unwrap_or_default(),
        Err(kind) => return Ok(Err(kind)),
    };
    let reported = state.store.report_signature(letter.id, seq, note).await?;
    if reported {
        tracing::info!(letter.slug = %letter.slug, "a reader reported a signature");
    }
    Ok(Ok(reported))
}

/// "That is not me": the person named gives an address; a link goes there, and
/// only once they open it and press its button does the signature reach the
/// moderators flagged `removal_requested`. `false` if there is no such signature.
pub async fn request_removal(
    state: &AppState,
    letter: &Letter,
    seq: u64,
    email: &crate::domain::EmailAddress,
    note: &str,
    language: crate::i18n::Language,
) -> anyhow::Result<bool> {
    // The form must not become a way to mail strangers: the address's daily
    // allowance is shared with confirmation mail. Over it, nothing is queued and
    // the answer is the same.
    if !state.mail_quota.try_take(&email.canonical(), state.clock.now()) {
        tracing::info!(letter.slug = %letter.slug, "removal request over the address's daily mail allowance");
        return Ok(true);
    }
    let wrapped = state
        .store
        .wrapped_letter_key(letter.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the letter has no key"))?;
    let key = state.keys.unwrap_letter_key(letter.slug.as_str(), &wrapped)?;
    // Scoped like signers' hashes, but never compared with them.
    let lookup = state.keys.email_lookup(letter.id, email);
    let sealed = key.seal_email(email, &lookup)?;
    let note = BoundedText::parse_optional(note, MAX_REPORT_NOTE)
        .ok()
        .flatten()
        .map(BoundedText::into_string)
        .unwrap_or_default();
    let queued = state
        .store
        .request_removal(letter.id, seq, lookup, sealed, language, note, state.clock.now())
        .await?;
    if queued {
        state.mail_wake.notify_one();
    }
    Ok(queued)
}

pub async fn removal_state(
    state: &AppState,
    token: &str,
) -> Result<Option<crate::storage::moderation::RemovalState>, StoreError> {
    match crate::crypto::PlainToken::parse(token) {
        Some(token) => state.store.removal_state(&token.hash(), state.clock.now()).await,
        None => Ok(None),
    }
}

pub async fn confirm_removal(
    state: &AppState,
    token: &str,
) -> Result<Option<crate::storage::moderation::RemovalState>, StoreError> {
    match crate::crypto::PlainToken::parse(token) {
        Some(token) => state.store.confirm_removal(&token.hash(), state.clock.now()).await,
        None => Ok(None),
    }
}
