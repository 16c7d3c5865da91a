//! The demo campaign.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_loads_once_with_six_letters_in_the_real_proportions() {
    let app = TestApp::spawn_empty().await;
    assert_eq!(undersign::demo::load(app.state()).await.unwrap(), 6);
    assert_eq!(undersign::demo::load(app.state()).await.unwrap(), 0, "a second load adds nothing");

    let expected = undersign::demo::expected_counts();
    assert_eq!(expected.iter().map(|(_, n)| n).collect::<Vec<_>>(), [&2700, &2500, &500, &200, &90, &12]);
    for (slug, count) in &expected {
        assert_eq!(app.count(slug).await, *count, "{slug}");
    }
    let campaign = app.get_text(&format!("/campaigns/{}", undersign::demo::CAMPAIGN_SLUG)).await;
    for text in [
        "Scientists",
        "2,700 signatures",
        "Bookstores",
        "12 organisations",
        "Timeline",
        "Detentions",
        "February 17, 2020",
    ] {
        assert!(campaign.contains(text), "campaign page lacks {text:?}");
    }
    let russian = app.get_text(&format!("/campaigns/{}?lang=ru", undersign::demo::CAMPAIGN_SLUG)).await;
    assert!(russian.contains("2\u{202F}700 подписей") && russian.contains("17 февраля 2020"));
    let letter = app.get_text("/letters/demo-scientists").await;
    assert!(letter.contains("demonstration letter"));
    let names = letter.matches("class=\"name\"").count();
    assert_eq!(names, 20, "twenty recent signers are shown");
}

#[tokio::test]
async fn each_demo_signer_is_written_in_one_script_and_names_agree_in_gender() {
    let app = TestApp::spawn_empty().await;
    undersign::demo::load(app.state()).await.unwrap();
    let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    let women = [
        "Анна",
        "Мария",
        "Елена",
        "Ольга",
        "Наталья",
        "Татьяна",
        "Ирина",
        "Екатерина",
        "Юлия",
        "Дарья",
        "Anna",
        "Maria",
        "Elena",
        "Olga",
        "Natalia",
        "Tatiana",
        "Irina",
        "Ekaterina",
        "Yulia",
        "Daria",
    ];
    let mut checked = 0;
    for slug in ["demo-scientists", "demo-teachers"] {
        let list: serde_json::Value =
            app.get(&format!("/api/v1/letters/{slug}/signatures?limit=500")).await.json().await.unwrap();
        for s in list["signatures"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap();
            if name.split(' ').any(|w| cyrillic(w) && w.chars().any(|c| c.is_ascii_alphabetic())) {
                continue; // one of the demo's deliberate look-alikes, for moderators
            }
            let script = cyrillic(name);
            for field in ["title", "affiliation", "city", "country"] {
                if let Some(value) = s[field].as_str() {
                    assert_eq!(cyrillic(value), script, "{name}: {field} {value} is in another script");
                }
            }
            let (given, family) = name.split_once(' ').unwrap();
            if women.contains(&given) {
                assert!(family.ends_with('а') || family.ends_with('a'), "{name}: a woman's family name");
            } else {
                assert!(!family.ends_with('а') && !family.ends_with('a'), "{name}: a man's family name");
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} signers checked");
}
