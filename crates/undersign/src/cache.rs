//! Letters and letter pages kept in memory, so that reading a count or a page does
//! not touch the database. Whatever this instance writes that changes them
//! (a confirmation, a withdrawal, a checkpoint, a publication) bumps one global
//! generation; entries of an older generation are simply not used again.
//!
//! One instance owns the SQLite file, so this invalidation is exact. (Several
//! instances sharing PostgreSQL will need a short time-to-live as well.)

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

use crate::domain::{Letter, Slug};
use crate::i18n::Language;
use crate::storage::{Store, StoreError};

#[derive(Default)]
pub struct LetterCache {
    generation: AtomicU64,
    letters: Mutex<HashMap<Slug, (u64, Arc<Letter>)>>,
    pages: Mutex<HashMap<(Slug, Language), (u64, Bytes)>>,
}

impl LetterCache {
    /// The current generation: part of ETags, so they change with the content.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets everything cached (after a write that changes letters or counts).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// A letter, from memory or (once per generation) from storage.
    pub async fn letter(&self, store: &dyn Store, slug: &Slug) -> Result<Option<Arc<Letter>>, StoreError> {
        let generation = self.generation();
        if let Ok(letters) = self.letters.lock()
            && let Some((cached, letter)) = letters.get(slug)
            && *cached == generation
        {
            return Ok(Some(letter.clone()));
        }
        let Some(letter) = store.letter(slug).await? else { return Ok(None) };
        let letter = Arc::new(letter);
        // Only if nothing was written meanwhile: a read that raced a write must
        // not be kept.
        if self.generation() == generation
            && let Ok(mut letters) = self.letters.lock()
        {
            letters.insert(slug.clone(), (generation, letter.clone()));
        }
        Ok(Some(letter))
    }

    /// A rendered letter page of the given generation, if cached.
    pub fn page(&self, slug: &Slug, lang: Language, generation: u64) -> Option<Bytes> {
        let pages = self.pages.lock().ok()?;
        let (cached, html) = pages.get(&(slug.clone(), lang))?;
        (*cached == generation).then(|| html.clone())
    }

    /// Keeps a page rendered from data of `generation`.
    pub fn keep_page(&self, slug: &Slug, lang: Language, generation: u64, html: Bytes) {
        if self.generation() == generation
            && let Ok(mut pages) = self.pages.lock()
        {
            pages.insert((slug.clone(), lang), (generation, html));
        }
    }
}
