//! The letter log inside the service: integrating queued entries into each
//! letter's Merkle tree, signing checkpoints, and answering tiles, records and
//! proofs. The tree code itself is the `letterlog` crate.
//!
//! Crash safety: entries wait in `log_entries` until one transaction gives them
//! their leaves and stores the signed checkpoint. A crash before that commit loses
//! nothing (the entries are still waiting) and publishes nothing; the checkpoints
//! table's key (letter, size) makes a second, different checkpoint of one size
//! impossible. The in-memory tree is rolled back if the commit fails.

pub mod records;
pub mod trees;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use letterlog::checkpoint::Checkpoint;
use letterlog::hash::{Hash, leaf_hash};
use letterlog::leaf::{EntryKind, Leaf};
use letterlog::note::NoteVerifier;
use letterlog::tiles::{Tile, TileKind, encode_entry_bundle, encode_hashes};
use letterlog::{LeafIndex, TreeSize};
use rand::seq::SliceRandom;
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::config::Config;
use crate::domain::{Letter, LetterId, Slug};
use crate::state::AppState;
use crate::storage::{IntegratedEntry, RecordState, StoredCheckpoint};

/// Most entries one checkpoint integrates; the rest go into the next one.
const MAX_BATCH: u32 = 20_000;
/// How often the integrator looks for waiting entries (it is also woken up).
const TICK: Duration = Duration::from_millis(500);
/// After a pass that integrated something, wait this long before the next: under
/// a confirmation storm entries then go in one checkpoint five times a second
/// instead of one after another, each pass's commit no longer takes turns with
/// the confirmations' own, and pages are not thrown out of the cache by every
/// new checkpoint. A lone confirmation is still in the log at once.
const GATHER: Duration = Duration::from_millis(200);

/// The log's name: `<public host>/letters/<slug>`; also its key name.
pub fn origin(config: &Config, slug: &Slug) -> String {
    let url = &config.public_url;
    let host = url.host_str().unwrap_or("localhost");
    match url.port() {
        Some(port) => format!("{host}:{port}/letters/{slug}"),
        None => format!("{host}/letters/{slug}"),
    }
}

/// The origin of a letter's log: fixed at publication (older rows fall back to
/// the configured public URL).
pub fn origin_of(config: &Config, letter: &Letter) -> String {
    stored_origin(config, &letter.slug, &letter.log_origin)
}

fn stored_origin(config: &Config, slug: &Slug, stored: &str) -> String {
    if stored.is_empty() { origin(config, slug) } else { stored.to_owned() }
}

/// The letter's verifier key (vkey), as served at `<log>/key`.
pub fn verifier(state: &AppState, letter: &Letter) -> anyhow::Result<NoteVerifier> {
    Ok(state.log_key.signer(&origin_of(&state.config, letter))?.verifier())
}

/// The start of the next withdrawal batch: withdrawals made within one period are
/// integrated together at its end, in random order.
pub fn next_batch(now: OffsetDateTime, period: time::Duration) -> OffsetDateTime {
    let period = period.whole_seconds().max(1);
    let start = now.unix_timestamp().div_euclid(period) * period;
    OffsetDateTime::from_unix_timestamp(start + period).unwrap_or(now)
}

/// Integrates every letter's waiting entries; returns how many leaves were added.
pub async fn integrate_all(state: &AppState) -> anyhow::Result<u64> {
    let mut added = 0;
    for target in state.store.letters_with_due_entries(state.clock.now()).await? {
        let origin = stored_origin(&state.config, &target.slug, &target.origin);
        added += integrate(state, target.letter, &target.slug, &origin)
            .await
            .with_context(|| format!("integrating {}", target.slug))?;
    }
    Ok(added)
}

/// How long an integrator lease lasts; it is renewed on every pass, so a node
/// that dies or is cut off is replaced this long after its last pass.
pub const LEASE: time::Duration = time::Duration::seconds(5);

/// Integrates one letter's due entries into one new signed checkpoint, if this
/// node holds (or can take) the letter's integrator lease; another node's live
/// lease means that node integrates it.
pub async fn integrate(state: &AppState, letter: LetterId, slug: &Slug, origin: &str) -> anyhow::Result<u64> {
    let now = state.clock.now();
    let Some(fence) = state.store.acquire_log_lease(letter, &state.node_id, now, now + LEASE).await? else {
        return Ok(0);
    };
    // What storage holds decides: the tree catches up with checkpoints another
    // node published, and is built on exactly the stored size.
    let mut guard = state.logs.lock(state.store.as_ref(), letter, 0).await?;
    let latest = state.store.latest_checkpoint(letter).await?;
    let (stored_size, old_count) = latest.map_or((0, 0), |c| (c.size, c.count));
    let loaded = guard.as_ref().map_or(0, |log| log.tree.size().get());
    if loaded != stored_size {
        if loaded > stored_size {
            // Ahead of storage (a commit of ours that failed): read it again.
            *guard = None;
        }
        // Behind storage: another node published; the missing leaves are read.
        drop(guard);
        guard = state.logs.lock(state.store.as_ref(), letter, stored_size).await?;
    }
    let log = guard.as_mut().expect("loaded by lock");
    let now = state.clock.now();
    let due = state.store.due_entries(letter, now, MAX_BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let old_size = log.tree.size();

    // Withdrawals go last and shuffled, so their order reveals nothing.
    let (mut withdrawals, others): (Vec<_>, Vec<_>) =
        due.into_iter().partition(|e| e.kind == EntryKind::Withdrawal);
    withdrawals.shuffle(&mut rand::rngs::OsRng);

    let time = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let mut count = old_count;
    let mut cancelled_now = HashSet::new();
    let mut integrated = Vec::new();
    for entry in others.into_iter().chain(withdrawals) {
        let reference = match (entry.kind.has_ref(), entry.target_index) {
            (true, None) => continue, // its signature is not in the log yet: next round
            (true, Some(target)) => Some(LeafIndex::new(target)),
            (false, _) => None,
        };
        let leaf = Leaf::new(slug.as_str(), entry.kind, time, reference, entry.commit)?;
        let bytes = leaf.to_bytes();
        let hash = leaf_hash(&bytes);
        let index = log.tree.push(hash);
        match (entry.kind, reference) {
            (EntryKind::Signature, _) => count += 1,
            // Several references cancel a signature once.
            (EntryKind::Withdrawal | EntryKind::Strike, Some(target))
                if !entry.target_cancelled && cancelled_now.insert(target) =>
            {
                count = count.saturating_sub(1);
            }
            _ => {}
        }
        integrated.push(IntegratedEntry {
            id: entry.id,
            leaf_index: index.get(),
            ref_index: reference.map(LeafIndex::get),
            leaf: bytes,
            leaf_hash: hash.0,
        });
    }
    if integrated.is_empty() {
        return Ok(0);
    }
    let size = log.tree.size();
    let result = async {
        let root = log.tree.root(size)?;
        let note = state.log_key.signer(origin)?.sign(&Checkpoint::new(origin, size, root).to_text())?;
        let checkpoint = StoredCheckpoint { size: size.get(), root: root.0, note, count };
        state.store.commit_integration(letter, fence, old_size.get(), integrated, checkpoint, now).await??;
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = result {
        // Another node may have published meanwhile: the tree is read again
        // from storage next time, never patched by guessing.
        *guard = None;
        return Err(error);
    }
    state.cache.invalidate();
    let added = size.get() - old_size.get();
    tracing::info!(letter.slug = %slug, leaves = added, tree_size = size.get(), "checkpoint published");
    Ok(added)
}

/// Runs until shutdown: integrates whenever woken and at least every half second.
pub async fn run_integrator(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut backoff = crate::faults::Backoff::for_worker("log integrator");
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = state.log_wake.notified() => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let pause = match integrate_all(&state).await {
            Ok(0) => {
                backoff.succeeded();
                continue;
            }
            Ok(_) => {
                backoff.succeeded();
                GATHER
            }
            // The database cannot write (or is gone): the entries wait where
            // they are, and are integrated when it is back.
            Err(error) => backoff.failed(&error),
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Why a proof could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ProofRequestError {
    #[error("index must be below size, and size at most the current tree size {current}")]
    OutOfRange { current: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// An inclusion proof: the leaf hash and the audit path.
pub async fn inclusion_proof(
    state: &AppState,
    letter: &Letter,
    index: u64,
    size: u64,
) -> Result<(Hash, Vec<Hash>), ProofRequestError> {
    // `log_size` moves with the checkpoint, in the same transaction.
    let current = TreeSize::new(letter.log_size);
    let (index, size) = (LeafIndex::new(index), TreeSize::new(size));
    if size > current || !size.contains(index) {
        return Err(ProofRequestError::OutOfRange { current: current.get() });
    }
    let guard = state.logs.lock(state.store.as_ref(), letter.id, size.get()).await?;
    let tree = &guard.as_ref().expect("loaded by lock").tree;
    let proof = tree.inclusion_proof(index, size).map_err(anyhow::Error::from)?;
    let leaf = tree.leaf_hash(index).context("leaf present")?;
    Ok((leaf, proof))
}

/// A consistency proof between two sizes, `1 ≤ from ≤ to ≤ current`.
pub async fn consistency_proof(
    state: &AppState,
    letter: &Letter,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, ProofRequestError> {
    let current = TreeSize::new(letter.log_size);
    if from == 0 || from > to || to > current.get() {
        return Err(ProofRequestError::OutOfRange { current: current.get() });
    }
    let guard = state.logs.lock(state.store.as_ref(), letter.id, to).await?;
    let tree = &guard.as_ref().expect("loaded by lock").tree;
    Ok(tree.consistency_proof(TreeSize::new(from), TreeSize::new(to)).map_err(anyhow::Error::from)?)
}

/// The bytes of a tile, if the letter's latest checkpoint covers it.
pub async fn tile_bytes(state: &AppState, letter: &Letter, tile: Tile) -> anyhow::Result<Option<Vec<u8>>> {
    let size = TreeSize::new(letter.log_size);
    if !tile.exists_in(size) {
        return Ok(None);
    }
    match tile.kind {
        TileKind::Entries => {
            let start = tile.index * letterlog::tiles::TILE_WIDTH;
            let leaves = state.store.log_leaves(letter.id, start, start + tile.width()).await?;
            if leaves.len() as u64 != tile.width() {
                anyhow::bail!("letter log lacks leaves {start}..{}", start + tile.width());
            }
            Ok(Some(encode_entry_bundle(leaves.iter().map(Vec::as_slice))))
        }
        TileKind::Hashes { .. } => {
            let guard = state.logs.lock(state.store.as_ref(), letter.id, size.get()).await?;
            let tree = &guard.as_ref().expect("loaded by lock").tree;
            Ok(tile.hashes(tree).map(|hashes| encode_hashes(&hashes)))
        }
    }
}

/// A record as `<log>/records/<index>` serves it (and a static export writes it).
pub fn record_json(index: u64, record: RecordState) -> serde_json::Value {
    match record {
        RecordState::Shown { salt, record } => {
            serde_json::json!({"index": index, "salt": hex::encode(salt), "record": record})
        }
        RecordState::Withheld => serde_json::json!({"index": index, "withheld": true}),
        RecordState::Erased => serde_json::json!({"index": index, "erased": true}),
    }
}

/// `/log-key`: the instance's public key (base64) and every letter's vkey.
pub async fn log_key_document(state: &AppState) -> anyhow::Result<serde_json::Value> {
    use base64::Engine;
    let letters = state.store.letters().await?;
    let mut list = Vec::new();
    for letter in &letters {
        let verifier = verifier(state, letter)?;
        list.push(serde_json::json!({"slug": letter.slug.as_str(), "origin": verifier.name(), "vkey": verifier.vkey()}));
    }
    let public = base64::engine::general_purpose::STANDARD.encode(state.log_key.public_key().as_bytes());
    Ok(serde_json::json!({"public_key": public, "letters": list}))
}
