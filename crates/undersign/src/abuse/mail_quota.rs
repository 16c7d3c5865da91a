//! At most a few confirmation e-mails per address per day, so the form cannot be
//! used to flood someone's inbox. Counts live in memory under a key that changes
//! every day, and are forgotten with it.

use std::collections::HashMap;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use time::OffsetDateTime;

pub struct MailQuota {
    per_day: u32,
    state: Mutex<Today>,
}

/// The UTC day, its key, and the counts under that key.
type Today = (i64, [u8; 32], HashMap<[u8; 16], u32>);

impl MailQuota {
    pub fn new(per_day: u32) -> Self {
        Self { per_day, state: Mutex::new((i64::MIN, [0; 32], HashMap::new())) }
    }

    /// Takes one mail from today's allowance for this (canonical) address.
    pub fn try_take(&self, canonical_address: &str, now: OffsetDateTime) -> bool {
        let day = now.unix_timestamp().div_euclid(86_400);
        let Ok(mut state) = self.state.lock() else { return false };
        if state.0 != day {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            *state = (day, key, HashMap::new());
        }
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&state.1).expect("any key length");
        mac.update(canonical_address.as_bytes());
        let mut id = [0u8; 16];
        id.copy_from_slice(&mac.finalize().into_bytes()[..16]);
        let count = state.2.entry(id).or_insert(0);
        if *count >= self.per_day {
            return false;
        }
        *count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    #[test]
    fn an_address_gets_a_few_mails_a_day() {
        let quota = MailQuota::new(3);
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let taken: Vec<bool> = (0..4).map(|_| quota.try_take("a@example.org", now)).collect();
        assert_eq!(taken, [true, true, true, false]);
        assert!(quota.try_take("b@example.org", now));
        assert!(quota.try_take("a@example.org", now + Duration::days(1)), "a new day, a new allowance");
    }
}
