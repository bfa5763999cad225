//! The `pave` command line: argument parsing only; the commands, their diagnostics and
//! their exit codes are in the library (`pave::cli`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use pave::cli::{self, Date, Format, Options, Output, Report};

#[derive(Parser)]
#[command(
    name = "pave",
    version,
    about = "A declarative platform compiler",
    max_term_width = 100
)]
struct Cli {
    /// How diagnostics are printed (default: github when GITHUB_ACTIONS=true, else human).
    #[arg(long, global = true, value_enum)]
    format: Option<FormatArg>,
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

#[derive(Clone, Copy, ValueEnum)]
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
        /// Environments to show (repeatable; default: all).
        #[arg(long = "env")]
        envs: Vec<String>,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Start a platform repository: a platform file and one service.
    Init {
        /// The folder to create it in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Write `services/SERVICE.yaml`.
    New {
        /// The new service's name (a DNS-1123 label).
        service: String,
        /// The owning team.
        #[arg(long)]
        owner: String,
        /// The image (default: the platform's first allowed registry + the name).
        #[arg(long)]
        image: Option<String>,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Services, their needs and routes as a graph (`--format mermaid|dot`).
    Graph {
        #[command(flatten)]
        root: RootArgs,
    },
    /// List the policies in force: id, scope, severity per environment, waivable.
    Policies(RootArgs),
    /// Print the JSON Schema of an input file.
    Schema {
        #[arg(value_parser = ["platform", "service", "policy", "module"], default_value = "service")]
        kind: String,
    },
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
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn main() -> ExitCode {
    ignore_file_size_signal();
    let cli = Cli::parse();
    let format = match cli.format {
        Some(FormatArg::Human) => Format::Human,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Github) => Format::Github,
        Some(FormatArg::Sarif) => Format::Sarif,
        Some(FormatArg::Mermaid | FormatArg::Dot | FormatArg::Markdown) => Format::Human,
        None if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") => Format::Github,
        None => Format::Human,
    };
    let color = match cli.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let today = cli.today.unwrap_or_else(clock_today);
    let output = Output {
        format,
        color,
        today,
        deny_warnings: cli.deny_warnings,
    };
    let graph_format = matches!(cli.format, Some(FormatArg::Mermaid | FormatArg::Dot));
    if graph_format && !matches!(cli.command, Command::Graph { .. }) {
        return ExitCode::from(cli::graph_format_elsewhere(output).code());
    }
    let markdown = matches!(cli.format, Some(FormatArg::Markdown));
    if markdown && !matches!(cli.command, Command::Diff(_)) {
        return ExitCode::from(cli::markdown_elsewhere(output).code());
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
    let exit = match cli.command {
        Command::Build(a) => cli::build(&tree_options(a), output),
        Command::Check(a) => cli::check(&tree_options(a), output),
        Command::Diff(a) => cli::diff(&tree_options(a), output),
        Command::Lint(a) => cli::lint(&a.root, output),
        Command::Explain {
            service,
            envs,
            root,
        } => cli::explain(&root.root, &service, &envs, output),
        Command::Policies(a) => cli::policies(&a.root, output),
        Command::Init { dir } => cli::init(&dir, output),
        Command::New {
            service,
            owner,
            image,
            root,
        } => cli::new_service(&root.root, &service, &owner, image.as_deref(), output),
        Command::Graph { root } => cli::graph(
            &root.root,
            matches!(cli.format, Some(FormatArg::Dot)),
            output,
        ),
        Command::Schema { kind } => cli::schema(&kind, output),
    };
    ExitCode::from(exit.code())
}
