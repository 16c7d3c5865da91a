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
    let mut check = |name: &str, bytes: &[u8]| {
        assert!(!contains(bytes, email), "{name} holds the address");
        assert!(!contains(bytes, "very.private.person"), "{name} holds the local part");
        assert!(!contains(bytes, &token), "{name} holds the plain token");
        assert!(contains(bytes, "Private Person"), "{name} holds the signature at all");
        checked += 1;
    };
    match &app.postgres {
        // Everything the server holds, as an operator's backup would have it.
        Some(database) => {
            let dump = std::process::Command::new("pg_dump")
                .args(["--dbname", &database.url, "--no-owner"])
                .output()
                .expect("pg_dump (postgresql-client) is installed");
            assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
            check("the pg_dump", &dump.stdout);
        }
        None => {
            // The database, its WAL and shared-memory file together: checkpointed
            // or not, the newest pages are in one of them.
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(app.dir.path()).unwrap() {
                let path = entry.unwrap().path();
                if path.file_name().unwrap().to_string_lossy().starts_with("undersign.sqlite3") {
                    bytes.extend(std::fs::read(&path).unwrap());
                }
            }
            check("the database files", &bytes);
        }
    }
    assert_eq!(checked, 1, "the stored data was checked");

    let logs = captured_logs();
    assert!(logs.contains("signature received"), "the logs were captured");
    assert!(!logs.contains("very.private.person"), "the logs hold the address");
    assert!(!logs.contains(&token), "the logs hold the token");
    assert!(!logs.contains("Private Person"), "the logs hold the name");
}

/// The log lines one request wrote, without what always differs (time, latency).
fn request_lines(logs: &str, route: &str) -> Vec<serde_json::Value> {
    logs.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l.to_string().contains(route))
        .map(|mut l| {
            l.as_object_mut().unwrap().remove("timestamp");
            l["fields"].as_object_mut().map(|f| f.remove("latency"));
            l
        })
        .collect()
}

#[tokio::test]
async fn the_server_log_does_not_tell_a_repeated_signature_from_a_first_one() {
    let app = TestApp::spawn().await;
    let route = "/api/v1/letters/{slug}/signatures";
    let body = |email: &str| serde_json::json!({"name": "Anna Petrova", "email": email, "consent": true});
    let mut seen = Vec::new();
    for (i, email) in ["anna@example.org", "anna@example.org", "other@example.org"].iter().enumerate() {
        let before = captured_logs().len();
        assert_eq!(app.sign_api(LETTER, &body(email)).await.status(), 202);
        app.wait_for_mails(i + 1).await;
        let logs = captured_logs()[before..].to_owned();
        seen.push(request_lines(&logs, route));
    }
    assert!(!seen[0].is_empty(), "the request was logged");
    assert_eq!(seen[1], seen[0], "a repeat is logged exactly as a first signature");
    assert_eq!(seen[2], seen[0], "and as another person's");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_everything_in_it_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Anna Petrova", "anna@example.org", true).await;
    let mut checked = 0;
    let mut folders = vec![app.dir.path().to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            if path.is_dir() {
                assert_eq!(mode, 0o700, "{}", path.display());
                folders.push(path);
            } else {
                assert_eq!(mode, 0o600, "{}", path.display());
            }
            checked += 1;
        }
    }
    // On PostgreSQL the data folder holds the keys and the outbox only.
    let expected: &[&str] = match app.postgres {
        Some(_) => &["outbox", "keys"],
        None => &["undersign.sqlite3", "undersign.sqlite3-wal", "outbox", "keys"],
    };
    let missing: Vec<_> = expected.iter().filter(|n| !app.dir.path().join(n).exists()).collect();
    assert!(missing.is_empty(), "{missing:?} were not there to check");
    assert!(checked >= expected.len() + 3, "{checked} files and folders checked");
}
