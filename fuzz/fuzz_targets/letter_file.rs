//! A letter file (front matter and Markdown), as `undersign letter publish` reads it.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    if let Ok(draft) = undersign::letter_file::parse_letter_file(text) {
        // What parses must be a letter the rest of the service can take.
        assert!(!draft.title.is_empty(), "a parsed letter has a title");
    }
});
