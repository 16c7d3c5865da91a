//! Letter texts, versions and re-confirmations in SQLite (migration 0009).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::organisers::insert_audit;
use super::{SqliteStore, corrupt, from_unix, insert_entry, query_letters, unix};
use crate::crypto::HashedToken;
use crate::domain::{LetterId, LetterLanguage};
use crate::log::records::{SaltedRecord, text_record};
use crate::storage::StoreError;
use crate::storage::organisers::AuditEntry;
use crate::storage::outbox::MailKind;
use crate::storage::texts::{LetterText, NewText, ReconfirmState, TextRefusal, TextStore};
use letterlog::leaf::EntryKind;

/// The letter's own language, current version and whether it takes signatures.
fn letter_head(tx: &Connection, letter: LetterId) -> Result<(String, u32, bool), StoreError> {
    Ok(tx.query_row("SELECT language, version, status FROM letters WHERE id = ?1", [letter.0], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)? == "published"))
    })?)
}

fn insert_text(
    tx: &Connection,
    letter: LetterId,
    version: u32,
    text: &NewText,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO letter_texts (letter_id, version, language, title, addressee, body, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![letter.0, version, text.language.as_str(), text.title, text.addressee, text.body, unix(now)],
    )?;
    let record = SaltedRecord::new(text_record(
        &text.title,
        &text.body,
        text.language.as_str(),
        &text.addressee,
        version,
    ));
    insert_entry(tx, letter.0, EntryKind::Text, None, &record, false, now, now)
}

fn reconfirm_lookup(conn: &Connection, token: &[u8; 32]) -> Result<Option<ReconfirmState>, StoreError> {
    let found: Option<(i64, i64, u32)> = conn
        .query_row(
            "SELECT id, letter_id, version FROM signatures WHERE reconfirm_token_hash = ?1
               AND withdrawn_at IS NULL AND struck_at IS NULL",
            [&token[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((_, letter, signed_version)) = found else { return Ok(None) };
    let letter = query_letters(conn, "WHERE l.id = ?1", [letter])?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a signature without its letter".into()))?;
    Ok(Some(ReconfirmState { letter, signed_version }))
}

#[async_trait]
impl TextStore for SqliteStore {
    async fn letter_texts(&self, letter: LetterId) -> Result<Vec<LetterText>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.version, t.language, t.title, t.addressee, t.body, t.published_at
                 FROM letter_texts t JOIN letters l ON l.id = t.letter_id
                 WHERE t.letter_id = ?1 ORDER BY t.version, t.language != l.language, t.language",
            )?;
            let rows = stmt.query_map([letter.0], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            rows.map(|row| {
                let (version, language, title, addressee, body, at) = row?;
                Ok(LetterText {
                    version,
                    language: LetterLanguage::parse(&language).map_err(|_| corrupt("language", &language))?,
                    title,
                    addressee,
                    body,
                    published_at: from_unix(at)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn publish_version(
        &self,
        letter: LetterId,
        text: NewText,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<u32, TextRefusal>, StoreError> {
        self.write(move |tx| {
            let (language, version, open) = letter_head(tx, letter)?;
            if !open {
                return Ok(Err(TextRefusal::Closed));
            }
            let current: (String, String, String) =
                tx.query_row("SELECT title, addressee, body FROM letters WHERE id = ?1", [letter.0], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            if current == (text.title.clone(), text.addressee.clone(), text.body.clone()) {
                return Ok(Err(TextRefusal::Unchanged));
            }
            let next = version + 1;
            // A correction is in the letter's own language.
            let text = NewText {
                language: LetterLanguage::parse(&language).map_err(|_| corrupt("language", &language))?,
                ..text
            };
            insert_text(tx, letter, next, &text, now)?;
            tx.execute(
                "UPDATE letters SET title = ?2, addressee = ?3, body = ?4, version = ?5 WHERE id = ?1",
                params![letter.0, text.title, text.addressee, text.body, next],
            )?;
            insert_audit(tx, &AuditEntry { detail: format!("version {next}"), ..audit })?;
            Ok(Ok(next))
        })
        .await
    }

    async fn publish_translation(
        &self,
        letter: LetterId,
        text: NewText,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<u32, TextRefusal>, StoreError> {
        self.write(move |tx| {
            let (language, version, _) = letter_head(tx, letter)?;
            if text.language.as_str() == language {
                return Ok(Err(TextRefusal::SameLanguage));
            }
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM letter_texts WHERE letter_id = ?1 AND version = ?2 AND language = ?3)",
                params![letter.0, version, text.language.as_str()],
                |r| r.get(0),
            )?;
            if exists {
                return Ok(Err(TextRefusal::TranslationExists));
            }
            insert_text(tx, letter, version, &text, now)?;
            let detail = format!("{} of version {version}", text.language.as_str());
            insert_audit(tx, &AuditEntry { detail, ..audit })?;
            Ok(Ok(version))
        })
        .await
    }

    async fn queue_version_notices(
        &self,
        letter: LetterId,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.write(move |tx| {
            let (_, version, _) = letter_head(tx, letter)?;
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM signatures WHERE letter_id = ?1 AND status = 'confirmed' AND version < ?2
                       AND notified_version < ?2 AND withdrawn_at IS NULL AND struck_at IS NULL
                       AND email_sealed IS NOT NULL
                     LIMIT ?3",
                )?
                .query_map(params![letter.0, version, limit], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &ids {
                tx.prepare_cached("UPDATE signatures SET notified_version = ?2 WHERE id = ?1")?
                    .execute(params![id, version])?;
                super::outbox::enqueue_signer_mail(tx, MailKind::NewVersion, *id, now)?;
            }
            Ok(ids.len() as u64)
        })
        .await
    }

    async fn letters_with_version_notices_due(&self) -> Result<Vec<LetterId>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.id FROM letters l WHERE l.version > 1 AND EXISTS (
                     SELECT 1 FROM signatures s WHERE s.letter_id = l.id AND s.status = 'confirmed'
                       AND s.version < l.version AND s.notified_version < l.version
                       AND s.withdrawn_at IS NULL AND s.struck_at IS NULL AND s.email_sealed IS NOT NULL)",
            )?;
            let ids = stmt.query_map([], |r| Ok(LetterId(r.get(0)?)))?.collect::<Result<_, _>>()?;
            Ok(ids)
        })
        .await
    }

    async fn reconfirm_state(&self, token: &HashedToken) -> Result<Option<ReconfirmState>, StoreError> {
        let token = token.0;
        self.read(move |conn| reconfirm_lookup(conn, &token)).await
    }

    async fn reconfirm(&self, token: &HashedToken) -> Result<Option<ReconfirmState>, StoreError> {
        let token = token.0;
        self.write(move |tx| {
            let Some(state) = reconfirm_lookup(tx, &token)? else { return Ok(None) };
            tx.execute(
                "UPDATE signatures SET version = ?2 WHERE reconfirm_token_hash = ?1",
                params![&token[..], state.letter.version],
            )?;
            Ok(Some(ReconfirmState { signed_version: state.letter.version, ..state }))
        })
        .await
    }
}
