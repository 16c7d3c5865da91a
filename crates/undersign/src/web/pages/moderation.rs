//! Moderation pages: a letter's queue (approve, strike with a public reason),
//! bulk strikes by rule with a preview, and the readers' report form.

use std::collections::BTreeSet;
use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::organise::letter_they_may;
use super::{find_letter, render};
use crate::abuse::FlagKind;
use crate::domain::{Field, FieldError, Letter, SignatureId};
use crate::i18n::Translator;
use crate::organisers::moderation::{self, BulkOutcome};
use crate::state::AppState;
use crate::storage::moderation::{FlagRule, QueueItem};
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::lang::Lang;
use crate::web::session::{Checked, Organiser};
use crate::web::views::{PageMeta, field_error_message};

/// Queue entries shown at once.
const QUEUE_SHOWN: u32 = 200;

/// The Fluent id of a flag's label.
fn flag_label_id(kind: FlagKind) -> String {
    format!("flag-{}", kind.as_str().replace('_', "-"))
}

struct QueueRow {
    id: i64,
    seq: String,
    /// The name in runs, `true` where letters of another alphabet hide in a word.
    name: Vec<(String, bool)>,
    details: String,
    held: bool,
    /// Each flag, in words.
    reasons: Vec<String>,
}

impl QueueRow {
    fn new(tr: &Translator, item: &QueueItem) -> Self {
        let reasons = item
            .flags
            .iter()
            .map(|f| {
                let mut text = tr.t(&flag_label_id(f.kind));
                if let Some(other) = f.other_seq {
                    text.push_str(&format!(" (#{other})"));
                }
                if let Some(detail) = f.detail.as_deref().filter(|d| !d.is_empty()) {
                    text.push_str(&format!(": {detail}"));
                }
                text
            })
            .collect();
        Self {
            id: item.signature.get(),
            seq: item.seq.map(|s| format!("#{s}")).unwrap_or_default(),
            name: crate::abuse::names::foreign_letters(&item.name),
            details: [&item.affiliation, &item.city]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            held: item.held,
            reasons,
        }
    }
}

/// A rule a bulk action can take, as the page offers it.
struct RuleOption {
    kind: &'static str,
    detail: String,
    label: String,
}

/// A bulk strike's preview: the rule, what it takes, and the fingerprint of that.
struct Preview {
    kind: String,
    detail: String,
    label: String,
    rows: Vec<QueueRow>,
    /// "12 signatures", in words.
    count_text: String,
    digest: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct ModerationView {
    page: PageMeta,
    csrf: String,
    slug: String,
    title: String,
    rows: Vec<QueueRow>,
    rules: Vec<RuleOption>,
    preview: Option<Preview>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// A bulk rule to preview: a flag kind, and for bursts the burst's key.
    kind: Option<String>,
    detail: Option<String>,
}

fn parse_rule(kind: &str, detail: Option<&str>) -> Option<FlagRule> {
    let kind = FlagKind::parse(kind)?;
    let detail = detail.map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
    Some(FlagRule { kind, detail })
}

fn rule_label(tr: &Translator, rule: &FlagRule) -> String {
    let label = tr.t(&flag_label_id(rule.kind));
    match &rule.detail {
        Some(detail) => format!("{label}: {detail}"),
        None => label,
    }
}

async fn moderation_view(
    state: &AppState,
    organiser: &Organiser,
    letter: &Letter,
    preview: Option<FlagRule>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<ModerationView, PageError> {
    let lang = organiser.lang;
    let tr = Translator::new(lang);
    let queue =
        state.store.moderation_queue(letter.id, QUEUE_SHOWN).await.map_err(|e| PageError::store(lang, e))?;
    // Every flag kind in the queue is a rule; bursts one rule per burst.
    let mut seen = BTreeSet::new();
    for item in &queue {
        for flag in &item.flags {
            let detail = (flag.kind == FlagKind::Burst).then(|| flag.detail.clone().unwrap_or_default());
            seen.insert((flag.kind.as_str(), detail.unwrap_or_default()));
        }
    }
    let rules = seen
        .into_iter()
        .filter_map(|(kind, detail)| {
            let rule = parse_rule(kind, Some(&detail))?;
            Some(RuleOption { kind, label: rule_label(&tr, &rule), detail })
        })
        .collect();
    let preview = match preview {
        Some(rule) => {
            let items = state
                .store
                .signatures_matching(letter.id, &rule, moderation::BULK_MOST)
                .await
                .map_err(|e| PageError::store(lang, e))?;
            Some(Preview {
                kind: rule.kind.as_str().to_owned(),
                detail: rule.detail.clone().unwrap_or_default(),
                label: rule_label(&tr, &rule),
                digest: moderation::preview_digest(&items),
                count_text: tr.count("moderation-bulk-count", items.len() as u64),
                rows: items.iter().map(|i| QueueRow::new(&tr, i)).collect(),
            })
        }
        None => None,
    };
    Ok(ModerationView {
        page: PageMeta::new(
            tr,
            &format!("/organise/letters/{}/moderation", letter.slug),
            tr.t("moderation-title"),
        ),
        csrf: organiser.csrf.clone(),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        rows: queue.iter().map(|i| QueueRow::new(&tr, i)).collect(),
        rules,
        preview,
        error,
        notice,
    })
}

/// The letter, if this organiser may moderate it.
async fn moderated_letter(
    state: &AppState,
    organiser: &Organiser,
    slug: &str,
) -> Result<Arc<Letter>, PageError> {
    Ok(letter_they_may(state, organiser, slug, crate::organisers::Access::can_moderate).await?.0)
}

pub async fn show_queue(
    State(state): State<Arc<AppState>>,
    organiser: Organiser,
    Path(slug): Path<String>,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let letter = moderated_letter(&state, &organiser, &slug).await?;
    let rule = query.kind.as_deref().and_then(|k| parse_rule(k, query.detail.as_deref()));
    let view = moderation_view(&state, &organiser, &letter, rule, None, None).await?;
    render(organiser.lang, &view)
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    signature: String,
    #[serde(default)]
    reason: String,
    /// The strike's "I am sure" box (a strike is public and cannot be undone).
    #[serde(default)]
    sure: Option<String>,
}

fn signature_id(organiser: &Organiser, raw: &str) -> Result<SignatureId, PageError> {
    raw.parse::<i64>()
        .map(SignatureId)
        .map_err(|_| PageError { lang: organiser.lang, kind: PageErrorKind::BadRequest })
}

fn back_to_queue(letter: &Letter) -> Response {
    Redirect::to(&format!("/organise/letters/{}/moderation", letter.slug)).into_response()
}

pub async fn approve(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, DecisionForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let letter = moderated_letter(&state, &organiser, &slug).await?;
    let signature = signature_id(&organiser, &form.signature)?;
    moderation::approve(&state, &organiser.account, &letter, signature)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    Ok(back_to_queue(&letter))
}

/// A reason problem, shown on the queue page (400).
async fn reason_problem(
    state: &AppState,
    organiser: &Organiser,
    letter: &Letter,
    kind: crate::domain::FieldErrorKind,
    preview: Option<FlagRule>,
) -> Result<Response, PageError> {
    let tr = Translator::new(organiser.lang);
    let message = match kind {
        crate::domain::FieldErrorKind::Required => tr.t("moderation-reason-required"),
        other => field_error_message(&tr, &FieldError { field: Field::Title, kind: other }),
    };
    let view = moderation_view(state, organiser, letter, preview, Some(message), None).await?;
    Ok((StatusCode::BAD_REQUEST, render(organiser.lang, &view)?).into_response())
}

pub async fn strike(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, DecisionForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let letter = moderated_letter(&state, &organiser, &slug).await?;
    let signature = signature_id(&organiser, &form.signature)?;
    let reason = match moderation::parse_reason(&form.reason) {
        Ok(reason) => reason,
        Err(kind) => return reason_problem(&state, &organiser, &letter, kind, None).await,
    };
    if form.sure.as_deref() != Some("yes") {
        let message = Translator::new(lang).t("moderation-strike-not-sure");
        let view = moderation_view(&state, &organiser, &letter, None, Some(message), None).await?;
        return Ok((StatusCode::BAD_REQUEST, render(lang, &view)?).into_response());
    }
    let what = format!("#{}", signature.get());
    moderation::strike(&state, &organiser.account, &letter, vec![signature], &reason, &what)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    Ok(back_to_queue(&letter))
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    reason: String,
}

pub async fn bulk_strike(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Checked { session: organiser, form }: Checked<Organiser, BulkForm>,
) -> Result<Response, PageError> {
    let lang = organiser.lang;
    let letter = moderated_letter(&state, &organiser, &slug).await?;
    let rule = parse_rule(&form.kind, Some(&form.detail))
        .ok_or(PageError { lang, kind: PageErrorKind::BadRequest })?;
    let reason = match moderation::parse_reason(&form.reason) {
        Ok(reason) => reason,
        Err(kind) => return reason_problem(&state, &organiser, &letter, kind, Some(rule)).await,
    };
    let tr = Translator::new(lang);
    let outcome =
        moderation::strike_matching(&state, &organiser.account, &letter, &rule, &form.digest, &reason)
            .await
            .map_err(|e| PageError::store(lang, e))?;
    let view = match outcome {
        BulkOutcome::Struck(tally) => {
            let notice = tr.count("moderation-bulk-done", tally.in_log + tally.held);
            moderation_view(&state, &organiser, &letter, None, None, Some(notice)).await?
        }
        BulkOutcome::PreviewOutdated => {
            let error = tr.t("moderation-bulk-outdated");
            let view = moderation_view(&state, &organiser, &letter, Some(rule), Some(error), None).await?;
            return Ok((StatusCode::CONFLICT, render(lang, &view)?).into_response());
        }
    };
    render(lang, &view)
}

// Readers' reports.

#[derive(Template)]
#[template(path = "report.html")]
struct ReportView {
    page: PageMeta,
    slug: String,
    title: String,
    seq: u64,
    /// The reported signature as the list shows it: the reader sees whom they report.
    signer: String,
    note: String,
    error: Option<String>,
    done: bool,
    /// A removal request's link was mailed.
    removal_sent: bool,
}

fn report_view(
    lang: crate::i18n::Language,
    letter: &Letter,
    seq: u64,
    signer: &str,
    note: String,
    error: Option<String>,
    done: bool,
) -> ReportView {
    let tr = Translator::new(lang);
    ReportView {
        page: PageMeta::new(
            tr,
            &format!("/letters/{}/signatures/{seq}/report", letter.slug),
            tr.t("report-title"),
        ),
        slug: letter.slug.to_string(),
        title: letter.title.clone(),
        seq,
        signer: signer.to_owned(),
        note,
        error,
        done,
        removal_sent: false,
    }
}

fn parse_seq(lang: crate::i18n::Language, raw: &str) -> Result<u64, PageError> {
    raw.parse().map_err(|_| PageError::not_found(lang))
}

pub async fn show_report(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path((slug, seq)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let seq = parse_seq(lang, &seq)?;
    let signer = reported_signer(&state, lang, &letter, seq).await?;
    render(lang, &report_view(lang, &letter, seq, &signer, String::new(), None, false))
}

/// The shown signature numbered `seq`, in one line as the signer list shows it;
/// 404 for one that is not listed (withheld names cannot be reported, or learnt).
async fn reported_signer(
    state: &AppState,
    lang: crate::i18n::Language,
    letter: &Letter,
    seq: u64,
) -> Result<String, PageError> {
    let rows = state
        .store
        .public_signatures(letter.id, seq.checked_add(1), 1)
        .await
        .map_err(|e| PageError::store(lang, e))?;
    let row = rows.into_iter().find(|r| r.seq == seq).ok_or_else(|| PageError::not_found(lang))?;
    let details: Vec<&str> =
        [&row.title, &row.affiliation, &row.city].into_iter().flatten().map(String::as_str).collect();
    Ok(if details.is_empty() {
        row.name.as_str().to_owned()
    } else {
        format!("{}, {}", row.name.as_str(), details.join(", "))
    })
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    note: String,
    /// "That is not me": the address the person named can be reached at.
    #[serde(default)]
    email: String,
}

pub async fn send_report(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path((slug, seq)): Path<(String, String)>,
    crate::web::client_ip::ClientIp(client): crate::web::client_ip::ClientIp,
    form: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, PageError> {
    let letter = find_letter(&state, lang, &slug).await?;
    let seq = parse_seq(lang, &seq)?;
    let signer = reported_signer(&state, lang, &letter, seq).await?;
    let Form(form) = form.map_err(|r| PageError::unreadable_form(lang, &r))?;
    state
        .sign_limiter
        .check_report(letter.slug.as_str(), client, state.clock.now())
        .map_err(|wait| PageError { lang, kind: PageErrorKind::TooManyRequests(wait) })?;
    let tr = Translator::new(lang);
    let removal_email = match form.email.trim() {
        "" => None,
        typed => match crate::domain::EmailAddress::parse(typed) {
            Ok(email) => Some(email),
            Err(kind) => {
                let message = field_error_message(&tr, &FieldError { field: Field::Email, kind });
                let page =
                    render(lang, &report_view(lang, &letter, seq, &signer, form.note, Some(message), false))?;
                return Ok((StatusCode::BAD_REQUEST, page).into_response());
            }
        },
    };
    match moderation::report(&state, &letter, seq, &form.note).await.map_err(|e| PageError::store(lang, e))? {
        Ok(true) => {
            let mut view = report_view(lang, &letter, seq, &signer, String::new(), None, true);
            if let Some(email) = removal_email {
                moderation::request_removal(&state, &letter, seq, &email, &form.note, lang)
                    .await
                    .map_err(|e| PageError::internal(lang, e))?;
                view.removal_sent = true;
            }
            render(lang, &view)
        }
        Ok(false) => Err(PageError::not_found(lang)),
        Err(kind) => {
            let message = field_error_message(&tr, &FieldError { field: Field::Pledge, kind });
            let page =
                render(lang, &report_view(lang, &letter, seq, &signer, form.note, Some(message), false))?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

// "That is not me": the link the person named confirms.

#[derive(Template)]
#[template(path = "removal.html")]
struct RemovalView {
    page: PageMeta,
    slug: String,
    title: String,
    name: String,
    action: String,
    confirmed: bool,
}

fn removal_view(
    lang: crate::i18n::Language,
    token: &str,
    found: crate::storage::moderation::RemovalState,
) -> RemovalView {
    let tr = Translator::new(lang);
    RemovalView {
        page: PageMeta::new(tr, &format!("/removal/{token}"), tr.t("removal-title")),
        slug: found.letter_slug.to_string(),
        title: found.letter_title,
        name: found.signer_name,
        action: format!("/removal/{token}"),
        confirmed: found.confirmed,
    }
}

/// Opening the link changes nothing; the button confirms.
pub async fn show_removal(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match moderation::removal_state(&state, &token).await.map_err(|e| PageError::store(lang, e))? {
        Some(found) => render(lang, &removal_view(lang, &token, found)),
        None => Err(PageError::not_found(lang)),
    }
}

pub async fn confirm_removal(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match moderation::confirm_removal(&state, &token).await.map_err(|e| PageError::store(lang, e))? {
        Some(found) => render(lang, &removal_view(lang, &token, found)),
        None => Err(PageError::not_found(lang)),
    }
}
