//! For `bench/scale`: builds a data folder with one letter of N confirmed
//! signatures, through the bulk import path (as the demo does; documented as such),
//! and integrates them all into the letter's log. Usage: scale_build DATA_DIR N

use std::time::Instant;

use undersign::app::AppState;
use undersign::config::Config;
use undersign::domain::{Community, EmailAddress, LetterDraft, LetterLanguage, Signer, Slug};
use undersign::storage::{ImportedSignature, SealedSignature};

const CITIES: &[&str] = &["Moscow", "Saint Petersburg", "Penza", "Novosibirsk", "Kazan", "Perm", "Tomsk"];
const AFFILIATIONS: &[&str] =
    &["Moscow State University", "HSE University", "Ural Federal University", "Institute of Physics"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, n] = args.as_slice() else { anyhow::bail!("usage: scale_build DATA_DIR N") };
    let n: u64 = n.parse()?;
    let config = Config::for_data_dir(std::path::Path::new(data), "127.0.0.1:8080".parse()?);
    let state = AppState::open_with_system_clock(config)?;
    let slug = Slug::parse("million-letter")?;
    let draft = LetterDraft {
        slug: slug.clone(),
        title: "A letter with a million signatures".into(),
        addressee: "To the court".into(),
        community: Community::parse("scientists").map_err(anyhow::Error::msg)?,
        language: LetterLanguage::parse("en").map_err(anyhow::Error::msg)?,
        body: "We ask for a fair trial.".into(),
        organisations: false,
        campaign: None,
        pull_quote: None,
    };
    let letter = undersign::publishing::publish_letter(&state, &draft).await?;
    let wrapped = state.store.wrapped_letter_key(letter).await?.expect("key");
    let key = state.keys.unwrap_letter_key(slug.as_str(), &wrapped)?;
    let started = Instant::now();
    let now = state.clock.now();
    let mut i = 0;
    while i < n {
        let chunk: Vec<ImportedSignature> = (i..(i + 10_000).min(n))
            .map(|k| {
                let email = EmailAddress::parse(&format!("s{k}@scale.example.org")).expect("valid");
                let email_lookup = state.keys.email_lookup(letter, &email);
                let name = format!("Signer {k}");
                ImportedSignature {
                    signature: SealedSignature {
                        letter,
                        email_sealed: key.seal_email(&email, &email_lookup).expect("seal"),
                        email_canonical_lookup: state.keys.canonical_lookup(letter, email.as_str()),
                        email_lookup,
                        name_key: undersign::abuse::names::name_key(&name),
                        flags: Vec::new(),
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
                }
            })
            .collect();
        i += chunk.len() as u64;
        state.store.import_confirmed(chunk).await?;
    }
    let import_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    while undersign::log::integrate_all(&state).await? > 0 {}
    println!(
        "built: {n} signatures imported in {import_s:.1} s (bulk path), integrated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
