//! `undersign verify`: checks a letter's log from a live site or a static mirror,
//! as any outside verifier would, using only what the log publishes.
//!
//! It verifies the checkpoint's signature against a given key, recomputes the root
//! from every entry bundle, compares every hash tile, parses every leaf strictly,
//! checks every available record against its leaf's commitment, counts by the
//! spec's rule and, given an earlier checkpoint, checks that the log only grew.

use std::fmt;
use std::path::PathBuf;

use futures_util::{StreamExt, stream};
use letterlog::TreeSize;
use letterlog::checkpoint::Checkpoint;
use letterlog::count::tally;
use letterlog::hash::{Hash, leaf_hash};
use letterlog::leaf::{EntryKind, Leaf, commitment};
use letterlog::note::{NoteVerifier, open};
use letterlog::tiles::{Tile, decode_entry_bundle, encode_hashes, tiles_for};
use letterlog::tree::Tree;
use url::Url;

/// Requests kept in flight while fetching tiles and records: the server (or the
/// disk) works on the next ones while this side hashes and parses.
const IN_FLIGHT: usize = 4;

/// Where the log is read from.
pub enum Source {
    /// A running instance (or any web server serving a static export).
    Http { base: Url, client: reqwest::Client },
    /// A folder written by `undersign export --static`.
    Dir(PathBuf),
}

/// Everything that can fail, each naming what failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("could not read {path}: {reason}")]
    Fetch { path: String, reason: String },
    #[error("{path} is missing")]
    Missing { path: String },
    #[error("the verifier key is not valid: {0}")]
    BadKey(String),
    #[error("the source holds {0} letters; name one with --letter")]
    WhichLetter(usize),
    #[error("the checkpoint's signature does not verify with the given key: {0}")]
    CheckpointSignature(String),
    #[error("the checkpoint is malformed: {0}")]
    CheckpointMalformed(String),
    #[error(
        "the checkpoint's origin {origin:?} does not match the key name {key:?} and the letter {letter:?}"
    )]
    WrongOrigin { origin: String, key: String, letter: String },
    #[error("entry bundle {tile} is malformed: {reason}")]
    BundleMalformed { tile: String, reason: String },
    #[error("leaf {index} is malformed: {reason}")]
    LeafMalformed { index: u64, reason: String },
    #[error("leaf {index} belongs to letter {found:?}, not {expected:?}")]
    WrongLetter { index: u64, found: String, expected: String },
    #[error("leaf 0 must be the letter's text")]
    FirstLeafNotText,
    #[error("the root recomputed from the entries ({computed}) differs from the checkpoint's ({signed})")]
    RootMismatch { computed: String, signed: String },
    #[error("hash tile {tile} differs from the hashes recomputed from the entries")]
    HashTileMismatch { tile: String },
    #[error("record {index} does not match its leaf's commitment")]
    RecordMismatch { index: u64 },
    #[error("record {index} is malformed: {reason}")]
    RecordMalformed { index: u64, reason: String },
    #[error("the previous checkpoint is not valid: {0}")]
    PreviousInvalid(String),
    #[error("the previous checkpoint has size {previous}, larger than the current {current}: the log shrank")]
    PreviousLarger { previous: u64, current: u64 },
    #[error(
        "the log is not consistent with the previous checkpoint (size {size}): its first {size} entries changed"
    )]
    Inconsistent { size: u64 },
}

/// What a successful verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub letter: String,
    pub origin: String,
    pub size: u64,
    pub root: String,
    /// The count by the spec's rule.
    pub count: u64,
    pub signatures: u64,
    pub cancelled: u64,
    pub records_checked: u64,
    pub withheld: u64,
    pub erased: u64,
    pub records_unavailable: u64,
    /// The size of the previous checkpoint this one was checked against.
    pub consistent_with: Option<u64>,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "letter        {}", self.letter)?;
        writeln!(f, "origin        {}", self.origin)?;
        writeln!(f, "tree size     {}", self.size)?;
        writeln!(f, "root          {}", self.root)?;
        writeln!(
            f,
            "count         {} ({} signatures, {} withdrawn or struck)",
            self.count, self.signatures, self.cancelled
        )?;
        writeln!(
            f,
            "records       {} checked, {} withheld, {} erased, {} unavailable",
            self.records_checked, self.withheld, self.erased, self.records_unavailable
        )?;
        match self.consistent_with {
            Some(size) => writeln!(f, "consistency   consistent with the previous checkpoint of size {size}"),
            None => writeln!(f, "consistency   no previous checkpoint given"),
        }
    }
}

impl Source {
    /// `http://…` or `https://…` is a site; anything else is a folder.
    pub fn from_arg(arg: &str) -> Result<Self, VerifyError> {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            let mut base = Url::parse(arg)
                .map_err(|e| VerifyError::Fetch { path: arg.to_owned(), reason: e.to_string() })?;
            if !base.path().ends_with('/') {
                base.set_path(&format!("{}/", base.path()));
            }
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .map_err(|e| VerifyError::Fetch { path: arg.to_owned(), reason: e.to_string() })?;
            Ok(Source::Http { base, client })
        } else {
            Ok(Source::Dir(PathBuf::from(arg)))
        }
    }

    /// Reads a path below the site or folder; `None` if it does not exist.
    async fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, VerifyError> {
        let failed = |reason: String| VerifyError::Fetch { path: path.to_owned(), reason };
        match self {
            Source::Http { base, client } => {
                let url = base.join(path).map_err(|e| failed(e.to_string()))?;
                let response = client.get(url).send().await.map_err(|e| failed(e.to_string()))?;
                if response.status() == reqwest::StatusCode::NOT_FOUND {
                    return Ok(None);
                }
                if !response.status().is_success() {
                    return Err(failed(format!("HTTP {}", response.status())));
                }
                Ok(Some(response.bytes().await.map_err(|e| failed(e.to_string()))?.to_vec()))
            }
            Source::Dir(dir) => {
                let file = dir.join(path.split('?').next().unwrap_or(path));
                match tokio::fs::read(&file).await {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(failed(e.to_string())),
                }
            }
        }
    }

    async fn require(&self, path: &str) -> Result<Vec<u8>, VerifyError> {
        self.fetch(path).await?.ok_or_else(|| VerifyError::Missing { path: path.to_owned() })
    }

    /// The letters the source lists in its `/log-key` document.
    async fn letters(&self) -> Result<Vec<String>, VerifyError> {
        let bytes = self.require("log-key").await?;
        let document: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| VerifyError::Fetch { path: "log-key".into(), reason: e.to_string() })?;
        Ok(document["letters"]
            .as_array()
            .map(|list| list.iter().filter_map(|l| l["slug"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default())
    }
}

/// Verifies one letter's log. `letter` may be left out when the source holds one.
pub async fn verify(
    source: &Source,
    letter: Option<&str>,
    vkey: &str,
    previous_note: Option<&str>,
) -> Result<VerifyReport, VerifyError> {
    let verifier = NoteVerifier::parse(vkey.trim()).map_err(|e| VerifyError::BadKey(e.to_string()))?;
    let slug = match letter {
        Some(slug) => slug.to_owned(),
        None => {
            let letters = source.letters().await?;
            match letters.as_slice() {
                [one] => one.clone(),
                _ => return Err(VerifyError::WhichLetter(letters.len())),
            }
        }
    };
    let log = format!("letters/{slug}/log");

    let note = String::from_utf8(source.require(&format!("{log}/checkpoint")).await?)
        .map_err(|_| VerifyError::CheckpointMalformed("not UTF-8".into()))?;
    let checkpoint = open_checkpoint(&note, &verifier).map_err(VerifyError::CheckpointSignature)?;
    let checkpoint =
        Checkpoint::parse(&checkpoint).map_err(|e| VerifyError::CheckpointMalformed(e.to_string()))?;
    if checkpoint.origin != verifier.name() || !checkpoint.origin.ends_with(&format!("/letters/{slug}")) {
        return Err(VerifyError::WrongOrigin {
            origin: checkpoint.origin.clone(),
            key: verifier.name().to_owned(),
            letter: slug,
        });
    }
    let size = checkpoint.size;

    // Every entry, from the bundles; the tree from their hashes.
    let mut leaves: Vec<Leaf> = Vec::with_capacity(usize::try_from(size.get()).unwrap_or(0));
    let mut tree = Tree::new();
    let mut bundles = fetch_tiles(source, &log, tiles_for(size, true));
    while let Some((tile, path, bundle)) = bundles.next().await {
        let bundle = bundle?;
        let entries = decode_entry_bundle(&bundle)
            .map_err(|e| VerifyError::BundleMalformed { tile: path.clone(), reason: e.to_string() })?;
        if entries.len() as u64 != tile.width() {
            return Err(VerifyError::BundleMalformed {
                tile: path,
                reason: format!("{} entries where the checkpoint needs {}", entries.len(), tile.width()),
            });
        }
        for bytes in entries {
            let index = tree.size().get();
            let leaf = Leaf::parse(bytes)
                .map_err(|e| VerifyError::LeafMalformed { index, reason: e.to_string() })?;
            if leaf.letter() != slug {
                return Err(VerifyError::WrongLetter {
                    index,
                    found: leaf.letter().to_owned(),
                    expected: slug,
                });
            }
            tree.push(leaf_hash(bytes));
            leaves.push(leaf);
        }
    }
    if leaves.first().is_some_and(|l| l.kind() != EntryKind::Text) {
        return Err(VerifyError::FirstLeafNotText);
    }
    let root = tree.root(size).map_err(|e| VerifyError::CheckpointMalformed(e.to_string()))?;
    if root != checkpoint.root {
        return Err(VerifyError::RootMismatch {
            computed: root.to_base64(),
            signed: checkpoint.root.to_base64(),
        });
    }

    // Hash tiles must agree with the entries (a mirror could serve other ones).
    let mut hash_tiles = fetch_tiles(source, &log, tiles_for(size, false));
    while let Some((tile, path, served)) = hash_tiles.next().await {
        let served = served?;
        if Some(served) != tile.hashes(&tree).map(|h| encode_hashes(&h)) {
            return Err(VerifyError::HashTileMismatch { tile: path });
        }
    }

    let records = check_records(source, &log, &leaves).await?;
    let tally = tally(&leaves);

    let consistent_with = match previous_note {
        None => None,
        Some(previous) => Some(check_previous(previous, &verifier, &checkpoint, &tree)?),
    };
    Ok(VerifyReport {
        letter: slug,
        origin: checkpoint.origin,
        size: size.get(),
        root: root.to_base64(),
        count: tally.count(),
        signatures: tally.signatures,
        cancelled: tally.cancelled,
        records_checked: records.checked,
        withheld: records.withheld,
        erased: records.erased,
        records_unavailable: records.unavailable,
        consistent_with,
    })
}

/// Each tile with its path and contents, in order, [`IN_FLIGHT`] fetched ahead.
fn fetch_tiles<'a>(
    source: &'a Source,
    log: &'a str,
    tiles: Vec<Tile>,
) -> impl futures_util::Stream<Item = (Tile, String, Result<Vec<u8>, VerifyError>)> + 'a {
    stream::iter(tiles)
        .map(move |tile| {
            let path = format!("{log}/{}", tile.path());
            async move {
                let bytes = source.require(&path).await;
                (tile, path, bytes)
            }
        })
        .buffered(IN_FLIGHT)
}

fn open_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<String, String> {
    open(note, std::slice::from_ref(verifier)).map(|opened| opened.text).map_err(|e| e.to_string())
}

#[derive(Default)]
struct RecordTally {
    checked: u64,
    withheld: u64,
    erased: u64,
    unavailable: u64,
}

/// Checks `SHA-256(salt || record)` against each leaf's commitment.
async fn check_records(source: &Source, log: &str, leaves: &[Leaf]) -> Result<RecordTally, VerifyError> {
    let mut tally = RecordTally::default();
    let size = leaves.len() as u64;
    let mut check = |index: u64, object: Option<serde_json::Value>| match object {
        None => {
            tally.unavailable += 1;
            Ok(())
        }
        Some(object) => check_record(index, &leaves[index as usize], &object, &mut tally),
    };
    match source {
        Source::Http { .. } => {
            // Pages of 1000, the most the server gives at once, fetched ahead.
            let mut pages = stream::iter((0..size).step_by(1000))
                .map(|from| {
                    let to = (from + 1000).min(size);
                    let path = format!("{log}/records?from={from}&to={to}");
                    async move { (from, to, source.require(&path).await) }
                })
                .buffered(IN_FLIGHT);
            while let Some((from, to, bytes)) = pages.next().await {
                let bytes = bytes?;
                let list: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
                    .map_err(|e| VerifyError::RecordMalformed { index: from, reason: e.to_string() })?;
                let mut by_index: Vec<Option<serde_json::Value>> = vec![None; (to - from) as usize];
                for object in list {
                    let i = object["index"].as_u64().filter(|i| (from..to).contains(i)).ok_or_else(|| {
                        VerifyError::RecordMalformed {
                            index: from,
                            reason: "a record outside the asked range".into(),
                        }
                    })?;
                    by_index[(i - from) as usize] = Some(object);
                }
                for (offset, object) in by_index.into_iter().enumerate() {
                    check(from + offset as u64, object)?;
                }
            }
        }
        Source::Dir(_) => {
            for index in 0..size {
                let bytes = source.fetch(&format!("{log}/records/{index}")).await?;
                let object = bytes
                    .map(|b| serde_json::from_slice(&b))
                    .transpose()
                    .map_err(|e| VerifyError::RecordMalformed { index, reason: e.to_string() })?;
                check(index, object)?;
            }
        }
    }
    Ok(tally)
}

fn check_record(
    index: u64,
    leaf: &Leaf,
    object: &serde_json::Value,
    tally: &mut RecordTally,
) -> Result<(), VerifyError> {
    let malformed = |reason: &str| VerifyError::RecordMalformed { index, reason: reason.to_owned() };
    if object["index"].as_u64() != Some(index) {
        return Err(malformed("its index field is wrong"));
    }
    if object["withheld"] == serde_json::Value::Bool(true) {
        tally.withheld += 1;
        return Ok(());
    }
    if object["erased"] == serde_json::Value::Bool(true) {
        tally.erased += 1;
        return Ok(());
    }
    let salt = object["salt"].as_str().ok_or_else(|| malformed("no salt"))?;
    let record = object["record"].as_str().ok_or_else(|| malformed("no record"))?;
    let salt: [u8; 32] = hex::decode(salt)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed("the salt is not 32 bytes of hex"))?;
    if &commitment(&salt, record.as_bytes()) != leaf.commit() {
        return Err(VerifyError::RecordMismatch { index });
    }
    serde_json::from_str::<serde_json::Value>(record).map_err(|_| malformed("the record is not JSON"))?;
    tally.checked += 1;
    Ok(())
}

/// For the fuzz target `record`: a record object (as `/log/records` serves it)
/// checked against a leaf, as `undersign verify` checks every one. Whether
/// it passed; never a panic, whatever the bytes.
#[doc(hidden)]
pub fn check_record_bytes(index: u64, leaf: &[u8], object: &[u8]) -> bool {
    let (Ok(leaf), Ok(object)) = (Leaf::parse(leaf), serde_json::from_slice::<serde_json::Value>(object))
    else {
        return false;
    };
    check_record(index, &leaf, &object, &mut RecordTally::default()).is_ok()
}

/// The previous checkpoint must be signed by the same key, for the same log, no
/// larger, and its root must be the root of the current log's prefix.
fn check_previous(
    note: &str,
    verifier: &NoteVerifier,
    current: &Checkpoint,
    tree: &Tree,
) -> Result<u64, VerifyError> {
    let text = open_checkpoint(note, verifier).map_err(VerifyError::PreviousInvalid)?;
    let previous = Checkpoint::parse(&text).map_err(|e| VerifyError::PreviousInvalid(e.to_string()))?;
    if previous.origin != current.origin {
        return Err(VerifyError::PreviousInvalid(format!("it is for {:?}", previous.origin)));
    }
    if previous.size > current.size {
        return Err(VerifyError::PreviousLarger {
            previous: previous.size.get(),
            current: current.size.get(),
        });
    }
    let root: Hash = tree.root(previous.size).map_err(|e| VerifyError::PreviousInvalid(e.to_string()))?;
    if root != previous.root {
        return Err(VerifyError::Inconsistent { size: previous.size.get() });
    }
    Ok(previous.size.get())
}

/// The tiles a static export writes (hashes and entries) for a tree of `size`.
pub fn all_tiles(size: TreeSize) -> Vec<Tile> {
    let mut tiles = tiles_for(size, false);
    tiles.extend(tiles_for(size, true));
    tiles
}
