//! Letters before publication: the draft form's rules, and publishing a draft.

use time::Date;

use crate::domain::{
    BoundedText, Community, FieldErrorKind, LetterDraft, LetterId, LetterLanguage, Slug, parse_day,
    parse_target,
};
use crate::organisers::{actions, audit};
use crate::publishing::PublishError;
use crate::state::AppState;
use crate::storage::organisers::{Account, StoredDraft};

pub const MAX_TITLE: usize = 200;
pub const MAX_ADDRESSEE: usize = 300;
/// Characters of Markdown; long letters exist, books do not.
pub const MAX_BODY: usize = 60_000;

/// The draft form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DraftInput {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub addressee: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub body: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub organisations: Option<String>,
    #[serde(default)]
    pub closes_on: String,
    #[serde(default)]
    pub target: String,
}

impl DraftInput {
    /// The form filled in from a stored draft.
    pub fn from_draft(draft: &LetterDraft) -> Self {
        Self {
            slug: draft.slug.to_string(),
            title: draft.title.clone(),
            addressee: draft.addressee.clone(),
            community: draft.community.as_str().to_owned(),
            language: draft.language.as_str().to_owned(),
            body: draft.body.clone(),
            organisations: draft.organisations.then(|| "on".to_owned()),
            closes_on: draft.closes_on.map(|d| d.to_string()).unwrap_or_default(),
            target: draft.target.map(|t| t.to_string()).unwrap_or_default(),
        }
    }
}

/// A field of the draft form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftField {
    Slug,
    Title,
    Addressee,
    Community,
    Language,
    Body,
    ClosesOn,
    Target,
}

impl DraftField {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftField::Slug => "slug",
            DraftField::Title => "title",
            DraftField::Addressee => "addressee",
            DraftField::Community => "community",
            DraftField::Language => "language",
            DraftField::Body => "body",
            DraftField::ClosesOn => "closes_on",
            DraftField::Target => "target",
        }
    }
}

/// One mistake in the form, as a Fluent message id (`draft-error-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftProblem {
    pub field: DraftField,
    pub message_id: &'static str,
}

/// A required one-line text (a title, an addressee, a place), or the Fluent id
/// (`draft-error-*`) of what is wrong with it.
pub fn required_line(value: &str, max: usize) -> Result<String, &'static str> {
    BoundedText::parse(value, max).map(BoundedText::into_string).map_err(|kind| match kind {
        FieldErrorKind::Required => "draft-error-required",
        FieldErrorKind::TooLong { .. } => "draft-error-too-long",
        _ => "draft-error-characters",
    })
}

/// A letter's Markdown text: required, at most [`MAX_BODY`] characters, no
/// control characters but newlines and tabs; line ends become `\n`.
pub fn letter_body(value: &str) -> Result<String, &'static str> {
    let body = value.replace("\r\n", "\n").trim().to_owned();
    if body.is_empty() {
        Err("draft-error-required")
    } else if body.chars().count() > MAX_BODY {
        Err("draft-error-too-long")
    } else if body.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
        Err("draft-error-characters")
    } else {
        Ok(body)
    }
}

/// Checks a draft form; every mistake is reported at once. `today` (UTC) is the
/// earliest closing day allowed.
pub fn parse_draft(input: &DraftInput, today: Date) -> Result<LetterDraft, Vec<DraftProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field, message_id| problems.push(DraftProblem { field, message_id });
    let slug = Slug::parse(input.slug.trim()).map_err(|_| problem(DraftField::Slug, "draft-error-slug")).ok();
    let mut text = |field, value: &str, max| required_line(value, max).map_err(|id| problem(field, id)).ok();
    let title = text(DraftField::Title, &input.title, MAX_TITLE);
    let addressee = text(DraftField::Addressee, &input.addressee, MAX_ADDRESSEE);
    let community = Community::parse(input.community.trim())
        .map_err(|_| problem(DraftField::Community, "draft-error-community"))
        .ok();
    let language = LetterLanguage::parse(input.language.trim())
        .map_err(|_| problem(DraftField::Language, "draft-error-language"))
        .ok();
    let body = letter_body(&input.body).map_err(|id| problem(DraftField::Body, id)).ok();
    let closes_on = match input.closes_on.trim() {
        "" => None,
        day => match parse_day(day) {
            Ok(day) if day >= today => Some(day),
            Ok(_) => {
                problem(DraftField::ClosesOn, "draft-error-closes-on-past");
                None
            }
            Err(_) => {
                problem(DraftField::ClosesOn, "draft-error-closes-on");
                None
            }
        },
    };
    let target = match input.target.trim() {
        "" => None,
        number => parse_target(number).map_err(|_| problem(DraftField::Target, "draft-error-target")).ok(),
    };
    match (slug, title, addressee, community, language, body) {
        (Some(slug), Some(title), Some(addressee), Some(community), Some(language), Some(body))
            if problems.is_empty() =>
        {
            Ok(LetterDraft {
                slug,
                title,
                addressee,
                community,
                language,
                body,
                organisations: input.organisations.is_some(),
                campaign: None,
                pull_quote: None,
                closes_on,
                target,
            })
        }
        _ => Err(problems),
    }
}

/// Publishes a draft: the letter takes signatures, its text goes into the log, the
/// draft's owner becomes its organiser and the draft goes.
pub async fn publish_draft(
    state: &AppState,
    by: &Account,
    stored: &StoredDraft,
) -> Result<LetterId, PublishError> {
    let entry = audit(
        Some(by.id),
        None,
        actions::LETTER_PUBLISHED,
        crate::organisers::detail("from-draft", &[stored.draft.slug.as_str(), &stored.id.to_string()]),
        state.clock.now(),
    );
    let from = crate::storage::FromDraft { draft: stored.id, owner: stored.owner, audit: entry };
    crate::publishing::publish_from_draft(state, &stored.draft, from).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn good() -> DraftInput {
        DraftInput {
            slug: "teachers-2026".into(),
            title: "Teachers for a fair trial".into(),
            addressee: "To the court".into(),
            community: "teachers".into(),
            language: "en".into(),
            body: "We, teachers, *ask*.".into(),
            organisations: None,
            closes_on: "2026-12-31".into(),
            target: "1000".into(),
        }
    }

    #[test]
    fn a_complete_form_gives_a_draft() {
        let draft = parse_draft(&good(), date!(2026 - 12 - 01)).unwrap();
        assert_eq!(draft.slug.as_str(), "teachers-2026");
        assert_eq!(draft.closes_on, Some(date!(2026 - 12 - 31)));
        assert_eq!(draft.target, Some(1000));
        assert!(!draft.organisations);
    }

    #[test]
    fn every_mistake_is_reported_with_its_field() {
        let input = DraftInput {
            slug: "Teachers 2026".into(),
            title: " ".into(),
            community: "Teachers!".into(),
            closes_on: "2026-11-30".into(),
            target: "lots".into(),
            body: String::new(),
            ..good()
        };
        let problems = parse_draft(&input, date!(2026 - 12 - 01)).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| (p.field, p.message_id)).collect();
        assert_eq!(
            fields,
            vec![
                (DraftField::Slug, "draft-error-slug"),
                (DraftField::Title, "draft-error-required"),
                (DraftField::Community, "draft-error-community"),
                (DraftField::Body, "draft-error-required"),
                (DraftField::ClosesOn, "draft-error-closes-on-past"),
                (DraftField::Target, "draft-error-target"),
            ]
        );
    }
}
