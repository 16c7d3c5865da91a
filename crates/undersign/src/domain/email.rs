//! A signer's e-mail address: parsed once at the edge, then only ever encrypted,
//! hashed for duplicate lookups, or handed to the mail transport.

use std::fmt;

use crate::domain::FieldErrorKind;

/// RFC 5321 caps a forward path at 256 octets including the angle brackets.
pub const MAX_LEN: usize = 254;

/// A syntactically valid e-mail address, trimmed, with its domain lower-cased.
///
/// `Debug` prints a redacted form so an address never reaches a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = MAX_LEN;

    /// Parses what a person typed. The local part keeps its case (it may matter to
    /// the receiving server); the domain is lower-cased.
    pub fn parse(input: &str) -> Result<Self, FieldErrorKind> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldErrorKind::Required);
        }
        if trimmed.chars().count() > MAX_LEN {
            return Err(FieldErrorKind::TooLong { max: MAX_LEN });
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(FieldErrorKind::EmailInvalid)?;
        // `email_address` accepts forms a mail client would not (quoted local parts,
        // IP literals, dotless domains); people type ordinary addresses, so demand
        // a dotted host name as well.
        let domain = domain.to_lowercase();
        let ordinary_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let candidate = format!("{local}@{domain}");
        if !ordinary_domain || local.starts_with('"') || !email_address::EmailAddress::is_valid(&candidate) {
            return Err(FieldErrorKind::EmailInvalid);
        }
        Ok(Self(candidate))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, already lower-cased.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The form used for duplicate detection: the whole address lower-cased.
    /// (Provider-specific rules such as gmail's dots belong to abuse resistance.)
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress(<redacted>@{})", self.domain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_parse_and_keep_the_local_case() {
        let email = EmailAddress::parse("  Anna.Petrova@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Anna.Petrova@example.org");
        assert_eq!(email.canonical(), "anna.petrova@example.org");
        assert_eq!(email.domain(), "example.org");
    }

    #[test]
    fn internationalised_domains_are_accepted() {
        assert!(EmailAddress::parse("иван@пример.рф").is_ok());
    }

    #[test]
    fn malformed_addresses_are_rejected_with_the_right_kind() {
        assert_eq!(EmailAddress::parse("   "), Err(FieldErrorKind::Required));
        for bad in [
            "no-at-sign",
            "two@@example.org",
            "a@localhost",
            "a@-bad.org",
            "a@bad..org",
            "a b@example.org",
            "\"quoted\"@example.org",
            "a@exa mple.org",
            "@example.org",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(FieldErrorKind::EmailInvalid), "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(FieldErrorKind::TooLong { max: MAX_LEN }));
    }

    #[test]
    fn debug_output_hides_the_local_part() {
        let email = EmailAddress::parse("secret.person@example.org").unwrap();
        let shown = format!("{email:?}");
        assert!(!shown.contains("secret.person"), "{shown}");
    }
}
