//! Prometheus metrics on their own address: off unless configured, counting
//! what happened by route, status and letter, and never naming a person.

use crate::helpers::{LETTER, TestApp};

/// The value of an unlabelled sample, or of the one whose labels contain `labels`.
fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| {
            line.split([' ', '{']).next() == Some(name) && (labels.is_empty() || line.contains(labels))
        })
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn metrics_are_off_unless_an_address_is_configured() {
    let app = TestApp::spawn().await;
    assert!(app.metrics_url().is_none());
    assert_eq!(app.get("/metrics").await.status(), 404, "never on the public address");
}

#[tokio::test]
async fn metrics_count_requests_signatures_and_the_outbox_without_personal_data() {
    let app =
        TestApp::spawn_with(|config| config.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let url = app.metrics_url().expect("metrics are served");
    app.sign_and_confirm(LETTER, "Ada Lovelace", "ada@example.org", true).await;
    assert_eq!(app.get(&format!("/letters/{LETTER}")).await.status(), 200);
    assert_eq!(app.get("/letters/no-such-letter").await.status(), 404);

    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "a complete exposition");
    assert_eq!(sample(&text, "undersign_signatures_received_total", ""), Some(1.0), "{text}");
    assert_eq!(sample(&text, "undersign_signatures_confirmed_total", ""), Some(1.0));
    let page = r#"route="/letters/{slug}",status="200""#;
    assert!(sample(&text, "undersign_http_request_duration_seconds_count", page) >= Some(1.0), "{text}");
    let missing = r#"route="/letters/{slug}",status="404""#;
    assert_eq!(sample(&text, "undersign_http_request_duration_seconds_count", missing), Some(1.0));
    let letter = format!(r#"letter="{LETTER}""#);
    assert!(sample(&text, "undersign_checkpoint_age_seconds", &letter).is_some(), "{text}");
    assert!(sample(&text, "undersign_log_integration_lag_seconds", &letter).is_some());
    assert!(sample(&text, "undersign_outbox_depth", "").is_some());
    assert!(sample(&text, "undersign_commit_batch_size_count", "engine=").is_some_and(|n| n >= 1.0));
    for personal in ["Ada", "Lovelace", "ada@example.org", "127.0.0.1"] {
        assert!(!text.contains(personal), "metrics name no person or address: {personal}");
    }
    // The confirmation was counted under its route's pattern, not its path
    // (which holds the token).
    assert!(text.contains(r#"route="/confirm/{token}""#), "{text}");
    assert!(text.lines().filter(|l| l.contains("route=\"/confirm/")).all(|l| l.contains("/confirm/{token}")));
}
