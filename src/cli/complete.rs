//! Shell completion: `proj completions SHELL` and the completers behind it.
//!
//! The scripts are clap_complete's dynamic registrations: the shell calls
//! `COMPLETE=<shell> proj -- <words>` on every TAB, so stored names (organizations, projects,
//! environments, member emails) come from the database as it is now, and the scripts never
//! go stale when commands change.
//!
//! [`command`] walks the clap tree and attaches a completer to every argument whose name says
//! what it holds (`org`, `project`, `env`, `email`, `role`, `type`, …), so commands added
//! later complete without touching this file. Completers open the file read-only, never
//! create or migrate it (nor leave SQLite's `-wal`/`-shm` files behind), and answer nothing
//! on any error.

use super::Cli;
use crate::access::{Action, Actor};
use crate::context::{Context, Inputs, visible_projects};
use crate::error::Result;
use crate::model::{EnvKind, OrgRole, ProjectRole, ResourceType};
use crate::store::{Db, Store};
use clap::builder::StyledStr;
use clap::{Arg, CommandFactory, ValueEnum};
use clap_complete::env::Shells;
use clap_complete::{ArgValueCompleter, CompletionCandidate};
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// The name the printed scripts call to get completions: `proj` found on `PATH`.
const BIN: &str = "proj";

/// The environment variable that switches `proj` into answering completions.
pub const VAR: &str = "COMPLETE";

/// Answers a completion request and exits when `COMPLETE` is set; otherwise returns at once.
pub fn complete_and_exit_if_asked() {
    if std::env::var_os(VAR).is_some() {
        clap_complete::CompleteEnv::with_factory(command)
            .var(VAR)
            .complete();
    }
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

/// The clap tree with completers attached: what the shell's completion calls work from.
pub fn command() -> clap::Command {
    attach(Cli::command(), &[])
}

fn attach(cmd: clap::Command, path: &[String]) -> clap::Command {
    // `mut_args` keeps the order of positionals (`mut_arg` would move the arg to the end).
    let mut cmd = cmd.mut_args(|arg| match kind_of(&arg, path) {
        Some(kind) => arg.add(ArgValueCompleter::new(move |current: &OsStr| {
            complete(kind, current)
        })),
        None => arg,
    });
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let mut sub_path = path.to_vec();
        sub_path.push(name.clone());
        cmd = cmd.mut_subcommand(name, |s| attach(s, &sub_path));
    }
    cmd
}

/// What an argument holds, as far as completion is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Org,
    Project,
    Env { archived: bool },
    Resource,
    Member,
    OrgRole,
    ProjectRole,
    EnvKind,
    ResourceType,
    Action,
    Target,
}

/// Decides from an argument's id, long flag and value name (and the command it belongs to)
/// which stored names complete it. Arguments with their own possible values keep them.
pub fn kind_of(arg: &Arg, path: &[String]) -> Option<Kind> {
    if !arg.get_action().takes_values()
        || !arg.get_possible_values().is_empty()
        || arg.get::<ArgValueCompleter>().is_some()
    {
        return None;
    }
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let value_name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| norm(v));
    // A value named NAME or NEW… is a name to be created, never one to look up (except the
    // positional NAME of resource commands, which names an existing resource).
    let noun = path.first().map(String::as_str).unwrap_or("");
    let names_resource = noun == "resource" && arg.is_positional();
    if value_name
        .as_deref()
        .is_some_and(|v| (v == "name" && !names_resource) || v.starts_with("new"))
    {
        return None;
    }
    let mut names = vec![norm(arg.get_id().as_str())];
    names.extend(arg.get_long().map(norm));
    names.extend(value_name);
    let has = |want: &[&str]| names.iter().any(|n| want.contains(&n.as_str()));
    let command = path.last().map(String::as_str).unwrap_or("");
    // The positional argument of `add` (and everything `init` creates) is a new name.
    let creates = (arg.is_positional() && command == "add") || noun == "init";

    if names.iter().any(|n| n.starts_with("new")) {
        return None;
    }
    // `resource show NAME`, `resource rm NAME`, …: the name of an existing resource.
    if noun == "resource" && command != "add" && arg.is_positional() && has(&["name", "resource"]) {
        return Some(Kind::Resource);
    }
    if has(&["org", "organization"]) {
        return Some(Kind::Org);
    }
    if has(&["project"]) {
        return (!creates).then_some(Kind::Project);
    }
    let env_like = |n: &String| {
        [
            "env",
            "environment",
            "src",
            "source",
            "from",
            "to",
            "left",
            "right",
            "base",
            "dest",
            "destination",
        ]
        .contains(&n.as_str())
            || n.ends_with("_env")
            || n.starts_with("env_")
    };
    if names.iter().any(env_like) {
        return (!creates).then_some(Kind::Env {
            archived: command == "unarchive",
        });
    }
    if has(&["email", "member", "as", "as_member"]) {
        return (!creates || noun == "init").then_some(Kind::Member);
    }
    if has(&["role"]) {
        let project_scoped = path.iter().any(|p| p == "grant" || p == "revoke");
        return Some(if project_scoped {
            Kind::ProjectRole
        } else {
            Kind::OrgRole
        });
    }
    if has(&["type", "resource_type"]) {
        return Some(Kind::ResourceType);
    }
    if has(&["kind"]) {
        return Some(if noun == "resource" {
            Kind::ResourceType
        } else {
            Kind::EnvKind
        });
    }
    if has(&["action"]) {
        return Some(Kind::Action);
    }
    if has(&["target"]) {
        return Some(Kind::Target);
    }
    None
}

/// The candidates for `current`; empty on any error.
fn complete(kind: Kind, current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let all: Vec<Candidate> = match kind {
        Kind::OrgRole => fixed(OrgRole::ALL.iter().map(|r| r.as_str())),
        Kind::ProjectRole => fixed(ProjectRole::ALL.iter().map(|r| r.as_str())),
        Kind::EnvKind => fixed(EnvKind::ALL.iter().map(|k| k.as_str())),
        Kind::ResourceType => fixed(ResourceType::ALL.iter().map(|t| t.as_str())),
        Kind::Action => fixed(Action::ALL.iter().map(|a| a.as_str())),
        stored => {
            let line = Line::parse(std::env::args_os());
            stored_names(stored, &line, current).unwrap_or_default()
        }
    };
    all.into_iter()
        .filter(|(value, _)| value.starts_with(current))
        .map(|(value, help)| CompletionCandidate::new(value).help(help.map(StyledStr::from)))
        .collect()
}

fn fixed(names: impl Iterator<Item = &'static str>) -> Vec<Candidate> {
    names.map(|n| (n.to_string(), None)).collect()
}

/// A value and what the shell may show next to it.
type Candidate = (String, Option<String>);

/// The flags of the command line being completed that say which file and context to use.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Line {
    pub db: Option<PathBuf>,
    pub org: Option<String>,
    pub project: Option<String>,
    pub env: Option<String>,
    pub as_member: Option<String>,
}

impl Line {
    /// Reads the words after the first `--` of `proj -- proj env rm …`, the way the
    /// registration scripts call the completer.
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Line {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let words = match args.iter().position(|a| a == "--") {
            Some(i) => &args[i + 1..],
            None => &args[..],
        };
        let mut line = Line::default();
        let mut words = words.iter().skip(1);
        while let Some(word) = words.next() {
            if word == "--" {
                break;
            }
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (word.as_str(), None),
            };
            let slot = match flag {
                "--db" => None,
                "--org" => Some(&mut line.org),
                "--project" | "-p" => Some(&mut line.project),
                "--as" => Some(&mut line.as_member),
                "--env" => Some(&mut line.env),
                f if f.starts_with("-p") && f.len() > 2 && !f.starts_with("--") => {
                    line.project = Some(f[2..].to_string());
                    continue;
                }
                _ => continue,
            };
            let Some(value) = inline.or_else(|| words.next().cloned()) else {
                break;
            };
            match slot {
                Some(slot) => *slot = Some(value),
                None => line.db = Some(expand_home(&value)),
            }
        }
        line
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

fn stored_names(kind: Kind, line: &Line, current: &str) -> Result<Vec<Candidate>> {
    let path = line
        .db_path()
        .ok_or_else(|| crate::error::Error::internal("no database path"))?;
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let store = Store::open_untouched(&path)?;
    store.read(|db| {
        let actor = actor(db, line)?;
        match kind {
            Kind::Org => orgs(db, &actor),
            Kind::Project => projects(db, &actor, line, current),
            Kind::Env { archived } => envs(db, &actor, line, current, archived),
            Kind::Resource => resources(db, &actor, line),
            Kind::Member => members(db, &actor),
            Kind::Target => targets(db, &actor),
            _ => Ok(Vec::new()),
        }
    })
}

fn actor(db: &Db, line: &Line) -> Result<Actor> {
    let explicit = line
        .as_member
        .clone()
        .or_else(|| std::env::var("PROJ_AS").ok())
        .filter(|e| !e.is_empty());
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

/// The context without the flag being completed; `None` when it cannot be resolved.
fn context(db: &Db, actor: &Actor, org: Option<String>, project: Option<String>) -> Context {
    Context::resolve(db, actor, &Inputs::from_process(org, project)).unwrap_or_default()
}

fn orgs(db: &Db, actor: &Actor) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for org in db.orgs()? {
        if !crate::access::can_see(db, actor, &crate::access::Target::org(&org))? {
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
                out.push((format!("{}/{}", org.slug, p.slug), help));
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
    for org in db.orgs()? {
        let org_here = ctx.org.as_ref().is_some_and(|o| o.value == org.slug);
        for p in visible_projects(db, actor, &org)? {
            let project_here = org_here && ctx.project.as_ref().is_some_and(|c| c.value == p.slug);
            for e in db.envs(p.id, archived)? {
                let mut help = e.kind.as_str().to_string();
                if e.protected {
                    help.push_str(", protected");
                }
                if e.archived_at.is_some() {
                    help.push_str(", archived");
                }
                let form = match slashes {
                    0 if project_here => e.slug.clone(),
                    0 if ctx.project.is_none() => format!("{}/{}/{}", org.slug, p.slug, e.slug),
                    1 if org_here => format!("{}/{}", p.slug, e.slug),
                    1 | 2 => format!("{}/{}/{}", org.slug, p.slug, e.slug),
                    _ => continue,
                };
                out.push((form, Some(help)));
            }
        }
    }
    Ok(out)
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
        if !crate::access::can_see(db, actor, &crate::access::Target::org(&org))? {
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

/// `ORG`, `ORG/PROJECT` and `ORG/PROJECT/ENV`, as `proj access check` takes them.
fn targets(db: &Db, actor: &Actor) -> Result<Vec<Candidate>> {
    let mut out = orgs(db, actor)?;
    for org in db.orgs()? {
        for p in visible_projects(db, actor, &org)? {
            out.push((format!("{}/{}", org.slug, p.slug), None));
            for e in db.envs(p.id, true)? {
                out.push((format!("{}/{}/{}", org.slug, p.slug, e.slug), None));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(words: &[&str]) -> Line {
        Line::parse(words.iter().map(OsString::from))
    }

    #[test]
    fn reads_the_context_flags_of_the_line() {
        let l = line(&[
            "proj",
            "--",
            "proj",
            "--db=/x.db",
            "env",
            "rm",
            "-p",
            "acme/shop",
            "--as",
            "a@b.c",
            "",
        ]);
        assert_eq!(l.db, Some(PathBuf::from("/x.db")));
        assert_eq!(l.project.as_deref(), Some("acme/shop"));
        assert_eq!(l.as_member.as_deref(), Some("a@b.c"));
        let l = line(&[
            "proj", "--", "proj", "-pshop", "--org", "acme", "env", "rm", "--db",
        ]);
        assert_eq!(l.project.as_deref(), Some("shop"));
        assert_eq!(l.org.as_deref(), Some("acme"));
        assert_eq!(l.db, None);
    }

    /// Commands other files add later get completers from their argument names alone.
    #[test]
    fn arguments_of_future_commands_are_recognized_by_name() {
        let path = |p: &str| p.split(' ').map(String::from).collect::<Vec<_>>();
        let pos = |id: &'static str| Arg::new(id);
        let opt = |id: &'static str, long: &'static str| Arg::new(id).long(long);
        let cases = [
            ("member add", pos("email"), None),
            ("member show", pos("email"), Some(Kind::Member)),
            ("member role", pos("role"), Some(Kind::OrgRole)),
            ("member add", opt("role", "role"), Some(Kind::OrgRole)),
            ("member grant", opt("role", "role"), Some(Kind::ProjectRole)),
            (
                "member grant",
                opt("env", "env"),
                Some(Kind::Env { archived: false }),
            ),
            ("env clone", pos("src"), Some(Kind::Env { archived: false })),
            ("env clone", pos("new"), None),
            ("env diff", pos("left"), Some(Kind::Env { archived: false })),
            ("resource add", pos("name"), None),
            (
                "resource add",
                opt("kind", "type"),
                Some(Kind::ResourceType),
            ),
            ("resource show", pos("name"), Some(Kind::Resource)),
            (
                "resource move",
                opt("to", "to"),
                Some(Kind::Env { archived: false }),
            ),
            ("access check", pos("action"), Some(Kind::Action)),
            ("access check", pos("target"), Some(Kind::Target)),
            ("init", opt("org", "org"), Some(Kind::Org)),
            ("init", opt("project", "project"), None),
            ("init", opt("envs", "env").value_name("NAME"), None),
            ("project add", opt("envs", "env").value_name("NAME"), None),
            (
                "env unarchive",
                pos("env"),
                Some(Kind::Env { archived: true }),
            ),
        ];
        for (p, arg, want) in cases {
            assert_eq!(kind_of(&arg, &path(p)), want, "{p} {}", arg.get_id());
        }
    }

    #[test]
    fn every_argument_named_for_a_stored_thing_gets_a_completer() {
        let mut cmd = command();
        cmd.build();
        let env = cmd.find_subcommand("env").unwrap();
        let rm = env.find_subcommand("remove").unwrap();
        for id in ["env", "org", "project", "as_member"] {
            let arg = rm.get_arguments().find(|a| a.get_id() == id).unwrap();
            assert!(arg.get::<ArgValueCompleter>().is_some(), "{id}");
        }
        let add = env.find_subcommand("add").unwrap();
        let name = add.get_arguments().find(|a| a.get_id() == "name").unwrap();
        assert!(name.get::<ArgValueCompleter>().is_none());
        let kind = add.get_arguments().find(|a| a.get_id() == "kind").unwrap();
        assert!(kind.get::<ArgValueCompleter>().is_some());
    }
}
