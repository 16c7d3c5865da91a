//! The counting rule (spec "The count"): the signature leaves below N that no
//! withdrawal or strike leaf below N refers to; several references cancel once.

use std::collections::HashSet;

use crate::index::LeafIndex;
use crate::leaf::{EntryKind, Leaf};

/// What a log holds, by the rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Signature leaves.
    pub signatures: u64,
    /// Signature leaves cancelled by a withdrawal or a strike.
    pub cancelled: u64,
}

impl Tally {
    /// The count people see.
    pub fn count(&self) -> u64 {
        self.signatures - self.cancelled
    }
}

/// Counts a log incrementally, leaf by leaf in index order.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    signatures: HashSet<u64>,
    cancelled: HashSet<u64>,
    /// References to leaves not (yet) known as signatures: they cancel a signature
    /// that appears later in the same log prefix.
    dangling: HashSet<u64>,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, index: LeafIndex, leaf: &Leaf) {
        self.add_parts(index, leaf.kind(), leaf.reference());
    }

    pub fn add_parts(&mut self, index: LeafIndex, kind: EntryKind, reference: Option<LeafIndex>) {
        match (kind, reference) {
            (EntryKind::Signature, _) => {
                self.signatures.insert(index.get());
                if self.dangling.remove(&index.get()) {
                    self.cancelled.insert(index.get());
                }
            }
            (EntryKind::Withdrawal | EntryKind::Strike, Some(target)) => {
                if self.signatures.contains(&target.get()) {
                    self.cancelled.insert(target.get());
                } else {
                    self.dangling.insert(target.get());
                }
            }
            _ => {}
        }
    }

    pub fn tally(&self) -> Tally {
        Tally { signatures: self.signatures.len() as u64, cancelled: self.cancelled.len() as u64 }
    }
}

/// Counts the given leaves (all of a checkpoint's prefix, in index order).
pub fn tally<'a>(leaves: impl IntoIterator<Item = &'a Leaf>) -> Tally {
    let mut counter = Counter::new();
    for (i, leaf) in leaves.into_iter().enumerate() {
        counter.add(LeafIndex::new(i as u64), leaf);
    }
    counter.tally()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(kind: EntryKind, reference: Option<u64>) -> Leaf {
        Leaf::new("abc", kind, 0, reference.map(LeafIndex::new), [0; 32]).unwrap()
    }

    #[test]
    fn withdrawals_and_strikes_cancel_once() {
        let leaves = vec![
            leaf(EntryKind::Text, None),
            leaf(EntryKind::Signature, None),
            leaf(EntryKind::Signature, None),
            leaf(EntryKind::Signature, None),
            leaf(EntryKind::Withdrawal, Some(1)),
            leaf(EntryKind::Strike, Some(1)),
            leaf(EntryKind::Strike, Some(0)), // refers to a text leaf: cancels nothing
        ];
        let tally = tally(&leaves);
        assert_eq!(tally, Tally { signatures: 3, cancelled: 1 });
        assert_eq!(tally.count(), 2);
    }
}
