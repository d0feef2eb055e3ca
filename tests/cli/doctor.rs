//! `proj doctor`: file health (exit 1 when unhealthy) and each layout rule, firing or not.

use crate::resource::{grant, member, sql};
use crate::support::TestEnv;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    db: String,
    healthy: bool,
    checks: Vec<Check>,
    advice: Vec<Advice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Check {
    id: String,
    status: String,
    detail: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advice {
    id: String,
    severity: String,
    target: String,
    reason: String,
}

fn report(t: &TestEnv) -> Report {
    doctor(t, &["doctor"])
}

/// `proj doctor ARGS --json`: the report, whatever the health. Advice never fails the
/// command: it exits 0 exactly when every check passes. A fresh file passes them all; on a
/// server the harness's database keeps PostgreSQL's default privileges, which doctor fails
/// (team_mode.rs tests the server's checks), so there only the advice is these tests' point.
#[track_caller]
fn doctor(t: &TestEnv, args: &[&str]) -> Report {
    let mut all = args.to_vec();
    all.push("--json");
    let r = t.run(&all);
    let rep: Report = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("proj {all:?}: {e}: {}{}", r.stdout, r.stderr));
    assert_eq!(r.code, if rep.healthy { 0 } else { 1 }, "{}", r.stderr);
    if !crate::support::on_postgres() {
        assert!(rep.healthy, "{:?}", rep.checks);
    }
    rep
}

fn fired(t: &TestEnv, id: &str) -> Vec<Advice> {
    report(t)
        .advice
        .into_iter()
        .filter(|a| a.id == id)
        .collect()
}

#[test]
fn a_fresh_file_is_healthy_and_needs_no_advice() {
    crate::file_only!("the file's checks (a server's: team_mode::doctor_reports_the_server)");
    let t = TestEnv::with_shop();
    let r = report(&t);
    assert!(r.healthy);
    assert_eq!(r.db, t.db.display().to_string());
    let ids: Vec<_> = r.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "quick-check",
            "foreign-keys",
            "schema",
            "journal-mode",
            "file-mode",
            "directory-mode"
        ]
    );
    assert!(r.checks.iter().all(|c| c.status == "ok"), "{:?}", r.checks);
    assert_eq!(r.checks[4].detail, "0600");
    assert!(r.advice.is_empty(), "{:?}", r.advice);
    let human = t.ok(&["doctor"]);
    assert!(human.contains("ok    quick-check"), "{human}");
    assert!(human.contains("advice\n  none"), "{human}");
}

#[cfg(unix)]
#[test]
fn a_file_others_can_read_is_unhealthy() {
    crate::file_only!("the file's mode");
    use std::os::unix::fs::PermissionsExt;
    let t = TestEnv::with_shop();
    std::fs::set_permissions(&t.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = t.run(&["doctor", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep: Report = serde_json::from_str(&r.stdout).unwrap();
    assert!(!rep.healthy);
    let fm = rep.checks.iter().find(|c| c.id == "file-mode").unwrap();
    assert_eq!(fm.status, "fail");
    assert!(r.stderr.contains("file-mode"), "{}", r.stderr);
    // A shared directory only warns.
    std::fs::set_permissions(&t.db, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(
        t.db.parent().unwrap(),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let rep = report(&t);
    assert!(rep.healthy);
    assert_eq!(
        rep.checks
            .iter()
            .find(|c| c.id == "directory-mode")
            .unwrap()
            .status,
        "warn"
    );
}

#[test]
fn a_broken_reference_is_unhealthy() {
    crate::file_only!(
        "a broken reference only a file without foreign keys can hold (PostgreSQL enforces them)"
    );
    let t = TestEnv::with_shop();
    sql(
        &t,
        "PRAGMA foreign_keys = OFF;
         INSERT INTO resources (environment_id, slug, type, created_at) VALUES (999, 'ghost', 'app', 'x');",
    );
    let r = t.run(&["doctor"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("fail  foreign-keys"), "{}", r.stdout);
    assert!(r.stdout.contains("resources row"), "{}", r.stdout);
}

#[test]
fn no_production_fires_only_without_one() {
    let t = TestEnv::with_shop();
    t.ok(&[
        "project", "add", "blog", "--org", "acme", "--env", "staging",
    ]);
    let a = fired(&t, "no-production");
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].target.as_str(), a[0].severity.as_str()),
        ("acme/blog", "warning")
    );
    t.ok(&["env", "add", "prod", "-p", "acme/blog"]);
    assert!(fired(&t, "no-production").is_empty());
}

#[test]
fn too_many_environments_fires_past_four() {
    let t = TestEnv::with_shop();
    for e in ["dev", "staging", "stg2"] {
        t.ok(&["env", "add", e, "--kind", "staging", "-p", "acme/shop"]);
    }
    assert!(fired(&t, "too-many-environments").is_empty());
    t.ok(&["env", "add", "stg3", "--kind", "staging", "-p", "acme/shop"]);
    let a = fired(&t, "too-many-environments");
    assert_eq!(a.len(), 1);
    assert!(
        a[0].reason
            .contains("too many environments inside one project too early"),
        "{}",
        a[0].reason
    );
    t.ok(&["env", "archive", "stg3", "-p", "acme/shop"]);
    assert!(fired(&t, "too-many-environments").is_empty());
}

#[test]
fn empty_custom_environments_fire_until_they_hold_something() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "demo", "-p", "acme/shop"]);
    let a = fired(&t, "empty-custom-environments");
    assert_eq!(a.len(), 1);
    assert!(a[0].reason.contains("demo"), "{}", a[0].reason);
    t.ok(&[
        "resource",
        "add",
        "api",
        "-t",
        "app",
        "-e",
        "demo",
        "-p",
        "acme/shop",
    ]);
    // No advice left, and the exit code follows the checks alone (see `doctor`).
    assert!(report(&t).advice.is_empty());
}

#[test]
fn diverging_grants_suggest_a_split() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    member(&t, "acme", "ana@acme.dev", "owner");
    member(&t, "acme", "bo@acme.dev", "member");
    member(&t, "acme", "cy@acme.dev", "member");
    grant(&t, "acme/shop", "bo@acme.dev", "developer");
    let as_ana = ["doctor", "--as", "ana@acme.dev"];
    let advice = |t: &TestEnv| -> Vec<Advice> {
        doctor(t, &as_ana)
            .advice
            .into_iter()
            .filter(|a| a.id == "split-access-boundaries")
            .collect()
    };
    assert!(advice(&t).is_empty());
    grant(&t, "acme/shop/production", "bo@acme.dev", "viewer");
    let a = advice(&t);
    assert_eq!((a.len(), a[0].severity.as_str()), (1, "info"));
    grant(&t, "acme/shop/staging", "cy@acme.dev", "developer");
    let a = advice(&t);
    assert_eq!(
        (a[0].severity.as_str(), a[0].target.as_str()),
        ("warning", "acme/shop")
    );
    assert!(
        a[0].reason
            .contains("cy@acme.dev: developer staging, none production"),
        "{}",
        a[0].reason
    );
    // Advice never fails the command: `doctor` asserts the exit code follows the checks.
    assert!(!doctor(&t, &as_ana).advice.is_empty());
}

#[test]
fn projects_sharing_people_and_roles_may_be_one_product() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "blog", "--org", "acme"]);
    member(&t, "acme", "ana@acme.dev", "owner");
    member(&t, "acme", "bo@acme.dev", "member");
    grant(&t, "acme/shop", "bo@acme.dev", "developer");
    grant(&t, "acme/blog", "bo@acme.dev", "developer");
    let as_ana = ["doctor", "--as", "ana@acme.dev"];
    let a: Vec<_> = doctor(&t, &as_ana)
        .advice
        .into_iter()
        .filter(|a| a.id == "maybe-one-product")
        .collect();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (a[0].severity.as_str(), a[0].target.as_str()),
        ("info", "acme")
    );
    assert!(a[0].reason.contains("blog, shop"), "{}", a[0].reason);
    sql(
        &t,
        "UPDATE grants SET role = 'admin' WHERE project_id = (SELECT id FROM projects WHERE slug = 'blog')",
    );
    let a: Vec<_> = doctor(&t, &as_ana)
        .advice
        .into_iter()
        .filter(|a| a.id == "maybe-one-product")
        .collect();
    assert!(a.is_empty(), "{a:?}");
}

#[test]
fn a_solo_organization_is_not_told_to_merge() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "blog", "--org", "acme"]);
    assert!(fired(&t, "maybe-one-product").is_empty());
}

#[test]
fn a_member_holds_there_what_their_team_gives() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    member(&t, "acme", "ana@acme.dev", "owner");
    member(&t, "acme", "bo@acme.dev", "member");
    grant(&t, "acme/shop/staging", "bo@acme.dev", "developer");
    t.ok(&[
        "team",
        "add",
        "backend",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    t.ok(&[
        "team",
        "join",
        "backend",
        "bo@acme.dev",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
        "--as",
        "ana@acme.dev",
    ]);
    let r: Report = doctor(&t, &["doctor", "--as", "ana@acme.dev"]);
    let a: Vec<&Advice> = r
        .advice
        .iter()
        .filter(|a| a.id == "split-access-boundaries")
        .collect();
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        a[0].reason
            .contains("bo@acme.dev: developer staging, viewer production"),
        "{}",
        a[0].reason
    );
}

#[test]
fn one_advice_line_stays_short_on_a_big_project() {
    let t = TestEnv::with_shop();
    let mut layout = String::from("[[org]]\nslug = \"acme\"\n\n[[org.project]]\nslug = \"shop\"\n");
    layout.push_str("\n[[org.project.env]]\nslug = \"production\"\n");
    for i in 0..300 {
        layout.push_str(&format!("\n[[org.project.env]]\nslug = \"qa-{i:03}\"\n"));
    }
    let path = t.path().join("big.toml");
    std::fs::write(&path, layout).unwrap();
    t.ok(&["apply", "--yes", path.to_str().unwrap()]);
    let empty = fired(&t, "empty-custom-environments");
    assert_eq!(empty.len(), 1);
    assert!(
        empty[0]
            .reason
            .contains("qa-000, qa-001, qa-002, qa-003, qa-004 and 295 more;"),
        "{}",
        empty[0].reason
    );
    let text = t.run(&["doctor"]).stdout;
    assert!(
        text.lines()
            .filter(|l| l.contains("qa-"))
            .all(|l| l.len() < 400),
        "{text}"
    );
}
