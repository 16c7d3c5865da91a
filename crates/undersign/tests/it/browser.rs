//! End-to-end tests in real headless Chromium through chromedriver: a person signs
//! a demo letter and confirms through the outbox link; an organiser signs in
//! through the outbox link and publishes a letter.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::TestApp;

struct ChromeDriver(Child);

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A headless Chromium driven through a fresh chromedriver; both end with the
/// returned guards.
async fn start_browser(lang: &str) -> (ChromeDriver, tempfile::TempDir, fantoccini::Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver = ChromeDriver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed by .ci/run (apt-get install chromium-driver)"),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            format!("--user-data-dir={}", profile.path().display()), format!("--lang={lang}")
        ]}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut browser = None;
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                browser = Some(client);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    (driver, profile, browser.expect("chromedriver accepted a session"))
}

#[tokio::test]
async fn a_person_signs_the_demo_letter_in_a_real_browser_and_confirms_by_mail() {
    let app = TestApp::spawn_empty().await;
    undersign::demo::load(app.state()).await.unwrap();
    let before = app.count("demo-teachers").await;

    let (_driver, _profile, browser) = start_browser("ru").await;

    let result = async {
        browser.goto(&app.url("/letters/demo-teachers?lang=ru")).await?;
        // First a mistake: the form comes back with the message and the input kept.
        browser.find(Locator::Id("f-name")).await?.send_keys("Мария Соколова").await?;
        browser.find(Locator::Id("f-email")).await?.send_keys("maria@example.org").await?;
        browser.find(Locator::Css("form button[type=submit]")).await?.click().await?;
        browser.wait().for_element(Locator::Css(".error-summary")).await?;
        let page = browser.source().await?;
        assert!(
            page.contains("Чтобы подписать, отметьте это поле."),
            "the consent error is shown in Russian"
        );
        let kept = browser.find(Locator::Id("f-name")).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some("Мария Соколова"));

        browser.find(Locator::Id("f-city")).await?.send_keys("Пенза").await?;
        browser.find(Locator::Id("f-consent")).await?.click().await?;
        browser.find(Locator::Css("form button[type=submit]")).await?.click().await?;
        browser
            .wait()
            .for_url(&url::Url::parse(&app.url("/letters/demo-teachers/check-email")).unwrap())
            .await?;
        let url = browser.current_url().await?;
        assert!(url.path().ends_with("/check-email"), "{url}");
        assert!(browser.source().await?.contains("Проверьте почту"));

        let mail = app.wait_for_mails(1).await.remove(0);
        assert!(mail.subject.contains("Подтвердите подпись"), "the mail is in the signer's language");
        browser.goto(&mail.confirmation_link()).await?;
        browser.find(Locator::Css("form button[type=submit]")).await?.click().await?;
        browser.wait().for_element(Locator::Css(".success")).await?;
        let confirmed = browser.source().await?;
        assert!(confirmed.contains("Ваша подпись подтверждена"), "confirmation page shown");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await.ok();
    result.expect("the browser session ran");
    assert_eq!(app.count("demo-teachers").await, before + 1);
    // Our script solved the proof of work in the browser: nothing was flagged.
    let slug = undersign::domain::Slug::parse("demo-teachers").unwrap();
    let letter = app.state().store.letter(&slug).await.unwrap().unwrap();
    let flags = app.state().store.signature_flags(letter.id).await.unwrap();
    assert!(flags.iter().all(|f| f.kind != undersign::abuse::FlagKind::NoProofOfWork), "{flags:?}");
}

#[tokio::test]
async fn an_organiser_signs_in_by_mail_writes_previews_and_publishes_a_letter() {
    use undersign::clock::Clock;

    let app = TestApp::spawn_empty().await;
    let email = undersign::domain::EmailAddress::parse("admin@example.org").unwrap();
    undersign::organisers::create_admin(app.state(), &email).await.unwrap();
    let (_driver, _profile, browser) = start_browser("en").await;

    let result = async {
        browser.goto(&app.url("/sign-in")).await?;
        browser.find(Locator::Id("f-email")).await?.send_keys("admin@example.org").await?;
        browser.find(Locator::Css("main form button[type=submit]")).await?.click().await?;
        browser.wait().for_element(Locator::Css(".success")).await?;
        let mail = app.wait_for_mails(1).await.remove(0);
        let link = mail.text.split_whitespace().find(|w| w.contains("/sign-in/")).unwrap().to_owned();
        browser.goto(&link).await?;
        browser.find(Locator::Css("main form button[type=submit]")).await?.click().await?;

        // An admin sets up the second factor first.
        browser.wait().for_element(Locator::Id("totp-secret")).await?;
        let secret = browser.find(Locator::Id("totp-secret")).await?.text().await?;
        let bytes = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
        let code = undersign::organisers::totp::TotpSecret::from_bytes(bytes)
            .code_at(app.clock.now().unix_timestamp() as u64);
        browser.find(Locator::Id("f-code")).await?.send_keys(&code).await?;
        browser.find(Locator::Css("main form:not(.inline) button[type=submit]")).await?.click().await?;
        browser.wait().for_element(Locator::Css(".codes")).await?;
        browser.find(Locator::LinkText("Continue")).await?.click().await?;

        browser.wait().for_element(Locator::LinkText("Write a new letter")).await?.click().await?;
        browser.wait().for_element(Locator::Id("f-title")).await?.send_keys("Doctors for the truth").await?;
        browser.find(Locator::Id("f-slug")).await?.send_keys("doctors-truth").await?;
        browser.find(Locator::Id("f-addressee")).await?.send_keys("To the Ministry of Health").await?;
        browser.find(Locator::Id("f-community")).await?.send_keys("doctors").await?;
        browser.find(Locator::Id("f-body")).await?.send_keys("We, doctors, **demand** the truth.").await?;
        browser.find(Locator::Css("main form:not(.inline) button[type=submit]")).await?.click().await?;

        // The saved draft shows its preview, rendered.
        browser.wait().for_element(Locator::Css(".preview strong")).await?;
        let preview = browser.find(Locator::Css(".preview strong")).await?.text().await?;
        assert_eq!(preview, "demand");
        assert_eq!(app.get("/letters/doctors-truth").await.status(), 404, "not public before publishing");

        browser.find(Locator::Css("form[action$='/publish'] button")).await?.click().await?;
        browser.wait().for_element(Locator::Css("h1")).await?;
        let url = browser.current_url().await?;
        assert_eq!(url.path(), "/organise/letters/doctors-truth");

        browser.goto(&app.url("/")).await?;
        let home = browser.source().await?;
        assert!(home.contains("Doctors for the truth"), "the letter is on the home page");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await.ok();
    result.expect("the browser session ran");
    assert_eq!(app.letter_json("doctors-truth").await["status"], "published");
}
