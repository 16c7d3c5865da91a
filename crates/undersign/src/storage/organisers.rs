//! What storage keeps for organisers: accounts, sign-in links, sessions, the
//! second factor, roles, drafts and the audit log.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{LetterDraft, LetterId, Slug};
use crate::i18n::Language;

/// Storage's key for an account. Only storage makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountId(pub(crate) i64);

impl AccountId {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// What someone may do on one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Edits, closes, invites, reads signers' addresses and the audit log.
    Organiser,
    /// Reviews flagged signatures; never sees addresses.
    Moderator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::Moderator => "moderator",
        }
    }

    /// The Fluent id of the role's name.
    pub fn label_id(self) -> &'static str {
        match self {
            Role::Organiser => "role-organiser",
            Role::Moderator => "role-moderator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "organiser" => Some(Role::Organiser),
            "moderator" => Some(Role::Moderator),
            _ => None,
        }
    }
}

/// An organiser's account as the service needs it on every request.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub is_admin: bool,
    /// Invited by an admin to write and publish letters.
    pub may_publish: bool,
    /// The sealed TOTP secret, once enrolled.
    pub totp_sealed: Option<Vec<u8>>,
    pub totp_last_step: u64,
    pub language: Language,
}

impl Account {
    pub fn has_second_factor(&self) -> bool {
        self.totp_sealed.is_some()
    }

    /// Whether this account may write drafts and publish them.
    pub fn can_write_letters(&self) -> bool {
        self.is_admin || self.may_publish
    }
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    /// `false` while a TOTP or recovery code is still owed.
    pub second_factor_done: bool,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// A second factor being set up in this session: its sealed secret.
    pub pending_totp_sealed: Option<Vec<u8>>,
}

/// A draft as stored, with who owns it.
#[derive(Debug, Clone)]
pub struct StoredDraft {
    pub id: i64,
    pub owner: AccountId,
    pub draft: LetterDraft,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: OffsetDateTime,
    /// `None`: done from the command line.
    pub account: Option<AccountId>,
    pub letter: Option<LetterId>,
    pub action: String,
    pub detail: String,
}

/// A letter an account has a role on.
#[derive(Debug, Clone)]
pub struct RoleOnLetter {
    pub letter: LetterId,
    pub slug: Slug,
    pub title: String,
    pub role: Role,
}

/// Someone with a role on a letter, by account (the address stays sealed).
#[derive(Debug, Clone)]
pub struct LetterMember {
    pub account: AccountId,
    pub role: Role,
    pub email_lookup: EmailLookup,
    pub email_sealed: SealedEmail,
}

/// A confirmed signer's sealed contact address.
#[derive(Debug, Clone)]
pub struct SignerContact {
    pub seq: u64,
    pub name: String,
    pub email_lookup: EmailLookup,
    /// `None` once erased.
    pub email_sealed: Option<SealedEmail>,
}

/// Why a draft could not be saved or published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftRefusal {
    #[error("the address {0} is taken by another letter or draft")]
    SlugTaken(String),
    #[error("there is no such draft")]
    Unknown,
}

#[async_trait]
pub trait OrganiserStore: Send + Sync {
    /// Finds or makes the account for an address; `admin` makes it an admin
    /// (never the reverse). Returns the account and whether it is new.
    async fn ensure_account(
        &self,
        lookup: &EmailLookup,
        sealed: &SealedEmail,
        admin: bool,
        language: Language,
        now: OffsetDateTime,
    ) -> Result<(AccountId, bool), StoreError>;
    /// The account of an address, if it has one (nothing is made).
    async fn account_by_lookup(&self, lookup: &EmailLookup) -> Result<Option<AccountId>, StoreError>;
    /// Records a sign-in request and, if the address has an account and asked
    /// fewer than `per_hour` times in the last hour, queues a sign-in mail. The
    /// same write happens either way.
    /// Lets an account write and publish letters, queues its invitation mail and
    /// writes the audit entry, in one write. `false` if it could already.
    async fn allow_publishing(&self, account: AccountId, audit: AuditEntry) -> Result<bool, StoreError>;
    async fn request_sign_in(
        &self,
        lookup: &EmailLookup,
        per_hour: u32,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Spends a sign-in link and opens a session under `session` in the same
    /// write; `None` if the link is unknown, used or expired. Every other
    /// session of the browser is the caller's to end (the cookie is replaced).
    async fn use_sign_in_link(
        &self,
        link: &HashedToken,
        session: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<Account>, StoreError>;
    async fn session(&self, session: &HashedToken) -> Result<Option<Session>, StoreError>;
    async fn touch_session(&self, session: &HashedToken, now: OffsetDateTime) -> Result<(), StoreError>;
    async fn end_session(&self, session: &HashedToken) -> Result<(), StoreError>;
    /// Marks the second factor done with a TOTP code of time step `step`, unless a
    /// code of that step or a later one was accepted before (replay).
    async fn pass_second_factor_totp(&self, session: &HashedToken, step: u64) -> Result<bool, StoreError>;
    /// Marks the second factor done with a recovery code, spending it.
    async fn pass_second_factor_recovery(
        &self,
        session: &HashedToken,
        code: &HashedToken,
    ) -> Result<bool, StoreError>;
    /// Enrols TOTP: stores the secret and the recovery codes' hashes, replacing
    /// any earlier ones, and marks the current session's second factor done.
    /// Keeps a second factor's secret, sealed, with this session while it is set up.
    async fn set_pending_totp(&self, session: &HashedToken, sealed_secret: Vec<u8>)
    -> Result<(), StoreError>;
    /// Makes the session's pending secret the account's second factor (and
    /// forgets it as pending), with fresh recovery codes.
    async fn enrol_totp(
        &self,
        session: &HashedToken,
        sealed_secret: Vec<u8>,
        step: u64,
        recovery_codes: Vec<HashedToken>,
    ) -> Result<(), StoreError>;
    /// Deletes sessions idle since `idle_before` or opened before `opened_before`,
    /// sign-in links that expired, sign-in requests older than `requests_before`
    /// and removal requests whose link expired unconfirmed.
    async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        opened_before: OffsetDateTime,
        requests_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    // Roles.
    async fn letter_role(&self, account: AccountId, letter: LetterId) -> Result<Option<Role>, StoreError>;
    async fn roles_of(&self, account: AccountId) -> Result<Vec<RoleOnLetter>, StoreError>;
    async fn letter_members(&self, letter: LetterId) -> Result<Vec<LetterMember>, StoreError>;
    /// Gives `account` `role` on `letter` (a second role replaces the first),
    /// queues the invitation mail when `notify`, and writes the audit entry, in
    /// one write. `false` if it had that role already.
    async fn grant_role(
        &self,
        letter: LetterId,
        account: AccountId,
        role: Role,
        notify: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;

    // Drafts.
    /// Saves a new draft (`id` None) or changes one, with its audit entry.
    async fn save_draft(
        &self,
        id: Option<i64>,
        owner: AccountId,
        draft: &LetterDraft,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<i64, DraftRefusal>, StoreError>;
    async fn draft(&self, id: i64) -> Result<Option<StoredDraft>, StoreError>;
    /// The drafts `owner` wrote, newest first.
    async fn drafts(&self, owner: AccountId) -> Result<Vec<StoredDraft>, StoreError>;
    /// Changes a letter's signature form, with its audit entry.
    async fn set_form_settings(
        &self,
        letter: LetterId,
        settings: &crate::domain::FormSettings,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;

    // The audit log.
    async fn append_audit(&self, entry: AuditEntry) -> Result<(), StoreError>;
    /// Newest first; a letter's entries, or all for `None`.
    async fn audit_entries(
        &self,
        letter: Option<LetterId>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// Confirmed signers with their sealed addresses, by confirmation order,
    /// after `after_seq`.
    async fn signer_contacts(
        &self,
        letter: LetterId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<SignerContact>, StoreError>;
    /// Who an account is (to show an organiser their own address).
    async fn account_email(
        &self,
        account: AccountId,
    ) -> Result<Option<(EmailLookup, SealedEmail)>, StoreError>;
}
