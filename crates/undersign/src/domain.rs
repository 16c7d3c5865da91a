//! Domain types: everything that reaches storage or mail has been parsed into one of
//! these first ("parse, don't validate"). Nothing here knows about HTTP or SQL.

mod email;
mod errors;
mod form_settings;
mod letter;
mod orcid;
mod signature;
mod slug;
mod text;

pub use email::EmailAddress;
pub use errors::{Field, FieldError, FieldErrorKind, FieldErrors};
pub use form_settings::{CONFIGURABLE, FieldRule, FormSettings, InvalidDomain};
pub use letter::{
    Campaign, Community, Letter, LetterDraft, LetterId, LetterLanguage, LetterStatus, TimelineEntry,
    parse_day, parse_target,
};
pub use orcid::Orcid;
pub use signature::limits as signature_limits;
pub use signature::{
    ConfirmedSignature, NewSignature, PublicSignature, SignatureId, SignatureSubmission, Signer,
};
pub use slug::Slug;
pub use text::{BoundedText, PersonName};
