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
            .for_url(&url::Url::parse(&app.url("/letters/demo-teachers/check-email#main")).unwrap())
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

/// Signs in through the sign-in page and the newest link mailed to `email`.
async fn sign_in_by_mail(
    browser: &fantoccini::Client,
    app: &TestApp,
    email: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let links = || -> Vec<String> {
        crate::helpers::read_outbox(&app.outbox_dir())
            .into_iter()
            .filter(|m| m.to == email)
            .filter_map(|m| m.text.split_whitespace().find(|w| w.contains("/sign-in/")).map(str::to_owned))
            .collect()
    };
    let before = links().len();
    browser.goto(&app.url("/sign-in")).await?;
    browser.find(Locator::Id("f-email")).await?.send_keys(email).await?;
    browser.find(Locator::Css("main form button[type=submit]")).await?.click().await?;
    browser.wait().for_element(Locator::Css(".success")).await?;
    let mut link = None;
    for _ in 0..200 {
        if let Some(found) = links().get(before) {
            link = Some(found.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    browser.goto(&link.expect("a sign-in mail")).await?;
    browser.find(Locator::Css("main form button[type=submit]")).await?.click().await?;
    Ok(())
}

/// Submits the form that holds the element with this id.
async fn submit_form_of(browser: &fantoccini::Client, id: &str) -> Result<(), fantoccini::error::CmdError> {
    browser.execute(&format!("document.getElementById('{id}').form.submit()"), Vec::new()).await?;
    Ok(())
}

/// Waits until the page's address ends with `path`.
async fn wait_for_path(browser: &fantoccini::Client, path: &str) -> Result<(), fantoccini::error::CmdError> {
    for _ in 0..100 {
        if browser.current_url().await?.path() == path {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the browser did not reach {path}: {}", browser.current_url().await?);
}

/// The "done when": an organiser who has never seen the program signs
/// in, publishes a letter with a translation, builds a campaign with a timeline,
/// invites a moderator, who strikes a fake signature with a reason; the log and
/// the count show it. All through the browser.
#[tokio::test]
async fn an_organiser_runs_a_letter_from_the_browser_and_a_moderator_strikes_a_fake() {
    use undersign::clock::Clock;

    let app = TestApp::spawn_empty().await;
    let email = undersign::domain::EmailAddress::parse("admin@example.org").unwrap();
    undersign::organisers::create_admin(app.state(), &email).await.unwrap();
    let (_driver, _profile, browser) = start_browser("en").await;

    let result = async {
        sign_in_by_mail(&browser, &app, "admin@example.org").await?;
        // An admin sets up the second factor first.
        browser
            .wait()
            .for_element(Locator::Css("form[action='/organise/two-factor/start'] button"))
            .await?
            .click()
            .await?;
        browser.wait().for_element(Locator::Id("totp-secret")).await?;
        let secret = browser.find(Locator::Id("totp-secret")).await?.text().await?;
        let bytes = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
        let code = undersign::organisers::totp::TotpSecret::from_bytes(bytes)
            .code_at(app.clock.now().unix_timestamp() as u64);
        browser.find(Locator::Id("f-code")).await?.send_keys(&code).await?;
        submit_form_of(&browser, "f-code").await?;
        browser.wait().for_element(Locator::Css(".codes")).await?;
        browser.find(Locator::Id("f-kept")).await?.click().await?;
        submit_form_of(&browser, "f-kept").await?;

        // Write, preview, publish.
        browser.wait().for_element(Locator::LinkText("Write a new letter")).await?.click().await?;
        browser.wait().for_element(Locator::Id("f-title")).await?.send_keys("Doctors for the truth").await?;
        browser.find(Locator::Id("f-slug")).await?.send_keys("doctors-truth").await?;
        browser.find(Locator::Id("f-addressee")).await?.send_keys("To the Ministry of Health").await?;
        browser.find(Locator::Id("f-community")).await?.send_keys("doctors").await?;
        browser.find(Locator::Id("f-body")).await?.send_keys("We, doctors, **demand** the truth.").await?;
        submit_form_of(&browser, "f-title").await?;
        browser.wait().for_element(Locator::Css(".preview strong")).await?;
        let preview = browser.find(Locator::Css(".preview strong")).await?.text().await?;
        assert_eq!(preview, "demand");
        assert_eq!(app.get("/letters/doctors-truth").await.status(), 404, "not public before publishing");
        browser.find(Locator::Css("form[action$='/publish'] button")).await?.click().await?;
        wait_for_path(&browser, "/organise/letters/doctors-truth").await?;
        browser.goto(&app.url("/")).await?;
        assert!(browser.source().await?.contains("Doctors for the truth"), "the letter is on the home page");

        // A translation.
        browser.goto(&app.url("/organise/letters/doctors-truth")).await?;
        browser.find(Locator::Css("#f-t-language")).await?;
        browser
            .execute("document.querySelectorAll('details').forEach(d => d.open = true)", Vec::new())
            .await?;
        browser.find(Locator::Id("f-t-language")).await?.send_keys("ru").await?;
        browser.find(Locator::Id("f-t-title")).await?.send_keys("Врачи за правду").await?;
        browser.find(Locator::Id("f-t-addressee")).await?.send_keys("Министерству здравоохранения").await?;
        browser.find(Locator::Id("f-t-body")).await?.send_keys("Мы, врачи, **требуем** правды.").await?;
        submit_form_of(&browser, "f-t-body").await?;
        wait_for_path(&browser, "/organise/letters/doctors-truth").await?;
        browser.goto(&app.url("/letters/doctors-truth")).await?;
        browser.find(Locator::Css("nav.texts a[hreflang=ru]")).await?.click().await?;
        browser.wait().for_element(Locator::Css("article.letter[lang=ru]")).await?;
        assert!(browser.source().await?.contains("Врачи за правду"));

        // A campaign with the letter, its quote and a timeline entry.
        browser.goto(&app.url("/organise/campaigns/new")).await?;
        browser.find(Locator::Id("f-title")).await?.send_keys("The case of the doctors").await?;
        browser.find(Locator::Id("f-slug")).await?.send_keys("doctors-case").await?;
        browser
            .find(Locator::Id("f-summary"))
            .await?
            .send_keys("Doctors were detained for speaking.")
            .await?;
        submit_form_of(&browser, "f-summary").await?;
        wait_for_path(&browser, "/organise/campaigns/doctors-case").await?;
        browser.find(Locator::Id("f-letter")).await?.select_by_value("doctors-truth").await?;
        browser.find(Locator::Id("f-pull_quote")).await?.send_keys("We, doctors, demand the truth.").await?;
        submit_form_of(&browser, "f-pull_quote").await?;
        browser.wait().for_element(Locator::Css(".success")).await?;
        browser.execute("document.getElementById('f-date').value = '2020-02-10'", Vec::new()).await?;
        browser.find(Locator::Id("f-kind")).await?.select_by_value("picket").await?;
        browser.find(Locator::Id("f-place")).await?.send_keys("Moscow").await?;
        browser.find(Locator::Id("f-note")).await?.send_keys("Single pickets outside the ministry.").await?;
        browser.find(Locator::Id("f-source_url")).await?.send_keys("https://example.org/news/1").await?;
        submit_form_of(&browser, "f-note").await?;
        browser.wait().for_element(Locator::Css(".success")).await?;
        browser.goto(&app.url("/campaigns/doctors-case")).await?;
        let campaign = browser.source().await?;
        assert!(
            campaign.contains("We, doctors, demand the truth.")
                && campaign.contains("Single pickets outside the ministry.")
        );

        // A moderator is invited.
        browser.goto(&app.url("/organise/letters/doctors-truth")).await?;
        browser.find(Locator::Id("f-email")).await?.send_keys("mod@example.org").await?;
        submit_form_of(&browser, "f-email").await?;
        browser.wait().for_element(Locator::Css(".success")).await?;
        browser.find(Locator::Css("form[action='/sign-out'] button")).await?.click().await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    if let Err(error) = result {
        browser.close().await.ok();
        panic!("the organiser's part: {error}");
    }

    // Someone signs twice under one name; the second is the fake.
    app.sign_and_confirm("doctors-truth", "Irina Volkova", "irina@example.org", true).await;
    app.sign_and_confirm("doctors-truth", "Ирина Волкова", "irina.v@example.net", true).await;
    assert_eq!(app.count("doctors-truth").await, 2);

    let result = async {
        sign_in_by_mail(&browser, &app, "mod@example.org").await?;
        wait_for_path(&browser, "/organise").await?;
        browser.goto(&app.url("/organise/letters/doctors-truth/moderation")).await?;
        let queue = browser.source().await?;
        assert!(queue.contains("the same name signed before"), "the reason is shown");
        let reason = browser.find(Locator::Css("ul.queue input[name=reason]")).await?;
        reason.send_keys("The same person signed twice").await?;
        browser.find(Locator::Css("ul.queue input[name=sure]")).await?.click().await?;
        browser
            .execute("document.querySelector('ul.queue input[name=reason]').form.submit()", Vec::new())
            .await?;
        browser.wait().for_element(Locator::Css("h1")).await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await.ok();
    result.expect("the moderator's part");

    for _ in 0..100 {
        if app.count("doctors-truth").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.count("doctors-truth").await, 1, "the count dropped");
    let json = app.letter_json("doctors-truth").await;
    let last = json["log_size"].as_u64().unwrap() - 1;
    let record = app.get_text(&format!("/letters/doctors-truth/log/records/{last}")).await;
    assert!(record.contains("The same person signed twice"), "the log shows why: {record}");
}
