//! A published letter's management: close, invite, members and its audit log,
//! signers' addresses, corrections and translations, the signature form.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AUDIT_SHOWN, AuditRow, role_label};
use crate::domain::{EmailAddress, Field, FieldError, Letter};
use crate::i18n::Translator;
use crate::organisers::{self, Access};
use crate::state::AppState;
use crate::storage::organisers::Role;
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::pages::{find_letter, render};
use crate::web::session::{Checked, Organiser};
use crate::web::views::{PageMeta, field_error_message};

/// Signers' addresses per page.
const ADDRESSES_PAGE: u32 = 500;

// A letter's management.

struct MemberRow {
    /// The account number the audit log names.
    account: i64,
    email: String,
    role: String,
}

#[derive(Template)]
#[template(path = "organise_letter.html")]
struct ManageView {
    page: PageMeta,
    csrf: String,
    slug: String,
    title: String,
    count_text: String,
    closed: bool,
    can_manage: bool,
    can_read_addresses: bool,
    members: Vec<MemberRow>,
    audit: Vec<AuditRow>,
    invite_email: String,
    invite_error: Option<String>,
    notice: Option<String>,
    /// The current text, to correct, and the version it is.
    body: String,
    addressee: String,
    language: String,
    version: u32,
    /// Languages of the current version besides the letter's own.
    translations: Vec<String>,
    /// Mistakes in the correction or translation form.
    text_errors: Vec<String>,
    /// The signature form: `(field, label, rule)` per configurable field.
    form_fields: Vec<(&'static str, String, &'static str)>,
    organisations_allowed: bool,
    /// Organisation-only letters have no choice to make.
    organisations_only: bool,
    verified_domains: String,
    form_errors: Vec<String>,
}

/// The letter and what this organiser may do on it; 404 for letters they have no
/// part in, so another organiser's letters look like any letter they cannot manage.
pub(crate) async fn managed_letter(
    state: &AppState,
    organiser: &Organiser,
    slug: &str,
) -> Result<(Arc<Letter>, Access), PageError> {
    let lang = organiser.lang;
    let letter = find_letter(state, lang, slug).await?;
    let access = organisers::access(state, &organiser.account, &letter)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    if !access.can_view() {
        return Err(PageError::not_found(lang));
    }
    Ok((letter, access))
}

/// The letter, if this organiser may do what `may` asks of their access
/// (403 otherwise; 404, as above, for letters they have no part in).
pub(crate) async fn letter_they_may(
    state: &AppState,
    organiser: &Organiser,
    slug: &str,
    may: fn(Access) -> bool,
) -> Result<(Arc<Letter>, Access), PageError> {
    let (letter, access) = managed_letter(state, organiser, slug).await?;
    if may(access) { Ok((letter, access)) } else { Err(PageError::forbidden(organiser.lang)) }
}

async fn manage_view(
    state: &AppState,
    organiser: &Organiser,
    letter: &Letter,
    access: Access,
    invite: (String, Option<String>),
    notice: Option<String>,
) -> Result<ManageView, PageError> {
    let lang = organiser.lang;
    let tr = Translator::new(lang);
    let (members, audit) = if access.can_manage() {
        let members = state.store.letter_members(letter.id).await.map_err(|e| PageError::store(lang, e))?;
        let members = members
            .iter()
            .map(|m| {
                let email = state
                    .keys
                    .account_key()
                    .open_email(&m.email_sealed, &m.email_lookup)
                    .map(|e| e.as_str().to_owned())
                    .map_err(|e| PageError::internal(lang, e))?;
                Ok(MemberRow { account: m.account.get(), email, role: role_label(&tr, m.role) })
            })
            .collect::<Result<Vec<_>, PageError>>()?;
        let audit = state
            .store
            .audit_entries(Some(letter.id), AUDIT_SHOWN)
            .await
            .map_err(|e| PageError::store(lang, e))?;
        (members, audit.iter().map(|e| AuditRow::new(&tr, e)).collect())
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(ManageView {
        page: PageMeta::new(tr, &format!("/organise/letters/{}", letter.slug), letter.title.clone()),
        csrf: organiser.csrf.clone(),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        count_text: tr.count("signature-count", letter.shown_count()),
        closed: !letter.accepts_signatures(),
        can_manage: access.can_manage(),
        can_read_addresses: access.can_read_addresses(),
        members,
        audit,
        invite_email: invite.0,
        invite_error: invite.1,
        notice,
        body: letter.body.clone(),
        addressee: letter.addressee.clone(),
        language: letter.language.as_str().to_owned(),
        version: letter.version,
        translations: letter.translations.iter().map(|l| l.as_str().to_owned()).collect(),
        text_errors: Vec::new(),
        form_fields: crate::domain::CONFIGURABLE
            .iter()
            .map(|f| (f.as_str(), tr.t(&format!("form-{}", f.as_str())), letter.form.rule(*f).as_str()))
            .collect(),
        organisations_allowed: letter.form.organisations_allowed,
        organisations_only: letter.organisations,
        verified_domains: letter.form.verified_domains().join("\n"),
        form_errors: Vec::new(),
    })
}

pub async fn show_letter(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (letter, access) = managed_letter(&state, &organiser, &slug).await?;
    let view = manage_view(&state, &organiser, &letter, access, (String::new(), None), None).await?;
    render(organiser.lang, &view)
}

/// Closing cannot be undone: a page that says what it does, before the button.
#[derive(Template)]
#[template(path = "close_letter.html")]
struct CloseView {
    page: PageMeta,
    csrf: String,
    slug: String,
    title: String,
    count_text: String,
    /// The box was not ticked.
    error: Option<String>,
}

fn close_view(organiser: &Organiser, letter: &Letter, error: Option<String>) -> CloseView {
    let tr = Translator::new(organiser.lang);
    CloseView {
        page: PageMeta::new(
            tr,
            &format!("/organise/letters/{}/close", letter.slug),
            tr.t1("close-title", "title", &letter.title),
        ),
        csrf: organiser.csrf.clone(),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        count_text: crate::web::views::LetterCard::new(&tr, letter).count_text,
        error,
    }
}

pub async fn show_close_letter(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (letter, _) = letter_they_may(&state, &organiser, &slug, Access::can_manage).await?;
    if !letter.accepts_signatures() {
        return Ok(Redirect::to(&format!("/organise/letters/{}", letter.slug)).into_response());
    }
    render(organiser.lang, &close_view(&organiser, &letter, None))
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    /// "I understand that this cannot be undone".
    #[serde(default)]
    understood: Option<String>,
}

pub async fn close_letter(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, CloseForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let (letter, _) = letter_they_may(&state, &organiser, &slug, Access::can_manage).await?;
    if form.understood.as_deref() != Some("yes") {
        let error = Translator::new(lang).t("close-not-understood");
        let page = render(lang, &close_view(&organiser, &letter, Some(error)))?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    organisers::close_letter(&state, &organiser.account, &letter)
        .await
        .map_err(|e| PageError::internal(lang, e))?;
    Ok(Redirect::to(&format!("/organise/letters/{}", letter.slug)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn invite_member(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, InviteForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let (letter, access) = letter_they_may(&state, &organiser, &slug, Access::can_manage).await?;
    let tr = Translator::new(lang);
    let Some(role) = Role::parse(&form.role) else {
        return Err(PageError { lang, kind: PageErrorKind::BadRequest });
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(kind) => {
            let message = field_error_message(&tr, &FieldError { field: Field::Email, kind });
            let view =
                manage_view(&state, &organiser, &letter, access, (form.email, Some(message)), None).await?;
            return Ok((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response());
        }
    };
    let granted = organisers::invite(&state, &organiser.account, &letter, &email, role)
        .await
        .map_err(|e| PageError::internal(lang, e))?;
    let notice = tr.t(if granted { "invite-done" } else { "invite-already" });
    let view = manage_view(&state, &organiser, &letter, access, (String::new(), None), Some(notice)).await?;
    render(lang, &view)
}

// Signers' addresses.

struct AddressRow {
    seq: u64,
    name: String,
    email: Option<String>,
}

#[derive(Template)]
#[template(path = "addresses.html")]
struct AddressesView {
    page: PageMeta,
    slug: String,
    title: String,
    rows: Vec<AddressRow>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AddressesQuery {
    after: Option<u64>,
}

/// Only the letter's organisers; every page read is in the audit log.
pub async fn show_addresses(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
    Path(slug): Path<String>,
    Query(query): Query<AddressesQuery>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let (letter, access) = managed_letter(&state, &organiser, &slug).await?;
    if !access.can_read_addresses() {
        return Err(PageError::forbidden(lang));
    }
    let after = query.after.unwrap_or(0);
    let rows = organisers::read_signer_addresses(&state, &organiser.account, &letter, after, ADDRESSES_PAGE)
        .await
        .map_err(|e| PageError::internal(lang, e))?;
    let tr = Translator::new(lang);
    let next = (rows.len() == ADDRESSES_PAGE as usize)
        .then(|| rows.last().map(|r| format!("/organise/letters/{}/addresses?after={}", letter.slug, r.seq)))
        .flatten();
    let view = AddressesView {
        page: PageMeta::new(
            tr,
            &format!("/organise/letters/{}/addresses", letter.slug),
            tr.t("addresses-title"),
        ),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        rows: rows
            .into_iter()
            .map(|r| AddressRow { seq: r.seq, name: r.name, email: r.email.map(|e| e.as_str().to_owned()) })
            .collect(),
        next,
    };
    // Addresses are personal data: never kept by a browser's or proxy's cache.
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], render(lang, &view)?).into_response())
}

// Corrections and translations.

#[derive(Debug, Deserialize)]
pub struct TextForm {
    /// Translations only: the language.
    #[serde(default)]
    language: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    addressee: String,
    #[serde(default)]
    body: String,
}

/// Which kind of text a form publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextKind {
    Correction,
    Translation,
}

async fn publish_text(
    state: &Arc<AppState>,
    organiser: &Organiser,
    slug: &str,
    form: TextForm,
    kind: TextKind,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let (letter, access) = letter_they_may(state, organiser, slug, Access::can_manage).await?;
    let tr = Translator::new(lang);
    let language = match kind {
        TextKind::Correction => letter.language.as_str(),
        TextKind::Translation => form.language.as_str(),
    };
    let refuse = |errors: Vec<String>| async {
        let mut view = manage_view(state, organiser, &letter, access, (String::new(), None), None).await?;
        view.text_errors = errors;
        Ok::<_, PageError>((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response())
    };
    let text = match crate::organisers::texts::parse_text(language, &form.title, &form.addressee, &form.body)
    {
        Ok(text) => text,
        Err(problems) => {
            let errors = problems
                .iter()
                .map(|(field, id)| format!("{}: {}", tr.t(&format!("draft-field-{field}")), tr.t(id)))
                .collect();
            return refuse(errors).await;
        }
    };
    let published = match kind {
        TextKind::Correction => {
            crate::organisers::texts::publish_version(state, &organiser.account, &letter, text).await
        }
        TextKind::Translation => {
            crate::organisers::texts::publish_translation(state, &organiser.account, &letter, text).await
        }
    }
    .map_err(|e| PageError::store(lang, e))?;
    match published {
        Ok(_) => Ok(Redirect::to(&format!("/organise/letters/{}", letter.slug)).into_response()),
        Err(refusal) => {
            let id = match refusal {
                crate::storage::texts::TextRefusal::TranslationExists => "text-error-translation-exists",
                crate::storage::texts::TextRefusal::SameLanguage => "text-error-same-language",
                crate::storage::texts::TextRefusal::Unchanged => "text-error-unchanged",
                crate::storage::texts::TextRefusal::Closed => "letter-closed",
            };
            refuse(vec![tr.t(id)]).await
        }
    }
}

pub async fn publish_correction(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, TextForm>,
) -> Result<Response, PageError> {
    publish_text(&state, &organiser, &slug, form, TextKind::Correction).await
}

pub async fn publish_translation(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, TextForm>,
) -> Result<Response, PageError> {
    publish_text(&state, &organiser, &slug, form, TextKind::Translation).await
}

// The signature form.

#[derive(Debug, Deserialize)]
pub struct FormSettingsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    affiliation: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    orcid: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    organisations: Option<String>,
    #[serde(default)]
    verified_domains: String,
}

pub async fn save_form_settings(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, FormSettingsForm>,
) -> Result<Response, PageError> {
    use crate::domain::{Field, FieldRule, FormSettings};
    let lang = organiser.lang;
    let (letter, access) = letter_they_may(&state, &organiser, &slug, Access::can_manage).await?;
    if !letter.accepts_signatures() {
        // A closed letter's form is part of its final record.
        return Err(PageError { lang, kind: PageErrorKind::LetterClosed });
    }
    let tr = Translator::new(lang);
    let rule =
        |value: &str| FieldRule::parse(value).ok_or(PageError { lang, kind: PageErrorKind::BadRequest });
    let settings = FormSettings::default()
        .with_organisations(form.organisations.is_some())
        .with_rule(Field::Title, rule(&form.title)?)
        .with_rule(Field::Affiliation, rule(&form.affiliation)?)
        .with_rule(Field::City, rule(&form.city)?)
        .with_rule(Field::Country, rule(&form.country)?)
        .with_rule(Field::Orcid, rule(&form.orcid)?);
    let settings = match settings.with_verified_domains(&form.verified_domains) {
        Ok(settings) => settings,
        Err(crate::domain::InvalidDomain(domain)) => {
            let mut view =
                manage_view(&state, &organiser, &letter, access, (String::new(), None), None).await?;
            view.form_errors = vec![tr.t1("manage-form-bad-domain", "domain", &domain)];
            view.verified_domains = form.verified_domains;
            return Ok((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response());
        }
    };
    let entry = organisers::audit(
        Some(organiser.account.id),
        Some(letter.id),
        organisers::actions::FORM_CHANGED,
        organisers::detail(
            "form",
            &[
                &settings.fields_text(),
                &settings.organisations_allowed.to_string(),
                &settings.verified_domains().join(" "),
            ],
        ),
        state.clock.now(),
    );
    state
        .store
        .set_form_settings(letter.id, &settings, entry)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    state.cache.invalidate();
    Ok(Redirect::to(&format!("/organise/letters/{}", letter.slug)).into_response())
}
