//! C2SP signed notes with Ed25519 keys: signing, opening, and the vkey strings
//! `<name>+<hex key id>+<base64(0x01 || public key)>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature type byte for Ed25519 in C2SP signed-note.
const ALG_ED25519: u8 = 0x01;
/// Signed-note limits the number of signature lines a verifier reads.
const MAX_SIGNATURES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or '+'")]
    BadKeyName(String),
    #[error("malformed verifier key")]
    BadVerifierKey,
    #[error("malformed signer key")]
    BadSignerKey,
    #[error("the note text must be non-empty UTF-8 ending in a newline, without control characters")]
    BadText,
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("the signature by {0} does not verify")]
    BadSignature(String),
    #[error("no signature by a known key")]
    NoKnownSignature,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// The key id: the first four bytes of SHA-256(name || "\n" || 0x01 || public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(b"\n")
        .chain_update([ALG_ED25519])
        .chain_update(public)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A named Ed25519 public key that checks note signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadKeyName(name.to_owned()));
        }
        Ok(Self { name: name.to_owned(), id: key_id(name, key.as_bytes()), key })
    }

    /// Parses a vkey. The base64 part may contain `+`, so only the first two `+`
    /// separate fields.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (name, id, key) = match (parts.next(), parts.next(), parts.next()) {
            (Some(n), Some(i), Some(k)) => (n, i, k),
            _ => return Err(NoteError::BadVerifierKey),
        };
        if !valid_name(name) {
            return Err(NoteError::BadKeyName(name.to_owned()));
        }
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NoteError::BadVerifierKey);
        }
        let id = u32::from_str_radix(id, 16).map_err(|_| NoteError::BadVerifierKey)?;
        let bytes = STANDARD.decode(key).map_err(|_| NoteError::BadVerifierKey)?;
        let (alg, public) = bytes.split_first().ok_or(NoteError::BadVerifierKey)?;
        let public: [u8; 32] = public.try_into().map_err(|_| NoteError::BadVerifierKey)?;
        if *alg != ALG_ED25519 || key_id(name, &public) != id {
            return Err(NoteError::BadVerifierKey);
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::BadVerifierKey)?;
        Ok(Self { name: name.to_owned(), id, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The vkey string.
    pub fn vkey(&self) -> String {
        let mut bytes = vec![ALG_ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, STANDARD.encode(bytes))
    }
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vkey())
    }
}

/// A named Ed25519 private key that signs notes. `Debug` shows only the name.
pub struct NoteSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl NoteSigner {
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadKeyName(name.to_owned()));
        }
        Ok(Self { name: name.to_owned(), id: key_id(name, key.verifying_key().as_bytes()), key })
    }

    /// Parses the Go `sumdb/note` private key form
    /// `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`.
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        let rest = skey.strip_prefix("PRIVATE+KEY+").ok_or(NoteError::BadSignerKey)?;
        let mut parts = rest.splitn(3, '+');
        let (name, id, key) = match (parts.next(), parts.next(), parts.next()) {
            (Some(n), Some(i), Some(k)) => (n, i, k),
            _ => return Err(NoteError::BadSignerKey),
        };
        let bytes = STANDARD.decode(key).map_err(|_| NoteError::BadSignerKey)?;
        let (alg, seed) = bytes.split_first().ok_or(NoteError::BadSignerKey)?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| NoteError::BadSignerKey)?;
        if *alg != ALG_ED25519 {
            return Err(NoteError::BadSignerKey);
        }
        let signer = Self::new(name, SigningKey::from_bytes(&seed))?;
        if format!("{:08x}", signer.id) != id.to_ascii_lowercase() {
            return Err(NoteError::BadSignerKey);
        }
        Ok(signer)
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// Signs `text` (which must end in a newline) and returns the whole note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!("{text}\n— {} {}\n", self.name, STANDARD.encode(blob)))
    }
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoteSigner({}, <secret>)", self.name)
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    let ok = !text.is_empty() && text.ends_with('\n') && !text.chars().any(|c| c.is_control() && c != '\n');
    if ok { Ok(()) } else { Err(NoteError::BadText) }
}

/// An opened note: its text and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    pub text: String,
    /// Names of known keys whose signatures verified.
    pub verified: Vec<String>,
    /// Names on signatures from keys we do not know (ignored, as the spec says).
    pub unverified: Vec<String>,
}

/// Opens a note: splits text from signatures at the last blank line, checks every
/// signature by a known key (one failing signature rejects the note) and requires
/// at least one.
pub fn open(note: &str, verifiers: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    let split = note.rfind("\n\n").ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let text = &note[..split + 1];
    let signatures = &note[split + 2..];
    check_text(text)?;
    if signatures.is_empty() || !signatures.ends_with('\n') {
        return Err(NoteError::Malformed("the signature block must end with a newline"));
    }
    let mut opened = OpenedNote { text: text.to_owned(), verified: Vec::new(), unverified: Vec::new() };
    for (count, line) in signatures.lines().enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures"));
        }
        let rest =
            line.strip_prefix("— ").ok_or(NoteError::Malformed("a signature line must start with '— '"))?;
        let (name, blob) = rest
            .split_once(' ')
            .ok_or(NoteError::Malformed("a signature line needs a name and a signature"))?;
        if !valid_name(name) {
            return Err(NoteError::Malformed("bad key name on a signature line"));
        }
        let blob = STANDARD.decode(blob).map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if blob.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short"));
        }
        let id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        match verifiers.iter().find(|v| v.name == name && v.id == id) {
            Some(verifier) => {
                let signature = Signature::from_slice(&blob[4..])
                    .map_err(|_| NoteError::BadSignature(name.to_owned()))?;
                verifier
                    .key
                    .verify(text.as_bytes(), &signature)
                    .map_err(|_| NoteError::BadSignature(name.to_owned()))?;
                opened.verified.push(name.to_owned());
            }
            None => opened.unverified.push(name.to_owned()),
        }
    }
    if opened.verified.is_empty() {
        return Err(NoteError::NoKnownSignature);
    }
    Ok(opened)
}
