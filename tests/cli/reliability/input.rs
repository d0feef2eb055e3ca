//! Bad input, generated: invalid names, emails, roles, kinds and flag combinations all
//! exit 2 with `error:` and leave the file exactly as it was.

use crate::support::TestEnv;
use proj::model::{is_valid_slug, validate_email};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Any text that is not a valid slug and that clap will not read as a flag (`-h` would
/// print help and succeed).
fn bad_slug() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[a-z][a-zA-Z0-9 _.-]{0,20}",
        "[0-9][a-z0-9]{0,8}",
        "[a-z]{1,8}(--|-|_| |/|[A-Z])[a-z]{0,8}",
        "[a-z]{64,80}",
    ]
    .prop_filter("a valid slug", |s| {
        !is_valid_slug(s) && !s.starts_with('-') && !s.contains('\0')
    })
}

fn bad_email() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "[a-z]{0,8}@?[a-z]{0,8}",
        "[a-z]{1,8} [a-z]{1,8}@x.dev",
        "[a-z]{1,5}@[a-z]{1,5}\\.?"
    ]
    .prop_filter("a valid email", |s| {
        validate_email(s).is_err() && !s.starts_with('-') && !s.contains('\0')
    })
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
fn bad_command() -> impl Strategy<Value = Vec<String>> {
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

#[test]
fn generated_bad_input_exits_2_and_changes_nothing() {
    let t = TestEnv::with_shop();
    let before = t.dump();
    let mut runner = TestRunner::new(Config {
        cases: 600,
        failure_persistence: None,
        ..Config::default()
    });
    let started = std::time::Instant::now();
    runner
        .run(&bad_command(), |argv| {
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
        })
        .unwrap();
    eprintln!(
        "bad input: 600 generated commands in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
