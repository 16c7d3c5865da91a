//! A log leaf's bytes (docs/log.md), as verifiers and the service parse them.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(leaf) = letterlog::leaf::Leaf::parse(bytes) {
        // A leaf that parses encodes back to the same bytes: one leaf, one encoding.
        assert_eq!(leaf.to_bytes(), bytes, "a parsed leaf re-encodes to its bytes");
    }
});
