//! RFC 9162 §2.1.1: `leaf = SHA-256(0x00 || entry)`, `node = SHA-256(0x01 || left || right)`,
//! and the hash of an empty tree, `SHA-256("")`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// A SHA-256 hash in the tree.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("a hash must be 32 bytes, not {0}")]
    WrongLength(usize),
    #[error("a hash is not valid standard base64")]
    NotBase64,
}

impl Hash {
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashError> {
        bytes.try_into().map(Hash).map_err(|_| HashError::WrongLength(bytes.len()))
    }

    /// Standard base64 (RFC 4648 §4), as checkpoints and proofs carry hashes.
    pub fn from_base64(text: &str) -> Result<Self, HashError> {
        let bytes = STANDARD.decode(text).map_err(|_| HashError::NotBase64)?;
        Self::from_slice(&bytes)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The hash of one leaf's bytes.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Hash(Sha256::new().chain_update([0x00]).chain_update(entry).finalize().into())
}

/// The hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    node_hash_bytes(&left.0, &right.0)
}

/// `SHA-256(0x01 || left || right)` over any bytes (RFC 6962's own test vector
/// uses short children).
pub fn node_hash_bytes(left: &[u8], right: &[u8]) -> Hash {
    Hash(Sha256::new().chain_update([0x01]).chain_update(left).chain_update(right).finalize().into())
}
