//! The README's transcripts are replayed against the real binary, so a transcript that stops
//! matching fails CI.
//!
//! Every ```` ```console ```` block runs in a fresh, hermetic environment (a temp dir, a
//! pinned clock, `NO_COLOR`), through `sh -c` so pipes work. In a block:
//! - `$ CMD  # comment` runs `CMD`; a comment saying `(exit N)` expects exit code N, otherwise
//!   0 is expected;
//! - lines after a command, up to the next `$` line, are its expected output (stdout, then
//!   stderr), compared line by line with trailing spaces trimmed; lines that are only a comment
//!   (`# …` after spaces) are continuations of the previous comment and not output;
//! - an HTML comment `<!-- transcript-setup` … `-->` right before the block lists commands run
//!   first, silently, to reach the state the block starts from;
//! - a `created a new database at …` line is left out on both sides: it names the file of a
//!   first write, which is the test's temporary one (and a server prints none).

use crate::support::{NOW, TestEnv};
use std::path::Path;

struct Step {
    line: usize,
    command: String,
    exit: i32,
    expected: Vec<String>,
}

struct Block {
    line: usize,
    /// Marked `<!-- transcript: file only (why) -->` right before its setup: its output is a
    /// file's (a server adds the login at the keyboard, refuses `--as`).
    file_only: bool,
    setup: Vec<String>,
    steps: Vec<Step>,
}

/// The command part of a `$` line: everything before a `#` that follows a space.
fn split_comment(text: &str) -> (&str, &str) {
    match text.find(" #") {
        Some(i) => (text[..i].trim_end(), text[i..].trim()),
        None => (text.trim_end(), ""),
    }
}

fn expected_exit(comment: &str) -> i32 {
    comment
        .find("(exit ")
        .and_then(|i| comment[i + 6..].chars().next())
        .and_then(|c| c.to_digit(10))
        .map_or(0, |d| d as i32)
}

fn parse(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```console" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut setup = Vec::new();
        let mut file_only = false;
        // A setup comment ends on the line right before the block.
        if i > 0 && lines[i - 1].trim() == "-->" {
            let mut j = i - 1;
            while j > 0 && !lines[j].trim_start().starts_with("<!-- transcript-setup") {
                j -= 1;
            }
            file_only = j > 0
                && lines[j - 1]
                    .trim_start()
                    .starts_with("<!-- transcript: file only");
            setup = lines[j + 1..i - 1]
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
        }
        let mut steps: Vec<Step> = Vec::new();
        i += 1;
        while i < lines.len() && lines[i].trim() != "```" {
            let line = lines[i];
            if let Some(cmd) = line.strip_prefix("$ ") {
                let (command, comment) = split_comment(cmd);
                steps.push(Step {
                    line: i + 1,
                    command: command.to_string(),
                    exit: expected_exit(comment),
                    expected: Vec::new(),
                });
            } else if line.trim_start().starts_with('#') && line.starts_with("  ") {
                // The continuation of the previous command's comment.
            } else if let Some(step) = steps.last_mut() {
                step.expected.push(line.trim_end().to_string());
            }
            i += 1;
        }
        blocks.push(Block {
            line: start,
            file_only,
            setup,
            steps,
        });
        i += 1;
    }
    blocks
}

fn sh(env: &TestEnv, bin_dir: &Path, command: &str) -> (i32, String) {
    // `std_cmd` is the hermetic environment every test uses; only its variables are taken.
    let template = env.std_cmd();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env_clear()
        .envs(template.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("PATH", path)
        .current_dir(env.path())
        .output()
        .expect("run sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn readme_transcripts_replay() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let blocks = parse(&readme);
    assert!(blocks.len() >= 4, "expected the README's console blocks");
    let bin = assert_cmd::cargo::cargo_bin("proj");
    let bin_dir = bin.parent().expect("binary dir");
    let mut failures = Vec::new();
    for block in &blocks {
        let env = TestEnv::new();
        if env.pg.is_some() && block.file_only {
            eprintln!(
                "README.md:{}: a file's transcript, not replayed on PostgreSQL",
                block.line
            );
            continue;
        }
        for command in &block.setup {
            let (code, text) = sh(&env, bin_dir, command);
            if code != 0 {
                failures.push(format!(
                    "README.md block at line {}: setup `{command}` exited {code}:\n{text}",
                    block.line
                ));
            }
        }
        for step in &block.steps {
            // `--as` is the file's identity; a server refuses it (the login is the identity,
            // tested in team_mode.rs), so on PostgreSQL those transcript lines are not
            // replayed, and the run says how many were left out. What follows in the same
            // block may build on it, so the rest of the block is left out with it.
            if env.pg.is_some()
                && (step.command.contains("--as ") || step.command.contains("PROJ_AS="))
            {
                eprintln!(
                    "README.md:{}: --as is file-only, not replayed on PostgreSQL (nor the rest \
                     of its block)",
                    step.line
                );
                break;
            }
            let (code, text) = sh(&env, bin_dir, &step.command);
            if code != step.exit {
                failures.push(format!(
                    "README.md:{}: `{}` exited {code}, the README says {}:\n{text}",
                    step.line, step.command, step.exit
                ));
                continue;
            }
            if step.expected.is_empty() {
                continue;
            }
            let created = |l: &String| l.starts_with("created a new database at ");
            let actual: Vec<String> = text
                .lines()
                .map(|l| l.trim_end().to_string())
                .filter(|l| !created(l))
                .collect();
            let expected: Vec<String> = step
                .expected
                .iter()
                .filter(|l| !created(l))
                .cloned()
                .collect();
            if actual != expected {
                failures.push(format!(
                    "README.md:{}: `{}` printed\n{}\nbut the README shows\n{}",
                    step.line,
                    step.command,
                    actual.join("\n"),
                    step.expected.join("\n")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} README transcript line(s) do not match the binary (PROJ_NOW={NOW}):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_transcript_parser_reads_commands_comments_and_output() {
    let blocks = parse(
        "<!-- transcript-setup\nproj org add acme\n-->\n```console\n$ proj a  # (exit 4) no\n  \
         # more comment\nout 1\n$ proj b\n```\n",
    );
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].setup, vec!["proj org add acme"]);
    assert_eq!(blocks[0].steps.len(), 2);
    assert_eq!(blocks[0].steps[0].command, "proj a");
    assert_eq!(blocks[0].steps[0].exit, 4);
    assert_eq!(blocks[0].steps[0].expected, vec!["out 1"]);
    assert_eq!(blocks[0].steps[1].exit, 0);
}
