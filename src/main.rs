//! The `pave` command line: argument parsing only; the commands, their diagnostics and
//! their exit codes are in the library (`pave::cli`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use std::io::Write;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use pave::cli::{self, Date, Exit, Format, GraphFormat, Options, Output, Report};

mod allocator;

#[derive(Parser)]
#[command(
    name = "pave",
    version,
    about = "A declarative platform compiler",
    max_term_width = 100
)]
struct Cli {
    /// Output format. Diagnostics: human (default; github when GITHUB_ACTIONS=true),
    /// json, sarif or github, on stdout; `graph`: mermaid (default), dot or json;
    /// `explain`, `policies`, `modules`: human (default) or json.
    #[arg(long, global = true, value_enum)]
    format: Option<FormatArg>,
    /// Write the json, sarif or github diagnostics to FILE instead of stdout.
    #[arg(long, global = true, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Colors in human output.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    color: ColorArg,
    /// The date exceptions are checked against, YYYY-MM-DD (default: today, from the clock).
    #[arg(long, global = true, value_parser = parse_date)]
    today: Option<Date>,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    deny_warnings: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Github,
    Sarif,
    /// `graph` only: a Mermaid flowchart (the default there).
    Mermaid,
    /// `graph` only: Graphviz dot.
    Dot,
    /// `diff` only: the blast-radius report as Markdown, for a pull-request comment.
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(Subcommand)]
enum Command {
    /// Compile and write the output tree.
    Build(TreeArgs),
    /// Compile in memory and compare with the committed output tree; exit 1 on any difference.
    Check(TreeArgs),
    /// Show what `build` would change, as a unified diff.
    Diff(TreeArgs),
    /// Check the sources (schemas and references); write nothing.
    Lint(RootArgs),
    /// Show a service's resolved values and where each came from.
    Explain {
        /// The service's name.
        service: String,
        /// An object and a field path in it (`deployment spec.replicas`), or a service
        /// field (`replicas`): show only where that value came from.
        field: Vec<String>,
        /// Environments to show (repeatable; default: all).
        #[arg(long = "env")]
        envs: Vec<String>,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Start a platform repository: a platform file and one service.
    Init {
        /// The folder to create it in; the platform is named after it.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Write `services/SERVICE.yaml` (or `.kdl` in a KDL platform) in a platform repository.
    New {
        /// The new service's name (a DNS-1123 label).
        service: String,
        /// The owning team.
        #[arg(long)]
        owner: String,
        /// The image (default: the platform's first allowed registry + the name).
        #[arg(long)]
        image: Option<String>,
        /// Write a Score workload (`services/SERVICE.score.yaml`) instead of a pave file.
        #[arg(long)]
        score: bool,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Services, their needs and routes as a graph (`--format mermaid|dot|json`).
    Graph {
        #[command(flatten)]
        root: RootArgs,
    },
    /// List the policies in force: id, scope, severity per environment, waivable.
    Policies {
        /// Only what applies to this service, with the exceptions in force for it.
        #[arg(long)]
        service: Option<String>,
        /// Only these environments (repeatable).
        #[arg(long = "env")]
        envs: Vec<String>,
        #[command(flatten)]
        root: RootArgs,
    },
    /// List the module types a need can use (built-in and the platform's), or show one.
    Modules {
        /// One module type: its inputs, outputs and the Terraform module it calls.
        #[arg(value_name = "TYPE")]
        kind: Option<String>,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Print the JSON Schema of an input file.
    Schema {
        #[arg(value_parser = ["platform", "service", "policy", "module"], default_value = "service")]
        kind: String,
    },
    /// Print a shell completion script (`pave completions bash > /etc/bash_completion.d/pave`).
    Completions {
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print pave's man page (roff): `pave man > pave.1`.
    Man,
}

impl Command {
    /// The command's name and the `--format`s it can print.
    fn formats(&self) -> (&'static str, &'static [FormatArg]) {
        use FormatArg::*;
        const DIAGNOSTICS: &[FormatArg] = &[Human, Json, Github, Sarif];
        const DATA: &[FormatArg] = &[Human, Json];
        match self {
            Command::Build(_) => ("build", DIAGNOSTICS),
            Command::Check(_) => ("check", DIAGNOSTICS),
            // Its data is the diffs, or the blast-radius report as JSON or Markdown.
            Command::Diff(_) => ("diff", &[Human, Json, Markdown]),
            Command::Lint(_) => ("lint", DIAGNOSTICS),
            Command::Init { .. } => ("init", DIAGNOSTICS),
            Command::New { .. } => ("new", DIAGNOSTICS),
            Command::Explain { .. } => ("explain", DATA),
            Command::Policies { .. } => ("policies", DATA),
            Command::Modules { .. } => ("modules", DATA),
            Command::Graph { .. } => ("graph", &[Mermaid, Dot, Json]),
            Command::Schema { .. } => ("schema", &[Json]),
            Command::Completions { .. } => ("completions", &[]),
            Command::Man => ("man", &[]),
        }
    }

    /// Whether the command's stdout is its data; its diagnostics then go to stderr.
    fn prints_data(&self) -> bool {
        let (_, formats) = self.formats();
        !formats.contains(&FormatArg::Sarif)
    }
}

#[derive(Args)]
struct RootArgs {
    /// The platform repository (default: the current directory).
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

#[derive(Args)]
struct TreeArgs {
    #[command(flatten)]
    root: RootArgs,
    /// Where the output tree lives (default: the repository root); used for golden trees.
    #[arg(long)]
    tree: Option<PathBuf>,
    /// Only this environment (repeatable).
    #[arg(long = "env")]
    envs: Vec<String>,
    /// Only this service (repeatable).
    #[arg(long = "service")]
    services: Vec<String>,
    /// `build` only: compile and plan, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Allow this change to destroy the stateful resources of need ENV/SERVICE/NEED
    /// in a protected environment (repeatable).
    #[arg(long = "allow-destroy", value_name = "ENV/SERVICE/NEED")]
    allow_destroy: Vec<String>,
}

// pave allocates many small strings while rendering; mimalloc makes a full build of a
// large platform markedly faster than the system allocator (see README, Benchmark).
#[global_allocator]
static ALLOCATOR: allocator::Mimalloc = allocator::Mimalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (the version the
/// `libmimalloc-sys` crate builds by default); its bindings name no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed memory before returning it to the system. A
/// build frees each environment's objects and files as it goes; returned at once
/// (10 ms), the same memory was faulted in again by the next stage: about 81,000
/// page faults in a fresh build at 1,000 × 3, against about 50,000 with one second
/// (mimalloc 3's default), which saves about 0.1 s of kernel time in `build` and
/// `check` for a peak of about 205 MiB instead of 175 MiB (1.51 GiB against 1.48 GiB
/// at 10,000 × 3; see README, Benchmark). Set here so a new mimalloc default does
/// not change it unnoticed.
const PURGE_DELAY_MS: std::ffi::c_long = 1000;

fn tune_memory() {
    // SAFETY: setting an option is a plain store mimalloc allows at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    // Without transparent huge pages: mimalloc asks for them on its arenas, and each
    // first touch after a purge then zeroes a whole 2 MiB page (about a tenth of a
    // build's CPU time in `clear_page`; see README, Benchmark). mimalloc's own option
    // is read when it starts, before `main`; this process-wide switch applies to
    // later faults on every mapping.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this
    // process; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Ends the process once a command is done, without handing its memory back first.
/// Everything it writes is written and closed by now, and the standard streams are
/// flushed here; what is left is freeing: returning from `main` runs the allocator's
/// exit handler, which collected and returned every page of a large compilation
/// (some 300 `madvise` calls after a `check` of 1,000 services) only for the kernel to
/// drop the process's memory anyway. `_exit` skips that (about 5% of a `check`'s wall
/// time at 1,000 × 3; see README, Benchmark).
fn end_process(code: u8) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    // SAFETY: `_exit` only ends the process; nothing in it runs Rust code.
    unsafe {
        libc::_exit(i32::from(code))
    }
    #[cfg(not(unix))]
    ExitCode::from(code)
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a date like 2027-03-31"))
}

/// Today's date in UTC. The only place pave reads the clock: exception expiry is checked
/// against it, and nothing it decides reaches the output tree.
fn clock_today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days((seconds / 86_400) as i64)
}

/// A write past `ulimit -f` raises SIGXFSZ, whose default action kills the process
/// mid-build. Ignored, the write fails with EFBIG instead: an I/O error pave reports,
/// after removing its temporary files.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code and
    // happens before any thread is started.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

fn format_name(f: FormatArg) -> &'static str {
    match f {
        FormatArg::Human => "human",
        FormatArg::Json => "json",
        FormatArg::Github => "github",
        FormatArg::Sarif => "sarif",
        FormatArg::Mermaid => "mermaid",
        FormatArg::Dot => "dot",
        FormatArg::Markdown => "markdown",
    }
}

/// How diagnostics are printed: the machine formats are collected into one document
/// on stdout, except for commands whose stdout is their data (diagnostics then go to
/// stderr, as JSON with `--format json`).
fn output_settings(cli: &Cli) -> Output {
    let diagnostic_format = match cli.format {
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Github) => Format::Github,
        Some(FormatArg::Sarif) => Format::Sarif,
        Some(FormatArg::Human | FormatArg::Mermaid | FormatArg::Dot | FormatArg::Markdown) => {
            Format::Human
        }
        None if cli.command.prints_data() => Format::Human,
        None if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") => Format::Github,
        None => Format::Human,
    };
    let color = match cli.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    Output {
        format: diagnostic_format,
        collect: diagnostic_format != Format::Human && !cli.command.prints_data(),
        // The path lives as long as the process; `Output` stays `Copy`.
        report_file: cli.output.clone().map(|p| &*Box::leak(p.into_boxed_path())),
        color,
        today: cli.today.unwrap_or_else(clock_today),
        deny_warnings: cli.deny_warnings,
    }
}

/// A `--format` or `--output` the command cannot honour, as the exit to stop with.
fn refused_format(cli: &Cli, output: Output) -> Option<Exit> {
    let (name, allowed) = cli.command.formats();
    if let Some(f) = cli.format
        && !allowed.contains(&f)
    {
        let allowed: Vec<&str> = allowed.iter().map(|f| format_name(*f)).collect();
        // Asked for a machine format (json, sarif, github), the refusal is a document
        // in it, on stdout or in `--output FILE`, as a usage error clap finds is: a CI
        // step that saves `--format sarif` gets a valid log naming the mistake, not an
        // empty file. Any other format is refused in human form.
        let shown = Output {
            collect: output.format != Format::Human,
            ..output
        };
        let exit = cli::format_not_for(name, format_name(f), &allowed, shown);
        return Some(cli::finish(exit, shown));
    }
    let data = cli.format.is_some() && cli.command.prints_data();
    (cli.output.is_some() && !output.collect)
        .then(|| cli::output_without_format(data.then_some(name), output))
}

/// The command line, parsed. A usage error clap finds (an unknown flag, a bad
/// `--today`) is, for a command that reports diagnostics in a machine format
/// (`build`, `check`, `lint`, `init`, `new` with `--format json|sarif|github`), an E0117
/// diagnostic in that format, on stdout or in `--output FILE`: so
/// `pave check --format sarif > pave.sarif` is a valid log even then. Otherwise, and
/// for `--help` and `--version`, clap prints and exits as usual.
fn parse_command_line() -> Result<Cli, ExitCode> {
    let error = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let diagnostics_command = args
        .iter()
        .find(|a| {
            [
                "build",
                "check",
                "lint",
                "init",
                "new",
                "diff",
                "explain",
                "graph",
                "policies",
                "modules",
                "schema",
                "completions",
                "man",
            ]
            .contains(&a.as_str())
        })
        .is_some_and(|c| ["build", "check", "lint", "init", "new"].contains(&c.as_str()));
    let format = match flag_value(&args, "--format").as_deref() {
        Some("json") => Format::Json,
        Some("sarif") => Format::Sarif,
        Some("github") => Format::Github,
        _ => error.exit(),
    };
    // Help and version text go to stdout: not errors.
    if !diagnostics_command || !error.use_stderr() {
        error.exit();
    }
    let output = Output {
        format,
        collect: true,
        // The path lives as long as the process; `Output` stays `Copy`.
        report_file: flag_value(&args, "--output")
            .map(|p| &*Box::leak(PathBuf::from(p).into_boxed_path())),
        color: false,
        today: clock_today(),
        deny_warnings: false,
    };
    let text = error.render().to_string();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let message = lines.next().unwrap_or_default();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let help: Vec<&str> = lines.map(str::trim).collect();
    let exit = cli::command_line_error(message, &help.join("; "), output);
    Err(ExitCode::from(cli::finish(exit, output).code()))
}

/// The value of `--flag VALUE` or `--flag=VALUE` in `args`, the last one given.
fn flag_value(args: &[String], flag: &str) -> Option<String> {
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        if a == flag {
            found = args.get(i + 1).cloned();
        } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            found = Some(v.to_string());
        }
    }
    found
}

fn main() -> ExitCode {
    tune_memory();
    // Every command ends in `end_process`: what is left to free then, is not freed.
    pave::cli::process_ends_without_freeing();
    ignore_file_size_signal();
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let output = output_settings(&cli);
    if let Some(exit) = refused_format(&cli, output) {
        return ExitCode::from(exit.code());
    }
    let report = match cli.format {
        Some(FormatArg::Json) => Report::Json,
        Some(FormatArg::Markdown) => Report::Markdown,
        _ => Report::Text,
    };
    let tree_options = |a: TreeArgs| Options {
        dry_run: a.dry_run,
        allow_destroy: a.allow_destroy,
        report,
        tree: a.tree.unwrap_or_else(|| a.root.root.clone()),
        root: a.root.root,
        envs: a.envs,
        services: a.services,
    };
    let json = cli.format == Some(FormatArg::Json);
    if let Command::Build(a) | Command::Check(a) | Command::Diff(a) = &cli.command
        && let Some(tree) = &a.tree
        && let Some(exit) = cli::tree_among_inputs(&a.root.root, tree, output)
    {
        return ExitCode::from(cli::finish(exit, output).code());
    }
    let exit = match cli.command {
        Command::Build(a) => cli::build(&tree_options(a), output),
        // `check` and `diff` never write: `--dry-run` would promise what they always do.
        Command::Check(ref a) | Command::Diff(ref a) if a.dry_run => {
            cli::dry_run_not_for(cli.command.formats().0, output)
        }
        Command::Check(a) => cli::check(&tree_options(a), output),
        Command::Diff(a) => cli::diff(&tree_options(a), output),
        Command::Lint(a) => cli::lint(&a.root, output),
        Command::Explain {
            service,
            field,
            envs,
            root,
        } => {
            let query = cli::Query {
                service: &service,
                envs: &envs,
                field: &field,
                json,
            };
            cli::explain(&root.root, &query, output)
        }
        Command::Policies {
            service,
            envs,
            root,
        } => {
            let selection = cli::Selection {
                service: service.as_deref(),
                envs: &envs,
                json,
            };
            cli::policies(&root.root, &selection, output)
        }
        Command::Modules { kind, root } => cli::modules(&root.root, kind.as_deref(), json, output),
        Command::Init { dir } => cli::init(&dir, output),
        Command::New {
            service,
            owner,
            image,
            score,
            root,
        } => cli::new_service(
            &root.root,
            &service,
            &owner,
            image.as_deref(),
            score,
            output,
        ),
        Command::Graph { root } => {
            let format = match cli.format {
                Some(FormatArg::Dot) => GraphFormat::Dot,
                Some(FormatArg::Json) => GraphFormat::Json,
                _ => GraphFormat::Mermaid,
            };
            cli::graph(&root.root, format, output)
        }
        Command::Schema { kind } => cli::schema(&kind, output),
        Command::Completions { shell } => completions(shell),
        Command::Man => man_page(),
    };
    end_process(cli::finish(exit, output).code())
}

/// `pave completions SHELL`: the completion script clap_complete writes from the
/// argument definitions above, so it never lags behind them.
fn completions(shell: ShellArg) -> Exit {
    use clap_complete::Shell;
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "pave", &mut std::io::stdout());
    Exit::Ok
}

/// `pave man`: the man page clap_mangen writes from the argument definitions above.
fn man_page() -> Exit {
    match render_man_page().and_then(|page| std::io::stdout().write_all(&page)) {
        Ok(()) => Exit::Ok,
        Err(_) => Exit::Usage,
    }
}

/// One page for the whole program: its global options, then a section per command
/// with that command's synopsis, description and options (clap_mangen's own page
/// lists the commands as `pave-build(1)` and so on, pages nothing installs).
fn render_man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let top = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    top.render_title(&mut page)?;
    top.render_name_section(&mut page)?;
    top.render_synopsis_section(&mut page)?;
    top.render_description_section(&mut page)?;
    top.render_options_section(&mut page)?;
    let shown = |s: &&clap::Command| !s.is_hide_set() && s.get_name() != "help";
    for sub in cmd.get_subcommands().filter(shown) {
        let name = format!("pave {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
        writeln!(page, ".SH \"{}\"", name.to_uppercase())?;
        let mut sections = Vec::new();
        man.render_synopsis_section(&mut sections)?;
        man.render_description_section(&mut sections)?;
        man.render_options_section(&mut sections)?;
        // The command's parts are subsections of its section.
        let text = String::from_utf8_lossy(&sections).replace("\n.SH ", "\n.SS ");
        page.extend_from_slice(text.as_bytes());
    }
    top.render_version_section(&mut page)?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    /// One test, not two: tuning sets a process-wide option, so a test reading the
    /// default beside one that tunes would race with it.
    #[test]
    fn tuning_sets_mimallocs_purge_delay_and_turns_huge_pages_off() {
        // Only mimalloc 3's purge delay defaults to 1000 (ms): had the enum moved, the
        // index would name another option, with another default. pave sets the same
        // value on purpose, so a new default would fail here rather than pass unseen.
        // SAFETY: reading an option is a plain load.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
        super::tune_memory();
        // SAFETY: as above.
        let tuned = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(tuned, super::PURGE_DELAY_MS);
        #[cfg(target_os = "linux")]
        {
            // SAFETY: PR_GET_THP_DISABLE reads a flag of this process.
            let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
            assert_eq!(disabled, 1);
        }
    }
}
