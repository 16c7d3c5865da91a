//! Raising the proof-of-work difficulty under a burst: a network that asks one
//! letter for more challenges a minute than people behind one address would gets
//! challenges that hide their number in a larger range; the whole letter does only
//! while many networks burst at once.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::config::PowSettings;
use crate::rate_limit::NetworkKey;

/// Challenges issued this minute per network key (which is already one letter's:
/// see [`NetworkKey`]), and how many networks of each letter went over their
/// share. Forgotten when the minute changes.
#[derive(Default)]
pub struct Difficulty {
    minute: Mutex<Minute>,
}

#[derive(Default)]
struct Minute {
    at: i64,
    per_network: HashMap<[u8; 16], u64>,
    bursting: HashMap<String, u64>,
}

/// Networks tracked in one minute at most; past it the minute starts over (a
/// flood of networks is itself what the letter-wide rise is for).
const MAX_TRACKED: usize = 200_000;

impl Difficulty {
    /// Counts one more challenge from `network` (a key of `letter`'s) and returns its
    /// `maxnumber`: harder for a network over its share, and for everyone on the
    /// letter only while many networks are over theirs.
    pub fn next_maxnumber(
        &self,
        settings: &PowSettings,
        letter: &str,
        network: &NetworkKey,
        now: OffsetDateTime,
    ) -> u64 {
        let at = now.unix_timestamp().div_euclid(60);
        let Ok(mut minute) = self.minute.lock() else { return settings.burst_maxnumber };
        if minute.at != at || minute.per_network.len() > MAX_TRACKED {
            *minute = Minute { at, ..Minute::default() };
        }
        let issued = minute.per_network.entry(*network.as_bytes()).or_insert(0);
        *issued += 1;
        let issued = *issued;
        if issued == settings.burst_per_minute + 1 {
            *minute.bursting.entry(letter.to_owned()).or_insert(0) += 1;
        }
        let letter_bursting = minute.bursting.get(letter).copied().unwrap_or(0) >= settings.bursting_networks;
        if issued > settings.burst_per_minute || letter_bursting {
            settings.burst_maxnumber
        } else {
            settings.maxnumber
        }
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn network(n: u8) -> NetworkKey {
        NetworkKey::from_bytes([n; 16])
    }

    #[test]
    fn one_network_over_its_share_gets_harder_challenges_and_nobody_else_does() {
        let settings = PowSettings {
            maxnumber: 1000,
            burst_maxnumber: 50_000,
            burst_per_minute: 3,
            bursting_networks: 2,
            enabled: true,
        };
        let difficulty = Difficulty::default();
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_040).unwrap();
        let greedy: Vec<u64> =
            (0..5).map(|_| difficulty.next_maxnumber(&settings, "a", &network(1), now)).collect();
        assert_eq!(greedy, [1000, 1000, 1000, 50_000, 50_000]);
        assert_eq!(difficulty.next_maxnumber(&settings, "a", &network(2), now), 1000, "another network");
        assert_eq!(
            difficulty.next_maxnumber(&settings, "b", &network(11), now),
            1000,
            "another letter's key"
        );
        assert_eq!(difficulty.next_maxnumber(&settings, "a", &network(1), now + Duration::minutes(1)), 1000);
    }

    #[test]
    fn the_whole_letter_gets_harder_only_when_many_networks_burst() {
        let settings = PowSettings {
            maxnumber: 1000,
            burst_maxnumber: 50_000,
            burst_per_minute: 2,
            bursting_networks: 3,
            enabled: true,
        };
        let difficulty = Difficulty::default();
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_040).unwrap();
        for n in 1..=2 {
            for _ in 0..3 {
                difficulty.next_maxnumber(&settings, "a", &network(n), now);
            }
        }
        assert_eq!(difficulty.next_maxnumber(&settings, "a", &network(9), now), 1000, "two bursts: not yet");
        for _ in 0..3 {
            difficulty.next_maxnumber(&settings, "a", &network(3), now);
        }
        assert_eq!(difficulty.next_maxnumber(&settings, "a", &network(9), now), 50_000, "three: everyone");
        assert_eq!(difficulty.next_maxnumber(&settings, "b", &network(19), now), 1000, "on that letter only");
    }
}
