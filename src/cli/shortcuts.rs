//! The shortcuts `proj` takes around clap for speed: each one kept is worth at least 5 % of
//! a read's instructions. Counted with callgrind on release builds (`cargo build --release`),
//! on a file made by `target/release/examples/generate 10000 FILE 1`, as benches/cli.sh asks
//! (PROJ_AS=user1@example.com, NO_COLOR=1), each shortcut switched off in a build made to
//! measure it:
//!
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/proj --db FILE -p org-1/project-1 -o plain env list
//!
//! - The pruned tree ([`Pruned`], [`ONLY`], [`command_words`]): clap copies every global
//!   flag into every command of each level it builds, so the line is first parsed by a tree
//!   holding, at each level, only the commands its words name, and nothing under the
//!   others. `env list`: 2,736,800 instructions with a pruned tree, about 3,340,000 without
//!   (18 % of the read).
//! - The same pruned tree for completion ([`completion_command`], the factory clap_complete's
//!   `CompleteEnv` builds its tree with): `COMPLETE=bash proj -- proj --db FILE
//!   -p org-1/project-1 env show st` (as benches/cli.sh asks it, `_CLAP_COMPLETE_INDEX=7`):
//!   3,515,326 with it, 9,589,116 without (the worth of two reads).
//! - `proj --version` answered without building the command tree ([`version`]): 395,666
//!   instructions with it, 858,925 without (the 463,000 saved are 17 % of a read).
//! - The tree a parse built is leaked, not freed one allocation at a time, as the process
//!   ends soon after (`mem::forget` in `parse_with`): 12 % of `proj --help`
//!   (1,766,803 instructions with it, 2,006,352 without), 2 % of a read.
//!
//! Two more leaks live where their data is (`output.rs`, below `cli/`, cannot call this
//! file): `output.rs` does not free a drawn table (a tenth of a 200-row `project list`), and
//! `cli/project.rs` does not free the listed projects (0.4M instructions, 3 % of that
//! list: under 5 %, kept because freeing them would make `project list` slower than the
//! build before this file by more than the 2 % a restructure may cost).
//!
//! Not kept: a completion path of its own beside `CompleteEnv` (its worth was the pruning,
//! which the factory gives `CompleteEnv`), and a list of the global flags to find the
//! command words with: a word right after any flag is left out instead, which can only keep
//! more of the tree.
//!
//! With all of them, against the build before this file (`generate 1000`, the commands of
//! benches/cli.sh): `env list --json` 2,626,762 → 2,599,384, `tree` 2,700,587 → 2,654,728,
//! `access check` 3,003,419 → 2,963,827, completion of an environment 3,399,884 →
//! 3,431,030, `--help` 1,766,803 → 1,774,584.

use super::{Cli, Command};
use clap::{CommandFactory, FromArgMatches, Subcommand};
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
/// line against the commands it names, only those whose name (or alias) is a word of the
/// line. clap copies every global flag into every command of each level it builds: with all
/// of them, a third of a short command's instructions.
#[derive(Debug)]
pub struct Pruned<T>(pub T);

thread_local! {
    /// The words of the command line that could name a command, set around one parse (and
    /// for a whole completion request, see [`completion_command`]); empty: every command.
    static ONLY: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<T: FromArgMatches> FromArgMatches for Pruned<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Pruned)
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: Subcommand> Subcommand for Pruned<T> {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        ONLY.with_borrow(|only| {
            if only.is_empty() {
                return T::augment_subcommands(cmd);
            }
            let named = |c: &clap::Command| {
                only.iter()
                    .any(|w| c.get_name() == w || c.get_all_aliases().any(|a| a == w))
            };
            // The commands under one the words do not name are never reached: none is
            // built (the tree below is made while the level above is).
            if cmd.get_name() != "proj" && !named(&cmd) {
                return cmd;
            }
            // Each command's arguments are deferred, so the others cost their names.
            let all = T::augment_subcommands(clap::Command::new("proj"));
            // A level none of the words names is whole (`proj env` names no `env` command).
            if !all.get_subcommands().any(named) {
                return T::augment_subcommands(cmd);
            }
            all.get_subcommands()
                .filter(|c| named(c))
                .fold(cmd, |cmd, c| cmd.subcommand(c.clone()))
        })
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
/// The line is first parsed by a tree holding, at each level, only the commands its words
/// name ([`Pruned`]); a line that tree accepts parses the same in the whole tree, which has
/// the same flags and more commands. Anything it refuses (help, a typo, a missing argument)
/// is parsed again by the whole tree, so every message is the whole tree's.
pub fn parse(args: &[OsString], raw: bool) -> Result<Cli, clap::Error> {
    let named = command_words(args);
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

/// The words of a command line that could name a command (`env`, `list` in
/// `proj --db f -q env list`): every word that is not a flag nor right after one (it may be
/// the flag's value), before a `--`. Leaving a word out only keeps more of the tree, so no
/// global flag needs listing here; a flag value that names a command costs at most that
/// command kept for nothing.
fn command_words(args: &[OsString]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut after_flag = false;
    for word in args.iter().skip(1) {
        let Some(word) = word.to_str() else {
            after_flag = false;
            continue;
        };
        if word == "--" {
            break;
        }
        let flag = word.starts_with('-');
        if !flag && !after_flag && !words.iter().any(|w| w == word) {
            words.push(word.to_string());
        }
        after_flag = flag && !word.contains('=');
    }
    words
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
    let named = command_words(before);
    // Only a line that names a command the tree has: `help` and typos complete from the
    // whole tree.
    if named.iter().any(|w| Command::has_subcommand(w)) {
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
    let matches = cmd.try_get_matches_from_mut(args);
    // Built for this one parse, and the process ends soon after: not freeing the tree's
    // allocations one by one is worth 12 % of `proj --help` (see the top of this file).
    std::mem::forget(cmd);
    Cli::from_arg_matches(&matches?)
}

#[cfg(test)]
mod tests {
    use super::command_words;
    use std::ffi::OsString;

    fn words(line: &[&str]) -> Vec<String> {
        let args: Vec<OsString> = std::iter::once("proj")
            .chain(line.iter().copied())
            .map(OsString::from)
            .collect();
        command_words(&args)
    }

    #[test]
    fn a_word_that_is_not_a_flag_nor_after_one_may_name_a_command() {
        assert_eq!(words(&["--db", "f", "env", "list"]), ["env", "list"]);
        // After a flag that takes no value, a command is not pruned to: the tree stays whole.
        assert_eq!(words(&["-q", "env", "list", "list"]), ["list"]);
        assert_eq!(words(&["--org=acme", "env", "--", "list"]), ["env"]);
        assert!(words(&["--db"]).is_empty());
    }
}
