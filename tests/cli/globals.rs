//! Global flags work after every command, whatever the command's own arguments are called.

use crate::helpers::ok_env;
use crate::json::{Env, Link, Org, Project};
use crate::support::TestEnv;

/// Every subcommand path in the tree, e.g. `["org", "show"]`.
fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
    let subs: Vec<_> = cmd.get_subcommands().collect();
    if subs.is_empty() {
        out.push((path.clone(), cmd.clone()));
    }
    for sub in subs {
        let mut p = path.clone();
        p.push(sub.get_name().to_string());
        leaves(sub, p, out);
    }
}

#[test]
fn no_argument_shadows_a_global_flag() {
    let mut root = proj::cli::command();
    let globals: Vec<String> = root
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().to_string())
        .collect();
    assert!(globals.contains(&"org".to_string()), "{globals:?}");
    // Commands' arguments are built with the tree. Building copies every global flag into
    // every command, except into one that has an argument of the same id: that one stays
    // the command's own, not global.
    root.build();
    let mut all = Vec::new();
    leaves(&root, Vec::new(), &mut all);
    for (path, cmd) in all {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().to_string();
            assert!(
                !globals.contains(&id) || arg.is_global_set(),
                "`proj {}` has an argument `{id}` that shadows the global --{id}",
                path.join(" ")
            );
        }
    }
}

#[test]
fn org_and_project_flags_after_commands_with_positionals() {
    let t = TestEnv::with_shop();
    t.ok(&["org", "add", "beta"]);
    t.ok(&["project", "add", "api", "--org", "beta"]);
    let o: Org = t.json_as(&["org", "show", "--org", "beta"]);
    assert_eq!(o.slug, "beta");
    let p: Project = t.json_as(&["project", "show", "--project", "beta/api"]);
    assert_eq!(p.slug, "api");
    let p: Project = t.json_as(&["project", "show", "-p", "shop", "--org", "acme"]);
    assert_eq!(p.slug, "shop");
    let e: Env = t.json_as(&["env", "show", "production", "-p", "beta/api"]);
    assert_eq!(e.org, "beta");
    let dir = t.path().join("w");
    std::fs::create_dir_all(&dir).unwrap();
    let l: Link = serde_json::from_str(&ok_env(
        &t,
        &dir,
        &[],
        &["link", "--project", "beta/api", "--json"],
    ))
    .unwrap();
    assert_eq!((l.org.as_str(), l.project.as_str()), ("beta", "api"));
    t.ok(&["org", "use", "--org", "beta", "beta"]);
    t.ok(&["project", "use", "api", "--org", "beta"]);
    t.ok(&[
        "org",
        "rename",
        "beta",
        "--display-name",
        "Beta",
        "--org",
        "beta",
    ]);
    t.ok(&[
        "project",
        "rename",
        "api",
        "--description",
        "x",
        "-p",
        "beta/api",
    ]);
    // A positional never leaks into the context: `project show shop` must not turn
    // into `--project shop` for the organization lookup.
    let p: Project = t.json_as(&["project", "show", "api"]);
    assert_eq!(p.org, "beta");
}

#[test]
fn global_flags_before_the_command() {
    let t = TestEnv::with_shop();
    let e: Vec<Env> = t.json_as(&["--org", "acme", "-p", "shop", "env", "list"]);
    assert_eq!(e.len(), 1);
    let out = t.ok(&["-o", "plain", "env", "list"]);
    assert_eq!(out, "production\tProduction\tproduction\tyes\n");
    let r = t.run(&["-q", "env", "add", "staging"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    let r = t.run(&["--json", "env", "show", "nope"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.starts_with("{\"error\""), "{}", r.stderr);
}

#[test]
fn empty_environment_variables_count_as_unset() {
    let t = TestEnv::with_shop();
    let empty = [
        ("PROJ_OUTPUT", ""),
        ("PROJ_AS", ""),
        ("PROJ_ORG", ""),
        ("PROJ_PROJECT", ""),
    ];
    let out = ok_env(&t, t.path(), &empty, &["env", "list", "-o", "plain"]);
    assert_eq!(out, "production\tProduction\tproduction\tyes\n");
    let table = ok_env(&t, t.path(), &empty, &["env", "list"]);
    assert!(table.starts_with('╭'), "{table}");
    // An empty PROJ_DB falls back to the default location (inside the test's HOME).
    let c: crate::json::Context = serde_json::from_str(&ok_env(
        &t,
        t.path(),
        &[("PROJ_DB", "")],
        &["context", "--json"],
    ))
    .unwrap();
    assert_eq!(c.db.source, "default");
    assert!(
        c.db.value.starts_with(&t.path().display().to_string()),
        "{}",
        c.db.value
    );
}

/// Options set by PROJ_DB, PROJ_AS and PROJ_OUTPUT are not shown in a usage line as if the
/// command required them.
#[test]
fn usage_lines_do_not_show_options_set_by_variables() {
    let t = TestEnv::with_shop();
    for json in [false, true] {
        let mut cmd = t.cmd();
        cmd.env("PROJ_AS", "ana@acme.dev")
            .env("PROJ_OUTPUT", "plain")
            .args(["env", "add"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.to_lowercase().contains("usage: proj env add"), "{err}");
        for shown in ["--db <PATH|URL>", "--as <EMAIL>", "--output <FORMAT>"] {
            assert!(!err.contains(shown), "{err}");
        }
    }
}
