//! What every handler works through: the [`App`] (flags, output, the terminal, the store
//! opened on first use), its transactions (`read`, `read_named`, `write`, `mutate`,
//! `mutate_planned`, `check`, `commit_plan`), the one way the acting identity is found
//! ([`actor_for`], which completion uses too), and the exit code a command ends with.

use super::{Globals, OutputArg};
use crate::access::Actor;
use crate::context::{Context, Inputs};
use crate::error::{Error, Result};
use crate::output::{Format, Output};
use crate::store::{Db, Location, Store};
use crate::tx::Tx;
use std::io::IsTerminal;

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
        if let Some(path) = location.file() {
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
        let as_member = self.globals.as_member.clone();
        let store = self.reader()?;
        store.read(|db| {
            let actor = actor_for(as_member.as_deref(), db)?;
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
        let as_member = self.globals.as_member.clone();
        let store = self.reader()?;
        store.read(|db| {
            let actor = actor_for(as_member.as_deref(), db)?;
            Context::check_inputs(&inputs)?;
            f(db, &actor)
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction with the actor and the resolved context.
    /// When the file does not exist yet (or is empty), `f` is first rehearsed on an empty
    /// stand-in, so a write that fails does not leave a new database behind.
    pub fn write<T>(&mut self, f: impl Fn(&Db, &Actor, &Context) -> Result<T>) -> Result<T> {
        let inputs = self.inputs();
        let as_member = self.globals.as_member.clone();
        let run = |db: &Db| {
            let actor = actor_for(as_member.as_deref(), db)?;
            let ctx = Context::resolve(db, &actor, &inputs)?;
            f(db, &actor, &ctx)
        };
        let (location, _) = self.location()?;
        // A server is asked over the read connection, which is kept for the write when the
        // schema is there.
        if let Some(mut stand_in) = Store::stand_in_before_write(&location, &mut self.store)? {
            stand_in.rehearse(run)?;
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
        let as_member = self.globals.as_member.clone();
        self.commit(|db| {
            let actor = actor_for(as_member.as_deref(), db)?;
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

    /// Whether the database is not there yet (a file missing or empty, a server without
    /// schema `proj`), so a write would create it ([`Store::is_fresh`]).
    pub fn is_fresh(&mut self) -> Result<bool> {
        let (location, _) = self.location()?;
        Store::is_fresh(&location, &mut self.store)
    }
    /// The exit code of a command that ended with `done`, its error printed to stderr.
    pub fn exit_code(&self, done: Result<()>) -> u8 {
        match done {
            Ok(()) => 0,
            Err(e) => {
                let e = if self.committed && crate::output::stdout_failed() {
                    output_lost(e)
                } else {
                    e
                };
                super::report(&e, self.out.is_json());
                e.exit_code()
            }
        }
    }
}

/// Who acts: on a shared database the login the connection authenticated as (`--as` is
/// refused there); on a file `as_member` (`--as`/`PROJ_AS`, an empty one counting as unset),
/// else the identity `proj init` saved, which must be a member when the file has any.
pub(crate) fn actor_for(as_member: Option<&str>, db: &Db) -> Result<Actor> {
    let explicit = as_member
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
