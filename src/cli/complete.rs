//! Shell completion: `proj completions SHELL` and the completers behind it.
//!
//! The scripts are clap_complete's dynamic registrations: the shell calls
//! `COMPLETE=<shell> proj -- <words>` on every TAB, so stored names (organizations, projects,
//! environments, member emails) come from the database as it is now, and the scripts never
//! go stale when commands change.
//!
//! Each argument names its completer where it is declared, e.g.
//! `#[arg(add = ArgValueCompleter::new(complete::env))]`: one function here per kind of value
//! (organization, project, environment, resource, member, role, kind, action, target, removal
//! event). An argument without one completes nothing (or its possible values), so a new
//! argument never borrows a completer because of its name. Completers open the file without
//! creating, migrating or locking it (nor leaving SQLite's `-wal`/`-shm` files behind), read
//! a server as the login the shell's environment connects as (creating nothing), and answer
//! nothing on any error.

use super::{Cli, actor_for};
use crate::access::{self, Action, Actor};
use crate::context::{Context, Inputs, visible_projects};
use crate::error::Result;
use crate::model::{EnvKind, OrgRole, ProjectRole, slash};
use crate::store::{Db, Location, Store};
use clap::builder::StyledStr;
use clap::{ArgMatches, CommandFactory, ValueEnum};
use clap_complete::CompletionCandidate;
use clap_complete::env::Shells;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// The name the printed scripts call to get completions: `proj` found on `PATH`.
const BIN: &str = "proj";

/// The environment variable that switches `proj` into answering completions.
pub const VAR: &str = "COMPLETE";

/// Answers a completion request and exits when `COMPLETE` is set; otherwise returns at once.
/// clap_complete's `CompleteEnv` answers it, from the tree
/// `shortcuts::completion_command` builds.
pub fn complete_and_exit_if_asked() {
    if std::env::var_os(VAR).is_none() {
        return;
    }
    clap_complete::CompleteEnv::with_factory(super::shortcuts::completion_command)
        .var(VAR)
        .complete();
}

/// A shell `proj completions` can print a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

impl Shell {
    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Powershell,
        Shell::Elvish,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Elvish => "elvish",
        }
    }

    /// The conventional file name of the script, as shipped in `completions/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "proj.bash",
            Shell::Zsh => "_proj",
            Shell::Fish => "proj.fish",
            Shell::Powershell => "_proj.ps1",
            Shell::Elvish => "proj.elv",
        }
    }

    /// The registration script: what `COMPLETE=<shell> proj` prints when `proj` is on `PATH`.
    pub fn script(self) -> String {
        let shells = Shells::builtins();
        let shell = shells
            .completer(self.name())
            .expect("clap_complete supports every shell listed here");
        let mut buf = Vec::new();
        shell
            .write_registration(VAR, BIN, BIN, BIN, &mut buf)
            .expect("writing to memory cannot fail");
        String::from_utf8(buf).expect("the scripts are UTF-8")
    }
}

/// Every script of `completions/`: file name and content.
pub fn scripts() -> Vec<(&'static str, String)> {
    Shell::ALL
        .iter()
        .map(|s| (s.file_name(), s.script()))
        .collect()
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = ENABLE_HELP)]
pub struct CompletionsArgs {
    /// Shell to print the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

const ENABLE_HELP: &str = "\
Enable completion in your shell's startup file:
  bash        echo 'source <(proj completions bash)' >> ~/.bashrc
  zsh         echo 'source <(proj completions zsh)' >> ~/.zshrc
  fish        proj completions fish > ~/.config/fish/completions/proj.fish
  powershell  proj completions powershell | Out-String | Invoke-Expression   (in $PROFILE)
  elvish      eval (proj completions elvish | slurp)   (in ~/.config/elvish/rc.elv)

The script asks `proj` for candidates on every TAB, so names stored in the database
(organizations, projects, environments, members) complete as they are now.";

pub fn print(args: CompletionsArgs) -> Result<()> {
    crate::output::write_stdout(&args.shell.script())
}

/// The clap tree the shell's completion works from: the command line's own, except that
/// aliases (`rm`, `delete`, `ls`, `create`, `new`, `mv`) are hidden. clap_complete sorts the
/// names that match what is typed and keeps the first per command, so `proj env <TAB>`
/// offered `delete` for `remove`; a hidden alias is offered only when nothing else matches
/// (`proj env de<TAB>` still completes `delete`).
pub fn command() -> clap::Command {
    // Each command's arguments and subcommands are deferred until the tree is built: build
    // it first, so every alias below the top is there to hide.
    let mut cmd = Cli::command();
    cmd.build();
    names_only(cmd)
}

fn names_only(cmd: clap::Command) -> clap::Command {
    // clap keeps names as `&'static str` (its `string` feature is off); the copies live as
    // long as this completion process, which answers once and exits.
    let aliases: Vec<&'static str> = cmd
        .get_all_aliases()
        .map(|a| &*String::leak(a.to_string()))
        .collect();
    let mut cmd = cmd.visible_alias(None).aliases(aliases);
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, names_only);
    }
    cmd
}

// The completers, one per kind of value; arguments attach them with
// `#[arg(add = ArgValueCompleter::new(complete::…))]`.

/// Organization slugs the actor may see.
pub fn org(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, _, _| orgs(db, actor))
}

/// Project slugs: `PROJECT` in the current organization, else `ORG/PROJECT`.
pub fn project(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, projects)
}

/// Environments that are not archived, as `ENV`, `PROJECT/ENV` or `ORG/PROJECT/ENV`.
pub fn env(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, line, current| {
        envs(db, actor, line, current, false)
    })
}

/// Environments archived or not, for `proj env unarchive`.
pub fn any_env(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, line, current| {
        envs(db, actor, line, current, true)
    })
}

/// Resource slugs of the environment given by `--env`, else of the current project.
pub fn resource(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, line, _| resources(db, actor, line))
}

/// Member emails of the organizations the actor may see.
pub fn member(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, _, _| members(db, actor))
}

/// Team slugs of the current organization (`--org`, or the context's).
pub fn team(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, line, _| teams(db, actor, line))
}

/// `ORG`, `ORG/PROJECT` or `ORG/PROJECT/ENV`, as `proj access check` takes them.
pub fn target(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, _, _| targets(db, actor))
}

/// Ids of the removal events `proj restore` can bring back, newest first.
pub fn removal_event(current: &OsStr) -> Vec<CompletionCandidate> {
    stored(current, |db, actor, _, _| removals(db, actor))
}

/// Organization roles: owner, admin, member, viewer.
pub fn org_role(current: &OsStr) -> Vec<CompletionCandidate> {
    fixed(current, OrgRole::ALL.iter().map(|r| r.as_str()))
}

/// Project roles: admin, developer, viewer.
pub fn project_role(current: &OsStr) -> Vec<CompletionCandidate> {
    fixed(current, ProjectRole::ALL.iter().map(|r| r.as_str()))
}

/// Environment kinds.
pub fn env_kind(current: &OsStr) -> Vec<CompletionCandidate> {
    fixed(current, EnvKind::ALL.iter().map(|k| k.as_str()))
}

/// Actions `proj access check` asks about.
pub fn action(current: &OsStr) -> Vec<CompletionCandidate> {
    fixed(current, Action::ALL.iter().map(|a| a.as_str()))
}

/// A value and what the shell may show next to it.
type Candidate = (String, Option<String>);

fn fixed(current: &OsStr, names: impl Iterator<Item = &'static str>) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    matching(names.map(|n| (n.to_string(), None)), current)
}

/// Stored names for `current`, read with the file and context of the line being completed;
/// empty on any error.
fn stored(
    current: &OsStr,
    names: impl FnOnce(&Db, &Actor, &Line, &str) -> Result<Vec<Candidate>>,
) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let index = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse().ok());
    let line = Line::typed(std::env::args_os(), index);
    let read = || -> Result<Vec<Candidate>> {
        let Some(path) = line.db_path() else {
            return Ok(Vec::new());
        };
        let Some(store) = Store::open_for_completion(&Location::parse(path.as_os_str()))? else {
            return Ok(Vec::new());
        };
        // `--as` being typed (blanked) leaves `PROJ_AS` to choose.
        let as_member = line
            .as_member
            .clone()
            .or_else(|| std::env::var("PROJ_AS").ok());
        store.read(|db| {
            let actor = actor_for(as_member.as_deref(), db)?;
            names(db, &actor, &line, current)
        })
    };
    matching(read().unwrap_or_default(), current)
}

fn matching(all: impl IntoIterator<Item = Candidate>, current: &str) -> Vec<CompletionCandidate> {
    all.into_iter()
        .filter(|(value, _)| value.starts_with(current))
        .map(|(value, help)| CompletionCandidate::new(value).help(help.map(StyledStr::from)))
        .collect()
}

/// What the line being completed says about which file and context to read: the global
/// flags, and the `--env` of the command (for resource names).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Line {
    pub db: Option<PathBuf>,
    pub org: Option<String>,
    pub project: Option<String>,
    pub as_member: Option<String>,
    pub env: Option<String>,
}

impl Line {
    /// Reads the flags already typed on the line being completed.
    ///
    /// clap_complete passes a completer only the word under the cursor, not what the rest of
    /// the line parsed to (clap-rs/clap#5784 asks for that), so this parses the line again,
    /// with clap and the real `Cli`, not by hand: `args` is this process's argv,
    /// `proj -- proj env rm -p shop st`, whose words after the first `--` are the line, and
    /// `index` is the word under the cursor (`_CLAP_COMPLETE_INDEX`; the last word when a
    /// shell sends none). That word is blanked so a half-typed `--project sh` does not count
    /// as a choice, and errors of the unfinished line are ignored; an empty value counts as
    /// none.
    pub fn typed(args: impl IntoIterator<Item = OsString>, index: Option<usize>) -> Line {
        let mut words: Vec<OsString> = args.into_iter().skip_while(|a| a != "--").skip(1).collect();
        let cursor = index.unwrap_or(words.len().saturating_sub(1));
        if cursor > 0
            && let Some(word) = words.get_mut(cursor)
        {
            word.clear();
        }
        let matches = Cli::command()
            .ignore_errors(true)
            .try_get_matches_from(words)
            .unwrap_or_default();
        let mut leaf = &matches;
        while let Some((_, sub)) = leaf.subcommand() {
            leaf = sub;
        }
        let text = |m: &ArgMatches, id: &str| {
            m.try_get_one::<String>(id)
                .ok()
                .flatten()
                .filter(|v| !v.is_empty())
                .cloned()
        };
        Line {
            db: matches
                .try_get_one::<PathBuf>("db")
                .ok()
                .flatten()
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| expand_home(&p.to_string_lossy())),
            org: text(&matches, "org"),
            project: text(&matches, "project"),
            as_member: text(&matches, "as_member"),
            env: text(leaf, "env"),
        }
    }

    /// `--db` from the line, else `PROJ_DB`, else the default file.
    fn db_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.db {
            return Some(p.clone());
        }
        if let Some(p) = std::env::var_os("PROJ_DB").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        crate::paths::default_db().ok()
    }
}

/// The shell has not expanded a `~` still being typed.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The context without the flag being completed; `None` when it cannot be resolved.
fn context(db: &Db, actor: &Actor, org: Option<String>, project: Option<String>) -> Context {
    Context::resolve(db, actor, &Inputs::from_process(org, project)).unwrap_or_default()
}

fn orgs(db: &Db, actor: &Actor) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for org in db.orgs()? {
        if !access::can_see(db, actor, &access::Target::org(&org))? {
            continue;
        }
        out.push((org.slug.clone(), org.display_name.clone()));
    }
    Ok(out)
}

/// Projects as `PROJECT` in the current organization, or `ORG/PROJECT` anywhere.
fn projects(db: &Db, actor: &Actor, line: &Line, current: &str) -> Result<Vec<Candidate>> {
    let ctx = context(db, actor, line.org.clone(), None);
    let mut out = Vec::new();
    for org in db.orgs()? {
        let here = ctx.org.as_ref().is_some_and(|o| o.value == org.slug);
        for p in visible_projects(db, actor, &org)? {
            let help = p.display_name.clone().or(p.description.clone());
            if here && !current.contains('/') {
                out.push((p.slug.clone(), help));
            } else if ctx.org.is_none() || current.contains('/') {
                out.push((slash(&[&org.slug, &p.slug]), help));
            }
        }
    }
    Ok(out)
}

/// Environments as `ENV` of the current project, `PROJECT/ENV` in the current organization,
/// or `ORG/PROJECT/ENV` anywhere (every project when none is selected).
fn envs(
    db: &Db,
    actor: &Actor,
    line: &Line,
    current: &str,
    archived: bool,
) -> Result<Vec<Candidate>> {
    let ctx = context(db, actor, line.org.clone(), line.project.clone());
    let slashes = current.matches('/').count();
    let mut out = Vec::new();
    // A bare name completes only in the current project: that one is read, not every one.
    if let (0, Some(o), Some(p)) = (slashes, &ctx.org, &ctx.project) {
        if let Some(org) = db.org(&o.value)?
            && let Some(project) = db.project(org.id, &p.value)?
        {
            for p in access::visible_projects_of(db, actor, &org, vec![project])? {
                for e in db.envs(p.id, archived)? {
                    out.push((e.slug.clone(), Some(env_help(&e))));
                }
            }
        }
        return Ok(out);
    }
    for org in db.orgs()? {
        let org_here = ctx.org.as_ref().is_some_and(|o| o.value == org.slug);
        for p in visible_projects(db, actor, &org)? {
            let project_here = org_here && ctx.project.as_ref().is_some_and(|c| c.value == p.slug);
            for e in db.envs(p.id, archived)? {
                let help = env_help(&e);
                let form = match slashes {
                    0 if project_here => e.slug.clone(),
                    0 if ctx.project.is_none() => slash(&[&org.slug, &p.slug, &e.slug]),
                    1 if org_here => slash(&[&p.slug, &e.slug]),
                    1 | 2 => slash(&[&org.slug, &p.slug, &e.slug]),
                    _ => continue,
                };
                out.push((form, Some(help)));
            }
        }
    }
    Ok(out)
}

/// What the shell may show beside an environment: its kind, and whether it is protected or
/// archived.
fn env_help(e: &crate::store::EnvRow) -> String {
    let mut help = e.kind.as_str().to_string();
    if e.protected {
        help.push_str(", protected");
    }
    if e.archived_at.is_some() {
        help.push_str(", archived");
    }
    help
}

/// Resources of the environment named by `--env` in the current project, or of every
/// environment of the current project when the line names none; each slug once.
fn resources(db: &Db, actor: &Actor, line: &Line) -> Result<Vec<Candidate>> {
    let ctx = context(db, actor, line.org.clone(), line.project.clone());
    let (Some(org), Some(project)) = (&ctx.org, &ctx.project) else {
        return Ok(Vec::new());
    };
    let Some(org) = db.org(&org.value)? else {
        return Ok(Vec::new());
    };
    let Some(project) = visible_projects(db, actor, &org)?
        .into_iter()
        .find(|p| p.slug == project.value)
    else {
        return Ok(Vec::new());
    };
    let mut out: Vec<Candidate> = Vec::new();
    for e in db.envs(project.id, true)? {
        // `--env` may be written ENV, PROJECT/ENV or ORG/PROJECT/ENV.
        let wanted = line.env.as_deref().and_then(|w| w.rsplit('/').next());
        if wanted.is_some_and(|want| want != e.slug) {
            continue;
        }
        for r in db.resources(e.id)? {
            match out.iter_mut().find(|(slug, _)| *slug == r.slug) {
                Some((_, Some(help))) => {
                    help.push_str(", ");
                    help.push_str(&e.slug);
                }
                _ => out.push((r.slug.clone(), Some(format!("{} in {}", r.kind, e.slug)))),
            }
        }
    }
    Ok(out)
}

/// Member emails of every organization the actor sees, each once.
fn members(db: &Db, actor: &Actor) -> Result<Vec<Candidate>> {
    let mut out: Vec<Candidate> = Vec::new();
    for org in db.orgs()? {
        if !access::can_see(db, actor, &access::Target::org(&org))? {
            continue;
        }
        for m in db.members(org.id)? {
            if out.iter().any(|(email, _)| *email == m.email) {
                continue;
            }
            let help = match &m.name {
                Some(name) => format!("{name}, {} of {}", m.role, org.slug),
                None => format!("{} of {}", m.role, org.slug),
            };
            out.push((m.email.clone(), Some(help)));
        }
    }
    Ok(out)
}

/// Teams of the organization the line works in, with their display names.
fn teams(db: &Db, actor: &Actor, line: &Line) -> Result<Vec<Candidate>> {
    let ctx = context(db, actor, line.org.clone(), line.project.clone());
    let Some(org) = &ctx.org else {
        return Ok(Vec::new());
    };
    let Some(org) = db.org(&org.value)? else {
        return Ok(Vec::new());
    };
    if !access::can_see(db, actor, &access::Target::org(&org))? {
        return Ok(Vec::new());
    }
    Ok(db
        .teams(org.id)?
        .into_iter()
        .map(|t| (t.slug, t.display_name.or(t.description)))
        .collect())
}

/// `ORG`, `ORG/PROJECT` and `ORG/PROJECT/ENV`, as `proj access check` takes them.
fn targets(db: &Db, actor: &Actor) -> Result<Vec<Candidate>> {
    let mut out = orgs(db, actor)?;
    for org in db.orgs()? {
        for p in visible_projects(db, actor, &org)? {
            out.push((slash(&[&org.slug, &p.slug]), None));
            for e in db.envs(p.id, true)? {
                out.push((slash(&[&org.slug, &p.slug, &e.slug]), None));
            }
        }
    }
    Ok(out)
}

/// The removals `proj restore` takes, newest first, as `proj log` shows them to the actor.
fn removals(db: &Db, actor: &Actor) -> Result<Vec<Candidate>> {
    // Enough to choose from by TAB; older ones are found with `proj log`.
    const MOST: usize = 50;
    let mut out = Vec::new();
    let lineage = crate::lineage::Lineage::load(db)?;
    let mut sight = access::EventSight::new(db, actor, &lineage);
    for e in db.events(None, None, None, -1)? {
        if out.len() >= MOST {
            break;
        }
        if !matches!(
            e.action.as_str(),
            "org.remove" | "project.remove" | "env.remove" | "team.remove" | "member.remove"
        ) || !sight.can_see(&e)?
        {
            continue;
        }
        out.push((e.id.to_string(), Some(format!("{} {}", e.action, e.target))));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::ArgValueCompleter;

    fn line(words: &[&str], index: Option<usize>) -> Line {
        let args = ["proj", "--"].iter().chain(words).map(OsString::from);
        Line::typed(args, index)
    }

    #[test]
    fn reads_the_flags_typed_on_the_line() {
        let l = line(
            &[
                "proj",
                "--db=/x.db",
                "env",
                "rm",
                "-p",
                "acme/shop",
                "--as",
                "a@b.c",
                "",
            ],
            Some(8),
        );
        assert_eq!(l.db, Some(PathBuf::from("/x.db")));
        assert_eq!(l.project.as_deref(), Some("acme/shop"));
        assert_eq!(l.as_member.as_deref(), Some("a@b.c"));
        let l = line(
            &["proj", "-pshop", "--org", "acme", "env", "rm", "--db"],
            None,
        );
        assert_eq!(l.project.as_deref(), Some("shop"));
        assert_eq!(l.org.as_deref(), Some("acme"));
        assert_eq!(l.db, None);
        // The command's own `--env`, short or long, before or after the cursor.
        let l = line(&["proj", "resource", "show", "a", "-e", "staging"], Some(3));
        assert_eq!(l.env.as_deref(), Some("staging"));
    }

    #[test]
    fn the_word_being_completed_is_not_a_choice() {
        let l = line(&["proj", "--org", "acme", "env", "rm", "-p", "sh"], None);
        assert_eq!(l.project, None);
        assert_eq!(l.org.as_deref(), Some("acme"));
        let l = line(&["proj", "--as", "a@", "env", "rm", "st"], Some(2));
        assert_eq!(l.as_member, None);
        // A line that does not parse yet still gives what came before the error.
        let l = line(&["proj", "--org", "acme", "env", "frobnicate", ""], None);
        assert_eq!(l.org.as_deref(), Some("acme"));
    }

    #[test]
    fn completion_offers_command_names_and_keeps_aliases_working() {
        let mut cmd = command();
        cmd.build();
        fn walk(cmd: &clap::Command) {
            assert_eq!(cmd.get_visible_aliases().count(), 0, "{}", cmd.get_name());
            cmd.get_subcommands().for_each(walk);
        }
        walk(&cmd);
        let env = cmd.find_subcommand("env").unwrap();
        for alias in ["rm", "delete", "ls", "create", "new"] {
            assert!(env.find_subcommand(alias).is_some(), "{alias}");
        }
    }

    /// Arguments that take free text or a name that does not exist yet: nothing to complete.
    const FREE: &[&str] = &[
        "--display-name",
        "--description",
        "--name",
        "--user",
        // A database login: its names are the server's, not proj's to list.
        "member add --login",
        "init --env",
        "project add --env",
        "project add NAME",
        "org add NAME",
        "env add NAME",
        "resource add NAME",
        "org rename NEW_NAME",
        "project rename NEW_NAME",
        "env rename NEW_NAME",
        "resource rename NEW_NAME",
        "env clone NEW",
        "member add EMAIL",
        "member rename NEW_EMAIL",
        "team add NAME",
        "team rename NEW_NAME",
        "log --limit",
    ];

    /// Every argument that takes a value completes one (its own completer, possible values or
    /// a path), or is listed above as free text: a new argument needs a decision.
    #[test]
    fn every_value_argument_completes_or_is_free_text() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                if !arg.get_action().takes_values()
                    || arg.get::<ArgValueCompleter>().is_some()
                    || !arg.get_possible_values().is_empty()
                    || arg.get_value_hint() != clap::ValueHint::Unknown
                {
                    continue;
                }
                let name = match arg.get_long() {
                    Some(long) => format!("--{long}"),
                    None => arg.get_id().as_str().to_uppercase(),
                };
                let full = format!("{path} {name}");
                if !FREE
                    .iter()
                    .any(|f| *f == name || full.ends_with(&format!(" {f}")))
                {
                    missing.push(full);
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        walk(&cmd, "proj", &mut missing);
        assert!(missing.is_empty(), "no completer for: {missing:?}");
    }

    #[test]
    fn fixed_completers_filter_by_prefix() {
        let values = |c: Vec<CompletionCandidate>| -> Vec<String> {
            c.iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(values(project_role(OsStr::new("d"))), ["developer"]);
        assert_eq!(values(org_role(OsStr::new("ow"))), ["owner"]);
        assert!(values(action(OsStr::new("env."))).contains(&"env.remove".to_string()));
    }
}
