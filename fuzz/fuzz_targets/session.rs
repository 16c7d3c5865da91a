//! A `Cookie` header and a submitted CSRF token: the session token read from
//! the cookie and the CSRF token checked against it, as organiser forms do.
#![no_main]

use std::sync::LazyLock;

use undersign::crypto::InstanceKeys;

/// Keys made once in a folder of their own (the fuzzer runs long).
static KEYS: LazyLock<InstanceKeys> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("undersign-fuzz-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    InstanceKeys::load_or_create(&dir).expect("keys")
});

libfuzzer_sys::fuzz_target!(|input: (&[u8], &str)| {
    let (cookie, submitted) = input;
    undersign::web::fuzzing::session_and_csrf(&KEYS, cookie, submitted);
});
