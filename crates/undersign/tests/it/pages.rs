//! Pages: languages, error pages, lists, withheld names.

use crate::helpers::{LETTER, TestApp};

#[tokio::test]
async fn the_language_switch_is_remembered_and_russian_plurals_are_right() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Анна", "a1@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 1);
    let english = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(english.contains("1 signature") && english.contains("lang=ru"));

    let switched = app.get(&format!("/letters/{LETTER}?lang=ru")).await;
    let cookie = switched.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lang=ru"), "{cookie}");
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "a session cookie: {cookie}");
    assert!(switched.text().await.unwrap().contains("1 подпись"));

    app.sign_and_confirm(LETTER, "Борис", "a2@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 2);
    let page = app.get_text_in("ru", &format!("/letters/{LETTER}")).await;
    assert!(page.contains("2 подписи"), "the cookie keeps Russian");
    assert!(page.contains("<html lang=\"ru\">"));
}

#[tokio::test]
async fn accept_language_chooses_russian_error_pages() {
    let app = TestApp::spawn().await;
    let response =
        app.client.get(app.url("/no/such/page")).header("accept-language", "ru").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Страница не найдена"));
    let english = app.get("/letters/no-such-letter").await;
    assert_eq!(english.status(), 404);
    assert!(english.text().await.unwrap().contains("Page not found"));
    let wrong_method = app.client.delete(app.url(&format!("/letters/{LETTER}"))).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
}

#[tokio::test]
async fn withheld_names_are_counted_but_not_listed() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Visible Person", "v@example.org", true).await;
    app.sign_and_confirm(LETTER, "Hidden Person", "h@example.org", false).await;
    assert_eq!(app.count(LETTER).await, 2);
    for path in [format!("/letters/{LETTER}"), format!("/letters/{LETTER}/signatures")] {
        let page = app.get_text(&path).await;
        assert!(page.contains("Visible Person"), "{path}");
        assert!(!page.contains("Hidden Person"), "{path}");
    }
}

#[tokio::test]
async fn the_signer_list_pages_by_keyset_newest_first() {
    let app = TestApp::spawn().await;
    seed_confirmed(&app, 150).await;
    let first = app.get_text(&format!("/letters/{LETTER}/signatures")).await;
    assert!(first.contains("Signer 150<") && first.contains("Signer 51<"));
    assert!(!first.contains("Signer 50<"));
    let older =
        first.split("rel=\"next\" href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    assert_eq!(older, format!("/letters/{LETTER}/signatures?before=51"));
    let second = app.get_text(&older).await;
    assert!(second.contains("Signer 50<") && second.contains("Signer 1<"));
    assert!(!second.contains("rel=\"next\""), "the last page has no further link");
    assert_eq!(app.get(&format!("/letters/{LETTER}/signatures?before=x")).await.status(), 400);
}

#[tokio::test]
async fn the_home_page_lists_letters_and_pages_use_only_our_own_assets() {
    let app = TestApp::spawn().await;
    let home = app.get_text("/").await;
    assert!(home.contains(&format!("/letters/{LETTER}")));
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    for path in ["/".to_owned(), format!("/letters/{LETTER}")] {
        let response = app.get(&path).await;
        assert!(
            response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'")
        );
        let page = response.text().await.unwrap();
        // Pages work without JavaScript; the one script is ours and only adds the
        // proof of work to the sign form.
        let scripts: Vec<&str> = page.split("<script").skip(1).collect();
        assert!(
            scripts.iter().all(|s| s.starts_with(" src=\"/static/altcha.js\" defer>")),
            "{path}: {scripts:?}"
        );
        for attr in ["src=\"http", "href=\"//", "src=\"//"] {
            assert!(!page.contains(attr), "{path} loads something from elsewhere ({attr})");
        }
    }
    assert_eq!(app.get_text("/healthz").await, "ok");
}

/// Stores confirmed signatures `Signer 1..=n` directly, as the demo does.
pub async fn seed_confirmed(app: &TestApp, n: usize) {
    seed_confirmed_in(app, 1..=n, None).await;
}

/// Confirmed, shown signers "Signer i" for each i, living in `city` if given.
pub async fn seed_confirmed_in(app: &TestApp, numbers: std::ops::RangeInclusive<usize>, city: Option<&str>) {
    use undersign::domain::{EmailAddress, Signer, Slug};
    use undersign::storage::{ImportedSignature, SealedSignature};
    let state = app.state();
    let letter = state.store.letter(&Slug::parse(LETTER).unwrap()).await.unwrap().unwrap();
    let wrapped = state.store.wrapped_letter_key(letter.id).await.unwrap().unwrap();
    let key = state.keys.unwrap_letter_key(LETTER, &wrapped).unwrap();
    let now = state.clock.now();
    let signatures = numbers
        .map(|i| {
            let email = EmailAddress::parse(&format!("s{i}@example.org")).unwrap();
            let email_lookup = state.keys.email_lookup(letter.id, &email);
            let email_sealed = key.seal_email(&email, &email_lookup).unwrap();
            ImportedSignature {
                signature: SealedSignature {
                    letter: letter.id,
                    email_lookup,
                    email_sealed,
                    email_canonical_lookup: state
                        .keys
                        .canonical_lookup(letter.id, &format!("s{i}@example.org")),
                    name_key: undersign::abuse::names::name_key(&format!("Signer {i}")),
                    flags: Vec::new(),
                    held: false,
                    verified_domain: None,
                    name: format!("Signer {i}"),
                    title: None,
                    affiliation: None,
                    city: city.map(str::to_owned),
                    country: None,
                    orcid: None,
                    signer: Signer::Person,
                    show_name: true,
                    language: undersign::i18n::Language::En,
                },
                confirmed_at: now,
            }
        })
        .collect();
    state.store.import_confirmed(signatures).await.unwrap();
}

#[tokio::test]
async fn an_internal_failure_shows_a_friendly_500_without_internals_and_is_logged() {
    let app = TestApp::spawn().await;
    let drop = if app.postgres.is_some() {
        "DROP TABLE signatures CASCADE"
    } else {
        "DROP TABLE mail_jobs; DROP TABLE signatures"
    };
    app.sql_execute(drop).await;
    let response = app.get(&format!("/letters/{LETTER}")).await;
    assert_eq!(response.status(), 500);
    let page = response.text().await.unwrap();
    assert!(page.contains("Something went wrong on our side"));
    assert!(!page.contains("signatures:") && !page.contains("no such table"), "no internals shown");
    let logs = crate::helpers::captured_logs();
    let line = logs.lines().find(|l| l.contains("internal error while rendering a page")).unwrap_or_default();
    // SQLite: "no such table: signatures"; PostgreSQL: relation "signatures" does not exist.
    let names_the_cause = line.contains("no such table: signatures")
        || (line.contains("signatures") && line.contains("does not exist"));
    assert!(names_the_cause, "the cause is logged: {line}");
}

#[tokio::test]
async fn an_unchanged_letter_page_answers_304_and_a_new_signature_changes_its_etag() {
    let app = TestApp::spawn().await;
    // Let the letter's text reach the log first: that too changes the page.
    while app.letter_json(LETTER).await["log_size"] == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let first = app.get(&format!("/letters/{LETTER}")).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url(&format!("/letters/{LETTER}")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    app.sign_and_confirm(LETTER, "New Signer", "new@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 1);
    let after = app
        .client
        .get(app.url(&format!("/letters/{LETTER}")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    assert!(after.text().await.unwrap().contains("New Signer"), "the cached page was refreshed");
}

#[tokio::test]
async fn the_badge_shows_the_live_count_in_the_readers_language() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Badge Signer", "badge@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 1);
    let badge = app.get(&format!("/letters/{LETTER}/badge.svg?lang=ru")).await;
    assert_eq!(badge.headers()["content-type"], "image/svg+xml");
    let svg = badge.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">подписей<") && svg.contains(">1<"), "{svg}");
    assert!(!svg.contains("<script"));
}

#[tokio::test]
async fn the_csv_export_streams_every_shown_signature_and_defuses_formulas() {
    let app = TestApp::spawn().await;
    seed_confirmed(&app, 4_500).await;
    app.sign_and_confirm(LETTER, "=HYPERLINK(\"x\")", "formula@example.org", true).await;
    app.sign_and_confirm(LETTER, "Hidden Person", "hidden@example.org", false).await;
    let response = app.get(&format!("/letters/{LETTER}/signatures.csv")).await;
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "number,name,title,affiliation,city,country,orcid,organisation,pledge");
    assert_eq!(lines.len(), 1 + 4_500 + 1, "every shown signature once, across several pages");
    assert!(lines[1].starts_with("4501,\"'=HYPERLINK"), "newest first, formula defused: {}", lines[1]);
    assert!(!text.contains("Hidden Person"));
    assert!(text.contains("\n1,Signer 1,"), "the oldest is there too");
}

#[tokio::test]
async fn readers_search_the_signer_list_by_name_affiliation_and_city() {
    let app = TestApp::spawn().await;
    seed_confirmed(&app, 50).await;
    for (name, email, show) in [
        ("Иван Иванов", "iv@example.org", true),
        ("Ivanka Trump", "it@example.org", false),
        ("Анна Петрова", "ap@example.org", true),
    ] {
        app.sign_and_confirm(LETTER, name, email, show).await;
    }
    let page = app.get_text(&format!("/letters/{LETTER}/signatures?q=иван")).await;
    assert!(page.contains("Иван Иванов") && !page.contains("Анна Петрова"), "prefix search on names");
    assert!(!page.contains("Ivanka"), "withheld names are not searchable");
    assert!(page.contains("One signature matches"));
    let two_words: serde_json::Value =
        app.get(&format!("/api/v1/letters/{LETTER}/signatures?q=signer%204")).await.json().await.unwrap();
    assert_eq!(two_words["matches"], 1, "whole words first: Signer 4, not Signer 40–49");
    let still_typing: serde_json::Value = app
        .get(&format!(
            "/api/v1/letters/{LETTER}/signatures?q=%D0%B8%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%20%D0%B8%D0%B2"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still_typing["matches"], 1,
        "when no whole word matches, the last word is a prefix (иванов ив)"
    );
    assert_eq!(still_typing["signatures"][0]["name"], "Иван Иванов");
    let partial_first: serde_json::Value =
        app.get(&format!("/api/v1/letters/{LETTER}/signatures?q=sig%204")).await.json().await.unwrap();
    assert_eq!(
        partial_first["signatures"].as_array().unwrap().len(),
        0,
        "only the last word is a prefix; earlier words match whole"
    );
    let hostile = app.get(&format!("/letters/{LETTER}/signatures?q=%22%20OR%20*%20NEAR(")).await;
    assert_eq!(hostile.status(), 200, "search syntax typed by a reader is harmless");

    let first: serde_json::Value =
        app.get(&format!("/api/v1/letters/{LETTER}/signatures?limit=20")).await.json().await.unwrap();
    assert_eq!(first["signatures"].as_array().unwrap().len(), 20);
    let next = first["next_before"].as_u64().unwrap();
    let second: serde_json::Value = app
        .get(&format!("/api/v1/letters/{LETTER}/signatures?limit=20&before={next}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["signatures"][0]["number"].as_u64(), Some(next - 1));
    assert_eq!(app.get(&format!("/api/v1/letters/{LETTER}/signatures?limit=x")).await.status(), 400);
}

#[tokio::test]
async fn the_home_page_is_served_from_memory_until_a_letter_is_published() {
    let app = TestApp::spawn().await;
    let first = app.get("/").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let html = first.text().await.unwrap();
    assert!(!html.contains("Letter fresh-letter"));
    let again = app.client.get(app.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304, "nothing changed");

    app.publish("fresh-letter", false).await;
    let after = app.client.get(app.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(after.status(), 200, "a new letter is a new page");
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    assert!(after.text().await.unwrap().contains("Letter fresh-letter"));
}

#[tokio::test]
async fn pages_that_carry_a_token_are_never_cached_nor_referred() {
    let app = TestApp::spawn().await;
    let response =
        app.sign_form(LETTER, &[("name", "Anna"), ("email", "anna@example.org"), ("consent", "true")]).await;
    assert_eq!(response.status(), 303);
    let check_email = response.headers()["location"].to_str().unwrap().to_owned();
    let link = app.wait_for_mails(1).await[0].confirmation_link();
    let path = link.split_once("/confirm/").map(|(_, token)| format!("/confirm/{token}")).unwrap();
    for page in [
        check_email.clone(),
        path.clone(),
        format!("{path}/withdraw"),
        format!("/letters/{LETTER}/signatures/1/report"),
    ] {
        let response = app.get(&page).await;
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store", "{page}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{page}");
    }
    let letter = app.get(&format!("/letters/{LETTER}")).await;
    assert_ne!(letter.headers()["cache-control"], "no-store", "public pages may be revalidated");
}

#[tokio::test]
async fn a_search_tells_the_true_number_of_matches_and_pages_through_every_one() {
    let app = TestApp::spawn().await;
    seed_confirmed_in(&app, 1..=60, Some("Moscow")).await;
    seed_confirmed_in(&app, 61..=310, Some("Penza")).await;
    seed_confirmed_in(&app, 311..=340, Some("Penzance")).await;
    app.sign_and_confirm(LETTER, "Olga Penza", "olga@example.org", true).await;
    app.sign_and_confirm(LETTER, "Hidden Person", "hidden@example.org", false).await;
    assert_eq!(app.count(LETTER).await, 342);

    // The page: the true total, and keyset pages that keep the search.
    let mut page = app.get_text(&format!("/letters/{LETTER}/signatures?q=Penza")).await;
    assert!(page.contains("251 signatures match “Penza”"), "the true total, not a capped one");
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..10 {
        for number in page.match_indices("Signer ").map(|(i, _)| &page[i + 7..]) {
            let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<usize>() {
                seen.insert(n);
            }
        }
        let Some(at) = page.find("rel=\"next\" href=\"") else { break };
        let href = page[at + 17..].split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
        assert!(href.contains("q=Penza"), "the next page keeps the search: {href}");
        page = app.get_text(&href).await;
    }
    assert_eq!(seen, (61..=310).collect(), "every signer in Penza, on some page, once");

    // The API: the same total and keyset pages through every match.
    let mut names = Vec::new();
    let mut next = String::new();
    loop {
        let json: serde_json::Value = app
            .get(&format!("/api/v1/letters/{LETTER}/signatures?q=penza&limit=100{next}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(json["matches"], 251);
        assert_eq!(json["matches_exact"], true);
        names.extend(
            json["signatures"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()),
        );
        match json["next_before"].as_u64() {
            Some(before) => next = format!("&before={before}"),
            None => break,
        }
    }
    assert_eq!(names.len(), 251);
    assert_eq!(names[0], "Olga Penza", "newest first");
    assert!(!names.iter().any(|n| n == "Hidden Person"));

    // The CSV: exactly what was searched.
    let csv = app.get_text(&format!("/letters/{LETTER}/signatures.csv?q=Penza")).await;
    assert_eq!(csv.lines().count(), 1 + 251, "a header and every match");
    assert!(csv.lines().skip(1).all(|l| l.contains("Penza")));
    let all = app.get_text(&format!("/letters/{LETTER}/signatures.csv")).await;
    assert_eq!(all.lines().count(), 1 + 341, "without a search, every shown signature");
}

#[tokio::test]
async fn a_letter_page_links_its_campaign_list_csv_badge_and_proof_and_counts_hidden_signers() {
    let app = TestApp::spawn_empty().await;
    undersign::demo::load(app.state()).await.unwrap();
    assert!(app.count("demo-teachers").await > 0);
    let page = app.get_text("/letters/demo-teachers").await;
    for link in [
        "href=\"/campaigns/",
        "href=\"/letters/demo-teachers/signatures\"",
        "href=\"/letters/demo-teachers/signatures.csv\"",
        "href=\"/letters/demo-teachers/verify\"",
        "src=\"/letters/demo-teachers/badge.svg\"",
    ] {
        assert!(page.contains(link), "the letter page has {link}");
    }
    let snippet = page.split("id=\"badge-code\"").nth(1).unwrap_or_default();
    assert!(
        snippet.contains("&#60;img src=") || snippet.contains("&lt;img src="),
        "a snippet to copy: {snippet:.200}"
    );
    let letter = app.letter_json("demo-teachers").await;
    assert!(page.contains("asked to be counted without their names being shown"), "the demo withholds some");
    let home = app.get_text("/").await;
    assert!(!home.contains("<title>undersign · undersign</title>"), "no doubled title");

    let slug = undersign::domain::Slug::parse("demo-teachers").unwrap();
    undersign::publishing::close_letter(app.state(), &slug).await.unwrap();
    let home = app.get_text("/").await;
    assert!(home.contains("Closed on "), "closed with its date");
    let campaign = app.get_text(&format!("/campaigns/{}", letter["campaign"].as_str().unwrap())).await;
    assert!(campaign.contains("Closed on "), "the campaign page shows it closed too");
    let russian = app.get_text("/?lang=ru").await;
    assert!(russian.contains("Закрыто "));
}

#[tokio::test]
async fn a_search_counts_exactly_up_to_a_bound_and_says_more_than_above_it() {
    use undersign::storage::MatchCount;
    let app = TestApp::spawn().await;
    seed_confirmed_in(&app, 1..=150, Some("Penza")).await;
    let store = &app.state().store;
    let letter = store.letter(&undersign::domain::Slug::parse(LETTER).unwrap()).await.unwrap().unwrap();
    let words = ["penza".to_owned()];
    let bounded = store.search_signatures(letter.id, &words, None, 10, 100).await.unwrap();
    assert_eq!(bounded.matches, MatchCount::MoreThan(100));
    assert_eq!(bounded.rows.len(), 10, "the page itself is whole");
    let exact = store.search_signatures(letter.id, &words, None, 10, 150).await.unwrap();
    assert_eq!(exact.matches, MatchCount::Exactly(150), "at the bound it is still exact");
    let page = app.get_text(&format!("/letters/{LETTER}/signatures?q=penza")).await;
    assert!(page.contains("150 signatures match"), "under the page's bound the count is exact");
}
