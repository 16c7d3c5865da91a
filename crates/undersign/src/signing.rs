//! The signing use cases: submit a signature, look at a confirmation link, confirm.
//! Handlers for the HTML form and the JSON API both call these, so the rules and
//! the messages are the same on both.

use std::net::IpAddr;

use crate::abuse::pow::{self, PowError};
use crate::abuse::{FlagKind, emails, names};
use crate::crypto::PlainToken;
use crate::domain::{ConfirmedSignature, FieldErrors, NewSignature, SignatureSubmission, Slug};
use crate::i18n::Language;
use crate::log::records::{SaltedRecord, withdrawal_record};
use crate::rate_limit::Channel;
use crate::state::AppState;
use crate::storage::outbox::MailKind;
use crate::storage::{
    ConfirmRefusal, MailPlan, NewFlag, Outage, SealedSignature, StoreError, SubmitOptions, SubmitOutcome,
    TokenState, WithdrawOutcome,
};

/// Why a signature was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("no letter has this address")]
    UnknownLetter,
    #[error("the letter is closed")]
    LetterClosed,
    #[error("{0}")]
    Invalid(FieldErrors),
    /// This network submitted too many signatures; it may try again after the wait.
    #[error("too many signatures from this network")]
    RateLimited(std::time::Duration),
    /// Too much is being written right now, or the database cannot write;
    /// nothing was stored. Try again after the wait.
    #[error("the database cannot take the signature now")]
    Unavailable(Outage),
    /// The proof of work is missing, wrong, expired or used.
    #[error("{0}")]
    ProofOfWork(PowError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for SignError {
    fn from(error: StoreError) -> Self {
        match error.outage() {
            Some(outage) => SignError::Unavailable(outage),
            None => SignError::Internal(error.into()),
        }
    }
}

/// How a submission shows it is not a bot.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// An ALTCHA payload, from our script or an API client.
    Payload(&'a str),
    /// The HTML form without JavaScript: accepted, but flagged for moderators and
    /// limited more strictly.
    NoJavaScript,
    /// A trusted API client (a bulk importer with a token): no proof, no limits.
    TrustedClient,
}

/// Validates and stores a signature as pending, with its confirmation mail queued.
///
/// A repeated address answers exactly like a first signature, so the form cannot
/// be used to learn who signed; the mail tells the address's owner instead.
pub async fn submit_signature(
    state: &AppState,
    slug: &Slug,
    submission: &SignatureSubmission,
    language: Language,
    client: IpAddr,
    proof: Proof<'_>,
) -> Result<(), SignError> {
    let letter = state.letter(slug).await?.ok_or(SignError::UnknownLetter)?;
    if !letter.accepts_signatures() {
        return Err(SignError::LetterClosed);
    }
    // The letter's own form rules first (they drop hidden fields), then every
    // field's parsing; all mistakes are reported together.
    let rules = letter.form_rules();
    let mut submission = submission.clone();
    let mut rule_errors = FieldErrors::default();
    rules.check(&mut submission, &mut rule_errors);
    let signature = match NewSignature::try_from(&submission) {
        Ok(signature) if rule_errors.is_empty() => signature,
        Ok(_) => return Err(SignError::Invalid(rule_errors)),
        Err(mut errors) => {
            errors.merge(rule_errors);
            return Err(SignError::Invalid(errors));
        }
    };
    let now = state.clock.now();
    let pow = &state.config.pow;
    let mut flags = Vec::new();
    let (spend, channel) = match proof {
        Proof::TrustedClient => (None, None),
        Proof::Payload(_) | Proof::NoJavaScript if !pow.enabled => (None, Some(Channel::WithProof)),
        Proof::Payload(payload) => {
            let solution = pow::verify(state.keys.pow_key(), payload, Some(slug.as_str()), now)
                .map_err(SignError::ProofOfWork)?;
            (Some(solution), Some(Channel::WithProof))
        }
        Proof::NoJavaScript => {
            flags.push(NewFlag::new(FlagKind::NoProofOfWork));
            (None, Some(Channel::WithoutProof))
        }
    };
    if let Some(channel) = channel {
        let limiter = &state.sign_limiter;
        let network =
            limiter.check_network(slug.as_str(), client, channel, now).map_err(SignError::RateLimited)?;
        if limiter.domain_over_limit(slug.as_str(), signature.email.domain(), now) {
            flags.push(NewFlag::new(FlagKind::DomainBurst));
        }
        if let Some(burst) = limiter.burst(&network, now) {
            flags.push(NewFlag { detail: Some(burst), ..NewFlag::new(FlagKind::Burst) });
        }
    }
    if names::has_mixed_script_word(signature.name.as_str()) {
        flags.push(NewFlag::new(FlagKind::MixedScript));
    }
    if state.disposable.is_disposable(signature.email.domain()) {
        flags.push(NewFlag::new(FlagKind::DisposableDomain));
    }
    let canonical = emails::canonical_address(&signature.email);
    let send_mail = state.mail_quota.try_take(&canonical, now);
    let key = state.letter_keys.get(state.store.as_ref(), &state.keys, &letter).await?;
    let email_lookup = state.keys.email_lookup(letter.id, &signature.email);
    let email_sealed = key.seal_email(&signature.email, &email_lookup)?;
    let email_canonical_lookup = state.keys.canonical_lookup(letter.id, &canonical);
    let name_key = names::name_key(signature.name.as_str());
    // Look-alikes are flagged for moderators, never refused: the same mailbox
    // under another spelling, the same name in another script. A name on the
    // watch list is held until a moderator releases it.
    let facts = state.store.signature_facts(letter.id, &email_canonical_lookup, &name_key).await?;
    if let Some(other) = facts.same_canonical_address {
        flags.push(NewFlag { other: Some(other), ..NewFlag::new(FlagKind::DuplicateEmail) });
    }
    if let Some(other) = facts.same_name {
        flags.push(NewFlag { other: Some(other), ..NewFlag::new(FlagKind::DuplicateName) });
    }
    if facts.watch_listed {
        flags.push(NewFlag::new(FlagKind::WatchList));
    }
    let sealed = SealedSignature {
        letter: letter.id,
        email_lookup,
        email_sealed,
        email_canonical_lookup,
        name_key,
        flags,
        held: facts.watch_listed,
        name: signature.name.as_str().to_owned(),
        title: signature.title.map(|t| t.into_string()),
        affiliation: signature.affiliation.map(|t| t.into_string()),
        city: signature.city.map(|t| t.into_string()),
        country: signature.country.map(|t| t.into_string()),
        orcid: signature.orcid.map(|o| o.as_str().to_owned()),
        signer: signature.signer,
        show_name: signature.show_name,
        language,
        verified_domain: rules.verified_domain_of(signature.email.domain()).map(str::to_owned),
    };
    // A pending signer who signs again most likely lost the first mail: a fresh
    // link, not "already signed". An address over its daily mail gets nothing.
    let mail = if send_mail {
        MailPlan {
            created: Some(MailKind::Confirm),
            pending: Some(MailKind::Confirm),
            confirmed: Some(MailKind::AlreadySigned),
        }
    } else {
        MailPlan::NONE
    };
    let outcome = state.store.submit_signature(sealed, SubmitOptions { spend, mail }, now).await?;
    if outcome == SubmitOutcome::Replayed {
        return Err(SignError::ProofOfWork(PowError::Replayed));
    }
    state.mail_wake.notify_one();
    // Nothing here may differ between a first and a repeated signature: beside a
    // proxy's access log, it would tell whether a person had signed.
    tracing::info!(letter.slug = %letter.slug, "signature received");
    crate::metrics::metrics().signatures_received.inc();
    Ok(())
}

/// A fresh proof-of-work challenge for a letter, harder while the letter is
/// under a burst.
pub async fn issue_challenge(
    state: &AppState,
    slug: &Slug,
    client: IpAddr,
) -> Result<pow::Challenge, SignError> {
    let letter = state.letter(slug).await?.ok_or(SignError::UnknownLetter)?;
    if !letter.accepts_signatures() {
        return Err(SignError::LetterClosed);
    }
    let now = state.clock.now();
    let network =
        state.sign_limiter.check_challenge(slug.as_str(), client, now).map_err(SignError::RateLimited)?;
    let maxnumber = state.pow_difficulty.next_maxnumber(&state.config.pow, slug.as_str(), &network, now);
    Ok(pow::issue(state.keys.pow_key(), slug.as_str(), maxnumber, now))
}

/// What a confirmation link leads to, without changing anything (GET).
pub async fn inspect_token(state: &AppState, token: &str) -> Result<TokenState, StoreError> {
    match PlainToken::parse(token) {
        Some(token) => state.store.token_state(&token.hash(), state.clock.now()).await,
        None => Ok(TokenState::Unknown),
    }
}

/// Confirms the signature behind a link (POST). Twice is fine and counts once.
pub async fn confirm_signature(
    state: &AppState,
    token: &str,
) -> Result<Result<ConfirmedSignature, ConfirmRefusal>, StoreError> {
    let Some(token) = PlainToken::parse(token) else {
        return Ok(Err(ConfirmRefusal::UnknownToken));
    };
    let result = state.store.confirm_signature(&token.hash(), state.clock.now()).await?;
    if let Ok(confirmed) = &result
        && !confirmed.already_confirmed
    {
        state.log_wake.notify_one();
        state.cache.confirmed();
        tracing::info!(letter.slug = %confirmed.letter_slug, "signature confirmed");
        crate::metrics::metrics().signatures_confirmed.inc();
    }
    Ok(result)
}

/// Withdraws the signature behind a link (POST). The withdrawal enters the log in
/// the next batch; until then the signature is no longer shown or counted on pages.
/// With `erase`, the signer's details and the record's salt are deleted at once.
pub async fn withdraw_signature(
    state: &AppState,
    token: &str,
    erase: bool,
) -> Result<Result<WithdrawOutcome, ConfirmRefusal>, StoreError> {
    let Some(token) = PlainToken::parse(token) else {
        return Ok(Err(ConfirmRefusal::UnknownToken));
    };
    let now = state.clock.now();
    let due = crate::log::next_batch(now, state.config.withdrawal_batch);
    let record = SaltedRecord::new(withdrawal_record());
    let result = state.store.withdraw_signature(&token.hash(), erase, record, due, now).await?;
    if let Ok(outcome) = &result {
        state.cache.invalidate();
        tracing::info!(erase, outcome = ?outcome_kind(outcome), "withdrawal received");
        if !matches!(outcome, WithdrawOutcome::AlreadyWithdrawn { .. }) {
            crate::metrics::metrics().signatures_withdrawn.inc();
        }
    }
    Ok(result)
}

fn outcome_kind(outcome: &WithdrawOutcome) -> &'static str {
    match outcome {
        WithdrawOutcome::Queued { .. } => "queued",
        WithdrawOutcome::AlreadyWithdrawn { .. } => "already withdrawn",
        WithdrawOutcome::DroppedUnconfirmed { .. } => "dropped unconfirmed",
    }
}
