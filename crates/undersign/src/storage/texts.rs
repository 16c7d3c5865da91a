//! What storage keeps of letters' texts: every version and translation (each a
//! `text` leaf), and signers' re-confirmations on a newer version.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use super::organisers::AuditEntry;
use crate::crypto::HashedToken;
use crate::domain::{Letter, LetterId, LetterLanguage};

/// One published text of a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterText {
    pub version: u32,
    pub language: LetterLanguage,
    pub title: String,
    pub addressee: String,
    pub body: String,
    pub published_at: OffsetDateTime,
}

/// A text to publish.
#[derive(Debug, Clone)]
pub struct NewText {
    pub language: LetterLanguage,
    pub title: String,
    pub addressee: String,
    pub body: String,
}

/// Why a text was not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextRefusal {
    #[error("this version already has a text in that language")]
    TranslationExists,
    #[error("a translation must be in another language than the letter")]
    SameLanguage,
    #[error("the correction changes nothing")]
    Unchanged,
    #[error("the letter is closed")]
    Closed,
}

/// What a re-confirmation link is about.
#[derive(Debug, Clone)]
pub struct ReconfirmState {
    pub letter: Letter,
    /// The version the signature stands on now.
    pub signed_version: u32,
}

#[async_trait]
pub trait TextStore: Send + Sync {
    /// Every text, oldest version first, the letter's own language first.
    async fn letter_texts(&self, letter: LetterId) -> Result<Vec<LetterText>, StoreError>;
    /// Publishes a correction in the letter's own language as the next version,
    /// with its `text` entry; returns the new version.
    async fn publish_version(
        &self,
        letter: LetterId,
        text: NewText,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<u32, TextRefusal>, StoreError>;
    /// Publishes a translation of the current version, with its `text` entry.
    async fn publish_translation(
        &self,
        letter: LetterId,
        text: NewText,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<u32, TextRefusal>, StoreError>;
    /// Queues "there is a new version" mail for up to `limit` standing signatures
    /// not told about the current version yet; returns how many.
    async fn queue_version_notices(
        &self,
        letter: LetterId,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;
    /// Letters with signatures not yet told about their current version.
    async fn letters_with_version_notices_due(&self) -> Result<Vec<LetterId>, StoreError>;
    async fn reconfirm_state(&self, token: &HashedToken) -> Result<Option<ReconfirmState>, StoreError>;
    /// Moves the signature to the letter's current version; `None` if the link is
    /// unknown. Re-confirming twice changes nothing.
    async fn reconfirm(&self, token: &HashedToken) -> Result<Option<ReconfirmState>, StoreError>;
}
