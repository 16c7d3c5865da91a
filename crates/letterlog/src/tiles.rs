//! C2SP tlog-tiles with tile height 8: paths (`tile/<L>/<N>[.p/<W>]`,
//! `tile/entries/<N>[.p/<W>]`, with N written `x001/x234/067`) and contents.

use crate::hash::Hash;
use crate::index::TreeSize;
use crate::tree::Tree;

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;

/// A tile named by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub kind: TileKind,
    /// The tile's position at its level.
    pub index: u64,
    /// `None` for a full tile; `Some(w)` (1..=255) for a partial one.
    pub partial: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// Hashes at tile level L, i.e. tree level 8·L.
    Hashes { level: u8 },
    /// Entry bundles: the leaves themselves.
    Entries,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TilePathError {
    #[error("not a tile path: {0}")]
    Malformed(String),
}

impl Tile {
    /// The number of hashes or entries in this tile.
    pub fn width(&self) -> u64 {
        self.partial.map_or(TILE_WIDTH, u64::from)
    }

    /// The path below the log's root, e.g. `tile/0/x001/234` or `tile/entries/000.p/7`.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        let mut path = format!("tile/{level}/{}", format_index(self.index));
        if let Some(w) = self.partial {
            path.push_str(&format!(".p/{w}"));
        }
        path
    }

    /// Parses a path as [`Tile::path`] writes it, and nothing else (no leading
    /// zeros in widths, no `x000` prefix elements, widths 1..=255).
    pub fn parse(path: &str) -> Result<Self, TilePathError> {
        let bad = || TilePathError::Malformed(path.to_owned());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            if level.is_empty()
                || level.len() > 2
                || !level.bytes().all(|b| b.is_ascii_digit())
                || (level.len() > 1 && level.starts_with('0'))
            {
                return Err(bad());
            }
            TileKind::Hashes { level: level.parse().map_err(|_| bad())? }
        };
        let (index_part, partial) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let ok = !width.is_empty()
                    && width.len() <= 3
                    && width.bytes().all(|b| b.is_ascii_digit())
                    && !width.starts_with('0');
                let w: u16 = if ok { width.parse().map_err(|_| bad())? } else { return Err(bad()) };
                if !(1..TILE_WIDTH as u16).contains(&w) {
                    return Err(bad());
                }
                (index, Some(w))
            }
            None => (rest, None),
        };
        let elements: Vec<&str> = index_part.split('/').collect();
        let mut index: u64 = 0;
        for (i, element) in elements.iter().enumerate() {
            let last = i == elements.len() - 1;
            let digits = if last { *element } else { element.strip_prefix('x').ok_or_else(bad)? };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            if i == 0 && !last && digits == "000" {
                return Err(bad());
            }
            let value: u64 = digits.parse().map_err(|_| bad())?;
            index = index.checked_mul(1000).and_then(|x| x.checked_add(value)).ok_or_else(bad)?;
        }
        Ok(Tile { kind, index, partial })
    }

    /// Whether a tree of `size` has everything this tile covers.
    pub fn exists_in(&self, size: TreeSize) -> bool {
        let level = match self.kind {
            TileKind::Hashes { level } => u32::from(level) * TILE_HEIGHT,
            TileKind::Entries => 0,
        };
        let available = Tree::width_at(size, level);
        self.index
            .checked_mul(TILE_WIDTH)
            .and_then(|s| s.checked_add(self.width()))
            .is_some_and(|end| end <= available)
    }

    /// The hashes of a hash tile, read from the tree (which must be large enough).
    pub fn hashes(&self, tree: &Tree) -> Option<Vec<Hash>> {
        let TileKind::Hashes { level } = self.kind else { return None };
        let tree_level = u32::from(level) * TILE_HEIGHT;
        let start = self.index.checked_mul(TILE_WIDTH)?;
        (start..start + self.width()).map(|i| tree.subtree_hash(tree_level, i)).collect()
    }
}

/// `N` in tlog-tiles form: groups of three digits, all but the last prefixed `x`.
pub fn format_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// The tiles a client fetches for a tree of `size`, level by level: full ones,
/// then one partial at the end of each level where the width is not a multiple
/// of 256.
pub fn tiles_for(size: TreeSize, kind_entries: bool) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let mut level: u8 = 0;
    loop {
        let tree_level = u32::from(level) * TILE_HEIGHT;
        let width = Tree::width_at(size, tree_level);
        if width == 0 {
            break;
        }
        let kind = if kind_entries { TileKind::Entries } else { TileKind::Hashes { level } };
        for index in 0..width / TILE_WIDTH {
            tiles.push(Tile { kind, index, partial: None });
        }
        if width % TILE_WIDTH != 0 {
            tiles.push(Tile { kind, index: width / TILE_WIDTH, partial: Some((width % TILE_WIDTH) as u16) });
        }
        if kind_entries {
            break;
        }
        level += 1;
    }
    tiles
}

/// An entry bundle: each leaf preceded by its length as a big-endian `u16`.
pub fn encode_entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        let len = u16::try_from(entry.len()).expect("leaves are far shorter than 64 KiB");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the entry bundle is cut short")]
pub struct TruncatedBundle;

/// Splits an entry bundle back into leaves.
pub fn decode_entry_bundle(mut bundle: &[u8]) -> Result<Vec<&[u8]>, TruncatedBundle> {
    let mut entries = Vec::new();
    while !bundle.is_empty() {
        if bundle.len() < 2 {
            return Err(TruncatedBundle);
        }
        let len = usize::from(u16::from_be_bytes([bundle[0], bundle[1]]));
        let rest = &bundle[2..];
        if rest.len() < len {
            return Err(TruncatedBundle);
        }
        entries.push(&rest[..len]);
        bundle = &rest[len..];
    }
    Ok(entries)
}

/// Concatenated hashes, as a hash tile is served.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_written_in_groups_of_three() {
        assert_eq!(format_index(0), "000");
        assert_eq!(format_index(67), "067");
        assert_eq!(format_index(1000), "x001/000");
        assert_eq!(format_index(1234067), "x001/x234/067");
    }

    #[test]
    fn paths_round_trip() {
        for tile in [
            Tile { kind: TileKind::Hashes { level: 0 }, index: 1234067, partial: None },
            Tile { kind: TileKind::Hashes { level: 2 }, index: 5, partial: Some(17) },
            Tile { kind: TileKind::Entries, index: 0, partial: Some(255) },
        ] {
            assert_eq!(Tile::parse(&tile.path()).unwrap(), tile, "{}", tile.path());
        }
        assert_eq!(Tile::parse("tile/0/x001/x234/067").unwrap().index, 1234067);
    }

    #[test]
    fn non_canonical_paths_are_refused() {
        for bad in [
            "tile/0/67",
            "tile/0/x000/067",
            "tile/0/001/067",
            "tile/00/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/007",
            "tile/entries/000.p/",
            "tile/x/000",
            "0/000",
            "tile/0/",
        ] {
            assert!(Tile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bundles_round_trip_and_truncation_is_caught() {
        let bundle = encode_entry_bundle([b"one".as_slice(), b"".as_slice(), b"three".as_slice()]);
        assert_eq!(decode_entry_bundle(&bundle).unwrap(), vec![b"one".as_slice(), b"", b"three"]);
        assert!(decode_entry_bundle(&bundle[..bundle.len() - 1]).is_err());
    }

    #[test]
    fn the_tiles_of_a_tree_cover_each_level() {
        let tiles = tiles_for(TreeSize::new(70_000), false);
        let level0: Vec<_> = tiles.iter().filter(|t| t.kind == TileKind::Hashes { level: 0 }).collect();
        assert_eq!(level0.len(), 274); // 273 full + 1 partial of 112
        assert_eq!(level0.last().unwrap().partial, Some(112));
        let level1: Vec<_> = tiles.iter().filter(|t| t.kind == TileKind::Hashes { level: 1 }).collect();
        assert_eq!(level1.len(), 2); // 273 hashes: 1 full + 1 partial of 17
        let level2: Vec<_> = tiles.iter().filter(|t| t.kind == TileKind::Hashes { level: 2 }).collect();
        assert_eq!(level2.len(), 1); // 1 hash
        assert_eq!(level2[0].partial, Some(1));
    }
}
