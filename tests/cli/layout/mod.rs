//! Layout files: `proj export` and `proj apply` (CONTRACT.md, "Layout files").
//!
//! - this file: export (shape, order, defaults left out, byte-identical, what the actor
//!   sees), applying (no changes the second time, one event per change, --yes and the
//!   terminal, stdin, the contract's example written by hand, the move to another file);
//! - `plan.rs`: the plan of every kind of change, and prune of every entity;
//! - `refused.rs`: bad files at `FILE:LINE:COLUMN`, denials, conflicts; nothing changed;
//! - `roundtrip.rs`: the property tests (random layouts through apply and export).

mod plan;
mod refused;
mod roundtrip;

use crate::support::{Run, TestEnv};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;

/// Writes a layout file into the test's directory.
pub fn file(t: &TestEnv, name: &str, text: &str) -> PathBuf {
    let path = t.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `proj ARGS` with `stdin` on standard input.
pub fn run_with_stdin(t: &TestEnv, args: &[&str], stdin: &str) -> Run {
    let mut cmd = t.std_cmd();
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn proj");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().expect("wait for proj");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The plan `proj apply --dry-run` prints for `text` (extra flags after it).
#[track_caller]
pub fn plan_of(t: &TestEnv, text: &str, extra: &[&str]) -> String {
    let path = file(t, "plan.toml", text);
    let mut args = vec!["apply", "--dry-run", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    t.ok(&args)
}

/// Applies `text` with `--yes` (extra flags after it); returns stdout.
#[track_caller]
pub fn apply(t: &TestEnv, text: &str, extra: &[&str]) -> String {
    let path = file(t, "apply.toml", text);
    let mut args = vec!["apply", "--yes", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    t.ok(&args)
}

/// A file with organization `acme`: Ana (owner), Bo and Cy, team `backend` (Bo), project
/// `shop` with staging (api), a custom `preview` with a display name and a description,
/// production (api, db), and grants to Bo and the team.
pub const ACME: &str = r#"[[org]]
slug = "acme"
display_name = "Acme"

[[org.member]]
email = "ana@acme.dev"
name = "Ana"
role = "owner"

[[org.member]]
email = "bo@acme.dev"
name = "Bo"
role = "member"

[[org.member]]
email = "cy@acme.dev"
role = "viewer"

[[org.team]]
slug = "backend"
description = "API people"
members = ["bo@acme.dev"]

[[org.project]]
slug = "shop"
description = "The web shop"

[[org.project.env]]
slug = "staging"

[[org.project.env.resource]]
slug = "api"
type = "app"

[[org.project.env]]
slug = "preview"
display_name = "Preview Apps"
description = "one per pull request"

[[org.project.env]]
slug = "production"

[[org.project.env.resource]]
slug = "api"
type = "app"

[[org.project.env.resource]]
slug = "db"
type = "database"

[[org.project.grant]]
member = "bo@acme.dev"
role = "developer"

[[org.project.grant]]
member = "bo@acme.dev"
env = "production"
role = "viewer"

[[org.project.grant]]
team = "backend"
env = "staging"
role = "admin"
"#;

/// The audit events as `email` may see them, newest first.
pub fn events_as(t: &TestEnv, email: &str) -> Vec<serde_json::Value> {
    t.json(&["log", "--limit", "100000", "--as", email])
        .as_array()
        .expect("array")
        .clone()
}

/// A test environment holding [`ACME`], acting as Ana.
pub fn acme() -> TestEnv {
    let t = TestEnv::new();
    let path = file(&t, "acme.toml", ACME);
    t.ok(&[
        "apply",
        "--yes",
        path.to_str().unwrap(),
        "--as",
        "ana@acme.dev",
    ]);
    t.init("ana@acme.dev", "acme", "shop");
    t
}

/// [`ACME`] with each member's database login, named after their email as the harness names
/// the login a test acts as on a server (`--as EMAIL`, see support.rs): a layout whose
/// members act on a server as they do on a file, and which exports as it was given on both
/// (a file keeps the logins as data).
pub fn acme_with_logins() -> String {
    ACME.replace(
        "role = \"owner\"\n",
        "role = \"owner\"\nlogin = \"ana@acme.dev\"\n",
    )
    .replace(
        "name = \"Bo\"\nrole = \"member\"\n",
        "name = \"Bo\"\nrole = \"member\"\nlogin = \"bo@acme.dev\"\n",
    )
    .replace(
        "email = \"cy@acme.dev\"\nrole = \"viewer\"\n",
        "email = \"cy@acme.dev\"\nrole = \"viewer\"\nlogin = \"cy@acme.dev\"\n",
    )
}

/// A test environment holding [`acme_with_logins`], acting as Ana: on a server, Bo and Cy
/// act through their logins too.
pub fn acme_logins() -> TestEnv {
    let t = TestEnv::new();
    let path = file(&t, "acme.toml", &acme_with_logins());
    t.ok(&[
        "apply",
        "--yes",
        path.to_str().unwrap(),
        "--as",
        "ana@acme.dev",
    ]);
    t.init("ana@acme.dev", "acme", "shop");
    t
}

#[test]
fn export_prints_what_apply_was_given_in_the_contract_shape() {
    let t = acme_logins();
    let acme = acme_with_logins();
    // Nothing reordered, nothing added: ACME is already in the canonical form.
    assert_eq!(t.ok(&["export"]), acme);
    assert_eq!(t.ok(&["export", "-o", "toml"]), acme);
}

#[test]
fn two_exports_are_byte_identical_and_carry_no_ids_or_timestamps() {
    let t = acme();
    t.ok(&["env", "archive", "preview", "-p", "shop"]);
    let first = t.ok(&["export", "--all"]);
    let second = t.ok(&["export", "--all"]);
    assert_eq!(first, second);
    assert!(first.contains("archived = true"), "{first}");
    for absent in ["created", "2026-", "id =", "_at"] {
        assert!(!first.contains(absent), "{absent} in\n{first}");
    }
}

#[test]
fn export_leaves_out_keys_that_hold_their_default() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme", "--no-env"]);
    let p = ["-p", "acme/shop"];
    t.ok(&[&["env", "add", "production"][..], &p].concat());
    t.ok(&[&["env", "add", "live", "--kind", "production"][..], &p].concat());
    t.ok(&[&["env", "add", "stage"][..], &p].concat());
    t.ok(&[&["env", "add", "prod"][..], &p].concat());
    t.ok(&[&["env", "unprotect", "prod"][..], &p].concat());
    t.ok(&[&["env", "add", "qa", "--display-name", "Qa"][..], &p].concat());
    let out = t.ok(&["export", "--org", "acme"]);
    assert_eq!(
        out,
        r#"[[org]]
slug = "acme"

[[org.project]]
slug = "shop"

[[org.project.env]]
slug = "stage"

[[org.project.env]]
slug = "qa"

[[org.project.env]]
slug = "live"
kind = "production"

[[org.project.env]]
slug = "prod"
protected = false

[[org.project.env]]
slug = "production"
"#
    );
}

/// The JSON export: the same nesting and keys as the TOML one.
#[test]
fn export_json_has_the_same_nesting() {
    let t = acme();
    let json: serde_json::Value = serde_json::from_str(&t.ok(&["export", "--json"])).unwrap();
    let toml: serde_json::Value = toml::from_str(&t.ok(&["export"])).unwrap();
    assert_eq!(json, toml);
    assert_eq!(
        json["org"][0]["project"][0]["env"][2]["resource"][1]["type"],
        "database"
    );
    assert_eq!(json["org"][0]["team"][0]["members"][0], "bo@acme.dev");
}

#[test]
fn export_takes_the_current_organization_or_org_or_all() {
    crate::file_only!(
        "an organization without members is a file's: on a server one starts with its owner (attacks.rs)"
    );
    let t = acme_logins();
    let acme = acme_with_logins();
    apply(&t, "[[org]]\nslug = \"beta\"\n", &[]);
    let acme_only = t.ok(&["export", "--org", "acme"]);
    assert_eq!(acme_only, acme);
    // The selection saved by init is acme.
    assert_eq!(t.ok(&["export"]), acme);
    let all = t.ok(&["export", "--all"]);
    assert_eq!(all, format!("{acme}\n[[org]]\nslug = \"beta\"\n"));
    let err = t.fails(&["export", "--all", "--org", "acme"], 2);
    assert!(err.contains("--org ORG or --all"), "{err}");
    // Nothing selected among several: the hint names both ways.
    let u = TestEnv::new();
    u.ok(&["org", "add", "one"]);
    u.ok(&["org", "add", "two"]);
    let err = u.fails(&["export"], 2);
    assert!(err.contains("--all"), "{err}");
    // `-o toml` is export's alone.
    let err = u.fails(&["org", "list", "-o", "toml"], 2);
    assert!(err.contains("`-o toml` is for `proj export`"), "{err}");
}

#[test]
fn export_holds_only_what_the_actor_can_see() {
    let t = acme_logins();
    let acme = acme_with_logins();
    apply(
        &t,
        "[[org]]\nslug = \"acme\"\n\n[[org.project]]\nslug = \"secret\"\n\n[[org.project.env]]\nslug = \"production\"\n",
        &[],
    );
    // Bo is a member with grants on shop only; Cy (viewer) has no grant at all.
    let bo = t.ok(&["export", "--as", "bo@acme.dev"]);
    assert!(bo.contains("slug = \"shop\""), "{bo}");
    assert!(!bo.contains("secret"), "{bo}");
    let cy = t.ok(&["export", "--as", "cy@acme.dev"]);
    assert!(!cy.contains("[[org.project]]"), "{cy}");
    assert!(cy.contains("[[org.member]]"), "{cy}");
    // An outsider sees no organization at all: with no identity saved (the file names two
    // owners, so its first apply picks none), and as the owner of another organization.
    let outsider = TestEnv::new();
    let globex = "\n[[org]]\nslug = \"globex\"\n\n[[org.member]]\nemail = \"gus@globex.dev\"\nrole = \"owner\"\n";
    let path = file(&outsider, "acme.toml", &format!("{acme}{globex}"));
    outsider.ok(&["apply", "--yes", path.to_str().unwrap()]);
    assert_eq!(
        outsider.ok(&["export", "--org", "acme", "--as", "ana@acme.dev"]),
        acme
    );
    let err = outsider.fails(&["export", "--org", "acme"], 3);
    assert!(err.contains("not found"), "{err}");
    let err = outsider.fails(&["export", "--org", "acme", "--as", "gus@globex.dev"], 3);
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn applying_the_same_file_again_prints_no_changes() {
    let t = acme();
    let path = file(&t, "again.toml", ACME);
    let before = t.dump();
    assert_eq!(t.ok(&["apply", path.to_str().unwrap()]), "no changes\n");
    assert_eq!(
        t.ok(&["apply", "--yes", "--prune", path.to_str().unwrap()]),
        "no changes\n"
    );
    assert_eq!(before, t.dump());
}

/// The contract's example, typed in by hand (comments, other spacing, keys in another
/// order, a team grant before the environment it names), applies cleanly.
#[test]
fn the_contracts_example_written_by_hand_applies_cleanly() {
    let t = TestEnv::new();
    let text = r#"
# The acme layout, reviewed in pull requests.
[[org]]
slug = "acme"
display_name = "Acme"

[[org.member]]
email = "ana@acme.dev"
name = "Ana"
role = "owner"

[[org.member]]
email = "Bo@Acme.dev"   # emails compare without case
role  = "member"

[[org.team]]
slug = "backend"
members = [ "bo@acme.dev" ]

[[org.project]]
slug = "shop"

[[org.project.grant]]
team = "backend"
env = "staging"          # omitted: the whole project
role = "developer"

[[org.project.env]]
slug = "production"
kind = "production"
protected = true

[[org.project.env.resource]]
slug = "api"
type = "app"

[[org.project.env]]
slug = "staging"
"#;
    let path = file(&t, "layout.toml", text);
    // Applied as Ana, who is in it: on a server the login at the keyboard becomes the first
    // owner the file creates (Ana), as a file without members lets anyone act.
    let out = t.ok(&[
        "apply",
        "--yes",
        path.to_str().unwrap(),
        "--as",
        "ana@acme.dev",
    ]);
    assert_eq!(
        out,
        "+ org acme
+ member ana@acme.dev in acme (owner)
+ member bo@acme.dev in acme (member)
+ team backend in acme
+ team member bo@acme.dev in backend of acme
+ project acme/shop
+ env acme/shop/production (production, protected)
+ resource acme/shop/production/api (app)
+ env acme/shop/staging (staging)
+ grant team backend on acme/shop/staging (developer)
10 to create, 0 to change, 0 to remove
"
    );
    // It has members now, and the OS user (or a login nobody maps) is none of them: act as one.
    let again = t.ok(&["apply", path.to_str().unwrap(), "--as", "ana@acme.dev"]);
    assert_eq!(again, "no changes\n");
    let tree = t.ok(&["tree", "--as", "ana@acme.dev"]);
    assert!(tree.contains("production"), "{tree}");
    let check = t.ok(&[
        "access",
        "check",
        "bo@acme.dev",
        "resource.add",
        "acme/shop/staging",
        "--as",
        "ana@acme.dev",
    ]);
    assert!(check.contains("allowed"), "{check}");
}

#[test]
fn every_change_is_one_audit_event_named_like_its_command() {
    let t = TestEnv::new();
    let path = file(&t, "acme.toml", ACME);
    let out = t.ok(&[
        "apply",
        "--yes",
        path.to_str().unwrap(),
        "--as",
        "ana@acme.dev",
    ]);
    let changes = out.lines().count() - 1;
    let log = events_as(&t, "ana@acme.dev");
    assert_eq!(log.len(), changes, "{out}");
    let mut actions: Vec<String> = log
        .iter()
        .rev()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["target"].as_str().unwrap()
            )
        })
        .collect();
    actions.truncate(6);
    assert_eq!(
        actions,
        [
            "org.add acme",
            "member.add ana@acme.dev in acme",
            "member.add bo@acme.dev in acme",
            "member.add cy@acme.dev in acme",
            "team.add team backend in acme",
            "team.join bo@acme.dev in team backend of acme",
        ]
    );
    let grants: Vec<_> = log
        .iter()
        .filter(|e| e["action"].as_str().unwrap().ends_with(".grant"))
        .map(|e| e["target"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(grants.len(), 3, "{grants:?}");
    assert!(grants.contains(&"team backend on acme/shop/staging".to_string()));
}

#[test]
fn without_yes_and_without_a_terminal_the_plan_is_printed_and_nothing_applied() {
    let t = acme();
    let path = file(
        &t,
        "more.toml",
        &ACME.replace("slug = \"preview\"", "slug = \"demo\""),
    );
    let before = t.dump();
    let r = t.run(&["apply", path.to_str().unwrap()]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "+ env acme/shop/demo (custom)\n1 to create, 0 to change, 0 to remove\n"
    );
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(r.stderr.contains("leaves out stay"), "{}", r.stderr);
    assert_eq!(before, t.dump());
    // --dry-run prints the same and exits 0.
    let dry = t.ok(&["apply", "--dry-run", path.to_str().unwrap()]);
    assert_eq!(dry, r.stdout);
    assert_eq!(before, t.dump());
}

#[test]
fn apply_reads_standard_input() {
    crate::file_only!(
        "an organization without members is a file's: on a server one starts with its owner (attacks.rs)"
    );
    let t = TestEnv::new();
    let r = run_with_stdin(&t, &["apply", "--yes", "-"], "[[org]]\nslug = \"acme\"\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "+ org acme\n1 to create, 0 to change, 0 to remove\n"
    );
    let r = run_with_stdin(&t, &["apply", "--yes", "-"], "[[org]]\nslug = \"ACME\"\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: <stdin>:2:1: invalid organization name `ACME`"),
        "{}",
        r.stderr
    );
}

#[test]
fn apply_reads_the_json_export_too() {
    let t = acme_logins();
    let json = t.ok(&["export", "-o", "json"]);
    let u = TestEnv::new();
    let r = run_with_stdin(&u, &["apply", "--yes", "-"], &json);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        u.ok(&["export", "--all", "--as", "ana@acme.dev"]),
        acme_with_logins()
    );
}

/// `proj export --all | proj --db OTHER apply --yes -`, as the README shows it: from a file
/// to another file, or from a server to a file (the logins come along).
#[test]
fn the_layout_moves_to_another_file() {
    let t = acme();
    t.ok(&["env", "archive", "preview", "-p", "shop"]);
    t.ok(&["env", "protect", "staging", "-p", "shop"]);
    let there = TestEnv::on_file();
    let other = there.db.clone();
    let script = format!(
        "proj export --all | proj --db {} apply --yes -",
        other.display()
    );
    let bin = assert_cmd::cargo::cargo_bin("proj");
    let moved = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .envs(t.std_cmd().get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(
        moved.status.success(),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    let here = t.ok(&["export", "--all"]);
    assert_eq!(here, there.ok(&["export", "--all", "--as", "ana@acme.dev"]));
    // Applying it there again changes nothing.
    let path = file(&t, "here.toml", &here);
    assert_eq!(
        there.ok(&["apply", "--as", "ana@acme.dev", path.to_str().unwrap()]),
        "no changes\n"
    );
}

/// Test-side mirror of `apply --json`: unknown fields refused, so the shape cannot drift.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanJson {
    changes: Vec<ChangeJson>,
    summary: SummaryJson,
    applied: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeJson {
    op: String,
    entity: String,
    target: String,
    event: String,
    org: String,
    project: Option<String>,
    environment: Option<String>,
    resource: Option<String>,
    member: Option<String>,
    team: Option<String>,
    note: Option<String>,
    fields: Vec<FieldJson>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct FieldJson {
    field: String,
    from: serde_json::Value,
    to: serde_json::Value,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct SummaryJson {
    create: usize,
    update: usize,
    remove: usize,
    kept: usize,
}

#[test]
fn json_gives_the_plan_as_data() {
    let t = acme();
    let text = ACME
        .replace("slug = \"staging\"", "slug = \"staging\"\nprotected = true")
        .replace("slug = \"preview\"", "slug = \"demo\"");
    let path = file(&t, "next.toml", &text);
    let dry: PlanJson =
        serde_json::from_str(&t.ok(&["apply", "--dry-run", "--json", path.to_str().unwrap()]))
            .unwrap();
    assert!(!dry.applied);
    assert_eq!(
        dry.summary,
        SummaryJson {
            create: 1,
            update: 1,
            remove: 0,
            kept: 1
        }
    );
    let protect = &dry.changes[0];
    assert_eq!(
        (
            protect.op.as_str(),
            protect.entity.as_str(),
            protect.event.as_str()
        ),
        ("update", "env", "env.protect")
    );
    assert_eq!(protect.target, "acme/shop/staging");
    assert_eq!(
        (
            protect.org.as_str(),
            protect.project.as_deref(),
            protect.environment.as_deref()
        ),
        ("acme", Some("shop"), Some("staging"))
    );
    assert_eq!(
        protect.fields,
        [FieldJson {
            field: "protected".into(),
            from: false.into(),
            to: true.into()
        }]
    );
    let demo = &dry.changes[1];
    assert_eq!(
        (demo.op.as_str(), demo.event.as_str()),
        ("create", "env.add")
    );
    assert_eq!(demo.note.as_deref(), Some("custom"));
    let fields: Vec<&str> = demo.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "display_name",
            "kind",
            "description",
            "protected",
            "archived"
        ]
    );
    assert!(demo.resource.is_none() && demo.member.is_none() && demo.team.is_none());
    let applied: PlanJson =
        serde_json::from_str(&t.ok(&["apply", "--yes", "--json", path.to_str().unwrap()])).unwrap();
    assert!(applied.applied);
    assert_eq!(applied.changes.len(), 2);
    let again: PlanJson =
        serde_json::from_str(&t.ok(&["apply", "--json", path.to_str().unwrap()])).unwrap();
    assert!(again.changes.is_empty() && !again.applied);
}

/// On a terminal: the plan in color, then the question; `n` applies nothing, `y` applies it.
#[cfg(unix)]
#[test]
fn on_a_terminal_the_plan_is_colored_and_asked_about() {
    use expectrl::{Eof, Expect, Session};
    let t = acme();
    let text = ACME.replace("slug = \"preview\"", "slug = \"demo\"");
    let path = file(&t, "next.toml", &text);
    let spawn = |color: bool| {
        let mut cmd = t.std_cmd();
        cmd.args(["apply", path.to_str().unwrap()])
            .env("TERM", "xterm");
        if color {
            cmd.env_remove("NO_COLOR");
        }
        let mut s = Session::spawn(cmd).expect("spawn proj on a pty");
        s.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
        s
    };
    let before = t.dump();
    let mut s = spawn(true);
    let shown = s.expect("to create").expect("the plan");
    let shown = String::from_utf8_lossy(shown.before()).into_owned();
    assert!(
        shown.contains("\x1b[32m+ env acme/shop/demo (custom)\x1b[0m"),
        "{shown:?}"
    );
    s.expect("apply 1 change to").expect("the question");
    s.send("n\r").unwrap();
    let rest = s.expect(Eof).expect("end");
    let rest = String::from_utf8_lossy(rest.as_bytes()).into_owned();
    assert!(rest.contains("nothing was changed"), "{rest}");
    assert_eq!(before, t.dump());

    let mut s = spawn(false);
    s.expect("apply 1 change to").expect("the question");
    s.send("y\r").unwrap();
    let rest = s.expect(Eof).expect("end");
    let rest = String::from_utf8_lossy(rest.as_bytes()).into_owned();
    assert!(rest.contains("applied 1 change"), "{rest}");
    assert!(!rest.contains("\x1b[3"), "{rest:?}");
    assert_eq!(t.ok(&["apply", path.to_str().unwrap()]), "no changes\n");
}

#[test]
fn logins_travel_in_a_layout_file_and_change_like_any_member_key() {
    // Logins named after the emails, as the harness names the logins tests act as on a server.
    let t = TestEnv::new();
    apply(
        &t,
        "[[org]]\nslug = \"acme\"\n\n[[org.member]]\nemail = \"ana@acme.dev\"\nrole = \"owner\"\nlogin = \"ana@acme.dev\"\n\n[[org.member]]\nemail = \"bo@acme.dev\"\n",
        &[],
    );
    let ana = t.json(&[
        "member",
        "show",
        "ana@acme.dev",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    assert_eq!(ana["login"], "ana@acme.dev");
    let bo = t.json(&[
        "member",
        "show",
        "bo@acme.dev",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    assert_eq!(bo.get("login"), None, "{bo}");
    let exported = t.ok(&["export", "--org", "acme", "--as", "ana@acme.dev"]);
    assert!(exported.contains("login = \"ana@acme.dev\""), "{exported}");
    // A login the file gives a member sets it; one it leaves out is kept; empty clears it.
    let plan = plan_of(
        &t,
        "[[org]]\nslug = \"acme\"\n\n[[org.member]]\nemail = \"ana@acme.dev\"\nrole = \"owner\"\n\n[[org.member]]\nemail = \"bo@acme.dev\"\nlogin = \"bo@acme.dev\"\n",
        &["--as", "ana@acme.dev"],
    );
    assert!(plan.contains("login"), "{plan}");
    assert!(
        !plan.contains("member ana@acme.dev"),
        "ana's login is kept: {plan}"
    );
    let plan = plan_of(
        &t,
        "[[org]]\nslug = \"acme\"\n\n[[org.member]]\nemail = \"ana@acme.dev\"\nrole = \"owner\"\nlogin = \"\"\n\n[[org.member]]\nemail = \"bo@acme.dev\"\n",
        &["--as", "ana@acme.dev"],
    );
    assert!(
        plan.contains("member ana@acme.dev"),
        "an empty login clears it: {plan}"
    );
}

#[test]
fn the_note_on_what_stays_names_it() {
    let t = acme();
    t.ok(&["project", "add", "web", "--org", "acme"]);
    // The file names acme with only its first project: web and the members stay.
    let path = file(
        &t,
        "part.toml",
        "[[org]]\nslug = \"acme\"\n\n[[org.member]]\nemail = \"ana@acme.dev\"\nrole = \"owner\"\n",
    );
    let r = t.run(&["apply", "--dry-run", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let note = r.stderr.lines().find(|l| l.starts_with("note:")).unwrap();
    assert!(note.contains("(--prune removes them): "), "{note}");
    for thing in [
        "project acme/web",
        "project acme/shop",
        "member bo@acme.dev in acme",
        "team backend in acme",
    ] {
        assert!(note.contains(thing), "{note}");
    }
}

/// The first apply on a file leaves its applier as the first `proj init` does: the one owner
/// the file names becomes the saved identity, with the selection; with several owners
/// nothing is guessed and the note says exactly what to type.
#[test]
fn the_first_apply_leaves_its_applier_able_to_see_what_it_made() {
    crate::file_only!("a file's saved identity; on a server the login is the identity");
    let t = TestEnv::new();
    let path = file(&t, "acme.toml", ACME);
    let r = t.run(&["apply", "--yes", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("you are now ana@acme.dev"),
        "{}",
        r.stderr
    );
    let orgs = t.json(&["org", "list"]);
    assert_eq!(orgs[0]["slug"], "acme", "{orgs}");
    assert_eq!(t.ok(&["export"]), ACME);
    assert_eq!(t.json(&["whoami"])["identity"], "ana@acme.dev");

    // Two owners: nobody is picked; the note names the way in.
    let t = TestEnv::new();
    let two = ACME.replacen("role = \"member\"", "role = \"owner\"", 1);
    let path = file(&t, "two.toml", &two);
    let r = t.run(&["apply", "--yes", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: no identity is saved in this file"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`proj --as ana@acme.dev …`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`proj init --yes --user ana@acme.dev --org ORG --project PROJECT`"),
        "{}",
        r.stderr
    );
    assert_ne!(t.json(&["whoami"])["identity"], "ana@acme.dev");
    let orgs = t.json(&["org", "list", "--as", "ana@acme.dev"]);
    assert_eq!(orgs[0]["slug"], "acme", "{orgs}");
    // A later apply is not a first one: nothing more is said or saved.
    let r = t.run(&[
        "apply",
        "--yes",
        path.to_str().unwrap(),
        "--as",
        "ana@acme.dev",
    ]);
    assert!(!r.stderr.contains("identity"), "{}", r.stderr);
}
