//! SIGKILL at random moments during writes: the file always opens, passes
//! `integrity_check`, and every killed command either fully happened or not at all —
//! judged against the audit log (the event exists iff the change is visible).

use super::{Rng, count, integrity, many_envs, spawnable};
use crate::support::TestEnv;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Environments in the large project that is created and removed under SIGKILL.
const BIG: usize = 300;

fn env_count(t: &TestEnv, project: &str) -> i64 {
    count(
        &t.db,
        "SELECT count(*) FROM environments e JOIN projects p ON p.id = e.project_id
         WHERE p.slug = ?1",
        [project],
    )
}

/// Two resources in every environment of `project`, written directly: the resource
/// commands live elsewhere, and the removal snapshot must carry them all.
fn add_resources(t: &TestEnv, project: &str) {
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute(
        "INSERT INTO resources (environment_id, slug, type, created_at)
         SELECT e.id, r.slug, r.type, '2026-01-01T00:00:00Z'
         FROM environments e JOIN projects p ON p.id = e.project_id,
              (SELECT 'api' AS slug, 'app' AS type UNION ALL SELECT 'db', 'database') r
         WHERE p.slug = ?1",
        [project],
    )
    .unwrap();
}

fn resource_count(t: &TestEnv, project: &str) -> i64 {
    count(
        &t.db,
        "SELECT count(*) FROM resources r JOIN environments e ON e.id = r.environment_id
         JOIN projects p ON p.id = e.project_id WHERE p.slug = ?1",
        [project],
    )
}

fn project_exists(t: &TestEnv, project: &str) -> bool {
    count(
        &t.db,
        "SELECT count(*) FROM projects WHERE slug = ?1",
        [project],
    ) == 1
}

fn env_exists(t: &TestEnv, env: &str) -> bool {
    count(
        &t.db,
        "SELECT count(*) FROM environments WHERE slug = ?1",
        [env],
    ) == 1
}

fn events(t: &TestEnv, action: &str, target: &str) -> i64 {
    count(
        &t.db,
        "SELECT count(*) FROM events WHERE action = ?1 AND target = ?2",
        [action, target],
    )
}

/// Runs `args`, killing it with SIGKILL after `delay`; returns whether it finished first.
fn run_and_kill(t: &TestEnv, args: &[String], delay: Duration) -> bool {
    let mut child = spawnable(t)
        .args(args)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn proj");
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();
    finished
}

#[test]
fn sigkill_during_writes_leaves_all_or_nothing() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme"]);
    let mut rng = Rng::from_env("sigkill");
    let iterations = 60;
    let (mut landed, mut lost, mut restores, mut restored) = (0, 0, 0, 0);
    let started = Instant::now();
    // How long a large write takes here, so half the kills can land anywhere inside it.
    let mut large = Duration::from_millis(15);
    for k in 0..iterations {
        let window = if (k / 4) % 2 == 0 {
            Duration::from_millis(15)
        } else {
            large
        };
        let delay = Duration::from_micros(rng.below(window.as_micros() as u64 + 1));
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<String>>();
        let happened = match k % 4 {
            // A small write.
            0 => {
                let env = format!("k{k}");
                run_and_kill(&t, &s(&["env", "add", &env, "-p", "acme/shop"]), delay);
                let visible = env_exists(&t, &env);
                let logged = events(&t, "env.add", &format!("acme/shop/{env}"));
                assert_eq!(logged, visible as i64, "env add {env}: event iff visible");
                visible
            }
            // A large insert: a project with 300 environments.
            1 => {
                let name = format!("big{k}");
                let mut args = many_envs(&name, BIG);
                args.extend(s(&["--org", "acme"]));
                run_and_kill(&t, &args, delay);
                let visible = project_exists(&t, &name);
                let logged = events(&t, "project.add", &format!("acme/{name}"));
                assert_eq!(
                    logged, visible as i64,
                    "project add {name}: event iff visible"
                );
                let envs = env_count(&t, &name);
                assert_eq!(envs, if visible { BIG as i64 } else { 0 }, "all or none");
                visible
            }
            // A large removal: a project with 300 environments and 600 resources; then its
            // restore.
            2 => {
                let name = format!("gone{k}");
                let mut args = many_envs(&name, BIG);
                args.extend(s(&["--org", "acme", "-q"]));
                let began = Instant::now();
                super::ok(&t, &args);
                large = large.max(began.elapsed() * 5 / 4);
                add_resources(&t, &name);
                run_and_kill(
                    &t,
                    &s(&["project", "remove", &format!("acme/{name}"), "--yes"]),
                    delay,
                );
                let visible = !project_exists(&t, &name);
                let logged = events(&t, "project.remove", &format!("acme/{name}"));
                assert_eq!(
                    logged, visible as i64,
                    "project remove {name}: event iff gone"
                );
                let envs = env_count(&t, &name);
                assert_eq!(envs, if visible { 0 } else { BIG as i64 }, "all or none");
                let resources = resource_count(&t, &name);
                assert_eq!(
                    resources,
                    if visible { 0 } else { 2 * BIG as i64 },
                    "all or none"
                );
                if visible {
                    // Undo it, under SIGKILL too: the restore lands whole or not at all.
                    let id = count(
                        &t.db,
                        "SELECT max(id) FROM events WHERE action = 'project.remove'",
                        [],
                    );
                    // A restore writes what the add wrote and reads the snapshot first.
                    let delay = Duration::from_micros(rng.below(2 * window.as_micros() as u64 + 1));
                    run_and_kill(&t, &s(&["restore", &id.to_string()]), delay);
                    let back = project_exists(&t, &name);
                    let logged = events(&t, "project.restore", &format!("acme/{name}"));
                    assert_eq!(logged, back as i64, "restore {id}: event iff visible");
                    let (envs, resources) = (env_count(&t, &name), resource_count(&t, &name));
                    let want = if back {
                        (BIG as i64, 2 * BIG as i64)
                    } else {
                        (0, 0)
                    };
                    assert_eq!((envs, resources), want, "restore {id}: all or none");
                    restores += 1;
                    restored += back as usize;
                }
                visible
            }
            // A rename of what iteration k-3 added (if it landed).
            _ => {
                let (from, to) = (format!("k{}", k - 3), format!("m{}", k - 3));
                if !env_exists(&t, &from) {
                    t.ok(&["env", "add", &from, "-p", "acme/shop", "-q"]);
                }
                let args = s(&["env", "rename", &format!("acme/shop/{from}"), &to]);
                run_and_kill(&t, &args, delay);
                let visible = env_exists(&t, &to);
                assert_ne!(
                    visible,
                    env_exists(&t, &from),
                    "exactly one of {from}, {to}"
                );
                let logged = events(&t, "env.update", &format!("acme/shop/{to}"));
                assert_eq!(
                    logged, visible as i64,
                    "env rename {from}: event iff visible"
                );
                visible
            }
        };
        if happened {
            landed += 1;
        } else {
            lost += 1;
        }
        // The file opens for proj, and SQLite finds nothing wrong.
        t.ok(&["org", "list", "-q"]);
        assert_eq!(integrity(&t.db), "ok", "iteration {k}");
    }
    eprintln!(
        "sigkill: {iterations} iterations in {:.1}s (kills within 0-15 ms, and within 0-{} ms \
         for half): {landed} commands landed whole, {lost} left no trace, none half-done; \
         of {restores} restores of a removed project (killed too), {restored} landed whole",
        started.elapsed().as_secs_f64(),
        large.as_millis()
    );
}

/// SIGKILL during the very first run, while the file is created and migrated: the next run
/// finds either an empty file it initializes or a complete schema, never half of one.
#[test]
fn sigkill_during_the_first_run_leaves_a_usable_file() {
    let mut rng = Rng::from_env("sigkill first run");
    for k in 0..20 {
        let t = TestEnv::new();
        let delay = Duration::from_micros(rng.below(15_001));
        run_and_kill(
            &t,
            &["org".to_string(), "add".to_string(), "acme".to_string()],
            delay,
        );
        let landed = t.db.exists()
            && count(
                &t.db,
                "SELECT count(*) FROM sqlite_schema WHERE name = 'orgs'",
                [],
            ) == 1
            && count(&t.db, "SELECT count(*) FROM orgs", []) == 1;
        if landed {
            assert_eq!(events(&t, "org.add", "acme"), 1, "iteration {k}");
        } else {
            t.ok(&["org", "add", "acme", "-q"]);
        }
        t.ok(&["project", "add", "shop", "--org", "acme", "-q"]);
        assert_eq!(integrity(&t.db), "ok", "iteration {k}");
    }
}

/// SIGKILL during `proj restore` of a project with 300 environments and 600 resources: the
/// project comes back whole, with its `project.restore` event, or not at all.
#[test]
fn sigkill_during_restore_leaves_all_or_nothing() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    let mut args = many_envs("big", BIG);
    args.extend(["--org", "acme", "-q"].map(String::from));
    super::ok(&t, &args);
    add_resources(&t, "big");
    let mut rng = Rng::from_env("sigkill restore");
    // One restore left alone, to learn how long it takes here.
    t.ok(&["project", "remove", "acme/big", "--yes", "-q"]);
    let id = last_removal(&t);
    let began = Instant::now();
    t.ok(&["restore", &id.to_string(), "-q"]);
    let window = began.elapsed() * 5 / 4;
    let (iterations, mut landed) = (15, 0);
    for k in 0..iterations {
        if project_exists(&t, "big") {
            t.ok(&["project", "remove", "acme/big", "--yes", "-q"]);
        }
        let id = last_removal(&t);
        let restores = events(&t, "project.restore", "acme/big");
        let delay = Duration::from_micros(rng.below(window.as_micros() as u64 + 1));
        run_and_kill(&t, &[String::from("restore"), id.to_string()], delay);
        let back = project_exists(&t, "big");
        let logged = events(&t, "project.restore", "acme/big") - restores;
        assert_eq!(logged, back as i64, "iteration {k}: event iff visible");
        let want = if back {
            (BIG as i64, 2 * BIG as i64)
        } else {
            (0, 0)
        };
        let got = (env_count(&t, "big"), resource_count(&t, "big"));
        assert_eq!(got, want, "iteration {k}: all or none");
        landed += back as usize;
        assert_eq!(integrity(&t.db), "ok", "iteration {k}");
    }
    eprintln!(
        "sigkill restore: {iterations} kills within 0-{} ms: {landed} restores landed whole, \
         {} left no trace",
        window.as_millis(),
        iterations - landed
    );
}

fn last_removal(t: &TestEnv) -> i64 {
    count(
        &t.db,
        "SELECT max(id) FROM events WHERE action = 'project.remove'",
        [],
    )
}
