//! The command line: clap definitions, one file per noun, and the shared `App` plumbing.

mod access;
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
mod resource;
mod restore;
mod roster;
mod team;
mod tree;

use crate::access::Actor;
use crate::context::{Context, Inputs};
use crate::error::{Error, Result};
use crate::output::{Format, Output};
use crate::store::{Db, Location, Store};
use crate::tx::Tx;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
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
    pub command: Pruned<Command, 0>,
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
    Org(Pruned<org::OrgCmd, 1>),
    /// Manage projects: one product family or one client delivery
    #[command(subcommand)]
    Project(Pruned<project::ProjectCmd, 1>),
    /// Manage the environments of a project (production, staging, …)
    #[command(subcommand)]
    Env(Pruned<env::EnvCmd, 1>),
    /// Manage the resources of an environment (apps, databases, credential references, …)
    #[command(subcommand)]
    Resource(Pruned<resource::ResourceCmd, 1>),
    /// Manage the members of an organization and their project grants
    #[command(subcommand)]
    Member(Pruned<member::MemberCmd, 1>),
    /// Manage the teams of an organization, their members and their project grants
    #[command(subcommand)]
    Team(Pruned<team::TeamCmd, 1>),
    /// Ask who may do what, and which rule decides
    #[command(subcommand)]
    Access(Pruned<access::AccessCmd, 1>),
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

/// A level of commands as clap sees it: every one, or, while [`parse`] tries the command
/// line against the commands it names, only the one named at depth `D` (0: `env`, 1: `list`
/// in `proj env list`). clap copies every global flag into every command of each level it
/// builds: with all of them, a third of a short command's instructions.
#[derive(Debug)]
pub struct Pruned<T, const D: usize>(pub T);

thread_local! {
    /// The commands [`parse`] found named on the command line, set around one parse (and
    /// for a whole completion request, see `complete`).
    pub(crate) static ONLY: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<T: FromArgMatches, const D: usize> FromArgMatches for Pruned<T, D> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Pruned)
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: Subcommand, const D: usize> Subcommand for Pruned<T, D> {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        let Some(name) = ONLY.with_borrow(|only| only.get(D).cloned()) else {
            return T::augment_subcommands(cmd);
        };
        // Each command's arguments are deferred, so the others cost their names.
        let all = T::augment_subcommands(clap::Command::new("proj"));
        let one = all
            .get_subcommands()
            .find(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
            .cloned();
        std::mem::forget(all);
        match one {
            Some(one) => cmd.subcommand(one),
            None => cmd,
        }
    }
    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        T::augment_subcommands_for_update(cmd)
    }
    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
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

/// Everything a handler needs: flags, output, the store and the user's terminal.
pub struct App {
    pub globals: Globals,
    pub out: Output,
    /// Prompts may be shown: stdin and stdout are terminals and `--no-input` is not set.
    pub interactive: bool,
    store: Option<Store>,
    /// A write committed: an error from here on must not say that nothing changed.
    committed: bool,
}

impl App {
    pub fn new(globals: Globals) -> Self {
        let format = match (globals.json, globals.output) {
            (true, _) | (false, Some(OutputArg::Json)) => Format::Json,
            (false, Some(OutputArg::Plain)) => Format::Plain,
            (false, Some(OutputArg::Table | OutputArg::Toml) | None) => Format::Table,
        };
        let out = Output::new(format, globals.quiet);
        let interactive =
            !globals.no_input && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        App {
            globals,
            out,
            interactive,
            store: None,
            committed: false,
        }
    }

    /// The database (a file or a server) and where it came from (`flag`/`env` or `default`).
    pub fn location(&self) -> Result<(Location, &'static str)> {
        let (p, source) = match &self.globals.db {
            Some(p) if std::env::var_os("PROJ_DB").is_some_and(|v| v == p.as_os_str()) => {
                (p, "env")
            }
            Some(p) => (p, "flag"),
            None => return Ok((Location::File(crate::paths::default_db()?), "default")),
        };
        let location = Location::parse(p.as_os_str());
        if let Location::File(path) = &location {
            check_file_path(path, if source == "env" { "PROJ_DB" } else { "--db" })?;
        }
        Ok((location, source))
    }

    /// The store to write to, creating the file (or a server's schema) if it is not there.
    pub fn store(&mut self) -> Result<&mut Store> {
        if self.store.as_ref().is_none_or(Store::is_read_only) {
            let (location, _) = self.location()?;
            self.store = Some(Store::open(&location)?);
        }
        Ok(self.store.as_mut().expect("opened above"))
    }

    /// The store to read from, which never writes: a file that does not exist yet (or is
    /// empty) reads as an empty database and is not created, a directory or device is refused
    /// unopened, and a file this process cannot write is read read-only
    /// ([`Store::open_for_reading`]). A command that only looks (or fails) leaves the disk as
    /// it was.
    pub fn reader(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            let (location, _) = self.location()?;
            self.store = Some(Store::open_for_reading(&location)?);
        }
        Ok(self.store.as_mut().expect("opened above"))
    }

    fn inputs(&self) -> Inputs {
        Inputs::from_process(self.globals.org.clone(), self.globals.project.clone())
    }

    /// Runs `f` in a read transaction with the actor and the resolved context.
    pub fn read<T>(&mut self, f: impl FnOnce(&Db, &Actor, &Context) -> Result<T>) -> Result<T> {
        let inputs = self.inputs();
        let globals = self.globals.clone();
        let store = self.reader()?;
        store.read(|db| {
            let actor = actor_for(&globals, db)?;
            let ctx = Context::resolve(db, &actor, &inputs)?;
            f(db, &actor, &ctx)
        })
    }

    /// Runs `f` in a read transaction with the actor, for a command whose arguments name
    /// everything it reads (`proj access check ORG/PROJECT/ENV`): the context is not resolved
    /// (no link file, saved selection or "only one" is looked up), but the flags and variables
    /// that choose it are refused as [`App::read`] refuses them.
    pub fn read_named<T>(&mut self, f: impl FnOnce(&Db, &Actor) -> Result<T>) -> Result<T> {
        let inputs = self.inputs();
        let globals = self.globals.clone();
        let store = self.reader()?;
        store.read(|db| {
            let actor = actor_for(&globals, db)?;
            Context::check_inputs(&inputs)?;
            f(db, &actor)
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction with the actor and the resolved context.
    /// When the file does not exist yet (or is empty), `f` is first rehearsed on an empty
    /// stand-in, so a write that fails does not leave a new database behind.
    pub fn write<T>(&mut self, f: impl Fn(&Db, &Actor, &Context) -> Result<T>) -> Result<T> {
        let inputs = self.inputs();
        let globals = self.globals.clone();
        let run = |db: &Db| {
            let actor = actor_for(&globals, db)?;
            let ctx = Context::resolve(db, &actor, &inputs)?;
            f(db, &actor, &ctx)
        };
        let (location, _) = self.location()?;
        match location {
            Location::File(_) => {
                if let Some(mut stand_in) = Store::stand_in_for(&location)? {
                    stand_in.rehearse(run)?;
                }
            }
            // A server without schema `proj` reads as an empty stand-in too: a write that
            // fails there creates no schema. With a schema, the connection is kept for the
            // write.
            Location::Server(_) => {
                let reader = self.reader()?;
                if reader.is_stand_in() {
                    reader.rehearse(run)?;
                }
            }
        }
        self.commit(run)
    }

    /// Runs `f` in one write transaction of the store, creating the database if need be, and
    /// notes what a committed write means for the rest of the command.
    fn commit<T>(&mut self, f: impl Fn(&Db) -> Result<T>) -> Result<T> {
        let store = self.store()?;
        let out = store.write(f)?;
        let created = store.take_created();
        let shown = store.location();
        self.committed = true;
        if created {
            // A mistyped --db or PROJ_DB starts a new database: say so where people look.
            self.out
                .status(&format!("created a new database at {shown}"));
        }
        Ok(out)
    }

    /// Runs the wizard's plan in one write transaction ([`App::commit`]).
    pub fn commit_plan<T>(&mut self, f: impl Fn(&Db) -> Result<T>) -> Result<T> {
        self.commit(f)
    }

    /// Runs a mutation: [`App::write`] with the transaction as a [`Tx`], through which the
    /// handler checks access and audits what it changes.
    pub fn mutate<T>(&mut self, f: impl Fn(&mut Tx) -> Result<T>) -> Result<T> {
        self.write(|db, actor, ctx| f(&mut Tx::new(db, actor, ctx)))
    }

    /// Runs a mutation like [`App::mutate`], but without first rehearsing it on an empty
    /// stand-in when the file does not exist yet: for a command that has just run the same
    /// plan and checks in [`App::check`] (on that stand-in), where a rehearsal would repeat
    /// a large write (`proj apply`).
    pub fn mutate_planned<T>(&mut self, f: impl Fn(&mut Tx) -> Result<T>) -> Result<T> {
        let inputs = self.inputs();
        let globals = self.globals.clone();
        self.commit(|db| {
            let actor = actor_for(&globals, db)?;
            let ctx = Context::resolve(db, &actor, &inputs)?;
            f(&mut Tx::new(db, &actor, &ctx))
        })
    }

    /// Runs `f` in a read transaction with a [`Tx`], for the access check a command makes
    /// before asking a confirmation; it writes nothing.
    pub fn check<T>(&mut self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        self.read(|db, actor, ctx| f(&Tx::new(db, actor, ctx)))
    }

    /// Asks before something destructive. `--yes` answers yes; without a terminal the
    /// command fails with `refusal`.
    pub fn confirm(&self, question: &str, refusal: Error) -> Result<()> {
        if self.globals.yes {
            return Ok(());
        }
        if !self.interactive {
            return Err(refusal);
        }
        if let Some(store) = &self.store {
            store.settle(false)?;
        }
        // Asked as the wizard asks: answering on the first key would leave the rest of a
        // typed `yes⏎` to the shell.
        match crate::wizard::prompt::ask_yes_no(&crate::output::escape(question), false) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::conflict("cancelled; nothing was changed")),
            Err(e) => Err(Error::internal("cannot read the answer").caused_by(e)),
        }
    }
}

fn actor_for(globals: &Globals, db: &Db) -> Result<Actor> {
    let explicit = globals
        .as_member
        .as_deref()
        .filter(|e| !e.is_empty())
        .map(crate::model::normalize_email);
    // On a shared database the identity is the login the connection authenticated as.
    if let Some(login) = db.login() {
        if let Some(email) = explicit {
            return Err(Error::denied(format!(
                "cannot act as `{email}` on a shared database: you are the login `{login}`"
            ))
            .with_hint(
                "drop --as / PROJ_AS; connect as another login (PGUSER, or USER@ in the URL) \
                 to act as its member",
            ));
        }
        return Ok(Actor {
            email: None,
            explicit: false,
            os_user: Actor::os_user(),
            login: Some(login.to_string()),
        });
    }
    let email = match &explicit {
        Some(e) => Some(e.clone()),
        None => db.selection(None)?.identity,
    };
    let actor = Actor {
        email,
        explicit: explicit.is_some(),
        os_user: Actor::os_user(),
        login: None,
    };
    crate::access::check_identity(db, &actor)?;
    Ok(actor)
}

/// The whole program: parse, dispatch, report. Returns the exit code.
pub fn run(args: Vec<OsString>) -> u8 {
    crate::output::guard_standard_streams();
    // Shell completion calls `COMPLETE=<shell> proj -- <words>`; without it this is one lookup.
    complete::complete_and_exit_if_asked();
    // `proj --version` prints what clap would, without building the command tree.
    if let [_, flag] = &args[..]
        && (flag == "--version" || flag == "-V")
    {
        return match crate::output::write_stdout(concat!("proj ", env!("CARGO_PKG_VERSION"), "\n"))
        {
            Ok(()) => 0,
            Err(e) => {
                report(&e, false);
                e.exit_code()
            }
        };
    }
    let json = wants_json(&args);
    let raw = echoes_control_characters(&args);
    let cli = match parse(&args, raw) {
        Ok(cli) => cli,
        Err(e) => return report_clap(e, json, raw),
    };
    let mut app = App::new(cli.globals.clone());
    match dispatch(&mut app, cli.command.0) {
        Ok(()) => 0,
        Err(e) => {
            let e = if app.committed && crate::output::stdout_failed() {
                output_lost(e)
            } else {
                e
            };
            report(&e, app.out.is_json());
            e.exit_code()
        }
    }
}

/// The error of a command whose change committed but whose output could not be written
/// (stdout closed, a full disk behind `>`): it must not read as "nothing changed", or a
/// script runs it again and meets its own change (exit 4).
fn output_lost(e: Error) -> Error {
    let mut lost = Error::internal("the change was made, but its output could not be written")
        .with_hint("do not run it again: it is done (`proj log` shows it)");
    lost.causes = std::iter::once(e.message).chain(e.causes).collect();
    lost
}

/// Refuses a `--db`/`PROJ_DB` path that is surely not what was meant, before anything is
/// created from it (exit 2): a URL of another scheme (`http://…` would become the
/// directories `http:/…`), a `~` no shell expanded, and SQLite's `:memory:`.
fn check_file_path(path: &std::path::Path, source: &str) -> Result<()> {
    let text = path.to_string_lossy();
    if let Some((scheme, _)) = text.split_once("://")
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        // Only the scheme is echoed: the rest of a URL may hold a password.
        return Err(Error::usage(format!(
            "{source} is a `{scheme}://` URL; proj opens a file path or a postgres:// URL"
        ))
        .with_hint(
            "for a file, give its local path (download it first); for a shared database, \
             postgres://USER@HOST/DATABASE",
        ));
    }
    if text.starts_with('~') {
        return Err(Error::usage(format!(
            "{source} `{text}` starts with `~`, which no shell expanded (it was quoted, or set \
             in a file)"
        ))
        .with_hint("write the home directory out, as $HOME/… or an absolute path"));
    }
    if text == ":memory:" {
        return Err(Error::usage(format!(
            "{source} `:memory:` is SQLite's name for a database that ends with the command; \
             proj keeps its data in a file"
        ))
        .with_hint("give a file path, e.g. ./proj.db, or a postgres:// URL"));
    }
    Ok(())
}

/// Parses the command line. An empty `PROJ_DB`, `PROJ_OUTPUT` or `PROJ_AS` counts as unset,
/// as an empty `PROJ_ORG`/`PROJ_PROJECT` does, instead of "a value is required".
///
/// The line is first parsed by a tree holding only the commands it names ([`Pruned`]); a
/// line that tree accepts parses the same in the whole tree, which has the same flags and
/// more commands. Anything it refuses (help, a typo, a missing argument) is parsed again
/// by the whole tree, so every message is the whole tree's.
fn parse(args: &[OsString], raw: bool) -> Result<Cli, clap::Error> {
    let named = named_commands(args);
    if !named.is_empty() {
        ONLY.set(named);
        let parsed = parse_with(args, raw);
        ONLY.set(Vec::new());
        if parsed.is_ok() {
            return parsed;
        }
    }
    parse_with(args, raw)
}

/// The command and subcommand a line names (`env`, `list` in `proj --db f -q env list`), as
/// far as only global flags come between them; nothing, or only the command, when something
/// else does (a short flag cluster, `--help`, `--`).
pub(crate) fn named_commands(args: &[OsString]) -> Vec<String> {
    const WITH_VALUE: [&str; 7] = ["--db", "--org", "-p", "--project", "--as", "-o", "--output"];
    const WITHOUT: [&str; 6] = ["--json", "-y", "--yes", "--no-input", "-q", "--quiet"];
    let mut named = Vec::new();
    let mut words = args.iter().skip(1);
    while named.len() < 2
        && let Some(word) = words.next()
    {
        let Some(word) = word.to_str() else { break };
        if WITH_VALUE.contains(&word) {
            if words.next().is_none() {
                break;
            }
        } else if WITHOUT.contains(&word)
            || WITH_VALUE.iter().any(|f| {
                f.starts_with("--") && word.strip_prefix(f).is_some_and(|v| v.starts_with('='))
            })
        {
            continue;
        } else if word.starts_with('-') {
            break;
        } else {
            named.push(word.to_string());
        }
    }
    named
}

fn parse_with(args: &[OsString], raw: bool) -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    if raw {
        // Unstyled, so the rendered error holds exactly the user's text, to escape.
        cmd = cmd.styles(clap::builder::Styles::plain());
    }
    for (id, var) in [
        ("db", "PROJ_DB"),
        ("output", "PROJ_OUTPUT"),
        ("as_member", "PROJ_AS"),
    ] {
        if std::env::var_os(var).is_some_and(|v| v.is_empty()) {
            cmd = cmd.mut_arg(id, |a| a.env(None::<&'static str>));
        }
    }
    let matches = cmd.try_get_matches_from_mut(args);
    // The command tree is built for this one parse and the process ends soon after: freeing
    // its few thousand allocations one by one cost a sixth of a whole `env list`.
    std::mem::forget(cmd);
    Cli::from_arg_matches(&matches?)
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

/// Whether the user asked for JSON, read before clap so its errors can be JSON too.
/// Mirrors `App::new`: `--json` wins, else the last `-o`/`--output`, else `PROJ_OUTPUT`.
fn wants_json(args: &[OsString]) -> bool {
    let mut format = std::env::var("PROJ_OUTPUT").unwrap_or_default();
    let mut json_flag = false;
    let mut prev_o = false;
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if prev_o {
            format = a.to_string();
        } else if a == "--json" {
            json_flag = true;
        } else if let Some(v) = a.strip_prefix("--output=") {
            format = v.to_string();
        } else if let Some(v) = a.strip_prefix("-o").filter(|v| !v.is_empty()) {
            format = v.trim_start_matches('=').to_string();
        }
        prev_o = !prev_o && (a == "-o" || a == "--output");
    }
    json_flag || format == "json"
}

/// Whether an argument (or a variable clap reads) holds a character that must not reach a
/// terminal raw: clap echoes the offending value in its errors.
fn echoes_control_characters(args: &[OsString]) -> bool {
    let vars = ["PROJ_DB", "PROJ_OUTPUT", "PROJ_AS"].map(std::env::var_os);
    args.iter().chain(vars.iter().flatten()).any(|a| {
        a.to_string_lossy()
            .chars()
            .any(crate::model::is_unsafe_char)
    })
}

/// Reports a clap error. With `raw` (see [`echoes_control_characters`]) the command was
/// built unstyled, and its text is escaped rather than printed as is: clap would print the
/// user's escape sequences to the terminal, or (uncolored) silently drop them.
fn report_clap(e: clap::Error, json: bool, raw: bool) -> u8 {
    use clap::error::ErrorKind as K;
    let text = if raw {
        e.render().ansi().to_string()
    } else {
        e.render().to_string()
    };
    let unstyled = without_option_values_in_usage(&text);
    let restyle = unstyled != text;
    let text = unstyled;
    match e.kind() {
        K::DisplayHelp | K::DisplayVersion => {
            match crate::output::write_stdout(&e.render().to_string()) {
                Ok(()) => 0,
                Err(e) => {
                    report(&e, json);
                    e.exit_code()
                }
            }
        }
        _ if json => {
            report(&clap_error(&text), true);
            2
        }
        _ if raw => {
            let text = shorten_values(&text);
            let safe = crate::output::escape_except(&text, &['\n']);
            let _ = std::io::stderr().lock().write_all(safe.as_bytes());
            2
        }
        // A huge value clap would repeat whole, or a usage line clap would have shown global
        // options in: printed plain, as fixed.
        _ if restyle || text.len() > 1000 => {
            let _ = std::io::stderr()
                .lock()
                .write_all(shorten_values(&text).as_bytes());
            2
        }
        _ => {
            let _ = e.print();
            2
        }
    }
}

/// clap's rendered error as one of ours: its whole message on one line (the missing or
/// invalid arguments included), its tips and usage line as the hint.
fn clap_error(text: &str) -> Error {
    let text = text.trim_start_matches("error: ");
    let mut message: Vec<String> = Vec::new();
    let mut hints: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(tip) = line.strip_prefix("tip: ") {
            hints.push(tip.to_string());
        } else if let Some(usage) = line.strip_prefix("Usage: ") {
            hints.push(format!("usage: {usage}"));
        } else if line.starts_with("For more information") {
            continue;
        } else {
            message.push(shorten_value(line));
        }
    }
    let message = match message.split_first() {
        None => "invalid arguments".to_string(),
        Some((first, [])) => first.clone(),
        Some((first, rest)) => format!("{first} {}", rest.join(", ")),
    };
    hints.push("see `proj --help`".into());
    Error::usage(message).with_hint(hints.join("; "))
}

/// clap's `invalid value 'VALUE' for '--flag <X>': why` with VALUE as long as model::shown
/// lets it be: a huge invalid value is not echoed back whole.
fn shorten_value(line: &str) -> String {
    const OPEN: &str = "invalid value '";
    const CLOSE: &str = "' for '";
    if let Some(start) = line.find(OPEN).map(|i| i + OPEN.len())
        && let Some(end) = line.rfind(CLOSE).filter(|e| *e >= start)
    {
        return format!(
            "{}{}{}",
            &line[..start],
            crate::model::shown(&line[start..end]),
            &line[end..]
        );
    }
    line.to_string()
}

/// clap's usage line without the global options that take a value (`--db <PATH|URL>`, `--as
/// <EMAIL>`, `--output <FORMAT>`): clap lists every option that has a value, and one set by
/// `PROJ_DB`, `PROJ_AS` or `PROJ_OUTPUT` has one, so the line read as if they were required.
fn without_option_values_in_usage(text: &str) -> String {
    const GLOBALS: [&str; 3] = [" --db <PATH|URL>", " --as <EMAIL>", " --output <FORMAT>"];
    text.split_inclusive('\n')
        .map(|line| {
            if line.trim_start().starts_with("Usage: ") {
                GLOBALS
                    .iter()
                    .fold(line.to_string(), |l, option| l.replace(option, ""))
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// [`shorten_value`] on every line of clap's rendered error.
fn shorten_values(text: &str) -> String {
    text.split_inclusive('\n').map(shorten_value).collect()
}

/// A line of an error as printed: one past 1,000 characters (a huge value a message repeats)
/// keeps its start and end.
fn clipped(line: &str) -> std::borrow::Cow<'_, str> {
    const HEAD: usize = 600;
    const TAIL: usize = 200;
    let n = line.chars().count();
    if n <= 1000 {
        return line.into();
    }
    let head: String = line.chars().take(HEAD).collect();
    let tail: String = line.chars().skip(n - TAIL).collect();
    format!("{head}… ({} characters left out) …{tail}", n - HEAD - TAIL).into()
}

/// Prints an error to stderr: `error:`/`caused by:`/`hint:` lines, or one JSON object.
pub fn report(e: &Error, json: bool) {
    if e.is_silent() {
        return;
    }
    let e = &Error {
        kind: e.kind,
        message: clipped(&e.message).into_owned(),
        hint: e.hint.as_deref().map(|h| clipped(h).into_owned()),
        causes: e.causes.iter().map(|c| clipped(c).into_owned()).collect(),
    };
    // One write: stderr is unbuffered, and a message in pieces can interleave with others.
    let text = if json {
        let value = serde_json::json!({
            "error": {
                "code": e.kind.code(),
                "message": e.message,
                "hint": e.hint,
                "causes": e.causes,
            }
        });
        format!("{value}\n")
    } else {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let (red, yellow, reset) = if color {
            ("\x1b[1;31m", "\x1b[1;33m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        // Messages and hints echo what the user typed and what the file holds: a control
        // character in either is escaped, never sent to the terminal.
        let esc = crate::output::escape;
        let mut text = format!("{red}error:{reset} {}\n", esc(&e.message));
        for cause in &e.causes {
            text.push_str(&format!("caused by: {}\n", esc(cause)));
        }
        if let Some(hint) = &e.hint {
            text.push_str(&format!("{yellow}hint:{reset} {}\n", esc(hint)));
        }
        text
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
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
