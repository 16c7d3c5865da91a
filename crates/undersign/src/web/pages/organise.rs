//! The organisers' pages under `/organise`: here the overview, the second
//! factor's enrolment and the instance audit log; drafts in `organise/drafts.rs`,
//! a published letter's management in `organise/letter.rs`.
//!
//! Every handler takes an [`Organiser`] (signed in, second factor passed), and
//! every POST a [`Checked`] form (its CSRF token checked before anything runs).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::render;
use crate::domain::{EmailAddress, Field, FieldError};
use crate::i18n::Translator;
use crate::organisers;
use crate::state::AppState;
use crate::storage::organisers::{AuditEntry, Role};
use crate::web::errors::PageError;
use crate::web::session::{Button, Checked, Organiser, SignedIn};
use crate::web::views::{PageMeta, field_error_message, format_date};
use fluent_templates::fluent_bundle::FluentValue;

/// Audit entries shown.
const AUDIT_SHOWN: u32 = 200;

fn role_label(tr: &Translator, role: Role) -> String {
    tr.t(role.label_id())
}

/// Drafts and campaigns are for accounts an admin invited to publish (and admins).
pub(crate) fn may_write(organiser: &Organiser) -> Result<(), PageError> {
    if organiser.account.can_write_letters() { Ok(()) } else { Err(PageError::forbidden(organiser.lang)) }
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
            detail: match organisers::parse_detail(&entry.detail) {
                Some((id, values)) => {
                    const NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
                    tr.lookup(&id, NAMES.into_iter().zip(values.into_iter().map(FluentValue::from)))
                }
                // Written before details were stored as messages: as it was.
                None => entry.detail.clone(),
            },
        }
    }
}

mod drafts;
mod letter;

pub use drafts::{create_draft, publish_draft, show_draft, show_new_draft, update_draft};
pub(crate) use letter::letter_they_may;
pub use letter::{
    close_letter, invite_member, publish_correction, publish_translation, save_form_settings, show_addresses,
    show_close_letter, show_letter,
};

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
    // Drafts are their author's alone (admins see their own only).
    let drafts = state.store.drafts(account.id).await.map_err(|e| PageError::store(lang, e))?;
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

/// The key being set up, three ways: a QR code for a phone, the key to type,
/// and a link for an authenticator on this device.
struct Setup {
    key: String,
    otpauth_url: String,
    /// A `data:` URL of the QR code as SVG, drawn here (no third-party service).
    qr_data_url: String,
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorView {
    page: PageMeta,
    csrf: String,
    /// `None` until the organiser asks for a key.
    setup: Option<Setup>,
    /// The account has a second factor: replacing it needs a current code.
    replacing: bool,
    error: Option<String>,
    required: bool,
    /// After enrolment: the recovery codes, shown this once, and as a file.
    recovery_codes: Vec<String>,
    recovery_download: String,
}

fn two_factor_page(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<TwoFactorView, PageError> {
    let lang = signed_in.lang;
    let tr = Translator::new(lang);
    let account = &signed_in.session.account;
    let pending = organisers::pending_second_factor(state, &signed_in.session)
        .map_err(|e| PageError::internal(lang, e))?;
    let setup = pending
        .map(|secret| {
            let otpauth_url = secret.otpauth_url("undersign", &format!("account-{}", account.id.get()));
            let svg = qrcode::QrCode::new(otpauth_url.as_bytes())
                .map_err(|e| PageError::internal(lang, anyhow::anyhow!("QR code: {e}")))?
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            use base64::Engine;
            let qr_data_url = format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(svg)
            );
            Ok::<_, PageError>(Setup { key: secret.base32(), otpauth_url, qr_data_url })
        })
        .transpose()?;
    Ok(TwoFactorView {
        page: PageMeta::new(tr, "/organise/two-factor", tr.t("two-factor-title")),
        csrf: signed_in.csrf.clone(),
        setup,
        replacing: account.has_second_factor(),
        error,
        required: account.is_admin && !account.has_second_factor(),
        recovery_codes: Vec::new(),
        recovery_download: String::new(),
    })
}

/// Enrolment is open to a session whose second factor is settled (an account
/// without one yet, or one re-enrolling after passing it).
fn may_enrol(signed_in: &SignedIn) -> Result<(), PageError> {
    if signed_in.session.second_factor_done { Ok(()) } else { Err(PageError::forbidden(signed_in.lang)) }
}

pub async fn show_two_factor(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    may_enrol(&signed_in)?;
    render(signed_in.lang, &two_factor_page(&state, &signed_in, None)?)
}

/// "Show me a key": a fresh secret for this session, then the page shows it.
pub async fn begin_two_factor(
    State(state): State<Arc<AppState>>,
    Checked { session: signed_in, .. }: Checked<SignedIn, Button>,
) -> Result<Response, PageError> {
    may_enrol(&signed_in)?;
    organisers::begin_second_factor(&state, &signed_in.token, &signed_in.session.account)
        .await
        .map_err(|e| PageError::internal(signed_in.lang, e))?;
    Ok(Redirect::to("/organise/two-factor").into_response())
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    /// A code from the new key.
    #[serde(default)]
    code: String,
    /// When replacing: a code from the current key, or a recovery code.
    #[serde(default)]
    current: String,
}

pub async fn enrol_two_factor(
    State(state): State<Arc<AppState>>,
    Checked { session: signed_in, form }: Checked<SignedIn, EnrolForm>,
) -> Result<Response, PageError> {
    let lang = signed_in.lang;
    may_enrol(&signed_in)?;
    let tr = Translator::new(lang);
    let outcome = organisers::enrol_second_factor(
        &state,
        &signed_in.token,
        &signed_in.session,
        &form.code,
        &form.current,
    )
    .await
    .map_err(|e| PageError::internal(lang, e))?;
    let error_id = match outcome {
        organisers::Enrolment::Enrolled(codes) => {
            let mut view = two_factor_page(&state, &signed_in, None)?;
            use base64::Engine;
            let file = format!("{}\n\n{}\n", tr.t("two-factor-recovery-file"), codes.join("\n"));
            view.recovery_download =
                format!("data:text/plain;base64,{}", base64::engine::general_purpose::STANDARD.encode(file));
            view.recovery_codes = codes;
            view.setup = None;
            return render(lang, &view);
        }
        organisers::Enrolment::NotStarted => "two-factor-not-started",
        organisers::Enrolment::CurrentRefused => "two-factor-current-wrong",
        organisers::Enrolment::WrongCode => "second-factor-wrong",
    };
    let page = render(lang, &two_factor_page(&state, &signed_in, Some(tr.t(error_id)))?)?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

#[derive(Debug, Deserialize)]
pub struct KeptForm {
    #[serde(default)]
    kept: Option<String>,
}

/// "I have kept my recovery codes": then on to the overview.
pub async fn confirm_recovery_codes_kept(
    Checked { session: signed_in, form }: Checked<SignedIn, KeptForm>,
) -> Result<Response, PageError> {
    let lang = signed_in.lang;
    if form.kept.as_deref() == Some("yes") {
        return Ok(Redirect::to("/organise").into_response());
    }
    let tr = Translator::new(lang);
    let view = KeptView { page: PageMeta::new(tr, "/organise/two-factor", tr.t("two-factor-title")) };
    Ok((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response())
}

/// The codes cannot be shown again: what to do if they were not kept.
#[derive(Template)]
#[template(path = "recovery_not_kept.html")]
struct KeptView {
    page: PageMeta,
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
