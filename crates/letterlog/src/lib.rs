//! The letter log of undersign, as specified in `docs/log.md` ("The format, byte for byte"):
//! pure functions and types, no I/O, no async, no database.
//!
//! - [`hash`]: RFC 9162 §2.1.1 leaf and node hashing.
//! - [`index`]: leaf indexes and tree sizes, two types that do not mix.
//! - [`tree`]: an append-only Merkle tree that computes roots, inclusion proofs
//!   (RFC 9162 §2.1.3) and consistency proofs (§2.1.4) for any earlier size.
//! - [`proof`]: verification of both kinds of proof, for light clients.
//! - [`tiles`]: C2SP tlog-tiles paths and contents (height 8).
//! - [`note`]: C2SP signed notes with Ed25519 keys, vkeys and key ids.
//! - [`checkpoint`]: C2SP tlog-checkpoint bodies.
//! - [`leaf`]: our leaf format and record commitments.
//! - [`count`]: the spec's counting rule.
//!
//! ```
//! use letterlog::{hash::leaf_hash, proof::verify_inclusion, tree::Tree, LeafIndex, TreeSize};
//!
//! let mut tree = Tree::new();
//! for entry in [b"a", b"b", b"c"] {
//!     tree.push(leaf_hash(entry));
//! }
//! let size = TreeSize::new(3);
//! let proof = tree.inclusion_proof(LeafIndex::new(1), size).unwrap();
//! let root = tree.root(size).unwrap();
//! assert!(verify_inclusion(LeafIndex::new(1), size, &leaf_hash(b"b"), &proof, &root).is_ok());
//! ```

pub mod checkpoint;
pub mod count;
pub mod hash;
pub mod index;
pub mod leaf;
pub mod note;
pub mod proof;
pub mod tiles;
pub mod tree;

pub use hash::Hash;
pub use index::{LeafIndex, TreeSize};
