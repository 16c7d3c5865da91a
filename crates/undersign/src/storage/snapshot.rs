//! Consistent copies of a running instance's database, for `undersign
//! backup`: each copy comes with every letter's latest checkpoint as it stood
//! in that same snapshot, so a restore can be checked against it.
//!
//! - SQLite: the online backup API, page by page (a progress bar can follow),
//!   from inside one read transaction, so the copy is one snapshot however
//!   much is written meanwhile.
//! - PostgreSQL: `pg_dump` in the custom format, given the snapshot of a
//!   repeatable-read transaction (`pg_export_snapshot`) in which the
//!   checkpoints are read.

use std::path::Path;

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags};

use super::postgres::PostgresStore;
use super::{LetterStore, LogStore, StoredCheckpoint};
use crate::domain::Slug;

/// Each letter's latest checkpoint (none before its first).
pub type LogStates = Vec<(Slug, Option<StoredCheckpoint>)>;

/// The same query on both engines: each letter's checkpoint of the largest size.
const LATEST_CHECKPOINTS: &str = "SELECT l.slug, c.size, c.root, c.note, c.count FROM letters l
     LEFT JOIN checkpoints c ON c.letter_id = l.id
         AND c.size = (SELECT max(size) FROM checkpoints WHERE letter_id = l.id)
     ORDER BY l.id";

/// Pages copied per step: 4 MiB at SQLite's default page size.
const PAGES_PER_STEP: i32 = 1024;

/// Copies the SQLite database at `source` (a server may be writing to it)
/// into a new file `target`; `progress(done, total)` counts pages.
pub fn copy_sqlite(
    source: &Path,
    target: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<LogStates> {
    use rusqlite::backup::{Backup, StepResult};
    if !source.is_file() {
        bail!("there is no SQLite database at {}", source.display());
    }
    let source_conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("opening {}", source.display()))?;
    source_conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // One read transaction for the checkpoints and every page: the backup
    // steps use it rather than a fresh one each, so the copy is this snapshot.
    source_conn.execute_batch("BEGIN")?;
    let states = sqlite_states(&source_conn)?;
    // The copy holds sealed addresses: private from its first byte.
    crate::private_files::touch_private_file(target)
        .with_context(|| format!("creating {}", target.display()))?;
    let mut target_conn =
        Connection::open(target).with_context(|| format!("opening {}", target.display()))?;
    {
        let backup = Backup::new(&source_conn, &mut target_conn)?;
        loop {
            match backup.step(PAGES_PER_STEP)? {
                StepResult::Done => break,
                StepResult::More => {}
                // Another connection holds a lock for a moment: wait, go on.
                StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                _ => {}
            }
            let at = backup.progress();
            progress((at.pagecount - at.remaining) as u64, at.pagecount as u64);
        }
        let at = backup.progress();
        progress(at.pagecount as u64, at.pagecount as u64);
    }
    source_conn.execute_batch("COMMIT")?;
    // The copy is one file: no write-ahead log beside it.
    target_conn.pragma_update(None, "journal_mode", "DELETE")?;
    let check: String = target_conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        bail!("the copy failed SQLite's own check: {check}");
    }
    Ok(states)
}

fn sqlite_states(conn: &Connection) -> anyhow::Result<LogStates> {
    let mut statement = conn.prepare(LATEST_CHECKPOINTS)?;
    let rows = statement.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, Option<Vec<u8>>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (slug, size, root, note, count) = row?;
        state(slug, size, root, note, count)
    })
    .collect()
}

fn state(
    slug: String,
    size: Option<i64>,
    root: Option<Vec<u8>>,
    note: Option<String>,
    count: Option<i64>,
) -> anyhow::Result<(Slug, Option<StoredCheckpoint>)> {
    let slug = Slug::parse(&slug).map_err(|_| anyhow::anyhow!("an unreadable letter slug {slug:?}"))?;
    let checkpoint = match (size, root, note, count) {
        (Some(size), Some(root), Some(note), Some(count)) => Some(StoredCheckpoint {
            size: u64::try_from(size)?,
            root: root.as_slice().try_into().context("a checkpoint root of the wrong length")?,
            note,
            count: u64::try_from(count)?,
        }),
        _ => None,
    };
    Ok((slug, checkpoint))
}

/// Dumps the PostgreSQL database at `url` with `pg_dump` into `target` (the
/// custom format, for `pg_restore`).
pub async fn dump_postgres(url: &str, target: &Path) -> anyhow::Result<LogStates> {
    let pg_dump = find_tool("pg_dump")?;
    let store = PostgresStore::connect(url).await.context("opening the PostgreSQL database")?;
    let mut client = store.client().await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let snapshot: String = tx.query_one("SELECT pg_export_snapshot()", &[]).await?.get(0);
    let mut states = Vec::new();
    for row in tx.query(LATEST_CHECKPOINTS, &[]).await? {
        states.push(state(
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
        )?);
    }
    let output = tokio::process::Command::new(pg_dump)
        .args(["--format=custom", "--no-owner", "--no-privileges", "--snapshot", &snapshot, "--file"])
        .arg(target)
        .arg(format!("--dbname={url}"))
        .output()
        .await
        .context("running pg_dump")?;
    tx.commit().await?;
    if !output.status.success() {
        bail!("pg_dump failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(states)
}

/// Restores a `pg_dump` file into the PostgreSQL database at `url`, which
/// must hold no tables yet.
pub async fn restore_postgres(dump: &Path, url: &str) -> anyhow::Result<()> {
    let pg_restore = find_tool("pg_restore")?;
    let tables =
        super::postgres::table_count(url).await.context("connecting to the database to restore into")?;
    if tables > 0 {
        bail!(
            "the PostgreSQL database already holds {tables} tables; restore into an empty database (dropdb, createdb)"
        );
    }
    let output = tokio::process::Command::new(pg_restore)
        .args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"])
        .arg(format!("--dbname={url}"))
        .arg(dump)
        .output()
        .await
        .context("running pg_restore")?;
    if !output.status.success() {
        bail!("pg_restore failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}

/// Each letter's latest checkpoint as a store shows it (after a restore).
pub async fn log_states(store: &(impl LetterStore + LogStore + ?Sized)) -> anyhow::Result<LogStates> {
    let mut states = Vec::new();
    for letter in store.letters().await? {
        let checkpoint = store.latest_checkpoint(letter.id).await?;
        states.push((letter.slug, checkpoint));
    }
    Ok(states)
}

/// A PostgreSQL client tool on the `PATH`, or what to install.
fn find_tool(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    found.with_context(|| {
        format!(
            "{name} is not installed: install PostgreSQL's client tools (Debian: apt-get install \
             postgresql-client) in the server's major version or later"
        )
    })
}
