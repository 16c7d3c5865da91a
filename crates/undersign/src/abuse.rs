//! Abuse resistance: proof of work instead of a CAPTCHA, duplicate people, look-alike
//! names, throwaway addresses, watch lists, and caps on mail. Everything here
//! flags or slows; nothing silently rejects a real person.

pub mod difficulty;
pub mod disposable;
pub mod emails;
pub mod mail_quota;
pub mod names;
pub mod pow;

/// Why a signature needs a moderator's look (stored in `signature_flags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagKind {
    /// Another signature on the letter has the same address once provider rules
    /// (case, dots, plus-addressing) are applied.
    DuplicateEmail,
    /// Another signature has the same name after normalisation and
    /// transliteration between Cyrillic and Latin.
    DuplicateName,
    /// A name mixes scripts inside one word (a Latin "a" in a Cyrillic name).
    MixedScript,
    /// The address is at a throwaway-mail provider.
    DisposableDomain,
    /// Signed without JavaScript, so without proof of work.
    NoProofOfWork,
    /// The name is on the letter's watch list; the signature is held.
    WatchList,
    /// Many signatures came from one network within minutes; the flag's detail
    /// is the burst's key (the same for every signature of that burst).
    Burst,
    /// Many signatures came from one e-mail domain to one letter within the hour
    /// (a catch-all domain of a provocateur, or a whole university signing).
    DomainBurst,
    /// A reader reported it as fake; the detail is their note.
    Reported,
    /// Someone confirmed from their mailbox that they are the person named and
    /// did not sign; the detail is their note.
    RemovalRequested,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::DuplicateEmail => "duplicate_email",
            FlagKind::DuplicateName => "duplicate_name",
            FlagKind::MixedScript => "mixed_script",
            FlagKind::DisposableDomain => "disposable_domain",
            FlagKind::NoProofOfWork => "no_proof_of_work",
            FlagKind::WatchList => "watch_list",
            FlagKind::Burst => "burst",
            FlagKind::DomainBurst => "domain_burst",
            FlagKind::Reported => "reported",
            FlagKind::RemovalRequested => "removal_requested",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "duplicate_email" => FlagKind::DuplicateEmail,
            "duplicate_name" => FlagKind::DuplicateName,
            "mixed_script" => FlagKind::MixedScript,
            "disposable_domain" => FlagKind::DisposableDomain,
            "no_proof_of_work" => FlagKind::NoProofOfWork,
            "watch_list" => FlagKind::WatchList,
            "burst" => FlagKind::Burst,
            "domain_burst" => FlagKind::DomainBurst,
            "reported" => FlagKind::Reported,
            "removal_requested" => FlagKind::RemovalRequested,
            _ => return None,
        })
    }
}
