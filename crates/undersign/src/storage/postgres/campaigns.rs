//! Campaign editing on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use time::OffsetDateTime;

use super::outbox::{enqueue_invitation, lookup};
use super::{CachedStatements, PostgresStore, insert_audit, parse_stored_day, slug, unix};
use crate::crypto::SealedEmail;
use crate::domain::{Campaign, LetterId, Slug, TimelineEntry};
use crate::storage::StoreError;
use crate::storage::campaigns::{CampaignRefusal, CampaignStore, CampaignTranslation, StoredTimelineEntry};
use crate::storage::organisers::{AccountId, AuditEntry, LetterMember, Role};

async fn campaign_id(client: &impl GenericClient, slug: &str) -> Result<Option<i64>, StoreError> {
    Ok(client.fetch_opt("SELECT id FROM campaigns WHERE slug = $1", &[&slug]).await?.map(|r| r.get(0)))
}

#[async_trait]
impl CampaignStore for PostgresStore {
    async fn create_campaign(
        &self,
        campaign: &Campaign,
        owner: AccountId,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<(), CampaignRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .fetch_opt(
                "INSERT INTO campaigns (slug, title, summary, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
                &[&campaign.slug.as_str(), &campaign.title, &campaign.summary, &unix(now)],
            )
            .await?
        else {
            return Ok(Err(CampaignRefusal::SlugTaken(campaign.slug.to_string())));
        };
        let id: i64 = row.get(0);
        tx.exec(
            "INSERT INTO campaign_roles (campaign_id, account_id, granted_at) VALUES ($1, $2, $3)",
            &[&id, &owner.0, &unix(now)],
        )
        .await?;
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn update_campaign(
        &self,
        slug: &Slug,
        title: &str,
        summary: &str,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .exec(
                "UPDATE campaigns SET title = $2, summary = $3 WHERE slug = $1",
                &[&slug.as_str(), &title, &summary],
            )
            .await?;
        if changed == 1 {
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }

    async fn is_campaign_organiser(&self, account: AccountId, slug: &Slug) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .fetch_one(
                "SELECT EXISTS (SELECT 1 FROM campaign_roles r JOIN campaigns c ON c.id = r.campaign_id
                                WHERE c.slug = $1 AND r.account_id = $2)",
                &[&slug.as_str(), &account.0],
            )
            .await?
            .get(0))
    }

    async fn campaigns_organised(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<(Slug, String)>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT c.slug, c.title FROM campaigns c
                 WHERE $1::BIGINT IS NULL
                    OR EXISTS (SELECT 1 FROM campaign_roles r WHERE r.campaign_id = c.id AND r.account_id = $1)
                 ORDER BY c.created_at DESC, c.id DESC",
                &[&account.map(|a| a.0)],
            )
            .await?
            .iter()
            .map(|r| Ok((slug(r.try_get(0)?)?, r.try_get(1)?)))
            .collect()
    }

    async fn save_campaign_translation(
        &self,
        slug: &Slug,
        translation: CampaignTranslation,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(campaign) = campaign_id(&tx, slug.as_str()).await? else { return Ok(false) };
        let language = translation.language.as_str();
        tx.exec(
            "INSERT INTO campaign_translations (campaign_id, language, title, summary) VALUES ($1, $2, $3, $4)
             ON CONFLICT (campaign_id, language) DO UPDATE SET title = excluded.title, summary = excluded.summary",
            &[&campaign, &language, &translation.title, &translation.summary],
        )
        .await?;
        // The whole language at once: what the form leaves empty goes.
        tx.exec(
            "DELETE FROM timeline_translations WHERE language = $2
               AND entry_id IN (SELECT id FROM timeline_entries WHERE campaign_id = $1)",
            &[&campaign, &language],
        )
        .await?;
        tx.exec(
            "DELETE FROM pull_quote_translations WHERE language = $2
               AND letter_id IN (SELECT id FROM letters WHERE campaign_id = $1)",
            &[&campaign, &language],
        )
        .await?;
        for (entry, place, note) in &translation.entries {
            tx.exec(
                "INSERT INTO timeline_translations (entry_id, language, place, note)
                 SELECT id, $2, $3, $4 FROM timeline_entries WHERE id = $1 AND campaign_id = $5",
                &[entry, &language, place, note, &campaign],
            )
            .await?;
        }
        for (letter, quote) in &translation.quotes {
            tx.exec(
                "INSERT INTO pull_quote_translations (letter_id, language, quote)
                 SELECT id, $2, $3 FROM letters WHERE id = $1 AND campaign_id = $4",
                &[&letter.0, &language, quote, &campaign],
            )
            .await?;
        }
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn campaign_translations(&self, slug: &Slug) -> Result<Vec<CampaignTranslation>, StoreError> {
        let client = self.pool.get().await?;
        let mut translations: Vec<CampaignTranslation> = client
            .fetch(
                "SELECT t.language, t.title, t.summary FROM campaign_translations t
                 JOIN campaigns c ON c.id = t.campaign_id WHERE c.slug = $1 ORDER BY t.language",
                &[&slug.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(CampaignTranslation {
                    language: r.try_get(0)?,
                    title: r.try_get(1)?,
                    summary: r.try_get(2)?,
                    entries: Vec::new(),
                    quotes: Vec::new(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        for translation in &mut translations {
            translation.entries = client
                .fetch(
                    "SELECT t.entry_id, t.place, t.note FROM timeline_translations t
                     JOIN timeline_entries e ON e.id = t.entry_id JOIN campaigns c ON c.id = e.campaign_id
                     WHERE c.slug = $1 AND t.language = $2",
                    &[&slug.as_str(), &translation.language],
                )
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .collect::<Result<_, StoreError>>()?;
            translation.quotes = client
                .fetch(
                    "SELECT q.letter_id, q.quote FROM pull_quote_translations q
                     JOIN letters l ON l.id = q.letter_id JOIN campaigns c ON c.id = l.campaign_id
                     WHERE c.slug = $1 AND q.language = $2",
                    &[&slug.as_str(), &translation.language],
                )
                .await?
                .iter()
                .map(|r| Ok((LetterId(r.try_get(0)?), r.try_get(1)?)))
                .collect::<Result<_, StoreError>>()?;
        }
        Ok(translations)
    }

    async fn timeline_entries(&self, slug: &Slug) -> Result<Vec<StoredTimelineEntry>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT t.id, t.hidden, t.date, t.kind, t.place, t.note, t.source_url
                 FROM timeline_entries t JOIN campaigns c ON c.id = t.campaign_id
                 WHERE c.slug = $1 ORDER BY t.date, t.id",
                &[&slug.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(StoredTimelineEntry {
                    id: r.try_get(0)?,
                    hidden: r.try_get(1)?,
                    entry: TimelineEntry {
                        date: parse_stored_day(r.try_get(2)?)?,
                        kind: r.try_get(3)?,
                        place: r.try_get(4)?,
                        note: r.try_get(5)?,
                        source_url: r.try_get(6)?,
                    },
                })
            })
            .collect()
    }

    async fn save_timeline_entry(
        &self,
        slug: &Slug,
        id: Option<i64>,
        entry: &TimelineEntry,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(campaign) = campaign_id(&tx, slug.as_str()).await? else { return Ok(false) };
        let date = entry.date.to_string();
        let saved = match id {
            None => {
                tx.exec(
                    "INSERT INTO timeline_entries (campaign_id, date, kind, place, note, source_url)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&campaign, &date, &entry.kind, &entry.place, &entry.note, &entry.source_url],
                )
                .await?
            }
            Some(id) => {
                tx.exec(
                    "UPDATE timeline_entries SET date = $2, kind = $3, place = $4, note = $5, source_url = $6
                     WHERE id = $7 AND campaign_id = $1",
                    &[&campaign, &date, &entry.kind, &entry.place, &entry.note, &entry.source_url, &id],
                )
                .await?
            }
        };
        if saved == 1 {
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(saved == 1)
    }

    async fn set_timeline_entry_hidden(
        &self,
        slug: &Slug,
        id: i64,
        hidden: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .exec(
                "UPDATE timeline_entries SET hidden = $3
                 WHERE id = $2 AND campaign_id = (SELECT id FROM campaigns WHERE slug = $1) AND hidden != $3",
                &[&slug.as_str(), &id, &hidden],
            )
            .await?;
        if changed == 1 {
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }

    async fn set_letter_campaign(
        &self,
        letter: LetterId,
        campaign: Option<&Slug>,
        pull_quote: Option<&str>,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let campaign = match campaign {
            Some(slug) => match campaign_id(&tx, slug.as_str()).await? {
                Some(id) => Some(id),
                None => return Ok(false),
            },
            None => None,
        };
        let changed = tx
            .exec(
                "UPDATE letters SET campaign_id = $2, pull_quote = $3 WHERE id = $1",
                &[&letter.0, &campaign, &pull_quote],
            )
            .await?;
        if changed == 1 {
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }

    async fn grant_campaign_role(
        &self,
        slug: &Slug,
        account: AccountId,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(campaign) = campaign_id(&tx, slug.as_str()).await? else { return Ok(false) };
        let granted = tx
            .exec(
                "INSERT INTO campaign_roles (campaign_id, account_id, granted_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&campaign, &account.0, &unix(audit.at)],
            )
            .await?;
        if granted == 1 {
            enqueue_invitation(&tx, account, None, Some(campaign), Role::Organiser.as_str(), audit.at)
                .await?;
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(granted == 1)
    }

    async fn campaign_organisers(&self, slug: &Slug) -> Result<Vec<LetterMember>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT a.id, a.email_lookup, a.email_sealed FROM campaign_roles r
                 JOIN campaigns c ON c.id = r.campaign_id JOIN accounts a ON a.id = r.account_id
                 WHERE c.slug = $1 ORDER BY r.granted_at",
                &[&slug.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(LetterMember {
                    account: AccountId(r.try_get(0)?),
                    role: Role::Organiser,
                    email_lookup: lookup(r.try_get(1)?)?,
                    email_sealed: SealedEmail(r.try_get(2)?),
                })
            })
            .collect()
    }

    async fn link_campaigns(
        &self,
        slug: &Slug,
        related: &Slug,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let (Some(from), Some(to)) =
            (campaign_id(&tx, slug.as_str()).await?, campaign_id(&tx, related.as_str()).await?)
        else {
            return Ok(false);
        };
        if from == to {
            return Ok(false);
        }
        let linked = tx
            .exec(
                "INSERT INTO campaign_links (campaign_id, related_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&from, &to],
            )
            .await?;
        if linked == 1 {
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(linked == 1)
    }
}
