//! Living through faults: a repeated error is logged once with a count, not
//! once per request, and a background worker that keeps failing waits longer
//! and longer (capped) instead of spinning. A full disk or a database that is
//! down for an hour then costs a few log lines and no CPU, and everything
//! resumes by itself when the fault clears.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// After this long, an error still repeating is logged again with its count.
pub const REPEAT_EVERY: Duration = Duration::from_secs(60);

/// One place's most recent error: which it was and how often it came since it
/// was last logged.
#[derive(Debug, Default)]
pub struct RepeatedErrors {
    state: Mutex<Option<Streak>>,
}

#[derive(Debug)]
struct Streak {
    message: String,
    logged_at: Instant,
    /// Occurrences not logged since `logged_at`.
    unlogged: u64,
    /// Occurrences since the streak began (any message).
    total: u64,
    began: Instant,
}

impl RepeatedErrors {
    pub const fn new() -> Self {
        Self { state: Mutex::new(None) }
    }

    /// Whether to log this occurrence: `Some(n)` when it is new, differs from the
    /// last one, or [`REPEAT_EVERY`] has passed, with `n` the identical
    /// occurrences not logged before it; `None` to stay quiet.
    pub fn should_log(&self, message: &str) -> Option<u64> {
        self.should_log_at(message, Instant::now())
    }

    fn should_log_at(&self, message: &str, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match state.as_mut() {
            Some(streak) if streak.message == message && now - streak.logged_at < REPEAT_EVERY => {
                streak.unlogged += 1;
                streak.total += 1;
                None
            }
            Some(streak) => {
                let unlogged = streak.unlogged;
                streak.message = message.to_owned();
                streak.logged_at = now;
                streak.unlogged = 0;
                streak.total += 1;
                Some(unlogged)
            }
            None => {
                *state = Some(Streak {
                    message: message.to_owned(),
                    logged_at: now,
                    unlogged: 0,
                    total: 1,
                    began: now,
                });
                Some(0)
            }
        }
    }

    /// Ends the streak (the thing worked again): how many failures it held
    /// and since when, if there was one.
    pub fn clear(&self) -> Option<(u64, Duration)> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.take().map(|streak| (streak.total, streak.began.elapsed()))
    }
}

/// A background worker's failures: how long to wait before the next try, and
/// whether to log this one.
#[derive(Debug)]
pub struct Backoff {
    worker: &'static str,
    first: Duration,
    cap: Duration,
    failures: u32,
    errors: RepeatedErrors,
}

impl Backoff {
    /// Waits start at `first` and double up to `cap`.
    pub fn new(worker: &'static str, first: Duration, cap: Duration) -> Self {
        Self { worker, first, cap, failures: 0, errors: RepeatedErrors::new() }
    }

    /// For the service's workers: half a second, doubling to half a minute.
    pub fn for_worker(worker: &'static str) -> Self {
        Self::new(worker, Duration::from_millis(500), Duration::from_secs(30))
    }

    /// Notes a failure (logged unless it repeats the last one) and returns how
    /// long to wait before trying again.
    pub fn failed(&mut self, error: &anyhow::Error) -> Duration {
        let wait = self.wait_after(self.failures);
        self.failures = self.failures.saturating_add(1);
        let message = format!("{error:#}");
        if let Some(repeats) = self.errors.should_log(&message) {
            tracing::error!(
                worker = self.worker,
                error = message,
                repeats,
                retry_in_ms = wait.as_millis() as u64,
                "background work failed; will retry"
            );
        }
        wait
    }

    /// Notes a success: the next failure waits `first` again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        if let Some((failures, lasted)) = self.errors.clear() {
            tracing::info!(
                worker = self.worker,
                failures,
                lasted_s = lasted.as_secs(),
                "background work recovered"
            );
        }
    }

    /// Whether the last attempt failed.
    pub fn is_failing(&self) -> bool {
        self.failures > 0
    }

    fn wait_after(&self, failures: u32) -> Duration {
        self.first.saturating_mul(2u32.saturating_pow(failures.min(31))).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identical_error_is_logged_once_then_with_its_count_each_minute() {
        let errors = RepeatedErrors::new();
        let start = Instant::now();
        assert_eq!(errors.should_log_at("disk full", start), Some(0));
        for second in 1..=59 {
            assert_eq!(errors.should_log_at("disk full", start + Duration::from_secs(second)), None);
        }
        assert_eq!(errors.should_log_at("disk full", start + REPEAT_EVERY), Some(59));
        assert_eq!(errors.should_log_at("disk full", start + REPEAT_EVERY + Duration::from_secs(1)), None);
    }

    #[test]
    fn a_different_error_is_logged_at_once() {
        let errors = RepeatedErrors::new();
        let start = Instant::now();
        assert_eq!(errors.should_log_at("disk full", start), Some(0));
        assert_eq!(errors.should_log_at("disk full", start), None);
        assert_eq!(errors.should_log_at("connection refused", start), Some(1));
        let (total, _) = errors.clear().expect("a streak");
        assert_eq!(total, 3);
        assert!(errors.clear().is_none(), "cleared");
        assert_eq!(errors.should_log_at("disk full", start), Some(0), "a new streak logs its first error");
    }

    #[test]
    fn waits_double_up_to_the_cap_and_reset_after_a_success() {
        let mut backoff = Backoff::new("test", Duration::from_millis(100), Duration::from_secs(2));
        let error = anyhow::anyhow!("disk full");
        let waits: Vec<u64> = (0..8).map(|_| backoff.failed(&error).as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        assert!(backoff.is_failing());
        backoff.succeeded();
        assert!(!backoff.is_failing());
        assert_eq!(backoff.failed(&error), Duration::from_millis(100));
        for _ in 0..100 {
            backoff.failed(&error);
        }
        assert_eq!(backoff.failed(&error), Duration::from_secs(2), "no overflow after many failures");
    }
}
