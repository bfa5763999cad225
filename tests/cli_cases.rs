//! The command line through the binary, as transcripts (trycmd): every command's
//! stdout and stderr in every format it prints, and the scripted newcomer run
//! (`init` → `new` ×2 → `build` → `check` clean with zero warnings).
//!
//! Each `tests/cmd/*.md` runs its commands in order in one scratch copy of its
//! `*.in/` folder. Regenerate the transcripts with `TRYCMD=overwrite cargo test --test
//! cli_cases` and review the diff like code.

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .register_bin("pave", std::path::Path::new(env!("CARGO_BIN_EXE_pave")))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("GITHUB_ACTIONS", "false")
        .case("tests/cmd/*.md");
}
