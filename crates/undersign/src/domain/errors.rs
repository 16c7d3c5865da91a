//! Validation errors shared by the HTML form and the JSON API, so both give the
//! same message for the same mistake.

use std::fmt;

/// A form or API field a person can get wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Email,
    Title,
    Affiliation,
    City,
    Country,
    Orcid,
    Pledge,
    Consent,
}

impl Field {
    /// The field's name in forms and in the API's `errors[].field`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Title => "title",
            Field::Affiliation => "affiliation",
            Field::City => "city",
            Field::Country => "country",
            Field::Orcid => "orcid",
            Field::Pledge => "pledge",
            Field::Consent => "consent",
        }
    }
}

/// What is wrong with a field. Each variant has one message per interface language
/// (`error-*` in `locales/*/main.ftl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// Empty where a value is needed.
    Required,
    /// Longer than `max` characters.
    TooLong { max: usize },
    /// Holds control or invisible formatting characters.
    ForbiddenCharacters,
    /// A name without a single letter in it.
    NameWithoutLetters,
    /// Not an e-mail address a mail server would accept.
    EmailInvalid,
    /// Not shaped like an ORCID iD (`0000-0002-1825-0097`).
    OrcidFormat,
    /// Shaped like an ORCID iD but its check digit is wrong (a typo).
    OrcidChecksum,
    /// The consent box was not ticked.
    ConsentRequired,
    /// A pledge was given for a signature that is not an organisation's.
    PledgeWithoutOrganisation,
    /// An organisation signed a letter that only people sign.
    OrganisationsNotAllowed,
}

impl FieldErrorKind {
    /// The Fluent message id that explains this error to a person.
    pub fn message_id(self, field: Field) -> &'static str {
        match self {
            FieldErrorKind::Required => match field {
                Field::Name => "error-required-name",
                Field::Email => "error-required-email",
                _ => "error-required",
            },
            FieldErrorKind::TooLong { .. } => "error-too-long",
            FieldErrorKind::ForbiddenCharacters => "error-forbidden-characters",
            FieldErrorKind::NameWithoutLetters => "error-name-without-letters",
            FieldErrorKind::EmailInvalid => "error-email-invalid",
            FieldErrorKind::OrcidFormat => "error-orcid-format",
            FieldErrorKind::OrcidChecksum => "error-orcid-checksum",
            FieldErrorKind::ConsentRequired => "error-consent-required",
            FieldErrorKind::PledgeWithoutOrganisation => "error-pledge-without-organisation",
            FieldErrorKind::OrganisationsNotAllowed => "error-organisations-not-allowed",
        }
    }
}

/// One field and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub kind: FieldErrorKind,
}

/// Every problem found in one submission, in form order. Never empty when returned
/// as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: Field, kind: FieldErrorKind) {
        self.0.push(FieldError { field, kind });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    pub fn get(&self, field: Field) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// Adds the errors of `other` for fields that have none yet.
    pub fn merge(&mut self, other: FieldErrors) {
        for error in other.0 {
            if self.get(error.field).is_none() {
                self.0.push(error);
            }
        }
    }

    /// Records the error of a parse result and returns its value, if any.
    pub fn check<T>(&mut self, field: Field, result: Result<T, FieldErrorKind>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(kind) => {
                self.push(field, kind);
                None
            }
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.0.iter().map(|e| e.field.as_str()).collect();
        write!(f, "invalid fields: {}", names.join(", "))
    }
}

impl std::error::Error for FieldErrors {}
