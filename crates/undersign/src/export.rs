//! `undersign export --static DIR`: writes a letter's log as files at the same
//! paths the server answers (checkpoint, key, tiles, entry bundles, one file per
//! record, and `/log-key`), so any static web server, or the folder itself, is a
//! read-only mirror that `undersign verify` accepts.

use std::path::Path;

use anyhow::Context;
use letterlog::TreeSize;

use crate::domain::Slug;
use crate::log;
use crate::state::AppState;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub letters: Vec<(String, u64)>,
    pub files: u64,
}

async fn write(dir: &Path, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let file = dir.join(path);
    if let Some(parent) = file.parent() {
        tokio::fs::create_dir_all(parent).await.with_context(|| format!("creating {}", parent.display()))?;
    }
    tokio::fs::write(&file, bytes).await.with_context(|| format!("writing {}", file.display()))
}

/// Exports one letter (or every letter) as of its latest checkpoint.
pub async fn export_static(
    state: &AppState,
    dir: &Path,
    only: Option<&Slug>,
) -> anyhow::Result<ExportSummary> {
    let mut summary = ExportSummary { letters: Vec::new(), files: 0 };
    let document = log::log_key_document(state).await?;
    write(dir, "log-key", serde_json::to_string_pretty(&document)?.as_bytes()).await?;
    summary.files += 1;
    for letter in state.store.letters().await? {
        if only.is_some_and(|slug| *slug != letter.slug) {
            continue;
        }
        let Some(checkpoint) = state.store.latest_checkpoint(letter.id).await? else {
            continue;
        };
        let base = format!("letters/{}/log", letter.slug);
        write(dir, &format!("{base}/checkpoint"), checkpoint.note.as_bytes()).await?;
        write(dir, &format!("{base}/key"), format!("{}\n", log::verifier(state, &letter)?.vkey()).as_bytes())
            .await?;
        summary.files += 2;
        for tile in crate::verify::all_tiles(TreeSize::new(checkpoint.size)) {
            let bytes = log::tile_bytes(state, &letter, tile)
                .await?
                .with_context(|| format!("tile {} of {}", tile.path(), letter.slug))?;
            write(dir, &format!("{base}/{}", tile.path()), &bytes).await?;
            summary.files += 1;
        }
        let mut from = 0;
        while from < checkpoint.size {
            let to = (from + 1000).min(checkpoint.size);
            for (index, record) in state.store.log_records(letter.id, from, to).await? {
                let json = serde_json::to_vec(&log::record_json(index, record))?;
                write(dir, &format!("{base}/records/{index}"), &json).await?;
                summary.files += 1;
            }
            from = to;
        }
        summary.letters.push((letter.slug.to_string(), checkpoint.size));
    }
    if let Some(slug) = only
        && summary.letters.is_empty()
    {
        anyhow::bail!("there is no letter {slug} with a checkpoint");
    }
    Ok(summary)
}
