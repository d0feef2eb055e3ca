//! Bad input, generated: invalid names, emails, roles, kinds and flag combinations all
//! exit 2 with `error:` and leave the file exactly as it was.
//!
//! The bad values come from the README's rules, never from `proj`'s own validators: each
//! generator builds one known-bad class (a slug with an upper-case letter, a trailing `-`,
//! 64+ characters …), and the arbitrary-text class is filtered by `contract_slug`, a
//! hand-written reading of the rule `^[a-z][a-z0-9-]{0,62}$`, no trailing `-`, no `--`.

use crate::support::TestEnv;
use proptest::prelude::*;

/// The README's slug rule, written out by hand (no regex, nothing from `proj`).
fn contract_slug(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// What argv can carry and clap will not read as a flag (`-h` would print help).
fn passable(s: &str) -> bool {
    !s.starts_with('-') && !s.contains('\0')
}

/// Text that is not a slug, one known-bad class per arm; only the arbitrary-text arm needs
/// the oracle.
fn bad_slug() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-9][a-z0-9]{0,8}",                        // starts with a digit
        "[a-z]{0,6}[A-Z][a-zA-Z0-9]{0,6}",           // an upper-case letter
        "[a-z]{1,6}[ _./@:+!,;*?~'\"][a-z0-9]{0,6}", // a character outside [a-z0-9-]
        "[a-z][a-z0-9]{0,8}-",                       // a trailing hyphen
        "[a-z][a-z0-9]{0,5}--[a-z0-9]{1,5}",         // a double hyphen
        "[a-z]{64,80}",                              // too long
        "[a-z]{0,4}[éüßø日本ı][a-z]{0,4}",           // not ASCII
        "[a-z]{1,4}[\x01-\x1f\x7f][a-z]{0,4}",       // a control character
        "\\PC{1,24}".prop_filter("a valid slug", |s| !contract_slug(s)),
    ]
    .prop_filter("passable as an argument", |s| passable(s))
}

/// Text that is no email address, one known-bad class per arm.
fn bad_email() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z]{1,10}(\\.[a-z]{1,5})?",            // no `@`
        "@[a-z]{1,6}\\.[a-z]{2,3}",               // nothing before `@`
        "[a-z]{1,5}@",                            // nothing after `@`
        "[a-z]{1,5}@[a-z]{1,5}@[a-z]{1,5}\\.dev", // two `@`
        "[a-z]{1,5}@[a-z]{1,8}",                  // a domain without a dot
        "[a-z]{1,5}@\\.[a-z]{1,5}\\.dev",         // a domain starting with a dot
        "[a-z]{1,5}@[a-z]{1,5}\\.dev\\.",         // a domain ending with a dot
        "[a-z]{1,5}[ \t][a-z]{1,5}@x\\.dev",      // white space
        "[a-z]{1,5}[\x01-\x1f\x7f]@x\\.dev",      // a control character
        "[a-z]{255,260}@x\\.dev",                 // longer than 254
    ]
    .prop_filter("passable as an argument", |s| passable(s))
}

/// Not a role of either kind, and not a kind or output format either.
fn bad_word() -> impl Strategy<Value = String> {
    "[a-zA-Z]{0,12}".prop_filter("a real value", |s| {
        ![
            "owner",
            "admin",
            "member",
            "viewer",
            "developer",
            "development",
            "staging",
            "custom",
            "production",
            "table",
            "json",
            "plain",
        ]
        .contains(&s.as_str())
    })
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// One command line that must be refused as a usage error.
pub fn bad_command() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        bad_slug().prop_map(|s| args(&["org", "add", &s])),
        bad_slug().prop_map(|s| args(&["org", "rename", "acme", &s])),
        bad_slug().prop_map(|s| args(&["project", "add", &s, "--org", "acme"])),
        bad_slug().prop_map(|s| args(&["project", "add", "web", "--org", "acme", "--env", &s])),
        bad_slug().prop_map(|s| args(&["project", "rename", "acme/shop", &s])),
        bad_slug().prop_map(|s| args(&["env", "add", &s, "-p", "acme/shop"])),
        bad_slug().prop_map(|s| args(&["env", "rename", "acme/shop/production", &s])),
        bad_email().prop_map(|e| args(&["member", "add", &e, "--org", "acme"])),
        bad_word().prop_map(|r| args(&[
            "member",
            "add",
            "bo@acme.dev",
            "--org",
            "acme",
            "--role",
            &r
        ])),
        bad_word().prop_map(|r| args(&[
            "member",
            "grant",
            "ana@acme.dev",
            "--project",
            "acme/shop",
            "--role",
            &r
        ])),
        bad_word().prop_map(|k| args(&["env", "add", "qa", "-p", "acme/shop", "--kind", &k])),
        bad_word().prop_map(|f| args(&["org", "list", "-o", &f])),
        "[a-z]{1,10}".prop_map(|f| args(&["org", "list", &format!("--no-such-{f}")])),
        "[a-z]{1,8}".prop_map(|e| args(&[
            "project", "add", "web", "--org", "acme", "--env", &e, "--env", &e
        ])),
        "[a-z]{1,8}".prop_map(|e| args(&[
            "project", "add", "web", "--org", "acme", "--env", &e, "--no-env"
        ])),
        "[a-z]{0,8}".prop_map(|s| args(&["restore", &format!("{s}x")])),
        "-[0-9]{1,4}".prop_map(|n| args(&["log", "-n", &n])),
        Just(args(&["org", "rename", "acme"])),
        Just(args(&["project", "rename", "acme/shop"])),
        Just(args(&["env", "rename", "acme/shop/production"])),
        Just(args(&["env", "show", "a/b/c/d"])),
        Just(args(&["env", "add"])),
        Just(args(&["org", "add"])),
        Just(args(&["backup"])),
    ]
}

/// The oracle itself, on values whose verdict the README states.
#[test]
fn the_slug_oracle_reads_the_rule() {
    for good in ["a", "acme", "web-2", "a1-b2", &"a".repeat(63)] {
        assert!(contract_slug(good), "{good}");
    }
    for bad in [
        "",
        "1a",
        "A",
        "a_b",
        "a-",
        "a--b",
        "-a",
        "é",
        &"a".repeat(64),
    ] {
        assert!(!contract_slug(bad), "{bad}");
    }
}

#[test]
fn generated_bad_input_exits_2_and_changes_nothing() {
    let t = TestEnv::with_shop();
    let before = t.dump();
    let (mut runner, seed) = super::seeded_runner("bad input", 600);
    let started = std::time::Instant::now();
    let run = runner.run(&bad_command(), |argv| {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let r = t.run(&argv);
        prop_assert_eq!(r.code, 2, "proj {:?}: {}", argv, r.stderr);
        prop_assert!(
            r.stderr.starts_with("error:"),
            "proj {:?}: {}",
            argv,
            r.stderr
        );
        prop_assert_eq!(&t.dump(), &before, "proj {:?} changed the file", argv);
        Ok(())
    });
    super::replayable(run, "generated_bad_input_exits_2_and_changes_nothing", seed);
    eprintln!(
        "bad input: 600 generated commands in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
