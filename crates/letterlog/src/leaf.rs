//! Our leaf format (spec "Leaves"): ASCII, one field a line, in this order:
//!
//! ```text
//! undersign/v1
//! letter <letter-slug>
//! kind <text|signature|withdrawal|strike>
//! time <integration time, Unix seconds>
//! ref <leaf index>            (withdrawal and strike only)
//! commit <64 lowercase hex digits>
//! ```
//!
//! Parsing is strict: anything else, in any other order or spelling, is an error.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::index::LeafIndex;

const MAGIC: &str = "undersign/v1";

/// What a leaf records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A published version of the letter's text.
    Text,
    /// One confirmed signature.
    Signature,
    /// The signer took back the signature at `ref`.
    Withdrawal,
    /// A moderator removed the signature at `ref`.
    Strike,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Text => "text",
            EntryKind::Signature => "signature",
            EntryKind::Withdrawal => "withdrawal",
            EntryKind::Strike => "strike",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "text" => EntryKind::Text,
            "signature" => EntryKind::Signature,
            "withdrawal" => EntryKind::Withdrawal,
            "strike" => EntryKind::Strike,
            _ => return None,
        })
    }

    /// Withdrawals and strikes refer to a signature.
    pub fn has_ref(self) -> bool {
        matches!(self, EntryKind::Withdrawal | EntryKind::Strike)
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed leaf. Construct with [`Leaf::new`], which enforces the kind/ref rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    letter: String,
    kind: EntryKind,
    time: u64,
    reference: Option<LeafIndex>,
    commit: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    #[error("a leaf is ASCII text ending in a newline")]
    NotAsciiLines,
    #[error("the first line must be {MAGIC}")]
    WrongMagic,
    #[error("expected the line {expected:?} at line {line}")]
    ExpectedField { expected: &'static str, line: usize },
    #[error("the letter slug is not valid")]
    BadSlug,
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    #[error("{field} must be a decimal number without leading zeros")]
    BadNumber { field: &'static str },
    #[error("a {0} leaf needs a ref line")]
    MissingRef(EntryKind),
    #[error("a {0} leaf must not have a ref line")]
    UnexpectedRef(EntryKind),
    #[error("commit must be 64 lowercase hex digits")]
    BadCommit,
    #[error("unexpected text after the commit line")]
    TrailingData,
}

fn valid_slug(slug: &str) -> bool {
    (3..=64).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

fn parse_number(text: &str, field: &'static str) -> Result<u64, LeafError> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !ok {
        return Err(LeafError::BadNumber { field });
    }
    text.parse().map_err(|_| LeafError::BadNumber { field })
}

impl Leaf {
    pub fn new(
        letter: &str,
        kind: EntryKind,
        time: u64,
        reference: Option<LeafIndex>,
        commit: [u8; 32],
    ) -> Result<Self, LeafError> {
        if !valid_slug(letter) {
            return Err(LeafError::BadSlug);
        }
        match (kind.has_ref(), reference) {
            (true, None) => return Err(LeafError::MissingRef(kind)),
            (false, Some(_)) => return Err(LeafError::UnexpectedRef(kind)),
            _ => {}
        }
        Ok(Self { letter: letter.to_owned(), kind, time, reference, commit })
    }

    pub fn letter(&self) -> &str {
        &self.letter
    }

    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    pub fn time(&self) -> u64 {
        self.time
    }

    pub fn reference(&self) -> Option<LeafIndex> {
        self.reference
    }

    pub fn commit(&self) -> &[u8; 32] {
        &self.commit
    }

    /// The exact bytes that are hashed into the tree.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = format!("{MAGIC}\nletter {}\nkind {}\ntime {}\n", self.letter, self.kind, self.time);
        if let Some(reference) = self.reference {
            text.push_str(&format!("ref {}\n", reference.get()));
        }
        text.push_str(&format!("commit {}\n", hex::encode(self.commit)));
        text.into_bytes()
    }

    /// Parses leaf bytes strictly.
    pub fn parse(bytes: &[u8]) -> Result<Self, LeafError> {
        if !bytes.is_ascii() || !bytes.ends_with(b"\n") {
            return Err(LeafError::NotAsciiLines);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| LeafError::NotAsciiLines)?;
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        if lines.first() != Some(&MAGIC) {
            return Err(LeafError::WrongMagic);
        }
        let mut at = 1;
        let mut next = |name: &'static str| -> Result<&str, LeafError> {
            let line = lines.get(at).ok_or(LeafError::ExpectedField { expected: name, line: at + 1 })?;
            let value = line
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or(LeafError::ExpectedField { expected: name, line: at + 1 })?;
            at += 1;
            Ok(value)
        };
        let letter = next("letter")?;
        if !valid_slug(letter) {
            return Err(LeafError::BadSlug);
        }
        let kind_text = next("kind")?;
        let kind = EntryKind::parse(kind_text).ok_or_else(|| LeafError::UnknownKind(kind_text.to_owned()))?;
        let time = parse_number(next("time")?, "time")?;
        let reference = if kind.has_ref() {
            Some(LeafIndex::new(parse_number(next("ref").map_err(|_| LeafError::MissingRef(kind))?, "ref")?))
        } else {
            None
        };
        let commit_line = next("commit").map_err(|error| match lines.get(at) {
            Some(line) if !kind.has_ref() && line.starts_with("ref ") => LeafError::UnexpectedRef(kind),
            _ => error,
        })?;
        if commit_line.len() != 64
            || !commit_line.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(LeafError::BadCommit);
        }
        let mut commit = [0u8; 32];
        hex::decode_to_slice(commit_line, &mut commit).map_err(|_| LeafError::BadCommit)?;
        if lines.len() > at {
            return Err(LeafError::TrailingData);
        }
        Ok(Self { letter: letter.to_owned(), kind, time, reference, commit })
    }
}

/// `SHA-256(salt || record)`: what a leaf commits to.
pub fn commitment(salt: &[u8; 32], record: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(salt).chain_update(record).finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature_leaf() -> Leaf {
        Leaf::new("scientists-2020", EntryKind::Signature, 1_700_000_000, None, [0xab; 32]).unwrap()
    }

    #[test]
    fn a_leaf_has_the_exact_spec_layout() {
        let withdrawal = Leaf::new(
            "scientists-2020",
            EntryKind::Withdrawal,
            1_700_000_100,
            Some(LeafIndex::new(17)),
            [1; 32],
        )
        .unwrap();
        let expected = format!(
            "undersign/v1\nletter scientists-2020\nkind withdrawal\ntime 1700000100\nref 17\ncommit {}\n",
            "01".repeat(32)
        );
        assert_eq!(String::from_utf8(withdrawal.to_bytes()).unwrap(), expected);
        assert_eq!(Leaf::parse(expected.as_bytes()).unwrap(), withdrawal);
        let signature = signature_leaf();
        assert_eq!(Leaf::parse(&signature.to_bytes()).unwrap(), signature);
    }

    #[test]
    fn every_malformation_is_refused() {
        let good = String::from_utf8(signature_leaf().to_bytes()).unwrap();
        let commit_line = format!("commit {}\n", "ab".repeat(32));
        let cases: Vec<String> = vec![
            good.trim_end().to_owned(),                                    // no final newline
            good.replace("undersign/v1", "undersign/v2"),                  // magic
            good.replace("letter scientists-2020", "letter Scientists"),   // slug
            good.replace("kind signature", "kind petition"),               // kind
            good.replace("time 1700000000", "time 01700000000"),           // leading zero
            good.replace("time 1700000000", "time -1"),                    // sign
            good.replace("kind signature\n", "kind withdrawal\n"),         // missing ref
            good.replace("time 1700000000\n", "time 1700000000\nref 3\n"), // unexpected ref
            good.replace(&commit_line, &format!("commit {}\n", "AB".repeat(32))), // upper-case hex
            good.replace(&commit_line, &format!("commit {}\n", "ab".repeat(31))), // short commit
            format!("{good}extra\n"),                                      // trailing line
            good.replace("letter", "letter "),                             // double space
            good.replace('\n', "\r\n"),                                    // CRLF
            good.replacen("kind signature\ntime 1700000000", "time 1700000000\nkind signature", 1), // order
        ];
        for case in cases {
            assert!(Leaf::parse(case.as_bytes()).is_err(), "accepted {case:?}");
        }
    }

    #[test]
    fn the_kind_and_ref_rule_holds_when_building() {
        assert!(Leaf::new("abc", EntryKind::Strike, 0, None, [0; 32]).is_err());
        assert!(Leaf::new("abc", EntryKind::Text, 0, Some(LeafIndex::new(0)), [0; 32]).is_err());
        assert!(Leaf::new("a", EntryKind::Text, 0, None, [0; 32]).is_err());
    }

    #[test]
    fn the_commitment_is_sha256_of_salt_then_record() {
        let salt = [7u8; 32];
        let mut concatenated = salt.to_vec();
        concatenated.extend_from_slice(b"{\"name\":\"A\"}");
        assert_eq!(commitment(&salt, b"{\"name\":\"A\"}"), <[u8; 32]>::from(Sha256::digest(&concatenated)));
    }
}
