//! ORCID iDs, checked with their ISO 7064 MOD 11-2 check digit so that a typo is
//! caught at the form instead of showing a stranger's iD under the letter.

use std::fmt;

use crate::domain::FieldErrorKind;

/// A checksum-valid ORCID iD in its canonical `0000-0002-1825-0097` form.
#[derive(Clone, PartialEq, Eq)]
pub struct Orcid(String);

impl Orcid {
    /// Accepts the bare iD with or without hyphens and the `https://orcid.org/` URL
    /// form people copy from their profile page.
    pub fn parse(input: &str) -> Result<Self, FieldErrorKind> {
        let trimmed = input.trim();
        let bare = ["https://orcid.org/", "http://orcid.org/", "orcid.org/"]
            .iter()
            .find_map(|prefix| strip_prefix_ignore_case(trimmed, prefix))
            .unwrap_or(trimmed);
        let chars: Vec<char> = bare.chars().filter(|c| *c != '-').collect();
        let hyphens_ok = !bare.contains('-')
            || (bare.len() == 19 && bare.char_indices().all(|(i, c)| (c == '-') == [4, 9, 14].contains(&i)));
        if chars.len() != 16 || !hyphens_ok {
            return Err(FieldErrorKind::OrcidFormat);
        }
        let (body, check) = chars.split_at(15);
        if !body.iter().all(char::is_ascii_digit) {
            return Err(FieldErrorKind::OrcidFormat);
        }
        let check = check[0].to_ascii_uppercase();
        if !(check.is_ascii_digit() || check == 'X') {
            return Err(FieldErrorKind::OrcidFormat);
        }
        if check_digit(body) != check {
            return Err(FieldErrorKind::OrcidChecksum);
        }
        let digits: String = body.iter().chain(std::iter::once(&check)).collect();
        Ok(Self(format!("{}-{}-{}-{}", &digits[0..4], &digits[4..8], &digits[8..12], &digits[12..16])))
    }

    pub(crate) fn from_trusted(orcid: String) -> Self {
        Self(orcid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The profile address on orcid.org (shown as a link, never fetched).
    pub fn url(&self) -> String {
        format!("https://orcid.org/{}", self.0)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// ISO 7064 MOD 11-2 over the first 15 digits, as ORCID documents it.
fn check_digit(body: &[char]) -> char {
    let total = body.iter().fold(0u32, |total, digit| (total + digit.to_digit(10).unwrap_or(0)) * 2);
    match (12 - total % 11) % 11 {
        10 => 'X',
        n => char::from_digit(n, 10).unwrap_or('0'),
    }
}

impl fmt::Debug for Orcid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Orcid({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn published_example_ids_are_valid() {
        // Examples from ORCID's documentation, one ending in X.
        for id in ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"] {
            assert_eq!(Orcid::parse(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn url_and_unhyphenated_forms_are_normalised() {
        assert_eq!(
            Orcid::parse("https://orcid.org/0000-0002-1825-0097").unwrap().as_str(),
            "0000-0002-1825-0097"
        );
        assert_eq!(Orcid::parse("000000021694233x").unwrap().as_str(), "0000-0002-1694-233X");
    }

    #[test]
    fn a_typo_fails_the_checksum() {
        assert_eq!(Orcid::parse("0000-0002-1825-0098"), Err(FieldErrorKind::OrcidChecksum));
    }

    #[test]
    fn wrong_shapes_are_format_errors() {
        for bad in ["0000-0002-1825", "abcd-0002-1825-0097", "0000-00021-825-0097", "0000 0002 1825 0097"] {
            assert_eq!(Orcid::parse(bad), Err(FieldErrorKind::OrcidFormat), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_body_has_exactly_one_valid_check_digit(body in "[0-9]{15}") {
            let valid: Vec<char> = "0123456789X"
                .chars()
                .filter(|c| Orcid::parse(&format!("{body}{c}")).is_ok())
                .collect();
            prop_assert_eq!(valid.len(), 1);
        }
    }
}
