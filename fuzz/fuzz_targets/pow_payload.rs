//! A proof-of-work payload (base64 JSON, ALTCHA v1) as a form or the API
//! sends it, verified against our key and a letter.
#![no_main]

libfuzzer_sys::fuzz_target!(|payload: &str| {
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time");
    let _ = undersign::abuse::pow::verify(&[9u8; 32], payload, Some("fuzz-letter"), now);
    let _ = undersign::abuse::pow::verify(&[9u8; 32], payload, None, now);
});
