//! Letter texts are Markdown. Raw HTML in them is shown as text, never passed
//! through, so a letter cannot carry a script or a tracking pixel. Links keep
//! only web, mail and same-site addresses (no `javascript:`), and images become
//! links: a page never loads anything from a third party.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

fn safe_destination(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim_start().to_ascii_lowercase();
    let allowed = lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('/')
        || lower.starts_with('#')
        || !lower.contains(':');
    if allowed { url } else { CowStr::Borrowed("#") }
}

pub fn to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_destination(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_destination(dest_url), title, id })
        }
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

/// The words a reader sees, without the markup: paragraphs and list items
/// separated by blank lines, links as their text. For diffs that show what
/// changed in the letter, not in its Markdown.
pub fn to_plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                out.push_str(&text)
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::BlockQuote(_)) => {
                out.push_str("\n\n")
            }
            _ => {}
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        let text =
            to_plain_text("We, *teachers*, ask\nfor a [fair](https://example.org) trial.\n\n- one\n- two");
        assert_eq!(text, "We, teachers, ask for a fair trial.\n\none\n\ntwo");
    }

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

    #[test]
    fn script_links_are_disarmed_and_images_become_links() {
        let html = to_safe_html(
            "[a](javascript:alert(1)) [b](JavaScript:x) [c](https://example.org) ![pixel](https://tracker.example/p.gif)",
        );
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(html.contains(r#"<a href="https://example.org">c</a>"#), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains(r#"<a href="https://tracker.example/p.gif">pixel</a>"#), "{html}");
    }
}
