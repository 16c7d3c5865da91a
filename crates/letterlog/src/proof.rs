//! Verifying proofs, as a light client does: RFC 9162 §2.1.3.2 (inclusion) and
//! §2.1.4.2 (consistency), with the edge cases of transparency-dev/merkle.

use crate::hash::{Hash, node_hash};
use crate::index::{LeafIndex, TreeSize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
    #[error("a consistency proof needs 0 < from ≤ to")]
    BadRange,
}

fn lsb(n: u64) -> bool {
    n & 1 == 1
}

/// Checks that `leaf` is at `index` in the tree of `size` whose root is `root`.
pub fn verify_inclusion(
    index: LeafIndex,
    size: TreeSize,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if !size.contains(index) {
        return Err(ProofError::IndexOutOfRange { index: index.get(), size: size.get() });
    }
    let (mut f_n, mut s_n) = (index.get(), size.get() - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength);
        }
        if lsb(f_n) || f_n == s_n {
            r = node_hash(p, &r);
            while !lsb(f_n) && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of size `from` with root `from_root` is a prefix of the
/// tree of size `to` with root `to_root`.
pub fn verify_consistency(
    from: TreeSize,
    to: TreeSize,
    from_root: &Hash,
    to_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    let (m, n) = (from.get(), to.get());
    if m == 0 || m > n {
        return Err(ProofError::BadRange);
    }
    if m == n {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if from_root == to_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if m.is_power_of_two() {
        path.push(*from_root);
    }
    path.extend_from_slice(proof);
    let (mut f_n, mut s_n) = (m - 1, n - 1);
    while lsb(f_n) {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return Err(ProofError::WrongLength);
        }
        if lsb(f_n) || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while !lsb(f_n) && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength);
    }
    if f_r != *from_root || s_r != *to_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}
