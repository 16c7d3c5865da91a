//! Per-network limits: a friendly 429 with Retry-After, on the page and in the API.

use serde_json::{Value, json};
use undersign::config::SignLimits;

use crate::helpers::{LETTER, TestApp, pairs, valid_form};

async fn limited_app(header: Option<&str>) -> TestApp {
    let header = header.map(str::to_owned);
    TestApp::spawn_with(move |config| {
        config.limits = SignLimits {
            per_hour_per_network: 1,
            burst_per_network: 2,
            no_js_per_hour_per_network: 1,
            no_js_burst_per_network: 2,
            ..config.limits
        };
        config.client_ip_header = header;
    })
    .await
}

#[tokio::test]
async fn a_network_over_its_limit_gets_a_429_page_that_says_when_to_come_back() {
    let app = limited_app(None).await;
    for i in 0..2 {
        let form = valid_form(&format!("n{i}@example.org"));
        assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303);
    }
    let form = valid_form("n3@example.org");
    let response = app.sign_form(LETTER, &pairs(&form)).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&retry_after), "about an hour: {retry_after}");
    let page = response.text().await.unwrap();
    assert!(page.contains("Too many signatures came from your network"), "the real reason, at the form");
    assert!(page.contains("in about 60 minutes"), "the wait in words");
    assert!(page.contains("value=\"n3@example.org\""), "what was typed is kept");
    assert!(page.contains("action=\"/letters/test-letter/sign#sign\""), "the form is where the eye is");

    for i in 0..2 {
        let body = json!({"name": "Anna", "email": format!("api{i}@example.org"), "consent": true});
        assert_eq!(
            app.sign_api(LETTER, &body).await.status(),
            202,
            "the proof-of-work channel has its own budget"
        );
    }
    let altcha = app.solve_challenge(LETTER).await.unwrap();
    let api = app
        .client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .header("accept-language", "ru")
        .json(&json!({"name": "Anna", "email": "n4@example.org", "consent": true, "altcha": altcha}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "rate_limited");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("60 минут"));
}

#[tokio::test]
async fn behind_a_proxy_each_client_network_has_its_own_budget() {
    let app = limited_app(Some("x-real-ip")).await;
    let sign = |ip: &'static str, email: String| {
        let form = valid_form(&email);
        let client = app.client.clone();
        let url = app.url(&format!("/letters/{LETTER}/sign"));
        async move { client.post(url).header("x-real-ip", ip).form(&pairs(&form)).send().await.unwrap().status() }
    };
    assert_eq!(sign("203.0.113.5", "a1@example.org".into()).await, 303);
    assert_eq!(sign("203.0.113.99", "a2@example.org".into()).await, 303);
    assert_eq!(sign("203.0.113.7", "a3@example.org".into()).await, 429, "same /24");
    assert_eq!(sign("198.51.100.7", "b1@example.org".into()).await, 303, "another network");
}
