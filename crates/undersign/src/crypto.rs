//! Secrets at rest: the instance key file, per-letter keys that encrypt e-mail
//! addresses, keyed lookup hashes, and single-use tokens.
//!
//! Envelope encryption: every letter has its own random key, stored in the database
//! only wrapped (encrypted) under a key derived from the instance key file. A copy of
//! the database alone reveals no address; deleting a letter's wrapped key erases all
//! of its addresses at once; several instances share one key file.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};

use crate::domain::{EmailAddress, LetterId};

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 24;

/// The instance's secret keys, derived from `<data>/keys/instance.key`.
pub struct InstanceKeys {
    lookup: SecretBox<[u8; 32]>,
    wrap: SecretBox<[u8; 32]>,
    pow: SecretBox<[u8; 32]>,
    /// Seals organisers' addresses and second-factor secrets.
    accounts: LetterKey,
    /// Derives each session's CSRF token from its session token.
    csrf: SecretBox<[u8; 32]>,
    /// A one-way fingerprint of the key file, recorded in the database so that
    /// nodes with other keys refuse to start.
    fingerprint: [u8; 32],
}

impl InstanceKeys {
    /// Reads `<dir>/instance.key`, creating it on first start.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let master = read_or_create_key_file(dir, "instance.key", "instance key")?;
        Ok(Self {
            lookup: SecretBox::new(Box::new(derive(&master, b"undersign/v1 email lookup"))),
            wrap: SecretBox::new(Box::new(derive(&master, b"undersign/v1 letter key wrap"))),
            pow: SecretBox::new(Box::new(derive(&master, b"undersign/v1 proof of work"))),
            accounts: LetterKey(SecretBox::new(Box::new(derive(&master, b"undersign/v1 account data")))),
            csrf: SecretBox::new(Box::new(derive(&master, b"undersign/v1 csrf"))),
            fingerprint: derive(&master, b"undersign/v1 key fingerprint"),
        })
    }

    /// The key file's fingerprint: the same for every node with the same file,
    /// and telling nothing of the key.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// A fresh random key for a new letter, and its wrapped form for storage.
    pub fn new_letter_key(&self, letter_slug: &str) -> anyhow::Result<(LetterKey, Vec<u8>)> {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let wrapped = seal(self.wrap.expose_secret(), &key, wrap_aad(letter_slug).as_bytes())?;
        Ok((LetterKey(SecretBox::new(Box::new(key))), wrapped))
    }

    /// Unwraps a letter key read from storage.
    pub fn unwrap_letter_key(&self, letter_slug: &str, wrapped: &[u8]) -> anyhow::Result<LetterKey> {
        let key = open(self.wrap.expose_secret(), wrapped, wrap_aad(letter_slug).as_bytes())
            .context("the letter key does not open with this instance key")?;
        let key: [u8; 32] =
            key.as_slice().try_into().map_err(|_| anyhow::anyhow!("a letter key must be 32 bytes"))?;
        Ok(LetterKey(SecretBox::new(Box::new(key))))
    }

    /// The keyed hash that finds an address among a letter's signatures without
    /// storing it. Scoped per letter so hashes cannot link a person across letters.
    pub fn email_lookup(&self, letter: LetterId, email: &EmailAddress) -> EmailLookup {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(self.lookup.expose_secret()).expect("any key length");
        mac.update(&letter.get().to_be_bytes());
        mac.update(email.canonical().as_bytes());
        EmailLookup(mac.finalize().into_bytes().into())
    }

    /// The keyed hash of a provider-canonical address (gmail dots, plus tags), for
    /// flagging one mailbox that signs twice under two spellings.
    pub fn canonical_lookup(&self, letter: LetterId, canonical: &str) -> EmailLookup {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(self.lookup.expose_secret()).expect("any key length");
        mac.update(b"canonical\0");
        mac.update(&letter.get().to_be_bytes());
        mac.update(canonical.as_bytes());
        EmailLookup(mac.finalize().into_bytes().into())
    }

    /// The keyed hash that finds an organiser's account by address. Another
    /// domain than signers' hashes: the two never match.
    pub fn account_lookup(&self, email: &EmailAddress) -> EmailLookup {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(self.lookup.expose_secret()).expect("any key length");
        mac.update(b"account\0");
        mac.update(email.canonical().as_bytes());
        EmailLookup(mac.finalize().into_bytes().into())
    }

    /// The key that seals organisers' addresses (bound to their lookup hash).
    pub fn account_key(&self) -> &LetterKey {
        &self.accounts
    }

    /// Seals a TOTP secret, bound to its account.
    pub fn seal_totp(&self, account: i64, secret: &[u8]) -> anyhow::Result<Vec<u8>> {
        seal(self.accounts.0.expose_secret(), secret, &totp_aad(account))
    }

    pub fn open_totp(&self, account: i64, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        open(self.accounts.0.expose_secret(), sealed, &totp_aad(account))
    }

    /// A session's CSRF token: derived from the session token, so it needs no
    /// storage, changes with every session, and says nothing about the cookie.
    pub fn csrf_token(&self, session: &PlainToken) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.csrf.expose_secret()).expect("any key length");
        mac.update(session.expose().as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether a submitted CSRF token belongs to this session (constant time).
    pub fn csrf_matches(&self, session: &PlainToken, submitted: &str) -> bool {
        use subtle::ConstantTimeEq;
        let expected = self.csrf_token(session);
        expected.len() == submitted.len() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
    }

    /// The HMAC key that signs proof-of-work challenges (shared by instances).
    pub fn pow_key(&self) -> &[u8; 32] {
        self.pow.expose_secret()
    }
}

impl fmt::Debug for InstanceKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InstanceKeys(<secret>)")
    }
}

/// Reads a 32-byte key file in `dir`, creating it (mode 0600) with random bytes
/// on first start.
fn read_or_create_key_file(dir: &Path, name: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let path = dir.join(name);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            crate::private_files::ensure_private_dir(dir)
                .with_context(|| format!("creating key folder {}", dir.display()))?;
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            write_new_secret_file(&path, &key)?;
            tracing::info!(path = %path.display(), "created a new {what}; back it up with the database");
            key.to_vec()
        }
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    bytes.as_slice().try_into().map_err(|_| {
        anyhow::anyhow!("{} must hold exactly 32 bytes; it holds {}", path.display(), bytes.len())
    })
}

fn totp_aad(account: i64) -> Vec<u8> {
    format!("undersign/v1 totp {account}").into_bytes()
}

fn wrap_aad(letter_slug: &str) -> String {
    format!("undersign/v1 letter {letter_slug}")
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn write_new_secret_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> anyhow::Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(&nonce, Payload { msg: plaintext, aad })
        .map_err(|_| anyhow::anyhow!("encryption failed"))?;
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> anyhow::Result<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        anyhow::bail!("sealed data is too short");
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    XChaCha20Poly1305::new(key.into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad })
        .map_err(|_| anyhow::anyhow!("decryption failed: wrong key or damaged data"))
}

/// The instance's Ed25519 log key (`<data>/keys/log.key`, never in the database):
/// it signs every letter's checkpoints, under a key name equal to the letter's origin.
pub struct LogKey(ed25519_dalek::SigningKey);

impl LogKey {
    /// Reads the key file, creating it (mode 0600) on first start.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let seed = read_or_create_key_file(dir, "log.key", "log signing key")?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The signer for one letter's log.
    pub fn signer(&self, origin: &str) -> anyhow::Result<letterlog::note::NoteSigner> {
        Ok(letterlog::note::NoteSigner::new(origin, self.0.clone())?)
    }

    /// The log key's fingerprint: the SHA-256 of its public key.
    pub fn fingerprint(&self) -> [u8; 32] {
        Sha256::digest(self.public_key().as_bytes()).into()
    }

    pub fn public_key(&self) -> ed25519_dalek::VerifyingKey {
        self.0.verifying_key()
    }
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogKey(<secret>)")
    }
}

/// One letter's data key.
pub struct LetterKey(SecretBox<[u8; 32]>);

impl LetterKey {
    /// Encrypts an address; the signature's lookup hash is bound in as associated
    /// data so a ciphertext cannot be moved to another signature row.
    pub fn seal_email(&self, email: &EmailAddress, lookup: &EmailLookup) -> anyhow::Result<SealedEmail> {
        seal(self.0.expose_secret(), email.as_str().as_bytes(), &lookup.0).map(SealedEmail)
    }

    pub fn open_email(&self, sealed: &SealedEmail, lookup: &EmailLookup) -> anyhow::Result<EmailAddress> {
        let bytes = open(self.0.expose_secret(), &sealed.0, &lookup.0)?;
        let text = String::from_utf8(bytes).context("a stored address is not UTF-8")?;
        EmailAddress::parse(&text).map_err(|_| anyhow::anyhow!("a stored address no longer parses"))
    }
}

impl fmt::Debug for LetterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LetterKey(<secret>)")
    }
}

/// HMAC-SHA-256 of a letter id and a canonical address.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailLookup(pub(crate) [u8; 32]);

impl fmt::Debug for EmailLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailLookup(..)")
    }
}

/// An e-mail address encrypted with its letter's key: nonce, then ciphertext and tag.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedEmail(pub(crate) Vec<u8>);

impl fmt::Debug for SealedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedEmail(..)")
    }
}

/// A single-use token as it appears in a link: 256 random bits, base64url.
/// It exists only in memory and in the e-mail; storage keeps its `HashedToken`.
pub struct PlainToken(String);

impl PlainToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts what came back in a URL; anything not shaped like our tokens is
    /// refused before it reaches storage.
    pub fn parse(text: &str) -> Option<Self> {
        let decoded = URL_SAFE_NO_PAD.decode(text).ok()?;
        (decoded.len() == 32).then(|| Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> HashedToken {
        HashedToken(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainToken(<secret>)")
    }
}

/// SHA-256 of a token: what storage keeps and looks up. A 256-bit random token needs
/// no slow hash; a database leak still gives no usable link.
#[derive(Clone, PartialEq, Eq)]
pub struct HashedToken(pub(crate) [u8; 32]);

impl HashedToken {
    /// Constant-time comparison, for when a stored hash is checked against a
    /// presented one outside an index lookup.
    pub fn matches(&self, other: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        other.len() == 32 && bool::from(self.0.ct_eq(other))
    }
}

impl fmt::Debug for HashedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashedToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (tempfile::TempDir, InstanceKeys) {
        let dir = tempfile::tempdir().unwrap();
        let keys = InstanceKeys::load_or_create(dir.path()).unwrap();
        (dir, keys)
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let (dir, keys) = keys();
        let again = InstanceKeys::load_or_create(dir.path()).unwrap();
        let email = EmailAddress::parse("a@example.org").unwrap();
        assert_eq!(keys.email_lookup(LetterId(1), &email), again.email_lookup(LetterId(1), &email));
    }

    #[test]
    fn an_address_round_trips_through_its_letter_key() {
        let (_dir, keys) = keys();
        let (key, wrapped) = keys.new_letter_key("demo-letter").unwrap();
        let email = EmailAddress::parse("Anna@example.org").unwrap();
        let lookup = keys.email_lookup(LetterId(7), &email);
        let sealed = key.seal_email(&email, &lookup).unwrap();
        assert!(!sealed.0.windows(4).any(|w| w == b"Anna"));
        let unwrapped = keys.unwrap_letter_key("demo-letter", &wrapped).unwrap();
        assert_eq!(unwrapped.open_email(&sealed, &lookup).unwrap(), email);
    }

    #[test]
    fn a_letter_key_does_not_open_under_another_letter() {
        let (_dir, keys) = keys();
        let (_key, wrapped) = keys.new_letter_key("one-letter").unwrap();
        assert!(keys.unwrap_letter_key("another-letter", &wrapped).is_err());
    }

    #[test]
    fn lookups_differ_between_letters_and_ignore_case() {
        let (_dir, keys) = keys();
        let lower = EmailAddress::parse("anna@example.org").unwrap();
        let upper = EmailAddress::parse("ANNA@Example.org").unwrap();
        assert_eq!(keys.email_lookup(LetterId(1), &lower), keys.email_lookup(LetterId(1), &upper));
        assert_ne!(keys.email_lookup(LetterId(1), &lower), keys.email_lookup(LetterId(2), &lower));
    }

    #[test]
    fn tokens_are_256_bit_and_parse_back() {
        let token = PlainToken::generate();
        assert_eq!(token.expose().len(), 43);
        let parsed = PlainToken::parse(token.expose()).unwrap();
        assert!(parsed.hash().matches(&token.hash().0));
        assert!(PlainToken::parse("short").is_none());
    }

    #[test]
    fn debug_of_secrets_prints_nothing_secret() {
        let token = PlainToken::generate();
        let (_dir, keys) = keys();
        let (letter_key, _) = keys.new_letter_key("demo-letter").unwrap();
        for shown in [
            format!("{token:?}"),
            format!("{keys:?}"),
            format!("{letter_key:?}"),
            format!("{:?}", token.hash()),
        ] {
            assert!(!shown.contains(token.expose()), "{shown}");
            assert!(shown.contains("secret") || shown.contains(".."), "{shown}");
        }
    }
}
