//! The demo campaign for `serve --demo`: modelled on the professional letters of
//! February 2020 about the "Set" ("Network") case, with texts written for the demo
//! and clearly marked as such, and generated signers in roughly the proportions of
//! the real letters. Loading it twice changes nothing.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use time::Duration;
use time::macros::date;

use crate::domain::{
    BoundedText, Campaign, Community, EmailAddress, LetterDraft, LetterLanguage, Signer, Slug, TimelineEntry,
};
use crate::i18n::Language;
use crate::publishing::{create_campaign, publish_letter};
use crate::state::AppState;
use crate::storage::{ImportedSignature, SealedSignature};

pub const CAMPAIGN_SLUG: &str = "set-case-2020-demo";
/// The demo's organiser: organiser of every demo letter, so a newcomer can try
/// moderation, corrections and the form. Signs in at `/sign-in`; the link lands
/// in the outbox folder like every demo mail. Not an admin (no second factor).
pub const ORGANISER_EMAIL: &str = "organiser@demo.example.org";

/// One demo letter and how many generated signers it gets.
struct DemoLetter {
    slug: &'static str,
    community: &'static str,
    language: &'static str,
    title: &'static str,
    addressee: &'static str,
    body: &'static str,
    pull_quote: &'static str,
    organisations: bool,
    signers: usize,
    titles: &'static [&'static str],
    affiliations: &'static [&'static str],
}

const DEMO_NOTE_EN: &str = "*This is a demonstration letter of the undersign demo. Its text was written for the demo; the signers are generated and are not real people.*";
const DEMO_NOTE_RU: &str = "*Это демонстрационное письмо undersign. Текст написан для демонстрации; подписавшие сгенерированы и не являются реальными людьми.*";

const LETTERS: &[DemoLetter] = &[
    DemoLetter {
        slug: "demo-scientists",
        community: "scientists",
        language: "en",
        title: "Scientists on the Penza verdict (demo)",
        addressee: "To the Supreme Court of the Russian Federation",
        body: "We, researchers and university teachers, are alarmed by the verdict in the Penza case. The sentences of six to eighteen years rest on confessions that the defendants say were obtained under torture, and the court did not examine these statements.\n\nScience depends on evidence that can be checked. We ask the court of appeal to do what the first court did not: to examine every allegation of torture and to weigh only evidence that survives scrutiny.",
        pull_quote: "Science depends on evidence that can be checked.",
        organisations: false,
        signers: 2700,
        titles: &[
            "Professor",
            "Associate professor",
            "Research fellow",
            "Senior researcher",
            "PhD student",
            "Postdoctoral researcher",
            "Профессор",
            "Доцент",
            "Научный сотрудник",
        ],
        affiliations: &[
            "Moscow State University",
            "HSE University",
            "Saint Petersburg State University",
            "Novosibirsk State University",
            "Институт физики твёрдого тела РАН",
            "МФТИ",
            "Institute of Mathematics, Novosibirsk",
            "Уральский федеральный университет",
        ],
    },
    DemoLetter {
        slug: "demo-writers-journalists",
        community: "writers",
        language: "en",
        title: "Writers, publicists and journalists on the Penza case (demo)",
        addressee: "To the public and to the courts",
        body: "Words are our profession, and we know what words obtained by force are worth. A confession given in a basement is not evidence; it is a record of pain.\n\nWe ask for the allegations of torture to be investigated by people independent of those accused of it, and for the sentences to be reviewed.",
        pull_quote: "A confession given in a basement is not evidence; it is a record of pain.",
        organisations: false,
        signers: 2500,
        titles: &[
            "Writer",
            "Poet",
            "Journalist",
            "Editor",
            "Translator",
            "Publicist",
            "Писатель",
            "Журналист",
            "Редактор",
        ],
        affiliations: &[
            "Freelance",
            "Novaya Gazeta (demo)",
            "Independent publisher",
            "Союз писателей (демо)",
            "Literary magazine",
            "Radio journalist",
        ],
    },
    DemoLetter {
        slug: "demo-teachers",
        community: "teachers",
        language: "ru",
        title: "Учителя о приговоре по пензенскому делу (демо)",
        addressee: "Верховному суду Российской Федерации",
        body: "Мы, учителя школ и преподаватели, каждый день учим детей, что закон один для всех и что признание под давлением ничего не стоит.\n\nМы просим суд проверить заявления о пытках и пересмотреть приговор, чтобы нашим ученикам не пришлось узнавать обратное.",
        pull_quote: "Мы учим детей, что закон один для всех.",
        organisations: false,
        signers: 500,
        titles: &[
            "Учитель истории",
            "Учитель математики",
            "Учитель литературы",
            "Школьный психолог",
            "Teacher of physics",
            "Teacher of English",
            "Директор школы",
        ],
        affiliations: &[
            "Школа № 57",
            "Лицей «Вторая школа»",
            "Гимназия № 1514",
            "School No. 179",
            "Пензенская школа (демо)",
            "Petersburg lyceum 239",
        ],
    },
    DemoLetter {
        slug: "demo-psychologists",
        community: "psychologists",
        language: "en",
        title: "Psychologists on testimony under duress (demo)",
        addressee: "To the Supreme Court of the Russian Federation",
        body: "Our field has studied for decades what fear and pain do to memory and to speech. Testimony given under such conditions is unreliable by its nature, whatever it says.\n\nWe ask the court not to rely on it, and to order an independent examination of the defendants' statements about how it was obtained.",
        pull_quote: "Testimony given under fear and pain is unreliable by its nature.",
        organisations: false,
        signers: 200,
        titles: &[
            "Clinical psychologist",
            "Psychotherapist",
            "Psychology lecturer",
            "Психолог",
            "Психотерапевт",
        ],
        affiliations: &[
            "Private practice",
            "Московский институт психоанализа (демо)",
            "Crisis centre",
            "University psychology department",
        ],
    },
    DemoLetter {
        slug: "demo-artists-museums",
        community: "artists",
        language: "en",
        title: "Artists, art historians and museum workers (demo)",
        addressee: "To the public",
        body: "Museums keep the memory of what a society did. We do not want this case to become an exhibit of a time when courts did not listen.\n\nWe join our colleagues in asking for the allegations of torture to be investigated and the verdict reviewed.",
        pull_quote: "We do not want this case to become an exhibit.",
        organisations: false,
        signers: 90,
        titles: &[
            "Artist",
            "Art historian",
            "Curator",
            "Museum researcher",
            "Художник",
            "Искусствовед",
            "Хранитель",
        ],
        affiliations: &[
            "Tretyakov Gallery (demo)",
            "Hermitage (demo)",
            "Garage Museum (demo)",
            "Independent artist",
            "Музей современного искусства (демо)",
        ],
    },
    DemoLetter {
        slug: "demo-bookstores",
        community: "bookstores",
        language: "en",
        title: "Bookstores close for a day in solidarity (demo)",
        addressee: "To our readers",
        body: "Bookstores sell the freedom to read and to think. On the day of the appeal hearing we close our doors, and our staff join single-person pickets.\n\nWe invite other bookstores to sign and to pledge the same.",
        pull_quote: "On the day of the appeal hearing we close our doors.",
        organisations: true,
        signers: 12,
        titles: &[],
        affiliations: &[],
    },
];

const BOOKSTORES: &[(&str, &str)] = &[
    ("Falanster (demo)", "Moscow"),
    ("Ciolkowsky (demo)", "Moscow"),
    ("Подписные издания (демо)", "Санкт-Петербург"),
    ("Все свободны (демо)", "Санкт-Петербург"),
    ("Primus Versus (demo)", "Yekaterinburg"),
    ("Пиотровский (демо)", "Пермь"),
    ("Bookstore on Moskovskaya (demo)", "Penza"),
    ("Йозеф Кнехт (демо)", "Екатеринбург"),
    ("Polka (demo)", "Nizhny Novgorod"),
    ("Гиперион (демо)", "Москва"),
    ("Bukvoed corner (demo)", "Kazan"),
    ("Книжный у моста (демо)", "Новосибирск"),
];

/// Given names by script and gender: a generated signer's family name takes the
/// form of their gender (Иванов / Иванова, Ivanov / Ivanova).
const WOMEN_CYR: &[&str] =
    &["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Юлия", "Дарья"];
const MEN_CYR: &[&str] = &[
    "Александр",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Алексей",
    "Михаил",
    "Иван",
    "Николай",
    "Григорий",
    "Пётр",
    "Фёдор",
];
const WOMEN_LAT: &[&str] =
    &["Anna", "Maria", "Elena", "Olga", "Natalia", "Tatiana", "Irina", "Ekaterina", "Yulia", "Daria"];
const MEN_LAT: &[&str] = &[
    "Alexander",
    "Dmitry",
    "Sergey",
    "Andrei",
    "Alexei",
    "Mikhail",
    "Ivan",
    "Nikolai",
    "Grigory",
    "Pyotr",
    "Fyodor",
];
/// Family names in their masculine form; every one ends in -ов/-ев/-ёв (-ov/-ev),
/// whose feminine form adds а (a).
const LAST_CYR: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
];
const LAST_LAT: &[&str] = &[
    "Ivanov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Sokolov",
    "Lebedev",
    "Kozlov",
    "Novikov",
    "Morozov",
    "Volkov",
    "Solovyov",
    "Vasiliev",
    "Zaitsev",
    "Pavlov",
    "Semyonov",
    "Golubev",
    "Vinogradov",
    "Bogdanov",
    "Vorobyov",
    "Fyodorov",
];
const CITIES: &[&str] = &[
    "Moscow",
    "Москва",
    "Saint Petersburg",
    "Санкт-Петербург",
    "Penza",
    "Пенза",
    "Novosibirsk",
    "Yekaterinburg",
    "Екатеринбург",
    "Kazan",
    "Nizhny Novgorod",
    "Пермь",
    "Tomsk",
    "Voronezh",
];

fn campaign() -> Campaign {
    let entry = |date, kind: &str, place: &str, note: &str| TimelineEntry {
        date,
        kind: kind.to_owned(),
        place: place.to_owned(),
        note: note.to_owned(),
        source_url: Some(format!("https://example.org/demo/{kind}")),
    };
    Campaign {
        slug: Slug::parse(CAMPAIGN_SLUG).expect("demo slug is valid"),
        title: "After the Penza verdict: professional communities speak (demo)".to_owned(),
        summary: "A demonstration campaign modelled on February 2020, when scientists, writers, teachers, psychologists, artists and bookstores each answered the verdict in the \"Set\" case with a letter of their own. Texts are written for the demo; signers are generated.".to_owned(),
        timeline: vec![
            entry(date!(2020 - 02 - 10), "court", "Penza", "The regional military court sentences seven defendants to 6–18 years."),
            entry(date!(2020 - 02 - 11), "picket", "Moscow", "Single-person pickets near the Lubyanka building."),
            entry(date!(2020 - 02 - 12), "letter", "Online", "The scientists' letter is published and passes 1,000 signatures in a day."),
            entry(date!(2020 - 02 - 13), "detention", "Saint Petersburg", "Detentions of picketers are reported."),
            entry(date!(2020 - 02 - 17), "closure", "Moscow, Saint Petersburg, Penza", "Bookstores close for the day and join the pickets."),
            entry(date!(2020 - 02 - 18), "press", "Online", "A newspaper sums up the letters community by community."),
        ],
    }
}

fn draft(letter: &DemoLetter) -> LetterDraft {
    LetterDraft {
        slug: Slug::parse(letter.slug).expect("demo slug is valid"),
        title: letter.title.to_owned(),
        addressee: letter.addressee.to_owned(),
        community: Community::parse(letter.community).expect("demo community is valid"),
        language: LetterLanguage::parse(letter.language).expect("demo language is valid"),
        body: format!(
            "{}\n\n{}",
            letter.body,
            if letter.language == "ru" { DEMO_NOTE_RU } else { DEMO_NOTE_EN }
        ),
        organisations: letter.organisations,
        campaign: Some(Slug::parse(CAMPAIGN_SLUG).expect("demo slug is valid")),
        pull_quote: Some(letter.pull_quote.to_owned()),
        closes_on: None,
        target: None,
    }
}

/// Loads the demo campaign; letters that exist already are left alone.
/// Returns how many letters were added.
pub async fn load(state: &AppState) -> anyhow::Result<usize> {
    create_campaign(state, &campaign()).await?;
    let mut added = 0;
    let mut organiser = None;
    for (index, letter) in LETTERS.iter().enumerate() {
        let draft = draft(letter);
        if state.store.letter(&draft.slug).await?.is_some() {
            continue;
        }
        let id = publish_letter(state, &draft).await?;
        let stored = state
            .store
            .letter(&draft.slug)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo letter {} vanished", draft.slug))?;
        let wrapped = state.store.wrapped_letter_key(id).await?.ok_or_else(|| anyhow::anyhow!("no key"))?;
        let key = state.keys.unwrap_letter_key(draft.slug.as_str(), &wrapped)?;
        // Seeded: the same demo on every machine.
        let mut rng = StdRng::seed_from_u64(2020 + index as u64);
        let start = state.clock.now() - Duration::days(3);
        let mut signatures = Vec::with_capacity(letter.signers);
        for i in 0..letter.signers {
            let email = EmailAddress::parse(&format!("signer-{i}@{}.demo.example.org", letter.slug))
                .map_err(|_| anyhow::anyhow!("demo address invalid"))?;
            let email_lookup = state.keys.email_lookup(stored.id, &email);
            let email_sealed = key.seal_email(&email, &email_lookup)?;
            let (name, title, affiliation, city, signer) = if letter.organisations {
                let (name, city) = BOOKSTORES[i % BOOKSTORES.len()];
                let pledge = if is_cyrillic(name) {
                    "В день заседания закрываемся; сотрудники выходят на пикеты."
                } else {
                    "Closed for the day of the hearing; our staff join the pickets."
                };
                let pledge =
                    BoundedText::parse(pledge, 500).map_err(|_| anyhow::anyhow!("demo pledge invalid"))?;
                (name.to_owned(), None, None, city.to_owned(), Signer::Organisation { pledge: Some(pledge) })
            } else {
                // One signer, one script: name, title, workplace and city alike.
                let cyrillic = rng.gen_bool(0.55);
                let woman = rng.gen_bool(0.5);
                let (given, family, feminine) = match (cyrillic, woman) {
                    (true, true) => (WOMEN_CYR, LAST_CYR, "а"),
                    (true, false) => (MEN_CYR, LAST_CYR, ""),
                    (false, true) => (WOMEN_LAT, LAST_LAT, "a"),
                    (false, false) => (MEN_LAT, LAST_LAT, ""),
                };
                let name = format!(
                    "{} {}{feminine}",
                    given.choose(&mut rng).unwrap_or(&"Anna"),
                    family.choose(&mut rng).unwrap_or(&"Ivanov")
                );
                let in_script = |list: &[&'static str]| -> Vec<&'static str> {
                    list.iter().copied().filter(|t| is_cyrillic(t) == cyrillic).collect()
                };
                (
                    name,
                    in_script(letter.titles).choose(&mut rng).map(|t| (*t).to_owned()),
                    in_script(letter.affiliations).choose(&mut rng).map(|a| (*a).to_owned()),
                    in_script(CITIES).choose(&mut rng).unwrap_or(&"Moscow").to_string(),
                    Signer::Person,
                )
            };
            // Spread over three days, denser at the start, as real letters go.
            let offset = Duration::seconds((rng.gen_range(0.0f64..1.0).powi(3) * 3.0 * 86_400.0) as i64);
            // A few look-alike names (a Latin "a" inside a Cyrillic word) for the
            // moderation queue to show.
            let (name, flags) = match name.find('а') {
                Some(at) if i % 97 == 41 => {
                    let mut trick = name.clone();
                    trick.replace_range(at..at + 'а'.len_utf8(), "a");
                    (trick, vec![crate::storage::NewFlag::new(crate::abuse::FlagKind::MixedScript)])
                }
                _ => (name, Vec::new()),
            };
            let name_key = crate::abuse::names::name_key(&name);
            let canonical = crate::abuse::emails::canonical_address(&email);
            signatures.push(ImportedSignature {
                signature: SealedSignature {
                    letter: stored.id,
                    email_lookup,
                    email_sealed,
                    email_canonical_lookup: state.keys.canonical_lookup(stored.id, &canonical),
                    name_key,
                    flags,
                    held: false,
                    verified_domain: None,
                    name,
                    title,
                    affiliation,
                    country: Some(if is_cyrillic(&city) { "Россия" } else { "Russia" }.to_owned()),
                    city: Some(city),
                    orcid: None,
                    signer,
                    // Organisations sign to be seen; about one person in ten withholds.
                    show_name: letter.organisations || !rng.gen_bool(0.1),
                    language: if rng.gen_bool(0.5) { Language::Ru } else { Language::En },
                },
                confirmed_at: start + offset,
            });
        }
        signatures.sort_by_key(|s| s.confirmed_at);
        state.store.import_confirmed(signatures).await?;
        let account = match organiser {
            Some(account) => account,
            None => *organiser.insert(demo_organiser(state).await?),
        };
        let entry = crate::organisers::audit(
            None,
            Some(id),
            crate::organisers::actions::ROLE_GRANTED,
            crate::organisers::detail("role", &["organiser", &account.get().to_string()]),
            state.clock.now(),
        );
        // No mail: the README and the demo's sign-in page tell whom to sign in as.
        state
            .store
            .grant_role(id, account, crate::storage::organisers::Role::Organiser, false, entry)
            .await?;
        added += 1;
    }
    if added > 0 {
        tracing::info!(letters = added, campaign = CAMPAIGN_SLUG, "demo campaign loaded");
    }
    Ok(added)
}

/// The demo organiser's account (made on first load).
async fn demo_organiser(state: &AppState) -> anyhow::Result<crate::storage::organisers::AccountId> {
    let email =
        EmailAddress::parse(ORGANISER_EMAIL).map_err(|_| anyhow::anyhow!("demo organiser address"))?;
    Ok(crate::organisers::account_for(state, &email, false, Language::En).await?.0)
}

/// Whether a demo text is written in Cyrillic.
fn is_cyrillic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// The six letters' expected signer counts, for tests and the README.
pub fn expected_counts() -> Vec<(&'static str, u64)> {
    LETTERS.iter().map(|l| (l.slug, l.signers as u64)).collect()
}
