//! No plaintext e-mail address in the database, its WAL or the logs; no token in logs.

use crate::helpers::{LETTER, TestApp, captured_logs};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_address_or_token_reaches_the_database_files_or_the_logs() {
    let app = TestApp::spawn().await;
    let email = "very.private.person@example.org";
    app.sign_and_confirm(LETTER, "Private Person", email, false).await;
    // A repeat signature exercises the duplicate path and its mail too.
    let api = serde_json::json!({"name": "Private Person", "email": email, "consent": true});
    assert_eq!(app.sign_api(LETTER, &api).await.status(), 202);
    let mails = app.wait_for_mails(2).await;
    let link = mails[0].confirmation_link();
    let token = link.rsplit('/').next().unwrap().to_owned();

    let mut checked = 0;
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("undersign.sqlite3") {
            let bytes = std::fs::read(&path).unwrap();
            assert!(!contains(&bytes, email), "{name} holds the address");
            assert!(!contains(&bytes, "very.private.person"), "{name} holds the local part");
            assert!(!contains(&bytes, &token), "{name} holds the plain token");
            checked += 1;
        }
    }
    assert!(checked >= 2, "the database and its WAL were checked ({checked} files)");

    let logs = captured_logs();
    assert!(logs.contains("signature received"), "the logs were captured");
    assert!(!logs.contains("very.private.person"), "the logs hold the address");
    assert!(!logs.contains(&token), "the logs hold the token");
    assert!(!logs.contains("Private Person"), "the logs hold the name");
}
