//! Outgoing mail: the outbox worker, the messages it writes, and the transports.
//!
//! A request never talks to a mail server. It writes a job into the outbox in the
//! same transaction as the change that causes the mail; this worker sends it later,
//! retries with backoff, and is safe to crash at any point (a claimed job is leased,
//! and a retried confirmation simply carries a fresh link).

mod messages;
mod transport;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use lettre::Message;
use time::Duration;
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{InstanceKeys, LetterKey, PlainToken};
use crate::domain::Slug;
use crate::i18n::Translator;
use crate::storage::StoreError;
use crate::storage::outbox::{
    IssuedLink, JobEnd, Mail, MailKind, OrganiserMail, OrganiserMailKind, OutboxStore, RemovalMail,
    SignerMail,
};

pub use messages::{MessageContent, render_message};
pub use transport::{MailTransport, TransportError};

/// How long a confirmation link stays valid.
pub const CONFIRMATION_VALIDITY: Duration = Duration::days(7);
/// How long a removal request's link works.
pub const REMOVAL_LINK_VALIDITY: Duration = Duration::days(2);
/// A claimed job is retried after this long if its worker died mid-send.
const LEASE: Duration = Duration::minutes(5);
/// After this many failed attempts (about two hours of retries) a job is given up.
const MAX_ATTEMPTS: u32 = 8;
/// Jobs claimed at once: one write leases them, one stores their tokens, one
/// finishes them, however many there are.
const BATCH: u32 = 64;

/// What one step (one batch) of the worker did; tests can drive it step by step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// Nothing was due.
    Idle,
    Sent,
    /// Sending failed; the job will be tried again later.
    WillRetry,
    /// Sending failed too often; the job is kept as dead for the operator.
    Abandoned,
    /// Nothing to send (the address was erased, or the signature was confirmed
    /// meanwhile): the job is done.
    Skipped,
}

/// A step's outcome, and whether its batch was full (more may be due at once).
enum Step {
    Full(StepOutcome),
    Partial(StepOutcome),
}

impl Step {
    fn outcome(self) -> StepOutcome {
        match self {
            Step::Full(outcome) | Step::Partial(outcome) => outcome,
        }
    }
}

/// After a batch that was not full, wait this long before claiming the next:
/// under load, mails then go in full batches; a lone mail still goes at once.
const GATHER: std::time::Duration = std::time::Duration::from_millis(100);

/// How long to wait before the next attempt: 30 s, 1 min, 2 min … about an hour.
fn retry_delay(attempts: u32) -> Duration {
    Duration::seconds(30 * (1 << attempts.saturating_sub(1).min(7)))
}

/// What became of one job of a batch.
enum Delivery {
    Sent,
    /// Nothing needed sending.
    Skipped,
    Retry {
        at: time::OffsetDateTime,
        error: String,
    },
    /// This machine could not hand the message over (its outbox folder is
    /// full or unwritable): tried again later, and not counted toward giving
    /// up, so a disk full for hours abandons no signer's link.
    Postpone {
        at: time::OffsetDateTime,
        error: String,
    },
    Abandon {
        error: String,
    },
}

/// Hands a batch's messages to the transport together and decides each job's
/// fate: `plans[i]` is job i's message (`None`: nothing to send) or why it could
/// not be made; `jobs[i]` its id, attempt and kind of mail (for the log). Logs
/// each, once. Returns the fates in job order and the batch's outcome.
async fn deliver(
    transport: &MailTransport,
    jobs: &[(i64, u32, &'static str)],
    plans: Vec<Result<Option<Message>, String>>,
    now: time::OffsetDateTime,
) -> (Vec<Delivery>, StepOutcome) {
    let mut wanted = Vec::with_capacity(plans.len());
    let mut messages = Vec::new();
    for plan in plans {
        wanted.push(plan.map(|message| message.map(|m| messages.push(m)).is_some()));
    }
    let mut sent = transport.send_all(messages).await.into_iter();
    let mut outcome = StepOutcome::Skipped;
    let deliveries = jobs
        .iter()
        .zip(wanted)
        .map(|(&(job, attempts, kind), plan)| {
            let mut local = false;
            let result = plan.and_then(|to_send| match (to_send, sent.next()) {
                (false, _) => Ok(false),
                (true, Some(Ok(()))) => Ok(true),
                (true, Some(Err(error))) => {
                    local = error.is_local();
                    Err(error.to_string())
                }
                (true, None) => Err("the transport returned fewer results than messages".to_owned()),
            });
            match result {
                Ok(true) => {
                    tracing::info!(mail.job = job, mail.kind = kind, "mail sent");
                    if outcome == StepOutcome::Skipped {
                        outcome = StepOutcome::Sent;
                    }
                    Delivery::Sent
                }
                Ok(false) => Delivery::Skipped,
                Err(error) if attempts >= MAX_ATTEMPTS && !local => {
                    tracing::error!(mail.job = job, mail.kind = kind, attempts, %error, "mail abandoned after repeated failures");
                    outcome = StepOutcome::Abandoned;
                    Delivery::Abandon { error }
                }
                Err(error) => {
                    let delay = retry_delay(attempts);
                    // A full disk or a relay that is down fails every job the
                    // same way: logged once a minute with a count.
                    static RETRIES: crate::faults::RepeatedErrors = crate::faults::RepeatedErrors::new();
                    if let Some(repeats) = RETRIES.should_log(&error) {
                        tracing::warn!(mail.job = job, mail.kind = kind, attempts, retry_in_s = delay.whole_seconds(), %error, repeats, "mail not sent; will retry");
                    }
                    if outcome != StepOutcome::Abandoned {
                        outcome = StepOutcome::WillRetry;
                    }
                    if local {
                        Delivery::Postpone { at: now + delay, error }
                    } else {
                        Delivery::Retry { at: now + delay, error }
                    }
                }
            }
        })
        .collect();
    (deliveries, outcome)
}

/// Sends what the outbox holds.
pub struct MailWorker {
    store: Arc<dyn OutboxStore>,
    keys: Arc<InstanceKeys>,
    transport: MailTransport,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
}

/// The label of a job's mail in the log (never an address or a name).
fn label(mail: &Mail) -> &'static str {
    match mail {
        Mail::Signer(mail) => mail.kind.as_str(),
        Mail::Organiser(OrganiserMail { kind: OrganiserMailKind::SignIn, .. }) => "sign_in",
        Mail::Organiser(_) => "invitation",
        Mail::Removal(_) => "removal_request",
    }
}

impl MailWorker {
    pub fn new(
        store: Arc<dyn OutboxStore>,
        keys: Arc<InstanceKeys>,
        transport: MailTransport,
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
    ) -> Self {
        Self { store, keys, transport, config, clock, wake }
    }

    /// Runs until `shutdown` turns true, then finishes the batch in hand and returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = crate::faults::Backoff::for_worker("mail");
        loop {
            if *shutdown.borrow() {
                return;
            }
            let step = match self.step_batch().await {
                Ok(step) => {
                    backoff.succeeded();
                    step
                }
                Err(error) => {
                    // The outbox cannot be read or written (a full disk, the
                    // database down): wait, not spin; new mail cannot be queued
                    // meanwhile either, so no wake-up is missed.
                    let wait = backoff.failed(&anyhow::anyhow!("the outbox: {error}"));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
            };
            match step {
                Step::Full(_) => continue,
                Step::Partial(StepOutcome::Idle) => {}
                Step::Partial(_) => {
                    // More is probably on its way (a letter is being signed): let
                    // it gather into one batch instead of claiming a few at a time.
                    tokio::select! {
                        () = tokio::time::sleep(GATHER) => {}
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
            }
            let pause = match self.store.next_mail_due().await {
                Ok(Some(due)) => (due - self.clock.now()).clamp(Duration::ZERO, Duration::seconds(30)),
                _ => Duration::seconds(30),
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(pause.unsigned_abs()) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims a batch of due jobs and handles them: the links they carry are
    /// stored in one write before any mail leaves, and the jobs are finished in
    /// one write after. Returns what happened to the batch (`Idle` if empty).
    pub async fn step(&self) -> Result<StepOutcome, StoreError> {
        Ok(self.step_batch().await?.outcome())
    }

    async fn step_batch(&self) -> Result<Step, StoreError> {
        let now = self.clock.now();
        let jobs = self.store.claim_mail_jobs(now, now + LEASE, BATCH).await?;
        if jobs.is_empty() {
            return Ok(Step::Partial(StepOutcome::Idle));
        }
        // Links are made now, not when the job was written: a plain token then
        // exists only in its message, never in the database. Two confirmation
        // mails for one signature in a batch (someone signed twice) carry the
        // same link.
        let mut by_signature = HashMap::new();
        let mut issued = Vec::new();
        let links: Vec<Option<String>> = jobs
            .iter()
            .map(|job| match &job.mail {
                Mail::Signer(mail) if mail.email_sealed.is_none() => None,
                Mail::Signer(mail @ SignerMail { kind: MailKind::Confirm, .. })
                    if !mail.signature_confirmed =>
                {
                    Some(
                        by_signature
                            .entry(mail.signature)
                            .or_insert_with(|| {
                                let token = PlainToken::generate();
                                issued.push(IssuedLink::Confirmation {
                                    signature: mail.signature,
                                    token: token.hash(),
                                    expires_at: now + CONFIRMATION_VALIDITY,
                                });
                                self.config.public_link(&format!("confirm/{}", token.expose()))
                            })
                            .clone(),
                    )
                }
                // A re-confirmation link of its own: the receipt link stays as it was.
                Mail::Signer(mail @ SignerMail { kind: MailKind::NewVersion, .. }) => {
                    let token = PlainToken::generate();
                    issued
                        .push(IssuedLink::Reconfirmation { signature: mail.signature, token: token.hash() });
                    Some(self.config.public_link(&format!("reconfirm/{}", token.expose())))
                }
                Mail::Signer(_) => None,
                Mail::Organiser(mail) if mail.kind == OrganiserMailKind::SignIn => {
                    let token = PlainToken::generate();
                    issued.push(IssuedLink::SignIn {
                        account: mail.account,
                        token: token.hash(),
                        expires_at: now + crate::organisers::SIGN_IN_LINK_VALIDITY,
                    });
                    Some(self.config.public_link(&format!("sign-in/{}", token.expose())))
                }
                Mail::Organiser(_) => None,
                Mail::Removal(mail) if mail.email_sealed.is_some() => {
                    let token = PlainToken::generate();
                    issued.push(IssuedLink::Removal {
                        request: mail.request,
                        token: token.hash(),
                        expires_at: now + REMOVAL_LINK_VALIDITY,
                    });
                    Some(self.config.public_link(&format!("removal/{}", token.expose())))
                }
                Mail::Removal(_) => None,
            })
            .collect();
        if !issued.is_empty() {
            self.store.store_links(issued).await?;
        }
        // Render every message first, then hand them to the transport together
        // (the file transport writes a whole batch in one blocking call).
        let mut keys = HashMap::new();
        let plans = jobs
            .iter()
            .zip(&links)
            .map(|(job, link)| match &job.mail {
                Mail::Signer(mail) => self.prepare_signer_mail(mail, link.as_deref(), &mut keys),
                Mail::Organiser(mail) => self.prepare_organiser_mail(mail, link.as_deref()).map(Some),
                Mail::Removal(mail) => self.prepare_removal_mail(mail, link.as_deref(), &mut keys),
            })
            .collect();
        let ids: Vec<(i64, u32, &'static str)> =
            jobs.iter().map(|j| (j.id, j.attempts, label(&j.mail))).collect();
        let (deliveries, outcome) = deliver(&self.transport, &ids, plans, now).await;
        let ends = jobs
            .iter()
            .zip(deliveries)
            .map(|(job, delivery)| {
                let end = match delivery {
                    Delivery::Sent | Delivery::Skipped => JobEnd::Done,
                    Delivery::Retry { at, error } => JobEnd::Retry { at, error },
                    Delivery::Postpone { at, error } => JobEnd::Postpone { at, error },
                    Delivery::Abandon { error } => JobEnd::Dead { error },
                };
                (job.id, end)
            })
            .collect();
        self.store.finish_mail_jobs(ends).await?;
        Ok(if jobs.len() == BATCH as usize { Step::Full(outcome) } else { Step::Partial(outcome) })
    }

    /// A letter's key, unwrapped once per batch.
    fn letter_key<'k>(
        &self,
        slug: &Slug,
        wrapped: &[u8],
        keys: &'k mut HashMap<Slug, LetterKey>,
    ) -> Result<&'k LetterKey, String> {
        Ok(match keys.entry(slug.clone()) {
            Entry::Occupied(key) => key.into_mut(),
            Entry::Vacant(slot) => slot.insert(
                self.keys
                    .unwrap_letter_key(slug.as_str(), wrapped)
                    .map_err(|e| format!("letter key: {e}"))?,
            ),
        })
    }

    /// The message to a signer; `Ok(None)`: nothing needs sending. `link` is the
    /// link made for it, if its kind carries one. Errors are short and free of
    /// personal data.
    fn prepare_signer_mail(
        &self,
        job: &SignerMail,
        link: Option<&str>,
        keys: &mut HashMap<Slug, LetterKey>,
    ) -> Result<Option<Message>, String> {
        let Some(sealed) = &job.email_sealed else {
            return Ok(None);
        };
        if matches!(job.kind, MailKind::Confirm | MailKind::NewVersion) && link.is_none() {
            return Ok(None); // confirmed meanwhile: no link needed
        }
        let key = self.letter_key(&job.letter_slug, &job.wrapped_letter_key, keys)?;
        let to = key.open_email(sealed, &job.email_lookup).map_err(|e| format!("address: {e}"))?;
        let tr = Translator::new(job.language);
        let letter_url = self.config.public_link(&format!("letters/{}", job.letter_slug));
        let withdraw_link = link.map(|l| format!("{l}/withdraw"));
        let versions_url = format!("{letter_url}/versions");
        let content = match (job.kind, link, &withdraw_link) {
            (MailKind::Confirm, Some(link), Some(withdraw_link)) => MessageContent::Confirm {
                letter_title: &job.letter_title,
                letter_url: &letter_url,
                link,
                withdraw_link,
            },
            (MailKind::NewVersion, Some(link), _) => MessageContent::NewVersion {
                letter_title: &job.letter_title,
                versions_url: &versions_url,
                link,
            },
            _ => MessageContent::AlreadySigned { letter_title: &job.letter_title, letter_url: &letter_url },
        };
        render_message(&tr, &self.config.mail.from, &to, &content)
            .map(Some)
            .map_err(|e| format!("rendering: {e}"))
    }

    fn prepare_organiser_mail(&self, job: &OrganiserMail, link: Option<&str>) -> Result<Message, String> {
        let to = self
            .keys
            .account_key()
            .open_email(&job.email_sealed, &job.email_lookup)
            .map_err(|e| format!("address: {e}"))?;
        let tr = Translator::new(job.language);
        let sign_in_url = self.config.public_link("sign-in");
        let content = match (job.kind, link, &job.letter) {
            (OrganiserMailKind::SignIn, Some(link), _) => MessageContent::SignIn { link },
            (OrganiserMailKind::CampaignInvitation, _, _) => match &job.campaign {
                Some((_, title)) => {
                    MessageContent::CampaignInvitation { campaign_title: title, sign_in_url: &sign_in_url }
                }
                None => return Err("the job lacks its campaign".to_owned()),
            },
            (OrganiserMailKind::Invitation { letter: None, .. }, _, _) => {
                MessageContent::Welcome { sign_in_url: &sign_in_url }
            }
            (OrganiserMailKind::Invitation { role, letter: Some(_) }, _, Some((_, title))) => {
                MessageContent::Invitation {
                    letter_title: title,
                    role_id: role.label_id(),
                    sign_in_url: &sign_in_url,
                }
            }
            _ => return Err("the job lacks its link or letter".to_owned()),
        };
        render_message(&tr, &self.config.mail.from, &to, &content).map_err(|e| format!("rendering: {e}"))
    }

    /// The link of a "that is not me" request, to the address the requester
    /// gave; nothing when the request was settled meanwhile.
    fn prepare_removal_mail(
        &self,
        job: &RemovalMail,
        link: Option<&str>,
        keys: &mut HashMap<Slug, LetterKey>,
    ) -> Result<Option<Message>, String> {
        let (Some(sealed), Some(link)) = (&job.email_sealed, link) else {
            return Ok(None);
        };
        let key = self.letter_key(&job.letter_slug, &job.wrapped_letter_key, keys)?;
        let to = key.open_email(sealed, &job.email_lookup).map_err(|e| format!("address: {e}"))?;
        let content = MessageContent::RemovalRequest {
            letter_title: &job.letter_title,
            signer_name: &job.signer_name,
            link,
        };
        render_message(&Translator::new(job.language), &self.config.mail.from, &to, &content)
            .map(Some)
            .map_err(|e| format!("rendering: {e}"))
    }
}
