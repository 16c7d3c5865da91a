//! The one outbox on PostgreSQL: jobs are claimed with `FOR UPDATE SKIP
//! LOCKED`, so any number of workers on any number of nodes claim disjoint jobs
//! and none waits for another's.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use time::OffsetDateTime;

use super::{CachedStatements, PostgresStore, corrupt, count, from_unix, slug, unix};
use crate::crypto::{EmailLookup, SealedEmail};
use crate::domain::{LetterId, SignatureId};
use crate::i18n::Language;
use crate::storage::StoreError;
use crate::storage::organisers::{AccountId, Role};
use crate::storage::outbox::{
    IssuedLink, JobEnd, Mail, MailJob, MailKind, OrganiserMail, OrganiserMailKind, OutboxStats, OutboxStore,
    RemovalMail, SignerMail,
};

/// Queues a signer's mail about a signature (in the caller's transaction).
pub(super) async fn enqueue_signer_mail(
    client: &impl GenericClient,
    kind: MailKind,
    signature: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    client
        .exec(
            "INSERT INTO mail_jobs (kind, signature_id, next_attempt_at, created_at) VALUES ($1, $2, $3, $3)",
            &[&kind.as_str(), &signature, &unix(now)],
        )
        .await?;
    Ok(())
}

pub(super) fn lookup(bytes: &[u8]) -> Result<EmailLookup, StoreError> {
    Ok(EmailLookup(bytes.try_into().map_err(|_| corrupt("e-mail lookup", "wrong length"))?))
}

fn role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| corrupt("role", text))
}

async fn signer_mail(
    client: &impl GenericClient,
    kind: MailKind,
    signature: i64,
) -> Result<SignerMail, StoreError> {
    let r = client
        .fetch_one(
            "SELECT s.status, l.slug, l.title, l.wrapped_key, s.email_lookup, s.email_sealed, s.language
             FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = $1",
            &[&signature],
        )
        .await?;
    Ok(SignerMail {
        kind,
        signature: SignatureId(signature),
        signature_confirmed: r.try_get::<_, &str>(0)? == "confirmed",
        letter_slug: slug(r.try_get(1)?)?,
        letter_title: r.try_get(2)?,
        wrapped_letter_key: r.try_get(3)?,
        email_lookup: lookup(r.try_get(4)?)?,
        email_sealed: r.try_get::<_, Option<Vec<u8>>>(5)?.map(SealedEmail),
        language: Language::from_code(r.try_get(6)?).unwrap_or_default(),
    })
}

async fn slug_and_title(
    client: &impl GenericClient,
    table: &str,
    id: Option<i64>,
) -> Result<Option<(crate::domain::Slug, String)>, StoreError> {
    let Some(id) = id else { return Ok(None) };
    let row = client.fetch_opt(&format!("SELECT slug, title FROM {table} WHERE id = $1"), &[&id]).await?;
    row.map(|r| Ok((slug(r.try_get(0)?)?, r.try_get(1)?))).transpose()
}

async fn organiser_mail(
    client: &impl GenericClient,
    job: &tokio_postgres::Row,
) -> Result<OrganiserMail, StoreError> {
    let id: i64 = job.try_get(0)?;
    let kind: &str = job.try_get(1)?;
    let account: i64 = job
        .try_get::<_, Option<i64>>(4)?
        .ok_or_else(|| corrupt("mail job without account", &id.to_string()))?;
    let (letter, campaign, role_text): (Option<i64>, Option<i64>, Option<&str>) =
        (job.try_get(5)?, job.try_get(6)?, job.try_get(7)?);
    let a = client
        .fetch_one("SELECT email_lookup, email_sealed, language FROM accounts WHERE id = $1", &[&account])
        .await?;
    let campaign = slug_and_title(client, "campaigns", campaign).await?;
    let kind = match (kind, role_text) {
        ("sign_in", _) => OrganiserMailKind::SignIn,
        ("invitation", _) if campaign.is_some() => OrganiserMailKind::CampaignInvitation,
        ("invitation", Some(text)) => {
            OrganiserMailKind::Invitation { letter: letter.map(LetterId), role: role(text)? }
        }
        _ => return Err(corrupt("organiser mail kind", kind)),
    };
    Ok(OrganiserMail {
        kind,
        account: AccountId(account),
        email_lookup: lookup(a.try_get(0)?)?,
        email_sealed: SealedEmail(a.try_get(1)?),
        language: Language::from_code(a.try_get(2)?).unwrap_or_default(),
        letter: slug_and_title(client, "letters", letter).await?,
        campaign,
    })
}

async fn removal_mail(client: &impl GenericClient, request: i64) -> Result<RemovalMail, StoreError> {
    let r = client
        .fetch_one(
            "SELECT l.slug, l.title, l.wrapped_key, r.email_lookup, r.email_sealed, r.language, s.name
             FROM removal_requests r JOIN signatures s ON s.id = r.signature_id
             JOIN letters l ON l.id = s.letter_id WHERE r.id = $1",
            &[&request],
        )
        .await?;
    Ok(RemovalMail {
        request,
        letter_slug: slug(r.try_get(0)?)?,
        letter_title: r.try_get(1)?,
        wrapped_letter_key: r.try_get(2)?,
        email_lookup: lookup(r.try_get(3)?)?,
        email_sealed: r.try_get::<_, Option<Vec<u8>>>(4)?.map(SealedEmail),
        language: Language::from_code(r.try_get(5)?).unwrap_or_default(),
        signer_name: r.try_get(6)?,
    })
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn claim_mail_jobs(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<MailJob>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Locked rows are skipped, not waited for: another worker holds them
        // until its lease is written and committed, then they are not due.
        let rows = tx
            .fetch(
                "UPDATE mail_jobs SET attempts = attempts + 1, next_attempt_at = $2
                 WHERE id IN (SELECT id FROM mail_jobs WHERE state = 'queued' AND next_attempt_at <= $1
                              ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 RETURNING id, kind, attempts, signature_id, account_id, letter_id, campaign_id, role,
                           removal_request_id",
                &[&unix(now), &unix(lease_until), &i64::from(limit)],
            )
            .await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let kind: &str = row.try_get(1)?;
            let missing = || corrupt("mail job without its subject", &id.to_string());
            let mail = match (MailKind::parse(kind), kind) {
                (Some(kind), _) => Mail::Signer(
                    signer_mail(&tx, kind, row.try_get::<_, Option<i64>>(3)?.ok_or_else(missing)?).await?,
                ),
                (None, "removal_request") => Mail::Removal(
                    removal_mail(&tx, row.try_get::<_, Option<i64>>(8)?.ok_or_else(missing)?).await?,
                ),
                (None, _) => Mail::Organiser(organiser_mail(&tx, row).await?),
            };
            let attempts: i32 = row.try_get(2)?;
            jobs.push(MailJob { id, attempts: u32::try_from(attempts).unwrap_or(0), mail });
        }
        tx.commit().await?;
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    async fn store_links(&self, links: Vec<IssuedLink>) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for link in &links {
            match link {
                IssuedLink::Confirmation { signature, token, expires_at } => {
                    tx.exec(
                        "INSERT INTO confirmation_links (token_hash, signature_id, expires_at)
                         SELECT $2, id, $3 FROM signatures WHERE id = $1 AND status = 'pending'",
                        &[&signature.0, &&token.0[..], &unix(*expires_at)],
                    )
                    .await?;
                }
                IssuedLink::Reconfirmation { signature, token } => {
                    tx.exec(
                        "UPDATE signatures SET reconfirm_token_hash = $2 WHERE id = $1",
                        &[&signature.0, &&token.0[..]],
                    )
                    .await?;
                }
                IssuedLink::SignIn { account, token, expires_at } => {
                    tx.exec(
                        "INSERT INTO sign_in_links (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
                        &[&&token.0[..], &account.0, &unix(*expires_at)],
                    )
                    .await?;
                }
                IssuedLink::Removal { request, token, expires_at } => {
                    tx.exec(
                        "UPDATE removal_requests SET token_hash = $2, token_expires_at = $3
                         WHERE id = $1 AND state = 'queued'",
                        &[request, &&token.0[..], &unix(*expires_at)],
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn finish_mail_jobs(&self, ends: Vec<(i64, JobEnd)>) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for (job, end) in &ends {
            match end {
                JobEnd::Done => {
                    tx.exec(
                        "UPDATE removal_requests SET state = 'sent'
                         WHERE state = 'queued' AND id = (SELECT removal_request_id FROM mail_jobs WHERE id = $1)",
                        &[job],
                    )
                    .await?;
                    tx.exec("DELETE FROM mail_jobs WHERE id = $1", &[job]).await?;
                }
                JobEnd::Retry { at, error } => {
                    tx.exec(
                        "UPDATE mail_jobs SET next_attempt_at = $2, last_error = $3 WHERE id = $1",
                        &[job, &unix(*at), error],
                    )
                    .await?;
                }
                JobEnd::Postpone { at, error } => {
                    // The claim counted an attempt: taken back.
                    tx.exec(
                        "UPDATE mail_jobs SET next_attempt_at = $2, last_error = $3,
                                attempts = GREATEST(attempts - 1, 0)
                         WHERE id = $1",
                        &[job, &unix(*at), error],
                    )
                    .await?;
                }
                JobEnd::Dead { error } => {
                    tx.exec(
                        "UPDATE removal_requests SET state = 'dead', email_sealed = NULL, token_hash = NULL
                         WHERE state = 'queued' AND id = (SELECT removal_request_id FROM mail_jobs WHERE id = $1)",
                        &[job],
                    )
                    .await?;
                    tx.exec(
                        "UPDATE mail_jobs SET state = 'dead', last_error = $2 WHERE id = $1",
                        &[job, error],
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn next_mail_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let client = self.pool.get().await?;
        let at: Option<i64> = client
            .fetch_one("SELECT min(next_attempt_at) FROM mail_jobs WHERE state = 'queued'", &[])
            .await?
            .get(0);
        at.map(from_unix).transpose()
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .fetch_one("SELECT count(*), min(next_attempt_at) FROM mail_jobs WHERE state = 'queued'", &[])
            .await?;
        let oldest: Option<i64> = row.try_get(1)?;
        Ok(OutboxStats { waiting: count(row.try_get(0)?)?, oldest_due: oldest.map(from_unix).transpose()? })
    }
}

/// Queues an invitation to an account: to a letter, to a campaign, or (neither)
/// to publish letters here.
pub(super) async fn enqueue_invitation(
    client: &impl GenericClient,
    account: AccountId,
    letter: Option<LetterId>,
    campaign: Option<i64>,
    role: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    client
        .exec(
            "INSERT INTO mail_jobs (kind, account_id, letter_id, campaign_id, role, next_attempt_at, created_at)
             VALUES ('invitation', $1, $2, $3, $4, $5, $5)",
            &[&account.0, &letter.map(|l| l.0), &campaign, &role, &unix(now)],
        )
        .await?;
    Ok(())
}

/// Queues the confirmation mail of a removal request.
pub(super) async fn enqueue_removal_mail(
    client: &impl GenericClient,
    request: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    client
        .exec(
            "INSERT INTO mail_jobs (kind, removal_request_id, next_attempt_at, created_at)
             VALUES ('removal_request', $1, $2, $2)",
            &[&request, &unix(now)],
        )
        .await?;
    Ok(())
}
