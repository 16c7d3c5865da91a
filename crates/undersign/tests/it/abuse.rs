//! Abuse resistance, rule by rule, against the running server.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::Duration;
use undersign::abuse::FlagKind;
use undersign::domain::Slug;

use crate::helpers::{LETTER, TestApp, pairs, valid_form};

fn body(name: &str, email: &str) -> Value {
    json!({"name": name, "email": email, "consent": true, "show_name": true})
}

async fn post_with(app: &TestApp, payload: &str, email: &str) -> reqwest::Response {
    let mut request = body("Anna Petrova", email);
    request["altcha"] = payload.into();
    app.client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .json(&request)
        .send()
        .await
        .unwrap()
}

async fn error_detail(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let json: Value = response.json().await.unwrap();
    (
        status,
        json["errors"][0]["code"].as_str().unwrap_or("").to_owned(),
        json["errors"][0]["detail"].as_str().unwrap_or("").to_owned(),
    )
}

async fn flags(app: &TestApp) -> Vec<FlagKind> {
    let letter = app.state().store.letter(&Slug::parse(LETTER).unwrap()).await.unwrap().unwrap();
    app.state().store.signature_flags(letter.id).await.unwrap().into_iter().map(|f| f.kind).collect()
}

#[tokio::test]
async fn a_solved_challenge_signs_once_and_only_on_its_letter_while_fresh() {
    let app = TestApp::spawn().await;
    app.publish("other-letter", false).await;

    let challenge: Value =
        app.get(&format!("/api/v1/letters/{LETTER}/challenge")).await.json().await.unwrap();
    assert_eq!(challenge["algorithm"], "SHA-256");
    assert_eq!(challenge["maxnumber"], 500);
    let payload = app.solve_challenge(LETTER).await.unwrap();
    assert_eq!(post_with(&app, &payload, "first@example.org").await.status(), 202);

    let (status, code, detail) = error_detail(post_with(&app, &payload, "second@example.org").await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_proof_of_work"));
    assert!(detail.contains("already used"), "replay: {detail}");

    let elsewhere = app.solve_challenge("other-letter").await.unwrap();
    let (status, _, detail) = error_detail(post_with(&app, &elsewhere, "third@example.org").await).await;
    assert_eq!(status, 400, "a solution for another letter: {detail}");

    let stale = app.solve_challenge(LETTER).await.unwrap();
    app.clock.advance(Duration::minutes(21));
    let (status, _, detail) = error_detail(post_with(&app, &stale, "fourth@example.org").await).await;
    assert_eq!(status, 400);
    assert!(detail.contains("expired"), "{detail}");

    let missing = app
        .client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .json(&body("A B", "x@example.org"))
        .send()
        .await
        .unwrap();
    let (status, _, detail) = error_detail(missing).await;
    assert_eq!(status, 400);
    assert!(detail.contains("missing"), "{detail}");
}

#[tokio::test]
async fn forged_challenges_are_refused() {
    let app = TestApp::spawn().await;
    let payload = app.solve_challenge(LETTER).await.unwrap();
    let mut json: Value = serde_json::from_slice(&STANDARD.decode(&payload).unwrap()).unwrap();

    // A challenge of our own making, signed with a guessed key.
    let salt = format!("00?expires={}&letter={LETTER}&", 4_102_444_800u64);
    let challenge = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(format!("{salt}7").as_bytes()));
    json["salt"] = salt.into();
    json["challenge"] = challenge.into();
    json["number"] = 7.into();
    let forged = STANDARD.encode(json.to_string());
    let (status, code, _) = error_detail(post_with(&app, &forged, "forger@example.org").await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_proof_of_work"));
    assert_eq!(post_with(&app, "bm90IGpzb24=", "garbage@example.org").await.status(), 400);
    assert_eq!(app.count(LETTER).await, 0);
}

#[tokio::test]
async fn one_greedy_client_makes_only_its_own_challenges_harder_and_is_then_refused() {
    let app = TestApp::spawn_with(|config| {
        config.pow.maxnumber = 100;
        config.pow.burst_maxnumber = 5_000;
        config.pow.burst_per_minute = 3;
        config.pow.bursting_networks = 3;
        config.limits.challenge_burst_per_network = 8;
        config.limits.challenges_per_hour_per_network = 1;
        config.client_ip_header = Some("x-real-ip".to_owned());
    })
    .await;
    let challenge = |ip: &'static str| {
        let request =
            app.client.get(app.url(&format!("/api/v1/letters/{LETTER}/challenge"))).header("x-real-ip", ip);
        async move { request.send().await.unwrap() }
    };
    let maxnumber = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["maxnumber"].as_u64().unwrap()
    };
    let mut greedy = Vec::new();
    for _ in 0..5 {
        greedy.push(maxnumber(challenge("203.0.113.9").await).await);
    }
    assert_eq!(greedy, [100, 100, 100, 5_000, 5_000], "harder for the network over its share");
    assert_eq!(maxnumber(challenge("198.51.100.1").await).await, 100, "a signer elsewhere is not affected");
    for _ in 0..3 {
        challenge("203.0.113.9").await;
    }
    let refused = challenge("203.0.113.9").await;
    assert_eq!(refused.status(), 429, "past its allowance of challenges");
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(refused.json::<Value>().await.unwrap()["errors"][0]["code"], "rate_limited");
    assert_eq!(maxnumber(challenge("198.51.100.1").await).await, 100, "still not affected");

    // Only when many networks burst at once does the whole letter get harder.
    for ip in ["192.0.2.1", "100.64.0.1"] {
        for _ in 0..4 {
            challenge(ip).await;
        }
    }
    assert_eq!(maxnumber(challenge("198.51.100.1").await).await, 5_000, "three networks burst: everyone");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(maxnumber(challenge("198.51.100.1").await).await, 100, "back to normal after the minute");
}

#[tokio::test]
async fn strangers_typing_a_universitys_domain_cannot_lock_its_people_out() {
    let app = TestApp::spawn_with(|config| {
        config.limits.burst_per_domain = 3;
        config.limits.per_hour_per_domain = 1;
        config.client_ip_header = Some("x-real-ip".to_owned());
    })
    .await;
    let app = &app;
    let sign = |ip: &'static str, email: String| async move {
        let mut body = body("Someone", &email);
        body["altcha"] = app.solve_challenge(LETTER).await.unwrap().into();
        let request = app
            .client
            .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
            .header("x-real-ip", ip)
            .json(&body);
        request.send().await.unwrap().status()
    };
    for (i, ip) in ["203.0.113.1", "198.51.100.1", "192.0.2.1"].iter().enumerate() {
        for j in 0..3 {
            assert_eq!(sign(ip, format!("fake{i}{j}@victim-univ.org")).await, 202);
        }
    }
    let real = sign("100.64.1.1", "real.person@victim-univ.org".to_owned()).await;
    assert_eq!(real, 202, "the real person at the university still signs");
    let mails = app.wait_for_mails(10).await;
    let link = mails.iter().find(|m| m.to.contains("real.person")).unwrap().confirmation_link();
    app.confirm(&link).await;
    assert_eq!(app.count(LETTER).await, 1, "and is counted; the fakes never confirmed");
    let kinds = flags(app).await;
    assert!(kinds.contains(&FlagKind::DomainBurst), "moderators see the domain's burst: {kinds:?}");
}

#[tokio::test]
async fn without_javascript_a_person_still_signs_and_is_flagged_for_moderators() {
    let app = TestApp::spawn().await;
    let page = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(
        page.contains("<noscript><p class=\"notice\">JavaScript is off: you can still sign."),
        "the page says so plainly"
    );
    assert!(page.contains("name=\"altcha\" value=\"\""));

    // The words and the behaviour agree: counted and listed once confirmed, and
    // marked for the moderators.
    assert!(page.contains("your signature is counted and listed like any other"));
    assert!(!page.contains("will then be checked by the letter's moderators"));
    app.sign_and_confirm(LETTER, "No Script", "noscript@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 1, "accepted and counted");
    assert!(app.get_text(&format!("/letters/{LETTER}")).await.contains("No Script"), "and listed");
    assert_eq!(flags(&app).await, [FlagKind::NoProofOfWork]);

    let mut form = valid_form("badproof@example.org");
    form.push(("altcha", "bm90IGpzb24=".into()));
    let response = app.sign_form(LETTER, &pairs(&form)).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("did not pass"), "a broken proof is explained");
}

#[tokio::test]
async fn the_same_mailbox_under_another_spelling_is_flagged_not_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_api(LETTER, &body("Anna Petrova", "anna.petrova@gmail.com")).await.status(), 202);
    assert_eq!(
        app.sign_api(LETTER, &body("A. Petrova", "AnnaPetrova+letter@googlemail.com")).await.status(),
        202
    );
    assert_eq!(flags(&app).await, [FlagKind::DuplicateEmail]);
    assert_eq!(app.wait_for_mails(2).await.len(), 2, "both got a confirmation mail");
}

#[tokio::test]
async fn the_same_name_in_another_script_is_flagged() {
    let app = TestApp::spawn().await;
    for (name, email) in [
        ("Иванов Иван", "i1@example.org"),
        ("Ivan Ivanov", "i2@example.org"),
        ("Пётр Петров", "p@example.org"),
    ] {
        assert_eq!(app.sign_api(LETTER, &body(name, email)).await.status(), 202);
    }
    assert_eq!(flags(&app).await, [FlagKind::DuplicateName]);
}

#[tokio::test]
async fn look_alike_letters_and_throwaway_domains_are_flagged() {
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_api(LETTER, &body("Ив\u{0061}нов Иван", "mixed@example.org")).await.status(), 202);
    assert_eq!(app.sign_api(LETTER, &body("Throw Away", "someone@mailinator.com")).await.status(), 202);
    let mut found = flags(&app).await;
    found.sort_by_key(|f| f.as_str());
    assert_eq!(found, [FlagKind::DisposableDomain, FlagKind::MixedScript]);
}

#[tokio::test]
async fn a_watched_name_is_held_for_moderators_instead_of_counted() {
    let app = TestApp::spawn().await;
    let slug = Slug::parse(LETTER).unwrap();
    assert!(undersign::publishing::watch_name(app.state(), &slug, "Владимир Путин").await.unwrap());
    app.sign_and_confirm(LETTER, "Vladimir Putin", "vp@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 0, "held signatures are not counted");
    let link = app.wait_for_mails(1).await[0].confirmation_link();
    let receipt = app.get_text(link.trim_start_matches(&app.address)).await;
    assert!(receipt.contains("moderators check it before it is counted"));
    assert!(!app.get_text(&format!("/letters/{LETTER}")).await.contains("Vladimir Putin"));
    assert!(flags(&app).await.contains(&FlagKind::WatchList));
}

#[tokio::test]
async fn one_address_gets_at_most_a_few_mails_a_day() {
    let app = TestApp::spawn_with(|config| config.limits.mails_per_address_per_day = 3).await;
    for _ in 0..6 {
        assert_eq!(
            app.sign_api(LETTER, &body("Repeat", "victim@example.org")).await.status(),
            202,
            "the same answer each time"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(crate::helpers::read_outbox(&app.outbox_dir()).len(), 3);
}

#[tokio::test]
async fn unconfirmed_signatures_are_purged_after_seven_days() {
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_api(LETTER, &body("Never Confirms", "late@example.org")).await.status(), 202);
    app.wait_for_mails(1).await;
    assert_eq!(undersign::maintenance::run_once(app.state()).await.unwrap().0, 0, "young ones stay");
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let (signatures, challenges) = undersign::maintenance::run_once(app.state()).await.unwrap();
    assert_eq!((signatures, challenges), (1, 1), "the stale signature and its spent challenge");
}

#[tokio::test]
async fn a_trusted_client_signs_without_proof_and_an_unknown_token_is_refused() {
    let app = TestApp::spawn_with(|config| config.limits.burst_per_network = 1).await;
    let token = undersign::publishing::create_api_token(app.state(), "importer").await.unwrap();
    for i in 0..3 {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
            .bearer_auth(token.expose())
            .json(&body("Imported Person", &format!("imported{i}@example.org")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "no proof, no rate limit");
    }
    let unknown = app
        .client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .bearer_auth(undersign::crypto::PlainToken::generate().expose())
        .json(&body("Someone", "someone@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
}

#[tokio::test]
async fn the_official_altcha_client_library_solves_our_challenge() {
    let app = TestApp::spawn().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/altcha-client/solve.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .args([&app.address, LETTER, "node-client@example.org"])
        .output()
        .await
        .expect("node is installed (scripts/test.sh installs it and runs npm ci)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["status"], 202, "{result}");
    let link = app.wait_for_mails(1).await[0].confirmation_link();
    app.confirm(&link).await;
    assert_eq!(app.count(LETTER).await, 1);
}

#[tokio::test]
async fn withdrawing_a_held_signature_leaves_nothing_waiting_in_the_log() {
    let app = TestApp::spawn().await;
    let slug = Slug::parse(LETTER).unwrap();
    undersign::publishing::watch_name(app.state(), &slug, "Public Figure").await.unwrap();
    app.sign_and_confirm(LETTER, "Public Figure", "pf@example.org", true).await;
    let link = app.wait_for_mails(1).await[0].confirmation_link();
    let response =
        app.client.post(format!("{link}/withdraw")).form(&[("erase", "true")]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let letter = app.letter_json(LETTER).await;
    assert_eq!((letter["count"].as_u64(), letter["withdrawals_pending"].as_u64()), (Some(0), Some(0)));
}

#[tokio::test]
async fn an_erased_signer_leaves_nothing_to_match_a_new_signature_against() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Anna Petrova", "anna.petrova@gmail.com", true).await;
    let link = app.wait_for_mails(1).await[0].confirmation_link();
    let response =
        app.client.post(format!("{link}/withdraw")).form(&[("erase", "true")]).send().await.unwrap();
    assert_eq!(response.status(), 303);

    let again = app.sign_api(LETTER, &body("Анна Петрова", "AnnaPetrova+again@googlemail.com")).await;
    assert_eq!(again.status(), 202);
    let duplicates: Vec<FlagKind> = flags(&app)
        .await
        .into_iter()
        .filter(|f| matches!(f, FlagKind::DuplicateName | FlagKind::DuplicateEmail))
        .collect();
    assert_eq!(duplicates, [], "neither the folded name nor the mailbox survived erasure");
}
