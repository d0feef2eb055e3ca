//! The command line: the clap definitions of `proj` and its global flags, and the dispatch
//! of a parsed line to its handler (one file per noun). What handlers share is in `app`
//! (the [`App`] and its transactions), how errors are printed in `report`, and the parsing
//! shortcuts that earn their keep in `shortcuts`.

mod access;
mod app;
mod backup;
pub mod complete;
mod context;
mod doctor;
mod env;
mod env_copy;
mod grant;
mod init;
mod layout;
mod link;
mod log;
mod member;
mod org;
mod project;
mod report;
mod resource;
mod restore;
mod roster;
mod shortcuts;
mod team;
mod tree;

pub use app::App;
pub(crate) use app::actor_for;
pub use report::report;
pub use shortcuts::Pruned;

use crate::error::{Error, Result};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// Lay out organizations, projects, environments and resources in one local SQLite file
#[derive(Debug, Parser)]
#[command(
    name = "proj",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Exit codes: 0 ok, 1 unexpected failure, 2 usage, 3 not found, 4 conflict, \
                  5 permission denied, 6 busy or schema too new"
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Pruned<Command>,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct Globals {
    /// Use this SQLite file, or a postgres:// URL (team mode), instead of the default file
    #[arg(
        long,
        global = true,
        env = "PROJ_DB",
        value_name = "PATH|URL",
        value_hint = clap::ValueHint::FilePath
    )]
    pub db: Option<PathBuf>,
    /// Work in this organization (env: PROJ_ORG)
    #[arg(
        long,
        global = true,
        value_name = "ORG",
        add = clap_complete::ArgValueCompleter::new(complete::org)
    )]
    pub org: Option<String>,
    /// Work in this project, as PROJECT or ORG/PROJECT (env: PROJ_PROJECT)
    #[arg(
        short = 'p',
        long,
        global = true,
        value_name = "PROJECT",
        add = clap_complete::ArgValueCompleter::new(complete::project)
    )]
    pub project: Option<String>,
    /// Act as this member instead of the identity saved by `proj init`
    #[arg(
        long = "as",
        global = true,
        env = "PROJ_AS",
        value_name = "EMAIL",
        add = clap_complete::ArgValueCompleter::new(complete::member)
    )]
    pub as_member: Option<String>,
    /// Print results as a table, JSON or tab-separated plain lines (`proj export`: TOML or JSON)
    #[arg(
        short = 'o',
        long,
        global = true,
        env = "PROJ_OUTPUT",
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<OutputArg>,
    /// Print JSON (short for `-o json`)
    #[arg(long, global = true)]
    pub json: bool,
    /// Answer yes to every confirmation
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Never prompt (implied unless stdin and stdout are terminals)
    #[arg(long, global = true)]
    pub no_input: bool,
    /// Print nothing on success; the exit code tells
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
// Each command's arguments are built only when it is the one being run (or for help,
// completion and man pages, which build the whole tree).
#[command(defer = true)]
pub enum Command {
    /// Set up in one go: you, your organization, your first project and its environments
    Init(init::InitArgs),
    /// Manage organizations, which own projects and members
    #[command(subcommand)]
    Org(Pruned<org::OrgCmd>),
    /// Manage projects: one product family or one client delivery
    #[command(subcommand)]
    Project(Pruned<project::ProjectCmd>),
    /// Manage the environments of a project (production, staging, …)
    #[command(subcommand)]
    Env(Pruned<env::EnvCmd>),
    /// Manage the resources of an environment (apps, databases, credential references, …)
    #[command(subcommand)]
    Resource(Pruned<resource::ResourceCmd>),
    /// Manage the members of an organization and their project grants
    #[command(subcommand)]
    Member(Pruned<member::MemberCmd>),
    /// Manage the teams of an organization, their members and their project grants
    #[command(subcommand)]
    Team(Pruned<team::TeamCmd>),
    /// Ask who may do what, and which rule decides
    #[command(subcommand)]
    Access(Pruned<access::AccessCmd>),
    /// Show who you are acting as, and your role in the current organization
    Whoami,
    /// Draw organizations, projects, environments and resources as a tree
    Tree(tree::TreeArgs),
    /// Pin this directory to a project, so commands run here use it
    Link(link::LinkArgs),
    /// Remove the link file that applies to this directory
    Unlink,
    /// Show which organization, project and identity commands use, and why
    Context,
    /// Show the audit log, newest first
    Log(log::LogArgs),
    /// Check the file's health and how projects are laid out
    Doctor(doctor::DoctorArgs),
    /// Bring back an organization, project or environment from its removal event
    Restore(restore::RestoreArgs),
    /// Copy the database to a file, consistently, even while others write to it
    Backup(backup::BackupArgs),
    /// Print the layout (members, projects, environments, resources, grants) as TOML or JSON
    Export(layout::ExportArgs),
    /// Make the organizations a layout file names match it: print the plan, then apply it
    Apply(layout::ApplyArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(complete::CompletionsArgs),
}

/// What `-o` accepts: the output formats, and TOML, which only `proj export` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputArg {
    /// Aligned table for people
    Table,
    /// One JSON document
    Json,
    /// One tab-separated record a line, no header
    Plain,
    /// A TOML layout file (`proj export`, which prints it by default)
    Toml,
}

/// The whole program: parse, dispatch, report. Returns the exit code.
pub fn run(args: Vec<OsString>) -> u8 {
    crate::output::guard_standard_streams();
    // Shell completion calls `COMPLETE=<shell> proj -- <words>`; without it this is one lookup.
    complete::complete_and_exit_if_asked();
    if let Some(code) = shortcuts::version(&args) {
        return code;
    }
    let raw = report::echoes_control_characters(&args);
    let cli = match shortcuts::parse(&args, raw) {
        Ok(cli) => cli,
        Err(e) => return report::report_clap(e, report::wants_json(&args), raw),
    };
    let mut app = App::new(cli.globals.clone());
    let done = dispatch(&mut app, cli.command.0);
    app.exit_code(done)
}

fn dispatch(app: &mut App, command: Command) -> Result<()> {
    if app.globals.output == Some(OutputArg::Toml)
        && !app.globals.json
        && !matches!(command, Command::Export(_))
    {
        return Err(Error::usage("`-o toml` is for `proj export`")
            .with_hint("use -o table, json or plain with other commands"));
    }
    // The database is opened on first use: `init` must not create it before its write, and
    // printing a completion script or removing a link file needs none.
    match command {
        Command::Init(args) => init::run(app, args),
        Command::Org(cmd) => org::run(app, cmd.0),
        Command::Project(cmd) => project::run(app, cmd.0),
        Command::Env(cmd) => env::run(app, cmd.0),
        Command::Link(args) => link::link(app, args),
        Command::Unlink => link::unlink(app),
        Command::Context => context::run(app),
        Command::Log(args) => log::run(app, args),
        Command::Resource(cmd) => resource::run(app, cmd.0),
        Command::Tree(args) => tree::run(app, args),
        Command::Doctor(args) => doctor::run(app, args),
        Command::Completions(args) => complete::print(args),
        Command::Member(cmd) => member::run(app, cmd.0),
        Command::Team(cmd) => team::run(app, cmd.0),
        Command::Access(cmd) => access::run(app, cmd.0),
        Command::Whoami => access::whoami(app),
        Command::Restore(args) => restore::run(app, args),
        Command::Backup(args) => backup::run(app, args),
        Command::Export(args) => layout::export(app, args),
        Command::Apply(args) => layout::apply(app, args),
    }
}

/// A clap value parser for the model's named values (kinds, roles): the model's own error
/// message and hint, on one line.
pub(crate) fn parse_word<T: std::str::FromStr<Err = Error>>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|e| match e.hint {
        Some(hint) => format!("{} ({hint})", e.message),
        None => e.message,
    })
}

/// A clap value parser for free text shown to people (display names, descriptions, member
/// names): refuses control characters with exit 2, naming the flag.
pub(crate) fn parse_text(s: &str) -> Result<String, String> {
    match crate::model::text_problem(s) {
        None => Ok(s.to_string()),
        Some(problem) => Err(format!(
            "{problem}; use printable text: no escape sequences, tabs or line breaks"
        )),
    }
}

/// A clap value parser for a name people read (display names, member names): as
/// [`parse_text`], and not blank nor longer than a name may be.
pub(crate) fn parse_name(s: &str) -> Result<String, String> {
    match crate::model::name_text_problem(s) {
        None => Ok(s.to_string()),
        Some(problem) => Err(format!(
            "{problem}; use printable text that shows something, without escape sequences, tabs or line breaks"
        )),
    }
}

/// A clap value parser for an email argument: lowercased, the one spelling stored and
/// compared. Whether it is an email at all is checked where it is used.
pub(crate) fn parse_email(s: &str) -> Result<String, String> {
    Ok(crate::model::normalize_email(s))
}

/// The clap command tree, for completions, man pages and tests.
pub fn command() -> clap::Command {
    Cli::command()
}
