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
use crate::storage::organisers::{AccountMailJob, AccountMailKind};
use crate::storage::{MailJob, MailKind, Store, StoreError};

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
    Abandon {
        error: String,
    },
}

/// Hands a batch's messages to the transport together and decides each job's
/// fate: `plans[i]` is job i's message (`None`: nothing to send) or why it could
/// not be made; `jobs[i]` its id and attempt. Logs each, once. Returns the fates
/// in job order and the batch's outcome.
async fn deliver(
    transport: &MailTransport,
    kind: &'static str,
    jobs: &[(i64, u32)],
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
        .map(|(&(job, attempts), plan)| {
            let result = plan.and_then(|to_send| match (to_send, sent.next()) {
                (false, _) => Ok(false),
                (true, Some(Ok(()))) => Ok(true),
                (true, Some(Err(error))) => Err(error.to_string()),
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
                Err(error) if attempts >= MAX_ATTEMPTS => {
                    tracing::error!(mail.job = job, mail.kind = kind, attempts, %error, "mail abandoned after repeated failures");
                    outcome = StepOutcome::Abandoned;
                    Delivery::Abandon { error }
                }
                Err(error) => {
                    let delay = retry_delay(attempts);
                    tracing::warn!(mail.job = job, mail.kind = kind, attempts, retry_in_s = delay.whole_seconds(), %error, "mail not sent; will retry");
                    if outcome != StepOutcome::Abandoned {
                        outcome = StepOutcome::WillRetry;
                    }
                    Delivery::Retry { at: now + delay, error }
                }
            }
        })
        .collect();
    (deliveries, outcome)
}

/// Sends what the outbox holds.
pub struct MailWorker {
    store: Arc<dyn Store>,
    keys: Arc<InstanceKeys>,
    transport: MailTransport,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
}

impl MailWorker {
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<InstanceKeys>,
        transport: MailTransport,
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
    ) -> Self {
        Self { store, keys, transport, config, clock, wake }
    }

    /// Runs until `shutdown` turns true, then finishes the job in hand and returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            if let Err(error) = self.step_account_mail().await {
                tracing::error!(%error, "mail worker could not read the organisers' outbox");
            }
            if let Err(error) = self.step_removal_mail().await {
                tracing::error!(%error, "mail worker could not read the removal requests");
            }
            match self.step_batch().await {
                Ok(Step::Full(_)) => continue,
                Ok(Step::Partial(StepOutcome::Idle)) => {}
                Ok(Step::Partial(_)) => {
                    // More is probably on its way (a letter is being signed): let
                    // it gather into one batch instead of claiming a few at a time.
                    tokio::select! {
                        () = tokio::time::sleep(GATHER) => {}
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
                Err(error) => tracing::error!(%error, "mail worker could not read the outbox"),
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

    /// Claims a batch of due jobs and handles them: their confirmation tokens are
    /// stored in one write before any mail leaves, and the jobs sent are finished
    /// in one write after. Returns what happened to the batch (`Idle` if empty).
    pub async fn step(&self) -> Result<StepOutcome, StoreError> {
        let organisers = self.step_account_mail().await?;
        let removals = self.step_removal_mail().await?;
        let signers = self.step_batch().await?.outcome();
        Ok([signers, organisers, removals]
            .into_iter()
            .find(|o| *o != StepOutcome::Idle)
            .unwrap_or(StepOutcome::Idle))
    }

    /// Sends organisers' mail: sign-in links (made here, so a plain link exists
    /// only in its message) and invitations. There are few; one batch per step.
    async fn step_account_mail(&self) -> Result<StepOutcome, StoreError> {
        let now = self.clock.now();
        let jobs = self.store.claim_account_mail(now, now + LEASE, BATCH).await?;
        if jobs.is_empty() {
            return Ok(StepOutcome::Idle);
        }
        let mut links = Vec::new();
        let plans = jobs
            .iter()
            .map(|job| {
                let link = (job.kind == AccountMailKind::SignIn).then(|| {
                    let token = PlainToken::generate();
                    links.push((job.account, token.hash(), now + crate::organisers::SIGN_IN_LINK_VALIDITY));
                    self.config.public_link(&format!("sign-in/{}", token.expose()))
                });
                self.prepare_account_mail(job, link.as_deref()).map(Some)
            })
            .collect();
        if !links.is_empty() {
            self.store.store_sign_in_links(links).await?;
        }
        let ids: Vec<(i64, u32)> = jobs.iter().map(|j| (j.id, j.attempts)).collect();
        let (deliveries, outcome) = deliver(&self.transport, "organiser", &ids, plans, now).await;
        let (mut done, mut failed) = (Vec::new(), Vec::new());
        for (job, delivery) in jobs.iter().zip(deliveries) {
            match delivery {
                Delivery::Sent | Delivery::Skipped => done.push(job.id),
                Delivery::Retry { at, error } => failed.push((job.id, Some(at), error)),
                Delivery::Abandon { error } => failed.push((job.id, None, error)),
            }
        }
        self.store.finish_account_mail(done, failed).await?;
        Ok(outcome)
    }

    /// Sends the confirmation link of "that is not me" removal requests, to the
    /// address the requester gave.
    async fn step_removal_mail(&self) -> Result<StepOutcome, StoreError> {
        let now = self.clock.now();
        let jobs = self.store.claim_removal_mail(now, now + LEASE, BATCH).await?;
        if jobs.is_empty() {
            return Ok(StepOutcome::Idle);
        }
        let mut tokens = Vec::with_capacity(jobs.len());
        let plans = jobs
            .iter()
            .map(|job| {
                let token = PlainToken::generate();
                let link = self.config.public_link(&format!("removal/{}", token.expose()));
                tokens.push(token.hash());
                self.keys
                    .unwrap_letter_key(job.letter_slug.as_str(), &job.wrapped_letter_key)
                    .and_then(|key| key.open_email(&job.email_sealed, &job.email_lookup))
                    .map_err(|e| format!("address: {e}"))
                    .and_then(|to| {
                        let content = MessageContent::RemovalRequest {
                            letter_title: &job.letter_title,
                            signer_name: &job.signer_name,
                            link: &link,
                        };
                        render_message(&Translator::new(job.language), &self.config.mail.from, &to, &content)
                            .map(Some)
                            .map_err(|e| format!("rendering: {e}"))
                    })
            })
            .collect();
        let ids: Vec<(i64, u32)> = jobs.iter().map(|j| (j.id, j.attempts)).collect();
        let (deliveries, outcome) = deliver(&self.transport, "removal_request", &ids, plans, now).await;
        let (mut sent, mut failed) = (Vec::new(), Vec::new());
        for ((job, delivery), token) in jobs.iter().zip(deliveries).zip(tokens) {
            match delivery {
                Delivery::Sent | Delivery::Skipped => sent.push((job.id, token, now + REMOVAL_LINK_VALIDITY)),
                Delivery::Retry { at, .. } => failed.push((job.id, Some(at))),
                Delivery::Abandon { .. } => failed.push((job.id, None)),
            }
        }
        self.store.finish_removal_mail(sent, failed).await?;
        Ok(outcome)
    }

    fn prepare_account_mail(&self, job: &AccountMailJob, link: Option<&str>) -> Result<Message, String> {
        let to = self
            .keys
            .account_key()
            .open_email(&job.email_sealed, &job.email_lookup)
            .map_err(|e| format!("address: {e}"))?;
        let tr = Translator::new(job.language);
        let sign_in_url = self.config.public_link("sign-in");
        let content = match (job.kind, link, &job.letter) {
            (AccountMailKind::SignIn, Some(link), _) => MessageContent::SignIn { link },
            (AccountMailKind::CampaignInvitation, _, _) => match &job.campaign {
                Some((_, title)) => {
                    MessageContent::CampaignInvitation { campaign_title: title, sign_in_url: &sign_in_url }
                }
                None => return Err("the job lacks its campaign".to_owned()),
            },
            (AccountMailKind::Invitation { letter: None, .. }, _, _) => {
                MessageContent::Welcome { sign_in_url: &sign_in_url }
            }
            (AccountMailKind::Invitation { role, letter: Some(_) }, _, Some((_, title))) => {
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

    async fn step_batch(&self) -> Result<Step, StoreError> {
        let now = self.clock.now();
        let jobs = self.store.claim_mail_jobs(now, now + LEASE, BATCH).await?;
        if jobs.is_empty() {
            return Ok(Step::Partial(StepOutcome::Idle));
        }
        // The links are made now, not when signing: a plain token then exists
        // only in its message, never in the database.
        // Two mails for one signature in a batch (someone signed twice) carry the
        // same link: a signature has one valid token at a time.
        let mut by_signature = HashMap::new();
        let mut links = Vec::with_capacity(jobs.len());
        let mut tokens = Vec::new();
        let mut reconfirm_tokens = Vec::new();
        for job in &jobs {
            let link = match job.kind {
                MailKind::Confirm if !job.signature_confirmed && job.email_sealed.is_some() => Some(
                    by_signature
                        .entry(job.signature)
                        .or_insert_with(|| {
                            let token = PlainToken::generate();
                            tokens.push((job.signature, token.hash(), now + CONFIRMATION_VALIDITY));
                            self.config.public_link(&format!("confirm/{}", token.expose()))
                        })
                        .clone(),
                ),
                // A re-confirmation link of its own: the receipt link stays as it was.
                MailKind::NewVersion if job.email_sealed.is_some() => {
                    let token = PlainToken::generate();
                    reconfirm_tokens.push((job.signature, token.hash()));
                    Some(self.config.public_link(&format!("reconfirm/{}", token.expose())))
                }
                _ => None,
            };
            links.push(link);
        }
        if !tokens.is_empty() {
            self.store.set_confirmation_tokens(tokens).await?;
        }
        if !reconfirm_tokens.is_empty() {
            self.store.set_reconfirm_tokens(reconfirm_tokens).await?;
        }
        // Render every message first, then hand them to the transport together
        // (the file transport writes a whole batch in one blocking call).
        let mut keys = HashMap::new();
        let plans = jobs
            .iter()
            .zip(&links)
            .map(|(job, link)| self.prepare(job, link.as_deref(), &mut keys))
            .collect();
        let ids: Vec<(i64, u32)> = jobs.iter().map(|j| (j.id, j.attempts)).collect();
        let (deliveries, outcome) = deliver(&self.transport, "signer", &ids, plans, now).await;
        let mut done = Vec::with_capacity(jobs.len());
        for (job, delivery) in jobs.iter().zip(deliveries) {
            match delivery {
                Delivery::Sent | Delivery::Skipped => done.push(job.id),
                Delivery::Retry { at, error } => self.store.retry_mail_job(job.id, at, &error).await?,
                Delivery::Abandon { error } => self.store.abandon_mail_job(job.id, &error).await?,
            }
        }
        if !done.is_empty() {
            self.store.finish_mail_jobs(done).await?;
        }
        Ok(if jobs.len() == BATCH as usize { Step::Full(outcome) } else { Step::Partial(outcome) })
    }

    /// The message of one job; `Ok(None)`: nothing needs sending. `link` is the
    /// confirmation link made for it, if it is a confirmation; `keys` keeps the
    /// letters' keys unwrapped for the rest of the batch. Errors are short and free
    /// of personal data.
    fn prepare(
        &self,
        job: &MailJob,
        link: Option<&str>,
        keys: &mut HashMap<Slug, LetterKey>,
    ) -> Result<Option<Message>, String> {
        let Some(sealed) = &job.email_sealed else {
            return Ok(None);
        };
        if matches!(job.kind, MailKind::Confirm | MailKind::NewVersion) && link.is_none() {
            return Ok(None); // confirmed meanwhile: no link needed
        }
        let key = match keys.entry(job.letter_slug.clone()) {
            Entry::Occupied(key) => key.into_mut(),
            Entry::Vacant(slot) => slot.insert(
                self.keys
                    .unwrap_letter_key(job.letter_slug.as_str(), &job.wrapped_letter_key)
                    .map_err(|e| format!("letter key: {e}"))?,
            ),
        };
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
}
