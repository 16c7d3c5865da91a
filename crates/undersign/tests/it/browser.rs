//! One end-to-end test in real headless Chromium through chromedriver: fill in and
//! submit the sign form on a demo letter, then confirm through the outbox link.

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

#[tokio::test]
async fn a_person_signs_the_demo_letter_in_a_real_browser_and_confirms_by_mail() {
    let app = TestApp::spawn_empty().await;
    undersign::demo::load(app.state()).await.unwrap();
    let before = app.count("demo-teachers").await;

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _driver = ChromeDriver(
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
            format!("--user-data-dir={}", profile.path().display()), "--lang=ru"
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
    let browser = browser.expect("chromedriver accepted a session");

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
