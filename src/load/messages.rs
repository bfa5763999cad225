//! The wording of the loader's diagnostics about files and folders: what is missing,
//! unreadable, not an input, or refused. (Syntax errors are worded beside their
//! parser, in `yaml.rs` and `kdl.rs`.)

use crate::diag::{Code, Diagnostic};
use crate::source::Span;

use super::MAX_DEPTH;

/// A collection nested deeper than [`MAX_DEPTH`], at its start.
pub(crate) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0109,
        format!("nesting deeper than {MAX_DEPTH} levels"),
    )
    .primary(span, format!("level {} starts here", MAX_DEPTH + 1))
    .help("flatten the structure: pave input files need only a few levels")
}

pub(crate) fn no_platform_file() -> Diagnostic {
    Diagnostic::error(Code::E0106, "no platform file found")
        .in_file("platform.yaml")
        .help("create `platform.yaml` (or `platform.kdl`) at the repository root, or pass `--root DIR` to point at the repository")
}

pub(crate) fn cannot_read_file(name: String, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::E0101, format!("cannot read file: {error}")).in_file(name)
}

pub(crate) fn cannot_read_folder(name: String, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::E0101, format!("cannot read folder: {error}")).in_file(name)
}

/// The first byte that is not UTF-8.
pub(crate) fn not_utf8(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0102, "file is not valid UTF-8")
        .primary(at, "invalid byte here")
        .help("save the file as UTF-8")
}

/// A sub-folder of `services/` or `policies/`.
pub(crate) fn folder_not_read(name: String, folder: &str) -> Diagnostic {
    Diagnostic::error(Code::E0112, format!("folder `{name}` is not read"))
        .in_file(name)
        .help(format!("pave reads only the files directly in `{folder}/`; move these files up or out of the repository's inputs"))
}

/// A file directly in `modules/`.
pub(crate) fn file_in_modules(name: String) -> Diagnostic {
    Diagnostic::error(Code::E0112, format!("`{name}` is not read"))
        .in_file(name)
        .help("a module is a folder: `modules/<type>/module.yaml`")
}

pub(crate) fn module_folder_without_module(folder: String) -> Diagnostic {
    Diagnostic::error(
        Code::E0112,
        format!("folder `{folder}` holds no module file"),
    )
    .help(format!("add `{folder}/module.yaml`, or remove the folder"))
    .in_file(folder)
}

/// One input written as several files; `names` are quoted, `first` is reported.
pub(crate) fn several_files(names: &[String], first: String) -> Diagnostic {
    Diagnostic::error(
        Code::E0113,
        format!("one input, several files: {}", names.join(" and ")),
    )
    .in_file(first)
    .help("keep one of them; pave would not know which one to read")
}

pub(crate) fn extension_not_lowercase(name: String, stem: &str, lower: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0112,
        format!("`{name}` is not read: its extension is not lowercase"),
    )
    .help(format!("rename it to `{stem}.{lower}`"))
    .in_file(name)
}

/// A file that is not an input, in `place` ("the repository root", "`services/`").
pub(crate) fn not_input_file(name: String, place: &str) -> Diagnostic {
    Diagnostic::error(Code::E0112, format!("`{name}` is not an input file"))
        .help(format!("pave reads `.yaml`, `.yml` and `.kdl` files in {place}; move other files elsewhere (documentation may stay as `.md`)"))
        .in_file(name)
}

pub(crate) fn symbolic_link(name: String) -> Diagnostic {
    Diagnostic::error(Code::E0111, format!("`{name}` is a symbolic link"))
        .help("pave does not follow links in its inputs (a link may point outside the repository): put the file or folder itself here")
        .in_file(name)
}

pub(crate) fn not_regular(name: String) -> Diagnostic {
    Diagnostic::error(
        Code::E0112,
        format!("`{name}` is not a regular file or folder"),
    )
    .help("input folders hold only files and folders")
    .in_file(name)
}
