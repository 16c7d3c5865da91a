//! Letter texts are Markdown. Raw HTML in them is shown as text, never passed
//! through, so a letter cannot carry a script or a tracking pixel.

use pulldown_cmark::{Event, Options, Parser, html};

pub fn to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_emphasis_render() {
        assert_eq!(to_safe_html("We *demand*.\n\nSigned."), "<p>We <em>demand</em>.</p>\n<p>Signed.</p>\n");
    }

    #[test]
    fn raw_html_is_escaped_not_passed_through() {
        let html = to_safe_html("Hello <script>alert(1)</script>\n\n<img src=x onerror=y>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }
}
