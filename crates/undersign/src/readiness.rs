//! Whether this node should get traffic (`/readyz`): its database accepts a
//! durable write now, and no letter's confirmed signatures have waited longer
//! than the configured lag for a checkpoint. `/healthz` only says the process
//! answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::faults::RepeatedErrors;
use crate::storage::{LetterLogHealth, Store, StoreError};
use time::OffsetDateTime;

/// A check answered within this long is reused: load balancers probing every
/// second from several places cost one database write a second, not one each.
const REUSE_FOR: Duration = Duration::from_secs(1);
/// A database that has not answered the probe within this is not ready.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What the last check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// `None` when the probe write committed; else why not, in words.
    pub database: Option<&'static str>,
    pub log: LogState,
}

/// How far behind the letters' logs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogState {
    /// Every letter's due entries waited at most the configured lag.
    Current,
    /// The letter furthest behind, and by how long.
    Behind { letter: String, by: Duration },
    /// Not known: the database could not be read or written.
    Unknown,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.database.is_none() && self.log == LogState::Current
    }
}

/// The latest check, shared by every request.
#[derive(Debug, Default)]
pub struct ReadinessCache {
    last: Mutex<Option<(Instant, Arc<Readiness>)>>,
}

impl ReadinessCache {
    /// The readiness of the node `node` on `store` at `now`, checked at most
    /// once per [`REUSE_FOR`].
    pub async fn check(
        &self,
        store: &dyn Store,
        node: &str,
        now: OffsetDateTime,
        max_lag: Duration,
    ) -> Arc<Readiness> {
        let mut last = self.last.lock().await;
        if let Some((at, readiness)) = last.as_ref()
            && at.elapsed() < REUSE_FOR
        {
            return readiness.clone();
        }
        let readiness = Arc::new(check(store, node, now, max_lag).await);
        *last = Some((Instant::now(), readiness.clone()));
        readiness
    }
}

async fn check(store: &dyn Store, node: &str, now: OffsetDateTime, max_lag: Duration) -> Readiness {
    let probe = tokio::time::timeout(PROBE_TIMEOUT, store.probe_write(node, now)).await;
    let database = match probe {
        Ok(Ok(())) => None,
        Ok(Err(error)) => {
            log_once(&format!("not ready: the database did not accept a write: {error}"));
            Some(match error {
                StoreError::Busy => "busy",
                StoreError::Unavailable(_) => "unavailable",
                StoreError::Unwritable(_) => "not writable",
                StoreError::Backend(_) | StoreError::Corrupt(_) | StoreError::CommitFailed(_) => "failing",
            })
        }
        Err(_) => Some("not answering"),
    };
    let log = if database.is_some() {
        LogState::Unknown
    } else {
        match store.log_health().await {
            Ok(letters) => furthest_behind(&letters, now, max_lag),
            Err(error) => {
                log_once(&format!("not ready: the log's state could not be read: {error}"));
                LogState::Unknown
            }
        }
    };
    if let LogState::Behind { letter, by } = &log {
        log_once(&format!("not ready: the log integrator is {} s behind on letter {letter}", by.as_secs()));
    }
    Readiness { database, log }
}

/// The letter whose due entries have waited longest, if longer than `max_lag`.
fn furthest_behind(letters: &[LetterLogHealth], now: OffsetDateTime, max_lag: Duration) -> LogState {
    letters
        .iter()
        .filter_map(|letter| {
            // Entries due in the future (a withdrawal batch) wait by design.
            let waited = Duration::try_from(now - letter.oldest_due?).ok()?;
            Some((letter, waited))
        })
        .filter(|(_, waited)| *waited > max_lag)
        .max_by_key(|(_, waited)| *waited)
        .map_or(LogState::Current, |(letter, by)| LogState::Behind { letter: letter.slug.to_string(), by })
}

/// Load balancers ask every second or so: a lasting reason is logged once a
/// minute with a count.
fn log_once(message: &str) {
    static REASONS: RepeatedErrors = RepeatedErrors::new();
    if let Some(repeats) = REASONS.should_log(message) {
        tracing::warn!(repeats, "{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slug;

    fn letter(slug: &str, waited_s: Option<i64>, now: OffsetDateTime) -> LetterLogHealth {
        LetterLogHealth {
            slug: Slug::parse(slug).expect("a slug"),
            oldest_due: waited_s.map(|s| now - time::Duration::seconds(s)),
            last_checkpoint_at: None,
        }
    }

    #[test]
    fn the_letter_furthest_behind_past_the_lag_is_named() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time");
        let max = Duration::from_secs(60);
        let letters =
            [letter("current", None, now), letter("slow", Some(90), now), letter("slower", Some(300), now)];
        assert_eq!(
            furthest_behind(&letters, now, max),
            LogState::Behind { letter: "slower".to_owned(), by: Duration::from_secs(300) }
        );
    }

    #[test]
    fn waiting_within_the_lag_or_due_later_is_current() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time");
        let max = Duration::from_secs(60);
        // A withdrawal batch due in an hour waits by design.
        let letters = [letter("fresh", Some(59), now), letter("batched", Some(-3600), now)];
        assert_eq!(furthest_behind(&letters, now, max), LogState::Current);
        assert_eq!(furthest_behind(&[], now, max), LogState::Current);
    }
}
