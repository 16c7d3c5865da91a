//! Several nodes on one PostgreSQL database (run when the tests run on
//! PostgreSQL): what one node takes, every node counts, proves and shows.

use crate::helpers::{LETTER, TestApp, on_postgres};

#[tokio::test]
#[ignore = "several nodes need PostgreSQL: scripts/test.sh runs it in the PostgreSQL pass"]
async fn two_nodes_share_signatures_the_log_and_the_count() {
    assert!(on_postgres(), "run with UNDERSIGN_TEST_DATABASE=postgres");
    let first = TestApp::spawn().await;
    let second = first.spawn_peer().await;
    // Signatures and confirmations arrive at either node.
    for i in 0..6 {
        let node = if i % 2 == 0 { &first } else { &second };
        node.sign_and_confirm(LETTER, &format!("Signer {i}"), &format!("signer{i}@example.org"), true).await;
    }
    // A signature taken by one node and confirmed through the other.
    let response = first
        .sign_form(
            LETTER,
            &[
                ("name", "Across"),
                ("email", "across@example.org"),
                ("show_name", "true"),
                ("consent", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // The nodes share one outbox folder: whichever node's worker sent it.
    let link = first
        .wait_for_mails(7)
        .await
        .iter()
        .find(|m| m.to == "across@example.org")
        .unwrap()
        .confirmation_link();
    // The link names the node's public address; the other node answers it too.
    let path = link.split_once("/confirm/").map(|(_, token)| format!("/confirm/{token}")).unwrap();
    let confirmed = second.client.post(second.url(&path)).send().await.unwrap();
    assert_eq!(confirmed.status(), 303);

    assert_eq!(first.count(LETTER).await, 7);
    // The other node shows the same count within a second or two.
    let mut seen = 0;
    for _ in 0..40 {
        seen = second.count(LETTER).await;
        if seen == 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, 7, "every node counts every confirmation once");
    // Both serve the one checkpoint, and proofs for leaves the other integrated.
    let checkpoint = |app: &TestApp| {
        let url = app.url(&format!("/letters/{LETTER}/log/checkpoint"));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let (a, b) = (checkpoint(&first).await, checkpoint(&second).await);
    assert_eq!(a, b, "one log, one checkpoint, whichever node is asked");
    let size: u64 = a.lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(size, 8, "the text and seven signatures, each once");
    for app in [&first, &second] {
        for index in 0..size {
            let proof =
                app.get(&format!("/api/v1/letters/{LETTER}/log/inclusion?index={index}&size={size}")).await;
            assert_eq!(proof.status(), 200, "leaf {index} is provable on every node");
        }
    }
    // Whichever node held the letter's lease stops (a deploy): the other one
    // integrates from now on, at once, without waiting for the lease to run out.
    first.stop().await;
    second.sign_and_confirm(LETTER, "After", "after@example.org", true).await;
    assert_eq!(second.count(LETTER).await, 8, "the remaining node carries on");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test.sh runs it in the PostgreSQL pass"]
async fn a_node_cut_off_from_the_database_answers_503_and_recovers_by_itself() {
    assert!(on_postgres(), "run with UNDERSIGN_TEST_DATABASE=postgres");
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Anna Ivanova", "anna@example.org", true).await;
    let search = format!("/letters/{LETTER}/signatures?q=anna");
    assert_eq!(app.get(&search).await.status(), 200);
    let database = app.postgres.clone().unwrap();
    // Cut the node off: its connections end and no new one is let in.
    let admin = database.admin().await;
    admin
        .batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", database.name))
        .await
        .unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&database.name],
        )
        .await
        .unwrap();
    let cut = app.get(&search).await;
    assert_eq!(cut.status(), 503, "no page pretends all is well, none fails with a 500");
    assert!(cut.headers().contains_key("retry-after"));
    let api = app.get(&format!("/api/v1/letters/{LETTER}/signatures?q=anna")).await;
    assert_eq!(api.status(), 503, "the API says so too");
    // The database comes back: the node recovers without a restart.
    admin
        .batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", database.name))
        .await
        .unwrap();
    let mut status = 0;
    for _ in 0..100 {
        status = app.get(&search).await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "back within ten seconds");
    app.sign_and_confirm(LETTER, "Boris Petrov", "boris@example.org", true).await;
    assert_eq!(app.count(LETTER).await, 2, "nothing acknowledged was lost");
}

#[tokio::test]
#[ignore = "several nodes need PostgreSQL: scripts/test.sh runs it in the PostgreSQL pass"]
async fn a_node_with_other_key_files_refuses_to_start() {
    assert!(on_postgres(), "run with UNDERSIGN_TEST_DATABASE=postgres");
    let first = TestApp::spawn().await;
    let database = first.postgres.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Its own, new key files: the first start of a careless second node.
    let mut config = undersign::config::Config::for_data_dir(dir.path(), "127.0.0.1:0".parse().unwrap());
    config.database = undersign::config::Database::Postgres(database.url.clone());
    let clock = std::sync::Arc::new(undersign::clock::ManualClock::default());
    let refused = undersign::state::AppState::open(config, clock).await.err().expect("refused");
    let message = format!("{refused:#}");
    assert!(message.contains("not the ones this database was first used with"), "{message}");
    assert!(message.contains("instance.key") && message.contains("log.key"), "{message}");
    assert_eq!(first.get(&format!("/letters/{LETTER}")).await.status(), 200, "the first node is untouched");
}
