//! The records that log leaves commit to (spec "Records"): JSON documents kept as
//! the exact bytes committed, each with its own random salt.
//!
//! Field lists (every key always present, `null` when empty, in this order):
//! - text: `title`, `body`, `language`, `addressee`, `version`
//! - signature: `name`, `title`, `affiliation`, `city`, `country`, `orcid`,
//!   `organisation`, `pledge`, `verified_domain`
//! - withdrawal: `{}`
//! - strike: `reason`

use rand::RngCore;
use serde::Serialize;

/// A record with its salt and the commitment that goes into the leaf.
#[derive(Debug, Clone)]
pub struct SaltedRecord {
    pub salt: [u8; 32],
    pub record: String,
    pub commit: [u8; 32],
}

impl SaltedRecord {
    pub fn new(record: String) -> Self {
        let mut salt = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let commit = letterlog::leaf::commitment(&salt, record.as_bytes());
        Self { salt, record, commit }
    }
}

#[derive(Serialize)]
struct TextRecord<'a> {
    title: &'a str,
    body: &'a str,
    language: &'a str,
    addressee: &'a str,
    version: u32,
}

pub fn text_record(title: &str, body: &str, language: &str, addressee: &str, version: u32) -> String {
    serde_json::to_string(&TextRecord { title, body, language, addressee, version })
        .expect("plain fields serialise")
}

/// The public fields of one signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureRecord<'a> {
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub affiliation: Option<&'a str>,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub orcid: Option<&'a str>,
    pub organisation: bool,
    pub pledge: Option<&'a str>,
    pub verified_domain: Option<&'a str>,
}

impl SignatureRecord<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain fields serialise")
    }
}

pub fn withdrawal_record() -> String {
    "{}".to_owned()
}

#[derive(Serialize)]
struct StrikeRecord<'a> {
    reason: &'a str,
}

/// A strike's record: the moderator's public reason.
pub fn strike_record(reason: &str) -> String {
    serde_json::to_string(&StrikeRecord { reason }).expect("plain fields serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_have_a_fixed_field_order_and_commit_to_their_salt() {
        let json = SignatureRecord {
            name: "Анна",
            title: None,
            affiliation: Some("MSU"),
            city: None,
            country: None,
            orcid: None,
            organisation: false,
            pledge: None,
            verified_domain: None,
        }
        .to_json();
        assert_eq!(
            json,
            r#"{"name":"Анна","title":null,"affiliation":"MSU","city":null,"country":null,"orcid":null,"organisation":false,"pledge":null,"verified_domain":null}"#
        );
        let salted = SaltedRecord::new(json.clone());
        assert_eq!(salted.commit, letterlog::leaf::commitment(&salted.salt, json.as_bytes()));
        assert_ne!(SaltedRecord::new(json).salt, salted.salt, "every record gets its own salt");
    }
}
