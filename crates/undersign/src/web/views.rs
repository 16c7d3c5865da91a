//! View models: what each template shows, already translated and formatted, so
//! templates hold layout only. Every template escapes by default.

use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;
use time::Date;

use crate::domain::{
    CONFIGURABLE, Field, FieldError, FieldErrorKind, FieldErrors, FieldRule, FormSettings, Letter,
    PublicSignature, SignatureSubmission, signature_limits,
};
use crate::i18n::{Language, Translator};
use crate::storage::CampaignWithLetters;

/// What the layout needs on every page.
pub struct PageMeta {
    pub tr: Translator,
    /// The path of this page, for the language switch.
    pub path: String,
    pub title: String,
}

impl PageMeta {
    pub fn new(tr: Translator, path: &str, title: String) -> Self {
        Self { tr, path: path.to_owned(), title }
    }

    /// The other languages, with the link that switches to each.
    pub fn switches(&self) -> Vec<(&'static str, &'static str, String)> {
        Language::ALL
            .iter()
            .filter(|l| **l != self.tr.lang)
            .map(|l| (l.code(), l.native_name(), format!("{}?lang={}", self.path, l.code())))
            .collect()
    }
}

/// The message for one field error, in the page's language.
pub fn field_error_message(tr: &Translator, error: &FieldError) -> String {
    let id = error.kind.message_id(error.field);
    match error.kind {
        FieldErrorKind::TooLong { max } => tr.lookup(id, [("max", FluentValue::from(max))]),
        _ => tr.t(id),
    }
}

/// A letter as a card in lists.
pub struct LetterCard {
    pub slug: String,
    pub title: String,
    pub community: String,
    pub count_text: String,
    /// "+3 being added", when confirmed signatures wait for the next checkpoint.
    pub being_added_text: Option<String>,
    /// "withdrawals pending: 2", when withdrawals wait for their batch.
    pub withdrawals_text: Option<String>,
    pub closed: bool,
    pub pull_quote: Option<String>,
    /// "1,200 people · 35 organisations", when organisations signed a letter
    /// people sign too: they are counted apart.
    pub split_text: Option<String>,
    /// A closed letter's last word: its final count and checkpoint.
    pub final_text: Option<String>,
    /// "Closed on 3 March 2020" (or just "Closed" when the day is not known).
    pub closed_text: Option<String>,
    /// "42 more signers asked not to be shown", when any did.
    pub withheld_text: Option<String>,
    pub campaign: Option<String>,
}

impl LetterCard {
    pub fn new(tr: &Translator, letter: &Letter) -> Self {
        let count_id = if letter.organisations { "organisation-count" } else { "signature-count" };
        Self {
            slug: letter.slug.to_string(),
            title: letter.title.clone(),
            community: community_label(tr, letter),
            count_text: tr.count(count_id, letter.shown_count()),
            being_added_text: (letter.being_added > 0)
                .then(|| tr.count("count-being-added", letter.being_added)),
            withdrawals_text: (letter.withdrawals_pending > 0)
                .then(|| tr.count("count-withdrawals-pending", letter.withdrawals_pending)),
            closed: !letter.accepts_signatures(),
            pull_quote: letter.pull_quote.clone(),
            split_text: (letter.organisation_count > 0 && !letter.organisations).then(|| {
                format!(
                    "{} · {}",
                    tr.count("count-people", letter.people_count()),
                    tr.count("organisation-count", letter.organisation_count)
                )
            }),
            final_text: (!letter.accepts_signatures()).then(|| {
                tr.lookup(
                    "letter-final-checkpoint",
                    [
                        ("count", FluentValue::from(tr.number(letter.shown_count()))),
                        ("size", FluentValue::from(tr.number(letter.log_size))),
                    ],
                )
            }),
            closed_text: (!letter.accepts_signatures()).then(|| match letter.closed_at {
                Some(at) => tr.t1("letter-closed-on", "date", &format_date(tr, at.date())),
                None => tr.t("letter-closed-short"),
            }),
            withheld_text: (letter.withheld_count > 0)
                .then(|| tr.count("letter-withheld", letter.withheld_count)),
            campaign: letter.campaign.as_ref().map(ToString::to_string),
        }
    }
}

fn community_label(tr: &Translator, letter: &Letter) -> String {
    letter.community.label_id().map_or_else(|| letter.community.as_str().to_owned(), |id| tr.t(&id))
}

pub struct CampaignCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub letters: Vec<LetterCard>,
    pub total_text: String,
    /// "… people · … organisations", when both signed: counted apart.
    pub split_text: Option<String>,
}

impl CampaignCard {
    pub fn new(tr: &Translator, c: &CampaignWithLetters) -> Self {
        let total: u64 = c.letters.iter().map(Letter::shown_count).sum();
        let organisations: u64 = c
            .letters
            .iter()
            .map(
                |l| if l.organisations { l.shown_count() } else { l.organisation_count.min(l.shown_count()) },
            )
            .sum();
        let people = total - organisations;
        Self {
            slug: c.campaign.slug.to_string(),
            title: c.campaign.title.clone(),
            summary: c.campaign.summary.clone(),
            letters: c.letters.iter().map(|l| LetterCard::new(tr, l)).collect(),
            total_text: tr.count("campaign-total", total),
            split_text: (people > 0 && organisations > 0).then(|| {
                format!(
                    "{} · {}",
                    tr.count("count-people", people),
                    tr.count("organisation-count", organisations)
                )
            }),
        }
    }
}

pub fn format_date(tr: &Translator, date: Date) -> String {
    let month = u8::from(date.month());
    tr.lookup(
        "date-long",
        [
            ("day", FluentValue::from(date.day())),
            ("month", FluentValue::from(tr.t(&format!("month-{month}")))),
            ("year", FluentValue::from(date.year())),
        ],
    )
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomeView {
    pub page: PageMeta,
    pub campaigns: Vec<CampaignCard>,
    pub letters: Vec<LetterCard>,
}

pub struct TimelineItem {
    pub date: String,
    pub iso_date: String,
    pub kind: String,
    pub place: String,
    pub note: String,
    pub source_url: Option<String>,
}

#[derive(Template)]
#[template(path = "campaign.html")]
pub struct CampaignView {
    pub page: PageMeta,
    pub campaign: CampaignCard,
    pub timeline: Vec<TimelineItem>,
    /// Related earlier campaigns, as `(slug, title)`.
    pub related: Vec<(String, String)>,
}

/// One signer in a list.
pub struct SignerRow {
    /// The confirmation number: what a reader's report names.
    pub seq: u64,
    pub name: String,
    pub details: String,
    pub orcid: Option<(String, String)>,
    pub organisation: bool,
    pub pledge: Option<String>,
    /// "signed version 1", when the letter has a newer version.
    pub version_note: Option<String>,
    /// "verified: msu.ru", when confirmed from a listed institutional domain.
    pub verified_domain: Option<String>,
    version: u32,
}

impl SignerRow {
    /// Notes the version signed, if the letter moved on since.
    pub fn on_letter(mut self, tr: &Translator, letter: &Letter) -> Self {
        if self.version < letter.version {
            self.version_note = Some(tr.t1("signer-signed-version", "version", &self.version.to_string()));
        }
        self
    }

    pub fn new(s: &PublicSignature) -> Self {
        let details = [&s.title, &s.affiliation, &s.city, &s.country]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            seq: s.seq,
            name: s.name.as_str().to_owned(),
            details,
            orcid: s.orcid.as_ref().map(|o| (o.as_str().to_owned(), o.url())),
            organisation: s.organisation,
            pledge: s.pledge.clone(),
            version: s.version,
            version_note: None,
            verified_domain: s.verified_domain.clone(),
        }
    }
}

/// One text input of the sign form.
pub struct InputView {
    pub name: &'static str,
    pub label: String,
    pub hint: Option<String>,
    pub input_type: &'static str,
    pub autocomplete: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub required: bool,
    pub maxlength: usize,
    /// Shown under the letter once confirmed (the form says so at the field).
    pub public: bool,
}

impl InputView {
    /// The ids that describe the input: its hint and its error, as present.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("f-{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("f-{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// The sign form with what was typed and what was wrong with it.
pub struct SignFormView {
    pub action: String,
    pub inputs: Vec<InputView>,
    /// Whether the organisation choice and the pledge are offered.
    pub organisations_allowed: bool,
    pub organisation: bool,
    pub pledge: String,
    pub pledge_error: Option<String>,
    pub show_name: bool,
    pub consent_error: Option<String>,
    /// `(field, message)` for the summary at the top of the form.
    pub summary: Vec<(&'static str, String)>,
    /// A problem with the whole form (the proof of work), shown above it.
    pub notice: Option<String>,
    /// Where our script fetches the proof-of-work challenge; `None` when off.
    pub challenge_url: Option<String>,
}

impl SignFormView {
    pub fn new(
        tr: &Translator,
        slug: &str,
        rules: &FormSettings,
        values: &SignatureSubmission,
        errors: &FieldErrors,
    ) -> Self {
        let message = |field: Field| errors.get(field).map(|e| field_error_message(tr, e));
        let input = |field: Field, input_type, autocomplete, value: &str, required, maxlength| InputView {
            name: field.as_str(),
            label: tr.t(&format!("form-{}", field.as_str())),
            hint: matches!(field, Field::Email | Field::Title | Field::Affiliation | Field::Orcid)
                .then(|| tr.t(&format!("form-{}-hint", field.as_str()))),
            input_type,
            autocomplete,
            value: value.to_owned(),
            error: message(field),
            required,
            maxlength,
            public: field != Field::Email,
        };
        let inputs = vec![
            input(Field::Name, "text", "name", &values.name, true, crate::domain::PersonName::MAX_CHARS),
            input(Field::Email, "email", "email", &values.email, true, crate::domain::EmailAddress::MAX_LEN),
            input(
                Field::Title,
                "text",
                "organization-title",
                &values.title,
                false,
                signature_limits::MAX_TITLE,
            ),
            input(
                Field::Affiliation,
                "text",
                "organization",
                &values.affiliation,
                false,
                signature_limits::MAX_AFFILIATION,
            ),
            input(Field::City, "text", "address-level2", &values.city, false, signature_limits::MAX_CITY),
            input(
                Field::Country,
                "text",
                "country-name",
                &values.country,
                false,
                signature_limits::MAX_COUNTRY,
            ),
            input(Field::Orcid, "text", "off", &values.orcid, false, 40),
        ];
        // The letter's own rules: hidden fields go, required ones say so.
        let inputs = inputs
            .into_iter()
            .filter_map(|mut input| {
                let field = CONFIGURABLE.into_iter().find(|f| f.as_str() == input.name);
                match field.map(|f| rules.rule(f)) {
                    Some(FieldRule::Hidden) => None,
                    Some(FieldRule::Required) => {
                        input.required = true;
                        Some(input)
                    }
                    _ => Some(input),
                }
            })
            .collect();
        Self {
            // The fragment brings a re-rendered form (with its errors) into view
            // without JavaScript: the browser keeps it across the POST.
            action: format!("/letters/{slug}/sign#sign"),
            inputs,
            organisations_allowed: rules.organisations_allowed,
            organisation: values.organisation,
            pledge: values.pledge.clone(),
            pledge_error: message(Field::Pledge),
            show_name: values.show_name,
            consent_error: message(Field::Consent),
            summary: errors.iter().map(|e| (e.field.as_str(), field_error_message(tr, e))).collect(),
            notice: None,
            challenge_url: Some(format!("/api/v1/letters/{slug}/challenge")),
        }
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
pub struct LetterView {
    pub page: PageMeta,
    pub letter: LetterCard,
    pub addressee: String,
    pub language: String,
    pub published: String,
    pub body_html: String,
    pub form: SignFormView,
    pub recent: Vec<SignerRow>,
    pub max_pledge: usize,
    /// "Target: 5,000", when the organisers set one.
    pub target_text: Option<String>,
    /// "Signatures close after 31 December 2026.", while open with a closing day.
    pub closes_text: Option<String>,
    /// The languages the letter can be read in (empty without translations).
    pub texts: Vec<TextLink>,
    /// Shown above a translation: which text is the original.
    pub translation_note: Option<String>,
    /// "Version 2", once the letter was corrected.
    pub version_text: Option<String>,
    /// The letter's current version (a translation's note links the diffs).
    pub letter_version: u32,
    /// HTML that another site pastes to show the live counter.
    pub badge_snippet: String,
}

/// A link to one language of a letter.
pub struct TextLink {
    pub language: String,
    /// The language's name in itself ("Русский").
    pub name: String,
    pub href: String,
    pub current: bool,
    /// "translation of version 1", for a translation not yet updated.
    pub outdated: Option<String>,
}

#[derive(Template)]
#[template(path = "signatures.html")]
pub struct SignaturesView {
    pub page: PageMeta,
    pub letter: LetterCard,
    pub rows: Vec<SignerRow>,
    pub older_link: Option<String>,
    /// What the reader searched for ("" when listing).
    pub search: String,
    /// "3 signatures match …", when searching.
    pub results: Option<String>,
    /// The CSV of exactly what is listed: every signature, or every match.
    pub csv_link: String,
}

#[derive(Template)]
#[template(path = "check_email.html")]
pub struct CheckEmailView {
    pub page: PageMeta,
    pub letter: LetterCard,
}

/// What the signer's link shows: one state, named by the page's heading.
pub enum ConfirmState {
    /// Not confirmed yet: exactly what will be public, and the button that POSTs.
    Ready { action: String, preview: Vec<(String, String)>, name_hidden: bool },
    /// Confirmed: the signer's receipt.
    Receipt(ReceiptView),
    /// The link confirms nothing any more: why, and what to do next.
    Stopped { reason: String },
}

impl ConfirmState {
    /// The page's heading, which says the state in a few words.
    pub fn title_id(&self) -> &'static str {
        match self {
            ConfirmState::Ready { .. } => "confirm-title",
            ConfirmState::Receipt(receipt) if receipt.withdrawn() => "receipt-title-withdrawn",
            ConfirmState::Receipt(_) => "receipt-title-confirmed",
            ConfirmState::Stopped { .. } => "link-stopped-title",
        }
    }

    /// The page reloads itself (no JavaScript) while the entry is on its way.
    pub fn refresh_url(&self) -> Option<&str> {
        match self {
            ConfirmState::Receipt(r) if matches!(r.stage, ReceiptStage::BeingAdded) => Some(&r.self_url),
            _ => None,
        }
    }
}

/// Where a confirmed signature stands, in the order a signer goes through it.
pub enum ReceiptStage {
    /// Counted; its log entry comes within seconds.
    BeingAdded,
    /// In the public log at this entry.
    InLog { index: String, proof_url: Option<String> },
    /// Waiting for a moderator (watch list) before it is counted.
    Held,
    /// Withdrawn; the log records it with the next batch, by this date.
    WithdrawalWaiting { due: String },
    /// Withdrawn, and the withdrawal is in the log at this entry.
    WithdrawalInLog { index: String },
    /// Withdrawn before it was ever in the log: nothing to record.
    WithdrawnUncounted,
}

/// The signer's receipt and private links.
pub struct ReceiptView {
    pub stage: ReceiptStage,
    /// "You are signer number 2,701 of this letter."
    pub number_text: String,
    /// The details were erased on withdrawal.
    pub erased: bool,
    /// Where this page reloads to while the signature is being added.
    pub self_url: String,
    pub withdraw_url: String,
    /// The letter's page that explains the proof and the checkpoint.
    pub verify_url: String,
}

impl ReceiptView {
    pub fn withdrawn(&self) -> bool {
        matches!(
            self.stage,
            ReceiptStage::WithdrawalWaiting { .. }
                | ReceiptStage::WithdrawalInLog { .. }
                | ReceiptStage::WithdrawnUncounted
        )
    }
}

/// The withdrawal page: a choice and a button; the outcome is the receipt.
#[derive(Template)]
#[template(path = "withdraw.html")]
pub struct WithdrawView {
    pub page: PageMeta,
    pub letter: LetterCard,
    pub action: String,
    pub receipt_url: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmView {
    pub page: PageMeta,
    /// The letter, when the link still names one.
    pub letter: Option<LetterCard>,
    pub state: ConfirmState,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorView {
    pub page: PageMeta,
    pub status: u16,
    pub heading: String,
    pub message: String,
}
