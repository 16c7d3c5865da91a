//! A letter's Markdown, rendered to the HTML its page shows and to plain text.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    let (html, _plain) = undersign::web::fuzzing::markdown(text);
    // Whatever the text, no script or raw HTML from it reaches the page.
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script element in {html:?}");
    assert!(!lower.contains("<iframe"), "an iframe in {html:?}");
});
