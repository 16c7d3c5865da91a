//! The e-mails themselves, each as plain text and HTML in the signer's language.

use askama::Template;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

use crate::domain::EmailAddress;
use crate::i18n::Translator;

/// What a message says.
#[derive(Debug, Clone, Copy)]
pub enum MessageContent<'a> {
    Confirm {
        letter_title: &'a str,
        letter_url: &'a str,
        link: &'a str,
        withdraw_link: &'a str,
    },
    AlreadySigned {
        letter_title: &'a str,
        letter_url: &'a str,
    },
    /// An organiser's single-use sign-in link.
    SignIn {
        link: &'a str,
    },
    /// Someone was given a role on a letter; `role` is its Fluent id.
    Invitation {
        letter_title: &'a str,
        role_id: &'a str,
        sign_in_url: &'a str,
    },
    /// Someone was made an organiser of a campaign.
    CampaignInvitation {
        campaign_title: &'a str,
        sign_in_url: &'a str,
    },
    /// An admin invited someone to write and publish letters.
    Welcome {
        sign_in_url: &'a str,
    },
    /// Someone asked to remove a signature that names them; `link` confirms it.
    RemovalRequest {
        letter_title: &'a str,
        signer_name: &'a str,
        link: &'a str,
    },
    /// The letter someone signed has a corrected version; `link` re-confirms.
    NewVersion {
        letter_title: &'a str,
        versions_url: &'a str,
        link: &'a str,
    },
}

#[derive(Template)]
#[template(path = "mail/removal_request.txt")]
struct RemovalText<'a> {
    tr: &'a Translator,
    intro: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/removal_request.html")]
struct RemovalHtml<'a> {
    tr: &'a Translator,
    subject: &'a str,
    intro: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/new_version.txt")]
struct NewVersionText<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    versions_url: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/new_version.html")]
struct NewVersionHtml<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    versions_url: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/sign_in.txt")]
struct SignInText<'a> {
    tr: &'a Translator,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/sign_in.html")]
struct SignInHtml<'a> {
    tr: &'a Translator,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationText<'a> {
    tr: &'a Translator,
    intro: &'a str,
    sign_in_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/invitation.html")]
struct InvitationHtml<'a> {
    tr: &'a Translator,
    subject: &'a str,
    intro: &'a str,
    sign_in_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirm.txt")]
struct ConfirmText<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    letter_url: &'a str,
    link: &'a str,
    withdraw_link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirm.html")]
struct ConfirmHtml<'a> {
    tr: &'a Translator,
    letter_title: &'a str,
    letter_url: &'a str,
    link: &'a str,
    withdraw_link: &'a str,
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
        MessageContent::Confirm { letter_title, letter_url, link, withdraw_link } => (
            tr.t1("mail-confirm-subject", "title", letter_title),
            ConfirmText { tr, letter_title, letter_url, link, withdraw_link }.render()?,
            ConfirmHtml { tr, letter_title, letter_url, link, withdraw_link }.render()?,
        ),
        MessageContent::AlreadySigned { letter_title, letter_url } => (
            tr.t1("mail-already-signed-subject", "title", letter_title),
            AlreadySignedText { tr, letter_title, letter_url }.render()?,
            AlreadySignedHtml { tr, letter_title, letter_url }.render()?,
        ),
        MessageContent::SignIn { link } => (
            tr.t("mail-sign-in-subject"),
            SignInText { tr, link }.render()?,
            SignInHtml { tr, link }.render()?,
        ),
        MessageContent::Invitation { letter_title, role_id, sign_in_url } => {
            let subject = tr.t1("mail-invitation-subject", "title", letter_title);
            let intro = tr.lookup(
                "mail-invitation-intro",
                [
                    ("title", fluent_templates::fluent_bundle::FluentValue::from(letter_title)),
                    ("role", fluent_templates::fluent_bundle::FluentValue::from(tr.t(role_id))),
                ],
            );
            let text = InvitationText { tr, intro: &intro, sign_in_url }.render()?;
            let html = InvitationHtml { tr, subject: &subject, intro: &intro, sign_in_url }.render()?;
            (subject, text, html)
        }
        MessageContent::RemovalRequest { letter_title, signer_name, link } => {
            let subject = tr.t1("mail-removal-subject", "title", letter_title);
            let intro = tr.lookup(
                "mail-removal-intro",
                [
                    ("title", fluent_templates::fluent_bundle::FluentValue::from(letter_title)),
                    ("name", fluent_templates::fluent_bundle::FluentValue::from(signer_name)),
                ],
            );
            let text = RemovalText { tr, intro: &intro, link }.render()?;
            let html = RemovalHtml { tr, subject: &subject, intro: &intro, link }.render()?;
            (subject, text, html)
        }
        MessageContent::NewVersion { letter_title, versions_url, link } => (
            tr.t1("mail-new-version-subject", "title", letter_title),
            NewVersionText { tr, letter_title, versions_url, link }.render()?,
            NewVersionHtml { tr, letter_title, versions_url, link }.render()?,
        ),
        MessageContent::CampaignInvitation { campaign_title, sign_in_url } => {
            let subject = tr.t1("mail-campaign-invitation-subject", "title", campaign_title);
            let intro = tr.t1("mail-campaign-invitation-intro", "title", campaign_title);
            let text = InvitationText { tr, intro: &intro, sign_in_url }.render()?;
            let html = InvitationHtml { tr, subject: &subject, intro: &intro, sign_in_url }.render()?;
            (subject, text, html)
        }
        MessageContent::Welcome { sign_in_url } => {
            let subject = tr.t("mail-welcome-subject");
            let intro = tr.t("mail-welcome-intro");
            let text = InvitationText { tr, intro: &intro, sign_in_url }.render()?;
            let html = InvitationHtml { tr, subject: &subject, intro: &intro, sign_in_url }.render()?;
            (subject, text, html)
        }
    };
    let from: Mailbox = from.parse()?;
    let to: Mailbox = to.as_str().parse()?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    fn render(lang: Language, content: &MessageContent<'_>) -> String {
        let to = EmailAddress::parse("anna@example.org").unwrap();
        let message =
            render_message(&Translator::new(lang), "Letters <letters@example.org>", &to, content).unwrap();
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn the_confirmation_mail_has_a_text_and_an_html_part_in_the_signers_language() {
        let content = MessageContent::Confirm {
            letter_title: "Учёные о приговоре",
            letter_url: "https://letters.example.org/letters/scientists",
            link: "https://letters.example.org/confirm/TOKEN",
            withdraw_link: "https://letters.example.org/confirm/TOKEN/withdraw",
        };
        let russian = render(Language::Ru, &content);
        assert!(russian.contains("multipart/alternative"));
        assert!(russian.contains("text/plain") && russian.contains("text/html"));
        assert!(russian.contains("Subject: =?utf-8?"), "the subject is encoded");
        let parsed = mail_parser::MessageParser::default().parse(russian.as_bytes()).unwrap();
        assert_eq!(parsed.subject(), Some("Подтвердите подпись: Учёные о приговоре"));
        let text = parsed.body_text(0).unwrap();
        assert!(
            text.contains("Чтобы подтвердить подпись")
                && text.contains("https://letters.example.org/confirm/TOKEN")
        );
    }

    #[test]
    fn titles_are_escaped_in_the_html_part() {
        let content = MessageContent::AlreadySigned {
            letter_title: "<script>x</script> & co",
            letter_url: "https://letters.example.org/letters/x",
        };
        let raw = render(Language::En, &content);
        let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
        let html = parsed.body_html(0).unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{html}");
        assert!(parsed.body_text(0).unwrap().contains("You have already signed it"));
    }
}
