//! Hardening of what goes in and what comes out (issue 12): emails compare without case,
//! control characters are refused on input and escaped on output, clap's usage errors keep
//! their message in JSON, `-q access check` answers with its exit code, `member list -o plain`
//! carries grants, and tables and trees follow one drawing rule.

use crate::support::TestEnv;
use serde_json::Value;

const ESC: &str = "\u{1b}[31mRED\u{1b}]0;pwned\u{7}";

fn sql(t: &TestEnv) -> rusqlite::Connection {
    rusqlite::Connection::open(&t.db).unwrap()
}

/// `acme/shop` with ana (owner) and bo (member, developer on shop).
fn team() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", "ana@acme.dev", "--name", "Ana"]);
    t.ok(&["member", "add", "bo@acme.dev"]);
    t.ok(&[
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    t
}

#[track_caller]
fn no_raw_controls(what: &str, text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{what} wrote a control character raw: {text:?}"
    );
}

// ---- 1. Emails compare case-insensitively and are stored lowercased ----

#[test]
fn an_email_in_another_case_is_the_same_member_everywhere() {
    let t = team();
    // add: stored lowercased, and a second spelling is the same member (exit 4).
    let m = t.json(&["member", "add", "CY@Acme.DEV"]);
    assert_eq!(m["email"], "cy@acme.dev");
    t.fails(&["member", "add", "BO@acme.dev"], 4);
    t.fails(&["member", "add", "Cy@acme.dev"], 4);
    let emails: Vec<String> = t
        .json(&["member", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(emails, ["ana@acme.dev", "bo@acme.dev", "cy@acme.dev"]);
    // show, role, grant, revoke, remove.
    assert_eq!(
        t.json(&["member", "show", "Bo@Acme.Dev"])["email"],
        "bo@acme.dev"
    );
    assert_eq!(
        t.json(&["member", "role", "BO@ACME.DEV", "admin"])["role"],
        "admin"
    );
    t.ok(&[
        "member",
        "grant",
        "CY@acme.dev",
        "-p",
        "acme/shop",
        "--role",
        "viewer",
    ]);
    t.ok(&["member", "revoke", "Cy@Acme.dev", "-p", "acme/shop"]);
    // access check, --as and PROJ_AS.
    let c = t.json(&["access", "check", "BO@acme.dev", "org.update", "acme"]);
    assert_eq!(
        (c["allowed"].as_bool(), c["rule"].as_str()),
        (Some(true), Some("org-admin"))
    );
    let w = t.json(&["whoami", "--as", "Bo@ACME.dev"]);
    assert_eq!(
        (w["identity"].as_str(), w["role"].as_str()),
        (Some("bo@acme.dev"), Some("admin"))
    );
    let r = crate::helpers::run_env(
        &t,
        t.path(),
        &[("PROJ_AS", "BO@Acme.Dev")],
        &["env", "add", "staging", "-p", "shop"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(crate::helpers::events(&t)[0]["actor"], "bo@acme.dev");
    t.ok(&["member", "remove", "CY@ACME.DEV"]);
    assert!(t.run(&["member", "show", "cy@acme.dev"]).code == 3);
    // The file holds only lowercase emails.
    let n = t.sql_i64("SELECT count(*) FROM members WHERE email <> lower(email)");
    assert_eq!(n, 0);
}

#[test]
fn init_saves_the_identity_lowercased() {
    crate::file_only!("init saves an identity in a file; on a server the login is the identity");
    let t = TestEnv::new();
    t.init("Ana@Acme.dev", "acme", "shop");
    let w = t.json(&["whoami"]);
    assert_eq!(
        (w["identity"].as_str(), w["source"].as_str()),
        (Some("ana@acme.dev"), Some("saved"))
    );
    assert_eq!(w["role"], "owner");
    let saved: String = sql(&t)
        .query_row("SELECT identity FROM selection", [], |r| r.get(0))
        .unwrap();
    assert_eq!(saved, "ana@acme.dev");
    // A second run with another spelling is the same member: nothing changes.
    let again = t.json(&[
        "init",
        "--yes",
        "--user",
        "ANA@acme.dev",
        "--org",
        "acme",
        "--project",
        "shop",
    ]);
    assert_eq!(again["changed"], false);
}

const V2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v2.db");

#[test]
fn a_schema_2_file_upgrades_and_finds_a_member_by_any_case() {
    crate::file_only!("a fixture of file schema 2");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    std::fs::copy(V2, &t.db).unwrap();
    // The fixture holds `Bo@Acme.dev` with a project grant and an environment grant.
    let m = t.json(&[
        "member",
        "show",
        "bo@acme.dev",
        "--org",
        "acme",
        "--as",
        "ana@acme.dev",
    ]);
    assert_eq!(m["email"], "bo@acme.dev");
    assert_eq!(m["grants"].as_array().unwrap().len(), 2, "{m}");
    let w = t.json(&["whoami", "--as", "BO@ACME.DEV", "--org", "acme"]);
    assert_eq!(w["role"], "member");
    t.fails(
        &[
            "member",
            "add",
            "bo@acme.dev",
            "--org",
            "acme",
            "--as",
            "ana@acme.dev",
        ],
        4,
    );
    let conn = sql(&t);
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, proj::store::migrate::LATEST);
    let emails: Vec<String> = conn
        .prepare("SELECT email FROM members ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(emails, ["ana@acme.dev", "bo@acme.dev", "cy@acme.dev"]);
    // Lookups by email still use an index.
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM members WHERE org_id = 1 AND email = 'bo@acme.dev'",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("USING"), "{plan}");
}

#[test]
fn a_schema_2_file_with_members_differing_only_in_case_is_refused_untouched() {
    crate::file_only!("a fixture of file schema 2");
    let t = TestEnv::new();
    std::fs::create_dir_all(t.db.parent().unwrap()).unwrap();
    {
        let conn = sql(&t);
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        conn.execute_batch(include_str!("../fixtures/schema-v2.sql"))
            .unwrap();
        conn.execute_batch(
            "INSERT INTO members VALUES(9,1,'BO@ACME.DEV',NULL,'viewer','2026-11-27T09:14:03Z');
             PRAGMA application_id = 1347571530; PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let before = std::fs::read(&t.db).unwrap();
    let r = t.run(&["org", "list", "--as", "ana@acme.dev"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for part in [
        "`acme`",
        "`BO@ACME.DEV`",
        "`Bo@Acme.dev`",
        "case",
        "hint:",
        "remove",
        "untouched",
    ] {
        assert!(r.stderr.contains(part), "missing {part}: {}", r.stderr);
    }
    assert_eq!(r.stdout, "");
    assert_eq!(std::fs::read(&t.db).unwrap(), before, "the file changed");
    let version: i32 = sql(&t)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    // JSON says the same.
    let r = t.run(&["org", "list", "--json"]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stderr).unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("BO@ACME.DEV")
    );
}

// ---- 2. Terminal safety ----

#[test]
fn control_characters_are_refused_in_every_free_text_field() {
    let t = team();
    t.ok(&[
        "resource",
        "add",
        "api",
        "-t",
        "app",
        "-e",
        "production",
        "-p",
        "shop",
    ]);
    let before = t.dump();
    let tab = "a\tb";
    let nl = "a\nb";
    let c1 = "a\u{9b}31mb";
    let bidi = "a\u{202e}b";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["org", "add", "beta", "--display-name"],
            "--display-name",
        ),
        (
            vec!["org", "rename", "acme", "--display-name"],
            "--display-name",
        ),
        (
            vec!["project", "add", "blog", "--display-name"],
            "--display-name",
        ),
        (
            vec!["project", "add", "blog", "--description"],
            "--description",
        ),
        (
            vec!["project", "rename", "shop", "--display-name"],
            "--display-name",
        ),
        (
            vec!["project", "rename", "shop", "--description"],
            "--description",
        ),
        (
            vec!["env", "add", "x", "-p", "shop", "--display-name"],
            "--display-name",
        ),
        (
            vec!["env", "add", "x", "-p", "shop", "--description"],
            "--description",
        ),
        (
            vec![
                "env",
                "rename",
                "production",
                "-p",
                "shop",
                "--display-name",
            ],
            "--display-name",
        ),
        (
            vec!["env", "rename", "production", "-p", "shop", "--description"],
            "--description",
        ),
        (
            vec![
                "env",
                "clone",
                "production",
                "x",
                "-p",
                "shop",
                "--display-name",
            ],
            "--display-name",
        ),
        (
            vec![
                "env",
                "clone",
                "production",
                "x",
                "-p",
                "shop",
                "--description",
            ],
            "--description",
        ),
        (
            vec![
                "resource",
                "add",
                "db",
                "-t",
                "database",
                "-e",
                "production",
                "-p",
                "shop",
                "--description",
            ],
            "--description",
        ),
        (
            vec![
                "resource",
                "rename",
                "api",
                "-e",
                "production",
                "-p",
                "shop",
                "--description",
            ],
            "--description",
        ),
        (vec!["member", "add", "cy@acme.dev", "--name"], "--name"),
        (vec!["member", "rename", "bo@acme.dev", "--name"], "--name"),
    ];
    for (args, field) in &cases {
        for bad in [ESC, tab, nl, c1, bidi, "\r", "\u{7f}"] {
            let mut all = args.clone();
            all.push(bad);
            let r = t.run(&all);
            assert_eq!(r.code, 2, "proj {all:?}: {}{}", r.stdout, r.stderr);
            assert!(r.stderr.contains(field), "proj {all:?}: {}", r.stderr);
            assert!(r.stderr.contains("control character"), "{}", r.stderr);
            no_raw_controls("the error", &r.stderr);
            // And as JSON: the same refusal, the value escaped by serde.
            all.push("--json");
            let r = t.run(&all);
            assert_eq!(r.code, 2);
            let v: Value = serde_json::from_str(&r.stderr).unwrap();
            assert_eq!(v["error"]["code"], "usage");
            assert!(v["error"]["message"].as_str().unwrap().contains(field));
        }
    }
    assert_eq!(t.dump(), before, "a refused command changed the file");
    // init --name too, and nothing is created.
    let fresh = TestEnv::new();
    let r = fresh.run(&[
        "init",
        "--yes",
        "--user",
        "a@b.dev",
        "--name",
        ESC,
        "--org",
        "acme",
        "--project",
        "shop",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--name"));
    assert!(!fresh.db.exists());
    // Printable text, accents and emoji included, is fine; an empty value still clears.
    t.ok(&[
        "env",
        "add",
        "x",
        "-p",
        "shop",
        "--display-name",
        "Prüfung ✓",
        "--description",
        "",
    ]);
}

#[test]
fn stored_control_characters_are_escaped_in_tables_plain_lines_trees_and_errors() {
    let t = team();
    t.ok(&["env", "add", "staging", "-p", "shop"]);
    t.ok(&[
        "resource", "add", "api", "-t", "app", "-e", "staging", "-p", "shop",
    ]);
    // Rows written before input was checked (or by another program).
    t.sql(&format!(
        "UPDATE environments SET display_name = '{ESC}', description = 'x{ESC}' WHERE slug = 'staging';
         UPDATE members SET name = 'B\u{7}o{ESC}' WHERE email = 'bo@acme.dev';
         UPDATE projects SET display_name = 'S\rhop' WHERE slug = 'shop';
         UPDATE resources SET slug = 'a\u{1b}[2Jpi' WHERE slug = 'api';"
    ));
    for args in [
        vec!["env", "list", "-p", "shop"],
        vec!["env", "list", "-p", "shop", "-o", "plain"],
        vec!["env", "show", "staging", "-p", "shop"],
        vec!["env", "show", "staging", "-p", "shop", "-o", "plain"],
        vec!["member", "list"],
        vec!["member", "list", "-o", "plain"],
        vec!["member", "show", "bo@acme.dev"],
        vec!["project", "list"],
        vec!["project", "show", "shop", "-o", "plain"],
        vec!["resource", "list", "-p", "shop"],
        vec!["resource", "list", "-p", "shop", "-o", "plain"],
        vec!["tree", "--org", "acme"],
        vec!["tree", "--org", "acme", "-o", "plain"],
    ] {
        let out = t.ok(&args);
        no_raw_controls(&format!("proj {args:?}"), &out);
        // A table shows each one escaped; a plain line turns a line break or tab into a space.
        let plain = args.contains(&"plain");
        assert!(
            out.contains("\\u{1b}") || out.contains(if plain { "S hop" } else { "S\\u{d}hop" }),
            "proj {args:?}: {out}"
        );
    }
    let env_plain = t.ok(&["env", "show", "staging", "-p", "shop", "-o", "plain"]);
    assert_eq!(
        env_plain,
        "staging\t\\u{1b}[31mRED\\u{1b}]0;pwned\\u{7}\tstaging\tno\n"
    );
    let members = t.ok(&["member", "list", "-o", "plain"]);
    assert!(
        members.contains("bo@acme.dev\tB\\u{7}o\\u{1b}[31mRED"),
        "{members}"
    );
    // JSON keeps the exact text, escaped by serde.
    let raw = t.ok(&["env", "show", "staging", "-p", "shop", "--json"]);
    no_raw_controls("JSON", &raw);
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["display_name"], ESC);
    // Errors and hints that echo input or stored names.
    for args in [
        vec!["env", "show", ESC, "-p", "shop"],
        vec!["env", "add", ESC, "-p", "shop"],
        vec!["member", "show", ESC],
        vec!["member", "add", "a\u{1b}]0;x\u{7}@b.dev"],
        vec!["resource", "show", "nope", "-e", "staging", "-p", "shop"],
        vec![ESC],
        vec!["env", "list", "--bogus", ESC],
        vec!["env", "list", "-o", ESC],
    ] {
        let r = t.run(&args);
        assert_ne!(r.code, 0, "proj {args:?}");
        no_raw_controls(&format!("proj {args:?}"), &r.stderr);
        no_raw_controls(&format!("proj {args:?}"), &r.stdout);
    }
    let err = t.fails(&["env", "show", ESC, "-p", "shop"], 3);
    assert!(err.contains("\\u{1b}[31mRED"), "{err}");
    let err = t.fails(&[ESC], 2);
    assert!(
        err.contains("'\\u{1b}[31mRED\\u{1b}]0;pwned\\u{7}'"),
        "{err}"
    );
}

// ---- 3. clap usage errors keep their message in JSON ----

#[test]
fn json_usage_errors_carry_clap_s_whole_message() {
    let t = TestEnv::with_shop();
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--json", "env", "add"], &["<NAME>", "not provided"]),
        (&["env", "add", "--json"], &["<NAME>"]),
        (
            &["--json", "member", "grant", "bo@acme.dev"],
            &["--role <ROLE>"],
        ),
        (&["--json", "env", "list", "--bogus"], &["--bogus"]),
        (
            &["--json", "env", "add", "x", "--kind", "weird"],
            &["weird", "--kind"],
        ),
    ];
    for (args, parts) in cases {
        let r = t.run(args);
        assert_eq!(r.code, 2, "proj {args:?}");
        assert_eq!(r.stdout, "");
        let v: Value = serde_json::from_str(&r.stderr)
            .unwrap_or_else(|e| panic!("proj {args:?}: {e}: {}", r.stderr));
        assert_eq!(v["error"]["code"], "usage");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(!message.contains('\n'), "{message}");
        for part in parts {
            assert!(message.contains(part), "proj {args:?}: {message}");
        }
        // What clap says without --json is in the JSON message too.
        let human: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
        let text = t.fails(&human, 2);
        let first = text.lines().next().unwrap().trim_start_matches("error: ");
        assert!(message.starts_with(first), "{message} vs {first}");
    }
    let r = t.run(&["--json", "env", "add"]);
    let v: Value = serde_json::from_str(&r.stderr).unwrap();
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("proj env add"),
        "{v}"
    );
}

// ---- 4. -q access check answers with its exit code ----

#[test]
fn quiet_access_check_exits_5_when_denied() {
    let t = team();
    let ok = t.run(&[
        "-q",
        "access",
        "check",
        "bo@acme.dev",
        "resource.add",
        "acme/shop",
    ]);
    assert_eq!(
        (ok.code, ok.stdout.as_str(), ok.stderr.as_str()),
        (0, "", "")
    );
    let denied = t.run(&["-q", "access", "check", "bo@acme.dev", "org.remove", "acme"]);
    assert_eq!(
        (denied.code, denied.stdout.as_str(), denied.stderr.as_str()),
        (5, "", "")
    );
    // Hidden from the member is denied too.
    t.ok(&["project", "add", "secret", "--org", "acme"]);
    let hidden = t.run(&[
        "--quiet",
        "access",
        "check",
        "bo@acme.dev",
        "read",
        "acme/secret",
    ]);
    assert_eq!((hidden.code, hidden.stderr.as_str()), (5, ""));
    // Without --quiet the answer is printed and the exit code stays 0.
    let shown = t.run(&["access", "check", "bo@acme.dev", "org.remove", "acme"]);
    assert_eq!(shown.code, 0);
    assert!(shown.stdout.starts_with("denied"), "{}", shown.stdout);
    assert_eq!(
        t.run(&[
            "access",
            "check",
            "bo@acme.dev",
            "org.remove",
            "acme",
            "--json"
        ])
        .code,
        0
    );
    // A real error is still reported under --quiet.
    let err = t.run(&["-q", "access", "check", "zed@acme.dev", "read", "acme"]);
    assert_eq!(err.code, 3);
    assert!(err.stderr.contains("zed@acme.dev"));
}

// ---- 5. member list -o plain carries grants ----

#[test]
fn member_plain_lines_carry_grants_in_one_field() {
    let t = team();
    t.ok(&[
        "member",
        "grant",
        "bo@acme.dev",
        "-p",
        "acme/shop",
        "-e",
        "production",
        "--role",
        "viewer",
    ]);
    t.ok(&["member", "rename", "bo@acme.dev", "--name", "Bo Smith"]);
    let out = t.ok(&["member", "list", "-o", "plain"]);
    assert_eq!(
        out,
        "ana@acme.dev\tAna\towner\t-\n\
         bo@acme.dev\tBo Smith\tmember\tshop:developer,shop/production:viewer\n"
    );
    for line in out.lines() {
        assert_eq!(line.split('\t').count(), 4, "{line}");
    }
    let one = t.ok(&["member", "show", "bo@acme.dev", "-o", "plain"]);
    assert_eq!(
        one,
        "bo@acme.dev\tBo Smith\tmember\tshop:developer,shop/production:viewer\n"
    );
}

// ---- 6. One drawing rule for tables and trees ----

#[test]
fn tables_and_trees_both_draw_box_characters_off_a_terminal() {
    let t = TestEnv::with_shop();
    let table = t.ok(&["env", "list", "-p", "shop"]);
    let tree = t.ok(&["tree", "--org", "acme"]);
    assert!(table.starts_with('╭'), "{table}");
    assert!(tree.contains("└── shop"), "{tree}");
    assert!(!tree.contains("`--"), "{tree}");
}

#[test]
fn context_shows_the_identity_lowercased_as_every_command_uses_it() {
    crate::file_only!("--as in context is a file's identity (a server refuses --as)");
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", "ana@acme.dev", "--org", "acme"]);
    let v = t.json(&["context", "--as", "Ana@Acme.DEV"]);
    assert_eq!(v["identity"]["value"], "ana@acme.dev");
    assert_eq!(v["identity"]["source"], "flag");
}
