//! The PostgreSQL backend: every store trait, for one or several nodes.
//!
//! Connections come from a `deadpool-postgres` pool; every write is one
//! transaction. Schema changes are `migrations/postgres/*.sql`, applied in
//! order at start under an advisory lock, so nodes starting together apply each
//! one once. Times are Unix seconds as on SQLite.

mod campaigns;
mod moderation;
mod organisers;
mod outbox;
mod submissions;
mod texts;
mod tls;

use std::str::FromStr;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use time::{Date, OffsetDateTime};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::LinkFacts;
use super::organisers::AuditEntry;
use super::{
    AbuseStore, CampaignWithLetters, ConfirmRefusal, DueEntry, EntryKinds, FromDraft, ImportedSignature,
    InstanceStore, IntegratedEntry, IntegrationConflict, LetterLogHealth, LetterStore, LogStore, LogTarget,
    MatchCount, NewFlag, PublicPreview, PublishRefusal, RecordState, SealedSignature, SearchPage,
    SignatureFacts, SignatureFlag, SignatureStore, StoreError, StoredCheckpoint, SubmitOptions,
    SubmitOutcome, TokenState, WithdrawOutcome,
};
use crate::abuse::FlagKind;
use crate::crypto::{EmailLookup, HashedToken};
use crate::domain::{
    Campaign, Community, ConfirmedSignature, FormSettings, Letter, LetterDraft, LetterId, LetterLanguage,
    LetterStatus, Orcid, PersonName, PublicSignature, SignatureId, Signer, Slug, TimelineEntry,
};
use crate::log::records::{SaltedRecord, SignatureRecord};
use letterlog::leaf::EntryKind;

/// Forward-only migrations, applied in order; the table `undersign_schema`
/// records how many have run.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_initial.sql"),
    include_str!("../../migrations/postgres/0002_log_leases.sql"),
    include_str!("../../migrations/postgres/0003_instance_keys.sql"),
    include_str!("../../migrations/postgres/0004_node_probes.sql"),
];

/// Taken while migrating, so two nodes starting at once do not both migrate.
const MIGRATION_LOCK: i64 = 0x756e_6465_7273_6967; // "undersig"

/// A lost connection or a server going away is `Unavailable` and a server
/// that cannot write `Unwritable` (503s that heal when the server is back);
/// contention is `Busy`; anything else is a bug or a broken constraint, kept
/// whole for the log.
impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        let unreachable = error.is_closed()
            || std::error::Error::source(&error).is_some_and(|source| source.is::<std::io::Error>());
        match error.code() {
            _ if unreachable => StoreError::Unavailable(with_causes(&error)),
            Some(code)
                if *code == SqlState::ADMIN_SHUTDOWN
                    || *code == SqlState::CRASH_SHUTDOWN
                    || *code == SqlState::CANNOT_CONNECT_NOW
                    || *code == SqlState::CONNECTION_FAILURE
                    || *code == SqlState::CONNECTION_EXCEPTION =>
            {
                StoreError::Unavailable(with_causes(&error))
            }
            // The server is up but cannot write: its disk is full, an I/O
            // error, a standby or `default_transaction_read_only`.
            Some(code)
                if *code == SqlState::DISK_FULL
                    || *code == SqlState::IO_ERROR
                    || *code == SqlState::READ_ONLY_SQL_TRANSACTION
                    || *code == SqlState::INSUFFICIENT_RESOURCES
                    || *code == SqlState::OUT_OF_MEMORY =>
            {
                StoreError::Unwritable(with_causes(&error))
            }
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
                    || *code == SqlState::TOO_MANY_CONNECTIONS =>
            {
                StoreError::Busy
            }
            _ => StoreError::Backend(Box::new(error)),
        }
    }
}

/// The error and what caused it ("error performing TLS handshake: invalid
/// peer certificate: UnknownIssuer"): the driver's own text stops at the first.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            // Getting a connection failed: the server is down, refuses us, or
            // the network is cut; it heals when the server is back.
            deadpool_postgres::PoolError::Backend(error) => StoreError::Unavailable(with_causes(&error)),
            deadpool_postgres::PoolError::Timeout(_) => StoreError::Busy,
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// How many tables the database holds (a restore goes into an empty one only).
pub(crate) async fn table_count(url: &str) -> Result<i64, StoreError> {
    let connection = tls::connection(url)?;
    let config = tokio_postgres::Config::from_str(&connection.url)
        .map_err(|e| StoreError::Unavailable(format!("the database address is not valid: {e}")))?;
    let client = match &connection.tls {
        None => {
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(connection);
            client
        }
        Some(settings) => {
            let (client, connection) = config.connect(tls::connector(settings)?).await?;
            tokio::spawn(connection);
            client
        }
    };
    Ok(client.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", &[]).await?.get(0))
}

/// The store on a PostgreSQL server.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// Signature submissions, stored in groups (`submissions.rs`).
    submissions: std::sync::Arc<submissions::Submissions>,
}

impl PostgresStore {
    /// Connects (`postgres://user@host/db`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let connection = tls::connection(url)?;
        let mut config = tokio_postgres::Config::from_str(&connection.url)
            .map_err(|e| StoreError::Unavailable(format!("the database address is not valid: {e}")))?;
        // Statements are prepared once per connection (`CachedStatements`), but
        // planned on every call: a plan made generic while a table was nearly
        // empty (a new letter) would otherwise stay, and one such plan scanned a
        // letter's every signature on each signing.
        let options = config.get_options().map(|o| format!("{o} ")).unwrap_or_default();
        config.options(format!("{options}-c plan_cache_mode=force_custom_plan"));
        let recycling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let manager = match &connection.tls {
            None => Manager::from_config(config, NoTls, recycling),
            Some(settings) => Manager::from_config(config, tls::connector(settings)?, recycling),
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .wait_timeout(Some(std::time::Duration::from_secs(5)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let submissions = std::sync::Arc::new(submissions::Submissions::start(pool.clone()));
        let store = Self { pool, submissions };
        store.migrate().await?;
        Ok(store)
    }

    /// A connection of the pool, for work outside the traits (`migrate`'s copy).
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.exec("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        // "already exists, skipping" on every start is noise in the node's log.
        tx.batch_execute("SET LOCAL client_min_messages = warning").await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS undersign_schema (version INTEGER NOT NULL)").await?;
        let done: i32 =
            tx.fetch_one("SELECT coalesce(max(version), 0) FROM undersign_schema", &[]).await?.get(0);
        let done = usize::try_from(done).map_err(|_| corrupt("schema version", &done.to_string()))?;
        if done > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(format!(
                "the database is at schema version {done}, newer than this program ({})",
                MIGRATIONS.len()
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            tx.batch_execute(sql).await?;
            let version = i32::try_from(index + 1).expect("few migrations");
            tx.exec("INSERT INTO undersign_schema (version) VALUES ($1)", &[&version]).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Queries through each connection's statement cache: a statement is parsed
/// and planned once per connection instead of on every call, which saves the
/// server that work and the driver a round trip. Every query of this backend
/// goes through these (the SQL texts are constants, so the cache stays small).
#[async_trait]
trait CachedStatements: GenericClient {
    async fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.execute(&statement, params).await
    }

    async fn fetch(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query(&statement, params).await
    }

    async fn fetch_one(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_one(&statement, params).await
    }

    async fn fetch_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let statement = self.prepare_cached(sql).await?;
        self.query_opt(&statement, params).await
    }
}

impl<C: GenericClient> CachedStatements for C {}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_unix(seconds: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| corrupt("time", &seconds.to_string()))
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what}: {value:?}"))
}

fn slug(text: &str) -> Result<Slug, StoreError> {
    Slug::parse(text).map_err(|_| corrupt("slug", text))
}

fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| corrupt("count", &n.to_string()))
}

/// A leaf index or size as PostgreSQL's BIGINT; saturates, so a huge bound
/// selects nothing rather than everything.
fn sql_index(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn hash32(bytes: &[u8], what: &str) -> Result<[u8; 32], StoreError> {
    bytes.try_into().map_err(|_| corrupt(what, "wrong length"))
}

fn parse_stored_day(text: &str) -> Result<Date, StoreError> {
    Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| corrupt("date", text))
}

const LETTER_COLUMNS: &str = "l.id, l.slug, l.title, l.addressee, l.community, l.language, l.body, \
     l.organisations, l.status, l.published_at, c.slug, l.pull_quote, l.log_count, l.log_size, \
     (SELECT count(*) FROM log_entries e WHERE e.letter_id = l.id AND e.leaf_index IS NULL AND e.kind = 'signature'), \
     (SELECT count(*) FROM log_entries e WHERE e.letter_id = l.id AND e.leaf_index IS NULL AND e.kind = 'withdrawal'), \
     l.log_origin, l.closes_on, l.target, l.version, \
     (SELECT string_agg(t.language, ' ') FROM letter_texts t \
      WHERE t.letter_id = l.id AND t.version = l.version AND t.language != l.language), \
     l.form_fields, l.organisations_allowed, l.verified_domains, \
     (SELECT count(*) FROM signatures s JOIN log_entries e ON e.signature_id = s.id AND e.kind = 'signature' \
      WHERE s.letter_id = l.id AND s.organisation AND e.leaf_index IS NOT NULL \
        AND s.withdrawn_at IS NULL AND s.struck_at IS NULL), \
     l.closed_at, \
     (SELECT count(*) FROM signatures s WHERE s.letter_id = l.id AND NOT s.show_name AND s.seq IS NOT NULL \
        AND s.withdrawn_at IS NULL AND s.struck_at IS NULL AND NOT s.held)";

fn letter_from_row(row: &Row) -> Result<Letter, StoreError> {
    let community: String = row.try_get(4)?;
    let language: String = row.try_get(5)?;
    let status: String = row.try_get(8)?;
    let campaign: Option<String> = row.try_get(10)?;
    Ok(Letter {
        id: LetterId(row.try_get(0)?),
        slug: slug(row.try_get(1)?)?,
        title: row.try_get(2)?,
        addressee: row.try_get(3)?,
        community: Community::parse(&community).map_err(|_| corrupt("community", &community))?,
        language: LetterLanguage::parse(&language).map_err(|_| corrupt("language", &language))?,
        body: row.try_get(6)?,
        organisations: row.try_get(7)?,
        status: LetterStatus::parse(&status).ok_or_else(|| corrupt("letter status", &status))?,
        published_at: from_unix(row.try_get(9)?)?,
        campaign: campaign.as_deref().map(slug).transpose()?,
        pull_quote: row.try_get(11)?,
        count: count(row.try_get(12)?)?,
        log_size: count(row.try_get(13)?)?,
        being_added: count(row.try_get(14)?)?,
        withdrawals_pending: count(row.try_get(15)?)?,
        log_origin: row.try_get(16)?,
        closes_on: row.try_get::<_, Option<String>>(17)?.map(|d| parse_stored_day(&d)).transpose()?,
        target: row.try_get::<_, Option<i64>>(18)?.map(count).transpose()?,
        version: u32::try_from(row.try_get::<_, i32>(19)?).map_err(|_| corrupt("version", "negative"))?,
        translations: row
            .try_get::<_, Option<String>>(20)?
            .unwrap_or_default()
            .split_whitespace()
            .map(|l| LetterLanguage::parse(l).map_err(|_| corrupt("language", l)))
            .collect::<Result<_, _>>()?,
        form: FormSettings::from_stored(
            &row.try_get::<_, String>(21)?,
            row.try_get(22)?,
            &row.try_get::<_, String>(23)?,
        ),
        organisation_count: count(row.try_get(24)?)?,
        closed_at: row.try_get::<_, Option<i64>>(25)?.map(from_unix).transpose()?,
        withheld_count: count(row.try_get(26)?)?,
    })
}

async fn query_letters(
    client: &impl GenericClient,
    filter: &str,
    args: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Letter>, StoreError> {
    let sql = format!(
        "SELECT {LETTER_COLUMNS} FROM letters l LEFT JOIN campaigns c ON c.id = l.campaign_id {filter}"
    );
    client.fetch(&sql, args).await?.iter().map(letter_from_row).collect()
}

async fn load_campaign(
    client: &impl GenericClient,
    id: i64,
    slug_text: String,
    title: String,
    summary: String,
) -> Result<CampaignWithLetters, StoreError> {
    let timeline = client
        .fetch(
            "SELECT date, kind, place, note, source_url FROM timeline_entries
             WHERE campaign_id = $1 AND NOT hidden ORDER BY date, id",
            &[&id],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(TimelineEntry {
                date: parse_stored_day(row.try_get(0)?)?,
                kind: row.try_get(1)?,
                place: row.try_get(2)?,
                note: row.try_get(3)?,
                source_url: row.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let letters = query_letters(client, "WHERE l.campaign_id = $1 ORDER BY l.id", &[&id]).await?;
    let related = client
        .fetch(
            "SELECT c.slug, c.title FROM campaign_links k JOIN campaigns c ON c.id = k.related_id
             WHERE k.campaign_id = $1 ORDER BY c.created_at DESC, c.id DESC",
            &[&id],
        )
        .await?
        .iter()
        .map(|row| Ok((slug(row.try_get(0)?)?, row.try_get(1)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(CampaignWithLetters {
        related,
        campaign: Campaign { slug: slug(&slug_text)?, title, summary, timeline },
        letters,
    })
}

async fn insert_audit(client: &impl GenericClient, entry: &AuditEntry) -> Result<(), StoreError> {
    client
        .exec(
            "INSERT INTO audit_log (at, account_id, letter_id, action, detail) VALUES ($1, $2, $3, $4, $5)",
            &[
                &unix(entry.at),
                &entry.account.map(|a| a.0),
                &entry.letter.map(|l| l.0),
                &entry.action,
                &entry.detail,
            ],
        )
        .await?;
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one row's columns, named at the call sites")]
async fn insert_entry(
    client: &impl GenericClient,
    letter: i64,
    kind: EntryKind,
    signature: Option<i64>,
    salted: &SaltedRecord,
    withheld: bool,
    due_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    client
        .exec(
            "INSERT INTO log_entries (letter_id, kind, signature_id, commit_hash, salt, record, withheld, due_at,
                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &letter,
                &kind.as_str(),
                &signature,
                &&salted.commit[..],
                &&salted.salt[..],
                &salted.record,
                &withheld,
                &unix(due_at),
                &unix(now),
            ],
        )
        .await?;
    Ok(())
}

/// Inserts a pending signature unless its address signed the letter already;
/// returns the new id.
async fn insert_signature_row(
    client: &impl GenericClient,
    s: &SealedSignature,
    now: OffsetDateTime,
) -> Result<Option<i64>, StoreError> {
    let (organisation, pledge) = match &s.signer {
        Signer::Person => (false, None),
        Signer::Organisation { pledge } => (true, pledge.as_ref().map(|p| p.as_str().to_owned())),
    };
    let row = client
        .fetch_opt(
            "INSERT INTO signatures (letter_id, email_lookup, email_sealed, name, title, affiliation,
                 city, country, orcid, organisation, pledge, show_name, language, status, created_at,
                 email_canonical_lookup, name_key, held, version, verified_domain)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14, $15, $16, $17,
                     (SELECT version FROM letters WHERE id = $1), $18)
             ON CONFLICT (letter_id, email_lookup) DO NOTHING
             RETURNING id",
            &[
                &s.letter.0,
                &&s.email_lookup.0[..],
                &s.email_sealed.0,
                &s.name,
                &s.title,
                &s.affiliation,
                &s.city,
                &s.country,
                &s.orcid,
                &organisation,
                &pledge,
                &s.show_name,
                &s.language.code(),
                &unix(now),
                &&s.email_canonical_lookup.0[..],
                &s.name_key,
                &s.held,
                &s.verified_domain,
            ],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

async fn insert_flags(client: &impl GenericClient, id: i64, flags: &[NewFlag]) -> Result<(), StoreError> {
    for flag in flags {
        client
            .exec(
                "INSERT INTO signature_flags (signature_id, kind, detail, other_id) VALUES ($1, $2, $3, $4)",
                &[&id, &flag.kind.as_str(), &flag.detail, &flag.other.map(|o| o.0)],
            )
            .await?;
    }
    Ok(())
}

const PUBLIC_COLUMNS: &str = "s.seq, s.name, s.title, s.affiliation, s.city, s.country, s.orcid, \
     s.organisation, s.pledge, s.version, s.verified_domain";

fn public_signature(row: &Row) -> Result<PublicSignature, StoreError> {
    Ok(PublicSignature {
        seq: count(row.try_get(0)?)?,
        name: PersonName::from_trusted(row.try_get(1)?),
        title: row.try_get(2)?,
        affiliation: row.try_get(3)?,
        city: row.try_get(4)?,
        country: row.try_get(5)?,
        orcid: row.try_get::<_, Option<String>>(6)?.map(Orcid::from_trusted),
        organisation: row.try_get(7)?,
        pledge: row.try_get(8)?,
        version: u32::try_from(row.try_get::<_, i32>(9)?).map_err(|_| corrupt("version", "negative"))?,
        verified_domain: row.try_get(10)?,
    })
}

/// The public fields of a signature row, as its record needs them.
struct SignatureRow {
    name: String,
    title: Option<String>,
    affiliation: Option<String>,
    city: Option<String>,
    country: Option<String>,
    orcid: Option<String>,
    organisation: bool,
    pledge: Option<String>,
    show_name: bool,
    verified_domain: Option<String>,
}

async fn signature_row(client: &impl GenericClient, signature: i64) -> Result<SignatureRow, StoreError> {
    let r = client
        .fetch_one(
            "SELECT name, title, affiliation, city, country, orcid, organisation, pledge, show_name,
                    verified_domain
             FROM signatures WHERE id = $1",
            &[&signature],
        )
        .await?;
    Ok(SignatureRow {
        name: r.try_get(0)?,
        title: r.try_get(1)?,
        affiliation: r.try_get(2)?,
        city: r.try_get(3)?,
        country: r.try_get(4)?,
        orcid: r.try_get(5)?,
        organisation: r.try_get(6)?,
        pledge: r.try_get(7)?,
        show_name: r.try_get(8)?,
        verified_domain: r.try_get(9)?,
    })
}

impl SignatureRow {
    fn preview(self) -> PublicPreview {
        PublicPreview {
            name: self.show_name.then_some(self.name),
            title: self.title,
            affiliation: self.affiliation,
            city: self.city,
            country: self.country,
            orcid: self.orcid,
            pledge: self.pledge,
            organisation: self.organisation,
        }
    }
}

/// Queues the log entry of a just-confirmed signature, with its salted record.
async fn insert_signature_entry(
    client: &impl GenericClient,
    signature: i64,
    letter: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let row = signature_row(client, signature).await?;
    let record = SignatureRecord {
        name: &row.name,
        title: row.title.as_deref(),
        affiliation: row.affiliation.as_deref(),
        city: row.city.as_deref(),
        country: row.country.as_deref(),
        orcid: row.orcid.as_deref(),
        organisation: row.organisation,
        pledge: row.pledge.as_deref(),
        verified_domain: row.verified_domain.as_deref(),
    };
    let salted = SaltedRecord::new(record.to_json());
    insert_entry(client, letter, EntryKind::Signature, Some(signature), &salted, !row.show_name, now, now)
        .await
}

/// Marks a pending signature confirmed with the next number of its letter (the
/// letter's row lock orders confirmations); returns that number.
async fn confirm_row(
    client: &impl GenericClient,
    signature: i64,
    letter: i64,
    held: bool,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let seq: i64 = client
        .fetch_one(
            "UPDATE letters SET confirmed_count = confirmed_count + 1 WHERE id = $1 RETURNING confirmed_count",
            &[&letter],
        )
        .await?
        .get(0);
    client
        .exec(
            "UPDATE signatures SET status = 'confirmed', seq = $2, confirmed_at = $3
             WHERE id = $1 AND status = 'pending'",
            &[&signature, &seq, &unix(now)],
        )
        .await?;
    if !held {
        insert_signature_entry(client, signature, letter, now).await?;
        add_to_search(client, signature).await?;
    }
    count(seq)
}

/// Puts a confirmed, shown signature into the signer search: its name,
/// affiliation and city, folded as SQLite's `remove_diacritics` folds them.
async fn add_to_search(client: &impl GenericClient, signature: i64) -> Result<(), StoreError> {
    client
        .exec(
            "UPDATE signatures
             SET search = to_tsvector('simple', undersign_fold(
                 name || ' ' || coalesce(affiliation, '') || ' ' || coalesce(city, '')))
             WHERE id = $1 AND show_name AND seq IS NOT NULL",
            &[&signature],
        )
        .await?;
    Ok(())
}

async fn remove_from_search(client: &impl GenericClient, signature: i64) -> Result<(), StoreError> {
    client.exec("UPDATE signatures SET search = NULL WHERE id = $1", &[&signature]).await?;
    Ok(())
}

/// A confirmation link, found by its hash.
struct Link {
    signature: i64,
    expires_at: i64,
}

/// The link with this hash, compared again in constant time.
async fn find_link(client: &impl GenericClient, hash: &[u8; 32]) -> Result<Option<Link>, StoreError> {
    let row = client
        .fetch_opt(
            "SELECT token_hash, signature_id, expires_at FROM confirmation_links WHERE token_hash = $1",
            &[&&hash[..]],
        )
        .await?;
    Ok(row
        .filter(|r| HashedToken(*hash).matches(r.get::<_, &[u8]>(0)))
        .map(|r| Link { signature: r.get(1), expires_at: r.get(2) }))
}

/// Deletes a signature's personal data and its record's salt; its leaf stays.
async fn erase_signature(client: &impl GenericClient, signature: i64) -> Result<(), StoreError> {
    let mut random_lookup = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random_lookup);
    client
        .exec(
            "UPDATE signatures SET email_sealed = NULL, email_lookup = $2, name = '', title = NULL,
                 affiliation = NULL, city = NULL, country = NULL, orcid = NULL, pledge = NULL,
                 email_canonical_lookup = NULL, name_key = '', search = NULL
             WHERE id = $1",
            &[&signature, &&random_lookup[..]],
        )
        .await?;
    client
        .exec(
            "UPDATE log_entries SET salt = NULL, record = NULL WHERE signature_id = $1 AND kind = 'signature'",
            &[&signature],
        )
        .await?;
    Ok(())
}

/// Up to this many matches, a search reads them through the search index
/// first (see `search_signatures`).
const SPARSE_MATCHES: u64 = 10_000;

/// A search's words as a `tsquery`: each word folded and quoted (no query
/// syntax from the reader reaches PostgreSQL), all required; `prefix` makes the
/// last one a prefix.
fn search_query(words: &[String], prefix: bool) -> String {
    let mut terms: Vec<String> = words
        .iter()
        .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
        .filter(|w| !w.is_empty())
        .map(|w| format!("'{w}'"))
        .collect();
    if prefix && let Some(last) = terms.last_mut() {
        last.push_str(":*");
    }
    terms.join(" & ")
}

#[async_trait]
impl LetterStore for PostgresStore {
    async fn insert_campaign(&self, campaign: &Campaign, now: OffsetDateTime) -> Result<bool, StoreError> {
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
            return Ok(false);
        };
        let id: i64 = row.get(0);
        for entry in &campaign.timeline {
            tx.exec(
                "INSERT INTO timeline_entries (campaign_id, date, kind, place, note, source_url)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &entry.date.to_string(), &entry.kind, &entry.place, &entry.note, &entry.source_url],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_letter(
        &self,
        draft: &LetterDraft,
        wrapped_key: Vec<u8>,
        log_origin: String,
        text: SaltedRecord,
        from_draft: Option<FromDraft>,
        now: OffsetDateTime,
    ) -> Result<Result<LetterId, PublishRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let campaign_id: Option<i64> = match &draft.campaign {
            None => None,
            Some(campaign) => {
                match tx.fetch_opt("SELECT id FROM campaigns WHERE slug = $1", &[&campaign.as_str()]).await? {
                    Some(row) => Some(row.get(0)),
                    None => return Ok(Err(PublishRefusal::UnknownCampaign(campaign.to_string()))),
                }
            }
        };
        let inserted = tx
            .fetch_opt(
                "INSERT INTO letters (slug, title, addressee, community, language, body, organisations,
                     status, published_at, campaign_id, pull_quote, wrapped_key, log_origin, closes_on, target)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
                &[
                    &draft.slug.as_str(),
                    &draft.title,
                    &draft.addressee,
                    &draft.community.as_str(),
                    &draft.language.as_str(),
                    &draft.body,
                    &draft.organisations,
                    &unix(now),
                    &campaign_id,
                    &draft.pull_quote,
                    &wrapped_key,
                    &log_origin,
                    &draft.closes_on.map(|d| d.to_string()),
                    &draft.target.map(sql_index),
                ],
            )
            .await?;
        let Some(row) = inserted else {
            return Ok(Err(PublishRefusal::SlugTaken(draft.slug.to_string())));
        };
        let id: i64 = row.get(0);
        tx.exec(
            "INSERT INTO letter_texts (letter_id, version, language, title, addressee, body, published_at)
             VALUES ($1, 1, $2, $3, $4, $5, $6)",
            &[&id, &draft.language.as_str(), &draft.title, &draft.addressee, &draft.body, &unix(now)],
        )
        .await?;
        // Leaf 0: the published text, integrated with the first checkpoint.
        insert_entry(&tx, id, EntryKind::Text, None, &text, false, now, now).await?;
        if let Some(from) = from_draft {
            tx.exec("DELETE FROM drafts WHERE id = $1", &[&from.draft]).await?;
            tx.exec(
                "INSERT INTO letter_roles (letter_id, account_id, role, granted_at) VALUES ($1, $2, 'organiser', $3)
                 ON CONFLICT DO NOTHING",
                &[&id, &from.owner.0, &unix(now)],
            )
            .await?;
            insert_audit(&tx, &AuditEntry { letter: Some(LetterId(id)), ..from.audit }).await?;
        }
        tx.commit().await?;
        Ok(Ok(LetterId(id)))
    }

    async fn close_letter(&self, slug: &Slug, now: OffsetDateTime) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        let changed = client
            .exec(
                "UPDATE letters SET status = 'closed', closed_at = $2 WHERE slug = $1 AND status = 'published'",
                &[&slug.as_str(), &unix(now)],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn close_letters_past_their_day(
        &self,
        today: Date,
        audit: AuditEntry,
    ) -> Result<Vec<Slug>, StoreError> {
        let now = audit.at;
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Days are stored as YYYY-MM-DD: their text order is their date order.
        let due = tx
            .fetch(
                "UPDATE letters SET status = 'closed', closed_at = $2
                 WHERE status = 'published' AND closes_on IS NOT NULL AND closes_on < $1
                 RETURNING id, slug",
                &[&today.to_string(), &unix(now)],
            )
            .await?;
        let mut closed = Vec::with_capacity(due.len());
        for row in &due {
            let entry = AuditEntry { letter: Some(LetterId(row.get(0))), ..audit.clone() };
            insert_audit(&tx, &entry).await?;
            closed.push(slug(row.get(1))?);
        }
        tx.commit().await?;
        Ok(closed)
    }

    async fn letters(&self) -> Result<Vec<Letter>, StoreError> {
        let client = self.pool.get().await?;
        query_letters(&client, "ORDER BY l.published_at DESC, l.id DESC", &[]).await
    }

    async fn letter(&self, slug: &Slug) -> Result<Option<Letter>, StoreError> {
        let client = self.pool.get().await?;
        Ok(query_letters(&client, "WHERE l.slug = $1", &[&slug.as_str()]).await?.pop())
    }

    async fn wrapped_letter_key(&self, letter: LetterId) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .fetch_opt("SELECT wrapped_key FROM letters WHERE id = $1", &[&letter.0])
            .await?
            .map(|r| r.get(0)))
    }

    async fn campaigns(&self) -> Result<Vec<CampaignWithLetters>, StoreError> {
        let client = self.pool.get().await?;
        let heads = client
            .fetch("SELECT id, slug, title, summary FROM campaigns ORDER BY created_at DESC, id DESC", &[])
            .await?;
        let mut out = Vec::with_capacity(heads.len());
        for r in heads {
            out.push(load_campaign(&client, r.get(0), r.get(1), r.get(2), r.get(3)).await?);
        }
        Ok(out)
    }

    async fn campaign(&self, slug: &Slug) -> Result<Option<CampaignWithLetters>, StoreError> {
        let client = self.pool.get().await?;
        let head = client
            .fetch_opt("SELECT id, slug, title, summary FROM campaigns WHERE slug = $1", &[&slug.as_str()])
            .await?;
        match head {
            Some(r) => Ok(Some(load_campaign(&client, r.get(0), r.get(1), r.get(2), r.get(3)).await?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl SignatureStore for PostgresStore {
    async fn signature_facts(
        &self,
        letter: LetterId,
        canonical_lookup: &EmailLookup,
        name_key: &str,
    ) -> Result<SignatureFacts, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .fetch_one(
                "SELECT (SELECT id FROM signatures WHERE letter_id = $1 AND email_canonical_lookup = $2 LIMIT 1),
                        (SELECT id FROM signatures WHERE letter_id = $1 AND name_key = $3 AND $3 != '' LIMIT 1),
                        EXISTS (SELECT 1 FROM watch_list WHERE letter_id = $1 AND name_key = $3 AND $3 != '')",
                &[&letter.0, &&canonical_lookup.0[..], &name_key],
            )
            .await?;
        Ok(SignatureFacts {
            same_canonical_address: row.get::<_, Option<i64>>(0).map(SignatureId),
            same_name: row.get::<_, Option<i64>>(1).map(SignatureId),
            watch_listed: row.get(2),
        })
    }

    async fn submit_signature(
        &self,
        signature: SealedSignature,
        options: SubmitOptions,
        now: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreError> {
        self.submissions.submit(signature, options, now).await
    }

    async fn token_state(&self, token: &HashedToken, now: OffsetDateTime) -> Result<TokenState, StoreError> {
        let client = self.pool.get().await?;
        let Some(link) = find_link(&client, &token.0).await? else { return Ok(TokenState::Unknown) };
        let r = client
            .fetch_one(
                "SELECT l.slug, s.seq, s.withdrawn_at, s.name = '', s.held,
                        (SELECT e.leaf_index FROM log_entries e WHERE e.signature_id = s.id AND e.kind = 'signature'),
                        (SELECT e.leaf_index FROM log_entries e WHERE e.signature_id = s.id AND e.kind = 'withdrawal'),
                        (SELECT e.due_at FROM log_entries e WHERE e.signature_id = s.id AND e.kind = 'withdrawal')
                 FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = $1",
                &[&link.signature],
            )
            .await?;
        let (seq, withdrawn_at): (Option<i64>, Option<i64>) = (r.try_get(1)?, r.try_get(2)?);
        let (leaf, withdrawal_leaf): (Option<i64>, Option<i64>) = (r.try_get(5)?, r.try_get(6)?);
        let index = |i: Option<i64>| i.and_then(|i| u64::try_from(i).ok());
        let facts = LinkFacts {
            letter: slug(r.try_get(0)?)?,
            seq: seq.map(count).transpose()?,
            withdrawn: withdrawn_at.is_some(),
            erased: r.try_get(3)?,
            held: r.try_get(4)?,
            leaf: index(leaf),
            withdrawal_leaf: index(withdrawal_leaf),
            withdrawal_due: r.try_get(7)?,
            expired: link.expires_at < unix(now),
        };
        let preview = match facts.needs_preview() {
            true => Some(signature_row(&client, link.signature).await?.preview()),
            false => None,
        };
        Ok(facts.into_state(preview))
    }

    async fn confirm_signature(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Result<ConfirmedSignature, ConfirmRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(link) = find_link(&tx, &token.0).await? else {
            return Ok(Err(ConfirmRefusal::UnknownToken));
        };
        // The signature's row lock: two presses of one link confirm it once.
        let r = tx
            .fetch_one(
                "SELECT s.letter_id, s.seq, l.status, l.slug, s.held, s.withdrawn_at
                 FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = $1 FOR UPDATE OF s",
                &[&link.signature],
            )
            .await?;
        let (letter_id, seq, status): (i64, Option<i64>, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let letter_slug = slug(r.try_get(3)?)?;
        let (held, withdrawn_at): (bool, Option<i64>) = (r.try_get(4)?, r.try_get(5)?);
        if let Some(seq) = seq {
            return Ok(Ok(ConfirmedSignature {
                letter_slug,
                seq: count(seq)?,
                already_confirmed: true,
                held,
            }));
        }
        if withdrawn_at.is_some() {
            return Ok(Err(ConfirmRefusal::Withdrawn));
        }
        if link.expires_at < unix(now) {
            return Ok(Err(ConfirmRefusal::Expired));
        }
        if status != LetterStatus::Published.as_str() {
            return Ok(Err(ConfirmRefusal::LetterClosed));
        }
        let seq = confirm_row(&tx, link.signature, letter_id, held, now).await?;
        tx.commit().await?;
        Ok(Ok(ConfirmedSignature { letter_slug, seq, already_confirmed: false, held }))
    }

    async fn public_signatures(
        &self,
        letter: LetterId,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<PublicSignature>, StoreError> {
        let before = before_seq.map_or(i64::MAX, sql_index);
        let client = self.pool.get().await?;
        let sql = format!(
            "SELECT {PUBLIC_COLUMNS} FROM signatures s
             WHERE s.letter_id = $1 AND s.seq < $2 AND s.show_name AND s.withdrawn_at IS NULL
               AND s.struck_at IS NULL AND NOT s.held
             ORDER BY s.seq DESC LIMIT $3"
        );
        client
            .fetch(&sql, &[&letter.0, &before, &i64::from(limit)])
            .await?
            .iter()
            .map(public_signature)
            .collect()
    }

    async fn import_confirmed(&self, signatures: Vec<ImportedSignature>) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for imported in &signatures {
            let Some(id) = insert_signature_row(&tx, &imported.signature, imported.confirmed_at).await?
            else {
                continue; // the address signed already: an import adds nobody twice
            };
            insert_flags(&tx, id, &imported.signature.flags).await?;
            let held = imported.signature.held;
            confirm_row(&tx, id, imported.signature.letter.0, held, imported.confirmed_at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn search_signatures(
        &self,
        letter: LetterId,
        words: &[String],
        before_seq: Option<u64>,
        limit: u32,
        count_up_to: u64,
    ) -> Result<SearchPage, StoreError> {
        let whole = search_query(words, false);
        if whole.is_empty() {
            return Ok(SearchPage { rows: Vec::new(), matches: MatchCount::Exactly(0) });
        }
        let counted = sql_index(count_up_to.max(1).saturating_add(1));
        let client = self.pool.get().await?;
        // Whole words when any signer matches them; only when none does is the
        // last word a prefix. One choice per query, so the total and every page
        // agree (as on SQLite).
        let count_sql = "SELECT count(*) FROM (SELECT 1 FROM signatures
                           WHERE letter_id = $1 AND search @@ to_tsquery('simple', undersign_fold($2))
                           LIMIT $3) m";
        let mut query = whole;
        let mut matches: i64 = client.fetch_one(count_sql, &[&letter.0, &query, &counted]).await?.get(0);
        if matches == 0 {
            query = search_query(words, true);
            matches = client.fetch_one(count_sql, &[&letter.0, &query, &counted]).await?.get(0);
        }
        let matches = count(matches)?;
        let matches = if matches > count_up_to {
            MatchCount::MoreThan(count_up_to)
        } else {
            MatchCount::Exactly(matches)
        };
        let before = before_seq.map_or(i64::MAX, sql_index);
        // Few matches: find them through the search index, then order them.
        // Left to itself the planner walks the letter's signatures newest first
        // and tests each (it guesses thousands of matches): for one match in a
        // million, 1.5 s. Many matches: that walk finds a page at once.
        let sparse = matches!(matches, MatchCount::Exactly(n) if n <= SPARSE_MATCHES);
        let sql = if sparse {
            format!(
                "WITH found AS MATERIALIZED (
                     SELECT id FROM signatures
                     WHERE letter_id = $1 AND search @@ to_tsquery('simple', undersign_fold($2)))
                 SELECT {PUBLIC_COLUMNS} FROM signatures s JOIN found f ON f.id = s.id
                 WHERE s.seq < $3 AND s.show_name AND s.withdrawn_at IS NULL AND s.struck_at IS NULL
                   AND NOT s.held
                 ORDER BY s.seq DESC LIMIT $4"
            )
        } else {
            format!(
                "SELECT {PUBLIC_COLUMNS} FROM signatures s
                 WHERE s.letter_id = $1 AND s.search @@ to_tsquery('simple', undersign_fold($2)) AND s.seq < $3
                   AND s.show_name AND s.withdrawn_at IS NULL AND s.struck_at IS NULL AND NOT s.held
                 ORDER BY s.seq DESC LIMIT $4"
            )
        };
        let rows = client
            .fetch(&sql, &[&letter.0, &query, &before, &i64::from(limit)])
            .await?
            .iter()
            .map(public_signature)
            .collect::<Result<_, _>>()?;
        Ok(SearchPage { rows, matches })
    }

    async fn withdraw_signature(
        &self,
        token: &HashedToken,
        erase: bool,
        withdrawal: SaltedRecord,
        due_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Result<WithdrawOutcome, ConfirmRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(link) = find_link(&tx, &token.0).await? else {
            return Ok(Err(ConfirmRefusal::UnknownToken));
        };
        let Some(r) = tx
            .fetch_opt(
                "SELECT s.id, s.letter_id, s.status, s.withdrawn_at, l.slug, s.held
                 FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = $1 FOR UPDATE OF s",
                &[&link.signature],
            )
            .await?
        else {
            return Ok(Err(ConfirmRefusal::UnknownToken));
        };
        let (id, letter_id, status, withdrawn_at): (i64, i64, String, Option<i64>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let letter = slug(r.try_get(4)?)?;
        let held: bool = r.try_get(5)?;
        if withdrawn_at.is_some() {
            return Ok(Ok(WithdrawOutcome::AlreadyWithdrawn { letter }));
        }
        tx.exec("UPDATE signatures SET withdrawn_at = $2 WHERE id = $1", &[&id, &unix(now)]).await?;
        remove_from_search(&tx, id).await?;
        // A held signature never entered the log: there is nothing to cancel.
        let outcome = if status == "confirmed" && !held {
            insert_entry(&tx, letter_id, EntryKind::Withdrawal, Some(id), &withdrawal, false, due_at, now)
                .await?;
            WithdrawOutcome::Queued { letter }
        } else {
            tx.exec("DELETE FROM mail_jobs WHERE signature_id = $1", &[&id]).await?;
            WithdrawOutcome::DroppedUnconfirmed { letter }
        };
        if erase || status != "confirmed" {
            erase_signature(&tx, id).await?;
        }
        tx.commit().await?;
        Ok(Ok(outcome))
    }

    async fn purge_expired(
        &self,
        pending_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(u64, u64), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Jobs, flags and links go with their signatures (ON DELETE CASCADE).
        let signatures = tx
            .exec(
                "DELETE FROM signatures WHERE status = 'pending' AND created_at < $1",
                &[&unix(pending_before)],
            )
            .await?;
        let challenges = tx.exec("DELETE FROM spent_challenges WHERE expires_at < $1", &[&unix(now)]).await?;
        tx.commit().await?;
        Ok((signatures, challenges))
    }
}

#[async_trait]
impl LogStore for PostgresStore {
    async fn letters_with_due_entries(&self, now: OffsetDateTime) -> Result<Vec<LogTarget>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT l.id, l.slug, l.log_origin FROM letters l
                 WHERE EXISTS (SELECT 1 FROM log_entries e
                               WHERE e.letter_id = l.id AND e.leaf_index IS NULL AND e.due_at <= $1)",
                &[&unix(now)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(LogTarget {
                    letter: LetterId(r.try_get(0)?),
                    slug: slug(r.try_get(1)?)?,
                    origin: r.try_get(2)?,
                })
            })
            .collect()
    }

    async fn log_leaf_hashes(&self, letter: LetterId, from: u64) -> Result<Vec<[u8; 32]>, StoreError> {
        let from = sql_index(from);
        let client = self.pool.get().await?;
        let size: i64 =
            client.fetch_one("SELECT log_size FROM letters WHERE id = $1", &[&letter.0]).await?.get(0);
        let rows = client
            .fetch(
                "SELECT leaf_index, leaf_hash FROM log_entries
                 WHERE letter_id = $1 AND leaf_index >= $3 AND leaf_index < $2 ORDER BY leaf_index",
                &[&letter.0, &size, &from],
            )
            .await?;
        let mut hashes = Vec::with_capacity(rows.len());
        for row in &rows {
            let index: i64 = row.try_get(0)?;
            if index != from + hashes.len() as i64 {
                let missing = from + hashes.len() as i64;
                return Err(StoreError::Corrupt(format!("letter {} lacks leaf {missing}", letter.0)));
            }
            hashes.push(hash32(row.try_get(1)?, "leaf hash")?);
        }
        if from + hashes.len() as i64 != size.max(from) {
            let have = from + hashes.len() as i64;
            return Err(StoreError::Corrupt(format!("letter {} has {have} leaves, not {size}", letter.0)));
        }
        Ok(hashes)
    }

    async fn due_entries(
        &self,
        letter: LetterId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<DueEntry>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .fetch(
                "SELECT e.id, e.kind, e.commit_hash, t.target,
                        t.target IS NOT NULL AND EXISTS (
                            SELECT 1 FROM log_entries c
                            WHERE c.letter_id = $1 AND c.kind IN ('withdrawal', 'strike') AND c.ref_index = t.target)
                 FROM log_entries e
                 LEFT JOIN LATERAL (
                     SELECT s.leaf_index AS target FROM log_entries s
                     WHERE e.kind IN ('withdrawal', 'strike') AND s.signature_id = e.signature_id
                       AND s.kind = 'signature') t ON TRUE
                 WHERE e.letter_id = $1 AND e.leaf_index IS NULL AND e.due_at <= $2
                 ORDER BY e.id LIMIT $3",
                &[&letter.0, &unix(now), &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get(1)?;
                let target: Option<i64> = row.try_get(3)?;
                Ok(DueEntry {
                    id: row.try_get(0)?,
                    kind: EntryKind::parse(&kind).ok_or_else(|| corrupt("entry kind", &kind))?,
                    commit: hash32(row.try_get(2)?, "commitment")?,
                    target_index: target.and_then(|t| u64::try_from(t).ok()),
                    target_cancelled: row.try_get::<_, Option<bool>>(4)?.unwrap_or(false),
                })
            })
            .collect()
    }

    async fn acquire_log_lease(
        &self,
        letter: LetterId,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Option<u64>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .fetch_opt(
                "INSERT INTO log_leases (letter_id, holder, token, expires_at) VALUES ($1, $2, 1, $4)
                 ON CONFLICT (letter_id) DO UPDATE
                   SET token = CASE WHEN log_leases.holder = excluded.holder THEN log_leases.token
                                    ELSE log_leases.token + 1 END,
                       holder = excluded.holder, expires_at = excluded.expires_at
                   WHERE log_leases.holder = excluded.holder OR log_leases.expires_at <= $3
                 RETURNING token",
                &[&letter.0, &holder, &unix(now), &unix(until)],
            )
            .await?;
        row.map(|r| count(r.try_get(0)?)).transpose()
    }

    async fn release_log_leases(&self, holder: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client.exec("UPDATE log_leases SET expires_at = 0 WHERE holder = $1", &[&holder]).await?;
        Ok(())
    }

    async fn commit_integration(
        &self,
        letter: LetterId,
        fence: u64,
        expected_size: u64,
        entries: Vec<IntegratedEntry>,
        checkpoint: StoredCheckpoint,
        now: OffsetDateTime,
    ) -> Result<Result<(), IntegrationConflict>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The lease row's lock orders this commit against a takeover: a holder
        // whose lease was taken has an old token and writes nothing.
        let token: Option<i64> = tx
            .fetch_opt("SELECT token FROM log_leases WHERE letter_id = $1 FOR UPDATE", &[&letter.0])
            .await?
            .map(|r| r.get(0));
        if token != Some(sql_index(fence)) {
            return Ok(Err(IntegrationConflict));
        }
        // The letter's row lock: another integrator's commit waits here and then
        // sees the size this one wrote.
        let size: i64 =
            tx.fetch_one("SELECT log_size FROM letters WHERE id = $1 FOR UPDATE", &[&letter.0]).await?.get(0);
        if size != sql_index(expected_size) {
            return Ok(Err(IntegrationConflict));
        }
        for entry in &entries {
            let changed = tx
                .exec(
                    "UPDATE log_entries SET leaf_index = $2, ref_index = $3, leaf = $4, leaf_hash = $5
                     WHERE id = $1 AND leaf_index IS NULL",
                    &[
                        &entry.id,
                        &sql_index(entry.leaf_index),
                        &entry.ref_index.map(sql_index),
                        &entry.leaf,
                        &&entry.leaf_hash[..],
                    ],
                )
                .await?;
            if changed != 1 {
                // Dropping the transaction rolls the batch back.
                return Err(StoreError::Corrupt(format!("log entry {} was integrated twice", entry.id)));
            }
        }
        let inserted = tx
            .exec(
                "INSERT INTO checkpoints (letter_id, size, root, note, count, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &[
                    &letter.0,
                    &sql_index(checkpoint.size),
                    &&checkpoint.root[..],
                    &checkpoint.note,
                    &sql_index(checkpoint.count),
                    &unix(now),
                ],
            )
            .await?;
        if inserted != 1 {
            return Err(StoreError::Corrupt(format!(
                "a checkpoint of size {} exists already",
                checkpoint.size
            )));
        }
        tx.exec(
            "UPDATE letters SET log_size = $2, log_count = $3 WHERE id = $1",
            &[&letter.0, &sql_index(checkpoint.size), &sql_index(checkpoint.count)],
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn latest_checkpoint(&self, letter: LetterId) -> Result<Option<StoredCheckpoint>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .fetch_opt(
                "SELECT size, root, note, count FROM checkpoints WHERE letter_id = $1 ORDER BY size DESC LIMIT 1",
                &[&letter.0],
            )
            .await?;
        row.map(|r| {
            Ok(StoredCheckpoint {
                size: count(r.try_get(0)?)?,
                root: hash32(r.try_get(1)?, "root")?,
                note: r.try_get(2)?,
                count: count(r.try_get(3)?)?,
            })
        })
        .transpose()
    }

    async fn log_health(&self) -> Result<Vec<LetterLogHealth>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .fetch(
                "SELECT l.slug,
                        (SELECT min(e.due_at) FROM log_entries e WHERE e.letter_id = l.id AND e.leaf_index IS NULL),
                        (SELECT c.created_at FROM checkpoints c WHERE c.letter_id = l.id ORDER BY c.size DESC LIMIT 1)
                 FROM letters l ORDER BY l.id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(LetterLogHealth {
                    slug: slug(r.try_get(0)?)?,
                    oldest_due: r.try_get::<_, Option<i64>>(1)?.map(from_unix).transpose()?,
                    last_checkpoint_at: r.try_get::<_, Option<i64>>(2)?.map(from_unix).transpose()?,
                })
            })
            .collect()
    }

    async fn entry_kinds(&self, letter: LetterId, size: u64) -> Result<EntryKinds, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .fetch(
                "SELECT kind, count(*) FROM log_entries
                 WHERE letter_id = $1 AND kind != 'signature' AND leaf_index IS NOT NULL AND leaf_index < $2
                 GROUP BY kind",
                &[&letter.0, &sql_index(size)],
            )
            .await?;
        let mut kinds = EntryKinds::default();
        for row in &rows {
            let n = count(row.try_get(1)?)?;
            match row.try_get::<_, &str>(0)? {
                "text" => kinds.texts = n,
                "withdrawal" => kinds.withdrawals = n,
                "strike" => kinds.strikes = n,
                other => return Err(corrupt("entry kind", other)),
            }
        }
        kinds.signatures = size.saturating_sub(kinds.texts + kinds.withdrawals + kinds.strikes);
        Ok(kinds)
    }

    async fn log_leaves(&self, letter: LetterId, from: u64, to: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .fetch(
                "SELECT leaf FROM log_entries
                 WHERE letter_id = $1 AND leaf_index >= $2 AND leaf_index < $3 ORDER BY leaf_index",
                &[&letter.0, &sql_index(from), &sql_index(to)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn log_records(
        &self,
        letter: LetterId,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, RecordState)>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .fetch(
                "SELECT leaf_index, salt, record, withheld FROM log_entries
                 WHERE letter_id = $1 AND leaf_index >= $2 AND leaf_index < $3 ORDER BY leaf_index",
                &[&letter.0, &sql_index(from), &sql_index(to)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let salt: Option<&[u8]> = row.try_get(1)?;
                let record: Option<String> = row.try_get(2)?;
                let state = match (salt, record) {
                    (Some(_), Some(_)) if row.try_get::<_, bool>(3)? => RecordState::Withheld,
                    (Some(salt), Some(record)) => RecordState::Shown { salt: hash32(salt, "salt")?, record },
                    _ => RecordState::Erased,
                };
                Ok((count(row.try_get(0)?)?, state))
            })
            .collect()
    }
}

#[async_trait]
impl InstanceStore for PostgresStore {
    async fn check_key_fingerprints(
        &self,
        keys: Vec<(String, [u8; 32])>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        let client = self.pool.get().await?;
        let mut differing = Vec::new();
        for (name, fingerprint) in &keys {
            // The first node to start records its keys; every later one compares.
            let recorded: Vec<u8> = client
                .fetch_one(
                    "WITH added AS (
                         INSERT INTO instance_keys (name, fingerprint, recorded_at) VALUES ($1, $2, $3)
                         ON CONFLICT DO NOTHING RETURNING fingerprint)
                     SELECT fingerprint FROM added
                     UNION ALL SELECT fingerprint FROM instance_keys WHERE name = $1
                     LIMIT 1",
                    &[name, &&fingerprint[..], &unix(now)],
                )
                .await?
                .get(0);
            if recorded != fingerprint {
                differing.push(name.clone());
            }
        }
        Ok(differing)
    }

    async fn probe_write(&self, node: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .exec(
                "WITH gone AS (DELETE FROM node_probes WHERE seen_at < $2::BIGINT - 86400 AND node != $1)
                 INSERT INTO node_probes (node, seen_at) VALUES ($1, $2)
                 ON CONFLICT (node) DO UPDATE SET seen_at = excluded.seen_at",
                &[&node, &unix(now)],
            )
            .await?;
        Ok(())
    }
}

#[async_trait]
impl AbuseStore for PostgresStore {
    async fn add_to_watch_list(&self, letter: LetterId, name_key: &str) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        let added = client
            .exec(
                "INSERT INTO watch_list (letter_id, name_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&letter.0, &name_key],
            )
            .await?;
        Ok(added == 1)
    }

    async fn create_api_token(
        &self,
        name: &str,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        let added = client
            .exec(
                "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&name, &&token.0[..], &unix(now)],
            )
            .await?;
        Ok(added == 1)
    }

    async fn api_token_exists(&self, token: &HashedToken) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .fetch_opt("SELECT token_hash FROM api_tokens WHERE token_hash = $1", &[&&token.0[..]])
            .await?;
        Ok(row.is_some_and(|r| token.matches(r.get::<_, &[u8]>(0))))
    }

    async fn signature_flags(&self, letter: LetterId) -> Result<Vec<SignatureFlag>, StoreError> {
        let client = self.pool.get().await?;
        client
            .fetch(
                "SELECT f.signature_id, f.kind, f.other_id FROM signature_flags f
                 JOIN signatures s ON s.id = f.signature_id WHERE s.letter_id = $1 ORDER BY f.signature_id, f.kind",
                &[&letter.0],
            )
            .await?
            .iter()
            .map(|r| {
                let kind: &str = r.try_get(1)?;
                Ok(SignatureFlag {
                    signature: SignatureId(r.try_get(0)?),
                    kind: FlagKind::parse(kind).ok_or_else(|| corrupt("flag", kind))?,
                    other: r.try_get::<_, Option<i64>>(2)?.map(SignatureId),
                })
            })
            .collect()
    }
}
