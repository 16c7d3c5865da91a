//! A letter's page, its sign form, its signer list and "check your e-mail".

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{cached_page, find_letter, render};
use fluent_templates::fluent_bundle::FluentValue;

use crate::abuse::pow::PowError;
use crate::cache::PageKey;
use crate::domain::{FieldErrors, Letter, LetterLanguage, SignatureSubmission, Slug, signature_limits};
use crate::i18n::{Language, Translator};
use crate::signing::{self, Proof, SignError};
use crate::state::AppState;
use crate::storage::MatchCount;
use crate::storage::texts::LetterText;
use crate::web::client_ip::ClientIp;
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::lang::Lang;
use crate::web::markdown;
use crate::web::views::{
    CheckEmailView, LetterCard, LetterView, PageMeta, SignFormView, SignaturesView, SignerRow, TextLink,
    format_date,
};

/// Signers shown under the letter; the rest are on the list pages.
const RECENT: u32 = 20;
const PAGE_SIZE: u32 = 100;

async fn letter_page(
    state: &AppState,
    lang: Language,
    letter: &Letter,
    asked: Option<&str>,
    values: &SignatureSubmission,
    errors: &FieldErrors,
) -> Result<LetterView, PageError> {
    let tr = Translator::new(lang);
    // Every text of the letter, read once: the one asked for and the language links.
    let all_texts = state.store.letter_texts(letter.id).await.map_err(|e| PageError::store(lang, e))?;
    let text = chosen_text(letter, &all_texts, asked);
    let recent = state
        .store
        .public_signatures(letter.id, None, RECENT)
        .await
        .map_err(|e| PageError::internal(lang, e))?;
    // A translation shows its own words; the letter, the count and the form stay.
    let (title, addressee, language, body) = match text {
        Some(t) => (&t.title, &t.addressee, t.language.as_str(), &t.body),
        None => (&letter.title, &letter.addressee, letter.language.as_str(), &letter.body),
    };
    let path = format!("/letters/{}", letter.slug);
    let mut card = LetterCard::new(&tr, letter);
    card.title = title.clone();
    // Every language the letter can be read in, its latest text each; a
    // translation of an earlier version says so, never passes for the current one.
    let translation_note = text.map(|t| {
        if t.version < letter.version {
            tr.lookup(
                "letter-translation-outdated",
                [
                    ("version", FluentValue::from(t.version.to_string())),
                    ("current", FluentValue::from(letter.version.to_string())),
                    ("language", FluentValue::from(language_name(letter.language.as_str()))),
                ],
            )
        } else {
            tr.t1("letter-translation-note", "language", &language_name(letter.language.as_str()))
        }
    });
    Ok(LetterView {
        page: PageMeta::new(
            tr,
            &text.map_or_else(|| path.clone(), |t| format!("{path}?text={}", t.language.as_str())),
            title.clone(),
        ),
        letter: card,
        addressee: addressee.clone(),
        language: language.to_owned(),
        published: format_date(&tr, letter.published_at.date()),
        body_html: markdown::to_safe_html(body),
        form: SignFormView::new(&tr, letter.slug.as_str(), &letter.form_rules(), values, errors),
        recent: recent.iter().map(|s| SignerRow::new(s).on_letter(&tr, letter)).collect(),
        max_pledge: signature_limits::MAX_PLEDGE,
        target_text: letter.target.map(|t| tr.t1("letter-target", "target", &tr.number(t))),
        closes_text: letter
            .closes_on
            .filter(|_| letter.accepts_signatures())
            .map(|day| tr.t1("letter-closes-on", "date", &format_date(&tr, day))),
        texts: text_links(&tr, letter, &all_texts, text.map(|t| t.language.as_str())),
        translation_note,
        version_text: (letter.version > 1)
            .then(|| tr.t1("letter-version", "version", &letter.version.to_string())),
        letter_version: letter.version,
        badge_snippet: format!(
            "<a href=\"{page}\"><img src=\"{page}/badge.svg\" alt=\"{title}\"></a>",
            page = state.config.public_link(&format!("letters/{}", letter.slug)),
            title = letter.title.replace(['"', '<', '>', '&'], ""),
        ),
    })
}

/// "This letter in: English · Русский": the letter's own language, then every
/// translation (its latest version; one of an earlier version is marked); the
/// shown one is marked.
fn text_links(tr: &Translator, letter: &Letter, texts: &[LetterText], shown: Option<&str>) -> Vec<TextLink> {
    let mut translations: Vec<&LetterText> = Vec::new();
    for text in texts.iter().filter(|t| t.language != letter.language) {
        match translations.iter_mut().find(|t| t.language == text.language) {
            Some(kept) if kept.version < text.version => *kept = text,
            Some(_) => {}
            None => translations.push(text),
        }
    }
    if translations.is_empty() {
        return Vec::new();
    }
    let own = TextLink {
        language: letter.language.as_str().to_owned(),
        name: language_name(letter.language.as_str()),
        href: format!("/letters/{}", letter.slug),
        current: shown.is_none(),
        outdated: None,
    };
    std::iter::once(own)
        .chain(translations.into_iter().map(|t| {
            TextLink {
                language: t.language.as_str().to_owned(),
                name: language_name(t.language.as_str()),
                href: format!("/letters/{}?text={}", letter.slug, t.language.as_str()),
                current: shown == Some(t.language.as_str()),
                outdated: (t.version < letter.version)
                    .then(|| tr.t1("letter-translation-of-version", "version", &t.version.to_string())),
            }
        }))
        .collect()
}

/// A language's own name for itself, for the languages letters are usually
/// written in here; the tag itself for others.
pub fn language_name(tag: &str) -> String {
    let primary = tag.split('-').next().unwrap_or(tag);
    match primary {
        "en" => "English",
        "ru" => "Русский",
        "uk" => "Українська",
        "be" => "Беларуская",
        "kk" => "Қазақ тілі",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "it" => "Italiano",
        "pl" => "Polski",
        "ka" => "ქართული",
        "hy" => "Հայերեն",
        "he" => "עברית",
        "tt" => "Татар теле",
        _ => return tag.to_owned(),
    }
    .to_owned()
}

/// The text `?text=` asks for: that language's latest version (which may be of
/// an earlier version of the letter: the page then says so).
fn chosen_text<'a>(letter: &Letter, texts: &'a [LetterText], asked: Option<&str>) -> Option<&'a LetterText> {
    let asked = asked.filter(|a| *a != letter.language.as_str())?;
    texts
        .iter()
        .filter(|t| t.language.as_str() == asked && t.version <= letter.version)
        .max_by_key(|t| t.version)
}

#[derive(Debug, Default, Deserialize)]
pub struct TextQuery {
    /// A translation's language tag.
    text: Option<String>,
}

/// The letter page with a blank form: from memory while nothing changed, with an
/// ETag so a reload that changes nothing costs one 304.
pub async fn show_letter(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    Query(query): Query<TextQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let slug = Slug::parse(&slug).map_err(|_| PageError::not_found(lang))?;
    let asked = query.text.filter(|t| LetterLanguage::parse(t).is_ok());
    let key = match &asked {
        Some(text) => PageKey::LetterText(slug.clone(), text.clone()),
        None => PageKey::Letter(slug.clone()),
    };
    cached_page(&state, &headers, key, lang, async || {
        let letter = state
            .letter(&slug)
            .await
            .map_err(|e| PageError::store(lang, e))?
            .ok_or_else(|| PageError::not_found(lang))?;
        let blank =
            SignatureSubmission { show_name: true, organisation: letter.organisations, ..Default::default() };
        let view =
            letter_page(&state, lang, &letter, asked.as_deref(), &blank, &FieldErrors::default()).await?;
        view.render().map_err(|e| PageError::internal(lang, e))
    })
    .await
}

/// The form's POST. Success redirects to "check your e-mail" (so a reload does not
/// sign again); mistakes show the letter again, 400, with the input kept.
pub async fn sign_letter(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
    form: Result<Form<SignatureSubmission>, FormRejection>,
) -> Result<Response, PageError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let Form(submission) = form.map_err(|rejection| PageError {
        lang,
        kind: match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => PageErrorKind::PayloadTooLarge,
            _ => PageErrorKind::BadRequest,
        },
    })?;
    // Our script fills `altcha`; an empty one means no JavaScript ran.
    let proof = match submission.altcha.trim() {
        "" => Proof::NoJavaScript,
        payload => Proof::Payload(payload),
    };
    match signing::submit_signature(&state, &letter.slug, &submission, lang, client, proof).await {
        // A fragment of its own: the browser would otherwise carry the form's
        // `#sign` over to this page.
        Ok(()) => Ok(Redirect::to(&format!("/letters/{}/check-email#main", letter.slug)).into_response()),
        Err(SignError::Invalid(errors)) => {
            let view = letter_page(&state, lang, &letter, None, &submission, &errors).await?;
            let page = render(lang, &view)?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(SignError::UnknownLetter) => Err(PageError::not_found(lang)),
        Err(SignError::LetterClosed) => Err(PageError { lang, kind: PageErrorKind::LetterClosed }),
        Err(SignError::RateLimited(wait)) => {
            let tr = Translator::new(lang);
            let notice = tr.lookup(
                "form-rate-limited",
                [
                    ("count", FluentValue::from(crate::web::errors::minutes_to_wait(wait))),
                    ("source", FluentValue::from(tr.t("form-limit-network"))),
                ],
            );
            let page = letter_with_notice(&state, lang, &letter, &submission, notice).await?;
            Ok((StatusCode::TOO_MANY_REQUESTS, crate::web::errors::retry_after(wait), page).into_response())
        }
        Err(SignError::Unavailable(outage)) => {
            Err(PageError { lang, kind: PageErrorKind::Unavailable(outage) })
        }
        Err(SignError::ProofOfWork(problem)) => {
            let notice = Translator::new(lang).t(pow_message_id(problem));
            let page = letter_with_notice(&state, lang, &letter, &submission, notice).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(SignError::Internal(error)) => Err(PageError::internal(lang, error)),
    }
}

/// The letter again with everything typed kept, and a problem with the whole
/// form (not one field) said at the form.
async fn letter_with_notice(
    state: &AppState,
    lang: Language,
    letter: &Letter,
    submission: &SignatureSubmission,
    notice: String,
) -> Result<Response, PageError> {
    let mut view = letter_page(state, lang, letter, None, submission, &FieldErrors::default()).await?;
    view.form.notice = Some(notice);
    render(lang, &view)
}

/// The message for a proof-of-work problem, on the page and in the API.
pub fn pow_message_id(problem: PowError) -> &'static str {
    match problem {
        PowError::Missing => "error-pow-missing",
        PowError::Expired => "error-pow-expired",
        PowError::Replayed => "error-pow-replayed",
        PowError::Malformed | PowError::Invalid | PowError::WrongLetter => "error-pow-invalid",
    }
}

pub async fn show_check_email(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let letter = find_letter(&state, lang, &slug).await?;
    let view = CheckEmailView {
        page: PageMeta::new(tr, &format!("/letters/{}/check-email", letter.slug), tr.t("check-email-title")),
        letter: LetterCard::new(&tr, &letter),
    };
    render(lang, &view)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    before: Option<u64>,
    /// Words to search for in names, affiliations and cities.
    q: Option<String>,
}

/// Matches of a search are counted exactly up to this many; above it, pages and
/// the API say "more than" (counting every match of a common word on a huge
/// letter, on every page, would cost more than the page itself).
pub const MATCHES_COUNTED: u64 = 10_000;

/// One keyset page of a letter's public signer list, newest first: all of it, or
/// the matches of a reader's search with how many there are (exactly up to
/// `count_up_to`). The page, the API and the CSV all list through here.
pub async fn signer_page(
    state: &AppState,
    letter: crate::domain::LetterId,
    search: &str,
    before: Option<u64>,
    limit: u32,
    count_up_to: u64,
) -> Result<(Vec<crate::domain::PublicSignature>, Option<MatchCount>), crate::storage::StoreError> {
    let words = search_words(search);
    if words.is_empty() {
        return Ok((state.store.public_signatures(letter, before, limit).await?, None));
    }
    let page = state.store.search_signatures(letter, &words, before, limit, count_up_to).await?;
    Ok((page.rows, Some(page.matches)))
}

/// The words of a reader's search: at most six, each at most 40 characters.
fn search_words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
        .map(|w| w.chars().take(40).collect::<String>().to_lowercase())
        .collect()
}

/// The public signer list, newest first, by keyset pages (`?before=<seq>`).
pub async fn list_signatures(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let Query(query) = query.map_err(|_| PageError { lang, kind: PageErrorKind::BadRequest })?;
    let letter = find_letter(&state, lang, &slug).await?;
    let search = query.q.as_deref().map(str::trim).unwrap_or("").to_owned();
    let (rows, matches) =
        signer_page(&state, letter.id, &search, query.before, PAGE_SIZE + 1, MATCHES_COUNTED)
            .await
            .map_err(|e| PageError::store(lang, e))?;
    // One row more than a page was asked for: it says whether an older page exists.
    let older_link = (rows.len() > PAGE_SIZE as usize)
        .then(|| rows.get(PAGE_SIZE as usize - 1))
        .flatten()
        .map(|last| signatures_path(&letter.slug, Some(last.seq), &search));
    let results = matches.map(|count| {
        let (id, n) = match count {
            MatchCount::Exactly(n) => ("signatures-search-results", n),
            MatchCount::MoreThan(n) => ("signatures-search-results-more", n),
        };
        tr.lookup(
            id,
            [
                ("count", FluentValue::from(n)),
                ("formatted", FluentValue::from(tr.number(n))),
                ("query", FluentValue::from(search.clone())),
            ],
        )
    });
    let csv_link = match search.as_str() {
        "" => format!("/letters/{}/signatures.csv", letter.slug),
        q => format!("/letters/{}/signatures.csv?q={}", letter.slug, url_encode(q)),
    };
    let view = SignaturesView {
        page: PageMeta::new(
            tr,
            &signatures_path(&letter.slug, None, ""),
            tr.t1("signatures-title", "title", &letter.title),
        ),
        letter: LetterCard::new(&tr, &letter),
        rows: rows
            .iter()
            .take(PAGE_SIZE as usize)
            .map(|s| SignerRow::new(s).on_letter(&tr, &letter))
            .collect(),
        older_link,
        search,
        results,
        csv_link,
    };
    render(lang, &view)
}

fn signatures_path(slug: &Slug, before: Option<u64>, search: &str) -> String {
    match (before, search) {
        (Some(seq), "") => format!("/letters/{slug}/signatures?before={seq}"),
        (Some(seq), q) => format!("/letters/{slug}/signatures?q={}&before={seq}", url_encode(q)),
        (None, _) => format!("/letters/{slug}/signatures"),
    }
}

/// A reader's words as a query-string value.
fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
