//! SIGKILL at random moments during writes: the file always opens, passes
//! `integrity_check`, and every killed command either fully happened or not at all —
//! judged against the audit log (the event exists iff the change is visible).
//!
//! Some kills are aimed inside the write transaction: `PROJ_TEST_PAUSE_IN_TX` (a test-only
//! hook in `src/store/test_hooks.rs`) makes `proj` sleep after the transaction's statements
//! and before its commit, writing a line to stderr at both ends. A killed process whose stderr
//! has the first line and not the second died inside its transaction; such kills are counted,
//! a minimum is required, and each must have left no trace. After every kill, `proj` is the
//! first to open the file (it recovers the write-ahead log); the test reads it only after.

use super::{Rng, count, integrity, many_envs, spawnable};
use crate::support::TestEnv;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Environments in the large project that is created and removed under SIGKILL.
const BIG: usize = 300;

/// How long the test-only pause inside a write transaction lasts.
const PAUSE_MS: u64 = 60;
const PAUSED: &str = "proj-test: paused in transaction";
const RESUMING: &str = "proj-test: resuming to commit";

/// How a kill is timed.
#[derive(Clone, Copy)]
enum Aim {
    /// This long after the start.
    After(Duration),
    /// With the pause on: this long after `proj` says it paused in its transaction.
    InTransaction(Duration),
}

/// Where a kill landed.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kill {
    /// The command had exited already.
    Finished,
    /// Inside the write transaction, before its commit (seen on stderr).
    InTransaction,
    /// Somewhere else: before the transaction, in the commit, or unknown (no pause).
    Elsewhere,
}

/// The kill for iteration `k`, in blocks of four commands: within 0-15 ms of the start,
/// anywhere inside a large write (`large`), or aimed into the transaction; `scale` widens the
/// first two for a longer command.
fn aim(rng: &mut Rng, k: usize, large: Duration, scale: u32) -> Aim {
    let mut within = |d: Duration| Duration::from_micros(rng.below(d.as_micros() as u64 + 1));
    match (k / 4) % 3 {
        0 => Aim::After(within(Duration::from_millis(15) * scale)),
        1 => Aim::After(within(large * scale)),
        _ => Aim::InTransaction(within(Duration::from_millis(PAUSE_MS / 2))),
    }
}

/// Tallies of where kills landed.
#[derive(Default)]
struct Tally {
    aimed: usize,
    in_tx: usize,
}

impl Tally {
    fn add(&mut self, aim: Aim, kill: Kill) {
        if matches!(aim, Aim::InTransaction(_)) {
            self.aimed += 1;
            self.in_tx += (kill == Kill::InTransaction) as usize;
        }
    }

    /// At least half the aimed kills must have interrupted a running write.
    #[track_caller]
    fn require(&self, what: &str) {
        assert!(
            self.aimed > 0 && self.in_tx * 2 >= self.aimed,
            "{what}: only {} of {} aimed kills landed inside a write transaction",
            self.in_tx,
            self.aimed
        );
    }
}

/// `proj` opens the file first after a crash (and recovers it), and answers.
#[track_caller]
fn proj_opens_it_first(t: &TestEnv) {
    t.ok(&["org", "list", "-q"]);
}

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

/// Runs `args` and kills it with SIGKILL as `aim` says; returns where the kill landed.
fn run_and_kill(t: &TestEnv, args: &[String], aim: Aim) -> Kill {
    let mut cmd = spawnable(t);
    cmd.args(args)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Aim::InTransaction(_) = aim {
        cmd.env("PROJ_TEST_PAUSE_IN_TX", PAUSE_MS.to_string());
    }
    let mut child = cmd.spawn().expect("spawn proj");
    let stderr = child.stderr.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line.clone());
            all.push(line);
        }
        all
    });
    match aim {
        Aim::After(delay) => std::thread::sleep(delay),
        Aim::InTransaction(delay) => {
            // Until the pause begins, or the command ends without one.
            while let Ok(line) = seen.recv_timeout(Duration::from_secs(30)) {
                if line == PAUSED {
                    break;
                }
            }
            std::thread::sleep(delay);
        }
    }
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();
    let all = reader.join().unwrap();
    let paused = all.iter().any(|l| l == PAUSED);
    let resumed = all.iter().any(|l| l == RESUMING);
    if finished {
        Kill::Finished
    } else if paused && !resumed {
        Kill::InTransaction
    } else {
        Kill::Elsewhere
    }
}

/// A kill inside the transaction must leave no trace.
#[track_caller]
fn nothing_if_in_tx(kill: Kill, happened: bool, what: &str) {
    assert!(
        !(kill == Kill::InTransaction && happened),
        "{what}: killed inside its transaction, yet it landed"
    );
}

#[test]
fn sigkill_during_writes_leaves_all_or_nothing() {
    crate::file_only!(
        "kill -9 of a process writing the file (on a server an unfinished transaction is the server's to roll back)"
    );
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "shop", "--org", "acme"]);
    let mut rng = Rng::from_env("sigkill");
    let iterations = 60;
    let (mut landed, mut lost, mut restores, mut restored) = (0, 0, 0, 0);
    let mut tally = Tally::default();
    let started = Instant::now();
    // How long a large write takes here, so a third of the kills can land anywhere inside it.
    let mut large = Duration::from_millis(15);
    for k in 0..iterations {
        let first = aim(&mut rng, k, large, 1);
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<String>>();
        let happened = match k % 4 {
            // A small write.
            0 => {
                let env = format!("k{k}");
                let kill = run_and_kill(&t, &s(&["env", "add", &env, "-p", "acme/shop"]), first);
                tally.add(first, kill);
                proj_opens_it_first(&t);
                let visible = env_exists(&t, &env);
                let logged = events(&t, "env.add", &format!("acme/shop/{env}"));
                assert_eq!(logged, visible as i64, "env add {env}: event iff visible");
                nothing_if_in_tx(kill, visible, &env);
                visible
            }
            // A large insert: a project with 300 environments.
            1 => {
                let name = format!("big{k}");
                let mut args = many_envs(&name, BIG);
                args.extend(s(&["--org", "acme"]));
                let kill = run_and_kill(&t, &args, first);
                tally.add(first, kill);
                proj_opens_it_first(&t);
                let visible = project_exists(&t, &name);
                nothing_if_in_tx(kill, visible, &name);
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
                let args = s(&["project", "remove", &format!("acme/{name}"), "--yes"]);
                let kill = run_and_kill(&t, &args, first);
                tally.add(first, kill);
                proj_opens_it_first(&t);
                let visible = !project_exists(&t, &name);
                nothing_if_in_tx(kill, visible, &name);
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
                    let again = aim(&mut rng, k, large, 2);
                    let kill = run_and_kill(&t, &s(&["restore", &id.to_string()]), again);
                    tally.add(again, kill);
                    proj_opens_it_first(&t);
                    let back = project_exists(&t, &name);
                    nothing_if_in_tx(kill, back, "restore");
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
                let kill = run_and_kill(&t, &args, first);
                tally.add(first, kill);
                proj_opens_it_first(&t);
                let visible = env_exists(&t, &to);
                nothing_if_in_tx(kill, visible, &to);
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
        // SQLite finds nothing wrong.
        assert_eq!(integrity(&t.db), "ok", "iteration {k}");
    }
    eprintln!(
        "sigkill: {iterations} iterations in {:.1}s (a third of the kills within 0-15 ms, a \
         third within 0-{} ms, a third aimed into the transaction): {landed} commands landed \
         whole, {lost} left no trace, none half-done; of {restores} restores of a removed \
         project (killed too), {restored} landed whole; {} of {} aimed kills (restores \
         included) interrupted a running write transaction, and left no trace",
        started.elapsed().as_secs_f64(),
        large.as_millis(),
        tally.in_tx,
        tally.aimed
    );
    tally.require("sigkill");
}

/// SIGKILL during the very first run, while the file is created and migrated: the next run
/// finds either an empty file it initializes or a complete schema, never half of one.
#[test]
fn sigkill_during_the_first_run_leaves_a_usable_file() {
    crate::file_only!("kill -9 of the process creating the file");
    let mut rng = Rng::from_env("sigkill first run");
    for k in 0..20 {
        let t = TestEnv::new();
        let delay = Duration::from_micros(rng.below(15_001));
        let args = ["org", "add", "acme"].map(String::from);
        run_and_kill(&t, &args, Aim::After(delay));
        // proj opens it first, and says whether the organization is there.
        let orgs = t.json(&["org", "list"]);
        let landed = orgs.as_array().unwrap().iter().any(|o| o["slug"] == "acme");
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
    crate::file_only!(
        "kill -9 of a process writing the file (on a server an unfinished transaction is the server's to roll back)"
    );
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
    let (iterations, mut landed) = (16, 0);
    let mut tally = Tally::default();
    for k in 0..iterations {
        if project_exists(&t, "big") {
            t.ok(&["project", "remove", "acme/big", "--yes", "-q"]);
        }
        let id = last_removal(&t);
        let restores = events(&t, "project.restore", "acme/big");
        // Every other kill aimed into the transaction, the rest anywhere in the command.
        let aim = if k % 2 == 0 {
            Aim::After(Duration::from_micros(
                rng.below(window.as_micros() as u64 + 1),
            ))
        } else {
            Aim::InTransaction(Duration::from_micros(rng.below(PAUSE_MS * 500 + 1)))
        };
        let kill = run_and_kill(&t, &[String::from("restore"), id.to_string()], aim);
        tally.add(aim, kill);
        proj_opens_it_first(&t);
        let back = project_exists(&t, "big");
        nothing_if_in_tx(kill, back, "restore");
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
        "sigkill restore: {iterations} kills, half within 0-{} ms, half aimed into the \
         transaction: {landed} restores landed whole, {} left no trace; {} of {} aimed kills \
         interrupted a running write transaction",
        window.as_millis(),
        iterations - landed,
        tally.in_tx,
        tally.aimed
    );
    tally.require("sigkill restore");
}

fn last_removal(t: &TestEnv) -> i64 {
    count(
        &t.db,
        "SELECT max(id) FROM events WHERE action = 'project.remove'",
        [],
    )
}
