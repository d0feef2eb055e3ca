//! `proj init`: with flags and no terminal (assert_cmd), and typed into a real
//! pseudo-terminal (expectrl), since dialoguer only runs on a terminal.

use crate::support::{NOW, TestEnv};
use serde::Deserialize;

/// `proj init --json`, field for field; an added or renamed field fails here first.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitJson {
    org: String,
    project: String,
    environments: Vec<String>,
    email: String,
    name: Option<String>,
    role: String,
    created: CreatedJson,
    changed: bool,
    command: String,
    next: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatedJson {
    org: bool,
    member: bool,
    project: bool,
    environments: Vec<String>,
}

const ANA: &[&str] = &[
    "init",
    "--yes",
    "--user",
    "ana@acme.dev",
    "--name",
    "Ana",
    "--org",
    "acme",
    "--project",
    "shop",
];

fn with(base: &[&'static str], more: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(more).copied().collect()
}

fn env_slugs(t: &TestEnv, project: &str) -> Vec<String> {
    t.json(&["env", "list", "--project", project])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap().to_string())
        .collect()
}

fn count(t: &TestEnv, sql: &str) -> i64 {
    t.sql_i64(sql)
}

#[test]
fn all_flags_and_yes_create_everything_without_a_terminal() {
    let t = TestEnv::new();
    let out = t.ok(ANA);
    assert_eq!(
        out,
        "created organization acme, project acme/shop with production; you are ana@acme.dev (owner)\n\
         next: proj env add staging · proj member add teammate@acme.dev · proj tree\n"
    );
    assert_eq!(env_slugs(&t, "acme/shop"), ["production"]);
    // The selection and the identity are saved: later commands need no flags.
    let ctx = t.json(&["context"]);
    assert_eq!(ctx["org"]["value"], "acme");
    assert_eq!(ctx["project"]["value"], "shop");
    assert_eq!(ctx["identity"]["value"], "ana@acme.dev");
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM members WHERE email = 'ana@acme.dev' AND role = 'owner' AND name = 'Ana'"
        ),
        1
    );
    // One audit event per creation, all by the new identity.
    let log = t.json(&["log"]);
    let actions: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["actor"], "ana@acme.dev");
            e["action"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(actions, ["project.add", "member.add", "org.add"]);
}

#[test]
fn the_json_result_is_one_object() {
    let t = TestEnv::new();
    let r: InitJson = t.json_as(&with(ANA, &["--env", "production", "--env", "dev"]));
    assert_eq!((r.org.as_str(), r.project.as_str()), ("acme", "shop"));
    assert_eq!(r.environments, ["dev", "production"]);
    assert_eq!(
        (r.email.as_str(), r.name.as_deref()),
        ("ana@acme.dev", Some("Ana"))
    );
    assert_eq!(r.role, "owner");
    assert!(r.created.org && r.created.member && r.created.project);
    assert_eq!(r.created.environments, ["production", "dev"]);
    assert!(r.changed);
    assert_eq!(
        r.command,
        "proj init --yes --user ana@acme.dev --name Ana --org acme --project shop --env production --env dev"
    );
    assert_eq!(
        r.next,
        [
            "proj env add staging",
            "proj member add teammate@acme.dev",
            "proj tree"
        ]
    );
}

#[test]
fn missing_answers_without_a_terminal_exit_2_naming_the_flags_and_write_nothing() {
    let t = TestEnv::new();
    let err = t.fails(&["init"], 2);
    assert!(
        err.contains("error: `proj init` cannot prompt without a terminal (or with --no-input); missing --user, --org, --project, --yes"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(!t.db.exists(), "a failed init must not create the file");

    let err = t.fails(&["init", "--user", "ana@acme.dev", "-p", "acme/shop"], 2);
    assert!(err.contains("missing --yes"), "{err}");
    let err = t.fails(
        &["init", "--yes", "--user", "ana@acme.dev", "--org", "acme"],
        2,
    );
    assert!(err.contains("missing --project\n"), "{err}");
    let err = t.fails(
        &[
            "init",
            "--yes",
            "--user",
            "ana@acme.dev",
            "--org",
            "acme",
            "--json",
        ],
        2,
    );
    let json: serde_json::Value = serde_json::from_str(&err).unwrap();
    assert_eq!(json["error"]["code"], "usage");
    assert!(!t.db.exists());

    // On an existing file: not a byte of it changes.
    t.ok(&["org", "add", "acme"]);
    let before = t.dump();
    t.fails(&["init", "--org", "acme", "--project", "shop"], 2);
    let err = t.fails(
        &[
            "init",
            "--no-input",
            "--user",
            "ana@acme.dev",
            "--org",
            "acme",
            "--project",
            "shop",
        ],
        2,
    );
    assert!(err.contains("missing --yes"), "{err}");
    assert_eq!(t.dump(), before);
}

#[test]
fn proj_org_and_proj_project_answer_like_the_flags() {
    let t = TestEnv::new();
    let out = t
        .cmd()
        .args(["init", "--yes", "--user", "ana@acme.dev"])
        .env("PROJ_ORG", "acme")
        .env("PROJ_PROJECT", "shop")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(env_slugs(&t, "acme/shop"), ["production"]);
}

#[test]
fn invalid_flag_values_exit_2_and_write_nothing() {
    let t = TestEnv::new();
    for args in [
        vec![
            "init",
            "--yes",
            "--user",
            "ana",
            "--org",
            "acme",
            "--project",
            "shop",
        ],
        vec![
            "init",
            "--yes",
            "--user",
            "ana@acme.dev",
            "--org",
            "Acme Corp",
            "--project",
            "shop",
        ],
        vec![
            "init",
            "--yes",
            "--user",
            "ana@acme.dev",
            "--org",
            "acme",
            "--project",
            "globex/shop",
        ],
        with(ANA, &["--env", "QA Env"]),
    ] {
        t.fails(&args, 2);
    }
    let err = t.fails(&with(ANA, &["--env", "QA Env"]), 2);
    assert!(err.contains("invalid environment name `QA Env`"), "{err}");
    assert!(err.contains("try `qa-env`"), "{err}");
    assert!(!t.db.exists());
}

#[test]
fn running_it_again_with_the_same_flags_changes_nothing() {
    let t = TestEnv::new();
    t.ok(ANA);
    let before = t.dump();
    let out = t.ok(ANA);
    assert!(
        out.starts_with("nothing changed: acme/shop already has production; using it; you are ana@acme.dev (owner)\n"),
        "{out}"
    );
    assert_eq!(t.dump(), before);
    let r: InitJson = t.json_as(ANA);
    assert!(!r.changed);
    assert!(!r.created.org && !r.created.member && !r.created.project);
    assert!(r.created.environments.is_empty());
    assert_eq!(t.dump(), before);
}

#[test]
fn an_existing_organization_is_used_not_duplicated() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    t.ok(&["project", "add", "web", "--org", "acme"]);
    let out = t.ok(ANA);
    assert!(
        out.starts_with("created project acme/shop with production, member ana@acme.dev in acme; you are ana@acme.dev (owner)"),
        "{out}"
    );
    assert_eq!(count(&t, "SELECT count(*) FROM orgs"), 1);
    assert_eq!(count(&t, "SELECT count(*) FROM projects"), 2);
    // Another person cannot make themselves a member of it by running init.
    let before = t.dump();
    let err = t.fails(
        &[
            "init",
            "--yes",
            "--user",
            "bo@acme.dev",
            "--org",
            "acme",
            "--project",
            "shop",
        ],
        5,
    );
    assert!(
        err.contains("`bo@acme.dev` is not a member of organization `acme`"),
        "{err}"
    );
    assert_eq!(t.dump(), before);
}

#[test]
fn an_existing_project_gets_only_the_missing_environments() {
    let t = TestEnv::new();
    t.ok(ANA);
    // Without --env an existing project keeps what it has.
    t.ok(&["env", "add", "qa", "--project", "acme/shop"]);
    assert!(
        t.ok(ANA)
            .starts_with("nothing changed: acme/shop already has qa, production")
    );
    let out = t.ok(&with(ANA, &["--env", "staging", "--env", "production"]));
    assert!(
        out.starts_with(
            "created environment(s) staging in acme/shop; you are ana@acme.dev (owner)"
        ),
        "{out}"
    );
    assert_eq!(env_slugs(&t, "acme/shop"), ["staging", "qa", "production"]);
    let log = t.json(&["log", "-n", "1"]);
    assert_eq!(log[0]["action"], "env.add");
    assert_eq!(log[0]["target"], "acme/shop/staging");
}

#[test]
fn init_as_another_member_switches_the_identity_and_says_so() {
    crate::file_only!(
        "init --user switches the identity saved in a file; on a server the login is who you are"
    );
    let t = TestEnv::new();
    t.ok(ANA);
    t.ok(&["member", "add", "bo@acme.dev", "--role", "admin"]);
    let bo = [
        "init",
        "--yes",
        "--user",
        "bo@acme.dev",
        "--org",
        "acme",
        "--project",
        "shop",
    ];
    let out = t.ok(&bo);
    assert!(
        out.starts_with("nothing created: acme/shop already has production; now using it; you are now bo@acme.dev (admin; was ana@acme.dev)\n"),
        "{out}"
    );
    assert_eq!(t.json(&["context"])["identity"]["value"], "bo@acme.dev");
    // In JSON the switch back is a change, though nothing was created.
    let r: InitJson = t.json_as(ANA);
    assert!(r.changed);
    assert!(!r.created.org && !r.created.member && !r.created.project);
    assert!(r.created.environments.is_empty());
    assert_eq!(t.json(&["context"])["identity"]["value"], "ana@acme.dev");
    // `"changed": false` means not a byte changed.
    let before = t.dump();
    let r: InitJson = t.json_as(ANA);
    assert!(!r.changed);
    assert_eq!(t.dump(), before);
}

#[test]
fn init_on_an_existing_project_that_is_not_the_current_one_says_it_switched() {
    let t = TestEnv::new();
    t.ok(ANA);
    t.ok(&["project", "add", "web"]);
    t.ok(&["project", "use", "web"]);
    let out = t.ok(ANA);
    assert!(
        out.starts_with("nothing created: acme/shop already has production; now using it; you are ana@acme.dev (owner)\n"),
        "{out}"
    );
    assert_eq!(t.json(&["context"])["project"]["value"], "shop");
}

/// Typing into `proj init` through a pseudo-terminal.
#[cfg(unix)]
mod pty {
    use super::*;
    use expectrl::process::unix::WaitStatus;
    use expectrl::{Eof, Expect, Session};
    use std::time::{Duration, Instant};

    const TIMEOUT: Duration = Duration::from_secs(10);
    const DOWN: &str = "\x1b[B";
    const ENTER: &str = "\r";

    struct Pty {
        session: expectrl::session::OsSession,
        /// Everything read so far, for failure messages.
        seen: String,
    }

    impl Pty {
        fn spawn(t: &TestEnv, args: &[&str]) -> Pty {
            let home = t.path().join("home");
            std::fs::create_dir_all(&home).unwrap();
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_proj"));
            cmd.args(args)
                .env_clear()
                .env("HOME", &home)
                .env("XDG_DATA_HOME", home.join(".local/share"))
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("PROJ_DB", t.db_arg())
                .env("PROJ_NOW", NOW)
                .env("USER", "tester")
                .env("NO_COLOR", "1")
                .env("TERM", "xterm")
                .current_dir(t.path());
            if let Some(pg) = &t.pg {
                cmd.env("PGUSER", pg.login.lock().unwrap().as_str());
            }
            let session = Session::spawn(cmd).expect("spawn proj in a pty");
            Pty {
                session,
                seen: String::new(),
            }
        }

        /// Waits until `needle` has been printed; polls instead of spinning.
        #[track_caller]
        fn expect(&mut self, needle: &str) {
            let start = Instant::now();
            loop {
                match self.session.check(needle) {
                    Ok(found) if !found.is_empty() => {
                        self.seen
                            .push_str(&String::from_utf8_lossy(found.as_bytes()));
                        return;
                    }
                    Ok(_) => {}
                    Err(e) => panic!("waiting for {needle:?}: {e}\nseen:\n{}", self.seen),
                }
                if start.elapsed() > TIMEOUT {
                    panic!("timed out waiting for {needle:?}\nseen:\n{}", self.seen);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }

        fn send(&mut self, keys: &str) {
            self.session.send(keys).unwrap();
        }

        /// Answers a prompt once it is shown.
        #[track_caller]
        fn answer(&mut self, prompt: &str, keys: &str) {
            self.expect(prompt);
            self.send(keys);
        }

        /// Reads to the end and returns how the process ended and the rest of its output.
        fn finish(mut self) -> (WaitStatus, String) {
            let start = Instant::now();
            let mut rest = String::new();
            while start.elapsed() < TIMEOUT {
                match self.session.check(Eof) {
                    Ok(found) if !found.is_empty() => {
                        rest.push_str(&String::from_utf8_lossy(found.as_bytes()));
                        break;
                    }
                    Ok(_) => std::thread::sleep(Duration::from_millis(10)),
                    Err(_) => break,
                }
            }
            let status = self.session.get_process().wait().expect("wait for proj");
            (status, rest)
        }
    }

    fn exited_ok(status: WaitStatus, rest: &str) {
        assert!(
            matches!(status, WaitStatus::Exited(_, 0)),
            "{status:?}\n{rest}"
        );
    }

    #[test]
    fn the_happy_path_on_a_new_file() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", ENTER); // the default, from the email: Ana
        p.answer("Organization name", ENTER); // the default, from the email: acme
        p.answer("Project name", "shop\r");
        p.answer("with a Production environment", ENTER); // yes
        p.expect("Add Development and/or Staging now?");
        p.send(DOWN);
        p.send(" ");
        p.send(ENTER); // staging
        p.expect("staging     (staging, new)");
        p.answer("Go ahead?", "y\r");
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(
            rest.contains("created organization acme, project acme/shop with production, staging; you are ana@acme.dev (owner)"),
            "{rest}"
        );
        assert!(
            rest.contains("same as: proj init --yes --user ana@acme.dev --name Ana --org acme --project shop --env production --env staging"),
            "{rest}"
        );
        assert!(rest.contains("next: proj env add development"), "{rest}");
        assert_eq!(env_slugs(&t, "acme/shop"), ["staging", "production"]);
        // Saved in a file; on a server the login that ran the wizard now acts as ana.
        assert_eq!(t.json(&["whoami"])["identity"], "ana@acme.dev");
    }

    #[test]
    fn picking_an_existing_organization() {
        let t = TestEnv::new();
        t.ok(&["org", "add", "acme"]);
        t.ok(&["org", "add", "globex"]);
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@globex.com\r");
        p.answer("Your name", "Ana\r");
        p.expect("a new organization");
        p.send(DOWN); // acme → globex
        p.send(ENTER);
        p.answer("Project name", "web\r");
        p.answer("with a Production environment", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER); // none
        p.expect("globex  (organization)");
        p.answer("Go ahead?", "y\r");
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(
            rest.contains(
                "created project globex/web with production, member ana@globex.com in globex"
            ),
            "{rest}"
        );
        assert_eq!(count(&t, "SELECT count(*) FROM orgs"), 2);
        assert_eq!(env_slugs(&t, "globex/web"), ["production"]);
    }

    #[test]
    fn invalid_answers_are_asked_again() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana\r");
        p.expect("invalid email `ana`");
        // Asked again empty: what is typed is the whole answer, not appended to `ana`.
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", "Ana\r");
        p.answer("Organization name", "!!!\r");
        p.expect("invalid organization name `!!!`");
        p.answer("Organization name", ENTER); // the default, from the email: acme
        p.answer("Project name", "shop\r");
        p.answer("with a Production environment", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER);
        p.answer("Go ahead?", "y\r");
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(
            rest.contains("created organization acme, project acme/shop with production; you are ana@acme.dev (owner)"),
            "{rest}"
        );
    }

    #[test]
    fn a_typed_name_becomes_the_display_name_with_the_slug_shown() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", "Ana\r");
        p.answer("Organization name", "Acme Corp\r");
        p.expect("organization slug: acme-corp (display name: Acme Corp)");
        p.answer("Organization slug", ENTER); // the one offered
        p.answer("Project name", "Storefront\r");
        p.expect("project slug: storefront (display name: Storefront)");
        p.answer("Project slug", ENTER);
        p.answer("with a Production environment", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER);
        p.expect("storefront  (project \"Storefront\", new)");
        p.answer("Go ahead?", "y\r");
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(
            rest.contains(
                "created organization acme-corp, project acme-corp/storefront with production"
            ),
            "{rest}"
        );
        assert!(
            rest.contains("&& proj project rename acme-corp/storefront --display-name Storefront"),
            "{rest}"
        );
        let project = t.json(&["project", "show", "acme-corp/storefront"]);
        assert_eq!(project["display_name"], "Storefront");
        assert_eq!(
            t.json(&["org", "show", "acme-corp"])["display_name"],
            "Acme Corp"
        );
    }

    #[test]
    fn the_slug_offered_for_a_name_is_spelled_in_ascii_and_can_be_changed() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", "Ana\r");
        p.answer("Organization name", "Café Über\r");
        p.expect("organization slug: cafe-uber (display name: Café Über)");
        p.expect("Organization slug");
        // Erase the offered slug and type another.
        p.send(&"\x7f".repeat("cafe-uber".len()));
        p.send("cafe\r");
        p.answer("Project name", "Straße\r");
        p.expect("project slug: strasse (display name: Straße)");
        p.answer("Project slug", ENTER);
        p.answer("with a Production environment", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER);
        p.answer("Go ahead?", "y\r");
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(
            rest.contains("created organization cafe, project cafe/strasse with production"),
            "{rest}"
        );
        assert_eq!(
            t.json(&["org", "show", "cafe"])["display_name"],
            "Café Über"
        );
    }

    #[test]
    fn declining_at_the_end_writes_nothing() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", ENTER);
        p.answer("Organization name", ENTER);
        p.answer("Project name", "shop\r");
        p.answer("with a Production environment", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER);
        p.answer("Go ahead?", "n\r");
        let (status, rest) = p.finish();
        // Like any declined confirmation.
        assert!(
            matches!(status, WaitStatus::Exited(_, 4)),
            "{status:?}\n{rest}"
        );
        assert!(
            rest.contains("error: cancelled; nothing was changed"),
            "{rest}"
        );
        assert!(!t.db.exists());
    }

    #[test]
    fn yes_with_every_flag_never_prompts() {
        let t = TestEnv::new();
        let p = Pty::spawn(&t, ANA);
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        // A file's first write says where it created the database (stderr, first).
        let rest = match rest.split_once("\r\n") {
            Some((first, after)) if first.starts_with("created a new database at ") => after,
            _ => rest.as_str(),
        };
        assert!(
            rest.starts_with("created organization acme, project acme/shop with production;"),
            "{rest:?}"
        );
    }

    #[test]
    fn ctrl_c_midway_leaves_the_file_as_it_was() {
        crate::file_only!("compares the file's bytes");
        let t = TestEnv::with_shop();
        let bytes = std::fs::read(&t.db).unwrap();
        let dump = t.dump();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", "Ana\r");
        p.expect("a new organization");
        // The selection hid the cursor; Ctrl-C must bring it back.
        p.send("\x03");
        let (status, rest) = p.finish();
        assert!(
            matches!(
                status,
                WaitStatus::Signaled(_, expectrl::process::unix::Signal::SIGINT, _)
            ),
            "{status:?}\n{rest}"
        );
        assert!(
            rest.contains("\x1b[?25h"),
            "cursor not shown again: {rest:?}"
        );
        assert_eq!(t.dump(), dump);
        assert_eq!(std::fs::read(&t.db).unwrap(), bytes);
    }

    #[test]
    fn ctrl_c_on_a_new_file_creates_nothing() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.expect("Your name");
        p.send("\x03");
        let (status, rest) = p.finish();
        assert!(
            !matches!(status, WaitStatus::Exited(_, 0)),
            "{status:?}\n{rest}"
        );
        assert!(!t.db.exists());
    }

    /// bo, a member of acme without a grant on the project ana selected, runs the wizard
    /// typing `name` as the project. Returns everything shown (the name replaced by `X`) and
    /// how it ended.
    fn init_typing(name: &str) -> (String, WaitStatus) {
        let t = crate::hidden_names::world();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "bo@acme.dev\r");
        p.answer("Your name", ENTER);
        p.expect("a new organization");
        p.send(ENTER); // acme
        p.expect("Project name");
        // The default offered is bo's only project, never the one ana selected.
        p.answer("shop", &format!("{name}\r"));
        p.answer("with a Production environment", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER);
        p.answer("Go ahead?", "y\r");
        let seen = p.seen.clone();
        let (status, rest) = p.finish();
        (format!("{seen}{rest}").replace(name, "X"), status)
    }

    #[test]
    fn init_answers_a_typed_hidden_project_as_a_missing_one() {
        crate::file_only!("init as another email: on a server the login is the identity");
        let (hidden, hidden_status) = init_typing("zeta-secret");
        let (missing, missing_status) = init_typing("zeta-absent");
        assert!(!hidden.contains("qz-env2"), "{hidden}");
        assert!(!hidden.contains("exists with"), "{hidden}");
        let code = |s: WaitStatus| match s {
            WaitStatus::Exited(_, c) => Some(c),
            _ => None,
        };
        assert_eq!(code(hidden_status), Some(5), "{hidden}");
        assert_eq!(code(missing_status), Some(5), "{missing}");
        assert_eq!(hidden, missing);
    }

    /// One style for every yes/no question: `[Y/n]` / `[y/N]`, answered by `y` or `n` and Enter.
    #[test]
    fn confirmations_look_and_answer_the_same_everywhere() {
        let t = TestEnv::new();
        let mut p = Pty::spawn(&t, &["init"]);
        p.answer("Your email", "ana@acme.dev\r");
        p.answer("Your name", ENTER);
        p.answer("Organization name", ENTER);
        p.answer("Project name", "shop\r");
        p.answer("with a Production environment (protected)? [Y/n]", ENTER);
        p.answer("Add Development and/or Staging now?", ENTER);
        p.answer("Go ahead? [Y/n]", "y\r");
        let seen = p.seen.clone();
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(!format!("{seen}{rest}").contains("(y/n)"), "{seen}{rest}");

        let mut p = Pty::spawn(&t, &["project", "remove", "shop"]);
        p.answer("remove it with everything in it? [y/N]", "y\r");
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
    }

    /// Ctrl-C at any question, the wizard's or a command's confirmation, ends the command
    /// as interrupted (the shell's 130) and changes nothing.
    #[test]
    fn ctrl_c_at_a_confirmation_is_an_interrupt_that_changes_nothing() {
        let t = TestEnv::with_shop();
        let dump = t.dump();
        let mut p = Pty::spawn(&t, &["project", "remove", "shop"]);
        p.expect("?");
        p.send("\x03");
        let (status, rest) = p.finish();
        assert!(
            matches!(
                status,
                WaitStatus::Signaled(_, expectrl::process::unix::Signal::SIGINT, _)
            ),
            "{status:?}\n{rest}"
        );
        assert_eq!(t.dump(), dump);
    }

    /// `proj project remove` on a terminal: the answer counts on Enter, so a typed `yes⏎`
    /// is read whole instead of answering on `y` and leaving `es⏎` to the shell.
    #[test]
    fn confirmations_wait_for_enter() {
        let t = TestEnv::with_shop();
        let mut p = Pty::spawn(&t, &["project", "remove", "shop"]);
        p.expect("?");
        p.send("yes");
        // Still asking: the keys so far decided nothing.
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            p.session.get_process().is_alive().unwrap(),
            "answered before Enter"
        );
        assert_eq!(t.json(&["project", "list"]).as_array().unwrap().len(), 1);
        p.send(ENTER);
        let (status, rest) = p.finish();
        exited_ok(status, &rest);
        assert!(t.json(&["project", "list"]).as_array().unwrap().is_empty());

        // `no⏎` declines like any declined confirmation, and Enter alone takes the default (no).
        let t = TestEnv::with_shop();
        for keys in ["no\r", "\r"] {
            let mut p = Pty::spawn(&t, &["project", "remove", "shop"]);
            p.expect("?");
            p.send(keys);
            let (status, rest) = p.finish();
            assert!(
                matches!(status, WaitStatus::Exited(_, 4)),
                "{status:?}\n{rest}"
            );
            assert!(rest.contains("cancelled; nothing was changed"), "{rest}");
        }
        assert_eq!(t.json(&["project", "list"]).as_array().unwrap().len(), 1);
    }
}
