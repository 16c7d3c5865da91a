//! A tile's path (`tile/0/x001/234.p/5`, `tile/entries/…`), as the log's
//! endpoint and verifiers parse it.
#![no_main]

libfuzzer_sys::fuzz_target!(|path: &str| {
    if let Ok(tile) = letterlog::tiles::Tile::parse(path) {
        // One tile, one path.
        assert_eq!(tile.path(), path, "a parsed tile path re-encodes to itself");
    }
});
