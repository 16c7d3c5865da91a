//! The campaign editor through the HTTP interface: a campaign with its letters
//! and pull quotes, a dated timeline with a hidden entry, a related campaign,
//! and nobody else's hands on it.

use crate::helpers::TestApp;
use crate::organisers::{Browser, publish_letter, signed_in_admin, signed_in_organiser};

async fn create_campaign(browser: &mut Browser<'_>, slug: &str, title: &str) -> String {
    let csrf = browser.csrf().await;
    let created = browser
        .post(
            "/organise/campaigns",
            &[("csrf", &csrf), ("slug", slug), ("title", title), ("summary", "A case.")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    created.location.unwrap()
}

#[tokio::test]
async fn an_organiser_builds_a_campaign_page_a_journalist_can_cite() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    publish_letter(&mut olga, "teachers-ask").await;
    let earlier = create_campaign(&mut olga, "case-2019", "The 2019 case").await;
    assert_eq!(earlier, "/organise/campaigns/case-2019");
    let editor = create_campaign(&mut olga, "case-2020", "The 2020 case").await;
    let csrf = olga.csrf().await;

    // A quote that is not in the letter is refused; its own words are taken.
    let made_up = olga
        .post(
            &format!("{editor}/letters"),
            &[("csrf", &csrf), ("letter", "teachers-ask"), ("pull_quote", "We demand a revolution")],
        )
        .await;
    assert_eq!(made_up.status, 400);
    assert!(made_up.body.contains("copied exactly"));
    let quoted = olga
        .post(
            &format!("{editor}/letters"),
            &[("csrf", &csrf), ("letter", "teachers-ask"), ("pull_quote", "We, teachers, ask.")],
        )
        .await;
    assert_eq!(quoted.status, 200, "{}", quoted.body);

    let entry = |date: &'static str, place: &'static str, note: &'static str, source: &'static str| {
        vec![("date", date), ("kind", "picket"), ("place", place), ("note", note), ("source_url", source)]
    };
    let mut bad = entry("2020-02-10", "Moscow", "Pickets.", "javascript:alert(1)");
    bad.push(("csrf", &csrf));
    let refused = olga.post(&format!("{editor}/timeline"), &bad).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("https://"));
    for (date, place, note) in
        [("2020-02-10", "Moscow", "Single pickets at the court."), ("2020-02-11", "Penza", "A wrong report.")]
    {
        let mut form = entry(date, place, note, "https://example.org/news");
        form.push(("csrf", &csrf));
        assert_eq!(olga.post(&format!("{editor}/timeline"), &form).await.status, 200);
    }
    let page = olga.get(&editor).await;
    let marker = "timeline/";
    let second = page.body.rfind(marker).unwrap() + marker.len();
    let id = &page.body[second..second + page.body[second..].find('/').unwrap()];
    let hidden =
        olga.post(&format!("{editor}/timeline/{id}/hidden"), &[("csrf", &csrf), ("hidden", "true")]).await;
    assert_eq!(hidden.status, 303);
    let linked = olga.post(&format!("{editor}/related"), &[("csrf", &csrf), ("related", "case-2019")]).await;
    assert_eq!(linked.status, 200);

    let public = app.get_text("/campaigns/case-2020").await;
    assert!(public.contains("The 2020 case"));
    assert!(public.contains("We, teachers, ask."), "the pull quote with its letter");
    assert!(public.contains("Single pickets at the court."));
    assert!(!public.contains("A wrong report."), "hidden entries are not shown");
    assert!(public.contains("/campaigns/case-2019"), "the related campaign");
    assert!(app.get_text("/").await.contains("The 2020 case"), "on the home page");
    // The editor still has the hidden entry, to show again.
    assert!(olga.get(&editor).await.body.contains("A wrong report."));
}

#[tokio::test]
async fn another_organiser_cannot_edit_the_campaign_or_put_their_letter_in_someone_elses() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let mut ivan = signed_in_organiser(&app, &mut admin, "ivan@example.org").await;
    let editor = create_campaign(&mut olga, "olgas-case", "The case of Olga").await;
    publish_letter(&mut olga, "olgas-letter").await;
    create_campaign(&mut ivan, "ivans-case", "The case of Ivan").await;
    let csrf = ivan.csrf().await;
    assert_eq!(ivan.get(&editor).await.status, 404);
    let edit = ivan.post(&editor, &[("csrf", &csrf), ("title", "Taken over"), ("summary", "x")]).await;
    assert_eq!(edit.status, 404);
    // Olga's letter into Ivan's campaign: Ivan does not organise it.
    let steal = ivan
        .post(
            "/organise/campaigns/ivans-case/letters",
            &[("csrf", &csrf), ("letter", "olgas-letter"), ("pull_quote", "We, teachers, ask.")],
        )
        .await;
    assert_eq!(steal.status, 403);
    assert!(app.get_text("/campaigns/olgas-case").await.contains("The case of Olga"));
    assert!(!app.get_text("/campaigns/ivans-case").await.contains("olgas-letter"));
}

#[tokio::test]
async fn a_campaign_organiser_invites_a_co_organiser_by_email() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let mut ivan = signed_in_organiser(&app, &mut admin, "ivan@example.org").await;
    let editor = create_campaign(&mut olga, "shared-case", "A shared case").await;
    assert_eq!(ivan.get(&editor).await.status, 404);
    let csrf = olga.csrf().await;
    let invited =
        olga.post(&format!("{editor}/organisers"), &[("csrf", &csrf), ("email", "ivan@example.org")]).await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert!(invited.body.contains("ivan@example.org"));
    // A welcome, a sign-in link, and now the invitation.
    let mails = crate::organisers::mails_to(&app, "ivan@example.org", 3).await;
    assert!(mails.iter().any(|m| m.subject.contains("A shared case")), "the invitation names the campaign");
    assert_eq!(ivan.get(&editor).await.status, 200, "now a co-organiser");
    let again =
        olga.post(&format!("{editor}/organisers"), &[("csrf", &csrf), ("email", "ivan@example.org")]).await;
    assert!(again.body.contains("They have this role already."));
}

#[tokio::test]
async fn a_campaign_reads_in_the_readers_language_with_the_original_as_fallback() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, "teachers-ask").await;
    let editor = create_campaign(&mut olga, "case-2020", "The 2020 case").await;
    let csrf = olga.csrf().await;
    let quoted = olga
        .post(
            &format!("{editor}/letters"),
            &[("csrf", &csrf), ("letter", "teachers-ask"), ("pull_quote", "We, teachers, ask.")],
        )
        .await;
    assert_eq!(quoted.status, 200, "{}", quoted.body);
    let form = [
        ("csrf", csrf.as_str()),
        ("date", "2020-02-10"),
        ("kind", "picket"),
        ("place", "Moscow"),
        ("note", "Single pickets at the court."),
        ("source_url", ""),
    ];
    assert_eq!(olga.post(&format!("{editor}/timeline"), &form).await.status, 200);
    let page = olga.get(&editor).await.body;
    let marker = "name=\"place-";
    let at = page.find(marker).unwrap() + marker.len();
    let entry = page[at..at + page[at..].find('"').unwrap()].to_owned();

    let (place_field, note_field) = (format!("place-{entry}"), format!("note-{entry}"));
    let translate = |quote: &'static str| -> Vec<(String, String)> {
        [
            ("csrf", csrf.as_str()),
            ("language", "ru"),
            ("title", "Дело 2020 года"),
            ("summary", "Суд и письма."),
            ("quote-teachers-ask", quote),
            (place_field.as_str(), "Москва"),
            (note_field.as_str(), "Одиночные пикеты у суда."),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    // A quote needs the letter's own text in that language first.
    let early =
        olga.post(&format!("{editor}/translations"), &as_refs(&translate("Мы, учителя, просим."))).await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("publish its translation first"), "{}", early.body);
    let letter_ru = [
        ("csrf", csrf.as_str()),
        ("language", "ru"),
        ("title", "Учителя просят"),
        ("addressee", "Министру"),
        ("body", "Мы, учителя, просим."),
    ];
    assert_eq!(olga.post(&format!("{manage}/translations"), &letter_ru).await.status, 303);
    let made_up =
        olga.post(&format!("{editor}/translations"), &as_refs(&translate("Мы требуем революции"))).await;
    assert_eq!(made_up.status, 400, "a quote must be the letter's own words");
    let saved =
        olga.post(&format!("{editor}/translations"), &as_refs(&translate("Мы, учителя, просим."))).await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let russian = app.get_text_in("ru", "/campaigns/case-2020").await;
    for text in
        ["Дело 2020 года", "Суд и письма.", "Мы, учителя, просим.", "Москва", "Одиночные пикеты у суда."]
    {
        assert!(russian.contains(text), "the Russian page has {text}");
    }
    assert!(!russian.contains("The 2020 case") && !russian.contains("Single pickets"));
    let english = app.get_text("/campaigns/case-2020").await;
    assert!(
        english.contains("The 2020 case") && english.contains("Single pickets at the court."),
        "the original"
    );
    let home = app.client.get(app.url("/?lang=ru")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Дело 2020 года"), "the home page too");
}

fn as_refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
