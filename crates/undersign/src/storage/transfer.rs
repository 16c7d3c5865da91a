//! Copying a SQLite instance into an empty PostgreSQL database
//! (`undersign migrate`).
//!
//! The two schemas hold the same tables and columns (a conformance test keeps
//! them so), so the copy is generic: for every PostgreSQL table, parents before
//! children, the rows are read from one SQLite snapshot and written with a
//! binary `COPY`, all in one PostgreSQL transaction. An interruption before the
//! commit leaves the target as empty as it was. Rows travel in small batches
//! through a bounded channel, so memory stays flat whatever the instance's size.
//! Afterwards every letter's latest checkpoint and counts are read through both
//! stores and must be identical.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use bytes::BytesMut;
use rusqlite::types::Value;
use tokio::sync::mpsc;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::postgres::PostgresStore;
use super::{LetterStore, LogStore, SqliteStore, StoredCheckpoint};

/// Rows per message from the SQLite reader; with `IN_FLIGHT` messages queued
/// this bounds the rows held in memory.
const BATCH_ROWS: usize = 1_000;
const IN_FLIGHT: usize = 4;

/// PostgreSQL's own bookkeeping, not copied: its migration counter.
const NOT_COPIED: &[&str] = &["undersign_schema"];
/// Columns PostgreSQL derives from others; rebuilt after the copy.
const DERIVED: &[(&str, &str)] = &[("signatures", "search")];

/// What the copy reports as it goes, for a progress bar or plain lines.
pub trait TransferProgress: Send {
    /// A table starts; `rows` is how many the snapshot holds.
    fn table_started(&mut self, table: &str, rows: u64);
    /// `rows` more rows of the current table were written.
    fn rows_copied(&mut self, rows: u64);
    fn table_finished(&mut self, table: &str, rows: u64);
    /// A step that is not a table (checking the target, rebuilding the search…).
    fn step(&mut self, message: &str);
}

/// One letter as both databases show it after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterAfterCopy {
    pub slug: String,
    pub checkpoint: Option<(u64, [u8; 32], u64)>,
    /// Counted, added but not yet checkpointed, withdrawals pending, withheld.
    pub counts: [u64; 4],
}

impl LetterAfterCopy {
    /// The root as checkpoints and `verify` print it.
    pub fn root_base64(&self) -> Option<String> {
        use base64::Engine;
        self.checkpoint.map(|(_, root, _)| base64::engine::general_purpose::STANDARD.encode(root))
    }
}

/// What was copied, and the letters as compared.
#[derive(Debug)]
pub struct TransferReport {
    pub tables: Vec<(String, u64)>,
    pub letters: Vec<LetterAfterCopy>,
}

/// Copies the SQLite database at `sqlite_path` into the PostgreSQL database at
/// `postgres_url`, which must hold no undersign data yet. Fails, naming what
/// differs, if any letter's checkpoint or counts differ after the copy.
pub async fn copy_sqlite_to_postgres(
    sqlite_path: &Path,
    postgres_url: &str,
    progress: &mut dyn TransferProgress,
) -> anyhow::Result<TransferReport> {
    if !sqlite_path.is_file() {
        bail!("there is no SQLite database at {}", sqlite_path.display());
    }
    progress.step("bringing the SQLite database's schema up to date");
    let source = SqliteStore::open(sqlite_path)
        .with_context(|| format!("opening the SQLite database {}", sqlite_path.display()))?;
    progress.step("preparing the PostgreSQL database");
    let target = PostgresStore::connect(postgres_url).await.context("opening the PostgreSQL database")?;
    let mut client = target.client().await?;

    let tables = target_tables(&client).await?;
    let not_empty = tables_with_rows(&client, &tables).await?;
    if !not_empty.is_empty() {
        bail!(
            "the PostgreSQL database is not empty ({} already hold rows); migrate copies into an empty \
             database only: drop it, create it again (dropdb, createdb) and run migrate again",
            not_empty.join(", ")
        );
    }

    let plan = copy_plan(sqlite_path, &tables)?;
    let tx = client.transaction().await?;
    let (sender, mut batches) = mpsc::channel::<Batch>(IN_FLIGHT);
    let reader = {
        let path = sqlite_path.to_owned();
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || read_snapshot(&path, &plan, &sender))
    };
    let mut copied = Vec::new();
    for table in &plan {
        let rows = match batches.recv().await {
            Some(Batch::Start { rows }) => rows,
            _ => break, // the reader failed: its error is reported below
        };
        progress.table_started(&table.name, rows);
        let statement = format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            table.name,
            table.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        );
        let sink = tx.copy_in(&statement).await?;
        let types: Vec<Type> = table.columns.iter().map(|c| c.kind.clone()).collect();
        let writer = BinaryCopyInWriter::new(sink, &types);
        let mut writer = std::pin::pin!(writer);
        let mut written = 0u64;
        while let Some(Batch::Rows(rows)) = batches.recv().await {
            let count = rows.len() as u64;
            for row in rows {
                let values = table.convert(row)?;
                let refs: Vec<&(dyn ToSql + Sync)> =
                    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                writer.as_mut().write(&refs).await.with_context(|| format!("copying {}", table.name))?;
            }
            written += count;
            progress.rows_copied(count);
        }
        writer.finish().await.with_context(|| format!("copying {}", table.name))?;
        progress.table_finished(&table.name, written);
        copied.push((table.name.clone(), written, rows));
    }
    let search_ids = match batches.recv().await {
        Some(Batch::SearchIds(ids)) => ids,
        _ => Vec::new(),
    };
    reader.await.context("the SQLite reader stopped")??;
    for (name, written, expected) in &copied {
        if written != expected {
            bail!("{name}: {written} rows copied of {expected}");
        }
    }

    progress.step("rebuilding the signer search");
    // SQLite keys its search by (letter << 32) | seq; see `sqlite::search_key`.
    let searchable = tx
        .execute(
            "UPDATE signatures s
             SET search = to_tsvector('simple', undersign_fold(
                 s.name || ' ' || coalesce(s.affiliation, '') || ' ' || coalesce(s.city, '')))
             FROM unnest($1::BIGINT[]) AS k (key)
             WHERE s.letter_id = k.key >> 32 AND s.seq = k.key & 4294967295",
            &[&search_ids],
        )
        .await?;
    if searchable != search_ids.len() as u64 {
        bail!(
            "the signer search holds {} entries, of which {searchable} match a signature",
            search_ids.len()
        );
    }
    progress.step("moving the id counters past the copied rows");
    for table in &plan {
        for column in table.columns.iter().filter(|c| c.identity) {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', '{1}'), coalesce(max({1}), 0) + 1, false) FROM {0}",
                    table.name, column.name
                ),
                &[],
            )
            .await?;
        }
    }
    tx.commit().await.context("committing the copy")?;
    // Fresh tables have no statistics: without them the planner picks poor
    // plans (a signer list scanning a million rows) until autovacuum runs.
    progress.step("gathering the planner's statistics (ANALYZE)");
    client.batch_execute("ANALYZE").await.context("analyzing the copied tables")?;
    drop(client);

    progress.step("comparing every letter's checkpoint and counts");
    let before = letters_after_copy(&source).await?;
    let after = letters_after_copy(&target).await?;
    if before != after {
        let differing: Vec<_> = before
            .iter()
            .filter(|letter| !after.contains(letter))
            .map(|letter| letter.slug.clone())
            .collect();
        bail!("after the copy the databases differ on these letters: {}", differing.join(", "));
    }
    Ok(TransferReport {
        tables: copied.into_iter().map(|(name, written, _)| (name, written)).collect(),
        letters: before,
    })
}

async fn letters_after_copy<S: LetterStore + LogStore>(store: &S) -> anyhow::Result<Vec<LetterAfterCopy>> {
    let mut letters = Vec::new();
    for letter in store.letters().await? {
        let checkpoint = store
            .latest_checkpoint(letter.id)
            .await?
            .map(|StoredCheckpoint { size, root, count, .. }| (size, root, count));
        letters.push(LetterAfterCopy {
            slug: letter.slug.to_string(),
            checkpoint,
            counts: [letter.count, letter.being_added, letter.withdrawals_pending, letter.withheld_count],
        });
    }
    letters.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(letters)
}

/// A column as PostgreSQL declares it.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Type,
    identity: bool,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
}

impl Table {
    fn convert(&self, row: Vec<Value>) -> anyhow::Result<Vec<PgValue>> {
        row.into_iter()
            .zip(&self.columns)
            .map(|(value, column)| {
                PgValue::from_sqlite(value, &column.kind).map_err(|found| {
                    anyhow!(
                        "{}.{}: SQLite holds {found} where PostgreSQL expects {}",
                        self.name,
                        column.name,
                        column.kind
                    )
                })
            })
            .collect()
    }
}

/// The target's tables with their copied columns, parents before children (so
/// every foreign key finds its row).
async fn target_tables(client: &tokio_postgres::Client) -> anyhow::Result<Vec<Table>> {
    let mut tables: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in client
        .query(
            "SELECT c.table_name::text, c.column_name::text, t.oid, c.is_identity = 'YES'
             FROM information_schema.columns c
             JOIN pg_type t ON t.typname = c.udt_name
             JOIN information_schema.tables tb
               ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'
             ORDER BY c.table_name, c.ordinal_position",
            &[],
        )
        .await?
    {
        let table: String = row.get(0);
        let column: String = row.get(1);
        if NOT_COPIED.contains(&table.as_str()) || DERIVED.contains(&(table.as_str(), column.as_str())) {
            continue;
        }
        let oid: u32 = row.get(2);
        let kind =
            Type::from_oid(oid).ok_or_else(|| anyhow!("{table}.{column}: unknown column type {oid}"))?;
        tables.entry(table).or_default().push(Column { name: column, kind, identity: row.get(3) });
    }
    let mut parents: BTreeMap<String, BTreeSet<String>> =
        tables.keys().map(|name| (name.clone(), BTreeSet::new())).collect();
    for row in client
        .query(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
             WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
            &[],
        )
        .await?
    {
        let (child, parent): (String, String) = (row.get(0), row.get(1));
        if child != parent {
            parents.entry(child).or_default().insert(parent);
        }
    }
    // Kahn's order over the foreign keys; the names keep it deterministic.
    let mut ordered = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, waiting_for)| waiting_for.is_empty())
            .map(|(name, _)| name.clone())
            .collect();
        if ready.is_empty() {
            bail!("the foreign keys among {:?} form a cycle", parents.keys().collect::<Vec<_>>());
        }
        for name in ready {
            parents.remove(&name);
            for waiting_for in parents.values_mut() {
                waiting_for.remove(&name);
            }
            if let Some(columns) = tables.remove(&name) {
                ordered.push(Table { name, columns });
            }
        }
    }
    Ok(ordered)
}

async fn tables_with_rows(client: &tokio_postgres::Client, tables: &[Table]) -> anyhow::Result<Vec<String>> {
    let mut not_empty = Vec::new();
    for table in tables {
        let any: bool =
            client.query_one(&format!("SELECT EXISTS (SELECT 1 FROM {})", table.name), &[]).await?.get(0);
        if any {
            not_empty.push(table.name.clone());
        }
    }
    Ok(not_empty)
}

/// Checks that SQLite has every column the target copies (the schemas are kept
/// equal, but a source from a newer or odd build must fail before copying).
fn copy_plan(sqlite_path: &Path, tables: &[Table]) -> anyhow::Result<Vec<Table>> {
    let conn =
        rusqlite::Connection::open_with_flags(sqlite_path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    for table in tables {
        let present: BTreeSet<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")?
            .query_map([&table.name], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let missing: Vec<&str> =
            table.columns.iter().map(|c| c.name.as_str()).filter(|c| !present.contains(*c)).collect();
        if !missing.is_empty() {
            bail!("the SQLite table {} lacks the columns {}", table.name, missing.join(", "));
        }
    }
    Ok(tables.to_vec())
}

enum Batch {
    Start { rows: u64 },
    Rows(Vec<Vec<Value>>),
    End,
    SearchIds(Vec<i64>),
}

/// Reads every table of `plan` in one read transaction (one consistent
/// snapshot even if a server still writes), then the ids in the signer search.
fn read_snapshot(path: &Path, plan: &[Table], out: &mpsc::Sender<Batch>) -> anyhow::Result<()> {
    let mut conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let tx = conn.transaction()?;
    let send = |batch| out.blocking_send(batch).map_err(|_| anyhow!("the copy stopped"));
    for table in plan {
        let rows: i64 = tx.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| r.get(0))?;
        send(Batch::Start { rows: u64::try_from(rows)? })?;
        let columns = table.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        let mut statement = tx.prepare(&format!("SELECT {columns} FROM {}", table.name))?;
        let mut rows = statement.query([])?;
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        while let Some(row) = rows.next()? {
            batch.push((0..table.columns.len()).map(|i| row.get::<_, Value>(i)).collect::<Result<_, _>>()?);
            if batch.len() == BATCH_ROWS {
                send(Batch::Rows(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS))))?;
            }
        }
        if !batch.is_empty() {
            send(Batch::Rows(batch))?;
        }
        send(Batch::End)?;
    }
    // Search keys, not signature ids; bounded by the shown signatures, 8 bytes each.
    let ids = tx
        .prepare("SELECT rowid FROM signature_search")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    send(Batch::SearchIds(ids))?;
    Ok(())
}

/// A SQLite value typed as its PostgreSQL column wants it (SQLite's integers
/// become booleans or 32-bit integers where PostgreSQL declares those).
#[derive(Debug)]
enum PgValue {
    Null,
    Bool(bool),
    Int4(i32),
    Int8(i64),
    Float8(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl PgValue {
    /// `Err` names what SQLite held instead.
    fn from_sqlite(value: Value, kind: &Type) -> Result<Self, String> {
        Ok(match (value, kind) {
            (Value::Null, _) => PgValue::Null,
            (Value::Integer(n), &Type::INT8) => PgValue::Int8(n),
            (Value::Integer(n), &Type::INT4) => {
                PgValue::Int4(i32::try_from(n).map_err(|_| format!("the integer {n}"))?)
            }
            (Value::Integer(n @ (0 | 1)), &Type::BOOL) => PgValue::Bool(n == 1),
            (Value::Integer(n), &Type::FLOAT8) => PgValue::Float8(n as f64),
            (Value::Real(x), &Type::FLOAT8) => PgValue::Float8(x),
            (Value::Text(text), &Type::TEXT) => PgValue::Text(text),
            (Value::Blob(bytes), &Type::BYTEA) => PgValue::Bytes(bytes),
            (Value::Integer(n), _) => return Err(format!("the integer {n}")),
            (Value::Real(_), _) => return Err("a real number".into()),
            (Value::Text(_), _) => return Err("text".into()),
            (Value::Blob(_), _) => return Err("bytes".into()),
        })
    }
}

impl ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            PgValue::Null => Ok(IsNull::Yes),
            PgValue::Bool(v) => v.to_sql(ty, out),
            PgValue::Int4(v) => v.to_sql(ty, out),
            PgValue::Int8(v) => v.to_sql(ty, out),
            PgValue::Float8(v) => v.to_sql(ty, out),
            PgValue::Text(v) => v.to_sql(ty, out),
            PgValue::Bytes(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // `from_sqlite` chose the variant from the column's type.
        true
    }

    to_sql_checked!();
}
