//! `undersign backup` and `undersign restore`: a folder holding a consistent
//! copy of the database, the two key files, and a manifest naming each file's
//! SHA-256 and every letter's latest checkpoint (size, root, count). A restore
//! checks the files against the manifest before using them, and the restored
//! letters' checkpoints against it after.
//!
//! Encryption is optional, to an `age` public key, by the `age` program
//! (Debian: `apt-get install age`): each file but the manifest is written as
//! `NAME.age`. The manifest holds only what every letter publishes anyway.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::config::{Config, Database};
use crate::storage::snapshot::{self, LogStates};

pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "undersign-backup/1";
const SQLITE_FILE: &str = "undersign.sqlite3";
const POSTGRES_FILE: &str = "database.pgdump";
/// The key files, under `keys/` in the data folder and in the backup.
const KEY_FILES: [&str; 2] = ["instance.key", "log.key"];

/// What a backup holds, written last (a folder without it is incomplete).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    /// `sqlite` or `postgres`: which restore the database file needs.
    pub engine: String,
    /// The `age` recipient the files were encrypted to, if they were.
    pub encrypted_to: Option<String>,
    pub files: Vec<FileEntry>,
    pub letters: Vec<LetterEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the backup folder, as stored (with `.age` when encrypted).
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A letter's log as it stood in the backup's snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LetterEntry {
    pub slug: String,
    /// The latest checkpoint's tree size (0: none yet).
    pub log_size: u64,
    /// Its root hash, base64 as checkpoints print it (empty: none yet).
    pub root: String,
    pub count: u64,
}

fn letter_entries(states: &LogStates) -> Vec<LetterEntry> {
    states
        .iter()
        .map(|(slug, checkpoint)| LetterEntry {
            slug: slug.to_string(),
            log_size: checkpoint.as_ref().map_or(0, |c| c.size),
            root: checkpoint
                .as_ref()
                .map(|c| base64::engine::general_purpose::STANDARD.encode(c.root))
                .unwrap_or_default(),
            count: checkpoint.as_ref().map_or(0, |c| c.count),
        })
        .collect()
}

/// Makes a backup of the instance `config` describes into `destination`, a
/// new or empty folder. `progress(done, total)` follows the SQLite copy.
pub async fn backup(
    config: &Config,
    destination: &Path,
    recipient: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<Manifest> {
    prepare_destination(destination)?;
    if let Some(recipient) = recipient
        && !recipient.starts_with("age1")
    {
        bail!("--encrypt-to takes an age public key (age1…), as age-keygen prints it");
    }
    let (engine, database_file, states) = match &config.database {
        Database::Sqlite => {
            let target = destination.join(SQLITE_FILE);
            let states = snapshot::copy_sqlite(&config.database_path(), &target, progress)?;
            ("sqlite", SQLITE_FILE, states)
        }
        Database::Postgres(url) => {
            let target = destination.join(POSTGRES_FILE);
            ("postgres", POSTGRES_FILE, snapshot::dump_postgres(url, &target).await?)
        }
    };
    crate::private_files::ensure_private_dir(&destination.join("keys"))?;
    let mut plain = vec![database_file.to_owned()];
    for key in KEY_FILES {
        let from = config.keys_dir().join(key);
        let bytes =
            std::fs::read(&from).with_context(|| format!("reading the key file {}", from.display()))?;
        let name = format!("keys/{key}");
        crate::private_files::write_private_file(&destination.join(&name), &bytes)?;
        plain.push(name);
    }
    let mut files = Vec::new();
    for name in plain {
        let stored = match recipient {
            Some(recipient) => {
                let encrypted = format!("{name}.age");
                age_encrypt(&destination.join(&name), &destination.join(&encrypted), recipient).await?;
                std::fs::remove_file(destination.join(&name))?;
                encrypted
            }
            None => name,
        };
        files.push(describe(destination, &stored)?);
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        engine: engine.to_owned(),
        encrypted_to: recipient.map(str::to_owned),
        files,
        letters: letter_entries(&states),
    };
    let text = serde_json::to_string_pretty(&manifest)? + "\n";
    crate::private_files::write_private_file(&destination.join(MANIFEST), text.as_bytes())?;
    Ok(manifest)
}

fn prepare_destination(destination: &Path) -> anyhow::Result<()> {
    if destination.exists() && std::fs::read_dir(destination)?.next().is_some() {
        bail!("{} is not empty: back up into a new or empty folder", destination.display());
    }
    crate::private_files::ensure_private_dir(destination)
        .with_context(|| format!("creating {}", destination.display()))
}

fn describe(folder: &Path, name: &str) -> anyhow::Result<FileEntry> {
    let (bytes, sha256) = hash_file(&folder.join(name))?;
    Ok(FileEntry { path: name.to_owned(), bytes, sha256 })
}

fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// What a restore found, letter by letter.
#[derive(Debug)]
pub struct RestoreReport {
    pub manifest: Manifest,
    /// Each letter of the manifest, and whether the restored one matches it.
    pub letters: Vec<(LetterEntry, bool)>,
}

impl RestoreReport {
    pub fn all_match(&self) -> bool {
        self.letters.iter().all(|(_, matches)| *matches)
    }
}

/// Restores the backup in `source` into the instance `config` describes: its
/// data folder (which must hold no database and no keys yet) and, for a
/// PostgreSQL backup, its (empty) PostgreSQL database. `identity` is the age
/// key file for an encrypted backup.
pub async fn restore(
    config: &Config,
    source: &Path,
    identity: Option<&Path>,
) -> anyhow::Result<RestoreReport> {
    let manifest = read_manifest(source)?;
    for file in &manifest.files {
        let (bytes, sha256) = hash_file(&source.join(&file.path))?;
        if bytes != file.bytes || sha256 != file.sha256 {
            bail!(
                "{} is not the file the backup wrote (its size or SHA-256 differs): the backup is damaged",
                file.path
            );
        }
    }
    if manifest.encrypted_to.is_some() && identity.is_none() {
        bail!("this backup is encrypted: give the age key file with --identity");
    }
    let keys_dir = config.keys_dir();
    for key in KEY_FILES {
        if keys_dir.join(key).exists() {
            bail!("{} already holds key files: restore into a new data folder", config.data_dir.display());
        }
    }
    crate::private_files::ensure_private_dir(&config.data_dir)?;
    crate::private_files::ensure_private_dir(&keys_dir)?;
    // Each file, decrypted where needed, to where it belongs.
    let plain = |name: &str| -> PathBuf { source.join(name) };
    let place = async |name: &str, target: &Path| -> anyhow::Result<()> {
        match (&manifest.encrypted_to, identity) {
            (Some(_), Some(identity)) => age_decrypt(&plain(&format!("{name}.age")), target, identity).await,
            _ => {
                let bytes = std::fs::read(plain(name)).with_context(|| format!("reading {name}"))?;
                crate::private_files::write_private_file(target, &bytes)
                    .with_context(|| format!("writing {}", target.display()))
            }
        }
    };
    match (manifest.engine.as_str(), &config.database) {
        ("sqlite", Database::Sqlite) => {
            let target = config.database_path();
            if target.exists() {
                bail!("{} already exists: restore into a new data folder", target.display());
            }
            place(SQLITE_FILE, &target).await?;
        }
        ("postgres", Database::Postgres(url)) => {
            let dump = config.data_dir.join(format!("{POSTGRES_FILE}.restoring"));
            place(POSTGRES_FILE, &dump).await?;
            let restored = snapshot::restore_postgres(&dump, url).await;
            let _ = std::fs::remove_file(&dump);
            restored?;
        }
        ("sqlite", Database::Postgres(_)) => bail!(
            "this is a SQLite backup: restore it into a data folder without --database, then move it \
             with `undersign migrate`"
        ),
        ("postgres", Database::Sqlite) => {
            bail!("this is a PostgreSQL backup: give the empty database to restore into with --database")
        }
        (other, _) => bail!("this backup's engine {other:?} is not one this program knows"),
    }
    for key in KEY_FILES {
        place(&format!("keys/{key}"), &keys_dir.join(key)).await?;
    }
    // Opening checks the keys against the database and brings its schema up
    // to date; then every letter must show the manifest's checkpoint.
    let state = crate::state::AppState::open_with_system_clock(config.clone()).await?;
    let restored = letter_entries(&snapshot::log_states(state.store.as_ref()).await?);
    let letters = manifest
        .letters
        .iter()
        .map(|expected| (expected.clone(), restored.iter().any(|found| found == expected)))
        .collect();
    Ok(RestoreReport { manifest, letters })
}

pub fn read_manifest(source: &Path) -> anyhow::Result<Manifest> {
    let path = source.join(MANIFEST);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("{} has no {MANIFEST}: not a backup, or an unfinished one", source.display())
    })?;
    let manifest: Manifest =
        serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    if manifest.format != FORMAT {
        bail!(
            "{} is a backup of format {:?}; this program reads {FORMAT:?}",
            source.display(),
            manifest.format
        );
    }
    Ok(manifest)
}

async fn age_encrypt(input: &Path, output: &Path, recipient: &str) -> anyhow::Result<()> {
    let result = tokio::process::Command::new("age")
        .args(["--encrypt", "--recipient", recipient, "--output"])
        .arg(output)
        .arg(input)
        .output()
        .await;
    age_result(result)
}

async fn age_decrypt(input: &Path, output: &Path, identity: &Path) -> anyhow::Result<()> {
    // The decrypted file is private from its first byte.
    crate::private_files::write_private_file(output, b"")?;
    let result = tokio::process::Command::new("age")
        .args(["--decrypt", "--identity"])
        .arg(identity)
        .arg("--output")
        .arg(output)
        .arg(input)
        .output()
        .await;
    age_result(result)
}

fn age_result(result: std::io::Result<std::process::Output>) -> anyhow::Result<()> {
    let output = result.map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => {
            anyhow::anyhow!("the age program is not installed (Debian: apt-get install age)")
        }
        _ => anyhow::Error::from(error).context("running age"),
    })?;
    if !output.status.success() {
        bail!("age failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}
