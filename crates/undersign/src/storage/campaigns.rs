//! What storage keeps for editing campaigns: their organisers, the timeline with
//! hidden entries, the letters with their pull quotes, and related campaigns.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use super::organisers::{AccountId, AuditEntry};
use crate::domain::{Campaign, LetterId, Slug, TimelineEntry};

/// A timeline entry as the editor sees it.
#[derive(Debug, Clone)]
pub struct StoredTimelineEntry {
    pub id: i64,
    pub hidden: bool,
    pub entry: TimelineEntry,
}

/// A campaign in one more language: its title and summary, and the place and
/// note of timeline entries and the pull quotes of letters that have one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignTranslation {
    /// An interface language's code (`en`, `ru`).
    pub language: String,
    pub title: String,
    pub summary: String,
    /// `(timeline entry id, place, note)`.
    pub entries: Vec<(i64, String, String)>,
    /// `(letter, quote)`.
    pub quotes: Vec<(crate::domain::LetterId, String)>,
}

/// Why a campaign change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignRefusal {
    #[error("a campaign with the slug {0} already exists")]
    SlugTaken(String),
    #[error("there is no such campaign")]
    Unknown,
}

#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign with no timeline; `owner` becomes its organiser.
    async fn create_campaign(
        &self,
        campaign: &Campaign,
        owner: AccountId,
        audit: AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Result<(), CampaignRefusal>, StoreError>;
    async fn update_campaign(
        &self,
        slug: &Slug,
        title: &str,
        summary: &str,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
    async fn is_campaign_organiser(&self, account: AccountId, slug: &Slug) -> Result<bool, StoreError>;
    /// `(slug, title)` of the campaigns an account organises, or all for `None`.
    async fn campaigns_organised(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<(Slug, String)>, StoreError>;
    /// Replaces the campaign's translation into one language (everything in it
    /// at once), with its audit entry; `false` if the campaign is unknown.
    async fn save_campaign_translation(
        &self,
        slug: &Slug,
        translation: CampaignTranslation,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Every translation of the campaign.
    async fn campaign_translations(&self, slug: &Slug) -> Result<Vec<CampaignTranslation>, StoreError>;
    /// Every entry, hidden ones too, by date.
    async fn timeline_entries(&self, slug: &Slug) -> Result<Vec<StoredTimelineEntry>, StoreError>;
    /// Adds (`id` None) or changes an entry; `false` if the campaign or entry is unknown.
    async fn save_timeline_entry(
        &self,
        slug: &Slug,
        id: Option<i64>,
        entry: &TimelineEntry,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
    async fn set_timeline_entry_hidden(
        &self,
        slug: &Slug,
        id: i64,
        hidden: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Puts a letter into the campaign with its pull quote, or takes it out
    /// (`campaign` None).
    async fn set_letter_campaign(
        &self,
        letter: LetterId,
        campaign: Option<&Slug>,
        pull_quote: Option<&str>,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Makes an account an organiser of the campaign and queues its invitation
    /// mail, with the audit entry; `false` if it was one already.
    async fn grant_campaign_role(
        &self,
        slug: &Slug,
        account: AccountId,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
    /// The campaign's organisers with their sealed addresses.
    async fn campaign_organisers(
        &self,
        slug: &Slug,
    ) -> Result<Vec<super::organisers::LetterMember>, StoreError>;
    /// Points a campaign at a related earlier one; `false` if either is unknown
    /// or it pointed there already.
    async fn link_campaigns(
        &self,
        slug: &Slug,
        related: &Slug,
        audit: AuditEntry,
    ) -> Result<bool, StoreError>;
}
