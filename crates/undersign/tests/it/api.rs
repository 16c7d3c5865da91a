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
