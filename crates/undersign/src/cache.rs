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
//! only at checkpoints.
//!
//! A page is rendered by one reader at a time. While it renders, the readers
//! who come meanwhile are served the page as last rendered (stale while
//! revalidating; a render that takes longer than [`STALE_LIMIT`] is presumed
//! stuck and readers render for themselves). Under a stream of confirmations
//! the integrator publishes checkpoints many times a second; when each one
//! sent every reader to render the letter's page, sixty-four readers brought
//! it down to tens of answers a second. So under load a page may lag the
//! newest checkpoint by the time one render takes; a reader with nobody
//! rendering renders it anew, so after a quiet moment what this process
//! wrote shows on the next load.
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

/// The oldest page served to readers while another reader renders it anew; a
/// render that takes longer than this is presumed stuck, and readers render
/// for themselves.
pub const STALE_LIMIT: Duration = Duration::from_secs(5);

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

impl Version {
    /// Whether this has seen every write `other` has (both counters only grow).
    fn at_least(self, other: Version) -> bool {
        self.generation >= other.generation && self.confirmations >= other.confirmations
    }
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

/// A page as last rendered, and the render under way for it, if any.
#[derive(Default)]
struct PageSlot {
    kept: Option<PageEntry>,
    rendering: Option<Render>,
}

/// A render under way: which one (so only it clears itself) and when it began.
#[derive(Debug, Clone, Copy)]
struct Render {
    id: u64,
    began: Instant,
}

type SlotKey = (PageKey, Language);

#[derive(Default)]
pub struct LetterCache {
    generation: AtomicU64,
    confirmations: AtomicU64,
    renders: AtomicU64,
    letters: Mutex<HashMap<Slug, Entry<Arc<Letter>>>>,
    pages: Mutex<HashMap<SlotKey, PageSlot>>,
}

/// What a reader of a kept response is to do.
pub enum PageLookup<'a> {
    /// Serve this.
    Serve(Arc<CachedPage>),
    /// Render it, then hand the body to [`RenderTicket::keep`].
    Render(RenderTicket<'a>),
}

/// The right, and the duty, to render one page: readers who come meanwhile
/// are served the page as it was. Dropped without [`RenderTicket::keep`] (the
/// render failed, or the client went away and the request was cancelled), it
/// lets the next reader render.
pub struct RenderTicket<'a> {
    cache: &'a LetterCache,
    key: Option<SlotKey>,
    version: Version,
    id: Option<u64>,
}

impl RenderTicket<'_> {
    /// Keeps the rendered body with the version it was read at, unless a
    /// later render was kept first; returns it either way. A body that raced
    /// a change is kept too: it is not served as current (its generation is
    /// behind), only to readers who come while the next render runs.
    pub fn keep(mut self, html: Bytes) -> Arc<CachedPage> {
        let (key, lang) = self.key.take().expect("a ticket is kept once");
        let page = Arc::new(CachedPage::new(html, lang));
        if let Ok(mut pages) = self.cache.pages.lock() {
            let slot = slot_for(&mut pages, (key, lang));
            if slot.kept.as_ref().is_none_or(|kept| self.version.at_least(kept.version)) {
                slot.kept =
                    Some(Entry { version: self.version, loaded: Instant::now(), value: page.clone() });
            }
            slot.end_render(self.id);
        }
        page
    }
}

impl Drop for RenderTicket<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take()
            && let Ok(mut pages) = self.cache.pages.lock()
            && let Some(slot) = pages.get_mut(&key)
        {
            slot.end_render(self.id);
            // Nothing rendered for it (a letter that does not exist): no slot
            // stays behind for it.
            if slot.kept.is_none() && slot.rendering.is_none() {
                pages.remove(&key);
            }
        }
    }
}

/// Most pages kept at once. Keys come from addresses (a slug, a translation's
/// language tag), so a client could make up endless ones: past this many, the
/// pages not being rendered are forgotten and rendered again when asked for.
/// A few thousand covers every page of hundreds of letters in two languages.
const MOST_PAGES: usize = 4_096;

/// A page's slot, made if there is none (forgetting the others first when
/// [`MOST_PAGES`] are kept).
fn slot_for(pages: &mut HashMap<SlotKey, PageSlot>, key: SlotKey) -> &mut PageSlot {
    if pages.len() >= MOST_PAGES && !pages.contains_key(&key) {
        pages.retain(|_, slot| slot.rendering.is_some());
    }
    pages.entry(key).or_default()
}

impl PageSlot {
    fn end_render(&mut self, id: Option<u64>) {
        if id.is_some() && self.rendering.map(|r| r.id) == id {
            self.rendering = None;
        }
    }

    /// The kept page, however far behind, if another reader is rendering it
    /// anew (and has not been at it too long).
    fn stale_while_rendering(&self) -> Option<Arc<CachedPage>> {
        let render = self.rendering?;
        let kept = self.kept.as_ref()?;
        (render.began.elapsed() < STALE_LIMIT).then(|| kept.value.clone())
    }
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
        let pages = self.pages.lock().ok()?;
        pages.get(&(key.clone(), lang))?.kept.as_ref().map(|entry| entry.value.clone())
    }

    /// A rendered response that may be served at this freshness, or the ticket
    /// to render it. Exact readers render whenever the kept one is behind;
    /// settled ones are served the kept page while somebody renders it anew.
    pub fn page(&self, key: PageKey, lang: Language, freshness: Freshness) -> PageLookup<'_> {
        let now = self.version();
        let unmarked =
            |key| PageLookup::Render(RenderTicket { cache: self, key: Some(key), version: now, id: None });
        let slot_key = (key, lang);
        let Ok(mut pages) = self.pages.lock() else {
            return unmarked(slot_key);
        };
        if let Some(slot) = pages.get(&slot_key) {
            if let Some(page) = slot.kept.as_ref().and_then(|entry| entry.usable(now, freshness)) {
                return PageLookup::Serve(page);
            }
            if freshness == Freshness::Exact {
                return unmarked(slot_key);
            }
            if let Some(page) = slot.stale_while_rendering() {
                return PageLookup::Serve(page);
            }
        } else if freshness == Freshness::Exact {
            return unmarked(slot_key);
        }
        let id = self.renders.fetch_add(1, Ordering::Relaxed);
        slot_for(&mut pages, slot_key.clone()).rendering = Some(Render { id, began: Instant::now() });
        PageLookup::Render(RenderTicket { cache: self, key: Some(slot_key), version: now, id: Some(id) })
    }

    /// Whether a letter read at `version` may be kept: not if a change came in
    /// meanwhile (the read may have raced it). Confirmations may have: the
    /// entry keeps the confirmations it saw, so exact readers pass it by and
    /// others use it only while it settles. (Pages are kept by
    /// [`RenderTicket::keep`], which keeps a raced page as behind instead.)
    fn may_keep(&self, version: Version) -> bool {
        self.version().generation == version.generation
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

    fn render<'a>(
        cache: &'a LetterCache,
        key: &PageKey,
        lang: Language,
        freshness: Freshness,
    ) -> RenderTicket<'a> {
        match cache.page(key.clone(), lang, freshness) {
            PageLookup::Render(ticket) => ticket,
            PageLookup::Serve(_) => panic!("served, expected to render"),
        }
    }

    fn served(cache: &LetterCache, key: &PageKey, lang: Language, freshness: Freshness) -> Option<Bytes> {
        match cache.page(key.clone(), lang, freshness) {
            PageLookup::Serve(page) => Some(page.body.clone()),
            PageLookup::Render(_) => None,
        }
    }

    #[test]
    fn a_page_rendered_while_confirmations_came_in_settles_but_one_that_raced_a_change_is_behind() {
        let cache = LetterCache::default();
        let key = PageKey::Home;
        let ticket = render(&cache, &key, Language::En, Freshness::Settled);
        cache.confirmed();
        ticket.keep(Bytes::from_static(b"1"));
        assert!(served(&cache, &key, Language::En, Freshness::Settled).is_some(), "kept, settling");
        assert!(served(&cache, &key, Language::En, Freshness::Exact).is_none(), "not for exact readers");
        let ticket = render(&cache, &key, Language::Ru, Freshness::Settled);
        cache.invalidate();
        ticket.keep(Bytes::from_static(b"2"));
        assert!(
            served(&cache, &key, Language::Ru, Freshness::Settled).is_none(),
            "a change came in: render anew"
        );
    }

    #[test]
    fn while_one_reader_renders_the_others_get_the_page_as_it_was() {
        let cache = LetterCache::default();
        let key = PageKey::Letter(Slug::parse("a-letter").unwrap());
        render(&cache, &key, Language::En, Freshness::Settled).keep(Bytes::from_static(b"old"));
        cache.invalidate();
        let first = render(&cache, &key, Language::En, Freshness::Settled);
        assert_eq!(served(&cache, &key, Language::En, Freshness::Settled).as_deref(), Some(&b"old"[..]));
        assert_eq!(
            served(&cache, &key, Language::Ru, Freshness::Settled),
            None,
            "another language is its own page"
        );
        first.keep(Bytes::from_static(b"new"));
        assert_eq!(served(&cache, &key, Language::En, Freshness::Settled).as_deref(), Some(&b"new"[..]));
    }

    #[test]
    fn a_render_that_raced_a_change_is_served_only_while_the_next_one_runs() {
        let cache = LetterCache::default();
        let key = PageKey::Home;
        render(&cache, &key, Language::En, Freshness::Settled).keep(Bytes::from_static(b"old"));
        cache.invalidate();
        let raced = render(&cache, &key, Language::En, Freshness::Settled);
        cache.invalidate();
        raced.keep(Bytes::from_static(b"raced"));
        // Behind the change: the next reader renders, the ones after it get
        // the newest kept meanwhile.
        let next = render(&cache, &key, Language::En, Freshness::Settled);
        assert_eq!(served(&cache, &key, Language::En, Freshness::Settled).as_deref(), Some(&b"raced"[..]));
        next.keep(Bytes::from_static(b"current"));
        assert_eq!(served(&cache, &key, Language::En, Freshness::Settled).as_deref(), Some(&b"current"[..]));
    }

    #[test]
    fn an_older_render_finishing_last_does_not_replace_a_newer_one() {
        let cache = LetterCache::default();
        let key = PageKey::Home;
        let older = render(&cache, &key, Language::En, Freshness::Exact);
        cache.invalidate();
        render(&cache, &key, Language::En, Freshness::Exact).keep(Bytes::from_static(b"newer"));
        older.keep(Bytes::from_static(b"older"));
        assert_eq!(served(&cache, &key, Language::En, Freshness::Exact).as_deref(), Some(&b"newer"[..]));
    }

    #[test]
    fn a_render_dropped_unfinished_lets_the_next_reader_render() {
        let cache = LetterCache::default();
        let key = PageKey::Home;
        render(&cache, &key, Language::En, Freshness::Settled).keep(Bytes::from_static(b"old"));
        cache.invalidate();
        drop(render(&cache, &key, Language::En, Freshness::Settled));
        assert!(
            served(&cache, &key, Language::En, Freshness::Settled).is_none(),
            "nobody is rendering: render"
        );
    }

    #[test]
    fn made_up_addresses_neither_leave_slots_nor_grow_the_cache_without_end() {
        let cache = LetterCache::default();
        let missing = PageKey::Letter(Slug::parse("no-such-letter").unwrap());
        drop(render(&cache, &missing, Language::En, Freshness::Settled));
        assert!(cache.pages.lock().unwrap().is_empty(), "a failed render leaves nothing");
        let kept = PageKey::Home;
        render(&cache, &kept, Language::En, Freshness::Settled).keep(Bytes::from_static(b"home"));
        for n in 0..MOST_PAGES + 10 {
            let key = PageKey::LetterText(Slug::parse("a-letter").unwrap(), format!("en-x{n}"));
            render(&cache, &key, Language::En, Freshness::Settled).keep(Bytes::from_static(b"page"));
        }
        assert!(cache.pages.lock().unwrap().len() <= MOST_PAGES);
    }

    #[test]
    fn exact_readers_are_never_served_a_page_behind() {
        let cache = LetterCache::default();
        let key = PageKey::LetterJson(Slug::parse("a-letter").unwrap());
        render(&cache, &key, Language::En, Freshness::Exact).keep(Bytes::from_static(b"old"));
        cache.confirmed();
        let _first = render(&cache, &key, Language::En, Freshness::Exact);
        assert!(served(&cache, &key, Language::En, Freshness::Exact).is_none());
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
