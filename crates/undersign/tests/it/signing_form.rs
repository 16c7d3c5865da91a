//! The HTML sign form: the whole path, validation, duplicates.

use crate::helpers::{LETTER, TestApp, pairs, valid_form};

#[tokio::test]
async fn signing_then_confirming_through_the_emailed_link_counts_once() {
    let app = TestApp::spawn().await;

    let response = app.sign_form(LETTER, &pairs(&valid_form("anna@example.org"))).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("/letters/{LETTER}/check-email#main"));
    assert!(app.get_text(&format!("/letters/{LETTER}/check-email")).await.contains("Check your e-mail"));
    assert_eq!(app.count(LETTER).await, 0, "pending signatures do not count");

    let mail = app.wait_for_mails(1).await.remove(0);
    assert_eq!(mail.to, "anna@example.org");
    assert!(mail.subject.contains("confirm"), "{}", mail.subject);
    let link = mail.confirmation_link();
    assert!(link.starts_with(&format!("{}/confirm/", app.address)), "{link}");
    assert!(mail.html.contains(&link), "the HTML part carries the same link");
    assert!(!mail.text.contains("works once"), "the link is also the receipt: it does not work once");
    assert!(mail.text.contains("receipt"), "the mail says the link stays the receipt");

    let page = app.get_text(link.trim_start_matches(&app.address)).await;
    assert!(page.contains("Confirm my signature"), "the link opens a page with a button");
    assert_eq!(app.count(LETTER).await, 0, "opening the link alone confirms nothing");

    let confirmed = app.confirm(&link).await;
    assert!(confirmed.contains("Your signature is confirmed"), "{confirmed}");
    assert_eq!(app.count(LETTER).await, 1);
    let letter_page = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(letter_page.contains("1 signature"));
    assert!(letter_page.contains("Анна Петрова"));
    assert!(letter_page.contains("Professor, Moscow State University, Moscow, Russia"));
}

#[tokio::test]
async fn every_field_mistake_is_explained_next_to_the_field_and_the_input_is_kept() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(201);
    let cases: &[(&str, &str, &str)] = &[
        ("name", "", "Please enter your name."),
        ("name", "12345", "A name needs at least one letter."),
        ("name", &long, "at most 200 characters"),
        ("email", "", "Please enter your e-mail address"),
        ("email", "anna-at-example.org", "does not look like an e-mail address"),
        ("title", &long, "at most 200 characters"),
        ("city", "Mos\u{202E}cow", "invisible or control characters"),
        ("orcid", "0000-0002-1825-0098", "check digit does not match"),
        ("orcid", "12345", "16 digits in four groups"),
        ("pledge", "We close on Monday", "Only organisations can make a pledge"),
        ("consent", "false", "Please tick this box to sign."),
    ];
    for (field, value, message) in cases {
        let mut form = valid_form("kept@example.org");
        form.retain(|(k, _)| k != field);
        form.push((field, value.to_string()));
        let response = app.sign_form(LETTER, &pairs(&form)).await;
        assert_eq!(response.status(), 400, "{field}={value:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{field}={value:?} should say {message:?}");
        assert!(page.contains(&format!("id=\"f-{field}-error\"")), "the message sits next to {field}");
        assert!(page.contains("value=\"Moscow State University\""), "the rest of the input is kept");
        if !value.is_empty() && *field != "consent" && *field != "pledge" {
            let shown = value.replace('&', "&amp;").replace('"', "&#34;");
            assert!(page.contains(&shown), "the wrong {field} is shown for correction");
        }
    }
    assert_eq!(app.count(LETTER).await, 0);
    assert!(crate::helpers::read_outbox(&app.outbox_dir()).is_empty(), "no mail for a refused form");
}

#[tokio::test]
async fn field_messages_follow_the_page_language() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url(&format!("/letters/{LETTER}/sign")))
        .header("accept-language", "ru-RU,ru;q=0.9")
        .form(&[("name", ""), ("email", "x"), ("show_name", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("Пожалуйста, укажите имя."));
    assert!(page.contains("Это не похоже на адрес электронной почты"));
    assert!(page.contains("Чтобы подписать, отметьте это поле."));
}

#[tokio::test]
async fn signing_again_with_the_same_address_creates_nothing_and_looks_the_same() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Anna Petrova", "anna@example.org", true).await;

    let first = app.sign_form(LETTER, &pairs(&valid_form("someone-new@example.org"))).await;
    let again = app.sign_form(LETTER, &pairs(&valid_form("ANNA@Example.org"))).await;
    assert_eq!(first.status(), again.status());
    assert_eq!(first.headers()["location"], again.headers()["location"]);

    let mails = app.wait_for_mails(3).await;
    let repeat =
        mails.iter().find(|m| m.to.eq_ignore_ascii_case("anna@example.org") && m.subject.contains("already"));
    let repeat = repeat.expect("the repeat signer is told by e-mail");
    assert!(repeat.text.contains("already signed"));
    assert!(!repeat.text.contains("/confirm/"), "no new link for a confirmed signature");
    assert_eq!(app.count(LETTER).await, 1);
}

#[tokio::test]
async fn an_organisation_signs_with_a_pledge() {
    let app = TestApp::spawn().await;
    app.publish("bookstores-letter", true).await;
    let response = app
        .sign_form(
            "bookstores-letter",
            &[
                ("name", "Falanster bookstore"),
                ("email", "shop@example.org"),
                ("organisation", "true"),
                ("pledge", "Closed on Monday in solidarity"),
                ("show_name", "true"),
                ("consent", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let link = app.wait_for_mails(1).await[0].confirmation_link();
    app.confirm(&link).await;
    assert_eq!(app.count("bookstores-letter").await, 1);
    let page = app.get_text("/letters/bookstores-letter").await;
    assert!(page.contains("1 organisation"));
    assert!(page.contains("Closed on Monday in solidarity"));
}

#[tokio::test]
async fn a_form_that_cannot_be_read_gets_a_friendly_400_and_an_oversized_one_413() {
    let app = TestApp::spawn().await;
    let garbled = app
        .client
        .post(app.url(&format!("/letters/{LETTER}/sign")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("consent=perhaps&name=A")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), 400);
    assert!(garbled.text().await.unwrap().contains("could not be read"));

    let huge = "n".repeat(20_000);
    let oversized = app.sign_form(LETTER, &[("name", huge.as_str())]).await;
    assert_eq!(oversized.status(), 413);
    assert!(oversized.text().await.unwrap().contains("Too much text"));
    assert_eq!(app.count(LETTER).await, 0);
}

#[tokio::test]
async fn a_closed_letter_takes_no_signatures() {
    let app = TestApp::spawn().await;
    let slug = undersign::domain::Slug::parse(LETTER).unwrap();
    assert!(undersign::publishing::close_letter(app.state(), &slug).await.unwrap());
    let page = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(page.contains("This letter is closed"));
    assert!(!page.contains("<form method=\"post\""), "no sign form on a closed letter");
    let response = app.sign_form(LETTER, &pairs(&valid_form("late@example.org"))).await;
    assert_eq!(response.status(), 409);
}

#[tokio::test]
async fn a_line_break_in_a_name_becomes_a_space_in_the_form_the_api_and_the_record() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Line\nBreak", "form@example.org", true).await;
    let api = serde_json::json!({"name": "Carriage\r\nReturn", "email": "api@example.org", "show_name": true, "consent": true});
    let token = undersign::publishing::create_api_token(app.state(), "import").await.unwrap();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .bearer_auth(token.expose())
        .json(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let link = app.wait_for_mails(2).await[1].confirmation_link();
    app.confirm(&link).await;
    assert_eq!(app.count(LETTER).await, 2);
    let list: serde_json::Value =
        app.get(&format!("/api/v1/letters/{LETTER}/signatures")).await.json().await.unwrap();
    let names: Vec<&str> =
        list["signatures"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Carriage Return", "Line Break"]);
    let records: serde_json::Value =
        app.get(&format!("/letters/{LETTER}/log/records?from=1&to=3")).await.json().await.unwrap();
    for record in records.as_array().unwrap() {
        let record = record["record"].as_str().unwrap();
        assert!(record.contains("Line Break") || record.contains("Carriage Return"), "{record}");
    }
    let page = app.get_text(&format!("/letters/{LETTER}/signatures")).await;
    assert!(page.contains("Line Break") && page.contains("Carriage Return"));
}
