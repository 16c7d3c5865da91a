//! Letter texts, versions and re-confirmations on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use time::OffsetDateTime;

use super::{
    CachedStatements, PostgresStore, corrupt, from_unix, insert_audit, insert_entry, query_letters, unix,
};
use crate::crypto::HashedToken;
use crate::domain::{LetterId, LetterLanguage};
use crate::log::records::{SaltedRecord, text_record};
use crate::storage::StoreError;
use crate::storage::organisers::AuditEntry;
use crate::storage::outbox::MailKind;
use crate::storage::texts::{LetterText, NewText, ReconfirmState, TextRefusal, TextStore};
use letterlog::leaf::EntryKind;

/// The letter's own language, current version and whether it takes signatures;
/// the row stays locked until the transaction ends (one version at a time).
async fn letter_head(
    client: &impl GenericClient,
    letter: LetterId,
) -> Result<(String, i32, bool), StoreError> {
    let r = client
        .fetch_one("SELECT language, version, status FROM letters WHERE id = $1 FOR UPDATE", &[&letter.0])
        .await?;
    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<_, &str>(2)? == "published"))
}

async fn insert_text(
    client: &impl GenericClient,
    letter: LetterId,
    version: i32,
    text: &NewText,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    client
        .exec(
            "INSERT INTO letter_texts (letter_id, version, language, title, addressee, body, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &letter.0,
                &version,
                &text.language.as_str(),
                &text.title,
                &text.addressee,
                &text.body,
                &unix(now),
            ],
        )
        .await?;
    let version_number = u32::try_from(version).map_err(|_| corrupt("version", &version.to_string()))?;
    let record = SaltedRecord::new(text_record(
        &text.title,
        &text.body,
        text.language.as_str(),
        &text.addressee,
        version_number,
    ));
    insert_entry(client, letter.0, EntryKind::Text, None, &record, false, now, now).await
}

async fn reconfirm_lookup(
    client: &impl GenericClient,
    token: &[u8; 32],
) -> Result<Option<ReconfirmState>, StoreError> {
    let Some(r) = client
        .fetch_opt(
            "SELECT letter_id, version FROM signatures WHERE reconfirm_token_hash = $1
               AND withdrawn_at IS NULL AND struck_at IS NULL",
            &[&&token[..]],
        )
        .await?
    else {
        return Ok(None);
    };
    let (letter, signed_version): (i64, i32) = (r.try_get(0)?, r.try_get(1)?);
    let letter = query_letters(client, "WHERE l.id = $1", &[&letter])
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a signature without its letter".into()))?;
    let signed_version = u32::try_from(signed_version).map_err(|_| corrupt("version", "negative"))?;
    Ok(Some(ReconfirmState { letter, signed_version }))
}

#[async_trait]
impl TextStore for PostgresStore {
    async fn letter_texts(&self, letter: LetterId) -> Result<Vec<LetterText>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT t.version, t.language, t.title, t.addressee, t.body, t.published_at
                 FROM letter_texts t JOIN letters l ON l.id = t.letter_id
                 WHERE t.letter_id = $1 ORDER BY t.version, t.language != l.language, t.language",
                &[&letter.0],
            )
            .await?
            .iter()
            .map(|r| {
                let language: &str = r.try_get(1)?;
                Ok(LetterText {
                    version: u32::try_from(r.try_get::<_, i32>(0)?)
                        .map_err(|_| corrupt("version", "negative"))?,
                    language: LetterLanguage::parse(language).map_err(|_| corrupt("language", language))?,
                    title: r.try_get(2)?,
                    addressee: r.try_get(3)?,
                    body: r.try_get(4)?,
                    published_at: from_unix(r.try_get(5)?)?,
                })
            })
            .collect()
    }

    async fn publish_version(
        &self,
        letter: LetterId,
        text: NewText,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<u32, TextRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let (language, version, open) = letter_head(&tx, letter).await?;
        if !open {
            return Ok(Err(TextRefusal::Closed));
        }
        let r =
            tx.fetch_one("SELECT title, addressee, body FROM letters WHERE id = $1", &[&letter.0]).await?;
        let current: (String, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if current == (text.title.clone(), text.addressee.clone(), text.body.clone()) {
            return Ok(Err(TextRefusal::Unchanged));
        }
        let next = version + 1;
        // A correction is in the letter's own language.
        let text = NewText {
            language: LetterLanguage::parse(&language).map_err(|_| corrupt("language", &language))?,
            ..text
        };
        insert_text(&tx, letter, next, &text, now).await?;
        tx.exec(
            "UPDATE letters SET title = $2, addressee = $3, body = $4, version = $5 WHERE id = $1",
            &[&letter.0, &text.title, &text.addressee, &text.body, &next],
        )
        .await?;
        insert_audit(&tx, &AuditEntry { detail: format!("version {next}"), ..audit }).await?;
        tx.commit().await?;
        Ok(Ok(u32::try_from(next).map_err(|_| corrupt("version", "negative"))?))
    }

    async fn publish_translation(
        &self,
        letter: LetterId,
        text: NewText,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<u32, TextRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let (language, version, _) = letter_head(&tx, letter).await?;
        if text.language.as_str() == language {
            return Ok(Err(TextRefusal::SameLanguage));
        }
        let exists: bool = tx
            .fetch_one(
                "SELECT EXISTS (SELECT 1 FROM letter_texts WHERE letter_id = $1 AND version = $2 AND language = $3)",
                &[&letter.0, &version, &text.language.as_str()],
            )
            .await?
            .get(0);
        if exists {
            return Ok(Err(TextRefusal::TranslationExists));
        }
        insert_text(&tx, letter, version, &text, now).await?;
        let detail = format!("{} of version {version}", text.language.as_str());
        insert_audit(&tx, &AuditEntry { detail, ..audit }).await?;
        tx.commit().await?;
        Ok(Ok(u32::try_from(version).map_err(|_| corrupt("version", "negative"))?))
    }

    async fn queue_version_notices(
        &self,
        letter: LetterId,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let (_, version, _) = letter_head(&tx, letter).await?;
        let ids: Vec<i64> = tx
            .fetch(
                "UPDATE signatures SET notified_version = $2
                 WHERE id IN (SELECT id FROM signatures WHERE letter_id = $1 AND status = 'confirmed'
                                AND version < $2 AND notified_version < $2 AND withdrawn_at IS NULL
                                AND struck_at IS NULL AND email_sealed IS NOT NULL
                              LIMIT $3)
                 RETURNING id",
                &[&letter.0, &version, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for id in &ids {
            super::outbox::enqueue_signer_mail(&tx, MailKind::NewVersion, *id, now).await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    async fn letters_with_version_notices_due(&self) -> Result<Vec<LetterId>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .fetch(
                "SELECT l.id FROM letters l WHERE l.version > 1 AND EXISTS (
                     SELECT 1 FROM signatures s WHERE s.letter_id = l.id AND s.status = 'confirmed'
                       AND s.version < l.version AND s.notified_version < l.version
                       AND s.withdrawn_at IS NULL AND s.struck_at IS NULL AND s.email_sealed IS NOT NULL)",
                &[],
            )
            .await?
            .iter()
            .map(|r| LetterId(r.get(0)))
            .collect())
    }

    async fn reconfirm_state(&self, token: &HashedToken) -> Result<Option<ReconfirmState>, StoreError> {
        let client = self.pool.get().await?;
        reconfirm_lookup(&client, &token.0).await
    }

    async fn reconfirm(&self, token: &HashedToken) -> Result<Option<ReconfirmState>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(state) = reconfirm_lookup(&tx, &token.0).await? else { return Ok(None) };
        let version = i32::try_from(state.letter.version).map_err(|_| corrupt("version", "too large"))?;
        tx.exec(
            "UPDATE signatures SET version = $2 WHERE reconfirm_token_hash = $1",
            &[&&token.0[..], &version],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(ReconfirmState { signed_version: state.letter.version, ..state }))
    }
}
