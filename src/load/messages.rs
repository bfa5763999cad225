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

/// A `files.<path>.from` path that is not a plain path inside the repository.
pub(crate) fn from_path(at: Span, path: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(Code::E0601, format!("file `{path}` {problem}"))
        .primary(at, "not a path inside the repository")
        .help("`from` is relative to the repository root, like `build.context`: write e.g. `config/app.yaml`, without a leading `/` or `~` and without `..`")
}

/// A `from` naming a file pave itself writes.
pub(crate) fn from_output(at: Span, path: &str) -> Diagnostic {
    Diagnostic::error(Code::E0601, format!("file `{path}` is in pave's own output"))
        .primary(at, "a file pave writes")
        .note("a build rewrites it, and the file that embeds it would then change with every build, so the tree would never match its sources")
        .help("keep the file's source outside the output folder, `.github`, `atlantis.yaml` and `.gitlab-ci.yml`, e.g. in `config/`")
}

/// A `from` naming a file that is not there.
pub(crate) fn from_missing(at: Span, path: &str) -> Diagnostic {
    Diagnostic::error(Code::E0602, format!("file `{path}` does not exist"))
        .primary(at, "no such file in the repository")
        .help("`from` is relative to the repository root; add the file or fix the path")
}

/// A symbolic link on the path of a `from` file.
pub(crate) fn from_link(at: Span, path: &str, link: &str) -> Diagnostic {
    let what = match link == path {
        true => format!("file `{path}` is a symbolic link"),
        false => format!("file `{path}` is reached through the symbolic link `{link}`"),
    };
    Diagnostic::error(Code::E0603, what)
        .primary(at, "pave does not follow symbolic links")
        .help("a link can point outside the repository; put the file itself at this path")
}

/// A `from` naming a folder or a special file.
pub(crate) fn from_not_regular(at: Span, path: &str, what: &str) -> Diagnostic {
    Diagnostic::error(Code::E0603, format!("`{path}` is {what}"))
        .primary(at, "not a regular file")
        .help("`from` names one regular file, whose content becomes the mounted file")
}

pub(crate) fn from_unreadable(at: Span, path: &str, error: &str) -> Diagnostic {
    Diagnostic::error(Code::E0101, format!("cannot read file `{path}`: {error}"))
        .primary(at, "referred to here")
}

/// A `from` file that is not UTF-8; `offset` is its first invalid byte.
pub(crate) fn from_not_utf8(at: Span, path: &str, offset: usize) -> Diagnostic {
    Diagnostic::error(
        Code::E0604,
        format!("file `{path}` is not valid UTF-8 (byte {offset})"),
    )
    .primary(at, "mounted files must be text")
    .help("save the file as UTF-8; a ConfigMap's `data` holds text only")
}

/// A `from` file over [`super::referenced::MAX_FILE_BYTES`].
pub(crate) fn from_too_large(at: Span, path: &str, size: u64) -> Diagnostic {
    Diagnostic::error(
        Code::E0605,
        format!(
            "file `{path}` is {size} bytes, more than {} allowed",
            super::referenced::MAX_FILE_BYTES
        ),
    )
    .primary(at, "too large for a ConfigMap")
    .help("a ConfigMap holds at most 1 MiB in all; mount a smaller file, or ship the data in the image")
}

// Score workload files (E0620-E0627).

/// A Score field or value pave has no equivalent for, at its key.
pub(crate) fn score_unsupported(at: Span, field: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0620,
        format!("pave cannot honour `{field}` in a Score file"),
    )
    .primary(at, "no pave equivalent")
    .help(format!(
        "{why}; remove it or write the service as a pave service file"
    ))
}

/// A Score resource type that maps onto no module type.
pub(crate) fn score_unknown_resource_type(at: Span, kind: &str, known: &[String]) -> Diagnostic {
    Diagnostic::error(Code::E0621, format!("unknown Score resource type `{kind}`"))
        .primary(at, "no module type or mapping for this type")
        .help(format!("resource types pave maps: {}", known.join(", ")))
}

/// A placeholder pave cannot translate, at the placeholder.
pub(crate) fn score_placeholder(at: Span, written: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0622,
        format!("cannot translate the placeholder `{written}`"),
    )
    .primary(at, "unknown placeholder")
    .help(why.to_string())
}

/// `${` without its `}`.
pub(crate) fn score_unclosed_placeholder(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0622, "unclosed placeholder")
        .primary(at, "`${` without `}`")
        .help("close it with `}`, or write `$$` for a literal `$`")
}

/// A Score resource without a param its mapping needs.
pub(crate) fn score_missing_param(at: Span, param: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0620,
        format!("a `{kind}` resource needs `params.{param}`"),
    )
    .primary(at, format!("`params.{param}` is missing"))
    .help(format!("add `params: {{ {param}: ... }}`"))
}

/// No `pave.dev/owner` annotation, at `metadata`.
pub(crate) fn score_no_owner(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0623, "the workload has no owner")
        .primary(at, "no `pave.dev/owner` annotation")
        .help("add `annotations: { pave.dev/owner: <team> }` under `metadata`")
}

/// A `pave.dev/` annotation pave does not read.
pub(crate) fn score_unknown_annotation(at: Span, field: &str, known: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0624,
        format!("unknown annotation `pave.dev/{field}`"),
    )
    .primary(at, "pave reads no such annotation")
    .help(format!("pave reads {known}"))
}

/// A `pave.dev/` annotation whose text is not of its kind.
pub(crate) fn score_annotation_value(at: Span, kind: &str, written: &str) -> Diagnostic {
    let whole = written
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15);
    let digits = written.strip_prefix('-').unwrap_or(written);
    let too_long = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let help = match (kind, whole) {
        ("an integer", _) if too_long => {
            format!(
                "`{written}` is too large for an integer (at most {})",
                i64::MAX
            )
        }
        ("an integer", Some(whole)) if written.contains('.') => {
            format!("write the number without a decimal point (`\"{whole}\"`, not `\"{written}\"`)")
        }
        ("an integer", Some(whole)) => {
            format!(
                "write the number as digits only, with no `+` or spaces (`\"{whole}\"`, not `\"{written}\"`)"
            )
        }
        ("an integer", None) => {
            "write the value as a quoted string of digits, e.g. \"3\"".to_string()
        }
        _ => "write the value as a quoted decimal number, e.g. \"99.9\"".to_string(),
    };
    Diagnostic::error(Code::E0624, format!("this annotation must be {kind}"))
        .primary(at, format!("not {kind}"))
        .help(help)
}

/// A number written with a decimal point where Score's mapping needs a whole one (a
/// route's `params.port`), in the schema's words.
pub(crate) fn score_decimal(at: Span, field: &str, written: &str, whole: f64) -> Diagnostic {
    Diagnostic::error(Code::E0201, format!("invalid value for `{field}`"))
        .primary(
            at,
            format!("found the decimal number `{written}`, expected a whole number"),
        )
        .help(format!(
            "write the number without a decimal point (`{whole}`, not `{written}`)"
        ))
}

/// `pave.dev/main-container` names no container.
pub(crate) fn score_no_such_container(at: Span, named: &str, names: &[String]) -> Diagnostic {
    Diagnostic::error(Code::E0624, format!("no container `{named}`"))
        .primary(at, "names no container of the workload")
        .help(format!("containers: {}", names.join(", ")))
}

/// Container resources that are not exactly one of the platform's sizes.
pub(crate) fn score_no_size(
    at: Span,
    sizes: &[(String, String, String)],
    several: bool,
) -> Diagnostic {
    let listed: Vec<String> = sizes
        .iter()
        .map(|(n, c, m)| format!("{n} (requests cpu {c}, memory {m}; limits memory {m})"))
        .collect();
    let message = match several {
        true => "these resources match several platform sizes",
        false => "these resources are not a platform size",
    };
    Diagnostic::error(Code::E0625, message)
        .primary(at, "pave sizes containers by the platform's size classes")
        .help(format!(
            "write the requests and limits of one size, or drop `resources` and set `pave.dev/size`; sizes: {}",
            listed.join(", ")
        ))
}

/// A container volume whose `source` is not `${resources.<name>}` of a `volume` resource.
pub(crate) fn score_file_source_is_folder(at: Span, written: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0601,
        format!("file `source` `{written}` names the repository root, not a file"),
    )
    .primary(at, "a folder")
    .help("`source` is a file path relative to the Score file, such as `config/app.yaml`")
}

pub(crate) fn score_volume_source(at: Span, problem: &str, volumes: &[String]) -> Diagnostic {
    let help = match volumes.is_empty() {
        true => "declare one: `resources: { cache: { type: volume } }`, then `source: ${resources.cache}`".to_string(),
        false => format!(
            "write `source: ${{resources.<name>}}` with one of the workload's volume resources: {}",
            volumes.join(", ")
        ),
    };
    Diagnostic::error(Code::E0627, format!("the volume's `source` {problem}"))
        .primary(at, "not a volume resource")
        .help(help)
}

/// A `source` file with placeholders or `$$`, which pave would mount unexpanded.
pub(crate) fn score_source_expands(at: Span, path: &str) -> Diagnostic {
    Diagnostic::error(Code::E0626, format!("`{path}` holds placeholders pave would not expand"))
        .primary(at, "read with `source`, expanded by Score")
        .help("pave mounts a `source` file as written: set `noExpand: true` if the text is literal, or write it inline as `content`")
}
