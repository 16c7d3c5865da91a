//! Signatures: what a person submits, what survives validation, and what the public
//! list shows.

use crate::domain::{BoundedText, EmailAddress, Field, FieldErrorKind, FieldErrors, Orcid, PersonName};

/// Storage's key for a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureId(pub(crate) i64);

impl SignatureId {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Field limits, in characters.
pub mod limits {
    pub const MAX_TITLE: usize = 200;
    pub const MAX_AFFILIATION: usize = 200;
    pub const MAX_CITY: usize = 100;
    pub const MAX_COUNTRY: usize = 100;
    pub const MAX_PLEDGE: usize = 500;
}
use limits::*;

/// A signature exactly as submitted by the form or the API, before validation.
/// Kept as typed so a form with errors can be shown again with the input intact.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignatureSubmission {
    pub name: String,
    pub email: String,
    pub title: String,
    pub affiliation: String,
    pub city: String,
    pub country: String,
    pub orcid: String,
    pub organisation: bool,
    pub pledge: String,
    pub show_name: bool,
    pub consent: bool,
    /// The proof-of-work payload our script puts in the form (empty without
    /// JavaScript). Checked by the signing use case; not part of the signature.
    pub altcha: String,
}

/// Who signs: a person, or an organisation that may pledge an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    Person,
    Organisation { pledge: Option<BoundedText> },
}

/// A validated signature, not yet stored.
#[derive(Debug, Clone)]
pub struct NewSignature {
    pub name: PersonName,
    pub email: EmailAddress,
    pub title: Option<BoundedText>,
    pub affiliation: Option<BoundedText>,
    pub city: Option<BoundedText>,
    pub country: Option<BoundedText>,
    pub orcid: Option<Orcid>,
    pub signer: Signer,
    /// `false`: count me, but do not show my name.
    pub show_name: bool,
}

impl TryFrom<&SignatureSubmission> for NewSignature {
    type Error = FieldErrors;

    /// Checks every field and reports every problem at once, in form order.
    fn try_from(form: &SignatureSubmission) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.check(Field::Name, PersonName::parse(&form.name));
        let email = errors.check(Field::Email, EmailAddress::parse(&form.email));
        let title = errors.check(Field::Title, BoundedText::parse_optional(&form.title, MAX_TITLE));
        let affiliation =
            errors.check(Field::Affiliation, BoundedText::parse_optional(&form.affiliation, MAX_AFFILIATION));
        let city = errors.check(Field::City, BoundedText::parse_optional(&form.city, MAX_CITY));
        let country = errors.check(Field::Country, BoundedText::parse_optional(&form.country, MAX_COUNTRY));
        let orcid = errors.check(
            Field::Orcid,
            if form.orcid.trim().is_empty() { Ok(None) } else { Orcid::parse(&form.orcid).map(Some) },
        );
        let pledge = errors.check(Field::Pledge, BoundedText::parse_optional(&form.pledge, MAX_PLEDGE));
        let signer = match (form.organisation, pledge) {
            (true, Some(pledge)) => Some(Signer::Organisation { pledge }),
            (false, Some(Some(_))) => {
                errors.push(Field::Pledge, FieldErrorKind::PledgeWithoutOrganisation);
                None
            }
            (false, Some(None)) => Some(Signer::Person),
            (_, None) => None,
        };
        if !form.consent {
            errors.push(Field::Consent, FieldErrorKind::ConsentRequired);
        }
        match (name, email, title, affiliation, city, country, orcid, signer) {
            (
                Some(name),
                Some(email),
                Some(title),
                Some(affiliation),
                Some(city),
                Some(country),
                Some(orcid),
                Some(signer),
            ) if errors.is_empty() => Ok(NewSignature {
                name,
                email,
                title,
                affiliation,
                city,
                country,
                orcid,
                signer,
                show_name: form.show_name,
            }),
            _ => Err(errors),
        }
    }
}

/// A confirmed signature whose signer agreed to be shown.
#[derive(Debug, Clone)]
pub struct PublicSignature {
    /// Position in the order of confirmation on this letter, from 1.
    pub seq: u64,
    pub name: PersonName,
    pub title: Option<String>,
    pub affiliation: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub orcid: Option<Orcid>,
    pub organisation: bool,
    pub pledge: Option<String>,
    /// The version of the letter's text it was confirmed (or re-confirmed) on.
    pub version: u32,
    /// Confirmed from an address at this institutional domain of the letter's list.
    pub verified_domain: Option<String>,
}

/// What confirming a signature produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedSignature {
    pub letter_slug: crate::domain::Slug,
    /// Position in the order of confirmation on its letter, from 1.
    pub seq: u64,
    /// `true` when the link had already been used: nothing changed.
    pub already_confirmed: bool,
    /// Held for a moderator (watch list): confirmed, but not yet counted.
    pub held: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SignatureSubmission {
        SignatureSubmission {
            name: "Анна Петрова".into(),
            email: "anna@example.org".into(),
            consent: true,
            show_name: true,
            ..Default::default()
        }
    }

    fn fields(errors: &FieldErrors) -> Vec<(&'static str, FieldErrorKind)> {
        errors.iter().map(|e| (e.field.as_str(), e.kind)).collect()
    }

    #[test]
    fn a_minimal_signature_is_a_person() {
        let signature = NewSignature::try_from(&valid()).unwrap();
        assert_eq!(signature.signer, Signer::Person);
        assert!(signature.title.is_none());
    }

    #[test]
    fn every_error_is_reported_at_once_in_form_order() {
        let form = SignatureSubmission {
            orcid: "0000-0002-1825-0098".into(),
            pledge: "We close".into(),
            ..Default::default()
        };
        let errors = NewSignature::try_from(&form).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                ("name", FieldErrorKind::Required),
                ("email", FieldErrorKind::Required),
                ("orcid", FieldErrorKind::OrcidChecksum),
                ("pledge", FieldErrorKind::PledgeWithoutOrganisation),
                ("consent", FieldErrorKind::ConsentRequired),
            ]
        );
    }

    #[test]
    fn an_organisation_may_pledge() {
        let form = SignatureSubmission {
            organisation: true,
            pledge: "Closed on Monday in solidarity".into(),
            ..valid()
        };
        let signature = NewSignature::try_from(&form).unwrap();
        assert!(matches!(signature.signer, Signer::Organisation { pledge: Some(_) }));
    }
}
