//! The organisers' pages under `/organise`: the overview, the second factor's
//! enrolment, drafts (create, edit, preview, publish), a letter's management
//! (close, invite, members, audit log) and its signers' addresses.
//!
//! Every handler takes an [`Organiser`] (signed in, second factor passed) and
//! every POST checks the session's CSRF token before it does anything.

use std::sync::Arc;

use askama::Template;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{find_letter, render};
use crate::app::AppState;
use crate::domain::{Community, EmailAddress, Field, FieldError, Letter};
use crate::i18n::Translator;
use crate::organisers::drafts::{self, DraftInput, DraftProblem};
use crate::organisers::totp::TotpSecret;
use crate::organisers::{self, Access};
use crate::publishing::PublishError;
use crate::storage::PublishRefusal;
use crate::storage::organisers::{AuditEntry, DraftRefusal, Role, StoredDraft};
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::markdown;
use crate::web::session::{Button, Checked, Organiser, SignedIn};
use crate::web::views::{PageMeta, field_error_message, format_date};

/// Signers' addresses per page.
const ADDRESSES_PAGE: u32 = 500;
/// Audit entries shown.
const AUDIT_SHOWN: u32 = 200;

fn role_label(tr: &Translator, role: Role) -> String {
    tr.t(match role {
        Role::Organiser => "role-organiser",
        Role::Moderator => "role-moderator",
    })
}

/// An audit line as shown.
struct AuditRow {
    when: String,
    who: String,
    action: String,
    detail: String,
}

impl AuditRow {
    fn new(tr: &Translator, entry: &AuditEntry) -> Self {
        Self {
            when: format!(
                "{} {:02}:{:02} UTC",
                format_date(tr, entry.at.date()),
                entry.at.hour(),
                entry.at.minute()
            ),
            who: entry.account.map_or_else(|| tr.t("audit-command-line"), |a| format!("#{}", a.get())),
            action: tr.t(&format!("audit-{}", entry.action.replace('_', "-"))),
            detail: entry.detail.clone(),
        }
    }
}

// The overview.

struct LetterLink {
    slug: String,
    title: String,
    role: String,
}

struct DraftLink {
    id: i64,
    title: String,
    slug: String,
}

#[derive(Template)]
#[template(path = "organise.html")]
struct OverviewView {
    page: PageMeta,
    csrf: String,
    letters: Vec<LetterLink>,
    drafts: Vec<DraftLink>,
    has_second_factor: bool,
    is_admin: bool,
    /// "Signed in as …", with the account number the audit log uses.
    email: String,
    account: i64,
    can_write_letters: bool,
    /// Campaigns this account edits, as `(slug, title)`.
    campaigns: Vec<(String, String)>,
    /// Admins' "invite an organiser" form.
    invite_email: String,
    invite_error: Option<String>,
    notice: Option<String>,
}

pub async fn show_overview(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
) -> Result<Response, PageError> {
    let view = overview(&state, &organiser, (String::new(), None), None).await?;
    render(organiser.lang, &view)
}

async fn overview(
    state: &AppState,
    organiser: &Organiser,
    invite: (String, Option<String>),
    notice: Option<String>,
) -> Result<OverviewView, PageError> {
    let lang = organiser.lang;
    let tr = Translator::new(lang);
    let account = &organiser.account;
    let roles = state.store.roles_of(account.id).await.map_err(|e| PageError::store(lang, e))?;
    let owner = (!account.is_admin).then_some(account.id);
    let drafts = state.store.drafts(owner).await.map_err(|e| PageError::store(lang, e))?;
    let campaigns = state.store.campaigns_organised(owner).await.map_err(|e| PageError::store(lang, e))?;
    let email = match state.store.account_email(account.id).await.map_err(|e| PageError::store(lang, e))? {
        Some((lookup, sealed)) => state
            .keys
            .account_key()
            .open_email(&sealed, &lookup)
            .map_err(|e| PageError::internal(lang, e))?
            .as_str()
            .to_owned(),
        None => String::new(),
    };
    Ok(OverviewView {
        page: PageMeta::new(tr, "/organise", tr.t("organise-title")),
        csrf: organiser.csrf.clone(),
        letters: roles
            .iter()
            .map(|r| LetterLink {
                slug: r.slug.to_string(),
                title: r.title.clone(),
                role: role_label(&tr, r.role),
            })
            .collect(),
        drafts: drafts
            .iter()
            .map(|d| DraftLink { id: d.id, title: d.draft.title.clone(), slug: d.draft.slug.to_string() })
            .collect(),
        has_second_factor: account.has_second_factor(),
        is_admin: account.is_admin,
        email,
        account: account.id.get(),
        can_write_letters: account.can_write_letters(),
        campaigns: campaigns.into_iter().map(|(s, t)| (s.to_string(), t)).collect(),
        invite_email: invite.0,
        invite_error: invite.1,
        notice,
    })
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// Admins: lets someone write and publish letters.
pub async fn invite_organiser(
    State(state): State<Arc<AppState>>,
    Checked { session: organiser, form }: Checked<Organiser, EmailForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    if !organiser.account.is_admin {
        return Err(PageError::forbidden(lang));
    }
    let tr = Translator::new(lang);
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(kind) => {
            let message = field_error_message(&tr, &FieldError { field: Field::Email, kind });
            let view = overview(&state, &organiser, (form.email, Some(message)), None).await?;
            return Ok((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response());
        }
    };
    let invited = organisers::invite_organiser(&state, &organiser.account, &email)
        .await
        .map_err(|e| PageError::internal(lang, e))?;
    let notice = tr.t(if invited { "organise-invite-organiser-done" } else { "invite-already" });
    let view = overview(&state, &organiser, (String::new(), None), Some(notice)).await?;
    render(lang, &view)
}

// The second factor's enrolment.

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorView {
    page: PageMeta,
    csrf: String,
    secret: String,
    otpauth_url: String,
    error: bool,
    required: bool,
    /// After enrolment: the recovery codes, shown this once.
    recovery_codes: Vec<String>,
}

fn two_factor_page(
    signed_in: &SignedIn,
    secret: &TotpSecret,
    error: bool,
    recovery_codes: Vec<String>,
) -> TwoFactorView {
    let tr = Translator::new(signed_in.lang);
    let label = format!("account-{}", signed_in.session.account.id.get());
    TwoFactorView {
        page: PageMeta::new(tr, "/organise/two-factor", tr.t("two-factor-title")),
        csrf: signed_in.csrf.clone(),
        secret: secret.base32(),
        otpauth_url: secret.otpauth_url("undersign", &label),
        error,
        required: signed_in.session.account.is_admin && !signed_in.session.account.has_second_factor(),
        recovery_codes,
    }
}

/// Enrolment is open to a session whose second factor is settled (an account
/// without one yet, or one re-enrolling after passing it).
fn may_enrol(signed_in: &SignedIn) -> Result<(), PageError> {
    if signed_in.session.second_factor_done { Ok(()) } else { Err(PageError::forbidden(signed_in.lang)) }
}

pub async fn show_two_factor(signed_in: SignedIn) -> Result<Response, PageError> {
    may_enrol(&signed_in)?;
    render(signed_in.lang, &two_factor_page(&signed_in, &TotpSecret::generate(), false, Vec::new()))
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    /// The secret shown on the page, sent back with the first code from it.
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

pub async fn enrol_two_factor(
    State(state): State<Arc<AppState>>,
    Checked { session: signed_in, form }: Checked<SignedIn, EnrolForm>,
) -> Result<Response, PageError> {
    let lang = signed_in.lang;
    may_enrol(&signed_in)?;
    let secret = totp_rs::Secret::Encoded(form.secret.trim().to_owned())
        .to_bytes()
        .ok()
        .filter(|b| b.len() == 20)
        .map(TotpSecret::from_bytes)
        .ok_or(PageError { lang, kind: PageErrorKind::BadRequest })?;
    let codes = organisers::enrol_second_factor(
        &state,
        &signed_in.token,
        &signed_in.session.account,
        &secret,
        &form.code,
    )
    .await
    .map_err(|e| PageError::internal(lang, e))?;
    match codes {
        Some(codes) => render(lang, &two_factor_page(&signed_in, &secret, false, codes)),
        None => {
            let page = render(lang, &two_factor_page(&signed_in, &secret, true, Vec::new()))?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

// Drafts.

#[derive(Template)]
#[template(path = "draft.html")]
struct DraftView {
    page: PageMeta,
    csrf: String,
    /// Where the form posts: a new draft, or this one.
    action: String,
    /// The saved draft's id, when there is one to preview and publish.
    id: Option<i64>,
    input: DraftInput,
    /// `(field, message)` for every mistake.
    errors: Vec<(&'static str, String)>,
    communities: Vec<(&'static str, String)>,
    preview_html: Option<String>,
    notice: Option<String>,
}

impl DraftView {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

fn draft_view(
    organiser: &Organiser,
    id: Option<i64>,
    input: DraftInput,
    problems: &[DraftProblem],
    notice: Option<String>,
) -> DraftView {
    let tr = Translator::new(organiser.lang);
    let path = id.map_or_else(|| "/organise/drafts/new".to_owned(), |id| format!("/organise/drafts/{id}"));
    let preview_html = id.map(|_| markdown::to_safe_html(&input.body));
    DraftView {
        page: PageMeta::new(tr, &path, tr.t("draft-title")),
        csrf: organiser.csrf.clone(),
        action: id.map_or_else(|| "/organise/drafts".to_owned(), |id| format!("/organise/drafts/{id}")),
        id,
        errors: problems.iter().map(|p| (p.field.as_str(), tr.t(p.message_id))).collect(),
        communities: Community::KNOWN.iter().map(|c| (*c, tr.t(&format!("community-{c}")))).collect(),
        preview_html,
        input,
        notice,
    }
}

/// The draft if this organiser may edit it (its owner, or an admin); 404 otherwise,
/// so ids of other people's drafts say nothing.
async fn editable_draft(state: &AppState, organiser: &Organiser, id: i64) -> Result<StoredDraft, PageError> {
    let lang = organiser.lang;
    let draft = state.store.draft(id).await.map_err(|e| PageError::store(lang, e))?;
    draft
        .filter(|d| d.owner == organiser.account.id || organiser.account.is_admin)
        .ok_or_else(|| PageError::not_found(lang))
}

/// A draft id from the path; anything else is a page that does not exist.
fn draft_id(organiser: &Organiser, raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError::not_found(organiser.lang))
}

/// Drafts are for accounts an admin invited to publish (and admins).
fn may_write(organiser: &Organiser) -> Result<(), PageError> {
    if organiser.account.can_write_letters() { Ok(()) } else { Err(PageError::forbidden(organiser.lang)) }
}

pub async fn show_new_draft(organiser: Organiser) -> Result<Response, PageError> {
    may_write(&organiser)?;
    let input = DraftInput { language: organiser.lang.code().to_owned(), ..DraftInput::default() };
    render(organiser.lang, &draft_view(&organiser, None, input, &[], None))
}

pub async fn create_draft(
    State(state): State<Arc<AppState>>,
    Checked { session: organiser, form }: Checked<Organiser, DraftInput>,
) -> Result<Response, PageError> {
    save_draft(&state, &organiser, None, form).await
}

pub async fn update_draft(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, DraftInput>,
) -> Result<Response, PageError> {
    let id = draft_id(&organiser, &id)?;
    save_draft(&state, &organiser, Some(id), form).await
}

async fn save_draft(
    state: &AppState,
    organiser: &Organiser,
    id: Option<i64>,
    input: DraftInput,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let owner = match id {
        Some(id) => editable_draft(state, organiser, id).await?.owner,
        None => {
            may_write(organiser)?;
            organiser.account.id
        }
    };
    let invalid = |problems: Vec<DraftProblem>, input: DraftInput| -> Result<Response, PageError> {
        let page = render(lang, &draft_view(organiser, id, input, &problems, None))?;
        Ok((StatusCode::BAD_REQUEST, page).into_response())
    };
    let draft = match drafts::parse_draft(&input, state.clock.now().date()) {
        Ok(draft) => draft,
        Err(problems) => return invalid(problems, input),
    };
    let action =
        if id.is_some() { organisers::actions::DRAFT_EDITED } else { organisers::actions::DRAFT_CREATED };
    let entry = organisers::audit(
        Some(organiser.account.id),
        None,
        action,
        draft.slug.to_string(),
        state.clock.now(),
    );
    let saved = state
        .store
        .save_draft(id, owner, &draft, entry, state.clock.now())
        .await
        .map_err(|e| PageError::store(lang, e))?;
    match saved {
        Ok(id) => Ok(Redirect::to(&format!("/organise/drafts/{id}")).into_response()),
        Err(DraftRefusal::SlugTaken(_)) => invalid(
            vec![DraftProblem { field: drafts::DraftField::Slug, message_id: "draft-error-slug-taken" }],
            input,
        ),
        Err(DraftRefusal::Unknown) => Err(PageError::not_found(lang)),
    }
}

pub async fn show_draft(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = draft_id(&organiser, &id)?;
    let stored = editable_draft(&state, &organiser, id).await?;
    let input = DraftInput::from_draft(&stored.draft);
    render(organiser.lang, &draft_view(&organiser, Some(id), input, &[], None))
}

pub async fn publish_draft(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Checked { session: organiser, .. }: Checked<Organiser, Button>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let id = draft_id(&organiser, &id)?;
    let stored = editable_draft(&state, &organiser, id).await?;
    // The closing day may have passed since the draft was saved.
    if let Err(problems) =
        drafts::parse_draft(&DraftInput::from_draft(&stored.draft), state.clock.now().date())
    {
        let page = render(
            lang,
            &draft_view(&organiser, Some(id), DraftInput::from_draft(&stored.draft), &problems, None),
        )?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    match drafts::publish_draft(&state, &organiser.account, &stored).await {
        Ok(_) => Ok(Redirect::to(&format!("/organise/letters/{}", stored.draft.slug)).into_response()),
        Err(PublishError::Refused(PublishRefusal::SlugTaken(_))) => {
            let problems =
                [DraftProblem { field: drafts::DraftField::Slug, message_id: "draft-error-slug-taken" }];
            let page = render(
                lang,
                &draft_view(&organiser, Some(id), DraftInput::from_draft(&stored.draft), &problems, None),
            )?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(PublishError::Refused(refusal)) => Err(PageError::internal(lang, refusal)),
        Err(PublishError::Internal(error)) => Err(PageError::internal(lang, error)),
    }
}

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
pub(super) async fn managed_letter(
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

pub async fn close_letter(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, .. }: Checked<Organiser, Button>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let (letter, access) = managed_letter(&state, &organiser, &slug).await?;
    if !access.can_manage() {
        return Err(PageError::forbidden(lang));
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
    let (letter, access) = managed_letter(&state, &organiser, &slug).await?;
    if !access.can_manage() {
        return Err(PageError::forbidden(lang));
    }
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

// The whole audit log, for admins.

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditView {
    page: PageMeta,
    rows: Vec<AuditRow>,
}

pub async fn show_audit(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    if !organiser.account.is_admin {
        return Err(PageError::forbidden(lang));
    }
    let tr = Translator::new(lang);
    let entries =
        state.store.audit_entries(None, AUDIT_SHOWN).await.map_err(|e| PageError::store(lang, e))?;
    let view = AuditView {
        page: PageMeta::new(tr, "/organise/audit", tr.t("audit-title")),
        rows: entries.iter().map(|e| AuditRow::new(&tr, e)).collect(),
    };
    render(lang, &view)
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
    let (letter, access) = managed_letter(state, organiser, slug).await?;
    if !access.can_manage() {
        return Err(PageError::forbidden(lang));
    }
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
    let (letter, access) = managed_letter(&state, &organiser, &slug).await?;
    if !access.can_manage() {
        return Err(PageError::forbidden(lang));
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
        settings.to_string(),
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
