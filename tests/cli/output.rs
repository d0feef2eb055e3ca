//! Output formats: table, JSON, plain, quiet, `PROJ_OUTPUT`, and a reader that closes the
//! pipe early.

use crate::helpers::{ok_env, run_env};
use crate::support::TestEnv;
use std::io::Read;
use std::process::Stdio;

fn shop_with_envs() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    t.ok(&["env", "add", "hotfix", "--display-name", "Hotfix 1.2"]);
    t.ok(&["env", "add", "dev"]);
    t
}

#[test]
fn env_list_table() {
    let t = shop_with_envs();
    insta::assert_snapshot!(t.ok(&["env", "list"]), @r"
    ╭────────────┬────────────┬─────────────┬───────────┬──────────────────────╮
    │ slug       ┆ name       ┆ kind        ┆ protected ┆ created              │
    ╞════════════╪════════════╪═════════════╪═══════════╪══════════════════════╡
    │ dev        ┆ Dev        ┆ development ┆ no        ┆ 2026-11-27T09:14:03Z │
    │ staging    ┆ Staging    ┆ staging     ┆ no        ┆ 2026-11-27T09:14:03Z │
    │ hotfix     ┆ Hotfix 1.2 ┆ custom      ┆ no        ┆ 2026-11-27T09:14:03Z │
    │ production ┆ Production ┆ production  ┆ yes       ┆ 2026-11-27T09:14:03Z │
    ╰────────────┴────────────┴─────────────┴───────────┴──────────────────────╯
    ");
}

#[test]
fn env_list_plain_is_tab_separated_without_header() {
    let t = shop_with_envs();
    assert_eq!(
        t.ok(&["env", "list", "-o", "plain"]),
        "dev\tDev\tdevelopment\tno\n\
         staging\tStaging\tstaging\tno\n\
         hotfix\tHotfix 1.2\tcustom\tno\n\
         production\tProduction\tproduction\tyes\n"
    );
    assert_eq!(
        t.ok(&["org", "list", "-o", "plain"]),
        "acme\t-\tshop\t2026-11-27T09:14:03Z\n"
    );
    assert_eq!(
        t.ok(&["project", "show", "-o", "plain"]),
        "shop\tacme\t-\tdev, staging, hotfix, production\t2026-11-27T09:14:03Z\n"
    );
}

#[test]
fn json_and_output_json_and_proj_output_agree() {
    let t = shop_with_envs();
    let a = t.ok(&["env", "list", "--json"]);
    let b = t.ok(&["env", "list", "-o", "json"]);
    let c = t.ok(&["env", "list", "--output", "json"]);
    let d = ok_env(&t, t.path(), &[("PROJ_OUTPUT", "json")], &["env", "list"]);
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a, d);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    // One document: exactly one trailing newline.
    assert!(a.ends_with("]\n") && !a.ends_with("\n\n"), "{a}");
    let plain = ok_env(&t, t.path(), &[("PROJ_OUTPUT", "plain")], &["env", "list"]);
    assert_eq!(plain, t.ok(&["env", "list", "-o", "plain"]));
    // A flag beats the variable.
    let table = ok_env(
        &t,
        t.path(),
        &[("PROJ_OUTPUT", "json")],
        &["env", "list", "-o", "table"],
    );
    assert!(table.starts_with('╭'), "{table}");
    let json = ok_env(
        &t,
        t.path(),
        &[("PROJ_OUTPUT", "plain")],
        &["env", "list", "--json"],
    );
    assert_eq!(json, a);
}

#[test]
fn unknown_output_format_is_usage() {
    let t = TestEnv::with_shop();
    let err = t.fails(&["env", "list", "-o", "xml"], 2);
    assert!(err.contains("xml"), "{err}");
    let r = run_env(&t, t.path(), &[("PROJ_OUTPUT", "xml")], &["env", "list"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn quiet_prints_nothing_on_success() {
    let t = TestEnv::new();
    for args in [
        &["org", "add", "acme"][..],
        &["org", "list"][..],
        &["org", "show", "acme"][..],
        &["org", "rename", "acme", "--display-name", "Acme"][..],
        &["org", "use", "acme"][..],
        &["project", "add", "shop"][..],
        &["project", "list"][..],
        &["project", "show"][..],
        &["project", "rename", "shop", "--description", "x"][..],
        &["project", "use", "shop"][..],
        &["env", "add", "staging"][..],
        &["env", "list"][..],
        &["env", "show", "staging"][..],
        &["env", "rename", "staging", "qa"][..],
        &["env", "archive", "qa"][..],
        &["env", "archive", "qa"][..],
        &["env", "unarchive", "qa"][..],
        &["env", "protect", "qa"][..],
        &["env", "unprotect", "qa"][..],
        &["env", "remove", "qa"][..],
        &["env", "remove", "production", "--yes"][..],
        &["link", "acme/shop"][..],
        &["context"][..],
        &["log"][..],
        &["unlink"][..],
        &["project", "remove", "shop"][..],
        &["org", "remove", "acme"][..],
    ] {
        let mut all = args.to_vec();
        all.push(if all.len() % 2 == 0 { "--quiet" } else { "-q" });
        let r = t.run(&all);
        assert_eq!(r.code, 0, "{all:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{all:?}");
        assert_eq!(r.stderr, "", "{all:?}");
    }
    // Quiet with JSON is still quiet.
    t.ok(&["org", "add", "beta"]);
    let r = t.run(&["org", "list", "--json", "-q"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    // Errors still speak.
    let r = t.run(&["org", "show", "nope", "-q"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("error:"), "{}", r.stderr);
}

#[test]
fn errors_go_to_stderr_and_data_to_stdout() {
    let t = TestEnv::with_shop();
    let r = t.run(&["env", "show", "nope"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.starts_with("error: environment `nope` not found"),
        "{}",
        r.stderr
    );
    // Status lines are for people: on stderr, in table format only.
    let r = t.run(&["org", "use", "acme"]);
    assert!(
        r.stderr.contains("now using organization acme"),
        "{}",
        r.stderr
    );
    let r = t.run(&["org", "use", "acme", "--json"]);
    assert_eq!(r.stderr, "");
    let r = t.run(&["org", "use", "acme", "-o", "plain"]);
    assert_eq!(r.stderr, "");
}

#[test]
fn help_and_version_exit_0_and_bad_usage_exits_2() {
    let t = TestEnv::new();
    let out = t.ok(&["--help"]);
    assert!(out.contains("Exit codes"), "{out}");
    t.ok(&["env", "--help"]);
    t.ok(&["env", "add", "--help"]);
    assert!(t.ok(&["--version"]).starts_with("proj "));
    t.fails(&[], 2);
    t.fails(&["frobnicate"], 2);
    t.fails(&["env"], 2);
    t.fails(&["env", "add"], 2);
    t.fails(&["log", "--limit", "many"], 2);
    t.fails(&["org", "list", "--bogus"], 2);
    // No prefix inference of subcommands.
    t.fails(&["org", "lis"], 2);
    t.fails(&["en", "list"], 2);
}

/// Many environments straight into the file, so the table is larger than a pipe buffer.
fn many_envs(t: &TestEnv, n: usize) {
    let values: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "((SELECT id FROM projects WHERE slug = 'shop'), 'env-{i}', \
                 'Environment number {i}', 'custom', '2026-11-27T09:14:03Z')"
            )
        })
        .collect();
    t.sql(&format!(
        "INSERT INTO environments (project_id, slug, display_name, kind, created_at) VALUES {}",
        values.join(", ")
    ));
}

/// Runs `proj ARGS`, reads `keep` bytes of stdout, closes the pipe, and returns the exit
/// code and stderr.
fn read_then_close(t: &TestEnv, args: &[&str], keep: usize) -> (i32, String) {
    let mut child = t
        .std_cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn proj");
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = vec![0; keep];
    if keep > 0 {
        stdout.read_exact(&mut buf).expect("first bytes");
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_reader_that_closes_early_is_not_an_error() {
    let t = TestEnv::with_shop();
    many_envs(&t, 1500);
    for format in ["table", "plain", "json"] {
        for keep in [1, 0] {
            let (code, stderr) = read_then_close(&t, &["env", "list", "-o", format], keep);
            assert_eq!(code, 0, "{format}: {stderr}");
            assert!(!stderr.contains("panicked"), "{format}: {stderr}");
            assert_eq!(stderr, "", "{format}");
        }
    }
    let (code, stderr) = read_then_close(&t, &["log", "-n", "1000"], 1);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn plain_records_stay_one_line_whatever_the_free_text() {
    let t = TestEnv::with_shop();
    // Input refuses tabs and line breaks (exit 2); a row stored before that, or by another
    // program, may still hold them.
    t.fails(&["env", "add", "qa", "--display-name", "QA\tline\none"], 2);
    t.ok(&["env", "add", "qa"]);
    // A tab and a line break inside the SQL literal.
    t.sql("UPDATE environments SET display_name = 'QA\tline\none' WHERE slug = 'qa'");
    let plain = t.ok(&["env", "list", "-o", "plain"]);
    assert_eq!(
        plain,
        "qa\tQA line one\tcustom\tno\nproduction\tProduction\tproduction\tyes\n"
    );
    let shown = t.ok(&["env", "show", "qa", "-o", "plain"]);
    assert_eq!(shown, "qa\tQA line one\tcustom\tno\n");
    // JSON keeps the text as it is.
    let e: crate::json::Env = t.json_as(&["env", "show", "qa"]);
    assert_eq!(e.display_name, "QA\tline\none");
}
