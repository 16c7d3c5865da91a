//! Integration tests: one binary, one `TestApp` that runs the real server on a
//! random port with a fresh data folder, driven over HTTP.

mod helpers;

mod letter_log;
mod metrics;
mod moderation;
mod nodes;
mod organisers;

mod abuse;
mod api;
mod browser;
mod campaign_editor;
mod confirmation;
mod connections;
mod demo;
mod docs;
mod pages;
mod persistence;
mod privacy;
mod rate_limits;
mod signature_form;
mod signing_form;
mod smtp;
mod versions;
