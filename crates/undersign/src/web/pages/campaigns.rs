//! The home page and campaign pages.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{cached_page, parse_slug};
use crate::cache::PageKey;
use crate::domain::Slug;
use crate::i18n::Language;
use crate::i18n::Translator;
use crate::state::AppState;
use crate::storage::CampaignWithLetters;
use crate::storage::campaigns::CampaignTranslation;
use crate::web::errors::PageError;
use crate::web::lang::Lang;
use crate::web::views::{
    CampaignCard, CampaignView, HomeView, LetterCard, PageMeta, TimelineItem, format_date,
};

/// Campaigns first, then letters that belong to no campaign.
pub async fn show_home(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    cached_page(&state, &headers, PageKey::Home, lang, async || {
        let tr = Translator::new(lang);
        let mut campaigns = state.store.campaigns().await.map_err(|e| PageError::internal(lang, e))?;
        for campaign in &mut campaigns {
            in_language(&state, lang, campaign).await?;
        }
        let letters = state.store.letters().await.map_err(|e| PageError::internal(lang, e))?;
        let view = HomeView {
            page: PageMeta::new(tr, "/", tr.t("site-name")),
            campaigns: campaigns.iter().map(|c| CampaignCard::new(&tr, c)).collect(),
            letters: letters
                .iter()
                .filter(|l| l.campaign.is_none())
                .map(|l| LetterCard::new(&tr, l))
                .collect(),
        };
        view.render().map_err(|e| PageError::internal(lang, e))
    })
    .await
}

/// Community by community with the live count and the quote, then the timeline:
/// the page a journalist writes the summary from.
pub async fn show_campaign(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let slug = parse_slug(lang, &slug)?;
    cached_page(&state, &headers, PageKey::Campaign(slug.clone()), lang, async || {
        render_campaign(&state, lang, &slug).await
    })
    .await
}

async fn render_campaign(state: &AppState, lang: Language, slug: &Slug) -> Result<String, PageError> {
    let tr = Translator::new(lang);
    let found = state.store.campaign(slug).await.map_err(|e| PageError::internal(lang, e))?;
    let mut campaign = found.ok_or_else(|| PageError::not_found(lang))?;
    let translation = in_language(state, lang, &mut campaign).await?;
    let entries = state.store.timeline_entries(slug).await.map_err(|e| PageError::internal(lang, e))?;
    let timeline = entries
        .iter()
        .filter(|stored| !stored.hidden)
        .map(|stored| {
            let entry = &stored.entry;
            let translated =
                translation.as_ref().and_then(|t| t.entries.iter().find(|(id, _, _)| *id == stored.id));
            TimelineItem {
                date: format_date(&tr, entry.date),
                iso_date: entry.date.to_string(),
                kind: tr.t(&format!("action-{}", entry.kind)),
                place: translated.map_or_else(|| entry.place.clone(), |(_, place, _)| place.clone()),
                note: translated.map_or_else(|| entry.note.clone(), |(_, _, note)| note.clone()),
                source_url: entry.source_url.clone(),
            }
        })
        .collect();
    let view = CampaignView {
        page: PageMeta::new(tr, &format!("/campaigns/{slug}"), campaign.campaign.title.clone()),
        campaign: CampaignCard::new(&tr, &campaign),
        timeline,
        related: campaign.related.iter().map(|(s, t)| (s.to_string(), t.clone())).collect(),
    };
    view.render().map_err(|e| PageError::internal(lang, e))
}

/// Puts the campaign into the reader's language where it was translated (title,
/// summary, the letters' pull quotes), the original elsewhere; returns the
/// translation for the timeline.
async fn in_language(
    state: &AppState,
    lang: Language,
    campaign: &mut CampaignWithLetters,
) -> Result<Option<CampaignTranslation>, PageError> {
    let translations = state
        .store
        .campaign_translations(&campaign.campaign.slug)
        .await
        .map_err(|e| PageError::internal(lang, e))?;
    let Some(translation) = translations.into_iter().find(|t| t.language == lang.code()) else {
        return Ok(None);
    };
    campaign.campaign.title = translation.title.clone();
    campaign.campaign.summary = translation.summary.clone();
    for letter in &mut campaign.letters {
        if let Some((_, quote)) = translation.quotes.iter().find(|(id, _)| *id == letter.id) {
            letter.pull_quote = Some(quote.clone());
        }
    }
    Ok(Some(translation))
}
