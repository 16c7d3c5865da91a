//! The interface language: which one a request gets, and its words and numbers.
//!
//! Texts live in Fluent files under `crates/undersign/locales/<lang>/main.ftl`,
//! compiled into the binary. Plural forms follow CLDR (Russian: one/few/many).

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use unic_langid::langid;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around every placeable would end up inside
        // e-mail subjects and form values; our texts are not mixed-direction.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the interface is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    En,
    Ru,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ru => "ru",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Ru => "Русский",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::En),
            "ru" => Some(Language::Ru),
            _ => None,
        }
    }

    /// Picks the best language from an `Accept-Language` header by its q-values.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(f32, Language)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Language::from_code(tag)
                && q > 0.0
                && best.is_none_or(|(best_q, _)| q > best_q)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Language::En => langid!("en"),
            Language::Ru => langid!("ru"),
        }
    }

    /// Formats an integer with the language's digit grouping: `2,700` in English,
    /// `2 700` (narrow no-break space) in Russian.
    pub fn format_number(self, n: u64) -> String {
        let separator = match self {
            Language::En => ",",
            Language::Ru => "\u{202F}",
        };
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(separator);
            }
            out.push(digit);
        }
        out
    }
}

/// Looks up texts in one language. Templates call it as `tr.t("id")`.
#[derive(Debug, Clone, Copy)]
pub struct Translator {
    pub lang: Language,
}

impl Translator {
    pub fn new(lang: Language) -> Self {
        Self { lang }
    }

    /// A text without arguments.
    pub fn t(&self, id: &str) -> String {
        LOCALES.lookup(&self.lang.langid(), id)
    }

    /// A text with one string argument.
    pub fn t1(&self, id: &str, name: &'static str, value: &str) -> String {
        self.lookup(id, [(name, FluentValue::from(value.to_owned()))])
    }

    /// A text that counts something: `$count` selects the plural form and
    /// `$formatted` is the number as the language writes it.
    pub fn count(&self, id: &str, n: u64) -> String {
        self.lookup(
            id,
            [("count", FluentValue::from(n)), ("formatted", FluentValue::from(self.lang.format_number(n)))],
        )
    }

    /// A text with any number of arguments.
    pub fn lookup<'a>(
        &self,
        id: &str,
        args: impl IntoIterator<Item = (&'static str, FluentValue<'a>)>,
    ) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'a>> =
            args.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect();
        LOCALES.lookup_complete(&self.lang.langid(), id, Some(&args))
    }

    pub fn number(&self, n: u64) -> String {
        self.lang.format_number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals_follow_cldr() {
        let tr = Translator::new(Language::Ru);
        assert_eq!(tr.count("signature-count", 1), "1 подпись");
        assert_eq!(tr.count("signature-count", 2), "2 подписи");
        assert_eq!(tr.count("signature-count", 5), "5 подписей");
        assert_eq!(tr.count("signature-count", 21), "21 подпись");
        assert_eq!(tr.count("signature-count", 2700), "2\u{202F}700 подписей");
    }

    #[test]
    fn english_plurals_and_grouping() {
        let tr = Translator::new(Language::En);
        assert_eq!(tr.count("signature-count", 1), "1 signature");
        assert_eq!(tr.count("signature-count", 1234567), "1,234,567 signatures");
    }

    #[test]
    fn accept_language_picks_the_highest_q_we_speak() {
        assert_eq!(Language::negotiate("de-DE,ru;q=0.8,en;q=0.5"), Some(Language::Ru));
        assert_eq!(Language::negotiate("en-GB,en;q=0.9,ru;q=0.8"), Some(Language::En));
        assert_eq!(Language::negotiate("fr,de"), None);
        assert_eq!(Language::negotiate("ru;q=0,en;q=0.1"), Some(Language::En));
    }

    /// Every message in one language exists in the other, so no page falls back to
    /// a raw message id.
    #[test]
    fn both_languages_define_the_same_messages() {
        let ids = |text: &str| -> std::collections::BTreeSet<String> {
            text.lines()
                .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
                .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
                .collect()
        };
        let en = ids(include_str!("../locales/en/main.ftl"));
        let ru = ids(include_str!("../locales/ru/main.ftl"));
        assert!(en.len() > 50, "only {} messages found", en.len());
        let missing_in_ru: Vec<_> = en.difference(&ru).collect();
        let missing_in_en: Vec<_> = ru.difference(&en).collect();
        assert!(missing_in_ru.is_empty(), "missing in ru: {missing_in_ru:?}");
        assert!(missing_in_en.is_empty(), "missing in en: {missing_in_en:?}");
    }
}
