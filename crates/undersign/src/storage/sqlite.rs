//! The embedded SQLite backend.
//!
//! SQLite allows one writer at a time, so all writes go to one thread that owns the
//! write connection. It commits by *group commit*: it takes every write waiting in
//! its queue, runs each in its own savepoint inside one transaction (a failing
//! write rolls back alone), commits once with `synchronous=FULL`, and only then
//! answers every caller. Nothing is acknowledged that a power cut could lose, and
//! one fsync serves a whole burst. Reads run on a small pool of read-only
//! connections, which WAL mode lets proceed while the writer commits.

mod campaigns;
mod moderation;
mod organisers;
mod outbox;
mod texts;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::{Date, OffsetDateTime};
use tokio::sync::{mpsc, oneshot};

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

/// SQLite's own "busy" and "locked" mean another connection holds the file
/// (a command beside a running server): asking again in a moment works. A full
/// disk, an I/O error or a read-only file heal when the operator acts, and are
/// answered 503 meanwhile, never 500.
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match unwritable(error.sqlite_error_code()) {
            Some(busy @ StoreError::Busy) => busy,
            Some(fault) => StoreError::Unwritable(format!("{fault}: {error}")),
            None => StoreError::Backend(Box::new(error)),
        }
    }
}

/// The passing faults among SQLite's result codes: `Busy`, or `Unwritable`
/// saying which (the caller adds the driver's text).
fn unwritable(code: Option<rusqlite::ErrorCode>) -> Option<StoreError> {
    use rusqlite::ErrorCode;
    let why = match code? {
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return Some(StoreError::Busy),
        ErrorCode::DiskFull => "the disk is full",
        ErrorCode::SystemIoFailure => "an I/O error",
        ErrorCode::ReadOnly => "the database file is read-only",
        ErrorCode::CannotOpen => "the database file cannot be opened",
        ErrorCode::OutOfMemory => "out of memory",
        _ => return None,
    };
    Some(StoreError::Unwritable(why.to_owned()))
}

/// Why a batch did not commit, kept for every caller in it (the driver's error
/// itself cannot be cloned).
#[derive(Debug, Clone)]
struct CommitFailure {
    code: Option<rusqlite::ErrorCode>,
    message: String,
}

impl From<CommitFailure> for StoreError {
    fn from(failure: CommitFailure) -> Self {
        match unwritable(failure.code) {
            Some(StoreError::Busy) => StoreError::Busy,
            Some(StoreError::Unwritable(why)) => {
                StoreError::Unwritable(format!("{why}: {}", failure.message))
            }
            _ => StoreError::CommitFailed(failure.message),
        }
    }
}

/// Forward-only migrations; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_initial.sql"),
    include_str!("../../migrations/sqlite/0002_letter_log.sql"),
    include_str!("../../migrations/sqlite/0003_abuse_resistance.sql"),
    include_str!("../../migrations/sqlite/0004_signer_search.sql"),
    include_str!("../../migrations/sqlite/0005_append_friendly_keys.sql"),
    include_str!("../../migrations/sqlite/0006_organisers.sql"),
    include_str!("../../migrations/sqlite/0007_moderation.sql"),
    include_str!("../../migrations/sqlite/0008_campaign_editor.sql"),
    include_str!("../../migrations/sqlite/0009_letter_texts.sql"),
    include_str!("../../migrations/sqlite/0010_signature_form.sql"),
    include_str!("../../migrations/sqlite/0011_removal_requests.sql"),
    include_str!("../../migrations/sqlite/0012_campaign_invitations.sql"),
    include_str!("../../migrations/sqlite/0013_search_by_letter_and_number.sql"),
    include_str!("../../migrations/sqlite/0014_confirmation_links.sql"),
    include_str!("../../migrations/sqlite/0015_log_entry_kinds.sql"),
    include_str!("../../migrations/sqlite/0016_letter_closing_and_withheld.sql"),
    include_str!("../../migrations/sqlite/0017_pending_second_factor.sql"),
    include_str!("../../migrations/sqlite/0018_campaign_translations.sql"),
    include_str!("../../migrations/sqlite/0019_one_outbox.sql"),
    include_str!("../../migrations/sqlite/0020_log_leases.sql"),
    include_str!("../../migrations/sqlite/0021_instance_keys.sql"),
    include_str!("../../migrations/sqlite/0022_node_probes.sql"),
];

/// Room for this many queued writes before callers wait.
const WRITE_QUEUE: usize = 1024;
/// Read connections kept open for reuse.
const IDLE_READERS: usize = 8;

/// A write, run against the batch's savepoint. It says whether its changes stand
/// and returns how to answer its caller once the batch's commit is known.
type WriteJob = Box<dyn FnOnce(&Connection) -> (bool, Answer) + Send>;
type Answer = Box<dyn FnOnce(Result<(), CommitFailure>) + Send>;

/// How long a write may wait for room in the queue before the caller is told to
/// come back (503) instead of piling up.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Most writes in one commit; the rest wait for the next.
const MAX_BATCH: usize = 512;

/// A full disk fails every batch: logged once a minute with a count.
static COMMIT_FAILURES: crate::faults::RepeatedErrors = crate::faults::RepeatedErrors::new();

/// SQLite storage in one database file.
#[derive(Clone)]
pub struct SqliteStore {
    writes: mpsc::Sender<WriteJob>,
    readers: Arc<ReaderPool>,
}

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    fn take(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = self
            .idle
            .lock()
            .map_err(|_| StoreError::Unavailable("the SQLite worker has stopped".into()))?
            .pop()
        {
            return Ok(conn);
        }
        let conn = Connection::open(&self.path)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_READERS
        {
            idle.push(conn);
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file, applies pending migrations and
    /// starts the writer thread. The thread ends when the last handle is dropped.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA journal_size_limit = 67108864;",
        )?;
        migrate(&mut conn)?;
        let (writes, mut queue) = mpsc::channel::<WriteJob>(WRITE_QUEUE);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                while let Some(first) = queue.blocking_recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
                    let writes = jobs.len();
                    commit_batch(&mut conn, jobs);
                    crate::metrics::metrics().committed("sqlite", writes, queue.len());
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            writes,
            readers: Arc::new(ReaderPool { path: path.to_owned(), idle: Mutex::new(Vec::new()) }),
        })
    }

    /// Runs `f` in the writer's next batch and answers once that batch is durable.
    /// An `Err` from `f` rolls back `f`'s changes only.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let result = f(conn);
            let stands = result.is_ok();
            let answer: Answer = Box::new(move |commit| {
                let _ = reply.send(match (result, commit) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(failure)) => Err(failure.into()),
                    (Err(error), _) => Err(error),
                });
            });
            (stands, answer)
        });
        self.writes.send_timeout(job, QUEUE_WAIT).await.map_err(|error| match error {
            mpsc::error::SendTimeoutError::Timeout(_) => StoreError::Busy,
            mpsc::error::SendTimeoutError::Closed(_) => {
                StoreError::Unavailable("the SQLite worker has stopped".into())
            }
        })?;
        answer.await.map_err(|_| StoreError::Unavailable("the SQLite worker has stopped".into()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let result = f(&conn);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Unavailable("the SQLite worker has stopped".into()))?
    }
}

/// Runs a batch of writes as one durable transaction, then answers each.
fn commit_batch(conn: &mut Connection, jobs: Vec<WriteJob>) {
    let started = std::time::Instant::now();
    let mut ran = started;
    let count = jobs.len();
    let mut answers = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    let committed = (|| -> rusqlite::Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Savepoints through cached statements: parsing them anew for every job
        // cost more than most jobs' own SQL.
        for job in jobs.by_ref() {
            tx.prepare_cached("SAVEPOINT job")?.execute([])?;
            let (stands, answer) = job(&tx);
            if !stands {
                tx.prepare_cached("ROLLBACK TO job")?.execute([])?;
            }
            tx.prepare_cached("RELEASE job")?.execute([])?;
            answers.push(answer);
        }
        ran = std::time::Instant::now();
        tx.commit()
    })();
    // For profiling the write path (`RUST_LOG=undersign::storage::sqlite=debug`).
    tracing::debug!(
        jobs = count,
        run_us = (ran - started).as_micros() as u64,
        commit_us = ran.elapsed().as_micros() as u64,
        "write batch committed"
    );
    let outcome = committed.map_err(|error| {
        let failure = CommitFailure { code: error.sqlite_error_code(), message: error.to_string() };
        if let Some(repeats) = COMMIT_FAILURES.should_log(&failure.message) {
            tracing::error!(%error, repeats, "a write batch failed to commit");
        }
        failure
    });
    if outcome.is_ok()
        && let Some((failures, lasted)) = COMMIT_FAILURES.clear()
    {
        tracing::info!(failures, lasted_s = lasted.as_secs(), "write batches commit again");
    }
    for answer in answers {
        answer(outcome.clone());
    }
    // Jobs not reached (the batch failed early) are dropped: their callers hear
    // that the worker could not do them.
    drop(jobs);
}

/// Inserts a campaign's row; `None` if its slug is taken.
fn insert_campaign_row(
    tx: &Connection,
    campaign: &Campaign,
    now: OffsetDateTime,
) -> Result<Option<i64>, StoreError> {
    let inserted = tx.execute(
        "INSERT INTO campaigns (slug, title, summary, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (slug) DO NOTHING",
        params![campaign.slug.as_str(), campaign.title, campaign.summary, unix(now)],
    )?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database has {applied} migrations applied but this program knows {}; it was written by a newer version",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
        tracing::info!(migration = i + 1, "applied database migration");
    }
    Ok(())
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_unix(seconds: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| StoreError::Corrupt(format!("timestamp {seconds} out of range")))
}

/// An email lookup hash read back from a column.
fn lookup_from(bytes: Vec<u8>) -> Result<EmailLookup, StoreError> {
    Ok(EmailLookup(bytes.as_slice().try_into().map_err(|_| corrupt("email lookup", "wrong length"))?))
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what}: {value:?}"))
}

const LETTER_COLUMNS: &str = "l.id, l.slug, l.title, l.addressee, l.community, l.language, l.body, \
     l.organisations, l.status, l.published_at, c.slug, l.pull_quote, l.log_count, l.log_size, \
     (SELECT count(*) FROM log_entries e WHERE e.letter_id = l.id AND e.leaf_index IS NULL AND e.kind = 'signature'), \
     (SELECT count(*) FROM log_entries e WHERE e.letter_id = l.id AND e.leaf_index IS NULL AND e.kind = 'withdrawal'), \
     l.log_origin, l.closes_on, l.target, l.version, \
     (SELECT group_concat(t.language, ' ') FROM letter_texts t \
      WHERE t.letter_id = l.id AND t.version = l.version AND t.language != l.language), \
     l.form_fields, l.organisations_allowed, l.verified_domains, \
     (SELECT count(*) FROM signatures s JOIN log_entries e ON e.signature_id = s.id AND e.kind = 'signature' \
      WHERE s.letter_id = l.id AND s.organisation = 1 AND e.leaf_index IS NOT NULL \
        AND s.withdrawn_at IS NULL AND s.struck_at IS NULL), \
     l.closed_at, \
     (SELECT count(*) FROM signatures s WHERE s.letter_id = l.id AND s.show_name = 0 AND s.seq IS NOT NULL \
        AND s.withdrawn_at IS NULL AND s.struck_at IS NULL AND s.held = 0)";

fn letter_from_row(row: &Row<'_>) -> Result<Letter, StoreError> {
    let slug: String = row.get(1)?;
    let community: String = row.get(4)?;
    let language: String = row.get(5)?;
    let status: String = row.get(8)?;
    let campaign: Option<String> = row.get(10)?;
    let count: i64 = row.get(12)?;
    Ok(Letter {
        id: LetterId(row.get(0)?),
        slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
        title: row.get(2)?,
        addressee: row.get(3)?,
        community: Community::parse(&community).map_err(|_| corrupt("community", &community))?,
        language: LetterLanguage::parse(&language).map_err(|_| corrupt("language", &language))?,
        body: row.get(6)?,
        organisations: row.get(7)?,
        status: LetterStatus::parse(&status).ok_or_else(|| corrupt("letter status", &status))?,
        published_at: from_unix(row.get(9)?)?,
        campaign: campaign.map(|c| Slug::parse(&c).map_err(|_| corrupt("campaign slug", &c))).transpose()?,
        pull_quote: row.get(11)?,
        count: u64::try_from(count).map_err(|_| corrupt("count", &count.to_string()))?,
        log_size: row.get::<_, i64>(13)?.try_into().map_err(|_| corrupt("log size", "negative"))?,
        being_added: row.get::<_, i64>(14)?.try_into().map_err(|_| corrupt("pending", "negative"))?,
        withdrawals_pending: row.get::<_, i64>(15)?.try_into().map_err(|_| corrupt("pending", "negative"))?,
        log_origin: row.get(16)?,
        closes_on: row.get::<_, Option<String>>(17)?.map(|d| parse_stored_day(&d)).transpose()?,
        target: row
            .get::<_, Option<i64>>(18)?
            .map(|t| t.try_into().map_err(|_| corrupt("target", "negative")))
            .transpose()?,
        version: row.get(19)?,
        translations: row
            .get::<_, Option<String>>(20)?
            .unwrap_or_default()
            .split_whitespace()
            .map(|l| LetterLanguage::parse(l).map_err(|_| corrupt("language", l)))
            .collect::<Result<_, _>>()?,
        form: FormSettings::from_stored(&row.get::<_, String>(21)?, row.get(22)?, &row.get::<_, String>(23)?),
        organisation_count: row.get::<_, i64>(24)?.try_into().map_err(|_| corrupt("count", "negative"))?,
        closed_at: row.get::<_, Option<i64>>(25)?.map(from_unix).transpose()?,
        withheld_count: row.get::<_, i64>(26)?.try_into().map_err(|_| corrupt("count", "negative"))?,
    })
}

fn parse_stored_day(text: &str) -> Result<Date, StoreError> {
    Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| corrupt("date", text))
}

fn query_letters(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Letter>, StoreError> {
    let sql = format!(
        "SELECT {LETTER_COLUMNS} FROM letters l LEFT JOIN campaigns c ON c.id = l.campaign_id {filter}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(args)?;
    let mut letters = Vec::new();
    while let Some(row) = rows.next()? {
        letters.push(letter_from_row(row)?);
    }
    Ok(letters)
}

fn load_campaign(
    conn: &Connection,
    id: i64,
    slug: String,
    title: String,
    summary: String,
) -> Result<CampaignWithLetters, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT date, kind, place, note, source_url FROM timeline_entries
         WHERE campaign_id = ?1 AND hidden = 0 ORDER BY date, id",
    )?;
    let mut rows = stmt.query([id])?;
    let mut timeline = Vec::new();
    while let Some(row) = rows.next()? {
        let date: String = row.get(0)?;
        timeline.push(TimelineEntry {
            date: parse_stored_day(&date)?,
            kind: row.get(1)?,
            place: row.get(2)?,
            note: row.get(3)?,
            source_url: row.get(4)?,
        });
    }
    let letters = query_letters(conn, "WHERE l.campaign_id = ?1 ORDER BY l.id", [id])?;
    let mut related = conn.prepare_cached(
        "SELECT c.slug, c.title FROM campaign_links k JOIN campaigns c ON c.id = k.related_id
         WHERE k.campaign_id = ?1 ORDER BY c.created_at DESC, c.id DESC",
    )?;
    let related = related
        .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .map(|row| {
            let (slug, title) = row?;
            Ok((Slug::parse(&slug).map_err(|_| corrupt("campaign slug", &slug))?, title))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(CampaignWithLetters {
        related,
        campaign: Campaign {
            slug: Slug::parse(&slug).map_err(|_| corrupt("campaign slug", &slug))?,
            title,
            summary,
            timeline,
        },
        letters,
    })
}

/// Inserts a pending signature; returns its id.
fn insert_signature_row(
    tx: &Connection,
    s: &SealedSignature,
    now: OffsetDateTime,
) -> Result<i64, StoreError> {
    let (organisation, pledge) = match &s.signer {
        Signer::Person => (false, None),
        Signer::Organisation { pledge } => (true, pledge.as_ref().map(|p| p.as_str().to_owned())),
    };
    tx.prepare_cached(
        "INSERT INTO signatures (letter_id, email_lookup, email_sealed, name, title, affiliation,
             city, country, orcid, organisation, pledge, show_name, language, status, created_at,
             email_canonical_lookup, name_key, held, version, verified_domain)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'pending', ?14, ?15, ?16, ?17,
                 (SELECT version FROM letters WHERE id = ?1), ?18)",
    )?
    .execute(params![
        s.letter.0,
        &s.email_lookup.0[..],
        &s.email_sealed.0,
        s.name,
        s.title,
        s.affiliation,
        s.city,
        s.country,
        s.orcid,
        organisation,
        pledge,
        s.show_name,
        s.language.code(),
        unix(now),
        &s.email_canonical_lookup.0[..],
        s.name_key,
        s.held,
        s.verified_domain,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Stores a new signature's flags, as the use case decided them.
fn insert_flags(tx: &Connection, id: i64, flags: &[NewFlag]) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO signature_flags (signature_id, kind, detail, other_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for flag in flags {
        insert.execute(params![id, flag.kind.as_str(), flag.detail, flag.other.map(|o| o.0)])?;
    }
    Ok(())
}

/// A public signature from a row of seq, name, title, affiliation, city,
/// country, orcid, organisation, pledge, version, verified_domain.
fn public_signature(row: &Row<'_>) -> Result<PublicSignature, StoreError> {
    let seq: i64 = row.get(0)?;
    Ok(PublicSignature {
        seq: u64::try_from(seq).map_err(|_| corrupt("sequence", &seq.to_string()))?,
        name: PersonName::from_trusted(row.get(1)?),
        title: row.get(2)?,
        affiliation: row.get(3)?,
        city: row.get(4)?,
        country: row.get(5)?,
        orcid: row.get::<_, Option<String>>(6)?.map(Orcid::from_trusted),
        organisation: row.get(7)?,
        pledge: row.get(8)?,
        version: row.get(9)?,
        verified_domain: row.get(10)?,
    })
}

fn signature_held(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT held FROM signatures WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

/// Marks a pending signature confirmed with the next sequence number of its
/// letter; returns that number.
fn confirm_row(
    tx: &Connection,
    signature: i64,
    letter: i64,
    held: bool,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let seq: i64 = tx
        .prepare_cached(
            "UPDATE letters SET confirmed_count = confirmed_count + 1 WHERE id = ?1 RETURNING confirmed_count",
        )?
        .query_row([letter], |r| r.get(0))?;
    tx.prepare_cached(
        "UPDATE signatures SET status = 'confirmed', seq = ?2, confirmed_at = ?3
         WHERE id = ?1 AND status = 'pending'",
    )?
    .execute(params![signature, seq, unix(now)])?;
    // A held signature enters the log when a moderator releases it.
    if !held {
        insert_signature_entry(tx, signature, letter, now)?;
        add_to_search(tx, signature)?;
    }
    u64::try_from(seq).map_err(|_| corrupt("sequence", &seq.to_string()))
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

/// A signature's public fields.
fn signature_row(conn: &Connection, signature: i64) -> Result<SignatureRow, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT name, title, affiliation, city, country, orcid, organisation, pledge, show_name, verified_domain
             FROM signatures WHERE id = ?1",
        )?
        .query_row([signature], |r| {
            Ok(SignatureRow {
                name: r.get(0)?,
                title: r.get(1)?,
                affiliation: r.get(2)?,
                city: r.get(3)?,
                country: r.get(4)?,
                orcid: r.get(5)?,
                organisation: r.get(6)?,
                pledge: r.get(7)?,
                show_name: r.get(8)?,
                verified_domain: r.get(9)?,
            })
        })?)
}

impl SignatureRow {
    /// What the letter will show of it once confirmed.
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
fn insert_signature_entry(
    tx: &Connection,
    signature: i64,
    letter: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let row = signature_row(tx, signature)?;
    let SignatureRow {
        name,
        title,
        affiliation,
        city,
        country,
        orcid,
        organisation,
        pledge,
        show_name,
        verified_domain,
    } = row;
    let record = SignatureRecord {
        name: &name,
        title: title.as_deref(),
        affiliation: affiliation.as_deref(),
        city: city.as_deref(),
        country: country.as_deref(),
        orcid: orcid.as_deref(),
        organisation,
        pledge: pledge.as_deref(),
        verified_domain: verified_domain.as_deref(),
    };
    let salted = SaltedRecord::new(record.to_json());
    insert_entry(tx, letter, EntryKind::Signature, Some(signature), &salted, !show_name, now, now)
}

#[expect(clippy::too_many_arguments, reason = "one row's columns, named at the call sites")]
fn insert_entry(
    tx: &Connection,
    letter: i64,
    kind: EntryKind,
    signature: Option<i64>,
    salted: &SaltedRecord,
    withheld: bool,
    due_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO log_entries (letter_id, kind, signature_id, commit_hash, salt, record, withheld, due_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        letter,
        kind.as_str(),
        signature,
        &salted.commit[..],
        &salted.salt[..],
        salted.record,
        withheld,
        unix(due_at),
        unix(now)
    ])?;
    Ok(())
}

#[async_trait]
impl LetterStore for SqliteStore {
    async fn insert_campaign(&self, campaign: &Campaign, now: OffsetDateTime) -> Result<bool, StoreError> {
        let campaign = campaign.clone();
        self.write(move |tx| {
            let Some(id) = insert_campaign_row(tx, &campaign, now)? else { return Ok(false) };
            for entry in &campaign.timeline {
                tx.execute(
                    "INSERT INTO timeline_entries (campaign_id, date, kind, place, note, source_url)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        id,
                        entry.date.to_string(),
                        entry.kind,
                        entry.place,
                        entry.note,
                        entry.source_url
                    ],
                )?;
            }
            Ok(true)
        })
        .await
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
        let draft = draft.clone();
        self.write(move |tx| {
            let campaign_id: Option<i64> = match &draft.campaign {
                None => None,
                Some(slug) => {
                    let id = tx
                        .query_row("SELECT id FROM campaigns WHERE slug = ?1", [slug.as_str()], |r| r.get(0))
                        .optional()?;
                    match id {
                        Some(id) => Some(id),
                        None => return Ok(Err(PublishRefusal::UnknownCampaign(slug.to_string()))),
                    }
                }
            };
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM letters WHERE slug = ?1)",
                [draft.slug.as_str()],
                |r| r.get(0),
            )?;
            if taken {
                return Ok(Err(PublishRefusal::SlugTaken(draft.slug.to_string())));
            }
            tx.execute(
                "INSERT INTO letters (slug, title, addressee, community, language, body, organisations,
                     status, published_at, campaign_id, pull_quote, wrapped_key, log_origin, closes_on, target)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'published', ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    draft.slug.as_str(),
                    draft.title,
                    draft.addressee,
                    draft.community.as_str(),
                    draft.language.as_str(),
                    draft.body,
                    draft.organisations,
                    unix(now),
                    campaign_id,
                    draft.pull_quote,
                    wrapped_key,
                    log_origin,
                    draft.closes_on.map(|d| d.to_string()),
                    draft.target.map(|t| t as i64),
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO letter_texts (letter_id, version, language, title, addressee, body, published_at)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
                params![id, draft.language.as_str(), draft.title, draft.addressee, draft.body, unix(now)],
            )?;
            // Leaf 0: the published text, integrated with the first checkpoint.
            insert_entry(tx, id, EntryKind::Text, None, &text, false, now, now)?;
            if let Some(from) = from_draft {
                tx.execute("DELETE FROM drafts WHERE id = ?1", [from.draft])?;
                tx.execute(
                    "INSERT INTO letter_roles (letter_id, account_id, role, granted_at) VALUES (?1, ?2, 'organiser', ?3)
                     ON CONFLICT DO NOTHING",
                    params![id, from.owner.0, unix(now)],
                )?;
                organisers::insert_audit(tx, &AuditEntry { letter: Some(LetterId(id)), ..from.audit })?;
            }
            Ok(Ok(LetterId(id)))
        })
        .await
    }

    async fn close_letter(&self, slug: &Slug, now: OffsetDateTime) -> Result<bool, StoreError> {
        let slug = slug.to_string();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE letters SET status = 'closed', closed_at = ?2 WHERE slug = ?1 AND status = 'published'",
                params![slug, unix(now)],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn close_letters_past_their_day(
        &self,
        today: Date,
        audit: AuditEntry,
    ) -> Result<Vec<Slug>, StoreError> {
        let now = audit.at;
        self.write(move |tx| {
            // Days are stored as YYYY-MM-DD: their text order is their date order.
            let due: Vec<(i64, String)> = tx
                .prepare_cached(
                    "UPDATE letters SET status = 'closed', closed_at = ?2
                     WHERE status = 'published' AND closes_on IS NOT NULL AND closes_on < ?1
                     RETURNING id, slug",
                )?
                .query_map(params![today.to_string(), unix(now)], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            due.into_iter()
                .map(|(id, slug)| {
                    let entry = AuditEntry { letter: Some(LetterId(id)), ..audit.clone() };
                    organisers::insert_audit(tx, &entry)?;
                    Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))
                })
                .collect()
        })
        .await
    }

    async fn letters(&self) -> Result<Vec<Letter>, StoreError> {
        self.read(|conn| query_letters(conn, "ORDER BY l.published_at DESC, l.id DESC", [])).await
    }

    async fn letter(&self, slug: &Slug) -> Result<Option<Letter>, StoreError> {
        let slug = slug.to_string();
        self.read(move |conn| Ok(query_letters(conn, "WHERE l.slug = ?1", [slug])?.pop())).await
    }

    async fn wrapped_letter_key(&self, letter: LetterId) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(move |conn| {
            Ok(conn
                .query_row("SELECT wrapped_key FROM letters WHERE id = ?1", [letter.0], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    async fn campaigns(&self) -> Result<Vec<CampaignWithLetters>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, slug, title, summary FROM campaigns ORDER BY created_at DESC, id DESC",
            )?;
            let heads = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            heads
                .into_iter()
                .map(|(id, slug, title, summary)| load_campaign(conn, id, slug, title, summary))
                .collect()
        })
        .await
    }

    async fn campaign(&self, slug: &Slug) -> Result<Option<CampaignWithLetters>, StoreError> {
        let slug = slug.to_string();
        self.read(move |conn| {
            let head = conn
                .query_row("SELECT id, slug, title, summary FROM campaigns WHERE slug = ?1", [slug], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            head.map(|(id, slug, title, summary)| load_campaign(conn, id, slug, title, summary)).transpose()
        })
        .await
    }
}

#[async_trait]
impl SignatureStore for SqliteStore {
    async fn signature_facts(
        &self,
        letter: LetterId,
        canonical_lookup: &EmailLookup,
        name_key: &str,
    ) -> Result<SignatureFacts, StoreError> {
        let (canonical, name_key) = (canonical_lookup.0, name_key.to_owned());
        self.read(move |conn| {
            let same_canonical_address = conn
                .prepare_cached(
                    "SELECT id FROM signatures WHERE letter_id = ?1 AND email_canonical_lookup = ?2 LIMIT 1",
                )?
                .query_row(params![letter.0, &canonical[..]], |r| r.get(0))
                .optional()?
                .map(SignatureId);
            if name_key.is_empty() {
                return Ok(SignatureFacts { same_canonical_address, ..SignatureFacts::default() });
            }
            let same_name = conn
                .prepare_cached("SELECT id FROM signatures WHERE letter_id = ?1 AND name_key = ?2 LIMIT 1")?
                .query_row(params![letter.0, name_key], |r| r.get(0))
                .optional()?
                .map(SignatureId);
            let watch_listed = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM watch_list WHERE letter_id = ?1 AND name_key = ?2)",
                )?
                .query_row(params![letter.0, name_key], |r| r.get(0))?;
            Ok(SignatureFacts { same_canonical_address, same_name, watch_listed })
        })
        .await
    }

    async fn submit_signature(
        &self,
        signature: SealedSignature,
        options: SubmitOptions,
        now: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreError> {
        self.write(move |tx| {
            if let Some(solution) = &options.spend {
                let spent = tx
                    .prepare_cached(
                        "INSERT INTO spent_challenges (expires_at, challenge) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![unix(solution.expires_at), &solution.challenge[..]])?;
                if spent == 0 {
                    return Ok(SubmitOutcome::Replayed);
                }
            }
            let existing: Option<(i64, String)> = tx
                .prepare_cached("SELECT id, status FROM signatures WHERE letter_id = ?1 AND email_lookup = ?2")?
                .query_row(params![signature.letter.0, &signature.email_lookup.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let plan = options.mail;
            let outcome = match existing {
                Some((id, status)) => {
                    let confirmed = status == "confirmed";
                    if let Some(kind) = if confirmed { plan.confirmed } else { plan.pending } {
                        outbox::enqueue_signer_mail(tx, kind, id, now)?;
                    }
                    SubmitOutcome::Duplicate { existing: SignatureId(id), confirmed }
                }
                None => {
                    let id = insert_signature_row(tx, &signature, now)?;
                    insert_flags(tx, id, &signature.flags)?;
                    if let Some(kind) = plan.created {
                        outbox::enqueue_signer_mail(tx, kind, id, now)?;
                    }
                    SubmitOutcome::Created(SignatureId(id))
                }
            };
            Ok(outcome)
        })
        .await
    }

    async fn token_state(&self, token: &HashedToken, now: OffsetDateTime) -> Result<TokenState, StoreError> {
        let hash = token.0;
        self.read(move |conn| {
            let Some(link) = find_link(conn, &hash)? else { return Ok(TokenState::Unknown) };
            let (slug, seq, withdrawn_at, erased, held, leaf, withdrawal_leaf, withdrawal_due): (
                String,
                Option<i64>,
                Option<i64>,
                bool,
                bool,
                Option<i64>,
                Option<i64>,
                Option<i64>,
            ) = conn
                .prepare_cached(
                    "SELECT l.slug, s.seq, s.withdrawn_at, s.name = '', s.held,
                            (SELECT e.leaf_index FROM log_entries e WHERE e.signature_id = s.id AND e.kind = 'signature'),
                            (SELECT e.leaf_index FROM log_entries e WHERE e.signature_id = s.id AND e.kind = 'withdrawal'),
                            (SELECT e.due_at FROM log_entries e WHERE e.signature_id = s.id AND e.kind = 'withdrawal')
                     FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = ?1",
                )?
                .query_row([link.signature], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                })?;
            // The page takes the letter itself from the cache: a receipt reloads
            // every two seconds while its entry is on its way.
            let index = |i: Option<i64>| i.and_then(|i| u64::try_from(i).ok());
            let facts = LinkFacts {
                letter: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
                seq: seq.map(|n| u64::try_from(n).map_err(|_| corrupt("sequence", &n.to_string()))).transpose()?,
                withdrawn: withdrawn_at.is_some(),
                erased,
                held,
                leaf: index(leaf),
                withdrawal_leaf: index(withdrawal_leaf),
                withdrawal_due,
                expired: link.expires_at < unix(now),
            };
            let preview =
                if facts.needs_preview() { Some(signature_row(conn, link.signature)?.preview()) } else { None };
            Ok(facts.into_state(preview))
        })
        .await
    }

    async fn confirm_signature(
        &self,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<Result<ConfirmedSignature, ConfirmRefusal>, StoreError> {
        let hash = token.0;
        self.write(move |tx| {
            let Some(link) = find_link(tx, &hash)? else { return Ok(Err(ConfirmRefusal::UnknownToken)) };
            let (id, expires) = (link.signature, Some(link.expires_at));
            let (letter_id, seq, letter_status, slug, held, withdrawn_at): (
                i64,
                Option<i64>,
                String,
                String,
                bool,
                Option<i64>,
            ) = tx
                .prepare_cached(
                    "SELECT s.letter_id, s.seq, l.status, l.slug, s.held, s.withdrawn_at
                     FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = ?1",
                )?
                .query_row([id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })?;
            let letter_slug = Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?;
            if let Some(seq) = seq {
                // The link was used before: confirming twice counts once.
                return Ok(Ok(ConfirmedSignature {
                    letter_slug,
                    seq: u64::try_from(seq).map_err(|_| corrupt("sequence", &seq.to_string()))?,
                    already_confirmed: true,
                    held,
                }));
            }
            if withdrawn_at.is_some() {
                return Ok(Err(ConfirmRefusal::Withdrawn));
            }
            if expires.is_some_and(|e| e < unix(now)) {
                return Ok(Err(ConfirmRefusal::Expired));
            }
            if letter_status != LetterStatus::Published.as_str() {
                return Ok(Err(ConfirmRefusal::LetterClosed));
            }
            let seq = confirm_row(tx, id, letter_id, held, now)?;
            Ok(Ok(ConfirmedSignature { letter_slug, seq, already_confirmed: false, held }))
        })
        .await
    }

    async fn public_signatures(
        &self,
        letter: LetterId,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<PublicSignature>, StoreError> {
        let before = before_seq.map_or(i64::MAX, |s| i64::try_from(s).unwrap_or(i64::MAX));
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, name, title, affiliation, city, country, orcid, organisation, pledge, version,
                        verified_domain
                 FROM signatures
                 WHERE letter_id = ?1 AND seq < ?2 AND show_name = 1 AND withdrawn_at IS NULL AND struck_at IS NULL AND held = 0
                 ORDER BY seq DESC LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![letter.0, before, limit])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(public_signature(row)?);
            }
            Ok(out)
        })
        .await
    }

    async fn import_confirmed(&self, signatures: Vec<ImportedSignature>) -> Result<(), StoreError> {
        self.write(move |tx| {
            for imported in &signatures {
                let id = insert_signature_row(tx, &imported.signature, imported.confirmed_at)?;
                insert_flags(tx, id, &imported.signature.flags)?;
                let held = imported.signature.held;
                confirm_row(tx, id, imported.signature.letter.0, held, imported.confirmed_at)?;
            }
            Ok(())
        })
        .await
    }

    async fn search_signatures(
        &self,
        letter: LetterId,
        words: &[String],
        before_seq: Option<u64>,
        limit: u32,
        count_up_to: u64,
    ) -> Result<SearchPage, StoreError> {
        // Every word quoted and required, so no FTS syntax from the reader reaches
        // the query. Whole words when any signer matches them; only when none does
        // is the last word taken as a prefix ("ivan petr"*: the reader may still be
        // typing it). One choice per query, so the total and every page agree.
        let phrase = |w: &String| format!("\"{}\"", w.replace('"', ""));
        let whole = words.iter().map(phrase).collect::<Vec<_>>().join(" ");
        if whole.is_empty() {
            return Ok(SearchPage { rows: Vec::new(), matches: MatchCount::Exactly(0) });
        }
        // One more than the bound tells "more than" from "exactly".
        let counted = sql_index(count_up_to.max(1).saturating_add(1));
        let prefix = format!("{whole}*");
        let (first, last) = search_range(letter, None);
        let (_, page_last) = search_range(letter, before_seq);
        self.read(move |conn| {
            // The index holds exactly the shown signatures, so a match counts
            // without reading a single signature row.
            let mut count = conn.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM signature_search
                   WHERE signature_search MATCH ?1 AND rowid BETWEEN ?2 AND ?3 LIMIT ?4)",
            )?;
            let mut query = whole;
            let mut matches: i64 = count.query_row(params![query, first, last, counted], |r| r.get(0))?;
            if matches == 0 {
                query = prefix;
                matches = count.query_row(params![query, first, last, counted], |r| r.get(0))?;
            }
            let matches = u64::try_from(matches).unwrap_or(0);
            let matches = if matches > count_up_to {
                MatchCount::MoreThan(count_up_to)
            } else {
                MatchCount::Exactly(matches)
            };
            // CROSS JOIN: the index goes first, newest first, and stops after `limit`.
            let mut stmt = conn.prepare_cached(
                "SELECT s.seq, s.name, s.title, s.affiliation, s.city, s.country, s.orcid, s.organisation, s.pledge,
                        s.version, s.verified_domain
                 FROM signature_search f CROSS JOIN signatures s
                   ON s.letter_id = ?2 AND s.seq = (f.rowid & 4294967295)
                 WHERE signature_search MATCH ?1 AND f.rowid BETWEEN ?3 AND ?4
                   AND s.show_name = 1 AND s.withdrawn_at IS NULL AND s.struck_at IS NULL AND s.held = 0
                 ORDER BY f.rowid DESC LIMIT ?5",
            )?;
            let mut rows = stmt.query(params![query, letter.0, first, page_last, limit])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(public_signature(row)?);
            }
            Ok(SearchPage { rows: out, matches })
        })
        .await
    }

    async fn withdraw_signature(
        &self,
        token: &HashedToken,
        erase: bool,
        withdrawal: SaltedRecord,
        due_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Result<WithdrawOutcome, ConfirmRefusal>, StoreError> {
        let hash = token.0;
        self.write(move |tx| {
            let Some(link) = find_link(tx, &hash)? else { return Ok(Err(ConfirmRefusal::UnknownToken)) };
            let found: Option<(i64, i64, String, Option<i64>, String)> = tx
                .prepare_cached(
                    "SELECT s.id, s.letter_id, s.status, s.withdrawn_at, l.slug
                     FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = ?1",
                )?
                .query_row([link.signature], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .optional()?;
            let Some((id, letter_id, status, withdrawn_at, slug)) = found else {
                return Ok(Err(ConfirmRefusal::UnknownToken));
            };
            let letter = Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?;
            if withdrawn_at.is_some() {
                return Ok(Ok(WithdrawOutcome::AlreadyWithdrawn { letter }));
            }
            tx.execute("UPDATE signatures SET withdrawn_at = ?2 WHERE id = ?1", params![id, unix(now)])?;
            remove_from_search(tx, id)?;
            // A held signature never entered the log: there is nothing to cancel.
            let in_log = status == "confirmed" && !signature_held(tx, id)?;
            let outcome = if in_log {
                insert_entry(
                    tx,
                    letter_id,
                    EntryKind::Withdrawal,
                    Some(id),
                    &withdrawal,
                    false,
                    due_at,
                    now,
                )?;
                WithdrawOutcome::Queued { letter }
            } else {
                tx.execute("DELETE FROM mail_jobs WHERE signature_id = ?1", [id])?;
                WithdrawOutcome::DroppedUnconfirmed { letter }
            };
            if erase || status != "confirmed" {
                erase_signature(tx, id)?;
            }
            Ok(Ok(outcome))
        })
        .await
    }

    async fn purge_expired(
        &self,
        pending_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(u64, u64), StoreError> {
        self.write(move |tx| {
            let stale = "SELECT id FROM signatures WHERE status = 'pending' AND created_at < ?1";
            tx.execute(
                &format!("DELETE FROM mail_jobs WHERE signature_id IN ({stale})"),
                [unix(pending_before)],
            )?;
            tx.execute(
                &format!("DELETE FROM signature_flags WHERE signature_id IN ({stale})"),
                [unix(pending_before)],
            )?;
            let signatures = tx.execute(
                "DELETE FROM signatures WHERE status = 'pending' AND created_at < ?1",
                [unix(pending_before)],
            )?;
            let challenges = tx.execute("DELETE FROM spent_challenges WHERE expires_at < ?1", [unix(now)])?;
            Ok((signatures as u64, challenges as u64))
        })
        .await
    }
}

#[async_trait]
impl LogStore for SqliteStore {
    async fn letters_with_due_entries(&self, now: OffsetDateTime) -> Result<Vec<LogTarget>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.id, l.slug, l.log_origin FROM letters l
                 WHERE EXISTS (SELECT 1 FROM log_entries e
                               WHERE e.letter_id = l.id AND e.leaf_index IS NULL AND e.due_at <= ?1)",
            )?;
            let rows = stmt.query_map([unix(now)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })?;
            rows.map(|row| {
                let (id, slug, origin) = row?;
                Ok(LogTarget {
                    letter: LetterId(id),
                    slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
                    origin,
                })
            })
            .collect()
        })
        .await
    }

    async fn log_leaf_hashes(&self, letter: LetterId, from: u64) -> Result<Vec<[u8; 32]>, StoreError> {
        let from = sql_index(from);
        self.read(move |conn| {
            let size: i64 =
                conn.query_row("SELECT log_size FROM letters WHERE id = ?1", [letter.0], |r| r.get(0))?;
            let mut stmt = conn.prepare_cached(
                "SELECT leaf_index, leaf_hash FROM log_entries
                 WHERE letter_id = ?1 AND leaf_index >= ?3 AND leaf_index < ?2 ORDER BY leaf_index",
            )?;
            let mut rows = stmt.query(params![letter.0, size, from])?;
            let mut hashes = Vec::with_capacity(usize::try_from(size - from).unwrap_or(0));
            while let Some(row) = rows.next()? {
                let index: i64 = row.get(0)?;
                if index != from + hashes.len() as i64 {
                    let missing = from + hashes.len() as i64;
                    return Err(StoreError::Corrupt(format!("letter {} lacks leaf {missing}", letter.0)));
                }
                let hash: Vec<u8> = row.get(1)?;
                hashes.push(hash.as_slice().try_into().map_err(|_| corrupt("leaf hash", "wrong length"))?);
            }
            if from + hashes.len() as i64 != size.max(from) {
                return Err(StoreError::Corrupt(format!(
                    "letter {} has {} leaves, not {size}",
                    letter.0,
                    from + hashes.len() as i64
                )));
            }
            Ok(hashes)
        })
        .await
    }

    async fn due_entries(
        &self,
        letter: LetterId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<DueEntry>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT e.id, e.kind, e.commit_hash,
                        (SELECT s.leaf_index FROM log_entries s
                         WHERE e.kind IN ('withdrawal', 'strike') AND s.signature_id = e.signature_id AND s.kind = 'signature')
                 FROM log_entries e
                 WHERE e.letter_id = ?1 AND e.leaf_index IS NULL AND e.due_at <= ?2
                 ORDER BY e.id LIMIT ?3",
            )?;
            let mut cancelled = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM log_entries
                                WHERE letter_id = ?1 AND kind IN ('withdrawal', 'strike') AND ref_index = ?2)",
            )?;
            let mut rows = stmt.query(params![letter.0, unix(now), limit])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                let kind: String = row.get(1)?;
                let commit: Vec<u8> = row.get(2)?;
                let target: Option<i64> = row.get(3)?;
                let target_cancelled = match target {
                    Some(t) => cancelled.query_row(params![letter.0, t], |r| r.get(0))?,
                    None => false,
                };
                entries.push(DueEntry {
                    id: row.get(0)?,
                    kind: EntryKind::parse(&kind).ok_or_else(|| corrupt("entry kind", &kind))?,
                    commit: commit.as_slice().try_into().map_err(|_| corrupt("commitment", "wrong length"))?,
                    target_index: target.and_then(|t| u64::try_from(t).ok()),
                    target_cancelled,
                });
            }
            Ok(entries)
        })
        .await
    }

    async fn acquire_log_lease(
        &self,
        letter: LetterId,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Option<u64>, StoreError> {
        let holder = holder.to_owned();
        self.write(move |tx| {
            let token: Option<i64> = tx
                .prepare_cached(
                    "INSERT INTO log_leases (letter_id, holder, token, expires_at) VALUES (?1, ?2, 1, ?4)
                     ON CONFLICT (letter_id) DO UPDATE
                       SET token = CASE WHEN log_leases.holder = excluded.holder THEN log_leases.token
                                        ELSE log_leases.token + 1 END,
                           holder = excluded.holder, expires_at = excluded.expires_at
                       WHERE log_leases.holder = excluded.holder OR log_leases.expires_at <= ?3
                     RETURNING token",
                )?
                .query_row(params![letter.0, holder, unix(now), unix(until)], |r| r.get(0))
                .optional()?;
            Ok(token.map(|t| t as u64))
        })
        .await
    }

    async fn release_log_leases(&self, holder: &str) -> Result<(), StoreError> {
        let holder = holder.to_owned();
        self.write(move |tx| {
            tx.execute("UPDATE log_leases SET expires_at = 0 WHERE holder = ?1", [holder])?;
            Ok(())
        })
        .await
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
        self.write(move |tx| {
            let token: Option<i64> = tx
                .query_row("SELECT token FROM log_leases WHERE letter_id = ?1", [letter.0], |r| r.get(0))
                .optional()?;
            if token != Some(sql_index(fence)) {
                return Ok(Err(IntegrationConflict));
            }
            let size: i64 = tx.query_row("SELECT log_size FROM letters WHERE id = ?1", [letter.0], |r| r.get(0))?;
            if size != expected_size as i64 {
                return Ok(Err(IntegrationConflict));
            }
            {
                let mut update = tx.prepare_cached(
                    "UPDATE log_entries SET leaf_index = ?2, ref_index = ?3, leaf = ?4, leaf_hash = ?5
                     WHERE id = ?1 AND leaf_index IS NULL",
                )?;
                for entry in &entries {
                    let changed = update.execute(params![
                        entry.id,
                        entry.leaf_index as i64,
                        entry.ref_index.map(|r| r as i64),
                        entry.leaf,
                        &entry.leaf_hash[..],
                    ])?;
                    if changed != 1 {
                        // Rolls this write back: nothing of the batch is kept.
                        return Err(StoreError::Corrupt(format!("log entry {} was integrated twice", entry.id)));
                    }
                }
            }
            let inserted = tx.execute(
                "INSERT INTO checkpoints (letter_id, size, root, note, count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO NOTHING",
                params![letter.0, checkpoint.size as i64, &checkpoint.root[..], checkpoint.note, checkpoint.count as i64, unix(now)],
            )?;
            if inserted != 1 {
                return Err(StoreError::Corrupt(format!("a checkpoint of size {} exists already", checkpoint.size)));
            }
            tx.execute(
                "UPDATE letters SET log_size = ?2, log_count = ?3 WHERE id = ?1",
                params![letter.0, checkpoint.size as i64, checkpoint.count as i64],
            )?;
            Ok(Ok(()))
        })
        .await
    }

    async fn latest_checkpoint(&self, letter: LetterId) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.read(move |conn| {
            let row: Option<(i64, Vec<u8>, String, i64)> = conn
                .prepare_cached(
                    "SELECT size, root, note, count FROM checkpoints WHERE letter_id = ?1 ORDER BY size DESC LIMIT 1",
                )?
                .query_row([letter.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            row.map(|(size, root, note, count)| {
                Ok(StoredCheckpoint {
                    size: size as u64,
                    root: root.as_slice().try_into().map_err(|_| corrupt("root", "wrong length"))?,
                    note,
                    count: count as u64,
                })
            })
            .transpose()
        })
        .await
    }

    async fn log_health(&self) -> Result<Vec<LetterLogHealth>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.slug,
                            (SELECT min(e.due_at) FROM log_entries e WHERE e.letter_id = l.id AND e.leaf_index IS NULL),
                            (SELECT c.created_at FROM checkpoints c WHERE c.letter_id = l.id ORDER BY c.size DESC LIMIT 1)
                     FROM letters l ORDER BY l.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, Option<i64>>(2)?))
            })?;
            rows.map(|row| {
                let (slug, oldest_due, checkpoint_at) = row?;
                Ok(LetterLogHealth {
                    slug: Slug::parse(&slug).map_err(|_| corrupt("letter slug", &slug))?,
                    oldest_due: oldest_due.map(from_unix).transpose()?,
                    last_checkpoint_at: checkpoint_at.map(from_unix).transpose()?,
                })
            })
            .collect()
        })
        .await
    }

    async fn entry_kinds(&self, letter: LetterId, size: u64) -> Result<EntryKinds, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, count(*) FROM log_entries
                 WHERE letter_id = ?1 AND kind != 'signature' AND leaf_index IS NOT NULL AND leaf_index < ?2
                 GROUP BY kind",
            )?;
            let mut kinds = EntryKinds::default();
            let mut rows = stmt.query(params![letter.0, sql_index(size)])?;
            while let Some(row) = rows.next()? {
                let n = u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0);
                match row.get::<_, String>(0)?.as_str() {
                    "text" => kinds.texts = n,
                    "withdrawal" => kinds.withdrawals = n,
                    "strike" => kinds.strikes = n,
                    other => return Err(corrupt("entry kind", other)),
                }
            }
            kinds.signatures = size.saturating_sub(kinds.texts + kinds.withdrawals + kinds.strikes);
            Ok(kinds)
        })
        .await
    }

    async fn log_leaves(&self, letter: LetterId, from: u64, to: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT leaf FROM log_entries
                 WHERE letter_id = ?1 AND leaf_index >= ?2 AND leaf_index < ?3 ORDER BY leaf_index",
            )?;
            let leaves = stmt
                .query_map(params![letter.0, sql_index(from), sql_index(to)], |r| r.get::<_, Vec<u8>>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(leaves)
        })
        .await
    }

    async fn log_records(
        &self,
        letter: LetterId,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, RecordState)>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT leaf_index, salt, record, withheld FROM log_entries
                 WHERE letter_id = ?1 AND leaf_index >= ?2 AND leaf_index < ?3 ORDER BY leaf_index",
            )?;
            let mut rows = stmt.query(params![letter.0, sql_index(from), sql_index(to)])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let index: i64 = row.get(0)?;
                let salt: Option<Vec<u8>> = row.get(1)?;
                let record: Option<String> = row.get(2)?;
                let withheld: bool = row.get(3)?;
                let state = match (salt, record) {
                    (Some(_), Some(_)) if withheld => RecordState::Withheld,
                    (Some(salt), Some(record)) => RecordState::Shown {
                        salt: salt.as_slice().try_into().map_err(|_| corrupt("salt", "wrong length"))?,
                        record,
                    },
                    _ => RecordState::Erased,
                };
                out.push((index as u64, state));
            }
            Ok(out)
        })
        .await
    }
}

#[async_trait]
impl AbuseStore for SqliteStore {
    async fn add_to_watch_list(&self, letter: LetterId, name_key: &str) -> Result<bool, StoreError> {
        let name_key = name_key.to_owned();
        self.write(move |conn| {
            let added = conn.execute(
                "INSERT INTO watch_list (letter_id, name_key) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![letter.0, name_key],
            )?;
            Ok(added == 1)
        })
        .await
    }

    async fn create_api_token(
        &self,
        name: &str,
        token: &HashedToken,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let (name, hash) = (name.to_owned(), token.0);
        self.write(move |conn| {
            let added = conn.execute(
                "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![name, &hash[..], unix(now)],
            )?;
            Ok(added == 1)
        })
        .await
    }

    async fn api_token_exists(&self, token: &HashedToken) -> Result<bool, StoreError> {
        let hash = token.0;
        self.read(move |conn| {
            let stored: Option<Vec<u8>> = conn
                .prepare_cached("SELECT token_hash FROM api_tokens WHERE token_hash = ?1")?
                .query_row([&hash[..]], |r| r.get(0))
                .optional()?;
            Ok(stored.is_some_and(|stored| HashedToken(hash).matches(&stored)))
        })
        .await
    }

    async fn signature_flags(&self, letter: LetterId) -> Result<Vec<SignatureFlag>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT f.signature_id, f.kind, f.other_id FROM signature_flags f
                 JOIN signatures s ON s.id = f.signature_id WHERE s.letter_id = ?1 ORDER BY f.signature_id, f.kind",
            )?;
            let rows = stmt.query_map([letter.0], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?))
            })?;
            rows.map(|row| {
                let (id, kind, other) = row?;
                Ok(SignatureFlag {
                    signature: SignatureId(id),
                    kind: FlagKind::parse(&kind).ok_or_else(|| corrupt("flag", &kind))?,
                    other: other.map(SignatureId),
                })
            })
            .collect()
        })
        .await
    }
}

#[async_trait]
impl InstanceStore for SqliteStore {
    async fn check_key_fingerprints(
        &self,
        keys: Vec<(String, [u8; 32])>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        self.write(move |tx| {
            let mut differing = Vec::new();
            for (name, fingerprint) in &keys {
                tx.execute(
                    "INSERT INTO instance_keys (name, fingerprint, recorded_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    params![name, &fingerprint[..], unix(now)],
                )?;
                let recorded: Vec<u8> =
                    tx.query_row("SELECT fingerprint FROM instance_keys WHERE name = ?1", [name], |r| {
                        r.get(0)
                    })?;
                if recorded != fingerprint {
                    differing.push(name.clone());
                }
            }
            Ok(differing)
        })
        .await
    }

    async fn probe_write(&self, node: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let node = node.to_owned();
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM node_probes WHERE seen_at < ?2 - 86400 AND node != ?1")?
                .execute(params![node, unix(now)])?;
            tx.prepare_cached(
                "INSERT INTO node_probes (node, seen_at) VALUES (?1, ?2)
                 ON CONFLICT (node) DO UPDATE SET seen_at = excluded.seen_at",
            )?
            .execute(params![node, unix(now)])?;
            Ok(())
        })
        .await
    }
}

/// Deletes a signature's personal data and its record's salt; its leaf stays.
/// The lookup hash is replaced by random bytes and the duplicate keys (canonical
/// address, folded name) are cleared: the person can no longer be matched either.
fn erase_signature(tx: &Connection, signature: i64) -> Result<(), StoreError> {
    let mut random_lookup = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random_lookup);
    tx.execute(
        "UPDATE signatures SET email_sealed = NULL, email_lookup = ?2, name = '', title = NULL, affiliation = NULL,
             city = NULL, country = NULL, orcid = NULL, pledge = NULL, email_canonical_lookup = NULL, name_key = ''
         WHERE id = ?1",
        params![signature, &random_lookup[..]],
    )?;
    tx.execute(
        "UPDATE log_entries SET salt = NULL, record = NULL WHERE signature_id = ?1 AND kind = 'signature'",
        [signature],
    )?;
    Ok(())
}

/// A confirmation link, found by its hash.
struct Link {
    signature: i64,
    expires_at: i64,
}

/// The link with this hash, if one was sent. The primary key finds it; the hash
/// is compared again in constant time, as every token comparison is.
fn find_link(conn: &Connection, hash: &[u8; 32]) -> Result<Option<Link>, StoreError> {
    let found: Option<(Vec<u8>, i64, i64)> = conn
        .prepare_cached(
            "SELECT token_hash, signature_id, expires_at FROM confirmation_links WHERE token_hash = ?1",
        )?
        .query_row([&hash[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(found
        .filter(|(stored, _, _)| HashedToken(*hash).matches(stored))
        .map(|(_, signature, expires_at)| Link { signature, expires_at }))
}

/// The search index's key of a signature: its letter and confirmation number in
/// one rowid (migration 0013), so a letter's matches are one range in list order.
fn search_key(letter: i64, seq: i64) -> i64 {
    (letter << 32) | seq
}

/// The first and last search keys of a letter's signatures numbered below
/// `before_seq` (all of them without it).
fn search_range(letter: LetterId, before_seq: Option<u64>) -> (i64, i64) {
    let below = before_seq.map_or(1 << 32, |b| b.min(1 << 32) as i64);
    (search_key(letter.0, 0), search_key(letter.0, 0) + below - 1)
}

/// Puts a confirmed, shown signature into the signer search.
pub(crate) fn add_to_search(tx: &Connection, signature: i64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO signature_search (rowid, name, affiliation, city)
         SELECT (letter_id << 32) | seq, name, coalesce(affiliation, ''), coalesce(city, '') FROM signatures
         WHERE id = ?1 AND show_name = 1 AND seq IS NOT NULL",
    )?
    .execute([signature])?;
    Ok(())
}

/// Takes a signature out of the signer search (withdrawn, struck).
pub(crate) fn remove_from_search(tx: &Connection, signature: i64) -> Result<(), StoreError> {
    let key: Option<(i64, Option<i64>)> = tx
        .prepare_cached("SELECT letter_id, seq FROM signatures WHERE id = ?1")?
        .query_row([signature], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((letter, Some(seq))) = key {
        tx.prepare_cached("DELETE FROM signature_search WHERE rowid = ?1")?
            .execute([search_key(letter, seq)])?;
    }
    Ok(())
}

/// A leaf index or tree size as SQLite's integer. Saturates instead of wrapping, so
/// a huge bound selects nothing rather than everything.
fn sql_index(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written before organisers existed (migrations 1–5) opens,
    /// migrates, and keeps its letters, signatures and queued mail.
    #[tokio::test]
    async fn a_database_from_before_the_organiser_migrations_upgrades_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            for (i, sql) in MIGRATIONS.iter().take(5).enumerate() {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", i + 1).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO letters (slug, title, addressee, community, language, body, organisations, status,
                     published_at, wrapped_key, log_origin)
                 VALUES ('old-letter', 'Old', 'To the court', 'teachers', 'en', 'We ask.', 0, 'published', 0, x'00', 'o');
                 INSERT INTO signatures (letter_id, email_lookup, email_sealed, name, organisation, show_name, language,
                     status, created_at, confirmed_at, seq)
                 VALUES (1, x'01', x'02', 'Anna', 0, 1, 'en', 'confirmed', 0, 0, 1);
                 INSERT INTO outbox (kind, signature_id, next_attempt_at, created_at) VALUES ('already_signed', 1, 0, 0);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let letter = store.letter(&Slug::parse("old-letter").unwrap()).await.unwrap().expect("kept");
        assert_eq!(letter.version, 1);
        assert!(letter.translations.is_empty());
        assert_eq!(letter.form, FormSettings::default(), "organisations stay allowed, every field optional");
        let texts = crate::storage::texts::TextStore::letter_texts(&store, letter.id).await.unwrap();
        assert_eq!(texts.len(), 1, "the published text became version 1");
        assert_eq!(texts[0].body, "We ask.");
        let signatures = store.public_signatures(letter.id, None, 10).await.unwrap();
        assert_eq!(signatures[0].version, 1);
        let queued: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM mail_jobs", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(queued, 1, "the rebuilt outbox kept its job");
        let version: usize =
            store.read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(version, MIGRATIONS.len());
    }

    /// The audit log is append-only in the database itself: even a hand-written
    /// UPDATE or DELETE beside the service fails.
    #[tokio::test]
    async fn the_audit_log_cannot_be_rewritten_even_in_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let store = SqliteStore::open(&path).unwrap();
        store
            .write(|tx| {
                tx.execute("INSERT INTO audit_log (at, action, detail) VALUES (0, 'letter_closed', '')", [])?;
                Ok(())
            })
            .await
            .unwrap();
        let db = Connection::open(&path).unwrap();
        let update = db.execute("UPDATE audit_log SET action = 'nothing'", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        assert!(db.execute("DELETE FROM audit_log", []).is_err());
        let rows: i64 = db.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_commit_together_and_a_failing_one_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap();
        let mut tasks = Vec::new();
        for i in 0..300 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .write(move |conn| {
                        conn.execute(
                            "INSERT INTO campaigns (slug, title, summary, created_at) VALUES (?1, 't', 's', 0)",
                            [format!("campaign-{i}")],
                        )?;
                        if i % 10 == 0 {
                            return Err(StoreError::Corrupt("this write fails after writing".into()));
                        }
                        Ok(i)
                    })
                    .await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 270);
        let stored: i64 = store
            .read(|conn| Ok(conn.query_row("SELECT count(*) FROM campaigns", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(stored, 270, "the failed writes left nothing behind, the others all committed");
    }
}
