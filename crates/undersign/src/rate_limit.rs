//! Limits on how fast signatures may come, per letter: from one network (IPv4 /24,
//! IPv6 /48: a household, an office, a mobile carrier's gateway), with a stricter
//! limit for signatures without proof of work, and from one e-mail domain.
//!
//! Counters live in memory only, under keyed hashes whose key changes every day
//! (UTC) and is never stored: no address, network or domain is kept or logged,
//! and nothing links a signature to its network.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Sign-in requests one network may make in an hour, whatever the addresses
/// (a burst of this many, then one every few minutes): someone who asks for an
/// organiser's links to use up their allowance is stopped here first.
pub const SIGN_IN_REQUESTS_PER_HOUR_PER_NETWORK: u32 = 20;

use crate::config::SignLimits;

/// Above this many tracked keys, idle entries are dropped.
const PRUNE_ABOVE: usize = 100_000;

/// Big public mail providers: a domain limit there would stop a viral letter.
const PUBLIC_PROVIDERS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "yandex.ru",
    "ya.ru",
    "mail.ru",
    "bk.ru",
    "list.ru",
    "inbox.ru",
    "rambler.ru",
    "gmx.de",
    "gmx.net",
    "web.de",
    "ukr.net",
];

/// Whether a signature came with a valid proof of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    WithProof,
    WithoutProof,
}

pub struct SignRateLimiter {
    network: DefaultKeyedRateLimiter<[u8; 16]>,
    network_without_proof: DefaultKeyedRateLimiter<[u8; 16]>,
    domain: DefaultKeyedRateLimiter<[u8; 16]>,
    challenges: DefaultKeyedRateLimiter<[u8; 16]>,
    sign_ins: DefaultKeyedRateLimiter<[u8; 16]>,
    /// The UTC day and its key.
    key: Mutex<(i64, [u8; 32])>,
    /// Signatures per network key in the current ten-minute window, for burst
    /// flags; forgotten with the window.
    bursts: Mutex<HashMap<[u8; 16], (i64, u32)>>,
    burst_flag_at: u32,
}

/// A client network's key for one letter, one day and one purpose (a hash under
/// the day's key): what limits, bursts and difficulty are counted by. Two letters
/// never share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkKey([u8; 16]);

impl NetworkKey {
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

/// The window a burst is counted in.
const BURST_WINDOW_SECONDS: i64 = 600;

fn network_prefix(client: IpAddr) -> Vec<u8> {
    match client {
        IpAddr::V4(v4) => v4.octets()[..3].to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets()[..3].to_vec(),
            None => v6.octets()[..6].to_vec(),
        },
    }
}

fn quota(per_hour: u32, burst: u32) -> Quota {
    let per_hour = NonZeroU32::new(per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_hour(per_hour).allow_burst(burst)
}

fn check(limiter: &DefaultKeyedRateLimiter<[u8; 16]>, key: [u8; 16]) -> Result<(), Duration> {
    if limiter.len() > PRUNE_ABOVE {
        limiter.retain_recent();
    }
    limiter.check_key(&key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

impl SignRateLimiter {
    pub fn new(limits: &SignLimits) -> Self {
        Self {
            network: RateLimiter::keyed(quota(limits.per_hour_per_network, limits.burst_per_network)),
            network_without_proof: RateLimiter::keyed(quota(
                limits.no_js_per_hour_per_network,
                limits.no_js_burst_per_network,
            )),
            domain: RateLimiter::keyed(quota(limits.per_hour_per_domain, limits.burst_per_domain)),
            challenges: RateLimiter::keyed(quota(
                limits.challenges_per_hour_per_network,
                limits.challenge_burst_per_network,
            )),
            sign_ins: RateLimiter::keyed(quota(
                SIGN_IN_REQUESTS_PER_HOUR_PER_NETWORK,
                SIGN_IN_REQUESTS_PER_HOUR_PER_NETWORK,
            )),
            key: Mutex::new((i64::MIN, [0; 32])),
            bursts: Mutex::new(HashMap::new()),
            burst_flag_at: limits.burst_flag_per_10_minutes,
        }
    }

    /// Counts one signature towards a burst of its network (the key
    /// [`Self::check_network`] returned); from the threshold on, returns the
    /// burst's key: the same for every signature of this network and window, and
    /// not traceable to the network (it comes from the day's key, never stored).
    pub fn burst(&self, network: &NetworkKey, now: OffsetDateTime) -> Option<String> {
        let window = now.unix_timestamp().div_euclid(BURST_WINDOW_SECONDS);
        let mut bursts = self.bursts.lock().ok()?;
        if bursts.len() > PRUNE_ABOVE {
            bursts.retain(|_, (w, _)| *w == window);
        }
        let entry = bursts.entry(network.0).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        (entry.1 >= self.burst_flag_at).then(|| format!("{}-{window}", hex::encode(&network.0[..6])))
    }

    /// Counts one reader's report from `client` on `letter`, at the stricter
    /// no-JavaScript rate (reports cost a moderator's time); separate from signing.
    pub fn check_report(&self, letter: &str, client: IpAddr, now: OffsetDateTime) -> Result<(), Duration> {
        check(&self.network_without_proof, self.key_for(b"report", letter, &network_prefix(client), now))
    }

    /// Counts one signature from `client` on `letter`; `Err` says how long to
    /// wait. `Ok` carries the network's key for [`Self::burst`].
    pub fn check_network(
        &self,
        letter: &str,
        client: IpAddr,
        channel: Channel,
        now: OffsetDateTime,
    ) -> Result<NetworkKey, Duration> {
        let key = self.key_for(b"network", letter, &network_prefix(client), now);
        match channel {
            Channel::WithProof => check(&self.network, key),
            Channel::WithoutProof => check(&self.network_without_proof, key),
        }
        .map(|()| NetworkKey(key))
    }

    /// Counts one proof-of-work challenge fetched by `client` for `letter`; `Ok`
    /// carries the network's key, by which the challenge's difficulty is chosen.
    pub fn check_challenge(
        &self,
        letter: &str,
        client: IpAddr,
        now: OffsetDateTime,
    ) -> Result<NetworkKey, Duration> {
        let key = self.key_for(b"challenge", letter, &network_prefix(client), now);
        check(&self.challenges, key).map(|()| NetworkKey(key))
    }

    /// Counts one request for an organiser's sign-in link from `client`, whatever
    /// the address asked for (so the answer says nothing about the address).
    pub fn check_sign_in(&self, client: IpAddr, now: OffsetDateTime) -> Result<(), Duration> {
        check(&self.sign_ins, self.key_for(b"sign-in", "", &network_prefix(client), now))
    }

    /// Counts one signature from an address at `domain` on `letter`; `true` when
    /// the domain is over its rate. Such signatures are flagged for moderators,
    /// never refused: anyone can type addresses at a university's domain without
    /// owning one, and must not thereby lock its people out.
    pub fn domain_over_limit(&self, letter: &str, domain: &str, now: OffsetDateTime) -> bool {
        if PUBLIC_PROVIDERS.contains(&domain) {
            return false;
        }
        let key = self.key_for(b"domain", letter, domain.as_bytes(), now);
        check(&self.domain, key).is_err()
    }

    fn key_for(&self, kind: &[u8], letter: &str, value: &[u8], now: OffsetDateTime) -> [u8; 16] {
        let day = now.unix_timestamp().div_euclid(86_400);
        let secret = match self.key.lock() {
            Ok(mut key) => {
                if key.0 != day {
                    let mut fresh = [0u8; 32];
                    rand::rngs::OsRng.fill_bytes(&mut fresh);
                    *key = (day, fresh);
                }
                key.1
            }
            Err(_) => [0; 32],
        };
        let digest = Sha256::new()
            .chain_update(secret)
            .chain_update(kind)
            .chain_update((letter.len() as u32).to_be_bytes())
            .chain_update(letter.as_bytes())
            .chain_update(value)
            .finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32) -> SignRateLimiter {
        SignRateLimiter::new(&SignLimits {
            per_hour_per_network: 1,
            burst_per_network: burst,
            no_js_per_hour_per_network: 1,
            no_js_burst_per_network: 1,
            per_hour_per_domain: 1,
            burst_per_domain: burst,
            mails_per_address_per_day: 3,
            burst_flag_per_10_minutes: 3,
            challenges_per_hour_per_network: 1,
            challenge_burst_per_network: burst,
        })
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
    }

    #[test]
    fn a_burst_is_flagged_from_its_threshold_on_with_one_key_per_network_and_window() {
        let limiter = limiter(100);
        let burst = |letter: &str, ip: &str, at: OffsetDateTime| {
            let key = limiter.check_network(letter, ip.parse().unwrap(), Channel::WithProof, at).unwrap();
            limiter.burst(&key, at)
        };
        assert_eq!(burst("a", "203.0.113.7", now()), None);
        assert_eq!(burst("a", "203.0.113.99", now()), None);
        let third = burst("a", "203.0.113.7", now()).expect("the third in ten minutes is a burst");
        assert_eq!(burst("a", "203.0.113.99", now()).as_deref(), Some(third.as_str()), "same /24");
        // The network as written, not three digits a hex hash may hold by chance.
        assert!(!third.contains("203.0.113"), "the key says nothing of the network: {third}");
        assert_eq!(burst("b", "203.0.113.7", now()), None, "another letter");
        let later = now() + time::Duration::minutes(11);
        assert_eq!(burst("a", "203.0.113.7", later), None, "a new window starts over");
    }

    #[test]
    fn reports_have_their_own_limit_apart_from_signing() {
        let limiter = limiter(5);
        let client: IpAddr = "192.0.2.9".parse().unwrap();
        assert!(limiter.check_report("a", client, now()).is_ok());
        assert!(
            limiter.check_report("a", client, now()).is_err(),
            "one report at the no-JavaScript burst of 1"
        );
        assert!(
            limiter.check_network("a", client, Channel::WithoutProof, now()).is_ok(),
            "signing is not touched"
        );
    }

    #[test]
    fn one_network_is_limited_after_its_burst_per_letter() {
        let limiter = limiter(2);
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limiter.check_network("a", client, Channel::WithProof, now()).is_ok());
        assert!(limiter.check_network("a", client, Channel::WithProof, now()).is_ok());
        let wait = limiter.check_network("a", client, Channel::WithProof, now()).unwrap_err();
        assert!(wait > Duration::from_secs(60 * 50), "about an hour: {wait:?}");
        assert!(limiter.check_network("b", client, Channel::WithProof, now()).is_ok(), "another letter");
    }

    #[test]
    fn addresses_in_one_slash_24_or_slash_48_share_a_limit() {
        let limiter = limiter(1);
        let check =
            |ip: &str| limiter.check_network("a", ip.parse().unwrap(), Channel::WithProof, now()).is_ok();
        assert!(check("198.51.100.1"));
        assert!(!check("198.51.100.200"));
        assert!(check("198.51.101.1"));
        assert!(check("2001:db8:1:1::1"));
        assert!(!check("2001:db8:1:ffff::2"), "same /48");
        assert!(check("2001:db8:2::1"));
    }

    #[test]
    fn signatures_without_proof_have_their_own_stricter_limit() {
        let limiter = limiter(5);
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limiter.check_network("a", client, Channel::WithoutProof, now()).is_ok());
        assert!(limiter.check_network("a", client, Channel::WithoutProof, now()).is_err());
        assert!(limiter.check_network("a", client, Channel::WithProof, now()).is_ok());
    }

    #[test]
    fn domains_over_their_rate_are_noticed_except_big_public_providers() {
        let limiter = limiter(1);
        assert!(!limiter.domain_over_limit("a", "catchall.example", now()));
        assert!(limiter.domain_over_limit("a", "catchall.example", now()));
        for _ in 0..5 {
            assert!(!limiter.domain_over_limit("a", "gmail.com", now()));
        }
    }
}
