//! Teams (CONTRACT.md, "Teams"): the commands, their JSON shapes, the role rule through the
//! real binary, visibility, audit, restore, clone, doctor and the schema upgrade.

use crate::support::{NOW, TestEnv};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Team {
    org: String,
    slug: String,
    display_name: Option<String>,
    description: Option<String>,
    members: Vec<String>,
    grants: Vec<TeamGrant>,
    created_at: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct TeamGrant {
    project: String,
    environment: Option<String>,
    role: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Grant {
    org: String,
    project: String,
    environment: Option<String>,
    team: String,
    role: String,
    created_at: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Check {
    email: String,
    action: String,
    target: String,
    allowed: bool,
    visible: bool,
    rule: String,
    reason: String,
    via: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Event {
    id: i64,
    actor: String,
    action: String,
    target: String,
}

/// acme/shop (staging, production) and acme/site (production); ana the owner (the saved
/// identity), bo and cy members without grants of their own, and team `backend` (bo, cy).
fn acme() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "-p", "acme/shop"]);
    t.ok(&["project", "add", "site", "--org", "acme"]);
    t.ok(&["member", "add", "ana@acme.dev", "--org", "acme"]);
    t.ok(&["member", "add", "bo@acme.dev", "--org", "acme"]);
    t.ok(&["member", "add", "cy@acme.dev", "--org", "acme"]);
    t.ok(&[
        "team",
        "add",
        "backend",
        "--display-name",
        "Backend",
        "--description",
        "API and workers",
        "--org",
        "acme",
    ]);
    t.ok(&[
        "team",
        "join",
        "backend",
        "bo@acme.dev",
        "cy@acme.dev",
        "--org",
        "acme",
    ]);
    t
}

fn events(t: &TestEnv) -> Vec<Event> {
    t.json_as(&["log", "--limit", "100"])
}

#[test]
fn team_commands_print_their_shapes() {
    let t = acme();
    let team: Team = t.json_as(&["team", "show", "backend"]);
    assert_eq!(
        team,
        Team {
            org: "acme".into(),
            slug: "backend".into(),
            display_name: Some("Backend".into()),
            description: Some("API and workers".into()),
            members: vec!["bo@acme.dev".into(), "cy@acme.dev".into()],
            grants: vec![],
            created_at: NOW.into(),
        }
    );
    let g: Grant = t.json_as(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "developer",
    ]);
    assert_eq!(
        g,
        Grant {
            org: "acme".into(),
            project: "shop".into(),
            environment: Some("staging".into()),
            team: "backend".into(),
            role: "developer".into(),
            created_at: NOW.into(),
        }
    );
    let list: Vec<Team> = t.json_as(&["team", "list"]);
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].grants,
        [TeamGrant {
            project: "shop".into(),
            environment: Some("staging".into()),
            role: "developer".into()
        }]
    );
    assert_eq!(
        t.ok(&["team", "ls", "-o", "plain"]),
        "backend\tBackend\tbo@acme.dev,cy@acme.dev\n"
    );
    let table = t.ok(&["team", "show", "backend"]);
    assert!(table.contains("shop/staging: developer"), "{table}");
    // --quiet prints nothing, the aliases work, renames change what they are given.
    assert_eq!(t.ok(&["team", "create", "web", "-q"]), "");
    let web: Team = t.json_as(&["team", "rename", "web", "frontend", "--description", "UI"]);
    assert_eq!(
        (web.slug.as_str(), web.description.as_deref()),
        ("frontend", Some("UI"))
    );
    let r = t.run(&["team", "rename", "frontend", "--description", "UI"]);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert_eq!(t.ok(&["team", "rm", "frontend", "-q"]), "");
    // Revoke prints the grant it took back.
    let g: Grant = t.json_as(&[
        "team",
        "revoke",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
    ]);
    assert_eq!(g.role, "developer");
}

#[test]
fn team_commands_exit_with_the_contract_codes() {
    let t = acme();
    // Usage: invalid names, nothing to change, a role that does not exist.
    let e = t.fails(&["team", "add", "Back End"], 2);
    assert!(e.contains("invalid team name"), "{e}");
    assert!(e.contains("back-end"), "{e}");
    t.fails(&["team", "rename", "backend"], 2);
    t.fails(
        &[
            "team",
            "grant",
            "backend",
            "-p",
            "acme/shop",
            "--role",
            "boss",
        ],
        2,
    );
    t.fails(&["team", "join", "backend"], 2);
    // Not found: teams, members, grants, membership.
    let e = t.fails(&["team", "show", "nope"], 3);
    assert!(e.contains("available: backend"), "{e}");
    t.fails(&["team", "join", "backend", "zed@acme.dev"], 3);
    t.fails(&["team", "leave", "backend", "ana@acme.dev"], 3);
    t.fails(&["team", "revoke", "backend", "-p", "acme/shop"], 3);
    // Conflict: a taken slug; removing a team that holds members without --yes.
    t.fails(&["team", "add", "backend"], 4);
    t.ok(&["team", "add", "web"]);
    t.fails(&["team", "rename", "web", "backend"], 4);
    t.fails(&["team", "remove", "backend"], 4);
    // Permission: teams are managed by organization admins.
    for args in [
        &["team", "add", "ops"][..],
        &["team", "rename", "backend", "--display-name", "B"],
        &["team", "join", "backend", "ana@acme.dev"],
        &["team", "leave", "backend", "cy@acme.dev"],
        &["team", "remove", "web", "--yes"],
        &[
            "team",
            "grant",
            "backend",
            "-p",
            "acme/shop",
            "--role",
            "admin",
        ],
    ] {
        let as_bo = [args, &["--as", "bo@acme.dev"]].concat();
        // The grant is on a project bo cannot see: not found, not denied.
        let code = if args[1] == "grant" { 3 } else { 5 };
        t.fails(&as_bo, code);
    }
    // A failed join changes nothing: the known email before the unknown one stays out.
    let before = t.dump();
    t.fails(&["team", "join", "web", "bo@acme.dev", "zed@acme.dev"], 3);
    assert_eq!(t.dump(), before);
    // Joining twice changes nothing and says so.
    let r = t.run(&["team", "join", "backend", "bo@acme.dev"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("already in team backend"), "{}", r.stderr);
    assert_eq!(t.dump(), before);
}

#[test]
fn a_member_granted_only_through_a_team_can_do_what_the_role_says() {
    let t = acme();
    let as_bo = ["--as", "bo@acme.dev"];
    let run = |args: &[&str]| t.run(&[args, &as_bo].concat()).code;
    // No grant anywhere: the project does not exist for bo.
    assert_eq!(run(&["env", "list", "-p", "acme/shop"]), 3);
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "developer",
    ]);
    // Developer on staging through the team: staging changes, production does not, and
    // project-level changes need a project role.
    assert_eq!(run(&["env", "list", "-p", "acme/shop"]), 0);
    assert_eq!(
        run(&[
            "resource",
            "add",
            "api",
            "--type",
            "app",
            "--env",
            "staging",
            "-p",
            "acme/shop"
        ]),
        0
    );
    assert_eq!(
        run(&[
            "env",
            "rename",
            "acme/shop/staging",
            "--display-name",
            "Stage"
        ]),
        0
    );
    assert_eq!(
        run(&[
            "resource",
            "add",
            "api",
            "--type",
            "app",
            "--env",
            "production",
            "-p",
            "acme/shop"
        ]),
        5
    );
    assert_eq!(run(&["env", "protect", "acme/shop/staging"]), 5);
    assert_eq!(run(&["env", "add", "qa", "-p", "acme/shop"]), 5);
    assert_eq!(
        run(&[
            "member",
            "grant",
            "ana@acme.dev",
            "-p",
            "acme/shop",
            "--role",
            "viewer"
        ]),
        5
    );
    // Teams give no organization role.
    assert_eq!(run(&["project", "add", "new", "--org", "acme"]), 5);
    assert_eq!(run(&["team", "add", "mine", "--org", "acme"]), 5);
    // The other project stays hidden.
    assert_eq!(run(&["env", "list", "-p", "acme/site"]), 3);
    // access check says the same, and names the team.
    let c: Check = t.json_as(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/staging",
    ]);
    assert_eq!(
        c,
        Check {
            email: "bo@acme.dev".into(),
            action: "env.update".into(),
            target: "acme/shop/staging".into(),
            allowed: true,
            visible: true,
            rule: "project-developer".into(),
            reason: "developer on acme/shop/staging via team backend (environment grant)".into(),
            via: Some("team:backend".into()),
        }
    );
    let text = t.ok(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/staging",
    ]);
    assert!(
        text.starts_with("allowed: developer on acme/shop/staging via team backend"),
        "{text}"
    );
}

#[test]
fn the_highest_role_of_any_holder_wins_and_is_named() {
    let t = acme();
    t.ok(&["team", "add", "ops"]);
    t.ok(&["team", "join", "ops", "bo@acme.dev"]);
    t.ok(&[
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    t.ok(&[
        "team",
        "grant",
        "ops",
        "-p",
        "acme/shop",
        "--env",
        "production",
        "--role",
        "admin",
    ]);
    let check = |action: &str, target: &str| -> Check {
        t.json_as(&["access", "check", "bo@acme.dev", action, target])
    };
    let c = check("env.update", "acme/shop/staging");
    assert_eq!((c.allowed, c.via.as_deref()), (true, Some("team:backend")));
    let c = check("env.protect", "acme/shop/production");
    assert_eq!((c.allowed, c.via.as_deref()), (true, Some("team:ops")));
    // ops's environment grant does not replace backend's project-wide role on the project.
    let c = check("project.update", "acme/shop");
    assert_eq!(
        (c.allowed, c.rule.as_str(), c.via.as_deref()),
        (false, "needs-project-admin", Some("team:backend"))
    );
    // A tie is named after the member's own grant.
    t.ok(&[
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    let c = check("env.update", "acme/shop/staging");
    assert_eq!(c.via.as_deref(), Some("member"));
    // Organization roles are the member's own.
    let c: Check = t.json_as(&["access", "check", "ana@acme.dev", "org.remove", "acme"]);
    assert_eq!(c.via.as_deref(), Some("member"));
    // No role decided: no via.
    let c = check("read", "acme/site");
    assert_eq!((c.visible, c.via), (false, None));
    // member show lists the teams and every effective role with its source.
    let m: serde_json::Value = t.json(&["member", "show", "bo@acme.dev"]);
    assert_eq!(m["teams"], serde_json::json!(["backend", "ops"]));
    assert_eq!(
        m["access"],
        serde_json::json!([
            {"project": "shop", "environment": "staging", "role": "developer", "via": "member"},
            {"project": "shop", "environment": "production", "role": "admin", "via": "team:ops"},
        ])
    );
    let table = t.ok(&["member", "show", "bo@acme.dev"]);
    assert!(
        table.contains("shop/production: admin (team ops)"),
        "{table}"
    );
}

#[test]
fn leaving_the_last_team_that_grants_a_project_hides_it() {
    let t = acme();
    t.ok(&["team", "add", "ops"]);
    t.ok(&["team", "join", "ops", "bo@acme.dev"]);
    for team in ["backend", "ops"] {
        t.ok(&["team", "grant", team, "-p", "acme/site", "--role", "viewer"]);
    }
    let visible = |t: &TestEnv| -> Vec<String> {
        let v = t.json(&["project", "list", "--org", "acme", "--as", "bo@acme.dev"]);
        crate::helpers::slugs(&v)
    };
    assert_eq!(visible(&t), ["site"]);
    t.ok(&["team", "leave", "backend", "bo@acme.dev"]);
    assert_eq!(visible(&t), ["site"]);
    t.ok(&["team", "leave", "ops", "bo@acme.dev"]);
    assert!(visible(&t).is_empty());
    t.fails(&["project", "show", "acme/site", "--as", "bo@acme.dev"], 3);
    // cy, still in backend, sees it.
    let v = t.json(&["project", "list", "--org", "acme", "--as", "cy@acme.dev"]);
    assert_eq!(crate::helpers::slugs(&v), ["site"]);
    // A team's grants on a project the viewer cannot see are left out of `team show`.
    t.ok(&[
        "team",
        "grant",
        "ops",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&["team", "join", "ops", "bo@acme.dev"]);
    t.ok(&["team", "revoke", "ops", "-p", "acme/site"]);
    t.ok(&["team", "revoke", "backend", "-p", "acme/site"]);
    let team: Team = t.json_as(&["team", "show", "ops", "--as", "cy@acme.dev"]);
    assert!(team.grants.is_empty(), "{:?}", team.grants);
}

#[test]
fn every_team_change_is_audited_under_its_own_name() {
    let t = acme();
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&["team", "rename", "backend", "--description", "APIs"]);
    t.ok(&["team", "leave", "backend", "cy@acme.dev"]);
    t.ok(&["team", "revoke", "backend", "-p", "acme/shop"]);
    t.ok(&["team", "remove", "backend", "--yes"]);
    let got: Vec<(String, String)> = events(&t)
        .into_iter()
        .filter(|e| e.action.starts_with("team."))
        .map(|e| (e.action, e.target))
        .rev()
        .collect();
    let want = [
        ("team.add", "team backend in acme"),
        ("team.join", "bo@acme.dev in team backend of acme"),
        ("team.join", "cy@acme.dev in team backend of acme"),
        ("team.grant", "team backend on acme/shop"),
        ("team.update", "team backend in acme"),
        ("team.leave", "cy@acme.dev in team backend of acme"),
        ("team.revoke", "team backend on acme/shop"),
        ("team.remove", "team backend in acme"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    assert!(
        events(&t)
            .iter()
            .filter(|e| e.action.starts_with("team."))
            .all(|e| e.actor == "ana@acme.dev")
    );
}

#[test]
fn a_removed_team_comes_back_with_its_members_and_grants() {
    let t = acme();
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/site",
        "--env",
        "production",
        "--role",
        "viewer",
    ]);
    let before: Team = t.json_as(&["team", "show", "backend"]);
    let r = t.run(&["team", "remove", "backend"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 member(s) and 2 grant(s)"),
        "{}",
        r.stderr
    );
    t.ok(&["team", "remove", "backend", "--yes"]);
    // The grants went in the same transaction.
    t.fails(
        &["env", "list", "-p", "acme/shop", "--as", "bo@acme.dev"],
        3,
    );
    let removal = events(&t)
        .into_iter()
        .find(|e| e.action == "team.remove")
        .unwrap();
    // Only who may create teams may bring one back.
    t.fails(
        &["restore", &removal.id.to_string(), "--as", "bo@acme.dev"],
        5,
    );
    let back: Team = t.json_as(&["restore", &removal.id.to_string()]);
    assert_eq!(back, before);
    t.ok(&["env", "list", "-p", "acme/shop", "--as", "bo@acme.dev"]);
    let restored = events(&t);
    assert_eq!(restored[0].action, "team.restore");
    // Twice is a conflict.
    t.fails(&["restore", &removal.id.to_string()], 4);
}

#[test]
fn restoring_a_team_leaves_out_grants_whose_project_is_gone() {
    let t = acme();
    t.ok(&["member", "role", "cy@acme.dev", "admin"]);
    t.ok(&["team", "add", "ops"]);
    t.ok(&[
        "team",
        "grant",
        "ops",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&["team", "remove", "ops", "--yes"]);
    let removal = events(&t)
        .into_iter()
        .find(|e| e.action == "team.remove")
        .unwrap()
        .id
        .to_string();
    // Grants whose project is gone are left out, and said so.
    t.ok(&["project", "remove", "acme/shop", "--yes"]);
    let r = t.run(&["restore", &removal, "--as", "cy@acme.dev"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("left out the grant of team ops on acme/shop: the project is gone"),
        "{}",
        r.stderr
    );
}

#[test]
fn project_and_environment_removals_take_team_grants_and_restore_brings_them_back() {
    let t = acme();
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "developer",
    ]);
    let grants = |t: &TestEnv| t.json_as::<Team>(&["team", "show", "backend"]).grants.len();
    assert_eq!(grants(&t), 2);
    t.ok(&["env", "remove", "acme/shop/staging", "--yes"]);
    assert_eq!(grants(&t), 1);
    let id = events(&t)[0].id.to_string();
    t.ok(&["restore", &id]);
    assert_eq!(grants(&t), 2);
    t.ok(&["project", "remove", "acme/shop", "--yes"]);
    assert_eq!(grants(&t), 0);
    let id = events(&t)[0].id.to_string();
    t.ok(&["restore", &id]);
    assert_eq!(grants(&t), 2);
    let c: Check = t.json_as(&[
        "access",
        "check",
        "bo@acme.dev",
        "resource.add",
        "acme/shop/staging",
    ]);
    assert_eq!((c.allowed, c.via.as_deref()), (true, Some("team:backend")));
    // A grant whose team is gone is left out.
    t.ok(&["project", "remove", "acme/shop", "--yes"]);
    let id = events(&t)[0].id.to_string();
    t.ok(&["team", "remove", "backend", "--yes"]);
    let r = t.run(&["restore", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("left out the grant of team backend on acme/shop: the team no longer exists"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_organization_comes_back_with_its_teams() {
    let t = acme();
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    let before: Team = t.json_as(&["team", "show", "backend"]);
    t.ok(&["org", "remove", "acme", "--yes"]);
    let id = events(&t)
        .into_iter()
        .find(|e| e.action == "org.remove")
        .unwrap()
        .id
        .to_string();
    t.ok(&["restore", &id]);
    let after: Team = t.json_as(&["team", "show", "backend", "--org", "acme"]);
    assert_eq!(after, before);
}

#[test]
fn removing_a_member_takes_their_memberships_and_records_them() {
    let t = acme();
    t.ok(&["member", "remove", "cy@acme.dev"]);
    let team: Team = t.json_as(&["team", "show", "backend"]);
    assert_eq!(team.members, ["bo@acme.dev"]);
    let log: serde_json::Value = t.json(&["log", "--limit", "1"]);
    assert_eq!(log[0]["action"], "member.remove");
    assert_eq!(
        log[0]["before"]["teams"],
        serde_json::json!([{"team": "backend", "joined_at": NOW}])
    );
}

#[test]
fn a_removed_member_comes_back_with_their_grants_and_teams() {
    let t = acme();
    t.ok(&["team", "add", "ops"]);
    t.ok(&["team", "join", "ops", "cy@acme.dev"]);
    t.ok(&[
        "member",
        "grant",
        "cy@acme.dev",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "admin",
    ]);
    let before: serde_json::Value = t.json(&["member", "show", "cy@acme.dev"]);
    t.ok(&["member", "remove", "cy@acme.dev"]);
    let id = events(&t)[0].id.to_string();
    // Bringing someone back is adding them: members may not.
    t.fails(&["restore", &id, "--as", "bo@acme.dev"], 5);
    t.ok(&["team", "remove", "ops", "--yes"]);
    let r = t.run(&["restore", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("left out cy@acme.dev from team ops: the team no longer exists"),
        "{}",
        r.stderr
    );
    let after: serde_json::Value = t.json(&["member", "show", "cy@acme.dev"]);
    assert_eq!(after["grants"], before["grants"]);
    assert_eq!(after["teams"], serde_json::json!(["backend"]));
    assert_eq!(events(&t)[0].action, "member.restore");
    t.fails(&["restore", &id], 4);
}

#[test]
fn clone_with_access_copies_team_grants() {
    let t = acme();
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "developer",
    ]);
    t.ok(&[
        "member",
        "grant",
        "cy@acme.dev",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "admin",
    ]);
    t.ok(&["env", "clone", "acme/shop/staging", "qa"]);
    let c: Check = t.json_as(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/qa",
    ]);
    assert_eq!((c.allowed, c.rule.as_str()), (false, "no-project-role"));
    t.ok(&["env", "clone", "acme/shop/staging", "uat", "--with-access"]);
    let c: Check = t.json_as(&[
        "access",
        "check",
        "bo@acme.dev",
        "env.update",
        "acme/shop/uat",
    ]);
    assert_eq!((c.allowed, c.via.as_deref()), (true, Some("team:backend")));
    let c: Check = t.json_as(&[
        "access",
        "check",
        "cy@acme.dev",
        "env.protect",
        "acme/shop/uat",
    ]);
    assert_eq!((c.allowed, c.via.as_deref()), (true, Some("member")));
    let team: Team = t.json_as(&["team", "show", "backend"]);
    let envs: Vec<_> = team
        .grants
        .iter()
        .map(|g| g.environment.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(envs, ["staging", "uat"]);
}

#[test]
fn doctor_counts_team_grants_and_has_team_advice() {
    let t = acme();
    // The report whatever the health: on a server the harness's database keeps PostgreSQL's
    // default privileges, which doctor fails (team_mode.rs); advice is this test's point.
    let report = |t: &TestEnv| -> serde_json::Value {
        let r = t.run(&["doctor", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(
            r.code,
            if v["healthy"] == true { 0 } else { 1 },
            "{}",
            r.stderr
        );
        v
    };
    let advice = |t: &TestEnv, id: &str| -> Vec<String> {
        let r = report(t);
        r["advice"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["id"] == id)
            .map(|a| a["reason"].as_str().unwrap().to_string())
            .collect()
    };
    // A team on one environment only: the environments reach different holders.
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "developer",
    ]);
    let a = advice(&t, "split-access-boundaries");
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        a[0].contains("team backend: developer staging, none production"),
        "{}",
        a[0]
    );
    assert!(advice(&t, "team-spans-every-project").is_empty());
    // A team on every project of the organization.
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/site",
        "--role",
        "viewer",
    ]);
    let a = advice(&t, "team-spans-every-project");
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        a[0].contains("team backend holds grants on every project (shop, site)"),
        "{}",
        a[0]
    );
    // A team with grants and nobody in it.
    assert!(advice(&t, "team-without-members").is_empty());
    t.ok(&["team", "leave", "backend", "bo@acme.dev", "cy@acme.dev"]);
    let a = advice(&t, "team-without-members");
    assert_eq!(a.len(), 1, "{a:?}");
    // Advice never fails the command: the exit code follows the checks alone.
    report(&t);
}

#[test]
fn a_schema_v2_file_upgrades_and_takes_teams() {
    crate::file_only!("a fixture of file schema 2");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v2.db"),
        &t.db,
    )
    .unwrap();
    let as_ana = ["--as", "ana@acme.dev", "--org", "acme"];
    fn with<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [args, extra].concat()
    }
    // What v2 held is still there: grants kept their ids, holders and roles.
    let bo = t.json(&with(&["member", "show", "Bo@Acme.dev"], &as_ana));
    assert_eq!(
        bo["grants"],
        serde_json::json!([
            {"project": "shop", "environment": null, "role": "developer"},
            {"project": "shop", "environment": "production", "role": "viewer"},
        ])
    );
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, proj::store::migrate::LATEST);
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM grants WHERE team_id IS NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, [1, 2]);
    let check: String = conn
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .unwrap_or_else(|_| "ok".into());
    assert_eq!(check, "ok");
    drop(conn);
    // Teams work on the upgraded file.
    t.ok(&with(&["team", "add", "backend"], &as_ana));
    t.ok(&with(&["team", "join", "backend", "cy@acme.dev"], &as_ana));
    t.ok(&with(
        &[
            "team",
            "grant",
            "backend",
            "-p",
            "shop",
            "--role",
            "developer",
        ],
        &as_ana,
    ));
    let c: Check = t.json_as(&with(
        &[
            "access",
            "check",
            "cy@acme.dev",
            "resource.add",
            "acme/shop/staging",
        ],
        &as_ana,
    ));
    assert_eq!((c.allowed, c.via.as_deref()), (true, Some("team:backend")));
    // The database refuses a grant with two holders, or none.
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    for holders in ["2, 1", "NULL, NULL"] {
        let sql = format!(
            "INSERT INTO grants (member_id, team_id, project_id, role, created_at)
             VALUES ({holders}, 1, 'viewer', 'x')"
        );
        assert!(conn.execute_batch(&sql).is_err(), "{holders}");
    }
}

#[test]
fn tree_access_shows_who_holds_what_per_environment() {
    let t = acme();
    t.ok(&[
        "member",
        "grant",
        "cy@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&[
        "team",
        "grant",
        "backend",
        "-p",
        "acme/shop",
        "--env",
        "staging",
        "--role",
        "developer",
    ]);
    let drawn = t.ok(&["tree", "--access", "-p", "acme/shop"]);
    let want = "\
acme
└── shop
    ├── staging                (staging)
    │   └── access
    │       ├── cy@acme.dev    viewer
    │       └── team backend   developer (bo@acme.dev, cy@acme.dev)
    └── production             (production, protected)
        └── access
            └── cy@acme.dev    viewer
";
    assert_eq!(drawn, want);
    assert_eq!(
        t.ok(&["tree", "--access", "-p", "acme/shop", "-o", "plain"]),
        "acme\tshop\tstaging\tcy@acme.dev\tviewer\n\
         acme\tshop\tstaging\tteam backend\tdeveloper\n\
         acme\tshop\tproduction\tcy@acme.dev\tviewer\n"
    );
    let v = t.json(&["tree", "--access", "-p", "acme/shop"]);
    assert_eq!(
        v[0]["projects"][0]["environments"][0]["access"],
        serde_json::json!([
            {"member": "cy@acme.dev", "role": "viewer"},
            {"team": "backend", "members": ["bo@acme.dev", "cy@acme.dev"], "role": "developer"},
        ])
    );
    // Without --access the tree is as it was.
    let v = t.json(&["tree", "-p", "acme/shop"]);
    assert!(
        v[0]["projects"][0]["environments"][0]
            .get("access")
            .is_none()
    );
}

#[test]
fn team_text_refuses_control_characters_and_emails_compare_without_case() {
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", "ana@acme.dev", "--org", "acme"]);
    t.ok(&["member", "add", "bo@acme.dev", "--org", "acme"]);
    t.fails(
        &["team", "add", "backend", "--display-name", "\u{1b}[31mRED"],
        2,
    );
    t.ok(&["team", "add", "backend"]);
    t.fails(
        &["team", "rename", "backend", "--description", "a\u{7}b"],
        2,
    );
    t.ok(&["team", "join", "backend", "Bo@Acme.DEV"]);
    let team = t.json(&["team", "show", "backend"]);
    assert_eq!(team["members"], serde_json::json!(["bo@acme.dev"]));
    t.ok(&["team", "leave", "backend", "BO@acme.dev"]);
}
