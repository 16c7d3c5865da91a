//! Organisers: who they are (accounts, passwordless sign-in, sessions, the second
//! factor), what they may do on a letter (roles), and what they did (the audit log).
//!
//! Web handlers call these; nothing here knows about HTTP.

pub mod campaigns;
pub mod drafts;
pub mod moderation;
pub mod texts;
pub mod totp;

use time::{Duration, OffsetDateTime};

use crate::crypto::PlainToken;
use crate::domain::{EmailAddress, Letter, LetterId};
use crate::i18n::Language;
use crate::state::AppState;
use crate::storage::StoreError;
use crate::storage::organisers::{Account, AccountId, AuditEntry, Role, Session};
use crate::storage::outbox::IssuedLink;

/// How long a sign-in link works.
pub const SIGN_IN_LINK_VALIDITY: Duration = Duration::minutes(15);
/// A session ends after this long without a request…
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// …and this long after sign-in, however busy.
pub const SESSION_LONGEST: Duration = Duration::hours(24);
/// Sign-in mails per address per hour; further requests are answered the same
/// way and send nothing.
pub const SIGN_IN_MAILS_PER_HOUR: u32 = 5;
pub use crate::rate_limit::SIGN_IN_REQUESTS_PER_HOUR_PER_NETWORK;
/// A session's last-seen time is written at most this often.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Audit actions, as stored and shown.
pub mod actions {
    pub const ADMIN_CREATED: &str = "admin_created";
    pub const SIGN_IN_LINK_MADE: &str = "sign_in_link_made";
    pub const DRAFT_CREATED: &str = "draft_created";
    pub const DRAFT_EDITED: &str = "draft_edited";
    pub const LETTER_PUBLISHED: &str = "letter_published";
    pub const LETTER_CLOSED: &str = "letter_closed";
    pub const ROLE_GRANTED: &str = "role_granted";
    pub const PUBLISHING_ALLOWED: &str = "publishing_allowed";
    pub const SIGNER_ADDRESSES_READ: &str = "signer_addresses_read";
    pub const SECOND_FACTOR_ENROLLED: &str = "second_factor_enrolled";
    pub const SIGNATURE_APPROVED: &str = "signature_approved";
    pub const CAMPAIGN_CREATED: &str = "campaign_created";
    pub const VERSION_PUBLISHED: &str = "version_published";
    pub const FORM_CHANGED: &str = "form_changed";
    pub const WATCH_LIST_CHANGED: &str = "watch_list_changed";
    pub const TRANSLATION_PUBLISHED: &str = "translation_published";
    pub const CAMPAIGN_EDITED: &str = "campaign_edited";
    pub const SIGNATURES_STRUCK: &str = "signatures_struck";
}

/// An audit entry's detail, kept as a message id and its values (never an
/// English sentence), so that every organiser reads it in their own language:
/// `audit-detail-<key>` in the Fluent files, with the values as `$a`, `$b`, ….
/// The values are identifiers (slugs, numbers, languages) or words people wrote
/// (a strike's reason), shown as they are.
pub fn detail(key: &str, values: &[&str]) -> String {
    let mut stored = format!("{DETAIL_MARK}{key}");
    for value in values {
        stored.push(DETAIL_SEPARATOR);
        // A separator typed into a reason must not shift the values after it.
        stored.push_str(&value.replace(DETAIL_SEPARATOR, " "));
    }
    stored
}

const DETAIL_MARK: char = '@';
/// The ASCII unit separator: never typed, so it can divide the values.
const DETAIL_SEPARATOR: char = '\u{1f}';

/// A stored detail's message id and values, if it was written by [`detail`]
/// (entries from before are plain text, shown as they are).
pub fn parse_detail(stored: &str) -> Option<(String, Vec<&str>)> {
    let rest = stored.strip_prefix(DETAIL_MARK)?;
    let mut parts = rest.split(DETAIL_SEPARATOR);
    let key =
        parts.next().filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))?;
    Some((format!("audit-detail-{key}"), parts.collect()))
}

pub fn audit(
    account: Option<AccountId>,
    letter: Option<LetterId>,
    action: &str,
    detail: impl Into<String>,
    at: OffsetDateTime,
) -> AuditEntry {
    AuditEntry { at, account, letter, action: action.to_owned(), detail: detail.into() }
}

/// Writes an operator's command-line action into the audit log (no account).
pub async fn record_operator_action(
    state: &AppState,
    letter: Option<LetterId>,
    action: &str,
    detail: &str,
) -> Result<(), StoreError> {
    state.store.append_audit(audit(None, letter, action, detail, state.clock.now())).await
}

/// The account of an address, made if it has none (sealed and hashed like every
/// stored address); `admin` makes it an admin. Returns it and whether it is new.
pub(crate) async fn account_for(
    state: &AppState,
    email: &EmailAddress,
    admin: bool,
    language: Language,
) -> anyhow::Result<(AccountId, bool)> {
    let lookup = state.keys.account_lookup(email);
    let sealed = state.keys.account_key().seal_email(email, &lookup)?;
    Ok(state.store.ensure_account(&lookup, &sealed, admin, language, state.clock.now()).await?)
}

/// Makes (or promotes) an instance admin, for `undersign admin create`.
/// Returns whether the account is new.
pub async fn create_admin(state: &AppState, email: &EmailAddress) -> anyhow::Result<bool> {
    let (account, created) = account_for(state, email, true, Language::En).await?;
    let now = state.clock.now();
    state
        .store
        .append_audit(audit(
            None,
            None,
            actions::ADMIN_CREATED,
            detail("account", &[&account.get().to_string()]),
            now,
        ))
        .await?;
    tracing::info!(account = account.get(), created, "instance admin made from the command line");
    Ok(created)
}

/// Asks for a sign-in link. Whether or not the address has an account, the same
/// write happens and the caller answers the same way; only an account gets mail.
pub async fn request_sign_in(state: &AppState, email: &EmailAddress) -> Result<(), StoreError> {
    let lookup = state.keys.account_lookup(email);
    state.store.request_sign_in(&lookup, SIGN_IN_MAILS_PER_HOUR, state.clock.now()).await?;
    state.mail_wake.notify_one();
    Ok(())
}

/// A sign-in link made on the operator's command line, for an organiser who
/// cannot get one by mail (their address hit its hourly cap because someone kept
/// asking for links, or mail is down). `None` if the address has no account.
/// The operator hands it over by a channel they trust; it is in the audit log.
pub async fn operator_sign_in_link(
    state: &AppState,
    email: &EmailAddress,
) -> anyhow::Result<Option<PlainToken>> {
    let lookup = state.keys.account_lookup(email);
    let Some(account) = state.store.account_by_lookup(&lookup).await? else { return Ok(None) };
    let token = PlainToken::generate();
    let now = state.clock.now();
    state
        .store
        .store_links(vec![IssuedLink::SignIn {
            account,
            token: token.hash(),
            expires_at: now + SIGN_IN_LINK_VALIDITY,
        }])
        .await?;
    state
        .store
        .append_audit(audit(
            None,
            None,
            actions::SIGN_IN_LINK_MADE,
            format!("account {}", account.get()),
            now,
        ))
        .await?;
    tracing::info!(account = account.get(), "sign-in link made from the command line");
    Ok(Some(token))
}

/// A session just opened: its token goes into the cookie, never anywhere else.
pub struct NewSession {
    pub token: PlainToken,
    pub account: Account,
}

/// Spends a sign-in link and opens a fresh session (a new token every time: a
/// session id planted before sign-in is never promoted). `None`: the link is
/// unknown, used or expired.
pub async fn sign_in_with_link(
    state: &AppState,
    link: &PlainToken,
) -> Result<Option<NewSession>, StoreError> {
    let token = PlainToken::generate();
    let account = state.store.use_sign_in_link(&link.hash(), &token.hash(), state.clock.now()).await?;
    Ok(account.map(|account| {
        tracing::info!(account = account.id.get(), "organiser signed in");
        NewSession { token, account }
    }))
}

/// The session a cookie names, if it is still open; ends it if it went idle or
/// grew too old.
pub async fn current_session(state: &AppState, token: &PlainToken) -> Result<Option<Session>, StoreError> {
    let hash = token.hash();
    let Some(session) = state.store.session(&hash).await? else { return Ok(None) };
    let now = state.clock.now();
    if now - session.last_seen_at > SESSION_IDLE || now - session.created_at > SESSION_LONGEST {
        state.store.end_session(&hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_EVERY {
        state.store.touch_session(&hash, now).await?;
    }
    Ok(Some(session))
}

pub async fn sign_out(state: &AppState, token: &PlainToken) -> Result<(), StoreError> {
    state.store.end_session(&token.hash()).await
}

/// What the second factor step decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    Passed,
    Refused,
}

/// Checks a TOTP code or, failing that, a recovery code for a session waiting
/// for its second factor. A code works once.
pub async fn pass_second_factor(
    state: &AppState,
    session_token: &PlainToken,
    account: &Account,
    typed: &str,
) -> anyhow::Result<SecondFactor> {
    let Some(sealed) = &account.totp_sealed else { return Ok(SecondFactor::Refused) };
    let secret = totp::TotpSecret::from_bytes(state.keys.open_totp(account.id.get(), sealed)?);
    let now = state.clock.now().unix_timestamp().max(0) as u64;
    let passed = match secret.verify(typed, now) {
        Some(step) => state.store.pass_second_factor_totp(&session_token.hash(), step).await?,
        None => {
            state
                .store
                .pass_second_factor_recovery(&session_token.hash(), &totp::hash_recovery_code(typed))
                .await?
        }
    };
    Ok(if passed { SecondFactor::Passed } else { SecondFactor::Refused })
}

/// Starts setting up a second factor: a fresh secret, kept sealed with this
/// session only (never handed to the browser to send back, so no client can
/// choose its own secret). Starting again replaces it.
pub async fn begin_second_factor(
    state: &AppState,
    session_token: &PlainToken,
    account: &Account,
) -> anyhow::Result<()> {
    let secret = totp::TotpSecret::generate();
    let sealed = state.keys.seal_totp(account.id.get(), secret.as_bytes())?;
    state.store.set_pending_totp(&session_token.hash(), sealed).await?;
    Ok(())
}

/// The second factor this session is setting up, if it started one.
pub fn pending_second_factor(
    state: &AppState,
    session: &Session,
) -> anyhow::Result<Option<totp::TotpSecret>> {
    session
        .pending_totp_sealed
        .as_deref()
        .map(|sealed| {
            Ok(totp::TotpSecret::from_bytes(state.keys.open_totp(session.account.id.get(), sealed)?))
        })
        .transpose()
}

/// How setting up a second factor ended.
pub enum Enrolment {
    /// Done: the recovery codes, to show this once.
    Enrolled(Vec<String>),
    /// The session has no secret being set up (start again).
    NotStarted,
    /// An account that has a second factor must prove it (a current code or a
    /// recovery code) before replacing it.
    CurrentRefused,
    /// The code from the new secret was wrong.
    WrongCode,
}

/// Makes the session's pending secret the account's second factor once the
/// organiser typed a code from it; replacing an enrolled one needs `current`,
/// a code from it (or a recovery code), which is spent.
pub async fn enrol_second_factor(
    state: &AppState,
    session_token: &PlainToken,
    session: &Session,
    typed: &str,
    current: &str,
) -> anyhow::Result<Enrolment> {
    let account = &session.account;
    let Some(secret) = pending_second_factor(state, session)? else { return Ok(Enrolment::NotStarted) };
    let now = state.clock.now();
    let Some(step) = secret.verify(typed, now.unix_timestamp().max(0) as u64) else {
        return Ok(Enrolment::WrongCode);
    };
    if account.has_second_factor()
        && matches!(pass_second_factor(state, session_token, account, current).await?, SecondFactor::Refused)
    {
        return Ok(Enrolment::CurrentRefused);
    }
    let codes = totp::new_recovery_codes();
    let sealed = state.keys.seal_totp(account.id.get(), secret.as_bytes())?;
    let hashes = codes.iter().map(|c| totp::hash_recovery_code(c)).collect();
    state.store.enrol_totp(&session_token.hash(), sealed, step, hashes).await?;
    let detail = if account.has_second_factor() { "TOTP replaced" } else { "TOTP" };
    state
        .store
        .append_audit(audit(Some(account.id), None, actions::SECOND_FACTOR_ENROLLED, detail, now))
        .await?;
    Ok(Enrolment::Enrolled(codes))
}

/// What an account may do on one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub admin: bool,
    pub role: Option<Role>,
}

impl Access {
    /// Edit, close, invite, read the audit log.
    pub fn can_manage(self) -> bool {
        self.admin || self.role == Some(Role::Organiser)
    }

    /// Signers' e-mail addresses: the letter's organisers only, not admins as such.
    pub fn can_read_addresses(self) -> bool {
        self.role == Some(Role::Organiser)
    }

    /// The moderation queue: approve, strike, bulk strikes.
    pub fn can_moderate(self) -> bool {
        self.admin || self.role.is_some()
    }

    /// Anything at all (the letter's management page).
    pub fn can_view(self) -> bool {
        self.admin || self.role.is_some()
    }
}

pub async fn access(state: &AppState, account: &Account, letter: &Letter) -> Result<Access, StoreError> {
    let role = state.store.letter_role(account.id, letter.id).await?;
    Ok(Access { admin: account.is_admin, role })
}

/// Gives someone a role on a letter by address (making their account if they have
/// none) and mails them. `false` if they had that role already.
pub async fn invite(
    state: &AppState,
    by: &Account,
    letter: &Letter,
    email: &EmailAddress,
    role: Role,
) -> anyhow::Result<bool> {
    let (account, _) = account_for(state, email, false, by.language).await?;
    let now = state.clock.now();
    let entry = audit(
        Some(by.id),
        Some(letter.id),
        actions::ROLE_GRANTED,
        detail("role", &[role.as_str(), &account.get().to_string()]),
        now,
    );
    let granted = state.store.grant_role(letter.id, account, role, true, entry).await?;
    state.mail_wake.notify_one();
    Ok(granted)
}

/// An admin invites someone to write and publish letters (making their account
/// if they have none). `false` if they could already.
pub async fn invite_organiser(state: &AppState, by: &Account, email: &EmailAddress) -> anyhow::Result<bool> {
    anyhow::ensure!(by.is_admin, "only admins invite organisers");
    let (account, _) = account_for(state, email, false, by.language).await?;
    let now = state.clock.now();
    let entry = audit(
        Some(by.id),
        None,
        actions::PUBLISHING_ALLOWED,
        detail("account", &[&account.get().to_string()]),
        now,
    );
    let invited = state.store.allow_publishing(account, entry).await?;
    state.mail_wake.notify_one();
    Ok(invited)
}

/// A confirmed signer's contact, opened.
pub struct SignerAddress {
    pub seq: u64,
    pub name: String,
    /// `None` once the signer erased it.
    pub email: Option<EmailAddress>,
}

/// Reads a page of signers' addresses; written to the audit log before anything is
/// shown. The caller has checked [`Access::can_read_addresses`].
pub async fn read_signer_addresses(
    state: &AppState,
    by: &Account,
    letter: &Letter,
    after_seq: u64,
    limit: u32,
) -> anyhow::Result<Vec<SignerAddress>> {
    let contacts = state.store.signer_contacts(letter.id, after_seq, limit).await?;
    let read = detail("addresses", &[&contacts.len().to_string(), &after_seq.to_string()]);
    state
        .store
        .append_audit(audit(
            Some(by.id),
            Some(letter.id),
            actions::SIGNER_ADDRESSES_READ,
            read,
            state.clock.now(),
        ))
        .await?;
    let wrapped = state
        .store
        .wrapped_letter_key(letter.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the letter has no key"))?;
    let key = state.keys.unwrap_letter_key(letter.slug.as_str(), &wrapped)?;
    contacts
        .into_iter()
        .map(|c| {
            let email =
                c.email_sealed.as_ref().map(|sealed| key.open_email(sealed, &c.email_lookup)).transpose()?;
            Ok(SignerAddress { seq: c.seq, name: c.name, email })
        })
        .collect()
}

/// Closes a letter from the browser, with its audit entry.
pub async fn close_letter(state: &AppState, by: &Account, letter: &Letter) -> anyhow::Result<bool> {
    let closed = crate::publishing::close_letter(state, &letter.slug).await?;
    if closed {
        state
            .store
            .append_audit(audit(Some(by.id), Some(letter.id), actions::LETTER_CLOSED, "", state.clock.now()))
            .await?;
    }
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_detail_keeps_its_values_apart_whatever_was_typed() {
        let stored = detail("struck", &["#12", "fake\u{1f}name"]);
        let (id, values) = parse_detail(&stored).unwrap();
        assert_eq!(id, "audit-detail-struck");
        assert_eq!(values, ["#12", "fake name"], "a typed separator cannot shift the values");
        assert_eq!(parse_detail("account 3"), None, "older plain details are shown as they are");
        assert_eq!(parse_detail("@Not a key"), None);
    }
}
