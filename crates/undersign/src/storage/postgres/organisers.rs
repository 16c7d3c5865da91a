//! The organiser tables on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::outbox::{enqueue_invitation, lookup};
use super::{
    CachedStatements, PostgresStore, corrupt, count, from_unix, insert_audit, parse_stored_day, slug,
    sql_index, unix,
};
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{Community, LetterDraft, LetterId, LetterLanguage};
use crate::i18n::Language;
use crate::storage::StoreError;
use crate::storage::organisers::{
    Account, AccountId, AuditEntry, DraftRefusal, LetterMember, OrganiserStore, Role, RoleOnLetter, Session,
    SignerContact, StoredDraft,
};

fn role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| corrupt("role", text))
}

const ACCOUNT_COLUMNS: &str = "a.id, a.is_admin, a.totp_sealed, a.totp_last_step, a.language, a.may_publish";
const ACCOUNT_COLUMN_COUNT: usize = 6;

fn account_from_row(row: &Row, first: usize) -> Result<Account, StoreError> {
    Ok(Account {
        id: AccountId(row.try_get(first)?),
        is_admin: row.try_get(first + 1)?,
        totp_sealed: row.try_get(first + 2)?,
        totp_last_step: count(row.try_get(first + 3)?)?,
        language: Language::from_code(row.try_get(first + 4)?).unwrap_or_default(),
        may_publish: row.try_get(first + 5)?,
    })
}

const DRAFT_COLUMNS: &str = "id, owner_id, slug, title, addressee, community, language, body, organisations, \
     closes_on, target";

fn draft_from_row(row: &Row) -> Result<StoredDraft, StoreError> {
    let community: &str = row.try_get(5)?;
    let language: &str = row.try_get(6)?;
    Ok(StoredDraft {
        id: row.try_get(0)?,
        owner: AccountId(row.try_get(1)?),
        draft: LetterDraft {
            slug: slug(row.try_get(2)?)?,
            title: row.try_get(3)?,
            addressee: row.try_get(4)?,
            community: Community::parse(community).map_err(|_| corrupt("community", community))?,
            language: LetterLanguage::parse(language).map_err(|_| corrupt("language", language))?,
            body: row.try_get(7)?,
            organisations: row.try_get(8)?,
            campaign: None,
            pull_quote: None,
            closes_on: row.try_get::<_, Option<&str>>(9)?.map(parse_stored_day).transpose()?,
            target: row.try_get::<_, Option<i64>>(10)?.map(count).transpose()?,
        },
    })
}

fn audit_from_row(row: &Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: from_unix(row.try_get(0)?)?,
        account: row.try_get::<_, Option<i64>>(1)?.map(AccountId),
        letter: row.try_get::<_, Option<i64>>(2)?.map(LetterId),
        action: row.try_get(3)?,
        detail: row.try_get(4)?,
    })
}

/// The account a session belongs to, its row locked for the transaction.
async fn session_account(client: &impl GenericClient, session: &[u8; 32]) -> Result<Option<i64>, StoreError> {
    Ok(client
        .fetch_opt("SELECT account_id FROM sessions WHERE token_hash = $1", &[&&session[..]])
        .await?
        .map(|r| r.get(0)))
}

#[async_trait]
impl OrganiserStore for PostgresStore {
    async fn account_by_lookup(&self, lookup: &EmailLookup) -> Result<Option<AccountId>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .fetch_opt("SELECT id FROM accounts WHERE email_lookup = $1", &[&&lookup.0[..]])
            .await?
            .map(|r| AccountId(r.get(0))))
    }

    async fn ensure_account(
        &self,
        lookup: &EmailLookup,
        sealed: &SealedEmail,
        admin: bool,
        language: Language,
        now: OffsetDateTime,
    ) -> Result<(AccountId, bool), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let inserted = tx
            .fetch_opt(
                "INSERT INTO accounts (email_lookup, email_sealed, language, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (email_lookup) DO NOTHING RETURNING id",
                &[&&lookup.0[..], &sealed.0, &language.code(), &unix(now)],
            )
            .await?;
        let (id, created): (i64, bool) = match inserted {
            Some(row) => (row.get(0), true),
            None => (
                tx.fetch_one("SELECT id FROM accounts WHERE email_lookup = $1", &[&&lookup.0[..]])
                    .await?
                    .get(0),
                false,
            ),
        };
        if admin {
            tx.exec("UPDATE accounts SET is_admin = TRUE WHERE id = $1", &[&id]).await?;
        }
        tx.commit().await?;
        Ok((AccountId(id), created))
    }

    async fn allow_publishing(&self, account: AccountId, audit: AuditEntry) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .exec("UPDATE accounts SET may_publish = TRUE WHERE id = $1 AND NOT may_publish", &[&account.0])
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        enqueue_invitation(&tx, account, None, None, Role::Organiser.as_str(), audit.at).await?;
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn request_sign_in(
        &self,
        lookup: &EmailLookup,
        per_hour: u32,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // One address's requests take turns, so the hourly cap holds across nodes.
        tx.exec("SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 0))", &[&&lookup.0[..]])
            .await?;
        let recent: i64 = tx
            .fetch_one(
                "SELECT count(*) FROM sign_in_requests WHERE email_lookup = $1 AND requested_at > $2",
                &[&&lookup.0[..], &(unix(now) - 3600)],
            )
            .await?
            .get(0);
        tx.exec(
            "INSERT INTO sign_in_requests (email_lookup, requested_at) VALUES ($1, $2)",
            &[&&lookup.0[..], &unix(now)],
        )
        .await?;
        if recent < i64::from(per_hour) {
            tx.exec(
                "INSERT INTO mail_jobs (kind, account_id, next_attempt_at, created_at)
                 SELECT 'sign_in', id, $2, $2 FROM accounts WHERE email_lookup = $1",
                &[&&lookup.0[..], &unix(now)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn use_sign_in_link(
        &self,
        link: &HashedToken,
        session: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<Account>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .fetch_opt(
                "DELETE FROM sign_in_links WHERE token_hash = $1 AND expires_at > $2 RETURNING account_id",
                &[&&link.0[..], &unix(now)],
            )
            .await?
        else {
            return Ok(None);
        };
        let account_id: i64 = row.get(0);
        let account = account_from_row(
            &tx.fetch_one(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1"),
                &[&account_id],
            )
            .await?,
            0,
        )?;
        tx.exec(
            "INSERT INTO sessions (token_hash, account_id, second_factor_done, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $4)",
            &[&&session.0[..], &account.id.0, &!account.has_second_factor(), &unix(now)],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(account))
    }

    async fn session(&self, session: &HashedToken) -> Result<Option<Session>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .fetch_opt(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS}, s.second_factor_done, s.created_at, s.last_seen_at,
                            s.pending_totp_sealed
                     FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1"
                ),
                &[&&session.0[..]],
            )
            .await?;
        row.map(|r| {
            let at = ACCOUNT_COLUMN_COUNT;
            Ok(Session {
                account: account_from_row(&r, 0)?,
                second_factor_done: r.try_get(at)?,
                created_at: from_unix(r.try_get(at + 1)?)?,
                last_seen_at: from_unix(r.try_get(at + 2)?)?,
                pending_totp_sealed: r.try_get(at + 3)?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, session: &HashedToken, now: OffsetDateTime) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .exec(
                "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                &[&&session.0[..], &unix(now)],
            )
            .await?;
        Ok(())
    }

    async fn end_session(&self, session: &HashedToken) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client.exec("DELETE FROM sessions WHERE token_hash = $1", &[&&session.0[..]]).await?;
        Ok(())
    }

    async fn pass_second_factor_totp(&self, session: &HashedToken, step: u64) -> Result<bool, StoreError> {
        let step = i64::try_from(step).map_err(|_| corrupt("totp step", "too large"))?;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(account) = session_account(&tx, &session.0).await? else { return Ok(false) };
        // A code works once: the step only moves forward, on any node.
        let advanced = tx
            .exec(
                "UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
                &[&account, &step],
            )
            .await?;
        if advanced == 0 {
            return Ok(false);
        }
        tx.exec("UPDATE sessions SET second_factor_done = TRUE WHERE token_hash = $1", &[&&session.0[..]])
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn pass_second_factor_recovery(
        &self,
        session: &HashedToken,
        code: &HashedToken,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let spent = tx
            .exec(
                "DELETE FROM recovery_codes WHERE code_hash = $2
                   AND account_id = (SELECT account_id FROM sessions WHERE token_hash = $1)",
                &[&&session.0[..], &&code.0[..]],
            )
            .await?;
        if spent == 0 {
            return Ok(false);
        }
        tx.exec("UPDATE sessions SET second_factor_done = TRUE WHERE token_hash = $1", &[&&session.0[..]])
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_pending_totp(
        &self,
        session: &HashedToken,
        sealed_secret: Vec<u8>,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .exec(
                "UPDATE sessions SET pending_totp_sealed = $2 WHERE token_hash = $1",
                &[&&session.0[..], &sealed_secret],
            )
            .await?;
        Ok(())
    }

    async fn enrol_totp(
        &self,
        session: &HashedToken,
        sealed_secret: Vec<u8>,
        step: u64,
        recovery_codes: Vec<HashedToken>,
    ) -> Result<(), StoreError> {
        let step = i64::try_from(step).map_err(|_| corrupt("totp step", "too large"))?;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let account = session_account(&tx, &session.0)
            .await?
            .ok_or_else(|| StoreError::Corrupt("enrolling without a session".into()))?;
        tx.exec(
            "UPDATE accounts SET totp_sealed = $2, totp_last_step = $3 WHERE id = $1",
            &[&account, &sealed_secret, &step],
        )
        .await?;
        tx.exec("DELETE FROM recovery_codes WHERE account_id = $1", &[&account]).await?;
        for code in &recovery_codes {
            tx.exec(
                "INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)",
                &[&account, &&code.0[..]],
            )
            .await?;
        }
        // Other browsers signed in before the second factor existed must prove
        // it too.
        tx.exec(
            "UPDATE sessions SET second_factor_done = (token_hash = $2), pending_totp_sealed = NULL
             WHERE account_id = $1",
            &[&account, &&session.0[..]],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        opened_before: OffsetDateTime,
        requests_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let sessions = tx
            .exec(
                "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
                &[&unix(idle_before), &unix(opened_before)],
            )
            .await?;
        tx.exec("DELETE FROM sign_in_links WHERE expires_at <= $1", &[&unix(now)]).await?;
        tx.exec("DELETE FROM sign_in_requests WHERE requested_at < $1", &[&unix(requests_before)]).await?;
        // Removal requests nobody confirmed in time: their sealed address goes.
        tx.exec(
            "DELETE FROM removal_requests WHERE state = 'sent' AND token_expires_at <= $1",
            &[&unix(now)],
        )
        .await?;
        tx.commit().await?;
        Ok(sessions)
    }

    async fn letter_role(&self, account: AccountId, letter: LetterId) -> Result<Option<Role>, StoreError> {
        let client = self.pool.get().await?;
        let roles = client
            .fetch(
                "SELECT role FROM letter_roles WHERE account_id = $1 AND letter_id = $2",
                &[&account.0, &letter.0],
            )
            .await?
            .iter()
            .map(|r| role(r.try_get(0)?))
            .collect::<Result<Vec<_>, _>>()?;
        // The strongest role counts.
        Ok(roles.into_iter().min())
    }

    async fn roles_of(&self, account: AccountId) -> Result<Vec<RoleOnLetter>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT l.id, l.slug, l.title, r.role FROM letter_roles r JOIN letters l ON l.id = r.letter_id
                 WHERE r.account_id = $1 ORDER BY l.published_at DESC, l.id DESC",
                &[&account.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(RoleOnLetter {
                    letter: LetterId(r.try_get(0)?),
                    slug: slug(r.try_get(1)?)?,
                    title: r.try_get(2)?,
                    role: role(r.try_get(3)?)?,
                })
            })
            .collect()
    }

    async fn letter_members(&self, letter: LetterId) -> Result<Vec<LetterMember>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT a.id, r.role, a.email_lookup, a.email_sealed FROM letter_roles r
                 JOIN accounts a ON a.id = r.account_id WHERE r.letter_id = $1 ORDER BY r.role, r.granted_at",
                &[&letter.0],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(LetterMember {
                    account: AccountId(r.try_get(0)?),
                    role: role(r.try_get(1)?)?,
                    email_lookup: lookup(r.try_get(2)?)?,
                    email_sealed: SealedEmail(r.try_get(3)?),
                })
            })
            .collect()
    }

    async fn grant_role(
        &self,
        letter: LetterId,
        account: AccountId,
        role: Role,
        notify: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let had: bool = tx
            .fetch_one(
                "SELECT EXISTS (SELECT 1 FROM letter_roles WHERE letter_id = $1 AND account_id = $2 AND role = $3)",
                &[&letter.0, &account.0, &role.as_str()],
            )
            .await?
            .get(0);
        if had {
            return Ok(false);
        }
        tx.exec(
            "DELETE FROM letter_roles WHERE letter_id = $1 AND account_id = $2",
            &[&letter.0, &account.0],
        )
        .await?;
        tx.exec(
            "INSERT INTO letter_roles (letter_id, account_id, role, granted_at) VALUES ($1, $2, $3, $4)",
            &[&letter.0, &account.0, &role.as_str(), &unix(audit.at)],
        )
        .await?;
        if notify {
            enqueue_invitation(&tx, account, Some(letter), None, role.as_str(), audit.at).await?;
        }
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn save_draft(
        &self,
        id: Option<i64>,
        owner: AccountId,
        draft: &LetterDraft,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<i64, DraftRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let taken: bool = tx
            .fetch_one(
                "SELECT EXISTS (SELECT 1 FROM letters WHERE slug = $1)
                     OR EXISTS (SELECT 1 FROM drafts WHERE slug = $1 AND id IS DISTINCT FROM $2)",
                &[&draft.slug.as_str(), &id],
            )
            .await?
            .get(0);
        if taken {
            return Ok(Err(DraftRefusal::SlugTaken(draft.slug.to_string())));
        }
        let (closes_on, target) = (draft.closes_on.map(|d| d.to_string()), draft.target.map(sql_index));
        let id = match id {
            None => tx
                .fetch_one(
                    "INSERT INTO drafts (slug, title, addressee, community, language, body, organisations,
                         closes_on, target, created_at, updated_at, owner_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
                    &[
                        &draft.slug.as_str(),
                        &draft.title,
                        &draft.addressee,
                        &draft.community.as_str(),
                        &draft.language.as_str(),
                        &draft.body,
                        &draft.organisations,
                        &closes_on,
                        &target,
                        &unix(now),
                        &owner.0,
                    ],
                )
                .await?
                .get(0),
            Some(id) => {
                let updated = tx
                    .fetch_opt(
                        "UPDATE drafts SET slug = $1, title = $2, addressee = $3, community = $4, language = $5,
                             body = $6, organisations = $7, closes_on = $8, target = $9, updated_at = $10
                         WHERE id = $12 AND owner_id = $11 RETURNING id",
                        &[
                            &draft.slug.as_str(),
                            &draft.title,
                            &draft.addressee,
                            &draft.community.as_str(),
                            &draft.language.as_str(),
                            &draft.body,
                            &draft.organisations,
                            &closes_on,
                            &target,
                            &unix(now),
                            &owner.0,
                            &id,
                        ],
                    )
                    .await?;
                match updated {
                    Some(row) => row.get(0),
                    None => return Ok(Err(DraftRefusal::Unknown)),
                }
            }
        };
        insert_audit(&tx, &AuditEntry { detail: format!("{} (draft {id})", audit.detail), ..audit }).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    async fn draft(&self, id: i64) -> Result<Option<StoredDraft>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch_opt(&format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1"), &[&id])
            .await?
            .map(|r| draft_from_row(&r))
            .transpose()
    }

    async fn drafts(&self, owner: AccountId) -> Result<Vec<StoredDraft>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                &format!(
                    "SELECT {DRAFT_COLUMNS} FROM drafts WHERE owner_id = $1 ORDER BY updated_at DESC, id DESC"
                ),
                &[&owner.0],
            )
            .await?
            .iter()
            .map(draft_from_row)
            .collect()
    }

    async fn set_form_settings(
        &self,
        letter: LetterId,
        settings: &crate::domain::FormSettings,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (fields, organisations, domains) =
            (settings.fields_text(), settings.organisations_allowed, settings.verified_domains().join(" "));
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .exec(
                "UPDATE letters SET form_fields = $2, organisations_allowed = $3, verified_domains = $4 WHERE id = $1",
                &[&letter.0, &fields, &organisations, &domains],
            )
            .await?;
        if changed == 1 {
            insert_audit(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }

    async fn append_audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        insert_audit(&client, &entry).await
    }

    async fn audit_entries(
        &self,
        letter: Option<LetterId>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT at, account_id, letter_id, action, detail FROM audit_log
                 WHERE $1::BIGINT IS NULL OR letter_id = $1 ORDER BY id DESC LIMIT $2",
                &[&letter.map(|l| l.0), &i64::from(limit)],
            )
            .await?
            .iter()
            .map(audit_from_row)
            .collect()
    }

    async fn signer_contacts(
        &self,
        letter: LetterId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<SignerContact>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT seq, name, email_lookup, email_sealed FROM signatures
                 WHERE letter_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&letter.0, &sql_index(after_seq), &i64::from(limit)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(SignerContact {
                    seq: count(r.try_get(0)?)?,
                    name: r.try_get(1)?,
                    email_lookup: lookup(r.try_get(2)?)?,
                    email_sealed: r.try_get::<_, Option<Vec<u8>>>(3)?.map(SealedEmail),
                })
            })
            .collect()
    }

    async fn account_email(
        &self,
        account: AccountId,
    ) -> Result<Option<(EmailLookup, SealedEmail)>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch_opt("SELECT email_lookup, email_sealed FROM accounts WHERE id = $1", &[&account.0])
            .await?
            .map(|r| Ok((lookup(r.try_get(0)?)?, SealedEmail(r.try_get(1)?))))
            .transpose()
    }
}
