//! The e-mails themselves, each as plain text and HTML in the signer's language.

use askama::Template;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

use crate::domain::EmailAddress;
use crate::i18n::Translator;

/// What a message says.
#[derive(Debug, Clone, Copy)]
pub enum MessageContent<'a> {
    Confirm { letter_title: &'a str, letter_url: &'a str, link: &'a str },
    AlreadySigned { letter_title: &'a str, letter_url: &'a str },
}

#[derive(Template)]
#[template(path = "mail/confirm.txt")]
struct ConfirmText<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    letter_url: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirm.html")]
struct ConfirmHtml<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    letter_url: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/already_signed.txt")]
struct AlreadySignedText<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    letter_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/already_signed.html")]
struct AlreadySignedHtml<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    letter_url: &'a str,
}

/// Renders a message to one recipient.
pub fn render_message(
    tr: &Translator,
    from: &str,
    to: &EmailAddress,
    content: &MessageContent<'_>,
) -> anyhow::Result<Message> {
    let (subject, text, html) = match *content {
        MessageContent::Confirm { letter_title, letter_url, link } => (
            tr.t1("mail-confirm-subject", "title", letter_title),
            ConfirmText { tr, letter_title, letter_url, link }.render()?,
            ConfirmHtml { tr, letter_title, letter_url, link }.render()?,
        ),
        MessageContent::AlreadySigned { letter_title, letter_url } => (
            tr.t1("mail-already-signed-subject", "title", letter_title),
            AlreadySignedText { tr, letter_title, letter_url }.render()?,
            AlreadySignedHtml { tr, letter_title, letter_url }.render()?,
        ),
    };
    let from: Mailbox = from.parse()?;
    let to: Mailbox = to.as_str().parse()?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}
