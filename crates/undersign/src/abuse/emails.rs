//! The provider-canonical form of an address, for finding one mailbox signing
//! twice: `Anna.Petrova+letter@gmail.com` and `annapetrova@googlemail.com` are the
//! same inbox. Only rules that providers document are applied; elsewhere the
//! address is only lower-cased (some servers treat `+` as part of the name).

use crate::domain::EmailAddress;

/// Providers that ignore dots in the local part and deliver `name+tag` to `name`.
const DOTS_AND_PLUS: &[&str] = &["gmail.com", "googlemail.com"];
/// Providers that deliver `name+tag` to `name` but keep dots.
const PLUS_ONLY: &[&str] = &[
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "fastmail.fm",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "yahoo.com",
    "yandex.ru",
    "yandex.com",
    "ya.ru",
];

pub fn canonical_address(email: &EmailAddress) -> String {
    let lower = email.as_str().to_lowercase();
    let (local, domain) = lower.rsplit_once('@').unwrap_or((&lower, ""));
    let domain = match domain {
        "googlemail.com" => "gmail.com",
        "yandex.com" | "ya.ru" | "yandex.by" | "yandex.kz" | "yandex.ua" => "yandex.ru",
        other => other,
    };
    let local = if DOTS_AND_PLUS.contains(&domain) || PLUS_ONLY.contains(&domain) {
        local.split('+').next().unwrap_or(local)
    } else {
        local
    };
    let local = if DOTS_AND_PLUS.contains(&domain) { local.replace('.', "") } else { local.to_owned() };
    // Yandex treats '-' and '.' in logins alike.
    let local = if domain == "yandex.ru" { local.replace('-', ".") } else { local };
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        canonical_address(&EmailAddress::parse(text).unwrap())
    }

    #[test]
    fn provider_rules_are_applied_where_documented() {
        assert_eq!(canonical("Anna.Petrova+letter@Gmail.com"), "annapetrova@gmail.com");
        assert_eq!(canonical("a.n.n.a@googlemail.com"), "anna@gmail.com");
        assert_eq!(canonical("anna+x@outlook.com"), "anna@outlook.com");
        assert_eq!(canonical("anna.petrova@outlook.com"), "anna.petrova@outlook.com");
        assert_eq!(canonical("anna-petrova@ya.ru"), "anna.petrova@yandex.ru");
    }

    #[test]
    fn other_domains_are_only_lower_cased() {
        assert_eq!(canonical("Anna.Petrova+tag@msu.ru"), "anna.petrova+tag@msu.ru");
    }
}
