//! Letters written as Markdown files with a front matter, for
//! `undersign letter publish FILE.md`:
//!
//! ```text
//! ---
//! title: Open letter of scientists
//! slug: scientists-2020
//! addressee: To the Supreme Court
//! community: scientists
//! language: en
//! campaign: set-case-2020          (optional)
//! pull_quote: We ask for a fair…   (optional)
//! organisations: false             (optional; true for letters organisations sign)
//! closes_on: 2020-03-01            (optional; signatures end after this day, UTC)
//! target: 5000                     (optional; the number of signatures aimed for)
//! ---
//! The text, in Markdown.
//! ```
//!
//! The front matter is `key: value` lines (a small subset of YAML, so quoting rules
//! cannot surprise anyone); the errors name the line.

use crate::domain::{Community, LetterDraft, LetterLanguage, Slug};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LetterFileError {
    #[error("the file must start with a line `---`, then the front matter, then `---`")]
    NoFrontMatter,
    #[error("line {line}: expected `key: value`")]
    NotKeyValue { line: usize },
    #[error(
        "line {line}: unknown key {key:?} (known: title, slug, addressee, community, language, campaign, pull_quote, organisations, closes_on, target)"
    )]
    UnknownKey { line: usize, key: String },
    #[error("line {line}: {key} is given twice")]
    Repeated { line: usize, key: String },
    #[error("the front matter needs {0}")]
    Missing(&'static str),
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("the letter has no text after the front matter")]
    EmptyBody,
}

/// Parses a letter file into a draft ready to publish.
pub fn parse_letter_file(text: &str) -> Result<LetterDraft, LetterFileError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_end() == "---" => {}
        _ => return Err(LetterFileError::NoFrontMatter),
    }
    let mut fields: Vec<(&'static str, String)> = Vec::new();
    let mut body_start = None;
    for (index, line) in lines.by_ref() {
        let line_no = index + 1;
        if line.trim_end() == "---" {
            body_start = Some(index + 1);
            break;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(':').ok_or(LetterFileError::NotKeyValue { line: line_no })?;
        let key = key.trim();
        let known = [
            "title",
            "slug",
            "addressee",
            "community",
            "language",
            "campaign",
            "pull_quote",
            "organisations",
            "closes_on",
            "target",
        ];
        let key: &'static str = known
            .into_iter()
            .find(|k| *k == key)
            .ok_or_else(|| LetterFileError::UnknownKey { line: line_no, key: key.to_owned() })?;
        if fields.iter().any(|(k, _)| *k == key) {
            return Err(LetterFileError::Repeated { line: line_no, key: key.to_owned() });
        }
        fields.push((key, unquote(value.trim()).to_owned()));
    }
    let body_start = body_start.ok_or(LetterFileError::NoFrontMatter)?;
    let body = text.lines().skip(body_start).collect::<Vec<_>>().join("\n").trim().to_owned();
    if body.is_empty() {
        return Err(LetterFileError::EmptyBody);
    }
    let get = |key: &'static str| {
        fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    };
    let need = |key: &'static str| get(key).ok_or(LetterFileError::Missing(key));
    let invalid = |key: &'static str| move |message: String| LetterFileError::Invalid { key, message };
    Ok(LetterDraft {
        slug: Slug::parse(&need("slug")?).map_err(|e| invalid("slug")(e.to_string()))?,
        title: need("title")?,
        addressee: need("addressee")?,
        community: Community::parse(&need("community")?).map_err(invalid("community"))?,
        language: LetterLanguage::parse(&need("language")?).map_err(invalid("language"))?,
        body,
        organisations: match get("organisations").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(invalid("organisations")(format!("{other:?} must be true or false")));
            }
        },
        campaign: get("campaign")
            .map(|c| Slug::parse(&c).map_err(|e| invalid("campaign")(e.to_string())))
            .transpose()?,
        pull_quote: get("pull_quote"),
        closes_on: get("closes_on")
            .map(|d| crate::domain::parse_day(&d).map_err(invalid("closes_on")))
            .transpose()?,
        target: get("target")
            .map(|t| crate::domain::parse_target(&t).map_err(invalid("target")))
            .transpose()?,
    })
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\ntitle: \"Open letter: teachers\"\nslug: teachers-2020\naddressee: To the court\ncommunity: teachers\nlanguage: ru\n---\n\nWe, teachers, *ask*.\n";

    #[test]
    fn a_complete_file_parses() {
        let draft = parse_letter_file(GOOD).unwrap();
        assert_eq!(draft.title, "Open letter: teachers");
        assert_eq!(draft.slug.as_str(), "teachers-2020");
        assert_eq!(draft.body, "We, teachers, *ask*.");
        assert!(draft.campaign.is_none());
        assert!(!draft.organisations);
        assert_eq!(draft.closes_on, None);
        let dated = parse_letter_file(
            &GOOD.replace("language: ru\n", "language: ru\ncloses_on: 2020-03-01\ntarget: 5000\n"),
        )
        .unwrap();
        assert_eq!(dated.closes_on, Some(time::macros::date!(2020 - 03 - 01)));
        assert_eq!(dated.target, Some(5000));
        assert!(matches!(
            parse_letter_file(&GOOD.replace("language: ru\n", "language: ru\ncloses_on: March\n")),
            Err(LetterFileError::Invalid { key: "closes_on", .. })
        ));
    }

    #[test]
    fn mistakes_name_the_line_or_key() {
        assert_eq!(parse_letter_file("title: x\n"), Err(LetterFileError::NoFrontMatter));
        assert_eq!(
            parse_letter_file("---\ntitel: x\n---\nbody"),
            Err(LetterFileError::UnknownKey { line: 2, key: "titel".into() })
        );
        assert_eq!(
            parse_letter_file("---\ntitle x\n---\nbody"),
            Err(LetterFileError::NotKeyValue { line: 2 })
        );
        assert_eq!(
            parse_letter_file(&GOOD.replace("slug: teachers-2020\n", "")),
            Err(LetterFileError::Missing("slug"))
        );
        assert!(matches!(
            parse_letter_file(&GOOD.replace("teachers-2020", "Teachers 2020")),
            Err(LetterFileError::Invalid { key: "slug", .. })
        ));
        assert_eq!(
            parse_letter_file(&GOOD.replace("We, teachers, *ask*.", "")),
            Err(LetterFileError::EmptyBody)
        );
    }
}
