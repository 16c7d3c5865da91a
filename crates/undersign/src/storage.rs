//! Persistence behind narrow traits, one per concern, so the service never sees
//! SQL and every backend passes the same conformance suite (`conformance`).
//! Storage stores and reads bytes; the rules (what is a duplicate, what a log
//! record says) belong to the use cases. Errors are the same for every engine.
//!
//! `sqlite` is the embedded default: one writer thread, a few reader connections.

pub mod campaigns;
#[cfg(test)]
mod conformance;
pub mod moderation;
pub mod organisers;
pub mod outbox;
pub mod postgres;
pub mod snapshot;
mod sqlite;
pub mod texts;
pub mod transfer;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::abuse::FlagKind;
use crate::abuse::pow::Solution;
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{
    Campaign, ConfirmedSignature, Letter, LetterDraft, LetterId, PublicSignature, SignatureId, Signer, Slug,
};
use crate::i18n::Language;
use crate::log::records::SaltedRecord;
use letterlog::leaf::EntryKind;

pub use sqlite::SqliteStore;

/// Failures of the storage layer itself (disk, corruption, a lost database, a
/// bug), the same for every engine: no driver's type appears here. Outcomes a
/// person can cause are values of the use case's own result, not errors here.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine failed (a bug, a full disk, a broken constraint); the
    /// driver's own error is kept for the log.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("the write was not committed: {0}")]
    CommitFailed(String),
    /// The database cannot store anything now (its disk is full, an I/O error,
    /// it is read-only): a 503 like `Unavailable`, healed when the operator
    /// frees space or the server is writable again.
    #[error("the database cannot write: {0}")]
    Unwritable(String),
    /// Too much at once (the writer's queue or the connection pool stayed full):
    /// the caller should come back in a moment, a 503 with `Retry-After`
    /// (back-pressure instead of unbounded memory).
    #[error("the database is busy")]
    Busy,
    /// The database cannot be reached (its worker stopped, the connection was
    /// lost, the server is down): also a 503, never a wrong answer. It heals
    /// by itself when the database is back.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether asking again later may succeed: the web layer answers 503 and
    /// `Retry-After` for these instead of 500.
    pub fn is_transient(&self) -> bool {
        self.outage().is_some()
    }

    /// What kind of passing trouble this is, if it is one.
    pub fn outage(&self) -> Option<Outage> {
        match self {
            StoreError::Busy => Some(Outage::Busy),
            StoreError::Unavailable(_) | StoreError::Unwritable(_) => Some(Outage::Down),
            StoreError::Backend(_) | StoreError::Corrupt(_) | StoreError::CommitFailed(_) => None,
        }
    }

    /// Finds a transient storage failure anywhere in an error's chain.
    pub fn outage_in(error: &anyhow::Error) -> Option<Outage> {
        error.chain().find_map(|cause| cause.downcast_ref::<StoreError>().and_then(StoreError::outage))
    }
}

/// Why a write cannot be done now but will work later: both are answered 503
/// with `Retry-After`, nothing of the request stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Too much at once: seconds.
    Busy,
    /// The database is out of reach or cannot write (down, disk full,
    /// read-only): until the operator fixes it, usually minutes.
    Down,
}

/// How far a letter's log is behind: what waits for a checkpoint, and when
/// the last one was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterLogHealth {
    pub slug: Slug,
    /// The earliest due time of the entries not yet in a checkpoint (a
    /// withdrawal is due at its batch's end, a signature when confirmed).
    pub oldest_due: Option<OffsetDateTime>,
    pub last_checkpoint_at: Option<OffsetDateTime>,
}

/// A validated signature ready to store: the address already sealed and hashed.
#[derive(Debug, Clone)]
pub struct SealedSignature {
    pub letter: LetterId,
    pub email_lookup: EmailLookup,
    pub email_sealed: SealedEmail,
    pub name: String,
    pub title: Option<String>,
    pub affiliation: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub orcid: Option<String>,
    pub signer: Signer,
    pub show_name: bool,
    pub language: Language,
    /// The keyed hash of the provider-canonical address (duplicate flags).
    pub email_canonical_lookup: EmailLookup,
    /// The transliteration-folded name (duplicate flags, watch lists).
    pub name_key: String,
    /// The letter's verified institutional domain the address belongs to.
    pub verified_domain: Option<String>,
    /// Every flag the use case decided on, stored with the signature.
    pub flags: Vec<NewFlag>,
    /// Held for a moderator (its name is on the letter's watch list): confirmed
    /// but not counted or shown until released.
    pub held: bool,
}

/// A flag to store with a new signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFlag {
    pub kind: FlagKind,
    /// A burst's key, a reporter's note.
    pub detail: Option<String>,
    /// The signature it resembles, for duplicates.
    pub other: Option<SignatureId>,
}

impl NewFlag {
    pub fn new(kind: FlagKind) -> Self {
        Self { kind, detail: None, other: None }
    }
}

/// What the letter already holds that a new signature may resemble: read
/// before the signature is stored, so the use case can decide its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureFacts {
    /// A signature with the same provider-canonical address.
    pub same_canonical_address: Option<SignatureId>,
    /// A signature with the same folded name.
    pub same_name: Option<SignatureId>,
    /// The folded name is on the letter's watch list.
    pub watch_listed: bool,
}

/// Which mail to queue with a submission, for each thing storage may find: the
/// use case decides, storage picks by what it finds in the same transaction
/// (so two racing submissions of one address still get one signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailPlan {
    /// A new signature was stored.
    pub created: Option<outbox::MailKind>,
    /// The address had signed already and not confirmed yet.
    pub pending: Option<outbox::MailKind>,
    /// The address had signed already and confirmed.
    pub confirmed: Option<outbox::MailKind>,
}

impl MailPlan {
    /// No mail at all (the address had its mail for the day).
    pub const NONE: MailPlan = MailPlan { created: None, pending: None, confirmed: None };
}

/// What else a submission carries into its transaction.
#[derive(Debug, Clone)]
pub struct SubmitOptions {
    /// The proof of work to spend; its reuse makes the submission `Replayed`.
    pub spend: Option<Solution>,
    pub mail: MailPlan,
}

/// What storing a signature did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// A new pending signature and its confirmation mail job.
    Created(SignatureId),
    /// This address had signed this letter already: only the plan's mail for
    /// that case was queued.
    Duplicate { existing: SignatureId, confirmed: bool },
    /// The proof of work was used before: nothing was stored.
    Replayed,
}

/// What the signer's link leads to: the page's one state, read before any button
/// is pressed. Every link sent for a signature leads to the same state.
#[derive(Debug, Clone)]
pub enum TokenState {
    /// Not confirmed yet: the page shows what will be public, and the button.
    Pending { letter: Slug, preview: PublicPreview },
    /// Confirmed: the page is the signer's receipt.
    Confirmed { letter: Slug, seq: u64, receipt: Receipt },
    /// Never confirmed, and this link's time ran out.
    Expired { letter: Slug },
    /// Withdrawn before it was confirmed: nothing was counted or kept.
    DroppedUnconfirmed { letter: Slug },
    /// No link like this was sent (or its signature is long deleted).
    Unknown,
}

impl TokenState {
    /// The letter the link belongs to, if it names one.
    pub fn letter(&self) -> Option<&Slug> {
        match self {
            TokenState::Pending { letter, .. }
            | TokenState::Confirmed { letter, .. }
            | TokenState::Expired { letter }
            | TokenState::DroppedUnconfirmed { letter } => Some(letter),
            TokenState::Unknown => None,
        }
    }
}

/// What storage holds about the signature behind a link, read in one query by
/// each backend; the signer's page's state is decided from it here, once.
#[derive(Debug, Clone)]
pub(crate) struct LinkFacts {
    pub letter: Slug,
    /// Its number, once confirmed.
    pub seq: Option<u64>,
    pub withdrawn: bool,
    pub erased: bool,
    pub held: bool,
    /// The leaf of its signature entry, and of its withdrawal, once integrated.
    pub leaf: Option<u64>,
    pub withdrawal_leaf: Option<u64>,
    /// When its withdrawal's batch is due (Unix seconds).
    pub withdrawal_due: Option<i64>,
    /// This link's time ran out.
    pub expired: bool,
}

impl LinkFacts {
    /// Whether the page needs the signature's public fields (only before it is
    /// confirmed: the preview of what will be shown).
    pub(crate) fn needs_preview(&self) -> bool {
        self.seq.is_none() && !self.withdrawn && !self.expired
    }

    /// The page's one state; `preview` is read when [`Self::needs_preview`].
    pub(crate) fn into_state(self, preview: Option<PublicPreview>) -> TokenState {
        let letter = self.letter;
        match (self.seq, preview) {
            (Some(seq), _) => TokenState::Confirmed {
                letter,
                seq,
                receipt: Receipt {
                    leaf_index: self.leaf,
                    held: self.held,
                    withdrawal: self.withdrawn.then_some(Withdrawal {
                        leaf_index: self.withdrawal_leaf,
                        due_at: self.withdrawal_due.filter(|_| self.withdrawal_leaf.is_none()),
                        erased: self.erased,
                    }),
                },
            },
            (None, _) if self.withdrawn => TokenState::DroppedUnconfirmed { letter },
            (None, _) if self.expired => TokenState::Expired { letter },
            (None, Some(preview)) => TokenState::Pending { letter, preview },
            // The backend did not read what the page needs: say nothing wrong.
            (None, None) => TokenState::Unknown,
        }
    }
}

/// Exactly what a signature will show under the letter once confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPreview {
    /// `None` when the signer asked not to be shown (counted only).
    pub name: Option<String>,
    pub title: Option<String>,
    pub affiliation: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub orcid: Option<String>,
    pub pledge: Option<String>,
    pub organisation: bool,
}

/// One page of a search in a letter's signer list.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub rows: Vec<PublicSignature>,
    /// Every match of the search, on this page and all the others.
    pub matches: MatchCount,
}

/// How many signatures a search matches: counted exactly up to a bound (a
/// common word on a letter of a million signers would cost a scan of all its
/// matches on every page), and said plainly above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchCount {
    Exactly(u64),
    MoreThan(u64),
}

/// Where a confirmed signature stands in its letter's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The signature's leaf index, once integrated.
    pub leaf_index: Option<u64>,
    /// Waiting for a moderator (watch list): not in the log or the count yet.
    pub held: bool,
    pub withdrawal: Option<Withdrawal>,
}

/// A confirmed signature that was taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// The withdrawal's own leaf index, once its batch is in the log (`None`
    /// while it waits for the batch, or when the signature never was in the log).
    pub leaf_index: Option<u64>,
    /// When its batch is due (Unix seconds), while it waits.
    pub due_at: Option<i64>,
    /// The signer's details were erased with it.
    pub erased: bool,
}

/// A log prefix, entry by entry kind (what a checkpoint's size is made of).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryKinds {
    pub texts: u64,
    pub signatures: u64,
    pub withdrawals: u64,
    pub strikes: u64,
}

/// A letter whose log has entries waiting.
#[derive(Debug, Clone)]
pub struct LogTarget {
    pub letter: LetterId,
    pub slug: Slug,
    /// The log's name and key name.
    pub origin: String,
}

/// A log entry due for integration.
#[derive(Debug, Clone)]
pub struct DueEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub commit: [u8; 32],
    /// Withdrawals and strikes: the leaf index of the signature they cancel, or
    /// `None` while that signature is not yet integrated (the entry then waits).
    pub target_index: Option<u64>,
    /// Withdrawals and strikes: whether an integrated entry cancelled the target
    /// already (several references cancel once).
    pub target_cancelled: bool,
}

/// An entry as integrated: its index and the exact leaf.
#[derive(Debug, Clone)]
pub struct IntegratedEntry {
    pub id: i64,
    pub leaf_index: u64,
    pub ref_index: Option<u64>,
    pub leaf: Vec<u8>,
    pub leaf_hash: [u8; 32],
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: [u8; 32],
    /// The whole signed note.
    pub note: String,
    /// The count by the spec's rule at this size.
    pub count: u64,
}

/// The log moved on under the integrator, or its lease was taken over (another
/// node): nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the log changed during integration")]
pub struct IntegrationConflict;

/// What `<log>/records/<index>` may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordState {
    Shown { salt: [u8; 32], record: String },
    Withheld,
    Erased,
}

/// What a withdrawal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WithdrawOutcome {
    /// The withdrawal waits for its batch; the signature is no longer shown.
    Queued { letter: Slug },
    /// It was withdrawn before; nothing changed.
    AlreadyWithdrawn { letter: Slug },
    /// It was never confirmed: its data is gone and nothing enters the log.
    DroppedUnconfirmed { letter: Slug },
}

/// Why a confirmation did not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmRefusal {
    #[error("no signature has this confirmation link")]
    UnknownToken,
    #[error("the confirmation link has expired")]
    Expired,
    #[error("the letter no longer accepts signatures")]
    LetterClosed,
    #[error("the signature was withdrawn before it was confirmed")]
    Withdrawn,
}

/// A stored draft being published, and by whom.
#[derive(Debug, Clone)]
pub struct FromDraft {
    pub draft: i64,
    pub owner: organisers::AccountId,
    /// Its `letter` is filled in with the new letter.
    pub audit: organisers::AuditEntry,
}

/// A confirmed signature imported in bulk (the demo, later migrations).
#[derive(Debug, Clone)]
pub struct ImportedSignature {
    pub signature: SealedSignature,
    pub confirmed_at: OffsetDateTime,
}

/// A campaign with its letters, in the order they were added.
#[derive(Debug, Clone)]
pub struct CampaignWithLetters {
    pub campaign: Campaign,
    pub letters: Vec<Letter>,
    /// Related earlier campaigns it points to, as `(slug, title)`.
    pub related: Vec<(Slug, String)>,
}

/// Letters and campaigns: publishing, closing, reading.
#[async_trait]
pub trait LetterStore: Send + Sync {
    async fn insert_campaign(&self, campaign: &Campaign, now: OffsetDateTime) -> Result<bool, StoreError>;
    /// `Ok(None)` when the slug is taken or the campaign does not exist.
    /// Publishes a letter with its text entry (leaf 0) queued for the log; from a
    /// stored draft, the draft goes, its owner becomes the letter's organiser and
    /// the audit entry is written, in the same transaction.
    async fn insert_letter(
        &self,
        draft: &LetterDraft,
        wrapped_key: Vec<u8>,
        log_origin: String,
        text: SaltedRecord,
        from_draft: Option<FromDraft>,
        now: OffsetDateTime,
    ) -> Result<Result<LetterId, PublishRefusal>, StoreError>;
    /// Stops a letter taking signatures; `false` if there is no such letter.
    /// Closes a published letter; `false` if there is none (or it was closed).
    async fn close_letter(&self, slug: &Slug, now: OffsetDateTime) -> Result<bool, StoreError>;
    /// Closes every open letter whose closing day is before `today`, each with
    /// the audit entry given (its letter filled in); returns their slugs.
    async fn close_letters_past_their_day(
        &self,
        today: time::Date,
        audit: organisers::AuditEntry,
    ) -> Result<Vec<Slug>, StoreError>;
    async fn letters(&self) -> Result<Vec<Letter>, StoreError>;
    async fn letter(&self, slug: &Slug) -> Result<Option<Letter>, StoreError>;
    async fn wrapped_letter_key(&self, letter: LetterId) -> Result<Option<Vec<u8>>, StoreError>;
    async fn campaigns(&self) -> Result<Vec<CampaignWithLetters>, StoreError>;
    async fn campaign(&self, slug: &Slug) -> Result<Option<CampaignWithLetters>, StoreError>;
}

/// Signatures: stored pending, confirmed, listed, searched, withdrawn, purged.
#[async_trait]
pub trait SignatureStore: Send + Sync {
    /// What the letter holds that a new signature with this canonical address
    /// lookup and folded name would resemble.
    async fn signature_facts(
        &self,
        letter: LetterId,
        canonical_lookup: &EmailLookup,
        name_key: &str,
    ) -> Result<SignatureFacts, StoreError>;
    /// Spends the proof, then stores a pending signature with its flags, or finds
    /// the address's earlier one; queues the plan's mail for what it found; one
    /// transaction.
    async fn submit_signature(
        &self,
        signature: SealedSignature,
        options: SubmitOptions,
        now: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreError>;
    async fn token_state(&self, token: &HashedToken, now: OffsetDateTime) -> Result<TokenState, StoreError>;
    /// Confirms the pending signature holding this token. Confirming twice is not
    /// an error and counts once.
    async fn confirm_signature(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Result<ConfirmedSignature, ConfirmRefusal>, StoreError>;
    /// Shown signatures, newest confirmation first, before `before_seq` if given.
    async fn public_signatures(
        &self,
        letter: LetterId,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<PublicSignature>, StoreError>;
    async fn import_confirmed(&self, signatures: Vec<ImportedSignature>) -> Result<(), StoreError>;
    /// Shown signatures whose name, affiliation or city contain each of `words`
    /// (the last one as a prefix only when nobody matches them whole), newest
    /// confirmation first, numbered below `before_seq` if given; with the number
    /// of all matches, counted exactly up to `count_up_to`.
    async fn search_signatures(
        &self,
        letter: LetterId,
        words: &[String],
        before_seq: Option<u64>,
        limit: u32,
        count_up_to: u64,
    ) -> Result<SearchPage, StoreError>;
    /// Withdraws the signature holding this token; `erase` deletes its record,
    /// salt and personal data too (the leaf stays). The withdrawal entry is due at
    /// `due_at` (the batch).
    async fn withdraw_signature(
        &self,
        token: &HashedToken,
        erase: bool,
        withdrawal: SaltedRecord,
        due_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Result<WithdrawOutcome, ConfirmRefusal>, StoreError>;
    /// Deletes signatures still unconfirmed since before `pending_before`, and
    /// spent challenges that expired; returns how many of each.
    async fn purge_expired(
        &self,
        pending_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(u64, u64), StoreError>;
}

/// The letter log: entries waiting, leaves, checkpoints, records.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Letters with entries due for integration.
    async fn letters_with_due_entries(&self, now: OffsetDateTime) -> Result<Vec<LogTarget>, StoreError>;
    /// The leaf hashes of the integrated entries from index `from` up to the
    /// latest checkpoint, in index order (a node catches its tree up with them).
    async fn log_leaf_hashes(&self, letter: LetterId, from: u64) -> Result<Vec<[u8; 32]>, StoreError>;
    /// Due entries in the order they were made, at most `limit`.
    async fn due_entries(
        &self,
        letter: LetterId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<DueEntry>, StoreError>;
    /// Takes or keeps a letter's integrator lease for `holder` until `until`;
    /// the fencing token to commit with, or `None` while another holder's lease
    /// runs. A lease taken over gets a new, higher token.
    async fn acquire_log_lease(
        &self,
        letter: LetterId,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Option<u64>, StoreError>;
    /// Gives up `holder`'s leases (a node shutting down), so another node takes
    /// over at once instead of when they run out.
    async fn release_log_leases(&self, holder: &str) -> Result<(), StoreError>;
    /// Gives entries their leaves and stores the checkpoint, in one transaction,
    /// if the letter's lease still has the token `fence` and the log still has
    /// `expected_size` leaves.
    async fn commit_integration(
        &self,
        letter: LetterId,
        fence: u64,
        expected_size: u64,
        entries: Vec<IntegratedEntry>,
        checkpoint: StoredCheckpoint,
        now: OffsetDateTime,
    ) -> Result<Result<(), IntegrationConflict>, StoreError>;
    async fn latest_checkpoint(&self, letter: LetterId) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// How many of the first `size` entries are of each kind.
    async fn entry_kinds(&self, letter: LetterId, size: u64) -> Result<EntryKinds, StoreError>;
    /// Leaf bytes for `from ≤ index < to` (integrated only).
    async fn log_leaves(&self, letter: LetterId, from: u64, to: u64) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Every letter's integration state, for readiness and metrics.
    async fn log_health(&self) -> Result<Vec<LetterLogHealth>, StoreError>;
    /// Records for `from ≤ index < to` (integrated only).
    async fn log_records(
        &self,
        letter: LetterId,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, RecordState)>, StoreError>;
}

/// Abuse resistance: watch lists, API tokens, flags.
#[async_trait]
pub trait AbuseStore: Send + Sync {
    /// Adds a folded name to a letter's watch list; `false` if it was there.
    async fn add_to_watch_list(&self, letter: LetterId, name_key: &str) -> Result<bool, StoreError>;
    /// Stores a trusted API client's token hash; `false` if the name is taken.
    async fn create_api_token(
        &self,
        name: &str,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    async fn api_token_exists(&self, token: &HashedToken) -> Result<bool, StoreError>;
    /// Every flag on a letter's signatures.
    async fn signature_flags(&self, letter: LetterId) -> Result<Vec<SignatureFlag>, StoreError>;
}

/// The instance itself: which key files its database belongs to.
#[async_trait]
pub trait InstanceStore: Send + Sync {
    /// Records each key's fingerprint on first start; afterwards returns the
    /// names of the keys whose fingerprint differs from the one recorded.
    async fn check_key_fingerprints(
        &self,
        keys: Vec<(String, [u8; 32])>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError>;
    /// Writes `node`'s probe row (and deletes those of nodes unseen for a
    /// day) and commits durably: whether the database accepts writes now.
    async fn probe_write(&self, node: &str, now: OffsetDateTime) -> Result<(), StoreError>;
}

/// Everything the service stores, one narrow trait per concern; each
/// implementation (one per database engine) implements them all. Consumers take
/// the narrowest trait they use (`&dyn LogStore`, `Arc<dyn OutboxStore>`); a
/// `&dyn Store` coerces to any of them.
pub trait Store:
    LetterStore
    + SignatureStore
    + LogStore
    + AbuseStore
    + outbox::OutboxStore
    + organisers::OrganiserStore
    + moderation::ModerationStore
    + campaigns::CampaignStore
    + texts::TextStore
    + InstanceStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: LetterStore
        + SignatureStore
        + LogStore
        + AbuseStore
        + outbox::OutboxStore
        + organisers::OrganiserStore
        + moderation::ModerationStore
        + campaigns::CampaignStore
        + texts::TextStore
        + InstanceStore
        + Send
        + Sync
        + 'static
{
}

/// One flag on one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureFlag {
    pub signature: SignatureId,
    pub kind: FlagKind,
    /// The signature it resembles, for duplicates.
    pub other: Option<SignatureId>,
}

/// Why a letter could not be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishRefusal {
    #[error("a letter with the slug {0} already exists")]
    SlugTaken(String),
    #[error("there is no campaign with the slug {0}")]
    UnknownCampaign(String),
}
