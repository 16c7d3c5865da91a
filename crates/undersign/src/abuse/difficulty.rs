//! Raising the proof-of-work difficulty for a letter under a burst: while a letter
//! hands out more challenges per minute than a real spike of people would ask
//! for, new challenges hide their number in a larger range.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::config::PowSettings;

#[derive(Default)]
pub struct Difficulty {
    /// Per letter: the minute and how many challenges were issued in it.
    minutes: Mutex<HashMap<String, (i64, u64)>>,
}

impl Difficulty {
    /// Counts one more challenge for `letter` and returns its `maxnumber`.
    pub fn next_maxnumber(&self, settings: &PowSettings, letter: &str, now: OffsetDateTime) -> u64 {
        let minute = now.unix_timestamp().div_euclid(60);
        let Ok(mut minutes) = self.minutes.lock() else { return settings.burst_maxnumber };
        if minutes.len() > 10_000 {
            minutes.retain(|_, (m, _)| *m == minute);
        }
        let entry = minutes.entry(letter.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        if entry.1 > settings.burst_per_minute { settings.burst_maxnumber } else { settings.maxnumber }
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    #[test]
    fn difficulty_rises_under_a_burst_and_falls_back_after_it() {
        let settings =
            PowSettings { maxnumber: 1000, burst_maxnumber: 50_000, burst_per_minute: 3, enabled: true };
        let difficulty = Difficulty::default();
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_040).unwrap();
        let numbers: Vec<u64> = (0..5).map(|_| difficulty.next_maxnumber(&settings, "a", now)).collect();
        assert_eq!(numbers, [1000, 1000, 1000, 50_000, 50_000]);
        assert_eq!(difficulty.next_maxnumber(&settings, "b", now), 1000, "other letters are not affected");
        assert_eq!(difficulty.next_maxnumber(&settings, "a", now + Duration::minutes(1)), 1000);
    }
}
