//! What storage keeps for moderation: the queue of flagged signatures, approvals,
//! strikes (with their log entries) and readers' reports.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use super::organisers::AuditEntry;
use crate::abuse::FlagKind;
use crate::domain::{LetterId, SignatureId};

/// One flag as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFlag {
    pub kind: FlagKind,
    /// The confirmation number of the signature it resembles, for duplicates.
    pub other_seq: Option<u64>,
    /// A burst's key, or a reader's note.
    pub detail: Option<String>,
}

/// A signature waiting for a moderator, with what it shows and why it is here.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub signature: SignatureId,
    /// `None` while unconfirmed.
    pub seq: Option<u64>,
    pub name: String,
    pub affiliation: Option<String>,
    pub city: Option<String>,
    /// Held out of the count until released (watch list).
    pub held: bool,
    pub confirmed: bool,
    pub flags: Vec<QueueFlag>,
}

/// Which signatures a bulk action takes: every undecided confirmed one carrying a
/// flag of this kind (and, for bursts, this burst).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRule {
    pub kind: FlagKind,
    pub detail: Option<String>,
}

/// What a strike did to one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrikeTally {
    /// Struck signatures that were in the log: each gets a strike entry.
    pub in_log: u64,
    /// Struck while held: never counted, so nothing enters the log.
    pub held: u64,
}

/// What a removal link is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovalState {
    pub letter_slug: crate::domain::Slug,
    pub letter_title: String,
    pub signer_name: String,
    pub confirmed: bool,
}

#[async_trait]
pub trait ModerationStore: Send + Sync {
    /// Records a removal request for a shown signature (by its number) and queues
    /// its confirmation mail; `false` if there is no such signature.
    #[allow(clippy::too_many_arguments)]
    async fn request_removal(
        &self,
        letter: LetterId,
        seq: u64,
        email_lookup: crate::crypto::EmailLookup,
        email_sealed: crate::crypto::SealedEmail,
        language: crate::i18n::Language,
        note: String,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    async fn removal_state(
        &self,
        token: &crate::crypto::HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<RemovalState>, StoreError>;
    /// Confirms the request: the signature goes to the moderation queue flagged
    /// `removal_requested`, and the requester's address is deleted.
    async fn confirm_removal(
        &self,
        token: &crate::crypto::HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<RemovalState>, StoreError>;
    /// Confirmed (or held) signatures with flags and no decision yet, oldest first.
    async fn moderation_queue(&self, letter: LetterId, limit: u32) -> Result<Vec<QueueItem>, StoreError>;
    /// The undecided confirmed signatures a rule takes (a bulk action's preview).
    async fn signatures_matching(
        &self,
        letter: LetterId,
        rule: &FlagRule,
        limit: u32,
    ) -> Result<Vec<QueueItem>, StoreError>;
    /// Keeps a signature: releases it into the log if it was held. `false` if it
    /// is not an undecided signature of this letter.
    async fn approve_signature(
        &self,
        letter: LetterId,
        signature: SignatureId,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Strikes signatures of this letter with one public reason; those in the
    /// log get a strike entry each (its own salted record), due at once.
    /// Signatures already struck, withdrawn or unconfirmed are skipped.
    async fn strike_signatures(
        &self,
        letter: LetterId,
        signatures: Vec<SignatureId>,
        reason: String,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<StrikeTally, StoreError>;
    /// A reader's report on a shown signature (by its confirmation number);
    /// `false` if no such shown signature.
    async fn report_signature(&self, letter: LetterId, seq: u64, note: String) -> Result<bool, StoreError>;
}
