//! The audit log: every mutation appends one event with actor, action, target and
//! before/after, in the same transaction; `proj log` shows them.

use crate::helpers::{events, fails_unchanged, ok_env};
use crate::json::Event;
use crate::support::{NOW, TestEnv};
use serde_json::Value;

/// The newest event.
fn last(t: &TestEnv) -> Value {
    events(t).into_iter().next().expect("an event")
}

/// Asserts the newest event, and that the command added exactly one.
#[track_caller]
fn records(t: &TestEnv, args: &[&str], action: &str, target: &str) -> Value {
    let n = events(t).len();
    t.ok(args);
    let all = events(t);
    assert_eq!(all.len(), n + 1, "{args:?} wrote {} events", all.len() - n);
    let e = all[0].clone();
    assert_eq!(e["action"], action, "{args:?}");
    assert_eq!(e["target"], target, "{args:?}");
    // On a server the harness makes an organization without members as the schema's owner
    // (see support.rs): that login is the actor of its `org.add`.
    let actor = if crate::support::on_postgres() && args[..2] == ["org", "add"] {
        crate::support::SCHEMA_OWNER
    } else {
        "tester"
    };
    assert_eq!(e["actor"], actor, "{args:?}");
    assert_eq!(e["at"], NOW, "{args:?}");
    e
}

#[test]
fn every_mutation_writes_one_event() {
    let t = TestEnv::new();
    let e = records(&t, &["org", "add", "acme"], "org.add", "acme");
    assert!(e["before"].is_null());
    assert_eq!(e["after"]["slug"], "acme");

    let e = records(
        &t,
        &["org", "rename", "acme", "acme2"],
        "org.update",
        "acme2",
    );
    assert_eq!(e["before"]["slug"], "acme");
    assert_eq!(e["after"]["slug"], "acme2");

    let e = records(&t, &["project", "add", "shop"], "project.add", "acme2/shop");
    assert!(e["before"].is_null());
    assert_eq!(e["after"]["project"]["slug"], "shop");
    assert_eq!(
        e["after"]["environments"][0]["environment"]["slug"],
        "production"
    );

    let e = records(
        &t,
        &["project", "rename", "shop", "store"],
        "project.update",
        "acme2/store",
    );
    assert_eq!(e["before"]["slug"], "shop");
    assert_eq!(e["after"]["slug"], "store");

    let e = records(
        &t,
        &["env", "add", "staging"],
        "env.add",
        "acme2/store/staging",
    );
    assert_eq!(e["after"]["kind"], "staging");

    let e = records(
        &t,
        &["env", "rename", "staging", "qa"],
        "env.update",
        "acme2/store/qa",
    );
    assert_eq!(e["before"]["slug"], "staging");
    assert_eq!(e["after"]["slug"], "qa");

    let e = records(
        &t,
        &["env", "archive", "qa"],
        "env.archive",
        "acme2/store/qa",
    );
    assert!(e["before"]["archived_at"].is_null());
    assert_eq!(e["after"]["archived_at"], NOW);
    let e = records(
        &t,
        &["env", "unarchive", "qa"],
        "env.unarchive",
        "acme2/store/qa",
    );
    assert!(e["after"]["archived_at"].is_null());
    let e = records(
        &t,
        &["env", "protect", "qa"],
        "env.protect",
        "acme2/store/qa",
    );
    assert_eq!(
        (&e["before"]["protected"], &e["after"]["protected"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    let e = records(
        &t,
        &["env", "unprotect", "qa"],
        "env.unprotect",
        "acme2/store/qa",
    );
    assert_eq!(e["after"]["protected"], false);

    let e = records(&t, &["env", "remove", "qa"], "env.remove", "acme2/store/qa");
    assert_eq!(e["before"]["environment"]["slug"], "qa");
    assert!(e["after"].is_null());

    let e = records(
        &t,
        &["project", "remove", "store", "--yes"],
        "project.remove",
        "acme2/store",
    );
    // The removed subtree is kept in the log, so nothing is lost.
    assert_eq!(
        e["before"]["environments"][0]["environment"]["slug"],
        "production"
    );

    let e = records(&t, &["org", "remove", "acme2"], "org.remove", "acme2");
    assert_eq!(e["before"]["org"]["slug"], "acme2");
    assert!(e["after"].is_null());
}

#[test]
fn reads_failures_and_no_ops_write_no_event() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let before = t.dump();
    for args in [
        &["org", "list"][..],
        &["org", "show", "acme"][..],
        &["project", "list"][..],
        &["project", "show"][..],
        &["env", "list"][..],
        &["env", "show", "staging"][..],
        &["context"][..],
        &["log"][..],
        &["env", "unarchive", "staging"][..],
        &["env", "unprotect", "staging"][..],
        &["env", "protect", "production"][..],
        &["org", "rename", "acme", "acme"][..],
        &["project", "rename", "shop", "--description", ""][..],
        &["env", "rename", "staging", "--kind", "staging"][..],
        &[
            "env",
            "rename",
            "staging",
            "staging",
            "--display-name",
            "Staging",
        ][..],
    ] {
        t.ok(args);
    }
    let r = t.run(&["org", "rename", "acme", "acme"]);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert_eq!(before, t.dump());
    fails_unchanged(&t, &["env", "add", "staging"], 4);
    fails_unchanged(&t, &["env", "remove", "production"], 4);
}

#[test]
fn the_actor_is_the_os_user_or_the_given_identity() {
    crate::file_only!(
        "the actor is the OS user or --as on a file; on a server it is the login (team_mode tests)"
    );
    let t = TestEnv::new();
    ok_env(&t, t.path(), &[("USER", "alice")], &["org", "add", "acme"]);
    assert_eq!(last(&t)["actor"], "alice");
    ok_env(
        &t,
        t.path(),
        &[],
        &["project", "add", "shop", "--as", "ana@acme.dev"],
    );
    assert_eq!(last(&t)["actor"], "ana@acme.dev");
}

#[test]
fn log_is_newest_first_with_limit_and_project() {
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web"]);
    t.ok(&["env", "add", "staging", "-p", "shop"]);
    t.ok(&["env", "add", "dev", "-p", "web"]);
    let all: Vec<Event> = t.json_as(&["log"]);
    let actions: Vec<_> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "env.add",
            "env.add",
            "project.add",
            "project.add",
            "org.add"
        ]
    );
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));

    let two: Vec<Event> = t.json_as(&["log", "--limit", "2"]);
    assert_eq!(two, all[..2]);
    let one: Vec<Event> = t.json_as(&["log", "-n", "1"]);
    assert_eq!(one, all[..1]);

    let shop: Vec<Event> = t.json_as(&["log", "--project", "shop"]);
    let targets: Vec<_> = shop.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["acme/shop/staging", "acme/shop"]);
    let web: Vec<Event> = t.json_as(&["log", "-p", "acme/web"]);
    assert_eq!(web.len(), 2);
    let org: Vec<Event> = t.json_as(&["log", "--org", "acme"]);
    assert_eq!(org.len(), 5);
    // A saved selection does not narrow the log.
    t.ok(&["project", "use", "web"]);
    let all_again: Vec<Event> = t.json_as(&["log"]);
    assert_eq!(all_again.len(), 5);
    t.fails(&["log", "--project", "nope"], 3);

    let table = t.ok(&["log", "-n", "1"]);
    assert!(table.contains("env.add"), "{table}");
    assert!(table.contains("acme/web/dev"), "{table}");
    assert!(table.contains("tester"), "{table}");
    let plain = t.ok(&["log", "-n", "1", "-o", "plain"]);
    assert_eq!(
        plain,
        format!("{}\t{NOW}\ttester\tenv.add\tacme/web/dev\n", all[0].id)
    );
}

#[test]
fn log_of_an_empty_file() {
    let t = TestEnv::new();
    assert_eq!(t.json(&["log"]), serde_json::json!([]));
    let r = t.run(&["log"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(r.stderr.contains("no events"), "{}", r.stderr);
}

#[test]
fn log_shows_twenty_by_default() {
    let t = TestEnv::with_shop();
    let values: Vec<String> = (0..30)
        .map(|i| format!("('{NOW}', 'tester', 'env.add', 'acme/shop/e{i}')"))
        .collect();
    t.sql(&format!(
        "INSERT INTO events (at, actor, action, target) VALUES {}",
        values.join(", ")
    ));
    assert_eq!(events(&t).len(), 32);
    let default: Vec<Event> = t.json_as(&["log"]);
    assert_eq!(default.len(), 20);
    assert_eq!(default[0].target, "acme/shop/e29");
    t.fails(&["log", "--limit", "-1"], 2);
    assert_eq!(t.json(&["log", "--limit", "0"]), serde_json::json!([]));
}

#[test]
fn member_and_resource_renames_that_change_nothing_write_no_event() {
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", "ana@acme.dev", "--name", "Ana"]);
    t.ok(&[
        "resource",
        "add",
        "api",
        "--type",
        "app",
        "--description",
        "the API",
    ]);
    let before = t.dump();
    let n = events(&t).len();
    for args in [
        &["member", "rename", "ana@acme.dev", "ana@acme.dev"][..],
        &["member", "rename", "ana@acme.dev", "--name", "Ana"][..],
        &["resource", "rename", "api", "api"][..],
        &["resource", "rename", "api", "--type", "app"][..],
        &["resource", "rename", "api", "--description", "the API"][..],
    ] {
        let r = t.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("nothing changed"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert_eq!(events(&t).len(), n);
    assert_eq!(before, t.dump());
    // A real change still writes its one event.
    t.ok(&["resource", "rename", "api", "web"]);
    let all = events(&t);
    assert_eq!(all.len(), n + 1);
    assert_eq!(all[0]["action"], "resource.update");
    assert_eq!(all[0]["target"], "acme/shop/production/web");
}
