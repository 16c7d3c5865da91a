//! An append-only Merkle tree (RFC 9162 §2.1) that answers for every earlier size.
//!
//! It keeps the hash of every complete, aligned subtree: `levels[k][i]` covers the
//! leaves `[i·2^k, (i+1)·2^k)`. That is about two hashes per leaf, and any root or
//! proof needs only O(log² n) lookups and hashes. Truncating undoes appends that
//! were not committed (the integrator's rollback).

use crate::hash::{Hash, empty_root, node_hash};
use crate::index::{LeafIndex, TreeSize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("tree size {asked} is larger than the tree ({size})")]
    SizeTooLarge { asked: u64, size: u64 },
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a consistency proof needs 0 < from ≤ to; got from {from}, to {to}")]
    BadConsistencyRange { from: u64, to: u64 },
}

#[derive(Debug, Clone, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

/// The largest power of two strictly smaller than `n` (n ≥ 2), the split of §2.1.1.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_leaf_hashes(hashes: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Self::new();
        for hash in hashes {
            tree.push(hash);
        }
        tree
    }

    pub fn size(&self) -> TreeSize {
        TreeSize::new(self.levels.first().map_or(0, |l| l.len() as u64))
    }

    /// Appends a leaf hash and returns its index.
    pub fn push(&mut self, leaf: Hash) -> LeafIndex {
        let index = self.size().next_index();
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
            let len = self.levels[level].len();
            if len % 2 == 1 {
                break;
            }
            hash = node_hash(&self.levels[level][len - 2], &self.levels[level][len - 1]);
            level += 1;
        }
        index
    }

    /// Drops every leaf from `size` on (no effect if the tree is smaller).
    pub fn truncate(&mut self, size: TreeSize) {
        for (k, level) in self.levels.iter_mut().enumerate() {
            level.truncate((size.get() >> k) as usize);
        }
        while self.levels.last().is_some_and(Vec::is_empty) {
            self.levels.pop();
        }
    }

    pub fn leaf_hash(&self, index: LeafIndex) -> Option<Hash> {
        self.levels.first()?.get(index.get() as usize).copied()
    }

    /// The hash of the complete subtree at tree level `level`, position `index`
    /// (what C2SP tlog-tiles calls a hash at that level), if it exists.
    pub fn subtree_hash(&self, level: u32, index: u64) -> Option<Hash> {
        self.levels.get(level as usize)?.get(index as usize).copied()
    }

    /// How many complete subtree hashes exist at a level, for a tree of `size`.
    pub fn width_at(size: TreeSize, level: u32) -> u64 {
        if level >= 64 { 0 } else { size.get() >> level }
    }

    fn check_size(&self, size: TreeSize) -> Result<(), TreeError> {
        if size > self.size() {
            return Err(TreeError::SizeTooLarge { asked: size.get(), size: self.size().get() });
        }
        Ok(())
    }

    /// MTH(D[start : start+n]) for a range reached by the RFC's recursion (start is
    /// a multiple of the largest power of two not above n).
    fn range_hash(&self, start: u64, n: u64) -> Hash {
        if n == 0 {
            return empty_root();
        }
        if n.is_power_of_two() {
            let level = n.trailing_zeros();
            return self.levels[level as usize][(start >> level) as usize];
        }
        let k = split(n);
        node_hash(&self.range_hash(start, k), &self.range_hash(start + k, n - k))
    }

    /// The root of the first `size` leaves.
    pub fn root(&self, size: TreeSize) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        Ok(self.range_hash(0, size.get()))
    }

    /// The audit path of RFC 9162 §2.1.3.1 for `index` in the tree of `size`.
    pub fn inclusion_proof(&self, index: LeafIndex, size: TreeSize) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        if !size.contains(index) {
            return Err(TreeError::IndexOutOfRange { index: index.get(), size: size.get() });
        }
        let mut proof = Vec::new();
        self.path(index.get(), 0, size.get(), &mut proof);
        Ok(proof)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.range_hash(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.range_hash(start, k));
        }
    }

    /// The consistency proof of RFC 9162 §2.1.4.1 from `from` to `to`
    /// (`0 < from ≤ to`; equal sizes give an empty proof).
    pub fn consistency_proof(&self, from: TreeSize, to: TreeSize) -> Result<Vec<Hash>, TreeError> {
        self.check_size(to)?;
        if from.get() == 0 || from > to {
            return Err(TreeError::BadConsistencyRange { from: from.get(), to: to.get() });
        }
        let mut proof = Vec::new();
        if from < to {
            self.subproof(from.get(), 0, to.get(), true, &mut proof);
        }
        Ok(proof)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, complete: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !complete {
                out.push(self.range_hash(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, complete, out);
            out.push(self.range_hash(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.range_hash(start, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    /// MTH straight from the definition, to check the stored-subtree shortcut.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_definition_for_every_size_up_to_300() {
        let leaves: Vec<Hash> = (0..300u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = Tree::from_leaf_hashes(leaves.iter().copied());
        for n in 0..=300 {
            assert_eq!(
                tree.root(TreeSize::new(n)).unwrap(),
                reference_root(&leaves[..n as usize]),
                "size {n}"
            );
        }
    }

    #[test]
    fn truncating_restores_the_earlier_tree() {
        let mut tree = Tree::from_leaf_hashes((0..37u32).map(|i| leaf_hash(&i.to_be_bytes())));
        let before = tree.root(TreeSize::new(20)).unwrap();
        tree.truncate(TreeSize::new(20));
        assert_eq!(tree.size(), TreeSize::new(20));
        assert_eq!(tree.root(TreeSize::new(20)).unwrap(), before);
        tree.push(leaf_hash(b"x"));
        assert_eq!(tree.size(), TreeSize::new(21));
        assert_eq!(tree.subtree_hash(0, 20), Some(leaf_hash(b"x")));
    }

    #[test]
    fn sizes_beyond_the_tree_are_errors() {
        let tree = Tree::from_leaf_hashes([leaf_hash(b"a")]);
        assert!(tree.root(TreeSize::new(2)).is_err());
        assert!(tree.inclusion_proof(LeafIndex::new(1), TreeSize::new(1)).is_err());
        assert!(tree.consistency_proof(TreeSize::new(0), TreeSize::new(1)).is_err());
    }
}
