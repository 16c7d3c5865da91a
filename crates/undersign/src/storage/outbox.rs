//! The one outbox: every mail the service sends is a job written in the same
//! transaction as the change that causes it, then claimed, sent and finished by
//! the mail worker in one cycle, whatever the mail is about.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use super::organisers::{AccountId, Role};
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{LetterId, SignatureId, Slug};
use crate::i18n::Language;

/// A claimed job: what to send, and how often it was tried.
#[derive(Debug, Clone)]
pub struct MailJob {
    pub id: i64,
    /// Including this one.
    pub attempts: u32,
    pub mail: Mail,
}

/// What a job sends, with everything needed to write it.
#[derive(Debug, Clone)]
pub enum Mail {
    Signer(SignerMail),
    Organiser(OrganiserMail),
    Removal(RemovalMail),
}

/// The kinds of mail signers get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// "Please confirm your signature" with a fresh link.
    Confirm,
    /// "You have already signed this letter."
    AlreadySigned,
    /// "The letter you signed has a new version", with a link to re-confirm.
    NewVersion,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Confirm => "confirm",
            MailKind::AlreadySigned => "already_signed",
            MailKind::NewVersion => "new_version",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "confirm" => Some(MailKind::Confirm),
            "already_signed" => Some(MailKind::AlreadySigned),
            "new_version" => Some(MailKind::NewVersion),
            _ => None,
        }
    }
}

/// Mail to a signer about their signature.
#[derive(Debug, Clone)]
pub struct SignerMail {
    pub kind: MailKind,
    pub signature: SignatureId,
    pub signature_confirmed: bool,
    pub letter_slug: Slug,
    pub letter_title: String,
    pub wrapped_letter_key: Vec<u8>,
    pub email_lookup: EmailLookup,
    /// `None` when the address was erased: nothing to send.
    pub email_sealed: Option<SealedEmail>,
    pub language: Language,
}

/// The kinds of mail organisers get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganiserMailKind {
    /// A fresh single-use sign-in link.
    SignIn,
    /// "You were made organiser (or moderator) of this letter", or, without a
    /// letter, "you were invited to publish letters here".
    Invitation { letter: Option<LetterId>, role: Role },
    /// "You were made an organiser of this campaign."
    CampaignInvitation,
}

/// Mail to an organiser's account.
#[derive(Debug, Clone)]
pub struct OrganiserMail {
    pub kind: OrganiserMailKind,
    pub account: AccountId,
    pub email_lookup: EmailLookup,
    pub email_sealed: SealedEmail,
    pub language: Language,
    /// Invitations to a letter: its slug and title.
    pub letter: Option<(Slug, String)>,
    /// Invitations to a campaign: its slug and title.
    pub campaign: Option<(Slug, String)>,
}

/// The confirmation link of a "that is not me" removal request, to the address
/// the requester gave.
#[derive(Debug, Clone)]
pub struct RemovalMail {
    pub request: i64,
    pub letter_slug: Slug,
    pub letter_title: String,
    pub wrapped_letter_key: Vec<u8>,
    pub email_lookup: EmailLookup,
    /// `None` when the request was confirmed or given up meanwhile.
    pub email_sealed: Option<SealedEmail>,
    pub language: Language,
    /// The name the signature shows.
    pub signer_name: String,
}

/// A link made for a mail; its hash is stored before the mail leaves, so a
/// plain token exists only in its message.
#[derive(Debug, Clone)]
pub enum IssuedLink {
    /// Confirms a pending signature; it joins the links sent before, none of
    /// which stops working.
    Confirmation { signature: SignatureId, token: HashedToken, expires_at: OffsetDateTime },
    /// Re-confirms a signature on a letter's new version (one per signature).
    Reconfirmation { signature: SignatureId, token: HashedToken },
    /// Signs an organiser in, once.
    SignIn { account: AccountId, token: HashedToken, expires_at: OffsetDateTime },
    /// Confirms a removal request (one per request).
    Removal { request: i64, token: HashedToken, expires_at: OffsetDateTime },
}

/// How a claimed job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    /// Sent, or nothing needed sending: the job goes.
    Done,
    /// Try again at this time.
    Retry { at: OffsetDateTime, error: String },
    /// Try again at this time; this attempt does not count (the fault was this
    /// machine's, e.g. a full disk under the outbox folder).
    Postpone { at: OffsetDateTime, error: String },
    /// Given up: kept as dead for the operator (a removal request's address is
    /// deleted with it).
    Dead { error: String },
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` of the oldest due jobs: their attempts are counted and
    /// they are leased until `lease_until`, so a crash mid-send only delays them.
    /// Two workers never hold the same job at once.
    async fn claim_mail_jobs(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<MailJob>, StoreError>;
    /// Stores the hashes of freshly made links, in one write.
    async fn store_links(&self, links: Vec<IssuedLink>) -> Result<(), StoreError>;
    /// Ends claimed jobs, in one write.
    async fn finish_mail_jobs(&self, ends: Vec<(i64, JobEnd)>) -> Result<(), StoreError>;
    /// The time the next queued job is due, if any.
    async fn next_mail_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;
    /// How many jobs are queued, and since when the earliest is due (metrics).
    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;
}

/// The outbox in two figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxStats {
    pub waiting: u64,
    pub oldest_due: Option<OffsetDateTime>,
}
