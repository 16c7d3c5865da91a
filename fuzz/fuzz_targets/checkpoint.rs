//! A checkpoint's text (origin, size, root), as verifiers parse it.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    if let Ok(checkpoint) = letterlog::checkpoint::Checkpoint::parse(text) {
        // What parses is written back as the same text.
        assert_eq!(checkpoint.to_text(), text, "a parsed checkpoint re-encodes to its text");
    }
});
