//! Letters and campaigns as the rest of the service sees them.

use std::fmt;

use time::{Date, OffsetDateTime};

use crate::domain::Slug;

/// Storage's key for a letter. Only storage makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LetterId(pub(crate) i64);

impl LetterId {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Where a letter is in its life. Only published letters accept signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterStatus {
    Published,
    Closed,
}

impl LetterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LetterStatus::Published => "published",
            LetterStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "published" => Some(LetterStatus::Published),
            "closed" => Some(LetterStatus::Closed),
            _ => None,
        }
    }
}

/// The professional community a letter speaks for, as a short identifier
/// (`scientists`, `teachers`, …). Known ones have a translated label.
#[derive(Clone, PartialEq, Eq)]
pub struct Community(String);

impl Community {
    /// Identifiers with a translated label in `locales/*/main.ftl`.
    pub const KNOWN: &'static [&'static str] = &[
        "scientists",
        "writers",
        "journalists",
        "teachers",
        "doctors",
        "psychologists",
        "artists",
        "bookstores",
        "lawyers",
        "students",
    ];

    pub fn parse(input: &str) -> Result<Self, String> {
        let ok =
            (1..=40).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(format!(
                "community {input:?} must be 1 to 40 lower-case latin letters or hyphens, e.g. scientists"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Fluent id of the label, if this community has one.
    pub fn label_id(&self) -> Option<String> {
        Self::KNOWN.contains(&self.0.as_str()).then(|| format!("community-{}", self.0))
    }
}

impl fmt::Debug for Community {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Community({})", self.0)
    }
}

/// The language a letter's text is written in: a BCP 47 primary tag with optional
/// subtags, e.g. `ru` or `en-GB`.
#[derive(Clone, PartialEq, Eq)]
pub struct LetterLanguage(String);

impl LetterLanguage {
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut parts = input.split('-');
        let primary = parts.next().unwrap_or("");
        let primary_ok = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
        let rest_ok =
            parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(format!("language {input:?} must be a language tag such as ru or en"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LetterLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LetterLanguage({})", self.0)
    }
}

/// A closing day as written in forms and letter files: `YYYY-MM-DD`.
pub fn parse_day(input: &str) -> Result<Date, String> {
    Date::parse(input.trim(), time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{input:?} must be a date written as YYYY-MM-DD, e.g. 2020-03-01"))
}

/// A signature target: a whole number from 1 to 100,000,000.
pub fn parse_target(input: &str) -> Result<u64, String> {
    input
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=100_000_000).contains(n))
        .ok_or_else(|| format!("{input:?} must be a whole number from 1 to 100000000"))
}

/// Everything needed to publish a letter. Its text is frozen once published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterDraft {
    pub slug: Slug,
    pub title: String,
    pub addressee: String,
    pub community: Community,
    pub language: LetterLanguage,
    /// Markdown; rendered without raw HTML.
    pub body: String,
    /// Signed by organisations (bookstores, unions, labs) rather than people.
    pub organisations: bool,
    /// The campaign this letter belongs to, and the line quoted on its page.
    pub campaign: Option<Slug>,
    pub pull_quote: Option<String>,
    /// Signatures end at the close of this day (UTC).
    pub closes_on: Option<Date>,
    /// The number of signatures the organisers aim for, shown with the count.
    pub target: Option<u64>,
}

/// A published letter with its current count.
#[derive(Debug, Clone)]
pub struct Letter {
    pub id: LetterId,
    pub slug: Slug,
    pub title: String,
    pub addressee: String,
    pub community: Community,
    pub language: LetterLanguage,
    pub body: String,
    pub organisations: bool,
    pub status: LetterStatus,
    pub published_at: OffsetDateTime,
    pub campaign: Option<Slug>,
    pub pull_quote: Option<String>,
    pub closes_on: Option<Date>,
    pub target: Option<u64>,
    /// The current version of the text (1 until a correction is published).
    pub version: u32,
    /// The other languages the current version is published in.
    pub translations: Vec<LetterLanguage>,
    /// What the signature form shows and requires.
    pub form: crate::domain::FormSettings,
    /// Organisations among the counted signatures (in the log, standing).
    pub organisation_count: u64,
    /// The count by the log's rule at the latest checkpoint: provable by anyone.
    pub count: u64,
    /// The log's name and key name, fixed at publication.
    pub log_origin: String,
    /// The size of the latest checkpoint.
    pub log_size: u64,
    /// Confirmed signatures not yet in a checkpoint.
    pub being_added: u64,
    /// Withdrawals waiting for their batch: no longer shown or counted on pages,
    /// still in the log's count until integrated.
    pub withdrawals_pending: u64,
    /// When it was closed (unknown for letters closed before this was kept).
    pub closed_at: Option<OffsetDateTime>,
    /// Confirmed signatures of signers who asked to be counted but not shown.
    pub withheld_count: u64,
}

impl Letter {
    pub fn accepts_signatures(&self) -> bool {
        self.status == LetterStatus::Published
    }

    /// The form's rules as they apply: organisation-only letters take
    /// organisations whatever the setting says.
    pub fn form_rules(&self) -> crate::domain::FormSettings {
        let mut form = self.form.clone();
        form.organisations_allowed |= self.organisations;
        form
    }

    /// People among the counted signatures (the rest are organisations).
    pub fn people_count(&self) -> u64 {
        self.shown_count().saturating_sub(self.organisation_count)
    }

    /// What pages show as the count: the log's count less pending withdrawals
    /// (the page names those separately, so the sum is the checkpoint's count).
    pub fn shown_count(&self) -> u64 {
        self.count.saturating_sub(self.withdrawals_pending)
    }

    /// A published letter for unit tests.
    #[cfg(test)]
    pub(crate) fn sample() -> Self {
        Self {
            id: LetterId(1),
            slug: Slug::parse("sample-letter").expect("a valid slug"),
            title: "Sample".into(),
            addressee: "To the court".into(),
            community: Community::parse("teachers").expect("a valid community"),
            language: LetterLanguage::parse("en").expect("a valid tag"),
            body: "We ask.".into(),
            organisations: false,
            status: LetterStatus::Published,
            published_at: OffsetDateTime::UNIX_EPOCH,
            campaign: None,
            pull_quote: None,
            closes_on: None,
            target: None,
            version: 1,
            translations: Vec::new(),
            form: crate::domain::FormSettings::default(),
            organisation_count: 0,
            count: 0,
            log_origin: "example.org/letters/sample-letter".into(),
            log_size: 0,
            being_added: 0,
            withdrawals_pending: 0,
            closed_at: None,
            withheld_count: 0,
        }
    }
}

/// One cause with many letters and a timeline.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub timeline: Vec<TimelineEntry>,
}

/// A dated action in a campaign's timeline, with its source.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub date: Date,
    /// `picket`, `closure`, `detention`, `court`, `press`, `letter`.
    pub kind: String,
    pub place: String,
    pub note: String,
    pub source_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_parse() {
        assert!(LetterLanguage::parse("ru").is_ok());
        assert!(LetterLanguage::parse("en-GB").is_ok());
        assert!(LetterLanguage::parse("Russian").is_err());
        assert!(LetterLanguage::parse("r").is_err());
    }

    #[test]
    fn known_communities_have_labels() {
        assert_eq!(Community::parse("teachers").unwrap().label_id().as_deref(), Some("community-teachers"));
        assert_eq!(Community::parse("beekeepers").unwrap().label_id(), None);
        assert!(Community::parse("Bee Keepers").is_err());
    }
}
