//! Outgoing mail: the outbox worker, the messages it writes, and the transports.
//!
//! A request never talks to a mail server. It writes a job into the outbox in the
//! same transaction as the change that causes the mail; this worker sends it later,
//! retries with backoff, and is safe to crash at any point (a claimed job is leased,
//! and a retried confirmation simply carries a fresh link).

mod messages;
mod transport;

use std::sync::Arc;

use time::Duration;
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{InstanceKeys, PlainToken};
use crate::i18n::Translator;
use crate::storage::{MailJob, MailKind, Store, StoreError};

pub use messages::{MessageContent, render_message};
pub use transport::{MailTransport, TransportError};

/// How long a confirmation link stays valid.
pub const CONFIRMATION_VALIDITY: Duration = Duration::days(7);
/// A claimed job is retried after this long if its worker died mid-send.
const LEASE: Duration = Duration::minutes(5);
/// After this many failed attempts (about two hours of retries) a job is given up.
const MAX_ATTEMPTS: u32 = 8;

/// What one step of the worker did; tests drive the worker step by step.
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
            match self.step().await {
                Ok(StepOutcome::Idle) => {}
                Ok(_) => continue,
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

    /// Claims and handles at most one due job.
    pub async fn step(&self) -> Result<StepOutcome, StoreError> {
        let now = self.clock.now();
        let Some(job) = self.store.claim_mail_job(now, now + LEASE).await? else {
            return Ok(StepOutcome::Idle);
        };
        match self.deliver(&job).await {
            Ok(true) => {
                self.store.finish_mail_job(job.id).await?;
                tracing::info!(mail.job = job.id, mail.kind = job.kind.as_str(), letter.slug = %job.letter_slug, "mail sent");
                Ok(StepOutcome::Sent)
            }
            Ok(false) => {
                self.store.finish_mail_job(job.id).await?;
                Ok(StepOutcome::Skipped)
            }
            Err(error) if job.attempts >= MAX_ATTEMPTS => {
                tracing::error!(mail.job = job.id, attempts = job.attempts, %error, "mail abandoned after repeated failures");
                self.store.abandon_mail_job(job.id, &error).await?;
                Ok(StepOutcome::Abandoned)
            }
            Err(error) => {
                let delay = Duration::seconds(30 * (1 << (job.attempts - 1).min(7)));
                tracing::warn!(mail.job = job.id, attempts = job.attempts, retry_in_s = delay.whole_seconds(), %error, "mail not sent; will retry");
                self.store.retry_mail_job(job.id, now + delay, &error).await?;
                Ok(StepOutcome::WillRetry)
            }
        }
    }

    /// `Ok(false)`: nothing needed sending. Errors are short and free of personal data.
    async fn deliver(&self, job: &MailJob) -> Result<bool, String> {
        let Some(sealed) = &job.email_sealed else {
            return Ok(false);
        };
        let key = self
            .keys
            .unwrap_letter_key(job.letter_slug.as_str(), &job.wrapped_letter_key)
            .map_err(|e| format!("letter key: {e}"))?;
        let to = key.open_email(sealed, &job.email_lookup).map_err(|e| format!("address: {e}"))?;
        let tr = Translator::new(job.language);
        let letter_url = self.config.public_link(&format!("letters/{}", job.letter_slug));
        let link = match job.kind {
            MailKind::Confirm if job.signature_confirmed => return Ok(false),
            MailKind::Confirm => {
                // The link is made now, not when signing: the plain token then exists
                // only in this message, never in the database.
                let token = PlainToken::generate();
                let expires = self.clock.now() + CONFIRMATION_VALIDITY;
                self.store
                    .set_confirmation_token(job.signature, &token.hash(), expires)
                    .await
                    .map_err(|e| format!("storing token: {e}"))?;
                Some(self.config.public_link(&format!("confirm/{}", token.expose())))
            }
            MailKind::AlreadySigned => None,
        };
        let withdraw_link = link.as_ref().map(|l| format!("{l}/withdraw"));
        let content = match (&link, &withdraw_link) {
            (Some(link), Some(withdraw_link)) => MessageContent::Confirm {
                letter_title: &job.letter_title,
                letter_url: &letter_url,
                link,
                withdraw_link,
            },
            _ => MessageContent::AlreadySigned { letter_title: &job.letter_title, letter_url: &letter_url },
        };
        let message = render_message(&tr, &self.config.mail.from, &to, &content)
            .map_err(|e| format!("rendering: {e}"))?;
        self.transport.send(message).await.map_err(|e| e.to_string())?;
        Ok(true)
    }
}
