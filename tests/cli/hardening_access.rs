//! Hardening of the access model (issue 12): what the actor may not see reaches them by no
//! road (`log`, `restore`, conflicts, hints, exit codes); `restore` re-checks every action
//! it re-does and follows renames; a broken link file is reported, not skipped; a path with
//! an empty segment is usage.

use crate::support::TestEnv;
use serde_json::Value;
use std::path::Path;

const ANA: &str = "ana@acme.dev";
const BO: &str = "bo@acme.dev";
const CY: &str = "cy@acme.dev";
const DEV: &str = "dev@acme.dev";

/// acme: ana the owner (the saved identity); `shop` (production, staging) where bo is project
/// admin and dev developer; `secret` (staging) that only cy and ana see. cy is also a viewer
/// on shop.
fn world() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    t.ok(&[
        "project", "add", "secret", "--org", "acme", "--env", "staging",
    ]);
    t.ok(&["member", "add", ANA, "--org", "acme"]);
    for who in [BO, CY, DEV] {
        t.ok(&["member", "add", who, "--org", "acme"]);
    }
    grant(&t, BO, "acme/shop", None, "admin");
    grant(&t, DEV, "acme/shop", None, "developer");
    grant(&t, CY, "acme/shop", None, "viewer");
    grant(&t, CY, "acme/secret", None, "developer");
    t
}

fn grant(t: &TestEnv, who: &str, project: &str, env: Option<&str>, role: &str) {
    let mut args = vec!["member", "grant", who, "-p", project, "--role", role];
    if let Some(e) = env {
        args.extend(["--env", e]);
    }
    t.ok(&args);
}

/// `dir/sub` with a good link file in `dir` and whatever `make` puts at `dir/sub/.proj.json`.
fn nested_link(t: &TestEnv, make: impl Fn(&Path)) -> std::path::PathBuf {
    let dir = t.path().join("work");
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    t.run_in(&dir, &["link", "acme/shop"]);
    assert!(dir.join(".proj.json").is_file());
    make(&sub.join(".proj.json"));
    sub
}

#[test]
fn a_malformed_link_file_is_reported_and_unlink_removes_only_it() {
    let t = world();
    let sub = nested_link(&t, |p| std::fs::write(p, "{not json").unwrap());
    let link = sub.join(".proj.json");
    let r = t.run_in(&sub, &["context"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&link.display().to_string()),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    let r = t.run_in(&sub, &["context", "--json"]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["broken_link"]["path"], link.display().to_string());
    let r = t.run_in(&sub, &["tree"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    let r = t.run_in(&sub, &["unlink"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!link.exists());
    assert!(
        sub.parent().unwrap().join(".proj.json").is_file(),
        "the parent's link stays"
    );
}

#[test]
fn a_directory_named_like_the_link_file_is_reported_and_never_reached_past() {
    let t = world();
    let sub = nested_link(&t, |p| std::fs::create_dir(p).unwrap());
    let link = sub.join(".proj.json");
    let r = t.run_in(&sub, &["context"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    let r = t.run_in(&sub, &["tree"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = t.run_in(&sub, &["env", "list"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = t.run_in(&sub, &["unlink"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&link.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(link.is_dir(), "the directory stays");
    assert!(
        sub.parent().unwrap().join(".proj.json").is_file(),
        "the parent's link stays"
    );
}

#[test]
fn an_empty_path_segment_is_usage_for_every_path() {
    let t = world();
    let cases: &[&[&str]] = &[
        &["env", "show", "/staging"],
        &["env", "show", "acme/shop/"],
        &["env", "show", "acme//staging"],
        &["env", "show", "shop/"],
        &["project", "show", "acme/"],
        &["project", "show", "/shop"],
        &["project", "show", "acme/shop/production"],
        &["env", "list", "-p", "acme/"],
        &["env", "list", "-p", "/shop"],
        &["resource", "list", "--env", "/staging"],
        &[
            "member",
            "grant",
            BO,
            "-p",
            "acme/shop",
            "--env",
            "staging/",
            "--role",
            "viewer",
        ],
        &["access", "check", BO, "read", "acme/"],
        &["access", "check", BO, "read", "/shop"],
        &["link", "acme/"],
    ];
    let dump = t.dump();
    for args in cases {
        let err = t.fails(args, 2);
        assert!(err.starts_with("error: invalid "), "{args:?}: {err}");
        assert!(err.contains("hint: write "), "{args:?}: {err}");
    }
    let err = t.fails(&["env", "show", "/staging"], 2);
    assert_eq!(
        err,
        "error: invalid environment `/staging`: a name between slashes is empty\n\
         hint: write ENV, PROJECT/ENV or ORG/PROJECT/ENV\n"
    );
    assert_eq!(t.dump(), dump);
    assert!(!t.path().join(".proj.json").exists());
}
