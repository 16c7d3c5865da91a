//! Short single-line texts typed by people: names, titles, affiliations, cities.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::domain::FieldErrorKind;

/// A trimmed, NFC-normalised, single-line text of at most a given length, with runs
/// of white space collapsed to one space and no control or bidi-override characters
/// (they are used to make one name look like another).
#[derive(Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    /// Parses a required text.
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, FieldErrorKind> {
        Self::parse_optional(input, max_chars)?.ok_or(FieldErrorKind::Required)
    }

    /// Parses a text that may be left empty; empty gives `None`.
    pub fn parse_optional(input: &str, max_chars: usize) -> Result<Option<Self>, FieldErrorKind> {
        if input.chars().any(is_forbidden) {
            return Err(FieldErrorKind::ForbiddenCharacters);
        }
        let normalised: String = input.nfc().collect();
        let collapsed = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Ok(None);
        }
        if collapsed.chars().count() > max_chars {
            return Err(FieldErrorKind::TooLong { max: max_chars });
        }
        Ok(Some(Self(collapsed)))
    }

    /// Wraps text that came from our own storage, where it was parsed before.
    pub(crate) fn from_trusted(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn is_forbidden(c: char) -> bool {
    // Tabs and newlines are white space a paste may carry; everything else in Cc,
    // plus the bidi controls and zero-width characters, is refused.
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

impl fmt::Debug for BoundedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for BoundedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of a person or an organisation as it will be shown under the letter.
///
/// `Debug` is redacted: names are personal data and stay out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(BoundedText);

impl PersonName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<Self, FieldErrorKind> {
        let text = BoundedText::parse(input, Self::MAX_CHARS)?;
        if !text.as_str().chars().any(char::is_alphabetic) {
            return Err(FieldErrorKind::NameWithoutLetters);
        }
        Ok(Self(text))
    }

    pub(crate) fn from_trusted(name: String) -> Self {
        Self(BoundedText::from_trusted(name))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(<redacted>)")
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn white_space_is_trimmed_and_collapsed() {
        let text = BoundedText::parse("  Moscow \t  State\nUniversity ", 100).unwrap();
        assert_eq!(text.as_str(), "Moscow State University");
    }

    #[test]
    fn empty_optional_text_is_none_and_required_text_is_an_error() {
        assert_eq!(BoundedText::parse_optional("   ", 10), Ok(None));
        assert_eq!(BoundedText::parse(" ", 10), Err(FieldErrorKind::Required));
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        assert!(BoundedText::parse(&"ж".repeat(10), 10).is_ok());
        assert_eq!(BoundedText::parse(&"ж".repeat(11), 10), Err(FieldErrorKind::TooLong { max: 10 }));
    }

    #[test]
    fn bidi_overrides_and_control_characters_are_refused() {
        for bad in ["Ivan\u{202E}ov", "Ivan\u{0000}", "Iv\u{200B}an"] {
            assert_eq!(BoundedText::parse(bad, 50), Err(FieldErrorKind::ForbiddenCharacters));
        }
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        // "й" written as и + combining breve becomes the single code point.
        let text = BoundedText::parse("Андре\u{0438}\u{0306}", 50).unwrap();
        assert_eq!(text.as_str(), "Андрей");
    }

    #[test]
    fn a_name_needs_a_letter() {
        assert_eq!(PersonName::parse("12345"), Err(FieldErrorKind::NameWithoutLetters));
        assert!(PersonName::parse("Анна Петрова").is_ok());
    }

    #[test]
    fn debug_of_a_name_shows_nothing_personal() {
        let name = PersonName::parse("Anna Petrova").unwrap();
        assert!(!format!("{name:?}").contains("Anna"));
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(input in "\\PC{0,80}") {
            if let Ok(Some(once)) = BoundedText::parse_optional(&input, 200) {
                let twice = BoundedText::parse(once.as_str(), 200).unwrap();
                prop_assert_eq!(once, twice);
            }
        }
    }
}
