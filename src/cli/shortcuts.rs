//! The shortcuts `proj` takes around clap for speed: each one kept is worth at least 5 % of
//! a read's instructions. Counted with callgrind on release builds (`cargo build --release`),
//! on a file made by `target/release/examples/generate 10000 FILE 1`, as benches/cli.sh asks
//! (PROJ_AS=user1@example.com, NO_COLOR=1), each shortcut switched off in a build made to
//! measure it:
//!
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/proj --db FILE -p org-1/project-1 -o plain env list
//!
//! - The pruned tree ([`Pruned`], [`ONLY`], [`named_commands`]): clap copies every global
//!   flag into every command of each level it builds, so the line is first parsed by a tree
//!   holding only the commands it names. `env list`: 2,736,800 instructions with it,
//!   about 3,340,000 without (18 % of the read).
//! - The same pruned tree for completion ([`completion_command`], the factory clap_complete's
//!   `CompleteEnv` builds its tree with): `COMPLETE=bash proj -- proj --db FILE
//!   -p org-1/project-1 env show st` (as benches/cli.sh asks it, `_CLAP_COMPLETE_INDEX=7`):
//!   3,515,326 with it, 9,589,116 without (the worth of two reads).
//! - `proj --version` answered without building the command tree ([`version`]): 395,666
//!   instructions with it, 858,925 without (the 463,000 saved are 17 % of a read).
//!
//! Not kept: leaking the command trees (`mem::forget`) instead of freeing them before exit
//! saved 54,000 instructions of the read (2 %) once the tree is pruned, and 70,000 of the
//! completion; nor a completion path of its own beside `CompleteEnv` (its worth was the
//! pruning, which the factory gives `CompleteEnv`). [`named_commands`] reads the global
//! flags from [`Globals`] rather than from a list of its own, for about 45,000 (1.7 %).

use super::{Cli, Command, Globals};
use clap::{Args, CommandFactory, FromArgMatches, Subcommand};
use std::ffi::OsString;

/// `proj --version` (or `-V`) alone: prints what clap would, without building the command
/// tree, and returns the exit code; `None` for any other line.
pub fn version(args: &[OsString]) -> Option<u8> {
    let [_, flag] = args else { return None };
    if flag != "--version" && flag != "-V" {
        return None;
    }
    Some(
        match crate::output::write_stdout(concat!("proj ", env!("CARGO_PKG_VERSION"), "\n")) {
            Ok(()) => 0,
            Err(e) => {
                super::report(&e, false);
                e.exit_code()
            }
        },
    )
}

/// A level of commands as clap sees it: every one, or, while [`parse`] tries the command
/// line against the commands it names, only the one named at depth `D` (0: `env`, 1: `list`
/// in `proj env list`). clap copies every global flag into every command of each level it
/// builds: with all of them, a third of a short command's instructions.
#[derive(Debug)]
pub struct Pruned<T, const D: usize>(pub T);

thread_local! {
    /// The commands [`parse`] found named on the command line, set around one parse (and
    /// for a whole completion request, see [`completion_command`]).
    static ONLY: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
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

/// Parses the command line. An empty `PROJ_DB`, `PROJ_OUTPUT` or `PROJ_AS` counts as unset,
/// as an empty `PROJ_ORG`/`PROJ_PROJECT` does, instead of "a value is required".
///
/// The line is first parsed by a tree holding only the commands it names ([`Pruned`]); a
/// line that tree accepts parses the same in the whole tree, which has the same flags and
/// more commands. Anything it refuses (help, a typo, a missing argument) is parsed again
/// by the whole tree, so every message is the whole tree's.
pub fn parse(args: &[OsString], raw: bool) -> Result<Cli, clap::Error> {
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
fn named_commands(args: &[OsString]) -> Vec<String> {
    // The global flags as `Globals` declares them (`--db`, `-q`/`--quiet`, …): whether
    // `word` is one, and whether the next word is its value.
    let globals = Globals::augment_args(clap::Command::new("proj"));
    let global = |word: &str| -> Option<Flag> {
        let (arg, joined) = if let Some(long) = word.strip_prefix("--") {
            let (name, joined) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            let arg = globals.get_arguments().find(|a| a.get_long() == Some(name));
            (arg, joined)
        } else {
            let mut short = word.strip_prefix('-')?.chars();
            let (Some(c), None) = (short.next(), short.next()) else {
                return None;
            };
            let arg = globals.get_arguments().find(|a| a.get_short() == Some(c));
            (arg, false)
        };
        match (arg?.get_action().takes_values(), joined) {
            (true, false) => Some(Flag::ValueNext),
            (true, true) | (false, false) => Some(Flag::Whole),
            // `--json=…`: not a flag clap takes.
            (false, true) => None,
        }
    };
    let mut named = Vec::new();
    let mut words = args.iter().skip(1);
    while named.len() < 2
        && let Some(word) = words.next()
    {
        let Some(word) = word.to_str() else { break };
        match global(word) {
            Some(Flag::ValueNext) => {
                if words.next().is_none() {
                    break;
                }
            }
            Some(Flag::Whole) => continue,
            None if word.starts_with('-') => break,
            None => named.push(word.to_string()),
        }
    }
    named
}

/// A global flag on the command line, as [`named_commands`] steps over it.
enum Flag {
    /// Its value is the next word (`--db FILE`, `-p shop`).
    ValueNext,
    /// It is one word (`-q`, `--org=acme`).
    Whole,
}

/// The tree a completion request (`COMPLETE=bash proj -- proj env show st`) works from:
/// [`super::complete::command`], holding only the commands the line names before the word
/// being completed, as [`parse`] parses. The choice stays set for the whole request, so the
/// completers' own parse of the line ([`super::complete::Line`]) is pruned too.
pub fn completion_command() -> clap::Command {
    let args: Vec<OsString> = std::env::args_os().collect();
    let words = match args.iter().skip(1).position(|a| a == "--") {
        Some(escape) => &args[escape + 2..],
        None => &[],
    };
    let index = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(words.len().saturating_sub(1));
    let before = &words[..index.min(words.len())];
    let named = named_commands(before);
    // Only a command the tree has: `help` and typos complete from the whole tree.
    if named
        .first()
        .is_some_and(|first| Command::has_subcommand(first))
    {
        ONLY.set(named);
    }
    super::complete::command()
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
    Cli::from_arg_matches(&cmd.try_get_matches_from_mut(args)?)
}

#[cfg(test)]
mod tests {
    use super::named_commands;
    use std::ffi::OsString;

    fn named(words: &[&str]) -> Vec<String> {
        let args: Vec<OsString> = std::iter::once("proj")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        named_commands(&args)
    }

    #[test]
    fn names_the_commands_past_global_flags_only() {
        assert_eq!(named(&["--db", "f", "-q", "env", "list"]), ["env", "list"]);
        assert_eq!(
            named(&["--db=f", "--json", "-p", "x", "env", "ls", "x"]),
            ["env", "ls"]
        );
        assert_eq!(named(&["--as", "a@b.c", "env", "--help", "list"]), ["env"]);
        // A cluster, a value joined to a short flag, `=` on a flag without one, `--`.
        assert!(named(&["-qy", "env"]).is_empty());
        assert!(named(&["-ojson", "env"]).is_empty());
        assert!(named(&["--json=1", "env"]).is_empty());
        assert!(named(&["--", "env"]).is_empty());
        assert!(named(&["--db"]).is_empty());
    }
}
