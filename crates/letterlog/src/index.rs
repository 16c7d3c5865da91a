//! A leaf index counts from 0; a tree size counts leaves. Keeping them apart stops
//! the classic off-by-one: `index < size` is the only way they meet.

use std::fmt;

/// The position of a leaf in the log, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeafIndex(u64);

/// The number of leaves in a tree (or in a checkpoint's view of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeSize(u64);

impl LeafIndex {
    pub const fn new(index: u64) -> Self {
        Self(index)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// The size of the tree that ends with this leaf.
    pub const fn next_size(self) -> TreeSize {
        TreeSize(self.0 + 1)
    }
}

impl TreeSize {
    pub const ZERO: TreeSize = TreeSize(0);

    pub const fn new(size: u64) -> Self {
        Self(size)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether the leaf is in a tree of this size.
    pub const fn contains(self, index: LeafIndex) -> bool {
        index.0 < self.0
    }

    /// The index the next appended leaf gets.
    pub const fn next_index(self) -> LeafIndex {
        LeafIndex(self.0)
    }
}

impl fmt::Display for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for TreeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
