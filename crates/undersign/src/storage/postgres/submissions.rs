//! Signature submissions stored in groups: one transaction, one commit and a
//! handful of multi-row statements for every submission waiting at that
//! moment, instead of a transaction and half a dozen statements each.
//!
//! A spike of signatures is the write PostgreSQL sees most. Measured one by
//! one, each cost about a millisecond of the server's CPU in statement
//! overhead and contention between backends, and a synced commit; grouped,
//! the overhead is shared (see `bench/README.md`). The rules are those of
//! `submit_one`, the single path: a spent proof of work makes the submission
//! `Replayed`; an address that signed already gets the plan's mail for that
//! case and no second row; the first of two submissions of one address in a
//! group is the one created. If a group's transaction fails, each of its
//! submissions is retried alone, so one bad submission fails only itself.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Pool;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::{CachedStatements, insert_flags, insert_signature_row, outbox, unix};
use crate::domain::{LetterId, SignatureId, Signer};
use crate::storage::{SealedSignature, StoreError, SubmitOptions, SubmitOutcome};

/// At most this many submissions share a transaction.
const MAX_GROUP: usize = 256;
/// Submissions waiting for a group; more wait for room (back-pressure).
const QUEUE: usize = 4 * MAX_GROUP;

struct Submission {
    signature: SealedSignature,
    options: SubmitOptions,
    now: OffsetDateTime,
    reply: oneshot::Sender<Result<SubmitOutcome, StoreError>>,
}

/// The queue in front of the group writer; the writer stops when the last
/// handle is dropped.
pub(super) struct Submissions {
    queue: mpsc::Sender<Submission>,
}

impl Submissions {
    pub(super) fn start(pool: Pool) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(write_groups(pool, waiting));
        Self { queue }
    }

    pub(super) async fn submit(
        &self,
        signature: SealedSignature,
        options: SubmitOptions,
        now: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the signature writer has stopped".into());
        self.queue.send(Submission { signature, options, now, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn write_groups(pool: Pool, mut waiting: mpsc::Receiver<Submission>) {
    while let Some(first) = waiting.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match waiting.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        crate::metrics::metrics().committed("postgres", group.len(), waiting.len());
        if group.len() == 1 {
            let Submission { signature, options, now, reply } = group.pop().expect("one");
            let _ = reply.send(submit_one(&pool, signature, options, now).await);
            continue;
        }
        match store_group(&pool, &group).await {
            Ok(outcomes) => {
                for (submission, outcome) in group.into_iter().zip(outcomes) {
                    let _ = submission.reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                tracing::debug!(%error, size = group.len(), "a group of signatures failed; storing each alone");
                for Submission { signature, options, now, reply } in group {
                    let _ = reply.send(submit_one(&pool, signature, options, now).await);
                }
            }
        }
    }
}

/// One submission in its own transaction: the rules every group follows.
pub(super) async fn submit_one(
    pool: &Pool,
    signature: SealedSignature,
    options: SubmitOptions,
    now: OffsetDateTime,
) -> Result<SubmitOutcome, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if let Some(solution) = &options.spend {
        let spent = tx
            .exec(
                "INSERT INTO spent_challenges (expires_at, challenge) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&unix(solution.expires_at), &&solution.challenge[..]],
            )
            .await?;
        if spent == 0 {
            return Ok(SubmitOutcome::Replayed);
        }
    }
    let plan = options.mail;
    let outcome = match insert_signature_row(&tx, &signature, now).await? {
        Some(id) => {
            insert_flags(&tx, id, &signature.flags).await?;
            if let Some(kind) = plan.created {
                outbox::enqueue_signer_mail(&tx, kind, id, now).await?;
            }
            SubmitOutcome::Created(SignatureId(id))
        }
        None => {
            let row = tx
                .fetch_one(
                    "SELECT id, status FROM signatures WHERE letter_id = $1 AND email_lookup = $2",
                    &[&signature.letter.0, &&signature.email_lookup.0[..]],
                )
                .await?;
            let (id, status): (i64, String) = (row.get(0), row.get(1));
            let confirmed = status == "confirmed";
            if let Some(kind) = if confirmed { plan.confirmed } else { plan.pending } {
                outbox::enqueue_signer_mail(&tx, kind, id, now).await?;
            }
            SubmitOutcome::Duplicate { existing: SignatureId(id), confirmed }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// A signature's key: its letter and keyed address.
type Key = (i64, Vec<u8>);

fn key(signature: &SealedSignature) -> Key {
    (signature.letter.0, signature.email_lookup.0.to_vec())
}

/// Stores a group in one transaction; the outcomes are in the group's order.
async fn store_group(pool: &Pool, group: &[Submission]) -> Result<Vec<SubmitOutcome>, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let mut outcomes: Vec<Option<SubmitOutcome>> = vec![None; group.len()];

    // 1. Proofs of work: a challenge spent before, or twice in this group, replays.
    let spends: Vec<(usize, &crate::abuse::pow::Solution)> = group
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.options.spend.as_ref().map(|spend| (i, spend)))
        .collect();
    if !spends.is_empty() {
        let expires: Vec<i64> = spends.iter().map(|(_, s)| unix(s.expires_at)).collect();
        let challenges: Vec<&[u8]> = spends.iter().map(|(_, s)| &s.challenge[..]).collect();
        let mut newly_spent: HashSet<Vec<u8>> = tx
            .fetch(
                "INSERT INTO spent_challenges (expires_at, challenge)
                 SELECT * FROM unnest($1::BIGINT[], $2::BYTEA[])
                 ON CONFLICT DO NOTHING RETURNING challenge",
                &[&expires, &challenges],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (i, spend) in &spends {
            if !newly_spent.remove(&spend.challenge[..]) {
                outcomes[*i] = Some(SubmitOutcome::Replayed);
            }
        }
    }

    // 2. New rows; an address already stored (or twice in the group) is skipped.
    let live: Vec<usize> = (0..group.len()).filter(|i| outcomes[*i].is_none()).collect();
    let rows = Columns::of(live.iter().map(|i| (&group[*i].signature, group[*i].now)));
    let created: HashMap<Key, i64> = tx
        .fetch(
            "INSERT INTO signatures (letter_id, email_lookup, email_sealed, name, title, affiliation,
                 city, country, orcid, organisation, pledge, show_name, language, status, created_at,
                 email_canonical_lookup, name_key, held, version, verified_domain)
             SELECT u.letter_id, u.email_lookup, u.email_sealed, u.name, u.title, u.affiliation, u.city,
                    u.country, u.orcid, u.organisation, u.pledge, u.show_name, u.language, 'pending',
                    u.created_at, u.email_canonical_lookup, u.name_key, u.held,
                    (SELECT version FROM letters WHERE id = u.letter_id), u.verified_domain
             FROM unnest($1::BIGINT[], $2::BYTEA[], $3::BYTEA[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                         $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BOOLEAN[], $11::TEXT[], $12::BOOLEAN[],
                         $13::TEXT[], $14::BIGINT[], $15::BYTEA[], $16::TEXT[], $17::BOOLEAN[], $18::TEXT[])
                  WITH ORDINALITY AS u (letter_id, email_lookup, email_sealed, name, title, affiliation,
                      city, country, orcid, organisation, pledge, show_name, language, created_at,
                      email_canonical_lookup, name_key, held, verified_domain, n)
             ORDER BY u.n
             ON CONFLICT (letter_id, email_lookup) DO NOTHING
             RETURNING id, letter_id, email_lookup",
            &[
                &rows.letter,
                &rows.email_lookup,
                &rows.email_sealed,
                &rows.name,
                &rows.title,
                &rows.affiliation,
                &rows.city,
                &rows.country,
                &rows.orcid,
                &rows.organisation,
                &rows.pledge,
                &rows.show_name,
                &rows.language,
                &rows.created_at,
                &rows.email_canonical_lookup,
                &rows.name_key,
                &rows.held,
                &rows.verified_domain,
            ],
        )
        .await?
        .iter()
        .map(|r| ((r.get(1), r.get(2)), r.get(0)))
        .collect();

    // 3. Which submission made each new row: the first of its address.
    let mut claimed: HashSet<Key> = HashSet::new();
    let mut duplicates = Vec::new();
    let mut flags = FlagColumns::default();
    let mut mail = MailColumns::default();
    for &i in &live {
        let submission = &group[i];
        let key = key(&submission.signature);
        match created.get(&key) {
            Some(&id) if claimed.insert(key) => {
                for flag in &submission.signature.flags {
                    flags.signature.push(id);
                    flags.kind.push(flag.kind.as_str());
                    flags.detail.push(flag.detail.as_deref());
                    flags.other.push(flag.other.map(|o| o.0));
                }
                if let Some(kind) = submission.options.mail.created {
                    mail.push(kind, id, submission.now);
                }
                outcomes[i] = Some(SubmitOutcome::Created(SignatureId(id)));
            }
            _ => duplicates.push(i),
        }
    }

    // 4. Addresses that had signed: their row, and the plan's mail for its state.
    if !duplicates.is_empty() {
        let letters: Vec<i64> = duplicates.iter().map(|i| group[*i].signature.letter.0).collect();
        let lookups: Vec<&[u8]> =
            duplicates.iter().map(|i| &group[*i].signature.email_lookup.0[..]).collect();
        let existing: HashMap<Key, (i64, bool)> = tx
            .fetch(
                "SELECT s.id, s.status = 'confirmed', s.letter_id, s.email_lookup FROM signatures s
                 JOIN unnest($1::BIGINT[], $2::BYTEA[]) AS u (letter_id, email_lookup)
                   ON s.letter_id = u.letter_id AND s.email_lookup = u.email_lookup",
                &[&letters, &lookups],
            )
            .await?
            .iter()
            .map(|r| ((r.get(2), r.get(3)), (r.get(0), r.get(1))))
            .collect();
        for i in duplicates {
            let submission = &group[i];
            let &(id, confirmed) = existing
                .get(&key(&submission.signature))
                .ok_or_else(|| StoreError::Corrupt("a signature skipped as stored is not there".into()))?;
            let plan = submission.options.mail;
            if let Some(kind) = if confirmed { plan.confirmed } else { plan.pending } {
                mail.push(kind, id, submission.now);
            }
            outcomes[i] = Some(SubmitOutcome::Duplicate { existing: SignatureId(id), confirmed });
        }
    }

    // 5. Flags and mail jobs of the whole group.
    if !flags.signature.is_empty() {
        tx.exec(
            "INSERT INTO signature_flags (signature_id, kind, detail, other_id)
             SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[])",
            &[&flags.signature, &flags.kind, &flags.detail, &flags.other],
        )
        .await?;
    }
    if !mail.kind.is_empty() {
        tx.exec(
            "INSERT INTO mail_jobs (kind, signature_id, next_attempt_at, created_at)
             SELECT k, s, t, t FROM unnest($1::TEXT[], $2::BIGINT[], $3::BIGINT[]) AS u (k, s, t)",
            &[&mail.kind, &mail.signature, &mail.at],
        )
        .await?;
    }
    tx.commit().await?;
    outcomes
        .into_iter()
        .map(|o| o.ok_or_else(|| StoreError::Corrupt("a submission of the group got no outcome".into())))
        .collect()
}

/// The group's flags, column by column.
#[derive(Default)]
struct FlagColumns<'a> {
    signature: Vec<i64>,
    kind: Vec<&'static str>,
    detail: Vec<Option<&'a str>>,
    other: Vec<Option<i64>>,
}

/// The group's mail jobs, column by column.
#[derive(Default)]
struct MailColumns {
    kind: Vec<&'static str>,
    signature: Vec<i64>,
    at: Vec<i64>,
}

impl MailColumns {
    fn push(&mut self, kind: crate::storage::outbox::MailKind, signature: i64, at: OffsetDateTime) {
        self.kind.push(kind.as_str());
        self.signature.push(signature);
        self.at.push(unix(at));
    }
}

/// The group's new rows, column by column (PostgreSQL's `unnest` takes arrays).
#[derive(Default)]
struct Columns<'a> {
    letter: Vec<i64>,
    email_lookup: Vec<&'a [u8]>,
    email_sealed: Vec<&'a [u8]>,
    name: Vec<&'a str>,
    title: Vec<Option<&'a str>>,
    affiliation: Vec<Option<&'a str>>,
    city: Vec<Option<&'a str>>,
    country: Vec<Option<&'a str>>,
    orcid: Vec<Option<&'a str>>,
    organisation: Vec<bool>,
    pledge: Vec<Option<&'a str>>,
    show_name: Vec<bool>,
    language: Vec<&'static str>,
    created_at: Vec<i64>,
    email_canonical_lookup: Vec<&'a [u8]>,
    name_key: Vec<&'a str>,
    held: Vec<bool>,
    verified_domain: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn of(rows: impl Iterator<Item = (&'a SealedSignature, OffsetDateTime)>) -> Self {
        let mut c = Columns::default();
        for (s, now) in rows {
            let LetterId(letter) = s.letter;
            let (organisation, pledge) = match &s.signer {
                Signer::Person => (false, None),
                Signer::Organisation { pledge } => (true, pledge.as_ref().map(|p| p.as_str())),
            };
            c.letter.push(letter);
            c.email_lookup.push(&s.email_lookup.0);
            c.email_sealed.push(&s.email_sealed.0);
            c.name.push(&s.name);
            c.title.push(s.title.as_deref());
            c.affiliation.push(s.affiliation.as_deref());
            c.city.push(s.city.as_deref());
            c.country.push(s.country.as_deref());
            c.orcid.push(s.orcid.as_deref());
            c.organisation.push(organisation);
            c.pledge.push(pledge);
            c.show_name.push(s.show_name);
            c.language.push(s.language.code());
            c.created_at.push(unix(now));
            c.email_canonical_lookup.push(&s.email_canonical_lookup.0);
            c.name_key.push(&s.name_key);
            c.held.push(s.held);
            c.verified_domain.push(s.verified_domain.as_deref());
        }
        c
    }
}
