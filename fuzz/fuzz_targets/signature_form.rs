//! The signature form's body (`application/x-www-form-urlencoded`), decoded
//! and validated as `POST /letters/{slug}/sign` does.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    undersign::web::fuzzing::signature_form(body);
});
