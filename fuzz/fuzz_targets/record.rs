//! A record object from `/letters/{slug}/log/records`, checked against a leaf
//! as `undersign verify` does. The input is split: a leaf, then the object.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: (u64, &[u8], &[u8])| {
    let (index, leaf, object) = input;
    undersign::verify::check_record_bytes(index, leaf, object);
});
