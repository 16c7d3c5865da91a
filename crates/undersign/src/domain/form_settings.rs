//! A letter's signature form: which optional fields it shows or requires, whether
//! organisations may sign beside people, and the institutional e-mail domains
//! whose signers are shown as verified for that institution.

use std::fmt;

use crate::domain::{Field, FieldErrorKind, FieldErrors, SignatureSubmission};

/// What the form does with one optional field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldRule {
    Hidden,
    #[default]
    Optional,
    Required,
}

impl FieldRule {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldRule::Hidden => "hidden",
            FieldRule::Optional => "optional",
            FieldRule::Required => "required",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "hidden" => Some(FieldRule::Hidden),
            "optional" => Some(FieldRule::Optional),
            "required" => Some(FieldRule::Required),
            _ => None,
        }
    }
}

/// The optional fields a letter's form can show, in form order.
pub const CONFIGURABLE: [Field; 5] =
    [Field::Title, Field::Affiliation, Field::City, Field::Country, Field::Orcid];

/// The rules of a letter's signature form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSettings {
    /// One rule per field of [`CONFIGURABLE`], in that order.
    rules: [FieldRule; 5],
    /// Organisations may sign beside people (organisation-only letters are a
    /// letter kind of their own).
    pub organisations_allowed: bool,
    /// Institutional mail domains, lower-case, e.g. `msu.ru`.
    verified_domains: Vec<String>,
}

impl Default for FormSettings {
    fn default() -> Self {
        Self { rules: [FieldRule::Optional; 5], organisations_allowed: true, verified_domains: Vec::new() }
    }
}

/// A domain in the verified list that is not a host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a mail domain such as msu.ru")]
pub struct InvalidDomain(pub String);

impl FormSettings {
    pub fn rule(&self, field: Field) -> FieldRule {
        CONFIGURABLE.iter().position(|f| *f == field).map_or(FieldRule::Optional, |i| self.rules[i])
    }

    pub fn with_organisations(mut self, allowed: bool) -> Self {
        self.organisations_allowed = allowed;
        self
    }

    pub fn with_rule(mut self, field: Field, rule: FieldRule) -> Self {
        if let Some(i) = CONFIGURABLE.iter().position(|f| *f == field) {
            self.rules[i] = rule;
        }
        self
    }

    pub fn verified_domains(&self) -> &[String] {
        &self.verified_domains
    }

    /// Sets the verified domains from what an organiser typed (one per line or
    /// separated by commas or spaces; a leading `@` or `.` is dropped).
    pub fn with_verified_domains(mut self, typed: &str) -> Result<Self, InvalidDomain> {
        let mut domains = Vec::new();
        for raw in typed.split(|c: char| c == ',' || c.is_whitespace()).filter(|d| !d.is_empty()) {
            let domain = raw.trim_start_matches(['@', '.']).trim_end_matches('.').to_lowercase();
            let labels_ok = domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
            if !domain.contains('.') || !labels_ok || domain.len() > 253 {
                return Err(InvalidDomain(raw.to_owned()));
            }
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        self.verified_domains = domains;
        Ok(self)
    }

    /// The listed domain an address's domain belongs to: itself or a subdomain
    /// (`cs.msu.ru` is `msu.ru`; `evilmsu.ru` is not). The most specific wins.
    pub fn verified_domain_of(&self, email_domain: &str) -> Option<&str> {
        let domain = email_domain.trim_end_matches('.').to_lowercase();
        self.verified_domains
            .iter()
            .filter(|listed| {
                domain == **listed
                    || domain.strip_suffix(listed.as_str()).is_some_and(|head| head.ends_with('.'))
            })
            .max_by_key(|listed| listed.len())
            .map(String::as_str)
    }

    /// Applies the form's rules to a submission: required fields must be filled,
    /// hidden ones are ignored, organisations only where allowed. Added to the
    /// errors the fields' own parsing found.
    pub fn check(&self, submission: &mut SignatureSubmission, errors: &mut FieldErrors) {
        for field in CONFIGURABLE {
            let value = match field {
                Field::Title => &mut submission.title,
                Field::Affiliation => &mut submission.affiliation,
                Field::City => &mut submission.city,
                Field::Country => &mut submission.country,
                _ => &mut submission.orcid,
            };
            match self.rule(field) {
                FieldRule::Hidden => value.clear(),
                FieldRule::Required if value.trim().is_empty() && errors.get(field).is_none() => {
                    errors.push(field, FieldErrorKind::Required)
                }
                _ => {}
            }
        }
        if submission.organisation && !self.organisations_allowed {
            errors.push(Field::Name, FieldErrorKind::OrganisationsNotAllowed);
        }
    }

    /// Stored form: `title=optional affiliation=required …`.
    pub fn fields_text(&self) -> String {
        CONFIGURABLE
            .iter()
            .zip(self.rules)
            .map(|(f, r)| format!("{}={}", f.as_str(), r.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads the stored form back; unknown or missing parts keep their defaults.
    pub fn from_stored(fields: &str, organisations_allowed: bool, domains: &str) -> Self {
        let mut settings = Self { organisations_allowed, ..Self::default() };
        for part in fields.split_whitespace() {
            if let Some((name, rule)) = part.split_once('=')
                && let (Some(i), Some(rule)) =
                    (CONFIGURABLE.iter().position(|f| f.as_str() == name), FieldRule::parse(rule))
            {
                settings.rules[i] = rule;
            }
        }
        settings.verified_domains = domains.split_whitespace().map(str::to_owned).collect();
        settings
    }
}

impl fmt::Display for FormSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; organisations {}; verified {}",
            self.fields_text(),
            self.organisations_allowed,
            self.verified_domains.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_matching_respects_label_boundaries() {
        let settings = FormSettings::default().with_verified_domains("msu.ru\n@hse.ru, spbu.ru").unwrap();
        assert_eq!(settings.verified_domain_of("msu.ru"), Some("msu.ru"));
        assert_eq!(settings.verified_domain_of("cs.msu.ru"), Some("msu.ru"));
        assert_eq!(settings.verified_domain_of("CS.MSU.RU"), Some("msu.ru"));
        assert_eq!(settings.verified_domain_of("evilmsu.ru"), None);
        assert_eq!(settings.verified_domain_of("msu.ru.evil.com"), None);
        assert_eq!(settings.verified_domain_of("ru"), None);
        assert_eq!(settings.verified_domain_of("hse.ru"), Some("hse.ru"));
    }

    #[test]
    fn the_most_specific_listed_domain_wins() {
        let settings = FormSettings::default().with_verified_domains("msu.ru cs.msu.ru").unwrap();
        assert_eq!(settings.verified_domain_of("lab.cs.msu.ru"), Some("cs.msu.ru"));
        assert_eq!(settings.verified_domain_of("phys.msu.ru"), Some("msu.ru"));
    }

    #[test]
    fn domains_that_are_not_host_names_are_refused() {
        for bad in ["ru", "msu..ru", "-msu.ru", "msu.ru/path", "a b@c"] {
            assert!(FormSettings::default().with_verified_domains(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn required_fields_must_be_filled_and_hidden_ones_are_dropped() {
        let settings = FormSettings::default()
            .with_organisations(false)
            .with_rule(Field::Affiliation, FieldRule::Required)
            .with_rule(Field::Orcid, FieldRule::Hidden);
        let mut submission =
            SignatureSubmission { orcid: "not an orcid".into(), organisation: true, ..Default::default() };
        let mut errors = FieldErrors::default();
        settings.check(&mut submission, &mut errors);
        assert!(submission.orcid.is_empty(), "a hidden field is ignored");
        assert_eq!(errors.get(Field::Affiliation).map(|e| e.kind), Some(FieldErrorKind::Required));
        assert_eq!(errors.get(Field::Name).map(|e| e.kind), Some(FieldErrorKind::OrganisationsNotAllowed));
    }

    #[test]
    fn settings_survive_storage() {
        let settings = FormSettings::default()
            .with_rule(Field::City, FieldRule::Required)
            .with_verified_domains("msu.ru")
            .unwrap();
        let back = FormSettings::from_stored(&settings.fields_text(), true, "msu.ru");
        assert_eq!(back, settings);
    }
}
