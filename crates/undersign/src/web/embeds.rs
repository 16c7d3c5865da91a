//! What readers take away: the SVG badge with the live count (embeddable, no
//! script) and the public signer list as CSV. Both come from the letter's state in
//! memory or from keyset pages of the list, never from a growing buffer.

use std::sync::Arc;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use crate::cache::PageKey;
use crate::domain::PublicSignature;
use crate::domain::Slug;
use crate::i18n::Translator;
use crate::state::AppState;
use crate::web::errors::{PageError, PageErrorKind};
use crate::web::lang::Lang;
use crate::web::pages::find_letter;

/// Rows fetched per keyset page while streaming the CSV.
const CSV_PAGE: u32 = 2_000;

#[derive(Template)]
#[template(path = "badge.svg", escape = "html")]
struct Badge {
    label: String,
    count: String,
    width: u32,
    label_width: u32,
    count_width: u32,
    count_x: u32,
}

/// Roughly 7.5 px per character at 13 px: the badge need not be exact.
fn text_width(text: &str) -> u32 {
    (text.chars().count() as u32 * 15).div_ceil(2) + 20
}

/// `/letters/{slug}/badge.svg`: "signatures | 2,700", in the reader's language.
/// It may be embedded anywhere (an `<img>` loads no script).
pub async fn get_badge(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    // Kept rendered, like the letter page: news sites embed it where many read.
    let key = PageKey::Badge(Slug::parse(&slug).map_err(|_| PageError::not_found(lang))?);
    crate::web::cached_response(&state, &headers, key, lang, crate::web::Cached::BADGE, async || {
        let letter = find_letter(&state, lang, &slug).await?;
        let tr = Translator::new(lang);
        let label = tr.t(if letter.organisations { "badge-organisations" } else { "badge-signatures" });
        let count = tr.number(letter.shown_count());
        let (label_width, count_width) = (text_width(&label), text_width(&count));
        Badge {
            count_x: label_width + 10,
            width: label_width + count_width,
            label,
            count,
            label_width,
            count_width,
        }
        .render()
        .map_err(|e| PageError::internal(lang, e))
    })
    .await
}

/// A cell a spreadsheet would run as a formula is prefixed with `'`
/// (CSV injection: names are typed by strangers).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

fn csv_rows(rows: &[PublicSignature]) -> Result<Bytes, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 96));
    for s in rows {
        let opt = |o: &Option<String>| o.as_deref().map(cell).unwrap_or_default();
        writer.write_record([
            s.seq.to_string(),
            cell(s.name.as_str()),
            opt(&s.title),
            opt(&s.affiliation),
            opt(&s.city),
            opt(&s.country),
            s.orcid.as_ref().map(|o| o.as_str().to_owned()).unwrap_or_default(),
            if s.organisation { "yes".into() } else { "no".into() },
            opt(&s.pledge),
        ])?;
    }
    writer.into_inner().map(Bytes::from).map_err(|e| csv::Error::from(e.into_error()))
}

/// What the CSV holds: every shown signature, or the matches of `q` (the same
/// search as the signer list's).
#[derive(Debug, serde::Deserialize)]
pub struct CsvQuery {
    q: Option<String>,
}

/// `/letters/{slug}/signatures.csv[?q=…]`: every shown signature or every match,
/// newest first, streamed page by page (constant memory, however long the list).
pub async fn export_signatures_csv(
    State(state): State<Arc<AppState>>,
    Lang(lang): Lang,
    Path(slug): Path<String>,
    query: Result<Query<CsvQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|_| PageError { lang, kind: PageErrorKind::BadRequest })?;
    let letter = find_letter(&state, lang, &slug).await?;
    let search = query.q.unwrap_or_default();
    let header =
        Bytes::from_static(b"number,name,title,affiliation,city,country,orcid,organisation,pledge\n");
    let first = stream::iter([Ok::<_, std::io::Error>(header)]);
    let pages = stream::unfold(Some(u64::MAX), move |before| {
        let state = state.clone();
        let letter = letter.clone();
        let search = search.clone();
        async move {
            let before = before?;
            // No count needed (1: just enough to choose whole words or a prefix).
            let rows = crate::web::pages::signer_page(&state, letter.id, &search, Some(before), CSV_PAGE, 1)
                .await
                .map(|(rows, _)| rows);
            match rows {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = (rows.len() as u32 == CSV_PAGE).then(|| rows.last().map_or(0, |r| r.seq));
                    Some((csv_rows(&rows).map_err(std::io::Error::other), next))
                }
                Err(error) => {
                    tracing::error!(%error, "CSV export stopped");
                    Some((Err(std::io::Error::other("storage")), None))
                }
            }
        }
    });
    use futures_util::StreamExt;
    let body = Body::from_stream(first.chain(pages));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{slug}-signatures.csv\"")),
            (CACHE_CONTROL, "public, max-age=60".to_owned()),
        ],
        body,
    )
        .into_response())
}
