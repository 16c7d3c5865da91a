//! Shared by the benchmark examples: publish a letter and fill it with synthetic
//! confirmed signatures through the bulk import path (as the demo does).

use undersign::domain::{Community, EmailAddress, LetterDraft, LetterId, LetterLanguage, Signer, Slug};
use undersign::state::AppState;
use undersign::storage::{ImportedSignature, SealedSignature};

const CITIES: &[&str] = &["Moscow", "Saint Petersburg", "Penza", "Novosibirsk", "Kazan", "Perm", "Tomsk"];
const AFFILIATIONS: &[&str] =
    &["Moscow State University", "HSE University", "Ural Federal University", "Institute of Physics"];

/// Publishes a letter (its text is leaf 0).
pub async fn publish(state: &AppState, slug: &str) -> anyhow::Result<LetterId> {
    let draft = LetterDraft {
        slug: Slug::parse(slug)?,
        title: format!("Benchmark letter {slug}"),
        addressee: "To the court".into(),
        community: Community::parse("scientists").map_err(anyhow::Error::msg)?,
        language: LetterLanguage::parse("en").map_err(anyhow::Error::msg)?,
        body: "We ask for a fair trial.".into(),
        organisations: false,
        campaign: None,
        pull_quote: None,
        closes_on: None,
        target: None,
    };
    Ok(undersign::publishing::publish_letter(state, &draft).await?)
}

/// Imports `n` confirmed signatures "Signer <k>" (one in ten withheld) in
/// transactions of 10,000. They still need integrating into the log.
pub async fn import_signatures(state: &AppState, slug: &str, letter: LetterId, n: u64) -> anyhow::Result<()> {
    let wrapped =
        state.store.wrapped_letter_key(letter).await?.ok_or_else(|| anyhow::anyhow!("no letter key"))?;
    let key = state.keys.unwrap_letter_key(slug, &wrapped)?;
    let now = state.clock.now();
    let mut first = 0;
    while first < n {
        let mut chunk = Vec::with_capacity(10_000);
        for k in first..(first + 10_000).min(n) {
            let email = EmailAddress::parse(&format!("s{k}@bench.example.org"))
                .map_err(|_| anyhow::anyhow!("address"))?;
            let email_lookup = state.keys.email_lookup(letter, &email);
            let name = format!("Signer {k}");
            chunk.push(ImportedSignature {
                signature: SealedSignature {
                    letter,
                    email_sealed: key.seal_email(&email, &email_lookup)?,
                    email_canonical_lookup: state.keys.canonical_lookup(letter, email.as_str()),
                    email_lookup,
                    name_key: undersign::abuse::names::name_key(&name),
                    flags: Vec::new(),
                    held: false,
                    verified_domain: None,
                    name,
                    title: Some("Researcher".into()),
                    affiliation: Some(AFFILIATIONS[(k % 4) as usize].into()),
                    city: Some(CITIES[(k % 7) as usize].into()),
                    country: Some("Russia".into()),
                    orcid: None,
                    signer: Signer::Person,
                    show_name: k % 10 != 0,
                    language: undersign::i18n::Language::En,
                },
                confirmed_at: now,
            });
        }
        first += chunk.len() as u64;
        state.store.import_confirmed(chunk).await?;
    }
    Ok(())
}
