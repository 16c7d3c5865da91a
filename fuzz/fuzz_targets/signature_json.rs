//! The API's signature body (JSON), read and validated as
//! `POST /api/v1/letters/{slug}/signatures` does.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    undersign::web::fuzzing::signature_json(body);
});
