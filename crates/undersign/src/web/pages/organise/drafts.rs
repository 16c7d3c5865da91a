//! Drafts: create, edit, preview and publish a letter before it is public.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::may_write;
use crate::domain::Community;
use crate::i18n::Translator;
use crate::organisers;
use crate::organisers::drafts::{self, DraftInput, DraftProblem};
use crate::publishing::PublishError;
use crate::state::AppState;
use crate::storage::PublishRefusal;
use crate::storage::organisers::{DraftRefusal, StoredDraft};
use crate::web::errors::PageError;
use crate::web::markdown;
use crate::web::pages::render;
use crate::web::session::{Button, Checked, Organiser};
use crate::web::views::PageMeta;

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

/// The draft if this organiser wrote it; 404 otherwise, so ids of other people's
/// drafts say nothing. A draft is its author's alone, admins included: a text
/// that is not ready may name people or say things its author would not yet
/// share, and nothing an admin does needs it before it is published.
async fn editable_draft(state: &AppState, organiser: &Organiser, id: i64) -> Result<StoredDraft, PageError> {
    let lang = organiser.lang;
    let draft = state.store.draft(id).await.map_err(|e| PageError::store(lang, e))?;
    draft.filter(|d| d.owner == organiser.account.id).ok_or_else(|| PageError::not_found(lang))
}

/// A draft id from the path; anything else is a page that does not exist.
fn draft_id(organiser: &Organiser, raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError::not_found(organiser.lang))
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
