//! Proof of work compatible with ALTCHA protocol v1 (`altcha-lib/v1`):
//! the server picks a secret number up to `maxnumber`, publishes
//! `challenge = hex(SHA-256(salt ‖ number))` and `signature = hex(HMAC-SHA-256(key,
//! challenge))`; the browser finds the number by trying them all and posts back a
//! base64 JSON payload. Our salt carries the expiry and the letter as parameters
//! (`<hex>?expires=<unix>&letter=<slug>&`), so a solution is only good for one
//! letter, for a short time, and — with the spent-challenge table — only once.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

/// How long a challenge may be solved and used.
pub const VALIDITY: Duration = Duration::minutes(20);

/// A challenge in ALTCHA's JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub algorithm: String,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// What the client posts back (base64 of this JSON).
#[derive(Debug, Clone, Deserialize)]
struct Payload {
    algorithm: String,
    challenge: String,
    number: u64,
    salt: String,
    signature: String,
}

/// Why a solution was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PowError {
    #[error("the proof of work is missing")]
    Missing,
    #[error("the proof of work is not a valid ALTCHA payload")]
    Malformed,
    #[error("the proof of work has expired")]
    Expired,
    #[error("the proof of work was issued for another letter")]
    WrongLetter,
    #[error("the proof of work is wrong or forged")]
    Invalid,
    #[error("this proof of work was used already")]
    Replayed,
}

/// A verified solution: its challenge, to be spent (stored) with the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub challenge: [u8; 32],
    pub expires_at: OffsetDateTime,
}

fn hmac_hex(key: &[u8], message: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn sha256_hex(salt: &str, number: u64) -> String {
    hex::encode(
        Sha256::new().chain_update(salt.as_bytes()).chain_update(number.to_string().as_bytes()).finalize(),
    )
}

/// Makes a challenge for one letter with the secret number below `maxnumber`.
pub fn issue(key: &[u8], letter: &str, maxnumber: u64, now: OffsetDateTime) -> Challenge {
    let mut random = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let expires = (now + VALIDITY).unix_timestamp();
    let salt = format!("{}?expires={expires}&letter={letter}&", hex::encode(random));
    let number = rand::rngs::OsRng.gen_range(0..=maxnumber);
    let challenge = sha256_hex(&salt, number);
    let signature = hmac_hex(key, &challenge);
    Challenge { algorithm: "SHA-256".into(), challenge, maxnumber, salt, signature }
}

/// The parameters after `?` in a salt.
fn salt_param<'a>(salt: &'a str, name: &str) -> Option<&'a str> {
    salt.split_once('?')?.1.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Checks a payload as `altcha-lib/v1`'s `verifySolution` does (algorithm,
/// expiry, challenge, HMAC), plus our letter binding. Replay is checked where the
/// solution is spent, in the same transaction as the signature.
pub fn verify(
    key: &[u8],
    payload: &str,
    letter: Option<&str>,
    now: OffsetDateTime,
) -> Result<Solution, PowError> {
    let payload = payload.trim();
    if payload.is_empty() {
        return Err(PowError::Missing);
    }
    let json = STANDARD.decode(payload).map_err(|_| PowError::Malformed)?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| PowError::Malformed)?;
    if payload.algorithm != "SHA-256" {
        return Err(PowError::Invalid);
    }
    let expires = salt_param(&payload.salt, "expires").and_then(|e| e.parse::<i64>().ok());
    let expires = match expires {
        Some(expires) => OffsetDateTime::from_unix_timestamp(expires).map_err(|_| PowError::Malformed)?,
        // Ours always expire; one without an expiry was not made by us.
        None if letter.is_some() => return Err(PowError::Invalid),
        // Without a letter (checking someone else's challenge) an expiry is optional.
        None => OffsetDateTime::from_unix_timestamp(253_402_300_799).map_err(|_| PowError::Malformed)?,
    };
    if now > expires {
        return Err(PowError::Expired);
    }
    let computed = sha256_hex(&payload.salt, payload.number);
    let signature = hmac_hex(key, &payload.challenge);
    let challenge_ok: bool = computed.as_bytes().ct_eq(payload.challenge.as_bytes()).into();
    let signature_ok: bool =
        signature.as_bytes().ct_eq(payload.signature.to_ascii_lowercase().as_bytes()).into();
    if !challenge_ok || !signature_ok {
        return Err(PowError::Invalid);
    }
    if let Some(letter) = letter
        && salt_param(&payload.salt, "letter") != Some(letter)
    {
        return Err(PowError::WrongLetter);
    }
    let mut challenge = [0u8; 32];
    hex::decode_to_slice(&payload.challenge, &mut challenge).map_err(|_| PowError::Malformed)?;
    Ok(Solution { challenge, expires_at: expires })
}

/// Solves a challenge by brute force, as the browser does (for tests and the
/// benchmark's honest clients).
pub fn solve(challenge: &Challenge) -> Option<String> {
    // The salt is hashed once and the state cloned per candidate, and digests are
    // compared as bytes: the benchmark solves hundreds of thousands of these.
    let mut target = [0u8; 32];
    hex::decode_to_slice(&challenge.challenge, &mut target).ok()?;
    let salted = Sha256::new().chain_update(challenge.salt.as_bytes());
    let mut digits = String::with_capacity(20);
    let number = (0..=challenge.maxnumber).find(|n| {
        use std::fmt::Write as _;
        digits.clear();
        let _ = write!(digits, "{n}");
        salted.clone().chain_update(digits.as_bytes()).finalize()[..] == target
    })?;
    let json = serde_json::json!({
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": number,
        "salt": challenge.salt,
        "signature": challenge.signature,
        "took": 0,
    });
    Some(STANDARD.encode(json.to_string()))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixtures() -> serde_json::Value {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/altcha/altcha_fixtures.json");
        serde_json::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap()
    }

    fn key_of(text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }

    #[test]
    fn the_official_v1_fixtures_verify_as_the_library_says() {
        let fixtures = fixtures();
        let secret = key_of(fixtures["hmacSignatureSecret"].as_str().unwrap());
        let now = OffsetDateTime::now_utc();
        let mut checked = 0;
        for case in fixtures["v1"].as_array().unwrap() {
            let challenge: Challenge = serde_json::from_value(case["challenge"].clone()).unwrap();
            assert_eq!(
                sha256_hex(&challenge.salt, case["solutionNumber"].as_u64().unwrap()),
                challenge.challenge
            );
            let verdict = verify(&secret, case["payload"].as_str().unwrap(), None, now).is_ok();
            assert_eq!(verdict, case["expectVerified"].as_bool().unwrap(), "{}", case["name"]);
            for negative in case["negatives"].as_array().unwrap() {
                let key = negative["hmacKey"].as_str().map_or(secret.clone(), key_of);
                let verdict = verify(&key, negative["payload"].as_str().unwrap(), None, now).is_ok();
                assert_eq!(
                    verdict,
                    negative["expectVerified"].as_bool().unwrap(),
                    "{} / {}",
                    case["name"],
                    negative["desc"]
                );
            }
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    #[test]
    fn our_challenges_round_trip_and_refuse_tampering() {
        let key = [7u8; 32];
        let now = OffsetDateTime::now_utc();
        let challenge = issue(&key, "letter-one", 2_000, now);
        assert!(challenge.salt.contains("letter=letter-one&"));
        let payload = solve(&challenge).unwrap();
        let solution = verify(&key, &payload, Some("letter-one"), now).unwrap();
        assert_eq!(hex::encode(solution.challenge), challenge.challenge);

        assert_eq!(
            verify(&[8u8; 32][..], &payload, Some("letter-one"), now),
            Err(PowError::Invalid),
            "forged HMAC"
        );
        assert_eq!(verify(&key, &payload, Some("letter-two"), now), Err(PowError::WrongLetter));
        assert_eq!(
            verify(&key, &payload, Some("letter-one"), now + VALIDITY + Duration::seconds(1)),
            Err(PowError::Expired)
        );
        assert_eq!(verify(&key, "", Some("letter-one"), now), Err(PowError::Missing));
        assert_eq!(verify(&key, "not base64!", Some("letter-one"), now), Err(PowError::Malformed));

        let mut json: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(&payload).unwrap()).unwrap();
        json["number"] = (json["number"].as_u64().unwrap() + 1).into();
        let wrong_number = STANDARD.encode(json.to_string());
        assert_eq!(verify(&key, &wrong_number, Some("letter-one"), now), Err(PowError::Invalid));
    }
}
