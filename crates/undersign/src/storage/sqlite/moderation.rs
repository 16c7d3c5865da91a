//! Moderation in SQLite (migration 0007).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::organisers::insert_audit;
use super::{SqliteStore, corrupt, insert_entry, insert_signature_entry, unix};
use crate::abuse::FlagKind;
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::Slug;
use crate::domain::{LetterId, SignatureId};
use crate::i18n::Language;
use crate::log::records::{SaltedRecord, strike_record};
use crate::storage::StoreError;
use crate::storage::moderation::{
    FlagRule, ModerationStore, QueueFlag, QueueItem, RemovalState, StrikeTally,
};
use crate::storage::organisers::AuditEntry;
use letterlog::leaf::EntryKind;

/// Undecided, confirmed, still standing signatures of letter ?1 with a flag
/// matching `flag_filter` (over `f`).
fn undecided(flag_filter: &str) -> String {
    format!(
        "SELECT s.id, s.seq, s.name, s.affiliation, s.city, s.held, s.status FROM signatures s
         WHERE s.letter_id = ?1 AND s.status = 'confirmed' AND s.approved_at IS NULL
           AND s.struck_at IS NULL AND s.withdrawn_at IS NULL
           AND EXISTS (SELECT 1 FROM signature_flags f WHERE f.signature_id = s.id AND {flag_filter})
         ORDER BY s.seq"
    )
}

fn queue_items(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<QueueItem>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    let mut items = Vec::new();
    while let Some(r) = rows.next()? {
        let status: String = r.get(6)?;
        items.push(QueueItem {
            signature: SignatureId(r.get(0)?),
            seq: r.get::<_, Option<i64>>(1)?.map(|s| s as u64),
            name: r.get(2)?,
            affiliation: r.get(3)?,
            city: r.get(4)?,
            held: r.get(5)?,
            confirmed: status == "confirmed",
            flags: Vec::new(),
        });
    }
    let mut flags = conn.prepare_cached(
        "SELECT f.kind, o.seq, f.detail FROM signature_flags f
         LEFT JOIN signatures o ON o.id = f.other_id WHERE f.signature_id = ?1 ORDER BY f.id",
    )?;
    for item in &mut items {
        let rows = flags.query_map([item.signature.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, Option<String>>(2)?))
        })?;
        for row in rows {
            let (kind, other_seq, detail) = row?;
            item.flags.push(QueueFlag {
                kind: FlagKind::parse(&kind).ok_or_else(|| corrupt("flag", &kind))?,
                other_seq: other_seq.map(|s| s as u64),
                detail,
            });
        }
    }
    Ok(items)
}

fn removal_lookup(
    conn: &Connection,
    token: &[u8; 32],
    now: OffsetDateTime,
) -> Result<Option<(i64, i64, RemovalState)>, StoreError> {
    let found = conn
        .query_row(
            "SELECT r.id, r.signature_id, r.state, l.slug, l.title, s.name FROM removal_requests r
             JOIN signatures s ON s.id = r.signature_id JOIN letters l ON l.id = s.letter_id
             WHERE r.token_hash = ?1 AND r.token_expires_at > ?2",
            params![&token[..], unix(now)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    found
        .map(|(id, signature, state, slug, title, name)| {
            Ok((
                id,
                signature,
                RemovalState {
                    letter_slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
                    letter_title: title,
                    signer_name: name,
                    confirmed: state == "confirmed",
                },
            ))
        })
        .transpose()
}

/// The id of a signature the public list shows, by its confirmation number: what
/// readers can report.
fn shown_signature(tx: &Connection, letter: LetterId, seq: u64) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT id FROM signatures WHERE letter_id = ?1 AND seq = ?2 AND show_name = 1
               AND held = 0 AND struck_at IS NULL AND withdrawn_at IS NULL",
            params![letter.0, seq as i64],
            |r| r.get(0),
        )
        .optional()?)
}

#[async_trait]
impl ModerationStore for SqliteStore {
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
        self.write(move |tx| {
            let Some(id) = shown_signature(tx, letter, seq)? else { return Ok(false) };
            tx.execute(
                "INSERT INTO removal_requests (signature_id, email_lookup, email_sealed, language, note,
                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, &email_lookup.0[..], email_sealed.0, language.code(), note, unix(now)],
            )?;
            super::outbox::enqueue_removal_mail(tx, tx.last_insert_rowid(), now)?;
            Ok(true)
        })
        .await
    }

    async fn removal_state(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<RemovalState>, StoreError> {
        let token = token.0;
        self.read(move |conn| Ok(removal_lookup(conn, &token, now)?.map(|(_, _, state)| state))).await
    }

    async fn confirm_removal(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<RemovalState>, StoreError> {
        let token = token.0;
        self.write(move |tx| {
            let Some((id, signature, state)) = removal_lookup(tx, &token, now)? else { return Ok(None) };
            if !state.confirmed {
                let note: String = tx.query_row("SELECT note FROM removal_requests WHERE id = ?1", [id], |r| r.get(0))?;
                tx.execute("UPDATE removal_requests SET state = 'confirmed', email_sealed = NULL WHERE id = ?1", [id])?;
                tx.execute(
                    "INSERT INTO signature_flags (signature_id, kind, detail) VALUES (?1, 'removal_requested', ?2)",
                    params![signature, note],
                )?;
                tx.execute("UPDATE signatures SET approved_at = NULL WHERE id = ?1", [signature])?;
            }
            Ok(Some(RemovalState { confirmed: true, ..state }))
        })
        .await
    }

    async fn moderation_queue(&self, letter: LetterId, limit: u32) -> Result<Vec<QueueItem>, StoreError> {
        self.read(move |conn| {
            queue_items(conn, &format!("{} LIMIT ?2", undecided("1")), params![letter.0, limit])
        })
        .await
    }

    async fn signatures_matching(
        &self,
        letter: LetterId,
        rule: &FlagRule,
        limit: u32,
    ) -> Result<Vec<QueueItem>, StoreError> {
        let (kind, detail) = (rule.kind.as_str(), rule.detail.clone());
        self.read(move |conn| {
            let sql = format!("{} LIMIT ?4", undecided("f.kind = ?2 AND (?3 IS NULL OR f.detail = ?3)"));
            queue_items(conn, &sql, params![letter.0, kind, detail, limit])
        })
        .await
    }

    async fn approve_signature(
        &self,
        letter: LetterId,
        signature: SignatureId,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let held: Option<bool> = tx
                .query_row(
                    "SELECT held FROM signatures WHERE id = ?1 AND letter_id = ?2 AND status = 'confirmed'
                       AND approved_at IS NULL AND struck_at IS NULL AND withdrawn_at IS NULL",
                    params![signature.0, letter.0],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(held) = held else { return Ok(false) };
            tx.execute(
                "UPDATE signatures SET approved_at = ?2, held = 0 WHERE id = ?1",
                params![signature.0, unix(now)],
            )?;
            if held {
                // Released: it enters the log and the list now.
                insert_signature_entry(tx, signature.0, letter.0, now)?;
                super::add_to_search(tx, signature.0)?;
            }
            insert_audit(tx, &audit)?;
            Ok(true)
        })
        .await
    }

    async fn strike_signatures(
        &self,
        letter: LetterId,
        signatures: Vec<SignatureId>,
        reason: String,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<StrikeTally, StoreError> {
        self.write(move |tx| {
            let mut tally = StrikeTally { in_log: 0, held: 0 };
            for signature in &signatures {
                let held: Option<bool> = tx
                    .prepare_cached(
                        "SELECT held FROM signatures WHERE id = ?1 AND letter_id = ?2 AND status = 'confirmed'
                           AND struck_at IS NULL AND withdrawn_at IS NULL",
                    )?
                    .query_row(params![signature.0, letter.0], |r| r.get(0))
                    .optional()?;
                let Some(held) = held else { continue };
                tx.prepare_cached("UPDATE signatures SET struck_at = ?2, strike_reason = ?3 WHERE id = ?1")?
                    .execute(params![signature.0, unix(now), reason])?;
                super::remove_from_search(tx, signature.0)?;
                if held {
                    tally.held += 1;
                } else {
                    let record = SaltedRecord::new(strike_record(&reason));
                    insert_entry(
                        tx,
                        letter.0,
                        EntryKind::Strike,
                        Some(signature.0),
                        &record,
                        false,
                        now,
                        now,
                    )?;
                    tally.in_log += 1;
                }
            }
            if tally.in_log + tally.held > 0 {
                let detail = format!("{} — {} signature(s)", audit.detail, tally.in_log + tally.held);
                insert_audit(tx, &AuditEntry { detail, ..audit })?;
            }
            Ok(tally)
        })
        .await
    }

    async fn report_signature(&self, letter: LetterId, seq: u64, note: String) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let Some(id) = shown_signature(tx, letter, seq)? else { return Ok(false) };
            tx.execute(
                "INSERT INTO signature_flags (signature_id, kind, detail) VALUES (?1, 'reported', ?2)",
                params![id, note],
            )?;
            // A kept signature that is reported again goes back to the queue.
            tx.execute("UPDATE signatures SET approved_at = NULL WHERE id = ?1", [id])?;
            Ok(true)
        })
        .await
    }
}
