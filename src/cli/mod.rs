//! The command line: clap definitions, one file per noun, and the shared `App` plumbing.

mod backup;
mod context;
mod env;
mod link;
mod log;
mod org;
mod project;
mod restore;

use crate::access::Actor;
use crate::context::{Context, Inputs};
use crate::error::{Error, Result};
use crate::output::{Format, Output};
use crate::store::{Db, Store};
use clap::{Args, CommandFactory, Parser, Subcommand};
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
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct Globals {
    /// Use this SQLite file instead of the default one in the data directory
    #[arg(long, global = true, env = "PROJ_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Work in this organization (env: PROJ_ORG)
    #[arg(long, global = true, value_name = "ORG")]
    pub org: Option<String>,
    /// Work in this project, as PROJECT or ORG/PROJECT (env: PROJ_PROJECT)
    #[arg(short = 'p', long, global = true, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Act as this member instead of the identity saved by `proj init`
    #[arg(long = "as", global = true, env = "PROJ_AS", value_name = "EMAIL")]
    pub as_member: Option<String>,
    /// Print results as a table, JSON or tab-separated plain lines
    #[arg(
        short = 'o',
        long,
        global = true,
        env = "PROJ_OUTPUT",
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<Format>,
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
pub enum Command {
    /// Manage organizations, which own projects and members
    #[command(subcommand)]
    Org(org::OrgCmd),
    /// Manage projects: one product family or one client delivery
    #[command(subcommand)]
    Project(project::ProjectCmd),
    /// Manage the environments of a project (production, staging, …)
    #[command(subcommand)]
    Env(env::EnvCmd),
    /// Pin this directory to a project, so commands run here use it
    Link(link::LinkArgs),
    /// Remove the link file that applies to this directory
    Unlink,
    /// Show which organization, project and identity commands use, and why
    Context,
    /// Show the audit log, newest first
    Log(log::LogArgs),
    /// Bring back an organization, project or environment from its removal event
    Restore(restore::RestoreArgs),
    /// Copy the database to a file, consistently, even while others write to it
    Backup(backup::BackupArgs),
}

/// Everything a handler needs: flags, output, the store and the user's terminal.
pub struct App {
    pub globals: Globals,
    pub out: Output,
    /// Prompts may be shown: stdin and stdout are terminals and `--no-input` is not set.
    pub interactive: bool,
    store: Option<Store>,
}

impl App {
    pub fn new(globals: Globals) -> Self {
        let format = if globals.json {
            Format::Json
        } else {
            globals.output.unwrap_or(Format::Table)
        };
        let out = Output::new(format, globals.quiet);
        let interactive =
            !globals.no_input && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        App {
            globals,
            out,
            interactive,
            store: None,
        }
    }

    /// The database path and where it came from (`flag`/`env` or `default`).
    pub fn db_path(&self) -> Result<(PathBuf, &'static str)> {
        match &self.globals.db {
            Some(p) if std::env::var_os("PROJ_DB").is_some_and(|v| v == p.as_os_str()) => {
                Ok((p.clone(), "env"))
            }
            Some(p) => Ok((p.clone(), "flag")),
            None => Ok((crate::paths::default_db()?, "default")),
        }
    }

    pub fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            let (path, _) = self.db_path()?;
            self.store = Some(Store::open(&path)?);
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
        let store = self.store()?;
        store.read(|db| {
            let actor = actor_for(&globals, db)?;
            let ctx = Context::resolve(db, &actor, &inputs)?;
            f(db, &actor, &ctx)
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction with the actor and the resolved context.
    pub fn write<T>(&mut self, f: impl FnOnce(&Db, &Actor, &Context) -> Result<T>) -> Result<T> {
        let inputs = self.inputs();
        let globals = self.globals.clone();
        let store = self.store()?;
        store.write(|db| {
            let actor = actor_for(&globals, db)?;
            let ctx = Context::resolve(db, &actor, &inputs)?;
            f(db, &actor, &ctx)
        })
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
        match dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::conflict("cancelled; nothing was changed")),
            Err(e) => Err(Error::internal("cannot read the answer").caused_by(e)),
        }
    }
}

fn actor_for(globals: &Globals, db: &Db) -> Result<Actor> {
    let explicit = globals.as_member.clone().filter(|e| !e.is_empty());
    let email = match &explicit {
        Some(e) => Some(e.clone()),
        None => db.selection()?.identity,
    };
    Ok(Actor {
        email,
        explicit: explicit.is_some(),
        os_user: Actor::os_user(),
    })
}

/// The whole program: parse, dispatch, report. Returns the exit code.
pub fn run(args: Vec<OsString>) -> u8 {
    let json = wants_json(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return report_clap(e, json),
    };
    let mut app = App::new(cli.globals.clone());
    match dispatch(&mut app, cli.command) {
        Ok(()) => 0,
        Err(e) => {
            report(&e, app.out.is_json());
            e.exit_code()
        }
    }
}

fn dispatch(app: &mut App, command: Command) -> Result<()> {
    app.store()?;
    match command {
        Command::Org(cmd) => org::run(app, cmd),
        Command::Project(cmd) => project::run(app, cmd),
        Command::Env(cmd) => env::run(app, cmd),
        Command::Link(args) => link::link(app, args),
        Command::Unlink => link::unlink(app),
        Command::Context => context::run(app),
        Command::Log(args) => log::run(app, args),
        Command::Restore(args) => restore::run(app, args),
        Command::Backup(args) => backup::run(app, args),
    }
}

/// Whether the user asked for JSON, read before clap so its errors can be JSON too.
fn wants_json(args: &[OsString]) -> bool {
    let mut prev_o = false;
    let env_json = std::env::var("PROJ_OUTPUT").is_ok_and(|v| v == "json");
    let mut json = env_json;
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--json" || a == "--output=json" || a == "-ojson" || (prev_o && a == "json") {
            json = true;
        }
        prev_o = a == "-o" || a == "--output";
    }
    json
}

fn report_clap(e: clap::Error, json: bool) -> u8 {
    use clap::error::ErrorKind as K;
    match e.kind() {
        K::DisplayHelp | K::DisplayVersion => {
            let _ = crate::output::write_stdout(&e.render().to_string());
            0
        }
        _ if !json => {
            let _ = e.print();
            2
        }
        _ => {
            let text = e.render().to_string();
            let message = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_string();
            let err = Error::usage(message).with_hint("see `proj --help`");
            report(&err, true);
            2
        }
    }
}

/// Prints an error to stderr: `error:`/`caused by:`/`hint:` lines, or one JSON object.
pub fn report(e: &Error, json: bool) {
    let mut stderr = std::io::stderr().lock();
    if json {
        let value = serde_json::json!({
            "error": {
                "code": e.kind.code(),
                "message": e.message,
                "hint": e.hint,
                "causes": e.causes,
            }
        });
        let _ = writeln!(stderr, "{value}");
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (red, yellow, reset) = if color {
        ("\x1b[1;31m", "\x1b[1;33m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let _ = writeln!(stderr, "{red}error:{reset} {}", e.message);
    for cause in &e.causes {
        let _ = writeln!(stderr, "caused by: {cause}");
    }
    if let Some(hint) = &e.hint {
        let _ = writeln!(stderr, "{yellow}hint:{reset} {hint}");
    }
}

/// The clap command tree, for completions, man pages and tests.
pub fn command() -> clap::Command {
    Cli::command()
}
