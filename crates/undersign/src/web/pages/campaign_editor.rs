//! The campaign editor under `/organise/campaigns`: create a campaign, edit its
//! title and summary, put letters in with a pull quote from their text, keep a
//! dated timeline (add, edit, hide), and point to related earlier campaigns.

use std::sync::Arc;

use askama::Template;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{parse_slug, render};
use crate::domain::Slug;
use crate::i18n::Translator;
use crate::organisers::campaigns::{self, Problem, TIMELINE_KINDS};
use crate::organisers::{self, actions, audit};
use crate::state::AppState;
use crate::storage::campaigns::CampaignRefusal;
use crate::web::errors::PageError;
use crate::web::session::{Checked, Organiser};
use crate::web::views::{PageMeta, format_date};

#[derive(Debug, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
}

#[derive(Template)]
#[template(path = "campaign_new.html")]
struct NewCampaignView {
    page: PageMeta,
    csrf: String,
    form: CampaignForm,
    errors: Vec<String>,
}

fn messages(tr: &Translator, problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                tr.t(&format!("campaign-field-{}", p.field.replace('_', "-"))),
                tr.t(p.message_id)
            )
        })
        .collect()
}

pub async fn show_new(organiser: Organiser) -> Result<Response, PageError> {
    super::organise::may_write(&organiser)?;
    let tr = Translator::new(organiser.lang);
    let view = NewCampaignView {
        page: PageMeta::new(tr, "/organise/campaigns/new", tr.t("campaign-new-title")),
        csrf: organiser.csrf.clone(),
        form: CampaignForm::default(),
        errors: Vec::new(),
    };
    render(organiser.lang, &view)
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Checked { session: organiser, form }: Checked<Organiser, CampaignForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    super::organise::may_write(&organiser)?;
    let tr = Translator::new(lang);
    let refuse = |errors: Vec<String>, form: CampaignForm| -> Result<Response, PageError> {
        let view = NewCampaignView {
            page: PageMeta::new(tr, "/organise/campaigns/new", tr.t("campaign-new-title")),
            csrf: organiser.csrf.clone(),
            form,
            errors,
        };
        Ok((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response())
    };
    let campaign = match campaigns::parse_campaign(&form.slug, &form.title, &form.summary) {
        Ok(campaign) => campaign,
        Err(problems) => return refuse(messages(&tr, &problems), form),
    };
    let now = state.clock.now();
    let entry =
        audit(Some(organiser.account.id), None, actions::CAMPAIGN_CREATED, campaign.slug.to_string(), now);
    match state
        .store
        .create_campaign(&campaign, organiser.account.id, entry, now)
        .await
        .map_err(|e| PageError::store(lang, e))?
    {
        Ok(()) => {
            state.cache.invalidate();
            Ok(Redirect::to(&format!("/organise/campaigns/{}", campaign.slug)).into_response())
        }
        Err(CampaignRefusal::SlugTaken(_) | CampaignRefusal::Unknown) => {
            refuse(vec![tr.t("campaign-error-slug-taken")], form)
        }
    }
}

struct LetterRow {
    slug: String,
    title: String,
    pull_quote: String,
}

struct EntryRow {
    id: i64,
    hidden: bool,
    date_text: String,
    date: String,
    kind: String,
    kind_label: String,
    place: String,
    note: String,
    source_url: String,
}

#[derive(Template)]
#[template(path = "campaign_edit.html")]
struct EditView {
    page: PageMeta,
    csrf: String,
    slug: String,
    title: String,
    summary: String,
    letters: Vec<LetterRow>,
    /// Letters this organiser may add: `(slug, title)`.
    addable: Vec<(String, String)>,
    entries: Vec<EntryRow>,
    kinds: Vec<(&'static str, String)>,
    related: Vec<(String, String)>,
    /// Other campaigns it could point to.
    linkable: Vec<(String, String)>,
    /// The campaign's organisers' addresses, with their account numbers.
    organisers: Vec<(i64, String)>,
    errors: Vec<String>,
    notice: Option<String>,
    /// One form per interface language, filled with what is translated.
    translations: Vec<TranslationRows>,
}

/// The campaign's translation into one language, as the editor shows it.
struct TranslationRows {
    language: &'static str,
    language_name: &'static str,
    title: String,
    summary: String,
    /// `(id, original place, original note, place, note)`.
    entries: Vec<(i64, String, String, String, String)>,
    /// `(letter slug, letter title, original quote, quote)`.
    quotes: Vec<(String, String, String, String)>,
}

async fn editable(state: &AppState, organiser: &Organiser, raw: &str) -> Result<Slug, PageError> {
    let lang = organiser.lang;
    let slug = parse_slug(lang, raw)?;
    let exists = state.store.campaign(&slug).await.map_err(|e| PageError::store(lang, e))?.is_some();
    let allowed =
        campaigns::may_edit(state, &organiser.account, &slug).await.map_err(|e| PageError::store(lang, e))?;
    // Someone else's campaign looks like one that does not exist.
    if exists && allowed { Ok(slug) } else { Err(PageError::not_found(lang)) }
}

async fn edit_view(
    state: &AppState,
    organiser: &Organiser,
    slug: &Slug,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<EditView, PageError> {
    let lang = organiser.lang;
    let tr = Translator::new(lang);
    let store = |e| PageError::store(lang, e);
    let campaign =
        state.store.campaign(slug).await.map_err(store)?.ok_or_else(|| PageError::not_found(lang))?;
    let entries = state.store.timeline_entries(slug).await.map_err(store)?;
    let mine: Vec<(String, String)> = if organiser.account.is_admin {
        state
            .store
            .letters()
            .await
            .map_err(store)?
            .iter()
            .map(|l| (l.slug.to_string(), l.title.clone()))
            .collect()
    } else {
        state
            .store
            .roles_of(organiser.account.id)
            .await
            .map_err(store)?
            .into_iter()
            .filter(|r| r.role == crate::storage::organisers::Role::Organiser)
            .map(|r| (r.slug.to_string(), r.title))
            .collect()
    };
    let in_campaign: Vec<String> = campaign.letters.iter().map(|l| l.slug.to_string()).collect();
    let all_campaigns = state.store.campaigns_organised(None).await.map_err(store)?;
    let related: Vec<(String, String)> =
        campaign.related.iter().map(|(s, t)| (s.to_string(), t.clone())).collect();
    let organisers = state
        .store
        .campaign_organisers(slug)
        .await
        .map_err(store)?
        .iter()
        .map(|m| {
            let email = state
                .keys
                .account_key()
                .open_email(&m.email_sealed, &m.email_lookup)
                .map_err(|e| PageError::internal(lang, e))?;
            Ok((m.account.get(), email.as_str().to_owned()))
        })
        .collect::<Result<Vec<_>, PageError>>()?;
    let stored = state.store.campaign_translations(slug).await.map_err(store)?;
    let translations = crate::i18n::Language::ALL
        .iter()
        .map(|l| {
            let found = stored.iter().find(|t| t.language == l.code());
            TranslationRows {
                language: l.code(),
                language_name: l.native_name(),
                title: found.map(|t| t.title.clone()).unwrap_or_default(),
                summary: found.map(|t| t.summary.clone()).unwrap_or_default(),
                entries: entries
                    .iter()
                    .filter(|e| !e.hidden)
                    .map(|e| {
                        let t = found.and_then(|t| t.entries.iter().find(|(id, _, _)| *id == e.id));
                        (
                            e.id,
                            e.entry.place.clone(),
                            e.entry.note.clone(),
                            t.map(|(_, p, _)| p.clone()).unwrap_or_default(),
                            t.map(|(_, _, n)| n.clone()).unwrap_or_default(),
                        )
                    })
                    .collect(),
                quotes: campaign
                    .letters
                    .iter()
                    .map(|letter| {
                        let q = found.and_then(|t| t.quotes.iter().find(|(id, _)| *id == letter.id));
                        (
                            letter.slug.to_string(),
                            letter.title.clone(),
                            letter.pull_quote.clone().unwrap_or_default(),
                            q.map(|(_, q)| q.clone()).unwrap_or_default(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(EditView {
        translations,
        page: PageMeta::new(tr, &format!("/organise/campaigns/{slug}"), campaign.campaign.title.clone()),
        csrf: organiser.csrf.clone(),
        slug: slug.to_string(),
        title: campaign.campaign.title.clone(),
        summary: campaign.campaign.summary.clone(),
        letters: campaign
            .letters
            .iter()
            .map(|l| LetterRow {
                slug: l.slug.to_string(),
                title: l.title.clone(),
                pull_quote: l.pull_quote.clone().unwrap_or_default(),
            })
            .collect(),
        addable: mine.into_iter().filter(|(s, _)| !in_campaign.contains(s)).collect(),
        entries: entries
            .iter()
            .map(|e| EntryRow {
                id: e.id,
                hidden: e.hidden,
                date_text: format_date(&tr, e.entry.date),
                date: e.entry.date.to_string(),
                kind: e.entry.kind.clone(),
                kind_label: tr.t(&format!("action-{}", e.entry.kind)),
                place: e.entry.place.clone(),
                note: e.entry.note.clone(),
                source_url: e.entry.source_url.clone().unwrap_or_default(),
            })
            .collect(),
        kinds: TIMELINE_KINDS.iter().map(|k| (*k, tr.t(&format!("action-{k}")))).collect(),
        linkable: all_campaigns
            .into_iter()
            .filter(|(s, _)| s != slug && !related.iter().any(|(r, _)| r == s.as_str()))
            .map(|(s, t)| (s.to_string(), t))
            .collect(),
        related,
        organisers,
        errors,
        notice,
    })
}

pub async fn show_edit(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let slug = editable(&state, &organiser, &slug).await?;
    render(organiser.lang, &edit_view(&state, &organiser, &slug, Vec::new(), None).await?)
}

/// After a change: the editor again, with mistakes (400) or a notice.
async fn answer(
    state: &AppState,
    organiser: &Organiser,
    slug: &Slug,
    outcome: Result<&'static str, Vec<String>>,
) -> Result<Response, PageError> {
    let tr = Translator::new(organiser.lang);
    match outcome {
        Ok(notice) => {
            state.cache.invalidate();
            let view = edit_view(state, organiser, slug, Vec::new(), Some(tr.t(notice))).await?;
            render(organiser.lang, &view)
        }
        Err(errors) => {
            let view = edit_view(state, organiser, slug, errors, None).await?;
            Ok((StatusCode::BAD_REQUEST, render(organiser.lang, &view)?).into_response())
        }
    }
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, CampaignForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let tr = Translator::new(lang);
    let outcome = match campaigns::parse_campaign(slug.as_str(), &form.title, &form.summary) {
        Ok(campaign) => {
            let entry = audit(
                Some(organiser.account.id),
                None,
                actions::CAMPAIGN_EDITED,
                organisers::detail("campaign-text", &[slug.as_str()]),
                state.clock.now(),
            );
            state
                .store
                .update_campaign(&slug, &campaign.title, &campaign.summary, entry)
                .await
                .map_err(|e| PageError::store(lang, e))?;
            Ok("campaign-saved")
        }
        Err(problems) => Err(messages(&tr, &problems)),
    };
    answer(&state, &organiser, &slug, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct LetterForm {
    #[serde(default)]
    letter: String,
    #[serde(default)]
    pull_quote: String,
}

pub async fn put_letter(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, LetterForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let tr = Translator::new(lang);
    let letter = match Slug::parse(form.letter.trim()) {
        Ok(letter) => state.letter(&letter).await.map_err(|e| PageError::store(lang, e))?,
        Err(_) => None,
    };
    let Some(letter) = letter else {
        return answer(&state, &organiser, &slug, Err(vec![tr.t("campaign-error-letter")])).await;
    };
    if !campaigns::may_add_letter(&state, &organiser.account, &letter)
        .await
        .map_err(|e| PageError::store(lang, e))?
    {
        return Err(PageError::forbidden(lang));
    }
    let outcome = match campaigns::parse_pull_quote(&letter, &form.pull_quote) {
        Ok(quote) => {
            let entry = audit(
                Some(organiser.account.id),
                Some(letter.id),
                actions::CAMPAIGN_EDITED,
                organisers::detail("campaign-letter", &[slug.as_str(), letter.slug.as_str()]),
                state.clock.now(),
            );
            state
                .store
                .set_letter_campaign(letter.id, Some(&slug), Some(&quote), entry)
                .await
                .map_err(|e| PageError::store(lang, e))?;
            Ok("campaign-saved")
        }
        Err(problem) => Err(messages(&tr, &[problem])),
    };
    answer(&state, &organiser, &slug, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct EntryForm {
    /// Empty for a new entry.
    #[serde(default)]
    id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    source_url: String,
}

pub async fn save_entry(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, EntryForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let tr = Translator::new(lang);
    let id = match form.id.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| PageError::not_found(lang))?),
    };
    let outcome = match campaigns::parse_timeline_entry(
        &form.date,
        &form.kind,
        &form.place,
        &form.note,
        &form.source_url,
    ) {
        Ok(entry) => {
            let detail = organisers::detail(
                "campaign-timeline",
                &[slug.as_str(), &entry.date.to_string(), &entry.kind, &entry.place],
            );
            let record =
                audit(Some(organiser.account.id), None, actions::CAMPAIGN_EDITED, detail, state.clock.now());
            let saved = state
                .store
                .save_timeline_entry(&slug, id, &entry, record)
                .await
                .map_err(|e| PageError::store(lang, e))?;
            if !saved {
                return Err(PageError::not_found(lang));
            }
            Ok("campaign-saved")
        }
        Err(problems) => Err(messages(&tr, &problems)),
    };
    answer(&state, &organiser, &slug, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct HideForm {
    #[serde(default)]
    hidden: String,
}

pub async fn hide_entry(
    State(state): State<Arc<AppState>>,
    Path((slug, id)): Path<(String, String)>,
    Checked { session: organiser, form }: Checked<Organiser, HideForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let id: i64 = id.parse().map_err(|_| PageError::not_found(lang))?;
    let hidden = form.hidden == "true";
    let detail = organisers::detail(
        if hidden { "campaign-entry-hidden" } else { "campaign-entry-shown" },
        &[slug.as_str(), &id.to_string()],
    );
    let record = audit(Some(organiser.account.id), None, actions::CAMPAIGN_EDITED, detail, state.clock.now());
    state
        .store
        .set_timeline_entry_hidden(&slug, id, hidden, record)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    state.cache.invalidate();
    Ok(Redirect::to(&format!("/organise/campaigns/{slug}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RelatedForm {
    #[serde(default)]
    related: String,
}

pub async fn link_related(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, RelatedForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let tr = Translator::new(lang);
    let outcome = match Slug::parse(form.related.trim()) {
        Ok(related) => {
            let detail = organisers::detail("campaign-related", &[slug.as_str(), related.as_str()]);
            let record =
                audit(Some(organiser.account.id), None, actions::CAMPAIGN_EDITED, detail, state.clock.now());
            if state
                .store
                .link_campaigns(&slug, &related, record)
                .await
                .map_err(|e| PageError::store(lang, e))?
            {
                Ok("campaign-saved")
            } else {
                Err(vec![tr.t("campaign-error-related")])
            }
        }
        Err(_) => Err(vec![tr.t("campaign-error-related")]),
    };
    answer(&state, &organiser, &slug, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
}

pub async fn invite_organiser(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, InviteForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let tr = Translator::new(lang);
    let outcome = match crate::domain::EmailAddress::parse(&form.email) {
        Ok(email) => {
            let invited = campaigns::invite(&state, &organiser.account, &slug, &email)
                .await
                .map_err(|e| PageError::internal(lang, e))?;
            Ok(if invited { "invite-done" } else { "invite-already" })
        }
        Err(kind) => Err(vec![crate::web::views::field_error_message(
            &tr,
            &crate::domain::FieldError { field: crate::domain::Field::Email, kind },
        )]),
    };
    answer(&state, &organiser, &slug, outcome).await
}

/// A campaign's translation into one interface language, all at once: title and
/// summary (required), each timeline entry's place and note and each letter's
/// pull quote (left empty: shown in the original). A translated quote must be
/// words of the letter's own text in that language.
pub async fn save_translation(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let slug = editable(&state, &organiser, &slug).await?;
    let tr = Translator::new(lang);
    let store = |e| PageError::store(lang, e);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let language = crate::i18n::Language::from_code(field("language"))
        .ok_or(PageError { lang, kind: crate::web::errors::PageErrorKind::BadRequest })?;
    let campaign =
        state.store.campaign(&slug).await.map_err(store)?.ok_or_else(|| PageError::not_found(lang))?;
    let entries = state.store.timeline_entries(&slug).await.map_err(store)?;
    let mut problems = Vec::new();
    let parsed = campaigns::parse_campaign(slug.as_str(), field("title"), field("summary"));
    let (title, summary) = match parsed {
        Ok(c) => (c.title, c.summary),
        Err(found) => {
            problems.extend(found);
            (String::new(), String::new())
        }
    };
    let mut translated_entries = Vec::new();
    for entry in entries.iter().filter(|e| !e.hidden) {
        let (place, note) = (field(&format!("place-{}", entry.id)), field(&format!("note-{}", entry.id)));
        if place.trim().is_empty() && note.trim().is_empty() {
            continue;
        }
        match campaigns::parse_translated_entry(place, note) {
            Ok((place, note)) => translated_entries.push((entry.id, place, note)),
            Err(found) => problems.extend(found),
        }
    }
    let mut quotes = Vec::new();
    for letter in &campaign.letters {
        let quote = field(&format!("quote-{}", letter.slug));
        if quote.trim().is_empty() {
            continue;
        }
        let texts = state.store.letter_texts(letter.id).await.map_err(store)?;
        match campaigns::parse_translated_quote(letter, &texts, language.code(), quote) {
            Ok(quote) => quotes.push((letter.id, quote)),
            Err(problem) => problems.push(problem),
        }
    }
    let outcome = if problems.is_empty() {
        let translation = crate::storage::campaigns::CampaignTranslation {
            language: language.code().to_owned(),
            title,
            summary,
            entries: translated_entries,
            quotes,
        };
        let entry = audit(
            Some(organiser.account.id),
            None,
            actions::CAMPAIGN_EDITED,
            organisers::detail("campaign-translation", &[slug.as_str(), language.code()]),
            state.clock.now(),
        );
        state.store.save_campaign_translation(&slug, translation, entry).await.map_err(store)?;
        Ok("campaign-saved")
    } else {
        Err(messages(&tr, &problems))
    };
    answer(&state, &organiser, &slug, outcome).await
}
