//! A signed note (a checkpoint with its signatures), opened with a known
//! key, and verifier keys (vkeys) as `undersign verify --key` reads them.
#![no_main]

use std::sync::LazyLock;

use ed25519_dalek::SigningKey;
use letterlog::note::{NoteSigner, NoteVerifier, open};

/// A fixed key, so that a note can verify at all.
static VERIFIER: LazyLock<NoteVerifier> = LazyLock::new(|| {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    NoteSigner::new("fuzz.example.org/letters/fuzz", key).expect("a valid name").verifier()
});

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = open(text, std::slice::from_ref(&*VERIFIER));
    let _ = NoteVerifier::parse(text);
});
