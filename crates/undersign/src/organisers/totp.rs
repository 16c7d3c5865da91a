//! The second factor: RFC 6238 codes (SHA-1, 6 digits, 30 s, one step of clock
//! drift either way, as every authenticator app expects) and recovery codes.

use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::crypto::HashedToken;

/// Seconds per code.
pub const STEP: u64 = 30;
/// Recovery codes made at enrolment; each works once.
pub const RECOVERY_CODES: usize = 10;

/// A TOTP secret (160 bits, as RFC 4226 recommends).
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32, as authenticator apps take it when typed in.
    pub fn base32(&self) -> String {
        match Secret::Raw(self.0.clone()).to_encoded() {
            Secret::Encoded(text) => text,
            Secret::Raw(_) => unreachable!("to_encoded returns the encoded form"),
        }
    }

    /// The `otpauth://` address an app imports (by link or QR code).
    pub fn otpauth_url(&self, issuer: &str, account: &str) -> String {
        let label = format!("{issuer}:{account}");
        let mut url = url::Url::parse("otpauth://totp/").expect("a valid base");
        url.set_path(&label);
        url.query_pairs_mut()
            .append_pair("secret", &self.base32())
            .append_pair("issuer", issuer)
            .append_pair("algorithm", "SHA1")
            .append_pair("digits", "6")
            .append_pair("period", &STEP.to_string());
        url.to_string()
    }

    fn totp(&self) -> TOTP {
        // The secret is always 20 bytes and the digits 6: the checked
        // constructor's conditions hold.
        TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, self.0.clone())
    }

    /// The code for a moment (seconds since 1970).
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp().generate(unix_seconds)
    }

    /// The time step a typed code belongs to, if it is right for now or one step
    /// either side. Spaces are ignored. The caller refuses steps already used.
    pub fn verify(&self, typed: &str, unix_seconds: u64) -> Option<u64> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp();
        let now_step = unix_seconds / STEP;
        [now_step.saturating_sub(1), now_step, now_step + 1].into_iter().find(|step| {
            let code = totp.generate(step * STEP);
            bool::from(code.as_bytes().ct_eq(typed.as_bytes()))
        })
    }
}

/// A fresh set of recovery codes, as shown once to the organiser (`xxxxx-xxxxx`,
/// lower-case base32: 50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = vec![0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let Secret::Encoded(text) = Secret::Raw(bytes).to_encoded() else {
                unreachable!("to_encoded returns the encoded form")
            };
            let text = text.to_ascii_lowercase();
            format!("{}-{}", &text[..5], &text[5..10])
        })
        .collect()
}

/// What storage keeps of a recovery code; typing is forgiving about case,
/// spaces and the hyphen.
pub fn hash_recovery_code(typed: &str) -> HashedToken {
    let normal: String =
        typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    HashedToken(<sha2::Sha256 as sha2::Digest>::digest(normal.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", last 6 digits.
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1_111_111_109), "081804");
        assert_eq!(secret.code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_000;
        let code = secret.code_at(now);
        assert_eq!(secret.verify(&code, now), Some(now / STEP));
        assert_eq!(secret.verify(&code, now + STEP), Some(now / STEP));
        assert_eq!(secret.verify(&code, now + 3 * STEP), None);
        assert_eq!(secret.verify(&format!("{} {}", &code[..3], &code[3..]), now), Some(now / STEP));
        assert_eq!(secret.verify("12345", now), None);
        assert_eq!(secret.verify("abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_typing_is_forgiving() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(hash_recovery_code(code), hash_recovery_code(&code.to_uppercase().replace('-', " ")));
        assert_ne!(hash_recovery_code(code), hash_recovery_code(&codes[1]));
    }

    #[test]
    fn the_otpauth_address_carries_the_secret_and_issuer() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let url = secret.otpauth_url("undersign", "anna@example.org");
        assert!(url.starts_with("otpauth://totp/undersign:anna@example.org?"), "{url}");
        assert!(url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{url}");
    }
}
