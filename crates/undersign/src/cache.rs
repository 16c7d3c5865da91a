//! Letters and letter pages kept in memory, so that reading a count or a page does
//! not touch the database.
//!
//! Two kinds of change reach the cache. A *change* (publication, closing, a
//! withdrawal, a checkpoint) alters what a count or a letter says; it bumps the
//! generation, and nothing cached before it is used again. A *confirmation* only
//! adds to "being added" and to the recent signers; it bumps a second counter.
//! What asks for [`Freshness::Exact`] (the JSON API, which tools poll to see that
//! everything confirmed is in the log) rereads after every confirmation; pages
//! and the badge ask for [`Freshness::Settled`] and keep using an entry for up to
//! [`SETTLE`] after a confirmation made it stale. In the first hour of a viral
//! letter confirmations arrive thousands a second: if each one threw the pages
//! away, every reader would read the database. The log's count itself changes
//! only at checkpoints, so no count shown is ever stale.
//!
//! Invalidation is exact for what this process writes. Whatever else writes the
//! same database (the `undersign letter` commands beside a running server, the
//! other nodes on one PostgreSQL) is seen within [`MAX_AGE`]: no entry is used
//! longer than that, so every node shows a new count within about a second.
//!
//! While the database is out of reach (down, restarting), the last letters
//! read and pages rendered are served however old they are: readers see what
//! they saw a moment before, not an error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::crypto::{InstanceKeys, LetterKey};
use crate::domain::{Letter, LetterId, Slug};
use crate::i18n::Language;
use crate::storage::{LetterStore, StoreError};

/// How long a page may go on showing "being added" and the recent signers as
/// they were before the latest confirmations.
pub const SETTLE: Duration = Duration::from_millis(250);

/// No entry is used for longer than this, whatever the versions say.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// The responses kept rendered: pages, a letter's JSON, its badge.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    Home,
    Campaign(Slug),
    Letter(Slug),
    /// A letter's page showing one of its translations (by language tag).
    LetterText(Slug, String),
    LetterJson(Slug),
    Badge(Slug),
    /// The page that explains a letter's proof.
    Verify(Slug),
}

/// A rendered response body and its ETag, which is made from its bytes: equal
/// bodies get equal tags whatever changed in between, a changed one a new tag.
#[derive(Debug)]
pub struct CachedPage {
    pub body: Bytes,
    pub etag: String,
}

impl CachedPage {
    pub fn new(body: Bytes, lang: Language) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&body);
        let etag = format!("W/\"{}-{}\"", hex::encode(&digest[..12]), lang.code());
        Self { body, etag }
    }
}

/// How current a cached letter must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Everything written so far, confirmations included.
    Exact,
    /// Every change, and confirmations up to [`SETTLE`] old.
    Settled,
}

/// Which writes a cached entry has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Changes that alter counts or letters.
    pub generation: u64,
    /// Confirmations (only "being added" and recent signers depend on them).
    pub confirmations: u64,
}

struct Entry<T> {
    version: Version,
    loaded: Instant,
    value: T,
}

impl<T: Clone> Entry<T> {
    fn usable(&self, now: Version, freshness: Freshness) -> Option<T> {
        let age = self.loaded.elapsed();
        let confirmations_ok = self.version.confirmations == now.confirmations
            || (freshness == Freshness::Settled && age < SETTLE);
        (self.version.generation == now.generation && confirmations_ok && age < MAX_AGE)
            .then(|| self.value.clone())
    }
}

type PageEntry = Entry<Arc<CachedPage>>;

#[derive(Default)]
pub struct LetterCache {
    generation: AtomicU64,
    confirmations: AtomicU64,
    letters: Mutex<HashMap<Slug, Entry<Arc<Letter>>>>,
    pages: Mutex<HashMap<(PageKey, Language), PageEntry>>,
}

impl LetterCache {
    /// What has been written so far.
    pub fn version(&self) -> Version {
        Version {
            generation: self.generation.load(Ordering::Acquire),
            confirmations: self.confirmations.load(Ordering::Acquire),
        }
    }

    /// Forgets everything cached (after a write that changes letters or counts).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Notes a confirmation: cached entries settle within [`SETTLE`].
    pub fn confirmed(&self) {
        self.confirmations.fetch_add(1, Ordering::AcqRel);
    }

    /// A letter, from memory or from storage.
    pub async fn letter(
        &self,
        store: &dyn LetterStore,
        slug: &Slug,
        freshness: Freshness,
    ) -> Result<Option<Arc<Letter>>, StoreError> {
        let version = self.version();
        if let Ok(letters) = self.letters.lock()
            && let Some(found) = letters.get(slug).and_then(|entry| entry.usable(version, freshness))
        {
            return Ok(Some(found));
        }
        let letter = match store.letter(slug).await {
            Ok(Some(letter)) => letter,
            Ok(None) => return Ok(None),
            // The database is out of reach: what was shown last is better
            // than an error page for a reader (writes are refused meanwhile).
            Err(error) if error.is_transient() => match self.last_letter(slug) {
                Some(letter) => return Ok(Some(letter)),
                None => return Err(error),
            },
            Err(error) => return Err(error),
        };
        let letter = Arc::new(letter);
        if self.may_keep(version)
            && let Ok(mut letters) = self.letters.lock()
        {
            letters.insert(slug.clone(), Entry { version, loaded: Instant::now(), value: letter.clone() });
        }
        Ok(Some(letter))
    }

    /// The letter as last read, however old: for when the database is out of reach.
    fn last_letter(&self, slug: &Slug) -> Option<Arc<Letter>> {
        self.letters.lock().ok()?.get(slug).map(|entry| entry.value.clone())
    }

    /// A response as last rendered, however old: for when the database is out
    /// of reach and it cannot be rendered anew.
    pub fn last_page(&self, key: &PageKey, lang: Language) -> Option<Arc<CachedPage>> {
        self.pages.lock().ok()?.get(&(key.clone(), lang)).map(|entry| entry.value.clone())
    }

    /// A rendered response that may still be served at this freshness.
    pub fn page(&self, key: &PageKey, lang: Language, freshness: Freshness) -> Option<Arc<CachedPage>> {
        let pages = self.pages.lock().ok()?;
        pages.get(&(key.clone(), lang))?.usable(self.version(), freshness)
    }

    /// Whether what was read at `version` may be kept: not if a change came in
    /// meanwhile (the read may have raced it). Confirmations may have: the
    /// entry keeps the confirmations it saw, so exact readers pass it by and
    /// others use it only while it settles. (Refusing those too meant that
    /// under a stream of confirmations a page slower to render than the gap
    /// between two of them was never kept, and every reader rendered it.)
    fn may_keep(&self, version: Version) -> bool {
        self.version().generation == version.generation
    }

    /// Keeps a page rendered from data read at `version` (taken before reading),
    /// unless a change came in since; returns it either way.
    pub fn keep_page(&self, key: PageKey, lang: Language, version: Version, html: Bytes) -> Arc<CachedPage> {
        let page = Arc::new(CachedPage::new(html, lang));
        if self.may_keep(version)
            && let Ok(mut pages) = self.pages.lock()
        {
            pages.insert((key, lang), Entry { version, loaded: Instant::now(), value: page.clone() });
        }
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: Version, age: Duration) -> Entry<u32> {
        Entry { version, loaded: Instant::now() - age, value: 7 }
    }

    #[test]
    fn a_change_makes_every_entry_stale_at_once() {
        let cache = LetterCache::default();
        let before = cache.version();
        cache.invalidate();
        assert!(entry(before, Duration::ZERO).usable(cache.version(), Freshness::Settled).is_none());
    }

    #[test]
    fn a_confirmation_lets_a_fresh_entry_settle_and_ends_an_old_one() {
        let cache = LetterCache::default();
        let before = cache.version();
        cache.confirmed();
        let now = cache.version();
        let settled = Freshness::Settled;
        assert_eq!(entry(before, Duration::ZERO).usable(now, settled), Some(7));
        assert!(entry(before, SETTLE + Duration::from_millis(1)).usable(now, settled).is_none());
        assert_eq!(
            entry(now, MAX_AGE / 2).usable(now, settled),
            Some(7),
            "nothing new: usable until MAX_AGE"
        );
    }

    #[test]
    fn an_exact_reader_sees_every_confirmation() {
        let cache = LetterCache::default();
        let before = cache.version();
        cache.confirmed();
        assert!(entry(before, Duration::ZERO).usable(cache.version(), Freshness::Exact).is_none());
        assert!(entry(cache.version(), MAX_AGE / 2).usable(cache.version(), Freshness::Exact).is_some());
    }

    #[test]
    fn a_page_rendered_while_confirmations_came_in_is_kept_to_settle_but_not_across_a_change() {
        let cache = LetterCache::default();
        let key = PageKey::Home;
        let read_at = cache.version();
        cache.confirmed();
        cache.keep_page(key.clone(), Language::En, read_at, Bytes::from_static(b"1"));
        assert!(cache.page(&key, Language::En, Freshness::Settled).is_some(), "kept, settling");
        assert!(cache.page(&key, Language::En, Freshness::Exact).is_none(), "not for exact readers");
        let read_at = cache.version();
        cache.invalidate();
        cache.keep_page(key.clone(), Language::Ru, read_at, Bytes::from_static(b"2"));
        assert!(cache.page(&key, Language::Ru, Freshness::Settled).is_none(), "a change came in: not kept");
    }

    #[test]
    fn no_entry_outlives_its_maximum_age() {
        let cache = LetterCache::default();
        let now = cache.version();
        assert!(entry(now, MAX_AGE + Duration::from_millis(1)).usable(now, Freshness::Settled).is_none());
    }

    #[test]
    fn page_tags_follow_the_bytes() {
        let one = CachedPage::new(Bytes::from_static(b"<p>1 signature</p>"), Language::En);
        let same = CachedPage::new(Bytes::from_static(b"<p>1 signature</p>"), Language::En);
        let other = CachedPage::new(Bytes::from_static(b"<p>2 signatures</p>"), Language::En);
        assert_eq!(one.etag, same.etag);
        assert_ne!(one.etag, other.etag);
    }
}

/// Unwrapped letter keys, kept so a busy letter is not unwrapped per signature.
#[derive(Default)]
pub struct LetterKeyCache(Mutex<HashMap<LetterId, Arc<LetterKey>>>);

impl LetterKeyCache {
    pub async fn get(
        &self,
        store: &dyn LetterStore,
        keys: &InstanceKeys,
        letter: &Letter,
    ) -> anyhow::Result<Arc<LetterKey>> {
        if let Some(key) = self.0.lock().map_err(|_| anyhow::anyhow!("key cache poisoned"))?.get(&letter.id) {
            return Ok(key.clone());
        }
        let wrapped = store
            .wrapped_letter_key(letter.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("letter {} has no key", letter.slug))?;
        let key = Arc::new(keys.unwrap_letter_key(letter.slug.as_str(), &wrapped)?);
        self.0.lock().map_err(|_| anyhow::anyhow!("key cache poisoned"))?.insert(letter.id, key.clone());
        Ok(key)
    }
}
