//! The JSON API v1.

use serde_json::{Value, json};

use crate::helpers::{LETTER, TestApp};

fn valid(email: &str) -> Value {
    json!({"name": "Ivan Ivanov", "email": email, "title": "Teacher", "affiliation": "School 57",
           "city": "Moscow", "country": "Russia", "orcid": null, "organisation": false,
           "pledge": null, "show_name": true, "consent": true})
}

#[tokio::test]
async fn letters_are_listed_and_shown_with_their_count() {
    let app = TestApp::spawn().await;
    let list: Value = app.get("/api/v1/letters").await.json().await.unwrap();
    let letter = &list["letters"][0];
    for key in ["slug", "title", "community", "language", "status", "count"] {
        assert!(letter.get(key).is_some(), "list item has {key}");
    }
    assert_eq!(letter["slug"], LETTER);
    let one: Value = app.get(&format!("/api/v1/letters/{LETTER}")).await.json().await.unwrap();
    assert_eq!(one["letter"]["addressee"], "To the court");
    assert_eq!(one["letter"]["status"], "published");
    assert_eq!(one["letter"]["count"], 0);
}

#[tokio::test]
async fn a_json_signature_is_accepted_and_a_duplicate_gets_the_same_answer() {
    let app = TestApp::spawn().await;
    let first = app.sign_api(LETTER, &valid("ivan@example.org")).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first, json!({"ok": true}));
    let again = app.sign_api(LETTER, &valid("ivan@example.org")).await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let mails = app.wait_for_mails(2).await;
    app.confirm(&mails[1].confirmation_link()).await;
    assert_eq!(app.count(LETTER).await, 1);
}

#[tokio::test]
async fn validation_errors_are_listed_per_field_in_the_requested_language() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "", "email": "nope", "orcid": "0000-0002-1825-0098", "consent": false});
    let response = app.sign_api(LETTER, &body).await;
    assert_eq!(response.status(), 400);
    let json: Value = response.json().await.unwrap();
    let fields: Vec<&str> =
        json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "email", "orcid", "consent"]);
    assert_eq!(json["errors"][0]["detail"], "Please enter your name.");

    let russian = app
        .client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .header("accept-language", "ru")
        .json(&body)
        .send()
        .await
        .unwrap();
    let json: Value = russian.json().await.unwrap();
    assert_eq!(json["errors"][0]["detail"], "Пожалуйста, укажите имя.");
}

#[tokio::test]
async fn malformed_requests_get_clear_statuses_in_one_error_shape() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/letters/{LETTER}/signatures");
    let post = |content_type: &'static str, body: String| {
        app.client.post(app.url(&path)).header("content-type", content_type).body(body).send()
    };
    let cases = [
        (
            post("text/plain", valid("a@example.org").to_string()).await.unwrap(),
            415,
            "unsupported_media_type",
        ),
        (post("application/json", "{\"name\": ".into()).await.unwrap(), 400, "malformed_json"),
        (
            post("application/json", "{\"emial\": \"a@example.org\"}".into()).await.unwrap(),
            400,
            "invalid_body",
        ),
        (post("application/json", "{\"consent\": \"yes\"}".into()).await.unwrap(), 400, "invalid_body"),
        (
            post("application/json", format!("{{\"name\": \"{}\"}}", "x".repeat(20_000))).await.unwrap(),
            413,
            "payload_too_large",
        ),
    ];
    for (response, status, code) in cases {
        assert_eq!(response.status(), status, "{code}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["errors"][0]["code"], code);
        assert!(!json["errors"][0]["detail"].as_str().unwrap().is_empty());
    }
    let unknown = app.sign_api("no-such-letter", &valid("a@example.org")).await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["errors"][0]["code"], "letter_not_found");
    let bad_slug = app.get("/api/v1/letters/NOT%20A%20SLUG").await;
    assert_eq!(bad_slug.status(), 404);
    let nowhere = app.get("/api/v1/nowhere").await;
    assert_eq!(nowhere.status(), 404);
    assert_eq!(nowhere.json::<Value>().await.unwrap()["errors"][0]["code"], "not_found");
    assert_eq!(app.count(LETTER).await, 0);
}

#[tokio::test]
async fn a_closed_letter_answers_409() {
    let app = TestApp::spawn().await;
    let slug = undersign::domain::Slug::parse(LETTER).unwrap();
    undersign::publishing::close_letter(app.state(), &slug).await.unwrap();
    let response = app.sign_api(LETTER, &valid("late@example.org")).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.json::<Value>().await.unwrap()["errors"][0]["code"], "letter_closed");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in undersign::web::API_ROUTES {
        assert!(doc["paths"][path][method].is_object(), "openapi.json lacks {method} {path}");
    }
    let documented: usize =
        doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        undersign::web::API_ROUTES.len(),
        "openapi.json documents a route that does not exist"
    );
}

#[tokio::test]
async fn a_signature_body_that_is_not_an_object_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/letters/{LETTER}/signatures");
    // The same fields by position, as serde would have read them into the struct.
    let as_array =
        json!(["Ivan Ivanov", "ivan@example.org", null, null, null, null, null, false, null, true, true]);
    for body in [as_array, json!("text"), json!(7), json!(null)] {
        let response = app.client.post(app.url(&path)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["errors"][0]["code"], "invalid_body", "{body}");
    }
    // A valid signature after them is the only one that gets a mail.
    assert_eq!(app.sign_api(LETTER, &valid("after@example.org")).await.status(), 202);
    let mails = app.wait_for_mails(1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].to.contains("after@example.org"));
}

#[tokio::test]
async fn every_api_error_has_the_json_shape() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Ivan Ivanov", "ivan@example.org", true).await;
    let cases = [
        (app.get(&format!("/api/v1/letters/{LETTER}/log/inclusion?index=0&size=1&size=2")).await, 400),
        (app.get(&format!("/api/v1/letters/{LETTER}/log/consistency?from=1&from=1&to=1")).await, 400),
        (app.get(&format!("/api/v1/letters/{LETTER}/signatures?limit=5&limit=6")).await, 400),
        (app.get(&format!("/api/v1/letters/{LETTER}/signatures?before=-1")).await, 400),
        (app.client.delete(app.url(&format!("/api/v1/letters/{LETTER}"))).send().await.unwrap(), 405),
        (app.client.put(app.url("/api/v1/letters")).send().await.unwrap(), 405),
    ];
    for (response, status) in cases {
        assert_eq!(response.status(), status);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("application/json"), "{content_type}");
        let json: Value = response.json().await.unwrap();
        assert!(!json["errors"][0]["code"].as_str().unwrap().is_empty());
        assert!(!json["errors"][0]["detail"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_malformed_or_unknown_token_is_refused_and_the_scheme_is_case_insensitive() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/letters/{LETTER}/signatures");
    for header in ["Bearer nope", "bearer nope", "Basic aXZhbjpwYXNz", "Bearer", "nonsense"] {
        let response = app
            .client
            .post(app.url(&path))
            .header("authorization", header)
            .json(&valid("ivan@example.org"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        assert_eq!(response.json::<Value>().await.unwrap()["errors"][0]["code"], "unknown_token");
    }
    let token = undersign::publishing::create_api_token(app.state(), "import").await.unwrap();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = app
            .client
            .post(app.url(&path))
            .header("authorization", format!("{scheme} {}", token.expose()))
            .json(&valid(&format!("{}@example.org", scheme.to_lowercase())))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "{scheme}");
    }
}

#[tokio::test]
async fn the_records_cap_holds_for_every_range_and_huge_numbers_are_refused() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.sign_and_confirm(LETTER, &format!("Signer {i}"), &format!("s{i}@example.org"), true).await;
    }
    assert_eq!(app.count(LETTER).await, 3, "all three are in the log");
    let records = |query: String| {
        let app = &app;
        async move { app.get(&format!("/letters/{LETTER}/log/records?{query}")).await }
    };
    let max = u64::MAX;
    let at_the_end = records(format!("from={}&to={}", i64::MAX, i64::MAX)).await;
    assert_eq!(at_the_end.status(), 200);
    assert_eq!(at_the_end.json::<Value>().await.unwrap(), json!([]));
    let past_the_end = records("from=10&to=20".to_owned()).await;
    assert_eq!(past_the_end.json::<Value>().await.unwrap(), json!([]));
    for query in [format!("from={max}&to={max}"), format!("from=0&to={max}"), "from=-1&to=1".to_owned()] {
        let response = records(query.clone()).await;
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(response.json::<Value>().await.unwrap()["errors"][0]["code"], "invalid_parameter");
    }
    let all = records("from=0&to=4".to_owned()).await.json::<Value>().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 4, "the text and three signatures");
    let one = app.get(&format!("/letters/{LETTER}/log/records/{max}")).await;
    assert_eq!(one.status(), 404);
}
