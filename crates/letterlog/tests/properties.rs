//! Properties of the tree and proofs: every proof verifies, any flipped bit fails.

use letterlog::hash::{Hash, leaf_hash};
use letterlog::proof::{verify_consistency, verify_inclusion};
use letterlog::tree::Tree;
use letterlog::{LeafIndex, TreeSize};
use proptest::prelude::*;

fn tree_of(n: u64) -> Tree {
    Tree::from_leaf_hashes((0..n).map(|i| leaf_hash(&i.to_be_bytes())))
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut flipped = *hash;
    flipped.0[bit / 8 % 32] ^= 1 << (bit % 8);
    flipped
}

fn check_inclusion(tree: &Tree, index: u64, size: u64) {
    let (index, size) = (LeafIndex::new(index), TreeSize::new(size));
    let proof = tree.inclusion_proof(index, size).unwrap();
    let root = tree.root(size).unwrap();
    let leaf = tree.leaf_hash(index).unwrap();
    verify_inclusion(index, size, &leaf, &proof, &root).unwrap();
    assert!(verify_inclusion(index, size, &flip(&leaf, 3), &proof, &root).is_err());
    assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, 77)).is_err());
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i] = flip(&bad[i], i * 13);
        assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
    }
    if size.get() > 1 {
        let other = LeafIndex::new((index.get() + 1) % size.get());
        assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err(), "wrong index accepted");
    }
}

fn check_consistency(tree: &Tree, from: u64, to: u64) {
    let (from, to) = (TreeSize::new(from), TreeSize::new(to));
    let proof = tree.consistency_proof(from, to).unwrap();
    let (r1, r2) = (tree.root(from).unwrap(), tree.root(to).unwrap());
    verify_consistency(from, to, &r1, &r2, &proof).unwrap();
    assert!(verify_consistency(from, to, &flip(&r1, 5), &r2, &proof).is_err());
    assert!(verify_consistency(from, to, &r1, &flip(&r2, 200), &proof).is_err());
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i] = flip(&bad[i], i * 7 + 1);
        assert!(verify_consistency(from, to, &r1, &r2, &bad).is_err());
    }
}

#[test]
fn every_proof_verifies_and_every_flip_fails_for_all_sizes_up_to_128() {
    let tree = tree_of(128);
    for size in 1..=128 {
        for index in 0..size {
            check_inclusion(&tree, index, size);
        }
        for from in 1..=size {
            check_consistency(&tree, from, size);
        }
    }
}

#[test]
fn sampled_proofs_verify_for_every_size_up_to_3000() {
    let tree = tree_of(3000);
    for size in 1..=3000u64 {
        for index in [0, size / 3, size / 2, size - 1] {
            check_inclusion(&tree, index, size);
        }
        for from in [1, size / 2 + 1, size - size / 7, size] {
            check_consistency(&tree, from.clamp(1, size), size);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_large_trees_prove_random_leaves(size in 3000u64..40_000, a in any::<u64>(), b in any::<u64>()) {
        let tree = tree_of(size);
        let index = a % size;
        let from = 1 + b % size;
        check_inclusion(&tree, index, size);
        check_consistency(&tree, from, size);
    }
}
