//! Slugs name letters and campaigns in URLs and, for letters, in the log's origin;
//! they never change after publication.

use std::fmt;

/// Lower-case ASCII letters, digits and single hyphens, 3 to 64 characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "a slug is 3 to 64 characters of lower-case latin letters, digits and single hyphens, not starting or ending with a hyphen"
)]
pub struct InvalidSlug;

impl Slug {
    pub fn parse(input: &str) -> Result<Self, InvalidSlug> {
        let ok = (3..=64).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !input.starts_with('-')
            && !input.ends_with('-')
            && !input.contains("--");
        if ok { Ok(Self(input.to_owned())) } else { Err(InvalidSlug) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_slugs_parse() {
        assert!(Slug::parse("set-case-scientists-2020").is_ok());
    }

    #[test]
    fn odd_slugs_are_refused() {
        for bad in ["ab", "Upper", "-lead", "trail-", "dou--ble", "sp ace", "кириллица", &"a".repeat(65)]
        {
            assert_eq!(Slug::parse(bad), Err(InvalidSlug), "{bad}");
        }
    }
}
