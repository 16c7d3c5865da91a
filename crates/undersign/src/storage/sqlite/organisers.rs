//! The organiser tables in SQLite (migration 0006).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::{SqliteStore, corrupt, from_unix, lookup_from, parse_stored_day, unix};
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{Community, LetterDraft, LetterId, LetterLanguage, Slug};
use crate::i18n::Language;
use crate::storage::StoreError;
use crate::storage::organisers::{
    Account, AccountId, AuditEntry, DraftRefusal, LetterMember, OrganiserStore, Role, RoleOnLetter, Session,
    SignerContact, StoredDraft,
};

pub(super) fn role_from(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| corrupt("role", text))
}

const ACCOUNT_COLUMNS: &str = "a.id, a.is_admin, a.totp_sealed, a.totp_last_step, a.language, a.may_publish";
const ACCOUNT_COLUMN_COUNT: usize = 6;

fn account_from_row(row: &Row<'_>, first: usize) -> Result<Account, StoreError> {
    let language: String = row.get(first + 4)?;
    Ok(Account {
        id: AccountId(row.get(first)?),
        is_admin: row.get(first + 1)?,
        totp_sealed: row.get(first + 2)?,
        totp_last_step: row
            .get::<_, i64>(first + 3)?
            .try_into()
            .map_err(|_| corrupt("totp step", "negative"))?,
        language: Language::from_code(&language).unwrap_or_default(),
        may_publish: row.get(first + 5)?,
    })
}

pub(super) fn insert_audit(conn: &Connection, entry: &AuditEntry) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, account_id, letter_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        unix(entry.at),
        entry.account.map(|a| a.0),
        entry.letter.map(|l| l.0),
        entry.action,
        entry.detail
    ])?;
    Ok(())
}

const DRAFT_COLUMNS: &str = "id, owner_id, slug, title, addressee, community, language, body, organisations, \
     closes_on, target";

fn draft_from_row(row: &Row<'_>) -> Result<StoredDraft, StoreError> {
    let slug: String = row.get(2)?;
    let community: String = row.get(5)?;
    let language: String = row.get(6)?;
    Ok(StoredDraft {
        id: row.get(0)?,
        owner: AccountId(row.get(1)?),
        draft: LetterDraft {
            slug: Slug::parse(&slug).map_err(|_| corrupt("draft slug", &slug))?,
            title: row.get(3)?,
            addressee: row.get(4)?,
            community: Community::parse(&community).map_err(|_| corrupt("community", &community))?,
            language: LetterLanguage::parse(&language).map_err(|_| corrupt("language", &language))?,
            body: row.get(7)?,
            organisations: row.get(8)?,
            campaign: None,
            pull_quote: None,
            closes_on: row.get::<_, Option<String>>(9)?.map(|d| parse_stored_day(&d)).transpose()?,
            target: row
                .get::<_, Option<i64>>(10)?
                .map(|t| t.try_into().map_err(|_| corrupt("target", "negative")))
                .transpose()?,
        },
    })
}

fn audit_from_row(row: &Row<'_>) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: from_unix(row.get(0)?)?,
        account: row.get::<_, Option<i64>>(1)?.map(AccountId),
        letter: row.get::<_, Option<i64>>(2)?.map(LetterId),
        action: row.get(3)?,
        detail: row.get(4)?,
    })
}

#[async_trait]
impl OrganiserStore for SqliteStore {
    async fn account_by_lookup(&self, lookup: &EmailLookup) -> Result<Option<AccountId>, StoreError> {
        let lookup = lookup.0;
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT id FROM accounts WHERE email_lookup = ?1")?
                .query_row([&lookup[..]], |r| r.get(0))
                .optional()?
                .map(AccountId))
        })
        .await
    }

    async fn ensure_account(
        &self,
        lookup: &EmailLookup,
        sealed: &SealedEmail,
        admin: bool,
        language: Language,
        now: OffsetDateTime,
    ) -> Result<(AccountId, bool), StoreError> {
        let (lookup, sealed) = (lookup.0, sealed.0.clone());
        self.write(move |tx| {
            let existing: Option<i64> = tx
                .query_row("SELECT id FROM accounts WHERE email_lookup = ?1", [&lookup[..]], |r| r.get(0))
                .optional()?;
            let (id, created) = match existing {
                Some(id) => (id, false),
                None => {
                    tx.execute(
                        "INSERT INTO accounts (email_lookup, email_sealed, language, created_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![&lookup[..], sealed, language.code(), unix(now)],
                    )?;
                    (tx.last_insert_rowid(), true)
                }
            };
            if admin {
                tx.execute("UPDATE accounts SET is_admin = 1 WHERE id = ?1", [id])?;
            }
            Ok((AccountId(id), created))
        })
        .await
    }

    async fn allow_publishing(&self, account: AccountId, audit: AuditEntry) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE accounts SET may_publish = 1 WHERE id = ?1 AND may_publish = 0",
                [account.0],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            super::outbox::enqueue_invitation(tx, account, None, None, Role::Organiser.as_str(), audit.at)?;
            insert_audit(tx, &audit)?;
            Ok(true)
        })
        .await
    }

    async fn request_sign_in(
        &self,
        lookup: &EmailLookup,
        per_hour: u32,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let lookup = lookup.0;
        self.write(move |tx| {
            let recent: u32 = tx
                .prepare_cached(
                    "SELECT count(*) FROM sign_in_requests WHERE email_lookup = ?1 AND requested_at > ?2",
                )?
                .query_row(params![&lookup[..], unix(now) - 3600], |r| r.get(0))?;
            tx.prepare_cached("INSERT INTO sign_in_requests (email_lookup, requested_at) VALUES (?1, ?2)")?
                .execute(params![&lookup[..], unix(now)])?;
            if recent >= per_hour {
                return Ok(());
            }
            tx.prepare_cached(
                "INSERT INTO mail_jobs (kind, account_id, next_attempt_at, created_at)
                 SELECT 'sign_in', id, ?2, ?2 FROM accounts WHERE email_lookup = ?1",
            )?
            .execute(params![&lookup[..], unix(now)])?;
            Ok(())
        })
        .await
    }

    async fn use_sign_in_link(
        &self,
        link: &HashedToken,
        session: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Option<Account>, StoreError> {
        let (link, session) = (link.0, session.0);
        self.write(move |tx| {
            let account: Option<i64> = tx
                .query_row(
                    "DELETE FROM sign_in_links WHERE token_hash = ?1 AND expires_at > ?2 RETURNING account_id",
                    params![&link[..], unix(now)],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(account) = account else { return Ok(None) };
            let account = tx.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ?1"),
                [account],
                |r| Ok(account_from_row(r, 0)),
            )??;
            tx.execute(
                "INSERT INTO sessions (token_hash, account_id, second_factor_done, created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![&session[..], account.id.0, !account.has_second_factor(), unix(now)],
            )?;
            Ok(Some(account))
        })
        .await
    }

    async fn session(&self, session: &HashedToken) -> Result<Option<Session>, StoreError> {
        let session = session.0;
        self.read(move |conn| {
            let found = conn
                .prepare_cached(&format!(
                    "SELECT {ACCOUNT_COLUMNS}, s.second_factor_done, s.created_at, s.last_seen_at, s.pending_totp_sealed
                     FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?1"
                ))?
                .query_row([&session[..]], |r| {
                    // After the account's columns.
                    let at = ACCOUNT_COLUMN_COUNT;
                    Ok((
                        account_from_row(r, 0),
                        r.get::<_, bool>(at)?,
                        r.get::<_, i64>(at + 1)?,
                        r.get::<_, i64>(at + 2)?,
                        r.get::<_, Option<Vec<u8>>>(at + 3)?,
                    ))
                })
                .optional()?;
            found
                .map(|(account, done, created, seen, pending)| {
                    Ok(Session {
                        account: account?,
                        second_factor_done: done,
                        created_at: from_unix(created)?,
                        last_seen_at: from_unix(seen)?,
                        pending_totp_sealed: pending,
                    })
                })
                .transpose()
        })
        .await
    }

    async fn touch_session(&self, session: &HashedToken, now: OffsetDateTime) -> Result<(), StoreError> {
        let session = session.0;
        self.write(move |tx| {
            tx.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1")?
                .execute(params![&session[..], unix(now)])?;
            Ok(())
        })
        .await
    }

    async fn end_session(&self, session: &HashedToken) -> Result<(), StoreError> {
        let session = session.0;
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&session[..]])?;
            Ok(())
        })
        .await
    }

    async fn pass_second_factor_totp(&self, session: &HashedToken, step: u64) -> Result<bool, StoreError> {
        let session = session.0;
        self.write(move |tx| {
            let step = i64::try_from(step).map_err(|_| corrupt("totp step", "too large"))?;
            let account: Option<i64> = tx
                .query_row("SELECT account_id FROM sessions WHERE token_hash = ?1", [&session[..]], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(account) = account else { return Ok(false) };
            let advanced = tx.execute(
                "UPDATE accounts SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2",
                params![account, step],
            )?;
            if advanced == 0 {
                return Ok(false);
            }
            tx.execute("UPDATE sessions SET second_factor_done = 1 WHERE token_hash = ?1", [&session[..]])?;
            Ok(true)
        })
        .await
    }

    async fn pass_second_factor_recovery(
        &self,
        session: &HashedToken,
        code: &HashedToken,
    ) -> Result<bool, StoreError> {
        let (session, code) = (session.0, code.0);
        self.write(move |tx| {
            let spent = tx.execute(
                "DELETE FROM recovery_codes WHERE code_hash = ?2
                   AND account_id = (SELECT account_id FROM sessions WHERE token_hash = ?1)",
                params![&session[..], &code[..]],
            )?;
            if spent == 0 {
                return Ok(false);
            }
            tx.execute("UPDATE sessions SET second_factor_done = 1 WHERE token_hash = ?1", [&session[..]])?;
            Ok(true)
        })
        .await
    }

    async fn set_pending_totp(
        &self,
        session: &HashedToken,
        sealed_secret: Vec<u8>,
    ) -> Result<(), StoreError> {
        let session = session.0;
        self.write(move |tx| {
            tx.execute(
                "UPDATE sessions SET pending_totp_sealed = ?2 WHERE token_hash = ?1",
                params![&session[..], sealed_secret],
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol_totp(
        &self,
        session: &HashedToken,
        sealed_secret: Vec<u8>,
        step: u64,
        recovery_codes: Vec<HashedToken>,
    ) -> Result<(), StoreError> {
        let session = session.0;
        self.write(move |tx| {
            let account: i64 = tx
                .query_row("SELECT account_id FROM sessions WHERE token_hash = ?1", [&session[..]], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or_else(|| StoreError::Corrupt("enrolling without a session".into()))?;
            let step = i64::try_from(step).map_err(|_| corrupt("totp step", "too large"))?;
            tx.execute(
                "UPDATE accounts SET totp_sealed = ?2, totp_last_step = ?3 WHERE id = ?1",
                params![account, sealed_secret, step],
            )?;
            tx.execute("DELETE FROM recovery_codes WHERE account_id = ?1", [account])?;
            for code in &recovery_codes {
                tx.execute(
                    "INSERT INTO recovery_codes (account_id, code_hash) VALUES (?1, ?2)",
                    params![account, &code.0[..]],
                )?;
            }
            // Other browsers signed in before the second factor existed must
            // prove it too.
            tx.execute(
                "UPDATE sessions SET second_factor_done = (token_hash = ?2), pending_totp_sealed = NULL
                 WHERE account_id = ?1",
                params![account, &session[..]],
            )?;
            Ok(())
        })
        .await
    }

    async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        opened_before: OffsetDateTime,
        requests_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.write(move |tx| {
            let sessions = tx.execute(
                "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2",
                params![unix(idle_before), unix(opened_before)],
            )?;
            tx.execute("DELETE FROM sign_in_links WHERE expires_at <= ?1", [unix(now)])?;
            tx.execute("DELETE FROM sign_in_requests WHERE requested_at < ?1", [unix(requests_before)])?;
            // Removal requests nobody confirmed in time: their sealed address goes.
            tx.execute(
                "DELETE FROM removal_requests WHERE state = 'sent' AND token_expires_at <= ?1",
                [unix(now)],
            )?;
            Ok(sessions as u64)
        })
        .await
    }

    async fn letter_role(&self, account: AccountId, letter: LetterId) -> Result<Option<Role>, StoreError> {
        self.read(move |conn| {
            let roles = conn
                .prepare_cached("SELECT role FROM letter_roles WHERE account_id = ?1 AND letter_id = ?2")?
                .query_map(params![account.0, letter.0], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            // The strongest role counts.
            Ok(roles.iter().map(|r| role_from(r)).collect::<Result<Vec<_>, _>>()?.into_iter().min())
        })
        .await
    }

    async fn roles_of(&self, account: AccountId) -> Result<Vec<RoleOnLetter>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.id, l.slug, l.title, r.role FROM letter_roles r JOIN letters l ON l.id = r.letter_id
                 WHERE r.account_id = ?1 ORDER BY l.published_at DESC, l.id DESC",
            )?;
            let rows = stmt
                .query_map([account.0], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, slug, title, role)| {
                    Ok(RoleOnLetter {
                        letter: LetterId(id),
                        slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
                        title,
                        role: role_from(&role)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn letter_members(&self, letter: LetterId) -> Result<Vec<LetterMember>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.id, r.role, a.email_lookup, a.email_sealed FROM letter_roles r
                 JOIN accounts a ON a.id = r.account_id WHERE r.letter_id = ?1 ORDER BY r.role, r.granted_at",
            )?;
            let rows = stmt
                .query_map([letter.0], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, role, lookup, sealed)| {
                    Ok(LetterMember {
                        account: AccountId(id),
                        role: role_from(&role)?,
                        email_lookup: lookup_from(lookup)?,
                        email_sealed: SealedEmail(sealed),
                    })
                })
                .collect()
        })
        .await
    }

    async fn grant_role(
        &self,
        letter: LetterId,
        account: AccountId,
        role: Role,
        notify: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let had: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM letter_roles WHERE letter_id = ?1 AND account_id = ?2 AND role = ?3)",
                params![letter.0, account.0, role.as_str()],
                |r| r.get(0),
            )?;
            if had {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM letter_roles WHERE letter_id = ?1 AND account_id = ?2",
                params![letter.0, account.0],
            )?;
            tx.execute(
                "INSERT INTO letter_roles (letter_id, account_id, role, granted_at) VALUES (?1, ?2, ?3, ?4)",
                params![letter.0, account.0, role.as_str(), unix(audit.at)],
            )?;
            if notify {
                super::outbox::enqueue_invitation(tx, account, Some(letter), None, role.as_str(), audit.at)?;
            }
            insert_audit(tx, &audit)?;
            Ok(true)
        })
        .await
    }

    async fn save_draft(
        &self,
        id: Option<i64>,
        owner: AccountId,
        draft: &LetterDraft,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<i64, DraftRefusal>, StoreError> {
        let draft = draft.clone();
        self.write(move |tx| {
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM letters WHERE slug = ?1)
                     OR EXISTS (SELECT 1 FROM drafts WHERE slug = ?1 AND id IS NOT ?2)",
                params![draft.slug.as_str(), id],
                |r| r.get(0),
            )?;
            if taken {
                return Ok(Err(DraftRefusal::SlugTaken(draft.slug.to_string())));
            }
            // One parameter list for both statements; a new draft's id (?12) is
            // NULL, which gives it the next rowid.
            let values = params![
                draft.slug.as_str(),
                draft.title,
                draft.addressee,
                draft.community.as_str(),
                draft.language.as_str(),
                draft.body,
                draft.organisations,
                draft.closes_on.map(|d| d.to_string()),
                draft.target.map(|t| t as i64),
                unix(now),
                owner.0,
                id,
            ];
            let id = if id.is_none() {
                tx.execute(
                    "INSERT INTO drafts (slug, title, addressee, community, language, body, organisations,
                         closes_on, target, created_at, updated_at, owner_id, id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
                    values,
                )?;
                tx.last_insert_rowid()
            } else {
                let id: Option<i64> = tx
                    .query_row(
                        "UPDATE drafts SET slug = ?1, title = ?2, addressee = ?3, community = ?4, language = ?5,
                             body = ?6, organisations = ?7, closes_on = ?8, target = ?9, updated_at = ?10
                         WHERE id = ?12 AND owner_id = ?11 RETURNING id",
                        values,
                        |r| r.get(0),
                    )
                    .optional()?;
                match id {
                    Some(id) => id,
                    None => return Ok(Err(DraftRefusal::Unknown)),
                }
            };
            insert_audit(tx, &AuditEntry { detail: format!("{} (draft {id})", audit.detail), ..audit })?;
            Ok(Ok(id))
        })
        .await
    }

    async fn draft(&self, id: i64) -> Result<Option<StoredDraft>, StoreError> {
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?1"))?
                .query_row([id], |r| Ok(draft_from_row(r)))
                .optional()?
                .transpose()
        })
        .await
    }

    async fn drafts(&self, owner: AccountId) -> Result<Vec<StoredDraft>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DRAFT_COLUMNS} FROM drafts WHERE owner_id = ?1 ORDER BY updated_at DESC, id DESC"
            ))?;
            let rows = stmt.query_map([owner.0], |r| Ok(draft_from_row(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn set_form_settings(
        &self,
        letter: LetterId,
        settings: &crate::domain::FormSettings,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let (fields, organisations, domains) =
            (settings.fields_text(), settings.organisations_allowed, settings.verified_domains().join(" "));
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE letters SET form_fields = ?2, organisations_allowed = ?3, verified_domains = ?4 WHERE id = ?1",
                params![letter.0, fields, organisations, domains],
            )?;
            if changed == 1 {
                insert_audit(tx, &audit)?;
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn append_audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        self.write(move |tx| insert_audit(tx, &entry)).await
    }

    async fn audit_entries(
        &self,
        letter: Option<LetterId>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at, account_id, letter_id, action, detail FROM audit_log
                 WHERE ?1 IS NULL OR letter_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![letter.map(|l| l.0), limit], |r| Ok(audit_from_row(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn signer_contacts(
        &self,
        letter: LetterId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<SignerContact>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, name, email_lookup, email_sealed FROM signatures
                 WHERE letter_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt
                .query_map(params![letter.0, after_seq as i64, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, Option<Vec<u8>>>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(seq, name, lookup, sealed)| {
                    Ok(SignerContact {
                        seq: seq.try_into().map_err(|_| corrupt("sequence", "negative"))?,
                        name,
                        email_lookup: lookup_from(lookup)?,
                        email_sealed: sealed.map(SealedEmail),
                    })
                })
                .collect()
        })
        .await
    }

    async fn account_email(
        &self,
        account: AccountId,
    ) -> Result<Option<(EmailLookup, SealedEmail)>, StoreError> {
        self.read(move |conn| {
            let row = conn
                .query_row(
                    "SELECT email_lookup, email_sealed FROM accounts WHERE id = ?1",
                    [account.0],
                    |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)),
                )
                .optional()?;
            row.map(|(lookup, sealed)| Ok((lookup_from(lookup)?, SealedEmail(sealed)))).transpose()
        })
        .await
    }
}
