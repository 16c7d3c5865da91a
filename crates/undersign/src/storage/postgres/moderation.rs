//! Moderation on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;

use super::outbox::enqueue_removal_mail;
use super::{
    CachedStatements, PostgresStore, add_to_search, corrupt, count, insert_audit, insert_entry,
    insert_signature_entry, remove_from_search, slug, unix,
};
use crate::abuse::FlagKind;
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{LetterId, SignatureId};
use crate::i18n::Language;
use crate::log::records::{SaltedRecord, strike_record};
use crate::storage::StoreError;
use crate::storage::moderation::{
    FlagRule, ModerationStore, QueueFlag, QueueItem, RemovalState, StrikeTally,
};
use crate::storage::organisers::AuditEntry;
use letterlog::leaf::EntryKind;

/// Undecided, confirmed, still standing signatures of letter $1 with a flag
/// matching `flag_filter` (over `f`).
fn undecided(flag_filter: &str) -> String {
    format!(
        "SELECT s.id, s.seq, s.name, s.affiliation, s.city, s.held, s.status FROM signatures s
         WHERE s.letter_id = $1 AND s.status = 'confirmed' AND s.approved_at IS NULL
           AND s.struck_at IS NULL AND s.withdrawn_at IS NULL
           AND EXISTS (SELECT 1 FROM signature_flags f WHERE f.signature_id = s.id AND {flag_filter})
         ORDER BY s.seq"
    )
}

async fn queue_items(
    client: &impl GenericClient,
    sql: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Result<Vec<QueueItem>, StoreError> {
    let mut items = Vec::new();
    for r in client.fetch(sql, args).await? {
        items.push(QueueItem {
            signature: SignatureId(r.try_get(0)?),
            seq: r.try_get::<_, Option<i64>>(1)?.map(count).transpose()?,
            name: r.try_get(2)?,
            affiliation: r.try_get(3)?,
            city: r.try_get(4)?,
            held: r.try_get(5)?,
            confirmed: r.try_get::<_, &str>(6)? == "confirmed",
            flags: Vec::new(),
        });
    }
    for item in &mut items {
        for r in client
            .fetch(
                "SELECT f.kind, o.seq, f.detail FROM signature_flags f
                 LEFT JOIN signatures o ON o.id = f.other_id WHERE f.signature_id = $1 ORDER BY f.id",
                &[&item.signature.0],
            )
            .await?
        {
            let kind: &str = r.try_get(0)?;
            item.flags.push(QueueFlag {
                kind: FlagKind::parse(kind).ok_or_else(|| corrupt("flag", kind))?,
                other_seq: r.try_get::<_, Option<i64>>(1)?.map(count).transpose()?,
                detail: r.try_get(2)?,
            });
        }
    }
    Ok(items)
}

async fn removal_lookup(
    client: &impl GenericClient,
    token: &[u8; 32],
    now: OffsetDateTime,
) -> Result<Option<(i64, i64, RemovalState)>, StoreError> {
    let row = client
        .fetch_opt(
            "SELECT r.id, r.signature_id, r.state, l.slug, l.title, s.name FROM removal_requests r
             JOIN signatures s ON s.id = r.signature_id JOIN letters l ON l.id = s.letter_id
             WHERE r.token_hash = $1 AND r.token_expires_at > $2",
            &[&&token[..], &unix(now)],
        )
        .await?;
    row.map(|r| {
        Ok((
            r.try_get(0)?,
            r.try_get(1)?,
            RemovalState {
                letter_slug: slug(r.try_get(3)?)?,
                letter_title: r.try_get(4)?,
                signer_name: r.try_get(5)?,
                confirmed: r.try_get::<_, &str>(2)? == "confirmed",
            },
        ))
    })
    .transpose()
}

/// The id of a signature the public list shows, by its confirmation number: what
/// readers can report.
async fn shown_signature(
    client: &impl GenericClient,
    letter: LetterId,
    seq: u64,
) -> Result<Option<i64>, StoreError> {
    Ok(client
        .fetch_opt(
            "SELECT id FROM signatures WHERE letter_id = $1 AND seq = $2 AND show_name
               AND NOT held AND struck_at IS NULL AND withdrawn_at IS NULL",
            &[&letter.0, &super::sql_index(seq)],
        )
        .await?
        .map(|r| r.get(0)))
}

#[async_trait]
impl ModerationStore for PostgresStore {
    async fn request_removal(
        &self,
        letter: LetterId,
        seq: u64,
        email_lookup: EmailLookup,
        email_sealed: SealedEmail,
        language: Language,
        note: String,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(id) = shown_signature(&tx, letter, seq).await? else { return Ok(false) };
        let request: i64 = tx
            .fetch_one(
                "INSERT INTO removal_requests (signature_id, email_lookup, email_sealed, language, note, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&id, &&email_lookup.0[..], &email_sealed.0, &language.code(), &note, &unix(now)],
            )
            .await?
            .get(0);
        enqueue_removal_mail(&tx, request, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn removal_state(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<RemovalState>, StoreError> {
        let client = self.pool.get().await?;
        Ok(removal_lookup(&client, &token.0, now).await?.map(|(_, _, state)| state))
    }

    async fn confirm_removal(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<RemovalState>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some((id, signature, state)) = removal_lookup(&tx, &token.0, now).await? else { return Ok(None) };
        if !state.confirmed {
            let note: String = tx
                .fetch_one(
                    "UPDATE removal_requests SET state = 'confirmed', email_sealed = NULL WHERE id = $1
                     RETURNING note",
                    &[&id],
                )
                .await?
                .get(0);
            tx.exec(
                "INSERT INTO signature_flags (signature_id, kind, detail) VALUES ($1, 'removal_requested', $2)",
                &[&signature, &note],
            )
            .await?;
            tx.exec("UPDATE signatures SET approved_at = NULL WHERE id = $1", &[&signature]).await?;
        }
        tx.commit().await?;
        Ok(Some(RemovalState { confirmed: true, ..state }))
    }

    async fn moderation_queue(&self, letter: LetterId, limit: u32) -> Result<Vec<QueueItem>, StoreError> {
        let client = self.pool.get().await?;
        queue_items(&client, &format!("{} LIMIT $2", undecided("TRUE")), &[&letter.0, &i64::from(limit)])
            .await
    }

    async fn signatures_matching(
        &self,
        letter: LetterId,
        rule: &FlagRule,
        limit: u32,
    ) -> Result<Vec<QueueItem>, StoreError> {
        let client = self.pool.get().await?;
        let sql = format!("{} LIMIT $4", undecided("f.kind = $2 AND ($3::TEXT IS NULL OR f.detail = $3)"));
        queue_items(&client, &sql, &[&letter.0, &rule.kind.as_str(), &rule.detail, &i64::from(limit)]).await
    }

    async fn approve_signature(
        &self,
        letter: LetterId,
        signature: SignatureId,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .fetch_opt(
                "SELECT held FROM signatures WHERE id = $1 AND letter_id = $2 AND status = 'confirmed'
                   AND approved_at IS NULL AND struck_at IS NULL AND withdrawn_at IS NULL FOR UPDATE",
                &[&signature.0, &letter.0],
            )
            .await?
        else {
            return Ok(false);
        };
        let held: bool = row.try_get(0)?;
        tx.exec(
            "UPDATE signatures SET approved_at = $2, held = FALSE WHERE id = $1",
            &[&signature.0, &unix(now)],
        )
        .await?;
        if held {
            // Released: it enters the log and the list now.
            insert_signature_entry(&tx, signature.0, letter.0, now).await?;
            add_to_search(&tx, signature.0).await?;
        }
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn strike_signatures(
        &self,
        letter: LetterId,
        signatures: Vec<SignatureId>,
        reason: String,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<StrikeTally, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut tally = StrikeTally { in_log: 0, held: 0 };
        for signature in &signatures {
            let Some(row) = tx
                .fetch_opt(
                    "SELECT held FROM signatures WHERE id = $1 AND letter_id = $2 AND status = 'confirmed'
                       AND struck_at IS NULL AND withdrawn_at IS NULL FOR UPDATE",
                    &[&signature.0, &letter.0],
                )
                .await?
            else {
                continue;
            };
            let held: bool = row.try_get(0)?;
            tx.exec(
                "UPDATE signatures SET struck_at = $2, strike_reason = $3 WHERE id = $1",
                &[&signature.0, &unix(now), &reason],
            )
            .await?;
            remove_from_search(&tx, signature.0).await?;
            if held {
                tally.held += 1;
            } else {
                let record = SaltedRecord::new(strike_record(&reason));
                insert_entry(&tx, letter.0, EntryKind::Strike, Some(signature.0), &record, false, now, now)
                    .await?;
                tally.in_log += 1;
            }
        }
        if tally.in_log + tally.held > 0 {
            let detail = format!("{} — {} signature(s)", audit.detail, tally.in_log + tally.held);
            insert_audit(&tx, &AuditEntry { detail, ..audit }).await?;
        }
        tx.commit().await?;
        Ok(tally)
    }

    async fn report_signature(&self, letter: LetterId, seq: u64, note: String) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(id) = shown_signature(&tx, letter, seq).await? else { return Ok(false) };
        tx.exec(
            "INSERT INTO signature_flags (signature_id, kind, detail) VALUES ($1, 'reported', $2)",
            &[&id, &note],
        )
        .await?;
        // A kept signature that is reported again goes back to the queue.
        tx.exec("UPDATE signatures SET approved_at = NULL WHERE id = $1", &[&id]).await?;
        tx.commit().await?;
        Ok(true)
    }
}
