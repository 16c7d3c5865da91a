//! undersign: open letters whose signatures anyone can count and check.
//!
//! Where things live:
//! - [`web`]: every HTTP route is declared in `web/router.rs`; pages in
//!   `web/pages/`, the JSON API in `web/api.rs`, templates in `templates/`.
//! - [`signing`]: the use cases behind the form and the API (sign, confirm).
//! - [`domain`]: parsed types (e-mail, names, ORCID, slugs, letters, signatures).
//! - [`storage`]: narrow traits by concern (letters, signatures, log, abuse,
//!   outbox, organisers, moderation, campaigns, texts), `Store` for all of them,
//!   and the SQLite backend; SQL lives only there
//!   and in `migrations/`.
//! - [`log`]: the letter log in the service: integrator, checkpoints, tiles,
//!   proofs (the tree itself is the `letterlog` crate).
//! - [`crypto`]: the instance key file, per-letter keys, lookup hashes, tokens.
//! - [`mail`]: the outbox worker, the e-mails, the file and SMTP transports.
//! - [`i18n`]: languages, Fluent texts (`locales/`), number formatting.
//! - [`verify`] and [`export`]: `undersign verify` and static mirrors.
//! - [`demo`]: the demo campaign; [`letter_file`]: letters from Markdown files.
//! - [`abuse`]: proof of work, duplicate people, throwaway domains, mail caps;
//!   [`rate_limit`]: per-network and per-domain limits on signing.
//! - [`organisers`]: accounts, passwordless sign-in, sessions, the second
//!   factor, roles on letters, drafts, the audit log; their pages are in
//!   `web/pages/organise.rs` (and `organise/`), `moderation.rs`,
//!   `campaign_editor.rs`, `versions.rs` and `sign_in.rs`.
//! - [`cache`]: letters and letter pages in memory, invalidated on writes.
//! - [`app`]: wiring and graceful shutdown; [`config`]: settings;
//!   [`telemetry`]: logs.

pub mod abuse;
pub mod app;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod export;
pub mod faults;
pub mod i18n;
pub mod letter_file;
pub mod log;
pub mod mail;
pub mod maintenance;
pub mod metrics;
pub mod organisers;
pub mod private_files;
pub mod publishing;
pub mod rate_limit;
pub mod readiness;
pub mod signing;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod verify;
pub mod web;
