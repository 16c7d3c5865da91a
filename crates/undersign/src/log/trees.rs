//! Each letter's Merkle tree in memory, behind its own lock.

use std::collections::HashMap;
use std::sync::Arc;

use letterlog::hash::Hash;
use letterlog::tree::Tree;
use tokio::sync::Mutex;

use crate::domain::LetterId;
use crate::storage::LogStore;

/// One letter's tree of committed leaves, loaded on first use.
pub struct LoadedLog {
    pub(crate) tree: Tree,
}

/// The trees of all letters, each behind its own lock: integration and reads of
/// one letter take turns; letters do not wait for each other.
#[derive(Default)]
pub struct LetterLogs {
    logs: std::sync::Mutex<HashMap<LetterId, Arc<Mutex<Option<LoadedLog>>>>>,
}

impl LetterLogs {
    /// Locks a letter's tree, loaded and caught up to at least `at_least` leaves
    /// from storage: another node may have integrated since this one last looked
    /// (only the missing leaves are read).
    pub(crate) async fn lock(
        &self,
        store: &dyn LogStore,
        letter: LetterId,
        at_least: u64,
    ) -> anyhow::Result<tokio::sync::OwnedMutexGuard<Option<LoadedLog>>> {
        let slot = {
            let mut logs = self.logs.lock().map_err(|_| anyhow::anyhow!("log registry poisoned"))?;
            logs.entry(letter).or_default().clone()
        };
        let mut guard = slot.lock_owned().await;
        match guard.as_mut() {
            None => {
                let hashes = store.log_leaf_hashes(letter, 0).await?;
                *guard = Some(LoadedLog { tree: Tree::from_leaf_hashes(hashes.into_iter().map(Hash)) });
            }
            Some(log) if log.tree.size().get() < at_least => {
                for hash in store.log_leaf_hashes(letter, log.tree.size().get()).await? {
                    log.tree.push(Hash(hash));
                }
            }
            Some(_) => {}
        }
        Ok(guard)
    }
}
