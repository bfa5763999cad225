//! Bytes -> pave's KDL loader as each kind of input file, diagnostics rendered.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pave::fuzzing::kdl_load(data));
