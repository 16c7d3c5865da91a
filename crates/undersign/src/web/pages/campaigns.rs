//! The home page and campaign pages.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;

use super::{parse_slug, render};
use crate::app::AppState;
use crate::i18n::Translator;
use crate::web::errors::PageError;
use crate::web::lang::Lang;
use crate::web::views::{
    CampaignCard, CampaignView, HomeView, LetterCard, PageMeta, TimelineItem, format_date,
};

/// Campaigns first, then letters that belong to no campaign.
pub async fn show_home(State(state): State<Arc<AppState>>, Lang(lang): Lang) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let campaigns = state.store.campaigns().await.map_err(|e| PageError::internal(lang, e))?;
    let letters = state.store.letters().await.map_err(|e| PageError::internal(lang, e))?;
    let view = HomeView {
        page: PageMeta::new(tr, "/", tr.t("site-name")),
        campaigns: campaigns.iter().map(|c| CampaignCard::new(&tr, c)).collect(),
        letters: letters.iter().filter(|l| l.campaign.is_none()).map(|l| LetterCard::new(&tr, l)).collect(),
    };
    render(lang, &view)
}

/// Community by community with the live count and the quote, then the timeline:
/// the page a journalist writes the summary from.
pub async fn show_campaign(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let tr = Translator::new(lang);
    let slug = parse_slug(lang, &slug)?;
    let found = state.store.campaign(&slug).await.map_err(|e| PageError::internal(lang, e))?;
    let campaign = found.ok_or_else(|| PageError::not_found(lang))?;
    let timeline = campaign
        .campaign
        .timeline
        .iter()
        .map(|entry| TimelineItem {
            date: format_date(&tr, entry.date),
            iso_date: entry.date.to_string(),
            kind: tr.t(&format!("action-{}", entry.kind)),
            place: entry.place.clone(),
            note: entry.note.clone(),
            source_url: entry.source_url.clone(),
        })
        .collect();
    let view = CampaignView {
        page: PageMeta::new(tr, &format!("/campaigns/{slug}"), campaign.campaign.title.clone()),
        campaign: CampaignCard::new(&tr, &campaign),
        timeline,
    };
    render(lang, &view)
}
