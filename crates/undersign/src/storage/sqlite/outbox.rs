//! The one outbox on SQLite: `mail_jobs`, claimed by the single writer (so no
//! two claims overlap), each job's details read by its primary keys.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::organisers::role_from;
use super::{SqliteStore, corrupt, from_unix, lookup_from, unix};
use crate::crypto::SealedEmail;
use crate::domain::{LetterId, SignatureId, Slug};
use crate::i18n::Language;
use crate::storage::StoreError;
use crate::storage::organisers::AccountId;
use crate::storage::outbox::{
    IssuedLink, JobEnd, Mail, MailJob, MailKind, OrganiserMail, OrganiserMailKind, OutboxStats, OutboxStore,
    RemovalMail, SignerMail,
};

/// Queues a signer's mail about a signature (in the caller's transaction).
pub(super) fn enqueue_signer_mail(
    tx: &Connection,
    kind: MailKind,
    signature: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO mail_jobs (kind, signature_id, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![kind.as_str(), signature, unix(now)])?;
    Ok(())
}

/// Queues an invitation to an account: to a letter, to a campaign, or (neither)
/// to publish letters here.
pub(super) fn enqueue_invitation(
    tx: &Connection,
    account: AccountId,
    letter: Option<LetterId>,
    campaign: Option<i64>,
    role: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO mail_jobs (kind, account_id, letter_id, campaign_id, role, next_attempt_at, created_at)
         VALUES ('invitation', ?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![account.0, letter.map(|l| l.0), campaign, role, unix(now)])?;
    Ok(())
}

/// Queues the confirmation mail of a removal request.
pub(super) fn enqueue_removal_mail(
    tx: &Connection,
    request: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO mail_jobs (kind, removal_request_id, next_attempt_at, created_at)
         VALUES ('removal_request', ?1, ?2, ?2)",
    )?
    .execute(params![request, unix(now)])?;
    Ok(())
}

/// A due job's row, before its details are read.
struct JobRow {
    id: i64,
    kind: String,
    attempts: u32,
    signature: Option<i64>,
    account: Option<i64>,
    letter: Option<i64>,
    campaign: Option<i64>,
    role: Option<String>,
    removal_request: Option<i64>,
}

fn signer_mail(tx: &Connection, kind: MailKind, signature: i64) -> Result<SignerMail, StoreError> {
    let mut select = tx.prepare_cached(
        "SELECT s.status, l.slug, l.title, l.wrapped_key, s.email_lookup, s.email_sealed, s.language
         FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = ?1",
    )?;
    let mut rows = select.query([signature])?;
    let r = rows.next()?.ok_or_else(|| corrupt("mail job's signature", &signature.to_string()))?;
    let (status, slug, language): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(6)?);
    Ok(SignerMail {
        kind,
        signature: SignatureId(signature),
        signature_confirmed: status == "confirmed",
        letter_slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
        letter_title: r.get(2)?,
        wrapped_letter_key: r.get(3)?,
        email_lookup: lookup_from(r.get(4)?)?,
        email_sealed: r.get::<_, Option<Vec<u8>>>(5)?.map(SealedEmail),
        language: Language::from_code(&language).unwrap_or_default(),
    })
}

fn slug_and_title(
    tx: &Connection,
    table: &str,
    id: Option<i64>,
) -> Result<Option<(Slug, String)>, StoreError> {
    let Some(id) = id else { return Ok(None) };
    let found: Option<(String, String)> = tx
        .prepare_cached(&format!("SELECT slug, title FROM {table} WHERE id = ?1"))?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    found
        .map(|(slug, title)| Ok((Slug::parse(&slug).map_err(|_| corrupt("slug", &slug))?, title)))
        .transpose()
}

fn organiser_mail(tx: &Connection, job: &JobRow) -> Result<OrganiserMail, StoreError> {
    let account = job.account.ok_or_else(|| corrupt("mail job without account", &job.id.to_string()))?;
    let (lookup, sealed, language): (Vec<u8>, Vec<u8>, String) = tx
        .prepare_cached("SELECT email_lookup, email_sealed, language FROM accounts WHERE id = ?1")?
        .query_row([account], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let campaign = slug_and_title(tx, "campaigns", job.campaign)?;
    let kind = match (job.kind.as_str(), &job.role) {
        ("sign_in", _) => OrganiserMailKind::SignIn,
        ("invitation", _) if campaign.is_some() => OrganiserMailKind::CampaignInvitation,
        ("invitation", Some(role)) => {
            OrganiserMailKind::Invitation { letter: job.letter.map(LetterId), role: role_from(role)? }
        }
        _ => return Err(corrupt("organiser mail kind", &job.kind)),
    };
    Ok(OrganiserMail {
        kind,
        account: AccountId(account),
        email_lookup: lookup_from(lookup)?,
        email_sealed: SealedEmail(sealed),
        language: Language::from_code(&language).unwrap_or_default(),
        letter: slug_and_title(tx, "letters", job.letter)?,
        campaign,
    })
}

fn removal_mail(tx: &Connection, request: i64) -> Result<RemovalMail, StoreError> {
    let mut select = tx.prepare_cached(
        "SELECT l.slug, l.title, l.wrapped_key, r.email_lookup, r.email_sealed, r.language, s.name
         FROM removal_requests r JOIN signatures s ON s.id = r.signature_id
         JOIN letters l ON l.id = s.letter_id
         WHERE r.id = ?1",
    )?;
    let mut rows = select.query([request])?;
    let r = rows.next()?.ok_or_else(|| corrupt("mail job's removal request", &request.to_string()))?;
    let (slug, language): (String, String) = (r.get(0)?, r.get(5)?);
    Ok(RemovalMail {
        request,
        letter_slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
        letter_title: r.get(1)?,
        wrapped_letter_key: r.get(2)?,
        email_lookup: lookup_from(r.get(3)?)?,
        email_sealed: r.get::<_, Option<Vec<u8>>>(4)?.map(SealedEmail),
        language: Language::from_code(&language).unwrap_or_default(),
        signer_name: r.get(6)?,
    })
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn claim_mail_jobs(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<MailJob>, StoreError> {
        self.write(move |tx| {
            let rows = tx
                .prepare_cached(
                    "SELECT id, kind, attempts, signature_id, account_id, letter_id, campaign_id, role,
                            removal_request_id
                     FROM mail_jobs WHERE state = 'queued' AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, id LIMIT ?2",
                )?
                .query_map(params![unix(now), limit], |r| {
                    Ok(JobRow {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        attempts: r.get(2)?,
                        signature: r.get(3)?,
                        account: r.get(4)?,
                        letter: r.get(5)?,
                        campaign: r.get(6)?,
                        role: r.get(7)?,
                        removal_request: r.get(8)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut lease = tx.prepare_cached(
                "UPDATE mail_jobs SET attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1",
            )?;
            let mut jobs = Vec::with_capacity(rows.len());
            for row in rows {
                let missing = || corrupt("mail job without its subject", &row.id.to_string());
                let mail = match (MailKind::parse(&row.kind), row.kind.as_str()) {
                    (Some(kind), _) => {
                        Mail::Signer(signer_mail(tx, kind, row.signature.ok_or_else(missing)?)?)
                    }
                    (None, "removal_request") => {
                        Mail::Removal(removal_mail(tx, row.removal_request.ok_or_else(missing)?)?)
                    }
                    (None, _) => Mail::Organiser(organiser_mail(tx, &row)?),
                };
                lease.execute(params![row.id, unix(lease_until)])?;
                jobs.push(MailJob { id: row.id, attempts: row.attempts + 1, mail });
            }
            Ok(jobs)
        })
        .await
    }

    async fn store_links(&self, links: Vec<IssuedLink>) -> Result<(), StoreError> {
        self.write(move |tx| {
            for link in &links {
                match link {
                    IssuedLink::Confirmation { signature, token, expires_at } => {
                        tx.prepare_cached(
                            "INSERT INTO confirmation_links (token_hash, signature_id, expires_at)
                             SELECT ?2, id, ?3 FROM signatures WHERE id = ?1 AND status = 'pending'",
                        )?
                        .execute(params![signature.0, &token.0[..], unix(*expires_at)])?;
                    }
                    IssuedLink::Reconfirmation { signature, token } => {
                        tx.prepare_cached("UPDATE signatures SET reconfirm_token_hash = ?2 WHERE id = ?1")?
                            .execute(params![signature.0, &token.0[..]])?;
                    }
                    IssuedLink::SignIn { account, token, expires_at } => {
                        tx.prepare_cached(
                            "INSERT INTO sign_in_links (token_hash, account_id, expires_at) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![&token.0[..], account.0, unix(*expires_at)])?;
                    }
                    IssuedLink::Removal { request, token, expires_at } => {
                        tx.prepare_cached(
                            "UPDATE removal_requests SET token_hash = ?2, token_expires_at = ?3
                             WHERE id = ?1 AND state = 'queued'",
                        )?
                        .execute(params![request, &token.0[..], unix(*expires_at)])?;
                    }
                }
            }
            Ok(())
        })
        .await
    }

    async fn finish_mail_jobs(&self, ends: Vec<(i64, JobEnd)>) -> Result<(), StoreError> {
        self.write(move |tx| {
            for (job, end) in &ends {
                match end {
                    JobEnd::Done => {
                        // A removal request's link is out: it may now be confirmed
                        // (and expires, with the address, if it is not).
                        tx.prepare_cached(
                            "UPDATE removal_requests SET state = 'sent'
                             WHERE state = 'queued'
                               AND id = (SELECT removal_request_id FROM mail_jobs WHERE id = ?1)",
                        )?
                        .execute([job])?;
                        tx.prepare_cached("DELETE FROM mail_jobs WHERE id = ?1")?.execute([job])?;
                    }
                    JobEnd::Retry { at, error } => {
                        tx.prepare_cached(
                            "UPDATE mail_jobs SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                        )?
                        .execute(params![job, unix(*at), error])?;
                    }
                    JobEnd::Postpone { at, error } => {
                        // The claim counted an attempt: taken back.
                        tx.prepare_cached(
                            "UPDATE mail_jobs SET next_attempt_at = ?2, last_error = ?3,
                                    attempts = max(attempts - 1, 0)
                             WHERE id = ?1",
                        )?
                        .execute(params![job, unix(*at), error])?;
                    }
                    JobEnd::Dead { error } => {
                        // Nobody will confirm a request whose link never left:
                        // its address goes.
                        tx.prepare_cached(
                            "UPDATE removal_requests SET state = 'dead', email_sealed = NULL, token_hash = NULL
                             WHERE state = 'queued'
                               AND id = (SELECT removal_request_id FROM mail_jobs WHERE id = ?1)",
                        )?
                        .execute([job])?;
                        tx.prepare_cached("UPDATE mail_jobs SET state = 'dead', last_error = ?2 WHERE id = ?1")?
                            .execute(params![job, error])?;
                    }
                }
            }
            Ok(())
        })
        .await
    }

    async fn next_mail_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        self.read(|conn| {
            let at: Option<i64> = conn.query_row(
                "SELECT min(next_attempt_at) FROM mail_jobs WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )?;
            at.map(from_unix).transpose()
        })
        .await
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        self.read(|conn| {
            let (waiting, oldest): (i64, Option<i64>) = conn.query_row(
                "SELECT count(*), min(next_attempt_at) FROM mail_jobs WHERE state = 'queued'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(OutboxStats { waiting: waiting as u64, oldest_due: oldest.map(from_unix).transpose()? })
        })
        .await
    }
}
