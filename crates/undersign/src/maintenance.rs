//! Housekeeping that keeps a flood from filling the disk: unconfirmed signatures
//! are deleted after seven days, spent proof-of-work challenges once they expire;
//! the operator's list of throwaway domains is re-read when it changes; idle
//! organiser sessions end, and letters whose closing day is over close.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

/// How long an unconfirmed signature is kept (the link's validity).
pub const PENDING_KEPT: time::Duration = time::Duration::days(7);
const EVERY: Duration = Duration::from_secs(60);

/// One round: purge and reload. Returns (signatures, challenges) deleted.
pub async fn run_once(state: &AppState) -> anyhow::Result<(u64, u64)> {
    state.disposable.reload_if_changed();
    let now = state.clock.now();
    let (signatures, challenges) = state.store.purge_expired(now - PENDING_KEPT, now).await?;
    if signatures > 0 || challenges > 0 {
        tracing::info!(signatures, challenges, "purged expired unconfirmed signatures and spent challenges");
    }
    let sessions = state
        .store
        .purge_sessions(
            now - crate::organisers::SESSION_IDLE,
            now - crate::organisers::SESSION_LONGEST,
            now - time::Duration::hours(1),
            now,
        )
        .await?;
    if sessions > 0 {
        tracing::info!(sessions, "ended idle organiser sessions");
    }
    close_letters_past_their_day(state).await?;
    // New-version mail the server stopped before queueing (it queues at once).
    for letter in state.store.letters_with_version_notices_due().await? {
        crate::organisers::texts::queue_notices(state, letter).await?;
    }
    Ok((signatures, challenges))
}

/// Letters with a closing day close once that day (UTC) is over.
async fn close_letters_past_their_day(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now();
    let audit = crate::storage::organisers::AuditEntry {
        at: now,
        account: None,
        letter: None,
        action: crate::organisers::actions::LETTER_CLOSED.to_owned(),
        detail: crate::organisers::detail("closing-day-passed", &[]),
    };
    let closed = state.store.close_letters_past_their_day(now.date(), audit).await?;
    if !closed.is_empty() {
        state.cache.invalidate();
        for slug in &closed {
            tracing::info!(letter.slug = %slug, "letter closed: its closing day passed");
        }
    }
    Ok(())
}

pub async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(EVERY);
    // Runs every `EVERY` anyway: the back-off only keeps a repeated failure to
    // one log line with a count.
    let mut failures = crate::faults::Backoff::for_worker("maintenance");
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        match run_once(&state).await {
            Ok(_) => failures.succeeded(),
            Err(error) => {
                failures.failed(&error);
            }
        }
    }
}
