//! Bad inputs in human and GitHub output. The bad-input cases themselves
//! (`tests/diagnostics/<case>/`) run one test each in the `diagnostics` target
//! (`tests/diagnostics.rs`).

use super::*;

#[test]
fn human_output_points_at_the_line_with_a_help() {
    let repo = base_with_case("unknown-field-near-miss");
    let out = pave(&["lint"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("E0202"), "{text}");
    assert!(text.contains("unknown field `replica`"), "{text}");
    assert!(text.contains("[services/api.yaml:4:1]"), "{text}");
    assert!(text.contains("did you mean `replicas`?"), "{text}");
    assert!(text.contains("1 error"), "{text}");
}

#[test]
fn github_format_writes_workflow_annotations() {
    let repo = base_with_case("unknown-field-near-miss");
    let out = pave(&["lint", "--format", "github"], repo.path());
    // Machine output is on stdout; stderr stays for people.
    let text = stdout(&out);
    assert_eq!(stderr(&out), "");
    assert!(
        text.starts_with("::error file=services/api.yaml,line=4,col=1,endLine=4,endColumn=8,title=pave E0202::unknown field `replica`"),
        "{text}"
    );
}
