//! Comparing people's names across spellings: Unicode normalisation, case folding,
//! ё→е, transliteration between Cyrillic and Latin, and a consonant skeleton that
//! absorbs the usual romanisation variants (Aleksandr / Alexander, Dmitriy /
//! Dmitry, Tchaikovsky / Chaikovsky). Word order does not matter (Иванов Иван ≈
//! Ivan Ivanov). A match is a flag for moderators, so this errs on the side of
//! matching.

use unicode_normalization::UnicodeNormalization;

/// The comparison key of a name: its words' skeletons, sorted, joined by spaces.
/// Equal keys mean "probably the same person".
pub fn name_key(name: &str) -> String {
    let mut words: Vec<String> = name
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| skeleton(&to_latin(w)))
        .filter(|w| !w.is_empty())
        .collect();
    words.sort();
    words.join(" ")
}

/// Lower-case Cyrillic (Russian, Ukrainian, Belarusian letters) to Latin, with ё as е.
fn to_latin(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    for c in word.chars() {
        let latin = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'ґ' => "g",
            'д' => "d",
            'е' | 'ё' | 'є' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'і' | 'ї' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ў' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            other if other.is_ascii() => {
                out.push(other);
                continue;
            }
            other => {
                // Latin letters with accents lose them (é → e); others stay.
                let base: String = other.to_string().nfd().filter(char::is_ascii).collect();
                out.push_str(if base.is_empty() { "" } else { &base });
                continue;
            }
        };
        out.push_str(latin);
    }
    out
}

/// Folds romanisation variants, drops vowels and doubled letters, until nothing
/// changes (so the key of a key is itself).
fn skeleton(latin: &str) -> String {
    let mut current = latin.to_owned();
    loop {
        let next = skeleton_once(&current);
        if next == current {
            return next;
        }
        current = next;
    }
}

fn skeleton_once(latin: &str) -> String {
    let mut s = latin.to_owned();
    for (from, to) in [
        ("shch", "sh"),
        ("sch", "sh"),
        ("tch", "ch"),
        ("kh", "h"),
        ("zh", "z"),
        ("tz", "ts"),
        ("ts", "c"),
        ("ch", "c"),
        ("x", "ks"),
        ("ph", "f"),
        ("w", "v"),
        ("q", "k"),
        ("ck", "k"),
        ("'", ""),
    ] {
        // Most names hold few of these: look before allocating a new string.
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'j')) {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Scripts we tell apart for look-alike detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
}

fn script(c: char) -> Option<Script> {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' => Some(Script::Latin),
        '\u{0400}'..='\u{052F}' => Some(Script::Cyrillic),
        '\u{0370}'..='\u{03FF}' => Some(Script::Greek),
        _ => None,
    }
}

/// Whether a single word mixes scripts (e.g. a Latin "a" in a Cyrillic name):
/// nobody types that by accident, and it defeats naive duplicate checks.
pub fn has_mixed_script_word(name: &str) -> bool {
    name.split(|c: char| !c.is_alphanumeric()).any(|word| {
        let mut seen = word.chars().filter_map(script);
        match seen.next() {
            Some(first) => seen.any(|s| s != first),
            None => false,
        }
    })
}

/// A name cut into runs, each marked `true` where its letters are of another
/// script than most letters of their word: "Ивaнов" (a Latin "a") gives
/// `[("Ив", false), ("a", true), ("нов", false)]`. For moderators to see the trick.
pub fn foreign_letters(name: &str) -> Vec<(String, bool)> {
    let mut runs: Vec<(String, bool)> = Vec::new();
    let mut push = |c: char, foreign: bool| match runs.last_mut() {
        Some((text, f)) if *f == foreign => text.push(c),
        _ => runs.push((c.to_string(), foreign)),
    };
    let mut word = String::new();
    let flush = |word: &mut String, push: &mut dyn FnMut(char, bool)| {
        let mut counts: Vec<(Script, usize)> = Vec::new();
        for s in word.chars().filter_map(script) {
            match counts.iter_mut().find(|(k, _)| *k == s) {
                Some((_, n)) => *n += 1,
                None => counts.push((s, 1)),
            }
        }
        // The word's own script: the most letters, the first seen on a tie.
        let own = counts.iter().fold(None, |best: Option<(Script, usize)>, &(k, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((k, n)),
        });
        for c in word.chars() {
            let foreign = matches!((script(c), own), (Some(s), Some((o, _))) if s != o);
            push(c, foreign);
        }
        word.clear();
    };
    for c in name.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut push);
            push(c, false);
        }
    }
    flush(&mut word, &mut push);
    runs
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Real-world pairs: the same person as written in Cyrillic and in common Latin
    /// romanisations (passport, scholarly, French, German-style), in either order.
    const SAME: &[(&str, &str)] = &[
        ("Иванов Иван", "Ivanov Ivan"),
        ("Иванов Иван", "Ivan Ivanov"),
        ("Иван Иванов", "IVANOV, Ivan"),
        ("Александр Соловьёв", "Aleksandr Solovyov"),
        ("Александр Соловьёв", "Alexander Solovyev"),
        ("Дмитрий Кузнецов", "Dmitry Kuznetsov"),
        ("Дмитрий Кузнецов", "Dmitriy Kouznetsov"),
        ("Юлия Зайцева", "Yulia Zaytseva"),
        ("Юлия Зайцева", "Julia Zaitseva"),
        ("Пётр Чайковский", "Pyotr Tchaikovsky"),
        ("Пётр Чайковский", "Petr Chaikovskii"),
        ("Фёдор Достоевский", "Fyodor Dostoyevsky"),
        ("Фёдор Достоевский", "Fedor Dostoevskiy"),
        ("Екатерина Щукина", "Ekaterina Shchukina"),
        ("Екатерина Щукина", "Yekaterina Schukina"),
        ("Рустам Хабибуллин", "Rustam Khabibullin"),
        ("Рустам Хабибуллин", "Rustam Habibulin"),
        ("Марина Цветаева", "Marina Tsvetaeva"),
        ("Алексей Навальный", "Alexei Navalny"),
        ("Лев Толстой", "Lev Tolstoy"),
        ("Ольга Фёдорова", "Olga Fedorova"),
        ("Наталья Ёлкина", "Natalya Yolkina"),
        ("Наталья Ёлкина", "Наталья Елкина"),
    ];

    const DIFFERENT: &[(&str, &str)] = &[
        ("Иван Иванов", "Пётр Петров"),
        ("Anna Petrova", "Anna Smirnova"),
        ("Сергей Волков", "Sergey Sokolov"),
    ];

    #[test]
    fn the_same_person_across_scripts_gets_the_same_key() {
        for (a, b) in SAME {
            assert_eq!(name_key(a), name_key(b), "{a} ≈ {b}");
        }
    }

    #[test]
    fn different_people_get_different_keys() {
        for (a, b) in DIFFERENT {
            assert_ne!(name_key(a), name_key(b), "{a} ≠ {b}");
        }
    }

    #[test]
    fn a_latin_letter_inside_a_cyrillic_word_is_noticed() {
        assert!(has_mixed_script_word("Ив\u{0061}нов Иван")); // Latin a
        assert!(has_mixed_script_word("Ivаnov")); // Cyrillic а
        assert!(!has_mixed_script_word("Иван Ivanov"));
        assert!(!has_mixed_script_word("Анна-Мария Петрова"));
    }

    proptest! {
        #[test]
        fn the_key_is_idempotent_on_its_own_output(name in "[a-zA-Zа-яА-ЯёЁ ]{0,40}") {
            let key = name_key(&name);
            prop_assert_eq!(name_key(&key), key);
        }

        /// A Cyrillic name and its transliteration flag each other, whichever was
        /// signed first and however it was capitalised or ordered.
        #[test]
        fn transliteration_equal_names_match_both_ways(first in "[а-яё]{2,12}", last in "[а-яё]{2,12}") {
            let cyrillic = format!("{first} {last}");
            let latin_reordered = to_latin(&format!("{last} {first}")).to_uppercase();
            prop_assert_eq!(name_key(&cyrillic), name_key(&latin_reordered));
            let cyrillic_upper = cyrillic.to_uppercase();
            prop_assert_eq!(name_key(&latin_reordered), name_key(&cyrillic_upper));
        }
    }

    #[test]
    fn foreign_letters_are_marked_inside_the_word_they_hide_in() {
        let marked = |name: &str| -> String {
            foreign_letters(name)
                .into_iter()
                .map(|(text, foreign)| if foreign { format!("[{text}]") } else { text })
                .collect()
        };
        assert_eq!(marked("Ивaнов Иван"), "Ив[a]нов Иван", "a Latin a in a Cyrillic name");
        assert_eq!(marked("Ivаn Petrov"), "Iv[а]n Petrov", "a Cyrillic а in a Latin name");
        assert_eq!(marked("Иван Petrov"), "Иван Petrov", "whole words in two scripts are honest");
        assert_eq!(marked("O'Brien-Смит"), "O'Brien-Смит");
    }
}
