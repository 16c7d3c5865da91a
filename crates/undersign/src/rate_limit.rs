//! Limits on how fast one network may submit signatures, so a flood from one place
//! cannot bury a letter or its mail queue.
//!
//! The key is the client's network (IPv4 /24, IPv6 /48: one household, office or
//! mobile carrier gateway), hashed with a random key made at start-up. Neither
//! the address nor the key is ever stored or logged; the counters live in memory.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::SignLimits;

/// Above this many tracked networks, idle entries are dropped.
const PRUNE_ABOVE: usize = 100_000;

pub struct SignRateLimiter {
    limiter: DefaultKeyedRateLimiter<[u8; 16]>,
    salt: [u8; 32],
}

impl SignRateLimiter {
    pub fn new(limits: &SignLimits) -> Self {
        let per_hour = NonZeroU32::new(limits.per_hour_per_network.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.burst_per_network.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_hour(per_hour).allow_burst(burst);
        let mut salt = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        Self { limiter: RateLimiter::keyed(quota), salt }
    }

    /// `Ok` to go ahead, or how long this network must wait.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        let key = self.network_key(client);
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn network_key(&self, client: IpAddr) -> [u8; 16] {
        let prefix: Vec<u8> = match client {
            IpAddr::V4(v4) => v4.octets()[..3].to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets()[..3].to_vec(),
                None => v6.octets()[..6].to_vec(),
            },
        };
        let digest = Sha256::new().chain_update(self.salt).chain_update(&prefix).finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32) -> SignRateLimiter {
        SignRateLimiter::new(&SignLimits { per_hour_per_network: 1, burst_per_network: burst })
    }

    #[test]
    fn one_network_is_limited_after_its_burst() {
        let limiter = limiter(2);
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limiter.check(client).is_ok());
        assert!(limiter.check(client).is_ok());
        let wait = limiter.check(client).unwrap_err();
        assert!(wait > Duration::from_secs(60 * 50), "about an hour: {wait:?}");
    }

    #[test]
    fn addresses_in_one_slash_24_share_a_limit_and_other_networks_do_not() {
        let limiter = limiter(1);
        assert!(limiter.check("198.51.100.1".parse().unwrap()).is_ok());
        assert!(limiter.check("198.51.100.200".parse().unwrap()).is_err());
        assert!(limiter.check("198.51.101.1".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8:1:1::1".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8:1:ffff::2".parse().unwrap()).is_err(), "same /48");
        assert!(limiter.check("2001:db8:2::1".parse().unwrap()).is_ok());
    }
}
