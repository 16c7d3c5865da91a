//! `undersign migrate`: the demo instance moved from SQLite to PostgreSQL keeps
//! every letter's signed checkpoint, count and search, and verifies there.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Server, TestPostgres, free_port};

fn migrate(data: &std::path::Path, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_undersign"))
        .args(["migrate", "--data"])
        .arg(data)
        .args(["--to", to])
        .output()
        .unwrap()
}

/// Every letter's slug, latest checkpoint note and counts, as served.
async fn letters_as_served(server: &Server) -> Vec<(String, String, serde_json::Value)> {
    let mut letters = Vec::new();
    for letter in server.json("/api/v1/letters").await["letters"].as_array().unwrap() {
        let slug = letter["slug"].as_str().unwrap().to_owned();
        let checkpoint = server.text(&format!("/letters/{slug}/log/checkpoint")).await;
        let letter = &server.json(&format!("/api/v1/letters/{slug}")).await["letter"];
        // Not the whole JSON: its links name the node's own address.
        let counts = serde_json::json!({
            "count": letter["count"], "log_size": letter["log_size"], "being_added": letter["being_added"],
            "organisation_count": letter["organisation_count"], "title": letter["title"],
            "withdrawals_pending": letter["withdrawals_pending"], "status": letter["status"],
        });
        letters.push((slug, checkpoint, counts));
    }
    letters.sort_by(|a, b| a.0.cmp(&b.0));
    letters
}

async fn search_count(server: &Server, query: &str) -> String {
    let page = server.text(&format!("/letters/demo-scientists/signatures?q={query}")).await;
    let at = page.find(" match").unwrap_or_else(|| panic!("no match count on the search page"));
    page[..at].rsplit(|c: char| !c.is_ascii_digit()).next().unwrap().to_owned()
}

#[tokio::test]
async fn the_demo_moves_to_postgresql_with_the_same_checkpoints() {
    let data = tempfile::tempdir().unwrap();
    let mut sqlite_node = Server::start_demo(data.path(), free_port()).await;
    // Wait until the demo is loaded and every letter's log has caught up.
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(response) = reqwest::get(format!("{}/api/v1/letters", sqlite_node.base)).await
            && let Ok(json) = response.json::<serde_json::Value>().await
            && let Some(letters) = json["letters"].as_array()
            && letters.len() >= 6
            && letters.iter().all(|l| l["being_added"] == 0 && l["count"].as_u64() > Some(0))
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the demo was loaded and integrated");
    let before = letters_as_served(&sqlite_node).await;
    let searches = [search_count(&sqlite_node, "Ivanov").await, search_count(&sqlite_node, "иванов").await];
    sqlite_node.terminate();

    let postgres = TestPostgres::new("migrate").await;
    let output = migrate(data.path(), &postgres.url);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}\n{}", String::from_utf8_lossy(&output.stderr));
    // Off a terminal, a plain line per table.
    assert!(String::from_utf8_lossy(&output.stderr).contains("copied signatures: "));
    for (slug, checkpoint, count) in &before {
        let root = checkpoint.lines().nth(2).unwrap();
        let size = checkpoint.lines().nth(1).unwrap();
        let line = said.lines().find(|l| l.starts_with(&format!("{slug}: "))).unwrap();
        assert!(
            line.contains(&format!(
                "checkpoint size {size}, count {}, root {root}: the same in both",
                count["count"]
            )),
            "{line}"
        );
    }

    // A second run refuses the database, which now holds the instance.
    let again = migrate(data.path(), &postgres.url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    // The instance served from PostgreSQL (same data folder, so the same keys).
    let node = Server::start(data.path(), free_port(), Some(&postgres.url)).await;
    assert_eq!(letters_as_served(&node).await, before, "the same signed checkpoints and counts");
    assert_eq!([search_count(&node, "Ivanov").await, search_count(&node, "иванов").await], searches);
    assert_ne!(searches[0], "0", "the search found someone");
    for (slug, _, _) in &before {
        let key = node.text(&format!("/letters/{slug}/log/key")).await;
        let verify = Command::new(env!("CARGO_BIN_EXE_undersign"))
            .args(["verify", &node.base, "--letter", slug, "--key", key.trim()])
            .output()
            .unwrap();
        assert!(verify.status.success(), "{slug}: {}", String::from_utf8_lossy(&verify.stderr));
    }
}
