//! The storage conformance suite: one set of tests written against the traits
//! only, run against every backend. A backend is done when
//! `conformance_suite!` passes on it (`sqlite_conformance` at the end; a new
//! engine adds its own module with its own fresh-store expression).
//!
//! These test what storage promises (what it stores, reads back, refuses, and
//! how the outbox and the log's commit behave), not the service's rules: those
//! are the use cases' and are tested through HTTP in `tests/it`.

use time::OffsetDateTime;

use super::outbox::{IssuedLink, JobEnd, Mail, MailKind};
use super::{
    ConfirmRefusal, IntegratedEntry, IntegrationConflict, MailPlan, MatchCount, NewFlag, PublishRefusal,
    SealedSignature, StoredCheckpoint, SubmitOptions, SubmitOutcome, TokenState, WithdrawOutcome,
};
use crate::abuse::FlagKind;
use crate::abuse::pow::Solution;
use crate::crypto::{EmailLookup, HashedToken, SealedEmail};
use crate::domain::{Community, LetterDraft, LetterId, LetterLanguage, SignatureId, Signer, Slug};
use crate::i18n::Language;
use crate::log::records::{SaltedRecord, text_record, withdrawal_record};
use letterlog::leaf::EntryKind;

use super::outbox::OutboxStore;
use super::{AbuseStore, InstanceStore, LetterStore, LogStore, SignatureStore};

/// What the suite tests: the traits every backend implements first.
pub trait Store: LetterStore + SignatureStore + LogStore + AbuseStore + OutboxStore + InstanceStore {}

impl<T: LetterStore + SignatureStore + LogStore + AbuseStore + OutboxStore + InstanceStore> Store for T {}

/// A fixed moment, so every backend sees the same times.
pub fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a valid time")
}

fn draft(slug: &str) -> LetterDraft {
    LetterDraft {
        slug: Slug::parse(slug).expect("a valid slug"),
        title: format!("Letter {slug}"),
        addressee: "To the ministry".to_owned(),
        community: Community::parse("teachers").expect("a valid community"),
        language: LetterLanguage::parse("en").expect("a valid tag"),
        body: "We ask.".to_owned(),
        organisations: false,
        campaign: None,
        pull_quote: None,
        closes_on: None,
        target: None,
    }
}

/// Publishes a letter with its text entry waiting for the log.
async fn publish(store: &dyn Store, slug: &str) -> LetterId {
    let draft = draft(slug);
    let text = SaltedRecord::new(text_record(&draft.title, &draft.body, "en", &draft.addressee, 1));
    store
        .insert_letter(&draft, vec![7; 40], format!("example.org/letters/{slug}"), text, None, t0())
        .await
        .expect("storage works")
        .expect("the slug is free")
}

fn lookup(n: u8) -> EmailLookup {
    EmailLookup([n; 32])
}

fn token(n: u8) -> HashedToken {
    HashedToken([n; 32])
}

fn signature(letter: LetterId, n: u8, name: &str) -> SealedSignature {
    SealedSignature {
        letter,
        email_lookup: lookup(n),
        email_sealed: SealedEmail(vec![n; 48]),
        name: name.to_owned(),
        title: None,
        affiliation: Some("School 5".to_owned()),
        city: Some("Penza".to_owned()),
        country: None,
        orcid: None,
        signer: Signer::Person,
        show_name: true,
        language: Language::default(),
        email_canonical_lookup: lookup(n),
        name_key: name.to_lowercase(),
        verified_domain: None,
        flags: Vec::new(),
        held: false,
    }
}

fn options(proof: u8) -> SubmitOptions {
    SubmitOptions {
        spend: Some(Solution { challenge: [proof; 32], expires_at: t0() + time::Duration::hours(1) }),
        mail: MailPlan {
            created: Some(MailKind::Confirm),
            pending: Some(MailKind::Confirm),
            confirmed: Some(MailKind::AlreadySigned),
        },
    }
}

/// Submits a signature and gives it confirmation link `n`.
async fn submit_with_link(store: &dyn Store, letter: LetterId, n: u8, name: &str) -> SignatureId {
    let SubmitOutcome::Created(id) =
        store.submit_signature(signature(letter, n, name), options(n), t0()).await.expect("storage works")
    else {
        panic!("a new address and a new proof make a new signature");
    };
    let link = IssuedLink::Confirmation {
        signature: id,
        token: token(n),
        expires_at: t0() + time::Duration::days(7),
    };
    store.store_links(vec![link]).await.expect("storage works");
    id
}

async fn sign_and_confirm(store: &dyn Store, letter: LetterId, n: u8, name: &str) -> u64 {
    submit_with_link(store, letter, n, name).await;
    store.confirm_signature(&token(n), t0()).await.expect("storage works").expect("the link is valid").seq
}

pub async fn a_letter_is_stored_read_back_and_closed(store: &dyn Store) {
    let id = publish(store, "teachers-ask").await;
    let slug = Slug::parse("teachers-ask").unwrap();
    let letter = store.letter(&slug).await.unwrap().expect("stored");
    assert_eq!(
        (letter.id, letter.title.as_str(), letter.body.as_str()),
        (id, "Letter teachers-ask", "We ask.")
    );
    assert_eq!(store.letters().await.unwrap().len(), 1);
    assert_eq!(store.wrapped_letter_key(id).await.unwrap(), Some(vec![7; 40]));
    assert!(store.letter(&Slug::parse("no-such-letter").unwrap()).await.unwrap().is_none());
    assert!(store.close_letter(&slug, t0()).await.unwrap());
    assert!(!store.close_letter(&slug, t0()).await.unwrap(), "closing twice changes nothing");
}

pub async fn a_taken_slug_or_an_unknown_campaign_is_refused(store: &dyn Store) {
    publish(store, "teachers-ask").await;
    let again = draft("teachers-ask");
    let text = SaltedRecord::new(text_record("t", "b", "en", "a", 1));
    let refused =
        store.insert_letter(&again, vec![1], "o".to_owned(), text.clone(), None, t0()).await.unwrap();
    assert_eq!(refused, Err(PublishRefusal::SlugTaken("teachers-ask".to_owned())));
    let mut orphan = draft("orphan");
    orphan.campaign = Some(Slug::parse("no-campaign").unwrap());
    let refused = store.insert_letter(&orphan, vec![1], "o".to_owned(), text, None, t0()).await.unwrap();
    assert_eq!(refused, Err(PublishRefusal::UnknownCampaign("no-campaign".to_owned())));
    assert_eq!(store.letters().await.unwrap().len(), 1, "nothing of the refused letters was kept");
}

pub async fn a_second_submission_of_an_address_is_a_duplicate_and_a_spent_proof_a_replay(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    let first = submit_with_link(store, letter, 1, "Anna Ivanova").await;
    let again = store.submit_signature(signature(letter, 1, "Anna Ivanova"), options(2), t0()).await.unwrap();
    assert_eq!(again, SubmitOutcome::Duplicate { existing: first, confirmed: false });
    let replay =
        store.submit_signature(signature(letter, 3, "Boris Petrov"), options(1), t0()).await.unwrap();
    assert_eq!(replay, SubmitOutcome::Replayed, "proof 1 was spent by the first submission");
}

pub async fn a_link_confirms_once_and_then_is_the_receipt(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    submit_with_link(store, letter, 1, "Anna Ivanova").await;
    assert!(matches!(store.token_state(&token(1), t0()).await.unwrap(), TokenState::Pending { .. }));
    assert!(matches!(store.token_state(&token(9), t0()).await.unwrap(), TokenState::Unknown));
    let confirmed = store.confirm_signature(&token(1), t0()).await.unwrap().unwrap();
    assert_eq!((confirmed.seq, confirmed.already_confirmed), (1, false));
    let again = store.confirm_signature(&token(1), t0()).await.unwrap().unwrap();
    assert_eq!((again.seq, again.already_confirmed), (1, true), "confirming twice counts once");
    assert!(matches!(
        store.token_state(&token(1), t0()).await.unwrap(),
        TokenState::Confirmed { seq: 1, .. }
    ));
    assert_eq!(
        store.confirm_signature(&token(9), t0()).await.unwrap().unwrap_err(),
        ConfirmRefusal::UnknownToken
    );
    let shown = store.public_signatures(letter, None, 10).await.unwrap();
    assert_eq!(shown.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Anna Ivanova"]);
}

pub async fn an_expired_link_confirms_nothing(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    submit_with_link(store, letter, 1, "Anna Ivanova").await;
    let late = t0() + time::Duration::days(8);
    assert_eq!(store.confirm_signature(&token(1), late).await.unwrap().unwrap_err(), ConfirmRefusal::Expired);
    assert!(matches!(store.token_state(&token(1), late).await.unwrap(), TokenState::Expired { .. }));
}

pub async fn a_signature_withdrawn_before_confirming_leaves_nothing(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    submit_with_link(store, letter, 1, "Anna Ivanova").await;
    let withdrawal = SaltedRecord::new(withdrawal_record());
    let outcome = store.withdraw_signature(&token(1), false, withdrawal, t0(), t0()).await.unwrap().unwrap();
    assert!(matches!(outcome, WithdrawOutcome::DroppedUnconfirmed { .. }));
    assert_eq!(
        store.confirm_signature(&token(1), t0()).await.unwrap().unwrap_err(),
        ConfirmRefusal::Withdrawn
    );
    assert!(store.public_signatures(letter, None, 10).await.unwrap().is_empty());
}

pub async fn search_folds_case_and_accents_in_any_script_and_counts_matches(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    sign_and_confirm(store, letter, 1, "Anna Müller").await;
    sign_and_confirm(store, letter, 2, "Иван Иванов").await;
    sign_and_confirm(store, letter, 3, "Boris Petrov").await;
    let search = |words: &[&str]| {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        async move { store.search_signatures(letter, &words, None, 10, 10_000).await.unwrap() }
    };
    let found = search(&["muller"]).await;
    assert_eq!(found.rows.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Anna Müller"]);
    assert_eq!(found.matches, MatchCount::Exactly(1));
    assert_eq!(search(&["иванов"]).await.rows.len(), 1, "Cyrillic is folded to lower case too");
    assert_eq!(search(&["penza"]).await.matches, MatchCount::Exactly(3), "the city is searched");
    assert_eq!(search(&["bor"]).await.rows.len(), 1, "the last word is a prefix when nothing matches whole");
    assert_eq!(search(&["nobody"]).await.matches, MatchCount::Exactly(0));
    let capped = store.search_signatures(letter, &["penza".to_owned()], None, 1, 2).await.unwrap();
    assert_eq!((capped.rows.len(), capped.matches), (1, MatchCount::MoreThan(2)));
}

pub async fn the_signer_list_pages_newest_first_by_number(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    for n in 1..=5 {
        sign_and_confirm(store, letter, n, &format!("Signer {n}")).await;
    }
    let first = store.public_signatures(letter, None, 2).await.unwrap();
    assert_eq!(first.iter().map(|s| s.seq).collect::<Vec<_>>(), [5, 4]);
    let next = store.public_signatures(letter, Some(4), 10).await.unwrap();
    assert_eq!(next.iter().map(|s| s.seq).collect::<Vec<_>>(), [3, 2, 1]);
}

pub async fn outbox_jobs_are_claimed_once_retried_postponed_and_given_up(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    store.submit_signature(signature(letter, 1, "Anna Ivanova"), options(1), t0()).await.unwrap();
    assert_eq!(store.next_mail_due().await.unwrap(), Some(t0()));
    let lease = t0() + time::Duration::minutes(5);
    let jobs = store.claim_mail_jobs(t0(), lease, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].attempts, 1);
    assert!(
        matches!(&jobs[0].mail, Mail::Signer(mail) if mail.kind == MailKind::Confirm && !mail.signature_confirmed)
    );
    assert!(
        store.claim_mail_jobs(t0(), lease, 10).await.unwrap().is_empty(),
        "a leased job is nobody else's"
    );
    let retry_at = t0() + time::Duration::minutes(1);
    store
        .finish_mail_jobs(vec![(jobs[0].id, JobEnd::Retry { at: retry_at, error: "refused".to_owned() })])
        .await
        .unwrap();
    assert!(store.claim_mail_jobs(t0(), lease, 10).await.unwrap().is_empty(), "not due before its retry");
    let again = store.claim_mail_jobs(retry_at, lease, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    // A failure of this machine's own (its outbox disk full) is tried again
    // without counting toward giving up.
    let postponed_to = retry_at + time::Duration::minutes(1);
    let full = JobEnd::Postpone { at: postponed_to, error: "no space left".to_owned() };
    store.finish_mail_jobs(vec![(again[0].id, full)]).await.unwrap();
    assert!(store.claim_mail_jobs(retry_at, lease, 10).await.unwrap().is_empty(), "not due before then");
    let again = store.claim_mail_jobs(postponed_to, lease, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2), "the postponed attempt was not counted");
    store.finish_mail_jobs(vec![(again[0].id, JobEnd::Dead { error: "refused".to_owned() })]).await.unwrap();
    let later = t0() + time::Duration::days(1);
    assert!(store.claim_mail_jobs(later, later, 10).await.unwrap().is_empty(), "a dead job stays dead");
    assert_eq!(store.next_mail_due().await.unwrap(), None);
}

pub async fn a_lease_that_runs_out_frees_the_job_and_done_removes_it(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    store.submit_signature(signature(letter, 1, "Anna Ivanova"), options(1), t0()).await.unwrap();
    let lease = t0() + time::Duration::minutes(5);
    let first = store.claim_mail_jobs(t0(), lease, 10).await.unwrap();
    // The worker that held it died: after the lease another one takes it.
    let taken = store.claim_mail_jobs(lease, lease + time::Duration::minutes(5), 10).await.unwrap();
    assert_eq!((taken.len(), taken[0].id, taken[0].attempts), (1, first[0].id, 2));
    store.finish_mail_jobs(vec![(taken[0].id, JobEnd::Done)]).await.unwrap();
    let much_later = t0() + time::Duration::days(1);
    assert!(store.claim_mail_jobs(much_later, much_later, 10).await.unwrap().is_empty());
}

pub async fn the_log_commits_only_on_the_size_it_was_built_on(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    let targets = store.letters_with_due_entries(t0()).await.unwrap();
    assert_eq!(targets.iter().map(|t| t.letter).collect::<Vec<_>>(), [letter]);
    let due = store.due_entries(letter, t0(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].kind, EntryKind::Text, "leaf 0 is the letter's text");
    let entry = IntegratedEntry {
        id: due[0].id,
        leaf_index: 0,
        ref_index: None,
        leaf: b"leaf zero".to_vec(),
        leaf_hash: [1; 32],
    };
    let checkpoint =
        StoredCheckpoint { size: 1, root: [1; 32], note: "a signed note\n".to_owned(), count: 0 };
    let fence =
        store.acquire_log_lease(letter, "node-a", t0(), t0() + time::Duration::seconds(5)).await.unwrap();
    let fence = fence.expect("nobody held the lease");
    let stale = store
        .commit_integration(letter, fence, 3, vec![entry.clone()], checkpoint.clone(), t0())
        .await
        .unwrap();
    assert_eq!(stale, Err(IntegrationConflict), "built on a size the log does not have");
    assert_eq!(store.latest_checkpoint(letter).await.unwrap(), None, "nothing was written");
    store
        .commit_integration(letter, fence, 0, vec![entry.clone()], checkpoint.clone(), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.latest_checkpoint(letter).await.unwrap(), Some(checkpoint.clone()));
    assert_eq!(store.log_leaves(letter, 0, 1).await.unwrap(), [b"leaf zero".to_vec()]);
    assert_eq!(store.log_leaf_hashes(letter, 0).await.unwrap(), [[1; 32]]);
    assert!(store.log_leaf_hashes(letter, 1).await.unwrap().is_empty(), "nothing after the last leaf");
    assert!(store.due_entries(letter, t0(), 10).await.unwrap().is_empty());
    // A second integrator that loaded the log before this commit loses.
    let second = store.commit_integration(letter, fence, 0, vec![entry], checkpoint, t0()).await.unwrap();
    assert_eq!(second, Err(IntegrationConflict));
    assert_eq!(store.log_leaf_hashes(letter, 0).await.unwrap().len(), 1, "one leaf, never forked");
}

pub async fn log_health_says_what_waits_since_when_and_the_last_checkpoint(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    let health = store.log_health().await.unwrap();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].slug.as_str(), "teachers-ask");
    assert_eq!(health[0].oldest_due, Some(t0()), "the letter's text waits since it was published");
    assert_eq!(health[0].last_checkpoint_at, None);
    let due = store.due_entries(letter, t0(), 10).await.unwrap();
    let entry =
        IntegratedEntry { id: due[0].id, leaf_index: 0, ref_index: None, leaf: vec![1], leaf_hash: [1; 32] };
    let checkpoint = StoredCheckpoint { size: 1, root: [1; 32], note: "note\n".to_owned(), count: 0 };
    let later = t0() + time::Duration::seconds(3);
    let fence = store.acquire_log_lease(letter, "node-a", later, later + time::Duration::seconds(5)).await;
    let fence = fence.unwrap().expect("free");
    store.commit_integration(letter, fence, 0, vec![entry], checkpoint, later).await.unwrap().unwrap();
    let health = store.log_health().await.unwrap();
    assert_eq!(health[0].oldest_due, None, "nothing waits");
    assert_eq!(health[0].last_checkpoint_at, Some(later));
}

pub async fn a_probe_write_commits_for_any_node_again_and_again(store: &dyn Store) {
    let two_days_ago = t0() - time::Duration::days(2);
    store.probe_write("node-a", two_days_ago).await.expect("a first probe");
    store.probe_write("node-a", two_days_ago).await.expect("the same node again");
    // Another node's probe also deletes node-a's day-old row in its write
    // (what the traits can see is only that both statements run and commit).
    store.probe_write("node-b", t0()).await.expect("another node");
    store.probe_write("node-a", t0()).await.expect("node-a back");
}

pub async fn one_node_holds_a_letters_lease_and_a_stale_holder_cannot_commit(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    let (now, lease) = (t0(), time::Duration::seconds(5));
    let a = store.acquire_log_lease(letter, "node-a", now, now + lease).await.unwrap().expect("free");
    assert_eq!(
        store.acquire_log_lease(letter, "node-b", now, now + lease).await.unwrap(),
        None,
        "a holds it"
    );
    let renewed = store.acquire_log_lease(letter, "node-a", now + lease / 2, now + lease * 2).await.unwrap();
    assert_eq!(renewed, Some(a), "renewing keeps the token");
    // a stops renewing (paused, cut off): b takes over once the lease ran out.
    let later = now + lease * 3;
    let b = store.acquire_log_lease(letter, "node-b", later, later + lease).await.unwrap().expect("ran out");
    assert!(b > a, "a takeover fences the old holder off");
    let due = store.due_entries(letter, later, 10).await.unwrap();
    let entry =
        IntegratedEntry { id: due[0].id, leaf_index: 0, ref_index: None, leaf: vec![1], leaf_hash: [1; 32] };
    let checkpoint = StoredCheckpoint { size: 1, root: [1; 32], note: "note\n".to_owned(), count: 0 };
    let stale =
        store.commit_integration(letter, a, 0, vec![entry.clone()], checkpoint.clone(), later).await.unwrap();
    assert_eq!(stale, Err(IntegrationConflict), "a's token is old: nothing is published");
    assert_eq!(store.latest_checkpoint(letter).await.unwrap(), None);
    store.commit_integration(letter, b, 0, vec![entry], checkpoint, later).await.unwrap().unwrap();
    // A node shutting down lets go at once.
    store.release_log_leases("node-b").await.unwrap();
    assert!(store.acquire_log_lease(letter, "node-a", later, later + lease).await.unwrap().is_some());
}

pub async fn the_first_keys_are_recorded_and_other_keys_are_named(store: &dyn Store) {
    let keys = |log: u8| vec![("instance.key".to_owned(), [1; 32]), ("log.key".to_owned(), [log; 32])];
    assert!(store.check_key_fingerprints(keys(2), t0()).await.unwrap().is_empty(), "recorded at first start");
    assert!(store.check_key_fingerprints(keys(2), t0()).await.unwrap().is_empty(), "the same keys start");
    assert_eq!(store.check_key_fingerprints(keys(3), t0()).await.unwrap(), ["log.key"], "another log key");
}

pub async fn api_tokens_and_watch_lists_are_kept_once(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    assert!(store.create_api_token("importer", &token(1), t0()).await.unwrap());
    assert!(!store.create_api_token("importer", &token(2), t0()).await.unwrap(), "the name is taken");
    assert!(store.api_token_exists(&token(1)).await.unwrap());
    assert!(!store.api_token_exists(&token(2)).await.unwrap());
    assert!(store.add_to_watch_list(letter, "ivanova").await.unwrap());
    assert!(!store.add_to_watch_list(letter, "ivanova").await.unwrap());
}

pub async fn unconfirmed_signatures_expire_with_their_data(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    submit_with_link(store, letter, 1, "Anna Ivanova").await;
    sign_and_confirm(store, letter, 2, "Boris Petrov").await;
    let (signatures, _challenges) =
        store.purge_expired(t0() + time::Duration::seconds(1), t0() + time::Duration::days(8)).await.unwrap();
    assert_eq!(signatures, 1, "only the unconfirmed one");
    assert!(matches!(store.token_state(&token(1), t0()).await.unwrap(), TokenState::Unknown));
    assert_eq!(store.public_signatures(letter, None, 10).await.unwrap().len(), 1);
}

pub async fn facts_name_look_alikes_and_the_mail_plan_picks_by_what_is_found(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    let anna = submit_with_link(store, letter, 1, "Anna Ivanova").await;
    store.confirm_signature(&token(1), t0()).await.unwrap().unwrap();
    let facts = store.signature_facts(letter, &lookup(1), "anna ivanova").await.unwrap();
    assert_eq!(
        (facts.same_canonical_address, facts.same_name, facts.watch_listed),
        (Some(anna), Some(anna), false)
    );
    assert_eq!(store.signature_facts(letter, &lookup(2), "boris").await.unwrap(), Default::default());
    store.add_to_watch_list(letter, "boris").await.unwrap();
    assert!(store.signature_facts(letter, &lookup(2), "boris").await.unwrap().watch_listed);
    let drain = store.claim_mail_jobs(t0(), t0(), 100).await.unwrap();
    store.finish_mail_jobs(drain.iter().map(|j| (j.id, JobEnd::Done)).collect()).await.unwrap();

    let again = store.submit_signature(signature(letter, 1, "Anna Ivanova"), options(7), t0()).await.unwrap();
    assert_eq!(again, SubmitOutcome::Duplicate { existing: anna, confirmed: true });
    let jobs = store.claim_mail_jobs(t0(), t0(), 100).await.unwrap();
    assert!(
        matches!(&jobs[..], [job] if matches!(&job.mail, Mail::Signer(m) if m.kind == MailKind::AlreadySigned))
    );
    store.finish_mail_jobs(jobs.iter().map(|j| (j.id, JobEnd::Done)).collect()).await.unwrap();

    let quiet = SubmitOptions { mail: MailPlan::NONE, ..options(8) };
    let mut held = signature(letter, 8, "Boris");
    held.held = true;
    held.flags = vec![NewFlag { other: Some(anna), ..NewFlag::new(FlagKind::DuplicateName) }];
    let SubmitOutcome::Created(boris) = store.submit_signature(held, quiet, t0()).await.unwrap() else {
        panic!("a new address makes a new signature");
    };
    assert!(store.claim_mail_jobs(t0(), t0(), 100).await.unwrap().is_empty(), "the plan said no mail");
    let flags = store.signature_flags(letter).await.unwrap();
    assert!(
        flags
            .iter()
            .any(|f| f.signature == boris && f.kind == FlagKind::DuplicateName && f.other == Some(anna))
    );
}

/// A burst of submissions at once (stored in groups where the backend groups
/// them): one signature per address, one use per proof of work, each with the
/// plan's mail and its flags.
pub async fn a_burst_of_submissions_keeps_one_signature_per_address_and_one_use_per_proof(store: &dyn Store) {
    let letter = publish(store, "teachers-ask").await;
    let anna = submit_with_link(store, letter, 1, "Anna Ivanova").await;
    store.confirm_signature(&token(1), t0()).await.unwrap().expect("the link is valid");
    let drain = store.claim_mail_jobs(t0(), t0(), 100).await.unwrap();
    store.finish_mail_jobs(drain.iter().map(|j| (j.id, JobEnd::Done)).collect()).await.unwrap();

    let mut burst = Vec::new();
    // Addresses 10..30, each twice, with proofs of their own.
    for n in 10..30u8 {
        let mut flagged = signature(letter, n, &format!("Signer {n}"));
        flagged.flags = vec![NewFlag { other: Some(anna), ..NewFlag::new(FlagKind::DuplicateName) }];
        burst.push((flagged, options(n)));
        burst.push((signature(letter, n, &format!("Signer {n}")), options(n + 100)));
    }
    // One proof of work used by three new addresses.
    for n in 40..43u8 {
        burst.push((signature(letter, n, "Boris"), options(200)));
    }
    // The confirmed address again.
    burst.push((signature(letter, 1, "Anna Ivanova"), options(201)));
    let outcomes = futures_util::future::join_all(
        burst.into_iter().map(|(signature, options)| store.submit_signature(signature, options, t0())),
    )
    .await;
    let outcomes: Vec<SubmitOutcome> = outcomes.into_iter().map(|o| o.expect("storage works")).collect();

    for pair in outcomes[..40].chunks(2) {
        let created: Vec<SignatureId> = pair
            .iter()
            .filter_map(|o| if let SubmitOutcome::Created(id) = o { Some(*id) } else { None })
            .collect();
        assert_eq!(created.len(), 1, "one of an address's two submissions is stored: {pair:?}");
        assert!(
            pair.contains(&SubmitOutcome::Duplicate { existing: created[0], confirmed: false }),
            "the other is its duplicate: {pair:?}"
        );
    }
    let shared_proof = &outcomes[40..43];
    assert_eq!(
        shared_proof.iter().filter(|o| **o == SubmitOutcome::Replayed).count(),
        2,
        "a proof of work is used once: {shared_proof:?}"
    );
    assert!(matches!(outcomes[43], SubmitOutcome::Duplicate { confirmed: true, .. }));

    // Mail: a confirmation for each of the 20 + 1 new signatures and each of the
    // 20 pending duplicates, and "already signed" for the confirmed address.
    let jobs = store.claim_mail_jobs(t0(), t0(), 1000).await.unwrap();
    let kinds =
        |kind: MailKind| jobs.iter().filter(|j| matches!(&j.mail, Mail::Signer(m) if m.kind == kind)).count();
    assert_eq!((kinds(MailKind::Confirm), kinds(MailKind::AlreadySigned)), (41, 1));
    let flags = store.signature_flags(letter).await.unwrap();
    let created: Vec<SignatureId> = outcomes
        .iter()
        .filter_map(|o| if let SubmitOutcome::Created(id) = o { Some(*id) } else { None })
        .collect();
    assert_eq!(created.len(), 21);
    let stored_flags = flags
        .iter()
        .filter(|f| {
            f.kind == FlagKind::DuplicateName && f.other == Some(anna) && created.contains(&f.signature)
        })
        .count();
    assert_eq!(stored_flags, 20, "each flagged submission's flag is stored with the signature stored");
}

/// One `#[tokio::test]` per conformance test, each on a fresh store made by
/// `$fresh` (an expression whose value has a `store()` giving `&dyn Store` and
/// cleans up when dropped).
macro_rules! conformance_suite {
    ($fresh:expr) => {
        conformance_suite!(@each $fresh;
            a_letter_is_stored_read_back_and_closed,
            a_taken_slug_or_an_unknown_campaign_is_refused,
            a_second_submission_of_an_address_is_a_duplicate_and_a_spent_proof_a_replay,
            a_link_confirms_once_and_then_is_the_receipt,
            an_expired_link_confirms_nothing,
            a_signature_withdrawn_before_confirming_leaves_nothing,
            search_folds_case_and_accents_in_any_script_and_counts_matches,
            the_signer_list_pages_newest_first_by_number,
            outbox_jobs_are_claimed_once_retried_postponed_and_given_up,
            a_lease_that_runs_out_frees_the_job_and_done_removes_it,
            the_log_commits_only_on_the_size_it_was_built_on,
            one_node_holds_a_letters_lease_and_a_stale_holder_cannot_commit,
            log_health_says_what_waits_since_when_and_the_last_checkpoint,
            a_probe_write_commits_for_any_node_again_and_again,
            the_first_keys_are_recorded_and_other_keys_are_named,
            api_tokens_and_watch_lists_are_kept_once,
            unconfirmed_signatures_expire_with_their_data,
            facts_name_look_alikes_and_the_mail_plan_picks_by_what_is_found,
            a_burst_of_submissions_keeps_one_signature_per_address_and_one_use_per_proof
        );
    };
    (@each $fresh:expr; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let backend = $fresh;
                crate::storage::conformance::$test(backend.store()).await;
            }
        )*
    };
}

/// A fresh SQLite store in its own folder.
pub struct FreshSqlite {
    _dir: tempfile::TempDir,
    store: super::SqliteStore,
}

impl FreshSqlite {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = super::SqliteStore::open(&dir.path().join("undersign.sqlite3")).expect("a new database");
        Self { _dir: dir, store }
    }

    pub fn store(&self) -> &dyn Store {
        &self.store
    }
}

mod sqlite_conformance {
    conformance_suite!(super::FreshSqlite::new());
}

/// A fresh PostgreSQL database of its own on the test server
/// (`UNDERSIGN_TEST_POSTGRES`, by default the local server as `postgres`),
/// dropped again when the test ends.
pub struct FreshPostgres {
    store: Option<super::postgres::PostgresStore>,
    admin_url: String,
    name: String,
}

/// The server tests make their databases on.
pub fn test_postgres_url() -> String {
    std::env::var("UNDERSIGN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl FreshPostgres {
    pub async fn new() -> Self {
        let mut fresh = Self::empty().await;
        fresh.open().await;
        fresh
    }

    /// A database with nothing in it, not even the schema: `open` migrates it.
    pub async fn empty() -> Self {
        let admin_url = test_postgres_url();
        let name = format!("undersign_test_{}_{:016x}", std::process::id(), rand::random::<u64>());
        let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
            .await
            .expect("the PostgreSQL server for tests is running (scripts/test.sh starts it)");
        tokio::spawn(connection);
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("a new database");
        Self { store: None, admin_url, name }
    }

    /// Connects the store, which applies the migrations still missing.
    pub async fn open(&mut self) {
        let url = with_database(&self.admin_url, &self.name);
        let store =
            super::postgres::PostgresStore::connect(&url).await.expect("the database opens and migrates");
        self.store = Some(store);
    }

    /// A plain client on the test's database.
    pub async fn client(&self) -> tokio_postgres::Client {
        let url = with_database(&self.admin_url, &self.name);
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref().expect("open until dropped")
    }
}

/// The same server address with another database name.
fn with_database(url: &str, database: &str) -> String {
    match url.rfind('/') {
        Some(slash) if slash > "postgres://".len() => format!("{}/{database}", &url[..slash]),
        _ => format!("{url}/{database}"),
    }
}

impl Drop for FreshPostgres {
    fn drop(&mut self) {
        drop(self.store.take());
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a
        // thread of its own with a runtime of its own drops the database.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.ok()?;
                tokio::spawn(connection);
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// The columns of a PostgreSQL database, as `table.column type`.
async fn postgres_columns(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
             WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// A database left at any earlier schema version upgrades at start to the
/// same schema as a new one, keeping its rows.
#[tokio::test]
async fn postgres_upgrades_from_every_earlier_schema_version() {
    let complete = FreshPostgres::new().await;
    let expected = postgres_columns(&complete.client().await).await;
    for applied in 0..super::postgres::MIGRATIONS.len() {
        let mut partial = FreshPostgres::empty().await;
        let client = partial.client().await;
        client.batch_execute("CREATE TABLE undersign_schema (version INTEGER NOT NULL)").await.unwrap();
        for (index, sql) in super::postgres::MIGRATIONS[..applied].iter().enumerate() {
            client.batch_execute(sql).await.unwrap();
            let version = i32::try_from(index + 1).unwrap();
            client.execute("INSERT INTO undersign_schema (version) VALUES ($1)", &[&version]).await.unwrap();
        }
        if applied > 0 {
            client
                .execute(
                    "INSERT INTO campaigns (slug, title, summary, created_at) VALUES ('kept', 'Kept', '', 0)",
                    &[],
                )
                .await
                .unwrap();
        }
        partial.open().await;
        assert_eq!(postgres_columns(&client).await, expected, "upgraded from version {applied}");
        let kept: i64 = client.query_one("SELECT count(*) FROM campaigns", &[]).await.unwrap().get(0);
        assert_eq!(kept, i64::from(applied > 0), "the rows of version {applied} are kept");
        let version: i32 =
            client.query_one("SELECT max(version) FROM undersign_schema", &[]).await.unwrap().get(0);
        assert_eq!(version as usize, super::postgres::MIGRATIONS.len());
    }
}

mod postgres_conformance {
    conformance_suite!(super::FreshPostgres::new().await);
}

/// Every schema change exists on both engines: a fresh database of each has the
/// same tables with the same columns. The differences are named here, each with
/// its reason, so a migration written for one engine only fails this test.
#[tokio::test]
async fn both_engines_have_the_same_tables_and_columns() {
    use std::collections::BTreeSet;
    let sqlite = FreshSqlite::new();
    let conn = rusqlite::Connection::open(sqlite._dir.path().join("undersign.sqlite3")).unwrap();
    let mut lite: BTreeSet<String> = conn
        .prepare(
            "SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.name NOT LIKE 'signature_search%'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let postgres = FreshPostgres::new().await;
    let (client, connection) =
        tokio_postgres::connect(&with_database(&postgres.admin_url, &postgres.name), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut pg: BTreeSet<String> = client
        .query(
            "SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = 'public'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // SQLite only: columns no code reads since links got their own table.
    for unused in ["signatures.token_hash", "signatures.token_expires_at"] {
        assert!(lite.remove(unused), "{unused} is gone: drop it from this list");
    }
    // PostgreSQL only: its migration counter (SQLite's is `PRAGMA user_version`)
    // and the search vector (SQLite's is the `signature_search` FTS table).
    for own in ["undersign_schema.version", "signatures.search"] {
        assert!(pg.remove(own), "{own} is gone: drop it from this list");
    }
    let only_sqlite: Vec<_> = lite.difference(&pg).collect();
    let only_postgres: Vec<_> = pg.difference(&lite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
    assert!(lite.len() > 150, "the schemas were read ({} columns)", lite.len());
}

/// TLS to the server, its certificate verified. Debian's PostgreSQL serves TLS
/// with its "snakeoil" certificate, made for `localhost`, which stands in for
/// a private CA here.
#[tokio::test]
async fn tls_connections_verify_the_servers_certificate() {
    const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let fresh = FreshPostgres::new().await;
    let local = with_database(&fresh.admin_url, &fresh.name).replace("@127.0.0.1:", "@localhost:");
    assert!(local.contains("@localhost:"), "this test runs against the local server of scripts/test.sh");
    let verified = format!("{local}?sslmode=verify-full&sslrootcert={SNAKEOIL}");
    let store = super::postgres::PostgresStore::connect(&verified)
        .await
        .expect("TLS with the server's certificate verified against the given root");
    let client = store.client().await.unwrap();
    let encrypted: bool = client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(encrypted, "the connection is encrypted");
    drop(client);
    drop(store);
    let Err(refused) = super::postgres::PostgresStore::connect(&format!("{local}?sslmode=require")).await
    else {
        panic!("a certificate no public root vouches for is refused");
    };
    assert!(refused.to_string().contains("certificate"), "{refused}");
}
