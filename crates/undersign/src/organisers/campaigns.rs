//! Campaigns from the browser: their rules (what a campaign, a timeline entry and
//! a pull quote must be) and who may edit them.

use crate::domain::{BoundedText, Campaign, Letter, Slug, TimelineEntry, parse_day};
use crate::state::AppState;
use crate::storage::StoreError;
use crate::storage::organisers::{Account, Role};

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 2_000;
pub const MAX_PLACE: usize = 200;
pub const MAX_NOTE: usize = 1_000;
pub const MAX_QUOTE: usize = 400;

/// What a timeline entry can record (each has an `action-*` label).
pub const TIMELINE_KINDS: &[&str] = &["picket", "closure", "detention", "court", "press", "letter"];

/// One mistake, as a Fluent message id and the form field it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message_id: &'static str,
}

fn text(field: &'static str, value: &str, max: usize, problems: &mut Vec<Problem>) -> Option<String> {
    crate::organisers::drafts::required_line(value, max)
        .map_err(|message_id| problems.push(Problem { field, message_id }))
        .ok()
}

/// A new campaign's slug, title and summary.
pub fn parse_campaign(slug: &str, title: &str, summary: &str) -> Result<Campaign, Vec<Problem>> {
    let mut problems = Vec::new();
    let slug = Slug::parse(slug.trim())
        .map_err(|_| problems.push(Problem { field: "slug", message_id: "draft-error-slug" }))
        .ok();
    let title = text("title", title, MAX_TITLE, &mut problems);
    let summary = text("summary", summary, MAX_SUMMARY, &mut problems);
    match (slug, title, summary) {
        (Some(slug), Some(title), Some(summary)) => {
            Ok(Campaign { slug, title, summary, timeline: Vec::new() })
        }
        _ => Err(problems),
    }
}

/// A timeline entry as typed: a day, a kind, a place, a note, an optional source
/// (an `http(s)` address: it is shown as a link).
pub fn parse_timeline_entry(
    date: &str,
    kind: &str,
    place: &str,
    note: &str,
    source_url: &str,
) -> Result<TimelineEntry, Vec<Problem>> {
    let mut problems = Vec::new();
    let date = parse_day(date)
        .map_err(|_| problems.push(Problem { field: "date", message_id: "draft-error-closes-on" }))
        .ok();
    let kind = TIMELINE_KINDS.iter().find(|k| **k == kind.trim()).map(|k| (*k).to_owned()).or_else(|| {
        problems.push(Problem { field: "kind", message_id: "campaign-error-kind" });
        None
    });
    let place = text("place", place, MAX_PLACE, &mut problems);
    let note = text("note", note, MAX_NOTE, &mut problems);
    let source_url = match source_url.trim() {
        "" => None,
        raw => match url::Url::parse(raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url.to_string()),
            _ => {
                problems.push(Problem { field: "source_url", message_id: "campaign-error-source" });
                None
            }
        },
    };
    match (date, kind, place, note) {
        (Some(date), Some(kind), Some(place), Some(note)) if problems.is_empty() => {
            Ok(TimelineEntry { date, kind, place, note, source_url })
        }
        _ => Err(problems),
    }
}

/// Letters' words without Markdown's marks and with white space collapsed: what
/// a reader sees, for comparing a quote with the text.
fn plain_words(markdown: &str) -> String {
    markdown
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '#' | '>'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A pull quote must be the letter's own words: a campaign page cannot put
/// words into a community's mouth.
pub fn parse_pull_quote(letter: &Letter, quote: &str) -> Result<String, Problem> {
    let quote = BoundedText::parse(quote, MAX_QUOTE)
        .map_err(|_| Problem { field: "pull_quote", message_id: "campaign-error-quote-length" })?
        .into_string();
    let words = plain_words(&quote);
    let trimmed =
        words.trim_matches(|c: char| c == '"' || c == '«' || c == '»' || c == '“' || c == '”' || c == '…');
    if !trimmed.is_empty() && plain_words(&letter.body).contains(trimmed) {
        Ok(quote)
    } else {
        Err(Problem { field: "pull_quote", message_id: "campaign-error-quote-not-in-text" })
    }
}

/// A timeline entry's place and note in another language.
pub fn parse_translated_entry(place: &str, note: &str) -> Result<(String, String), Vec<Problem>> {
    let mut problems = Vec::new();
    let place = text("place", place, MAX_PLACE, &mut problems);
    let note = text("note", note, MAX_NOTE, &mut problems);
    match (place, note) {
        (Some(place), Some(note)) => Ok((place, note)),
        _ => Err(problems),
    }
}

/// A pull quote in another language: words of the letter's own text in that
/// language (its original, or its latest translation into it).
pub fn parse_translated_quote(
    letter: &Letter,
    texts: &[crate::storage::texts::LetterText],
    language: &str,
    quote: &str,
) -> Result<String, Problem> {
    let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_owned();
    let body = if primary(letter.language.as_str()) == language {
        Some(letter.body.clone())
    } else {
        texts
            .iter()
            .filter(|t| primary(t.language.as_str()) == language)
            .max_by_key(|t| t.version)
            .map(|t| t.body.clone())
    };
    let Some(body) = body else {
        return Err(Problem { field: "pull_quote", message_id: "campaign-error-quote-no-translation" });
    };
    parse_pull_quote(&Letter { body, ..letter.clone() }, quote)
}

/// Whether an account may edit a campaign: admins, and its organisers.
pub async fn may_edit(state: &AppState, account: &Account, slug: &Slug) -> Result<bool, StoreError> {
    Ok(account.is_admin || state.store.is_campaign_organiser(account.id, slug).await?)
}

/// Whether an account may put a letter into a campaign: it must manage the letter.
pub async fn may_add_letter(
    state: &AppState,
    account: &Account,
    letter: &Letter,
) -> Result<bool, StoreError> {
    Ok(account.is_admin || state.store.letter_role(account.id, letter.id).await? == Some(Role::Organiser))
}

/// Makes someone a co-organiser of a campaign by address (making their account
/// if they have none) and mails them; `false` if they were one already.
pub async fn invite(
    state: &AppState,
    by: &Account,
    slug: &Slug,
    email: &crate::domain::EmailAddress,
) -> anyhow::Result<bool> {
    let (account, _) = crate::organisers::account_for(state, email, false, by.language).await?;
    let now = state.clock.now();
    let entry = crate::organisers::audit(
        Some(by.id),
        None,
        crate::organisers::actions::ROLE_GRANTED,
        crate::organisers::detail("campaign-organiser", &[slug.as_str(), &account.get().to_string()]),
        now,
    );
    let granted = state.store.grant_campaign_role(slug, account, entry).await?;
    state.mail_wake.notify_one();
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_entries_need_a_known_kind_and_a_web_source() {
        let entry =
            parse_timeline_entry("2020-02-10", "picket", "Moscow", "A picket.", "https://example.org/a")
                .unwrap();
        assert_eq!(entry.source_url.as_deref(), Some("https://example.org/a"));
        let problems =
            parse_timeline_entry("10.02.2020", "riot", " ", "", "javascript:alert(1)").unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["date", "kind", "place", "note", "source_url"]);
    }

    #[test]
    fn a_pull_quote_must_be_the_letters_own_words() {
        let letter =
            Letter { body: "We, *teachers*, ask for\na fair trial.\n\nSigned.".into(), ..Letter::sample() };
        assert!(parse_pull_quote(&letter, "teachers, ask for a fair trial").is_ok());
        assert!(parse_pull_quote(&letter, "«ask for a fair trial.»").is_ok());
        assert_eq!(
            parse_pull_quote(&letter, "teachers demand a revolution").unwrap_err().message_id,
            "campaign-error-quote-not-in-text"
        );
        assert!(parse_pull_quote(&letter, "").is_err());
    }
}
