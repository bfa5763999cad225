//! Bytes -> pave's YAML loader, diagnostics rendered in every format.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pave::fuzzing::yaml_load(data));
