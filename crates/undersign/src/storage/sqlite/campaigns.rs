//! Campaign editing in SQLite (migration 0008).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::organisers::insert_audit;
use super::{SqliteStore, corrupt, insert_campaign_row, lookup_from, parse_stored_day, unix};
use crate::crypto::SealedEmail;
use crate::domain::{Campaign, LetterId, Slug, TimelineEntry};
use crate::storage::StoreError;
use crate::storage::campaigns::{CampaignRefusal, CampaignStore, CampaignTranslation, StoredTimelineEntry};
use crate::storage::organisers::{AccountId, AuditEntry, LetterMember, Role};

fn campaign_id(conn: &Connection, slug: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn.query_row("SELECT id FROM campaigns WHERE slug = ?1", [slug], |r| r.get(0)).optional()?)
}

#[async_trait]
impl CampaignStore for SqliteStore {
    async fn create_campaign(
        &self,
        campaign: &Campaign,
        owner: AccountId,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<(), CampaignRefusal>, StoreError> {
        let campaign = campaign.clone();
        self.write(move |tx| {
            let Some(id) = insert_campaign_row(tx, &campaign, now)? else {
                return Ok(Err(CampaignRefusal::SlugTaken(campaign.slug.to_string())));
            };
            tx.execute(
                "INSERT INTO campaign_roles (campaign_id, account_id, granted_at) VALUES (?1, ?2, ?3)",
                params![id, owner.0, unix(now)],
            )?;
            insert_audit(tx, &audit)?;
            Ok(Ok(()))
        })
        .await
    }

    async fn update_campaign(
        &self,
        slug: &Slug,
        title: &str,
        summary: &str,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (slug, title, summary) = (slug.to_string(), title.to_owned(), summary.to_owned());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE campaigns SET title = ?2, summary = ?3 WHERE slug = ?1",
                params![slug, title, summary],
            )?;
            if changed == 1 {
                insert_audit(tx, &audit)?;
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn is_campaign_organiser(&self, account: AccountId, slug: &Slug) -> Result<bool, StoreError> {
        let slug = slug.to_string();
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM campaign_roles r JOIN campaigns c ON c.id = r.campaign_id
                                WHERE c.slug = ?1 AND r.account_id = ?2)",
                params![slug, account.0],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn campaigns_organised(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<(Slug, String)>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.slug, c.title FROM campaigns c
                 WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM campaign_roles r WHERE r.campaign_id = c.id AND r.account_id = ?1)
                 ORDER BY c.created_at DESC, c.id DESC",
            )?;
            let rows = stmt.query_map([account.map(|a| a.0)], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            rows.map(|row| {
                let (slug, title) = row?;
                Ok((Slug::parse(&slug).map_err(|_| corrupt("campaign slug", &slug))?, title))
            })
            .collect()
        })
        .await
    }

    async fn save_campaign_translation(
        &self,
        slug: &Slug,
        translation: CampaignTranslation,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let slug = slug.to_string();
        self.write(move |tx| {
            let Some(campaign): Option<i64> =
                tx.query_row("SELECT id FROM campaigns WHERE slug = ?1", [&slug], |r| r.get(0)).optional()?
            else {
                return Ok(false);
            };
            let language = translation.language.as_str();
            tx.execute(
                "INSERT INTO campaign_translations (campaign_id, language, title, summary) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (campaign_id, language) DO UPDATE SET title = excluded.title, summary = excluded.summary",
                params![campaign, language, translation.title, translation.summary],
            )?;
            // The whole language at once: what the form leaves empty goes.
            tx.execute(
                "DELETE FROM timeline_translations WHERE language = ?2
                   AND entry_id IN (SELECT id FROM timeline_entries WHERE campaign_id = ?1)",
                params![campaign, language],
            )?;
            tx.execute(
                "DELETE FROM pull_quote_translations WHERE language = ?2
                   AND letter_id IN (SELECT id FROM letters WHERE campaign_id = ?1)",
                params![campaign, language],
            )?;
            for (entry, place, note) in &translation.entries {
                tx.execute(
                    "INSERT INTO timeline_translations (entry_id, language, place, note)
                     SELECT id, ?2, ?3, ?4 FROM timeline_entries WHERE id = ?1 AND campaign_id = ?5",
                    params![entry, language, place, note, campaign],
                )?;
            }
            for (letter, quote) in &translation.quotes {
                tx.execute(
                    "INSERT INTO pull_quote_translations (letter_id, language, quote)
                     SELECT id, ?2, ?3 FROM letters WHERE id = ?1 AND campaign_id = ?4",
                    params![letter.0, language, quote, campaign],
                )?;
            }
            insert_audit(tx, &audit)?;
            Ok(true)
        })
        .await
    }

    async fn campaign_translations(&self, slug: &Slug) -> Result<Vec<CampaignTranslation>, StoreError> {
        let slug = slug.to_string();
        self.read(move |conn| {
            let mut translations: Vec<CampaignTranslation> = conn
                .prepare_cached(
                    "SELECT t.language, t.title, t.summary FROM campaign_translations t
                     JOIN campaigns c ON c.id = t.campaign_id WHERE c.slug = ?1 ORDER BY t.language",
                )?
                .query_map([&slug], |r| {
                    Ok(CampaignTranslation {
                        language: r.get(0)?,
                        title: r.get(1)?,
                        summary: r.get(2)?,
                        entries: Vec::new(),
                        quotes: Vec::new(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            for translation in &mut translations {
                translation.entries = conn
                    .prepare_cached(
                        "SELECT t.entry_id, t.place, t.note FROM timeline_translations t
                         JOIN timeline_entries e ON e.id = t.entry_id JOIN campaigns c ON c.id = e.campaign_id
                         WHERE c.slug = ?1 AND t.language = ?2",
                    )?
                    .query_map(params![&slug, translation.language], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?
                    .collect::<Result<_, _>>()?;
                translation.quotes = conn
                    .prepare_cached(
                        "SELECT q.letter_id, q.quote FROM pull_quote_translations q
                         JOIN letters l ON l.id = q.letter_id JOIN campaigns c ON c.id = l.campaign_id
                         WHERE c.slug = ?1 AND q.language = ?2",
                    )?
                    .query_map(params![&slug, translation.language], |r| {
                        Ok((LetterId(r.get(0)?), r.get(1)?))
                    })?
                    .collect::<Result<_, _>>()?;
            }
            Ok(translations)
        })
        .await
    }

    async fn timeline_entries(&self, slug: &Slug) -> Result<Vec<StoredTimelineEntry>, StoreError> {
        let slug = slug.to_string();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.id, t.hidden, t.date, t.kind, t.place, t.note, t.source_url
                 FROM timeline_entries t JOIN campaigns c ON c.id = t.campaign_id
                 WHERE c.slug = ?1 ORDER BY t.date, t.id",
            )?;
            let rows = stmt.query_map([slug], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?;
            rows.map(|row| {
                let (id, hidden, date, kind, place, note, source_url) = row?;
                Ok(StoredTimelineEntry {
                    id,
                    hidden,
                    entry: TimelineEntry { date: parse_stored_day(&date)?, kind, place, note, source_url },
                })
            })
            .collect()
        })
        .await
    }

    async fn save_timeline_entry(
        &self,
        slug: &Slug,
        id: Option<i64>,
        entry: &TimelineEntry,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (slug, entry) = (slug.to_string(), entry.clone());
        self.write(move |tx| {
            let Some(campaign) = campaign_id(tx, &slug)? else { return Ok(false) };
            let values = params![
                campaign,
                entry.date.to_string(),
                entry.kind,
                entry.place,
                entry.note,
                entry.source_url,
                id
            ];
            let saved = match id {
                None => tx.execute(
                    "INSERT INTO timeline_entries (campaign_id, date, kind, place, note, source_url, id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    values,
                )?,
                Some(_) => tx.execute(
                    "UPDATE timeline_entries SET date = ?2, kind = ?3, place = ?4, note = ?5, source_url = ?6
                     WHERE id = ?7 AND campaign_id = ?1",
                    values,
                )?,
            };
            if saved == 1 {
                insert_audit(tx, &audit)?;
            }
            Ok(saved == 1)
        })
        .await
    }

    async fn set_timeline_entry_hidden(
        &self,
        slug: &Slug,
        id: i64,
        hidden: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let slug = slug.to_string();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE timeline_entries SET hidden = ?3
                 WHERE id = ?2 AND campaign_id = (SELECT id FROM campaigns WHERE slug = ?1) AND hidden != ?3",
                params![slug, id, hidden],
            )?;
            if changed == 1 {
                insert_audit(tx, &audit)?;
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn set_letter_campaign(
        &self,
        letter: LetterId,
        campaign: Option<&Slug>,
        pull_quote: Option<&str>,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (campaign, pull_quote) = (campaign.map(ToString::to_string), pull_quote.map(str::to_owned));
        self.write(move |tx| {
            let campaign = match campaign {
                Some(slug) => match campaign_id(tx, &slug)? {
                    Some(id) => Some(id),
                    None => return Ok(false),
                },
                None => None,
            };
            let changed = tx.execute(
                "UPDATE letters SET campaign_id = ?2, pull_quote = ?3 WHERE id = ?1",
                params![letter.0, campaign, pull_quote],
            )?;
            if changed == 1 {
                insert_audit(tx, &audit)?;
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn grant_campaign_role(
        &self,
        slug: &Slug,
        account: AccountId,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let slug = slug.to_string();
        self.write(move |tx| {
            let Some(campaign) = campaign_id(tx, &slug)? else { return Ok(false) };
            let granted = tx.execute(
                "INSERT INTO campaign_roles (campaign_id, account_id, granted_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![campaign, account.0, unix(audit.at)],
            )?;
            if granted == 1 {
                super::outbox::enqueue_invitation(
                    tx,
                    account,
                    None,
                    Some(campaign),
                    Role::Organiser.as_str(),
                    audit.at,
                )?;
                insert_audit(tx, &audit)?;
            }
            Ok(granted == 1)
        })
        .await
    }

    async fn campaign_organisers(&self, slug: &Slug) -> Result<Vec<LetterMember>, StoreError> {
        let slug = slug.to_string();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.id, a.email_lookup, a.email_sealed FROM campaign_roles r
                 JOIN campaigns c ON c.id = r.campaign_id JOIN accounts a ON a.id = r.account_id
                 WHERE c.slug = ?1 ORDER BY r.granted_at",
            )?;
            let rows = stmt
                .query_map([slug], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, lookup, sealed)| {
                    Ok(LetterMember {
                        account: AccountId(id),
                        role: Role::Organiser,
                        email_lookup: lookup_from(lookup)?,
                        email_sealed: SealedEmail(sealed),
                    })
                })
                .collect()
        })
        .await
    }

    async fn link_campaigns(
        &self,
        slug: &Slug,
        related: &Slug,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (slug, related) = (slug.to_string(), related.to_string());
        self.write(move |tx| {
            let (Some(from), Some(to)) = (campaign_id(tx, &slug)?, campaign_id(tx, &related)?) else {
                return Ok(false);
            };
            if from == to {
                return Ok(false);
            }
            let linked = tx.execute(
                "INSERT INTO campaign_links (campaign_id, related_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![from, to],
            )?;
            if linked == 1 {
                insert_audit(tx, &audit)?;
            }
            Ok(linked == 1)
        })
        .await
    }
}
