//! The letter log against the running server: counts, receipts, withdrawals,
//! endpoints, `verify` on the live site and on a static export, and tampering.

use std::path::Path;

use letterlog::checkpoint::Checkpoint;
use letterlog::hash::Hash;
use letterlog::note::NoteSigner;
use letterlog::proof::{verify_consistency, verify_inclusion};
use letterlog::tiles::{decode_entry_bundle, encode_entry_bundle};
use letterlog::{LeafIndex, TreeSize};
use serde_json::Value;
use time::Duration;
use undersign::verify::{Source, VerifyError, verify};

use crate::helpers::{LETTER, TestApp, pairs, valid_form};

async fn vkey(app: &TestApp, slug: &str) -> String {
    app.get_text(&format!("/letters/{slug}/log/key")).await.trim().to_owned()
}

async fn verify_live(app: &TestApp, slug: &str) -> undersign::verify::VerifyReport {
    let source = Source::from_arg(&app.address).unwrap();
    verify(&source, Some(slug), &vkey(app, slug).await, None).await.unwrap()
}

/// Signs, confirms and returns the signer's private link.
async fn signed_link(app: &TestApp, email: &str, show_name: bool) -> String {
    let before = crate::helpers::read_outbox(&app.outbox_dir()).len();
    let mut form = valid_form(email);
    if !show_name {
        form.retain(|(k, _)| *k != "show_name");
        form.push(("show_name", "false".into()));
    }
    assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303);
    let link = app.wait_for_mails(before + 1).await[before].confirmation_link();
    app.confirm(&link).await;
    link
}

async fn withdraw(app: &TestApp, link: &str, erase: bool) -> String {
    let response = app
        .client
        .post(format!("{link}/withdraw"))
        .form(&[("erase", if erase { "true" } else { "false" })])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "back to the link's page");
    app.get_text(link.trim_start_matches(&app.address)).await
}

/// Moves the clock past the withdrawal batch and waits for the integrator.
async fn run_withdrawal_batch(app: &TestApp, slug: &str) {
    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    app.state().log_wake.notify_one();
    for _ in 0..100 {
        if app.letter_json(slug).await["withdrawals_pending"] == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("withdrawals were not integrated");
}

#[tokio::test]
async fn verify_reproduces_the_count_after_signatures_and_withdrawals_and_the_page_shows_it() {
    let app = TestApp::spawn().await;
    let mut links = Vec::new();
    for i in 0..6 {
        links.push(signed_link(&app, &format!("s{i}@example.org"), i != 3).await);
    }
    assert_eq!(app.count(LETTER).await, 6);

    let page = withdraw(&app, &links[1], false).await;
    assert!(page.contains("Your signature is withdrawn"));
    withdraw(&app, &links[2], true).await;
    let pending = app.letter_json(LETTER).await;
    assert_eq!(
        (pending["count"].as_u64(), pending["withdrawals_pending"].as_u64()),
        (Some(6), Some(2)),
        "held for the batch"
    );
    let letter_page = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(
        letter_page.contains("4 signatures") && letter_page.contains("2 withdrawals pending"),
        "pages leave them out at once"
    );

    run_withdrawal_batch(&app, LETTER).await;
    let report = verify_live(&app, LETTER).await;
    assert_eq!(report.count, 4);
    assert_eq!((report.signatures, report.cancelled), (6, 2));
    assert_eq!(report.size, 1 + 6 + 2, "text, six signatures, two withdrawals");
    assert_eq!((report.withheld, report.erased), (1, 1));
    assert_eq!(app.count(LETTER).await, report.count);
    let page = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(page.contains("4 signatures") && !page.contains("pending"), "the page count equals the log's");
}

#[tokio::test]
async fn the_receipt_shows_the_leaf_index_and_its_proof_verifies_against_the_signed_checkpoint() {
    let app = TestApp::spawn().await;
    let link = signed_link(&app, "receipt@example.org", true).await;
    app.count(LETTER).await;
    let receipt = app.get_text(link.trim_start_matches(&app.address)).await;
    assert!(receipt.contains("Your signature is entry 1 in this letter&#39;s public log"), "{receipt}");
    let proof_path = receipt
        .split("href=\"/api/v1/letters/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let proof: Value = app.get(&format!("/api/v1/letters/{proof_path}")).await.json().await.unwrap();

    let note = app.get_text(&format!("/letters/{LETTER}/log/checkpoint")).await;
    let verifier = letterlog::note::NoteVerifier::parse(&vkey(&app, LETTER).await).unwrap();
    let checkpoint = Checkpoint::parse(&letterlog::note::open(&note, &[verifier]).unwrap().text).unwrap();
    let hashes: Vec<Hash> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect();
    let leaf = Hash::from_base64(proof["leaf_hash"].as_str().unwrap()).unwrap();
    assert_eq!(proof["size"].as_u64(), Some(checkpoint.size.get()));
    verify_inclusion(LeafIndex::new(1), checkpoint.size, &leaf, &hashes, &checkpoint.root).unwrap();
    assert!(receipt.contains("/withdraw"), "the receipt carries the withdrawal link");
    let mail = &app.wait_for_mails(1).await[0];
    assert!(mail.text.contains(&format!("{link}/withdraw")), "so does the e-mail");
}

#[tokio::test]
async fn log_endpoints_follow_the_spec_with_the_right_caching() {
    let app = TestApp::spawn().await;
    crate::pages::seed_confirmed(&app, 300).await;
    app.state().log_wake.notify_one();
    assert_eq!(app.count(LETTER).await, 300);
    let log = format!("/letters/{LETTER}/log");

    let checkpoint = app.get(&format!("{log}/checkpoint")).await;
    assert_eq!(checkpoint.headers()["cache-control"], "no-store");
    let text = checkpoint.text().await.unwrap();
    assert!(
        text.starts_with(&format!(
            "127.0.0.1:{}/letters/{LETTER}\n301\n",
            app.address.rsplit(':').next().unwrap()
        )),
        "{text}"
    );

    let full = app.get(&format!("{log}/tile/0/000")).await;
    assert_eq!(full.status(), 200);
    assert!(full.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(full.bytes().await.unwrap().len(), 256 * 32);
    let partial = app.get(&format!("{log}/tile/0/001.p/45")).await;
    assert_eq!(partial.bytes().await.unwrap().len(), 45 * 32);
    let level1 = app.get(&format!("{log}/tile/1/000.p/1")).await;
    assert_eq!(level1.bytes().await.unwrap().len(), 32);
    let bundle = app.get(&format!("{log}/tile/entries/001.p/45")).await.bytes().await.unwrap();
    assert_eq!(decode_entry_bundle(&bundle).unwrap().len(), 45);
    for missing in ["tile/0/001", "tile/0/001.p/46", "tile/2/000.p/1", "tile/0/1", "tile/entries/x000/001"] {
        assert_eq!(app.get(&format!("{log}/{missing}")).await.status(), 404, "{missing}");
    }

    let one: Value = app.get(&format!("{log}/records/5")).await.json().await.unwrap();
    assert_eq!(one["index"], 5);
    assert_eq!(one["salt"].as_str().unwrap().len(), 64);
    let range: Vec<Value> = app.get(&format!("{log}/records?from=0&to=1000")).await.json().await.unwrap();
    assert_eq!(range.len(), 301, "clipped to the tree size");
    assert_eq!(app.get(&format!("{log}/records?from=0&to=1001")).await.status(), 400);
    assert_eq!(app.get(&format!("{log}/records?from=x&to=1")).await.status(), 400);
    assert_eq!(app.get(&format!("{log}/records/301")).await.status(), 404);

    let api = format!("/api/v1/letters/{LETTER}/log");
    let bad = app.get(&format!("{api}/inclusion?index=301&size=301")).await;
    assert_eq!(bad.status(), 400);
    assert!(
        bad.json::<Value>().await.unwrap()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("current tree size")
    );
    assert_eq!(app.get(&format!("{api}/inclusion?index=0&size=302")).await.status(), 400);
    let equal: Value = app.get(&format!("{api}/consistency?from=301&to=301")).await.json().await.unwrap();
    assert_eq!(equal["hashes"].as_array().unwrap().len(), 0);
    for bad in ["from=0&to=5", "from=6&to=5", "from=1&to=302", "from=1"] {
        assert_eq!(app.get(&format!("{api}/consistency?{bad}")).await.status(), 400, "{bad}");
    }
    let proof: Value = app.get(&format!("{api}/consistency?from=100&to=301")).await.json().await.unwrap();
    let hashes: Vec<Hash> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect();
    let state = app.state();
    let letter = state.store.letter(&undersign::domain::Slug::parse(LETTER).unwrap()).await.unwrap().unwrap();
    let leaves = state.store.log_leaves(letter.id, 0, 301).await.unwrap();
    let tree = letterlog::tree::Tree::from_leaf_hashes(leaves.iter().map(|l| letterlog::hash::leaf_hash(l)));
    verify_consistency(
        TreeSize::new(100),
        TreeSize::new(301),
        &tree.root(TreeSize::new(100)).unwrap(),
        &tree.root(TreeSize::new(301)).unwrap(),
        &hashes,
    )
    .unwrap();

    let keys: Value = app.get("/log-key").await.json().await.unwrap();
    assert_eq!(keys["letters"][0]["vkey"], vkey(&app, LETTER).await);
    assert_eq!(keys["public_key"].as_str().unwrap().len(), 44);
}

/// Exports the letter, then checks that each kind of tampering is caught.
#[tokio::test]
async fn verify_passes_on_a_static_export_and_catches_every_tampering() {
    let app = TestApp::spawn().await;
    let link = signed_link(&app, "first@example.org", true).await;
    let old_note = {
        app.count(LETTER).await;
        app.get_text(&format!("/letters/{LETTER}/log/checkpoint")).await
    };
    for i in 0..4 {
        signed_link(&app, &format!("t{i}@example.org"), true).await;
    }
    withdraw(&app, &link, false).await;
    run_withdrawal_batch(&app, LETTER).await;
    let key = vkey(&app, LETTER).await;

    let dir = tempfile::tempdir().unwrap();
    let summary = undersign::export::export_static(app.state(), dir.path(), None).await.unwrap();
    assert_eq!(summary.letters, vec![(LETTER.to_owned(), 7)]);
    let source = Source::Dir(dir.path().to_owned());
    let report = verify(&source, None, &key, Some(&old_note)).await.unwrap();
    assert_eq!((report.size, report.count, report.consistent_with), (7, 4, Some(2)));

    let tampered = |edit: &dyn Fn(&Path)| {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(dir.path(), copy.path());
        edit(&copy.path().join(format!("letters/{LETTER}/log")));
        copy
    };
    let check = async |copy: &tempfile::TempDir, previous: Option<&str>| -> VerifyError {
        verify(&Source::Dir(copy.path().to_owned()), Some(LETTER), &key, previous).await.unwrap_err()
    };

    // One changed byte in an entry bundle.
    let copy = tampered(&|log| {
        let path = log.join("tile/entries/000.p/7");
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 10;
        bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
        std::fs::write(path, bytes).unwrap();
    });
    assert!(matches!(
        check(&copy, None).await,
        VerifyError::RootMismatch { .. } | VerifyError::LeafMalformed { .. }
    ));

    // An entry dropped from the bundle.
    let copy = tampered(&|log| {
        let path = log.join("tile/entries/000.p/7");
        let bytes = std::fs::read(&path).unwrap();
        let entries = decode_entry_bundle(&bytes).unwrap();
        let fewer: Vec<&[u8]> =
            entries.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, e)| *e).collect();
        std::fs::write(path, encode_entry_bundle(fewer)).unwrap();
    });
    let error = check(&copy, None).await;
    assert!(matches!(error, VerifyError::BundleMalformed { .. }), "{error}");
    assert!(error.to_string().contains("6 entries where the checkpoint needs 7"), "{error}");

    // A changed record.
    let copy = tampered(&|log| {
        let path = log.join("records/2");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, text.replace("Moscow State University", "Moscow State Universitx")).unwrap();
    });
    assert!(matches!(check(&copy, None).await, VerifyError::RecordMismatch { index: 2 }));

    // A checkpoint signed by another key under the same name.
    let copy = tampered(&|log| {
        let note = std::fs::read_to_string(log.join("checkpoint")).unwrap();
        let text = &note[..note.rfind("\n\n").unwrap() + 1];
        let origin = text.lines().next().unwrap();
        let other = NoteSigner::new(origin, ed25519_dalek::SigningKey::from_bytes(&[9; 32])).unwrap();
        std::fs::write(log.join("checkpoint"), other.sign(text).unwrap()).unwrap();
    });
    assert!(matches!(check(&copy, None).await, VerifyError::CheckpointSignature(_)));

    // A previous checkpoint that the log does not extend (signed with the real key).
    let real = undersign::crypto::LogKey::load_or_create(&app.dir.path().join("keys")).unwrap();
    let origin = old_note.lines().next().unwrap();
    let forged = real
        .signer(origin)
        .unwrap()
        .sign(&Checkpoint::new(origin, TreeSize::new(2), Hash([7; 32])).to_text())
        .unwrap();
    assert!(matches!(check(&tampered(&|_| {}), Some(&forged)).await, VerifyError::Inconsistent { size: 2 }));
    let larger = real
        .signer(origin)
        .unwrap()
        .sign(&Checkpoint::new(origin, TreeSize::new(99), Hash([7; 32])).to_text())
        .unwrap();
    assert!(matches!(check(&tampered(&|_| {}), Some(&larger)).await, VerifyError::PreviousLarger { .. }));

    // A hash tile that disagrees with the entries.
    let copy = tampered(&|log| std::fs::write(log.join("tile/0/000.p/7"), [0u8; 7 * 32]).unwrap());
    assert!(matches!(check(&copy, None).await, VerifyError::HashTileMismatch { .. }));
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn the_demo_letters_verify() {
    let app = TestApp::spawn_empty().await;
    undersign::demo::load(app.state()).await.unwrap();
    app.state().log_wake.notify_one();
    for (slug, expected) in undersign::demo::expected_counts() {
        assert_eq!(app.count(slug).await, expected);
        let report = verify_live(&app, slug).await;
        assert_eq!(report.count, expected, "{slug}");
        assert_eq!(report.size, expected + 1, "{slug}");
        assert!(report.withheld > 0 || slug == "demo-bookstores", "{slug} has withheld names");
    }
}

#[tokio::test]
async fn after_a_restart_the_log_grows_consistently() {
    let app = TestApp::spawn().await;
    signed_link(&app, "before@example.org", true).await;
    app.count(LETTER).await;
    let before = app.get_text(&format!("/letters/{LETTER}/log/checkpoint")).await;
    let app = app.restart().await;
    let form = valid_form("after@example.org");
    assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303);
    let mails = app.wait_for_mails(2).await;
    app.confirm(&mails[1].confirmation_link()).await;
    assert_eq!(app.count(LETTER).await, 2);
    let source = Source::from_arg(&app.address).unwrap();
    let report = verify(&source, Some(LETTER), &vkey(&app, LETTER).await, Some(&before)).await.unwrap();
    assert_eq!((report.size, report.consistent_with), (3, Some(2)));
}

#[tokio::test]
async fn the_verify_page_explains_the_checkpoint_numbers_in_both_languages() {
    let app = TestApp::spawn().await;
    let mut links = Vec::new();
    for i in 0..3 {
        links.push(signed_link(&app, &format!("v{i}@example.org"), true).await);
    }
    withdraw(&app, &links[0], false).await;
    run_withdrawal_batch(&app, LETTER).await;
    assert_eq!(app.count(LETTER).await, 2);

    let letter_page = app.get_text(&format!("/letters/{LETTER}")).await;
    assert!(letter_page.contains(&format!("href=\"/letters/{LETTER}/verify\"")), "the letter links to it");
    let page = app.get_text(&format!("/letters/{LETTER}/verify")).await;
    assert!(page.contains("covers this many entries: 5."), "{page}");
    assert!(page.contains("translations): 1; confirmed signatures: 3; withdrawals: 1;"));
    assert!(page.contains("public reason): 0."));
    assert!(page.contains("3 signatures, 1 of them cancelled, make the count of 2"));
    let checkpoint = app.get_text(&format!("/letters/{LETTER}/log/checkpoint")).await;
    let first_line = checkpoint.lines().next().unwrap();
    assert!(page.contains(first_line) && page.contains("\n5\n"), "the checkpoint as served");
    let key = app.get_text(&format!("/letters/{LETTER}/log/key")).await;
    assert!(page.contains(key.trim()), "the key as served");
    assert!(
        page.contains(&format!("undersign verify {} --letter {LETTER}", app.address)),
        "commands name this server"
    );

    let russian = app.get_text(&format!("/letters/{LETTER}/verify?lang=ru")).await;
    assert!(russian.contains("Что значат числа") && russian.contains("итого 2"), "{russian}");
}
