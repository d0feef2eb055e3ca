//! A name the actor may not see answers exactly as a name that does not exist: every command
//! form below is run against a hidden project and a missing one, and the two answers (exit
//! code, stdout, stderr, with the name replaced) must be the same. `init` is among them, with
//! flags and typed into a terminal, and so is `--as` over another identity's saved selection.

use crate::support::TestEnv;

const ANA: &str = "ana@acme.dev";
const BO: &str = "bo@acme.dev";
const HIDDEN: &str = "zeta-secret";
const MISSING: &str = "zeta-absent";

/// acme: ana the owner and the saved identity, who selected the project hidden from bo
/// (`zeta-secret`, with `qz-env2` and production); bo is a member with a grant on shop only.
pub fn world() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", ANA, "--org", "acme", "--role", "owner"]);
    t.ok(&["member", "add", BO, "--org", "acme"]);
    t.ok(&["member", "add", "cy@acme.dev", "--org", "acme"]);
    t.ok(&[
        "member",
        "grant",
        BO,
        "-p",
        "acme/shop",
        "--role",
        "developer",
    ]);
    t.ok(&["project", "add", HIDDEN, "--org", "acme"]);
    t.ok(&["env", "add", "qz-env2", "-p", &format!("acme/{HIDDEN}")]);
    t.ok(&["project", "use", &format!("acme/{HIDDEN}"), "--as", ANA]);
    t.ok(&["team", "add", "ops", "--org", "acme", "--as", ANA]);
    t
}

/// Every form, `X` standing for the project's name.
const FORMS: &[&[&str]] = &[
    &["project", "show", "acme/X"],
    &["project", "show", "acme/X", "--json"],
    &["project", "rename", "acme/X", "other"],
    &["project", "remove", "acme/X", "--yes"],
    &["project", "use", "acme/X"],
    &["env", "list", "-p", "acme/X"],
    &["env", "add", "qa", "-p", "acme/X"],
    &["env", "show", "production", "-p", "acme/X"],
    &["env", "rename", "acme/X/production", "prod2"],
    &["env", "protect", "acme/X/qz-env2"],
    &["env", "remove", "acme/X/qz-env2", "--yes"],
    &["resource", "list", "--env", "acme/X/production"],
    &[
        "resource",
        "add",
        "api",
        "--type",
        "app",
        "--env",
        "acme/X/production",
    ],
    &[
        "member",
        "grant",
        "cy@acme.dev",
        "-p",
        "acme/X",
        "--role",
        "viewer",
    ],
    &["env", "archive", "acme/X/qz-env2"],
    &["env", "unarchive", "acme/X/qz-env2"],
    &["env", "unprotect", "acme/X/production"],
    &["env", "clone", "acme/X/production", "copy"],
    &["env", "diff", "acme/X/production", "acme/X/qz-env2"],
    &["env", "list", "-p", "acme/X", "--archived", "-o", "plain"],
    &["resource", "show", "api", "--env", "acme/X/production"],
    &[
        "resource",
        "rename",
        "api",
        "api2",
        "--env",
        "acme/X/production",
    ],
    &[
        "resource",
        "remove",
        "api",
        "--env",
        "acme/X/production",
        "--yes",
    ],
    &["member", "revoke", "cy@acme.dev", "-p", "acme/X"],
    &["team", "grant", "ops", "-p", "acme/X", "--role", "viewer"],
    &["team", "revoke", "ops", "-p", "acme/X"],
    &["access", "check", BO, "read", "acme/X"],
    &[
        "access",
        "check",
        BO,
        "env.update",
        "acme/X/production",
        "--json",
    ],
    &["tree", "-p", "acme/X"],
    &["tree", "-p", "acme/X", "--access"],
    &["link", "acme/X"],
    &["export", "--org", "acme", "-p", "acme/X"],
    &["log", "-p", "acme/X"],
    &["context", "-p", "acme/X"],
    &["context", "-p", "X"],
    &["env", "list", "-p", "X"],
    &[
        "init",
        "--yes",
        "--user",
        BO,
        "--org",
        "acme",
        "--project",
        "X",
    ],
    &[
        "init",
        "--yes",
        "--user",
        BO,
        "--org",
        "acme",
        "--project",
        "X",
        "--json",
    ],
];

fn answer(t: &TestEnv, form: &[&str], name: &str, as_bo: bool) -> (i32, String, String) {
    let mut args: Vec<String> = form.iter().map(|a| a.replace('X', name)).collect();
    // Forms ending in an email keep their X-free spelling; init names its user itself.
    if as_bo && form[0] != "init" {
        args.extend(["--as".to_string(), BO.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = t.run(&args);
    let norm = |s: &str| s.replace(name, "X");
    (r.code, norm(&r.stdout), norm(&r.stderr))
}

#[test]
fn every_form_answers_a_hidden_project_as_a_missing_one() {
    crate::file_only!("init as another email and --as: on a server the login is the identity");
    let t = world();
    let before = t.dump();
    for form in FORMS {
        let hidden = answer(&t, form, HIDDEN, true);
        let missing = answer(&t, form, MISSING, true);
        assert_eq!(hidden, missing, "proj {form:?}: hidden vs missing");
        for out in [&hidden.1, &hidden.2] {
            assert!(
                !out.contains("qz-env2"),
                "proj {form:?} names the hidden env: {out}"
            );
        }
    }
    assert_eq!(t.dump(), before, "a refused command changed something");
}

#[test]
fn another_identitys_saved_selection_is_not_read_with_as() {
    crate::file_only!("the file's selection by identity; on a server each login has its own");
    let t = world();
    for args in [
        &["context"][..],
        &["context", "--json"],
        &["env", "list"],
        &["project", "show"],
        &["env", "add", "qa", "--kind", "nonsense"],
        &["resource", "list"],
        &["tree"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--as", BO]);
        let r = t.run(&all);
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains(HIDDEN),
                "proj {all:?} names the hidden project: {out}"
            );
        }
    }
    // bo's context is their own: the only project they see.
    let ctx = t.json(&["context", "--as", BO]);
    assert_eq!(ctx["project"]["value"], "shop", "{ctx}");
    // ana keeps hers, and bo choosing changes nothing of it.
    t.ok(&["project", "use", "acme/shop", "--as", BO]);
    assert_eq!(t.json(&["context"])["project"]["value"], HIDDEN);
    assert_eq!(t.json(&["context", "--as", BO])["project"]["value"], "shop");
}

#[test]
fn init_never_offers_or_describes_a_hidden_project() {
    crate::file_only!("init as another email: on a server the login is the identity");
    let t = world();
    // As bo, with flags: a hidden project is refused as a missing one is (`every_form_…`);
    // bo adding the project they can see works and names nothing else.
    let out = t.ok(&[
        "init",
        "--yes",
        "--user",
        BO,
        "--org",
        "acme",
        "--project",
        "shop",
    ]);
    assert!(!out.contains(HIDDEN), "{out}");
    // The saved identity is now bo, with bo's own selection; ana's stays hers.
    assert_eq!(t.json(&["context"])["project"]["value"], "shop");
    assert_eq!(
        t.json(&["context", "--as", ANA])["project"]["value"],
        HIDDEN
    );
}

#[test]
fn a_file_from_before_keeps_its_selection_for_its_saved_identity() {
    crate::file_only!("the file's schema upgrade");
    let t = world();
    // Back to schema 5, where one selection row served the whole file.
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch(
        "UPDATE selection SET
             org_id = (SELECT org_id FROM selections WHERE identity = 'ana@acme.dev'),
             project_id = (SELECT project_id FROM selections WHERE identity = 'ana@acme.dev');
         DROP TABLE selections;
         PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(t.json(&["context"])["project"]["value"], HIDDEN);
    assert_eq!(t.json(&["context", "--as", BO])["project"]["value"], "shop");
    assert_eq!(t.sql_i64("SELECT count(*) FROM selections"), 1);
}

#[test]
fn the_first_identity_keeps_the_selection_made_before_there_was_one() {
    crate::file_only!("a file's saved identity; on a server the login is the identity");
    let t = TestEnv::with_shop();
    t.ok(&["project", "add", "web", "--org", "acme"]);
    t.ok(&["project", "use", "acme/web"]);
    // The first member of a file without an identity becomes it, and keeps the selection.
    t.ok(&["member", "add", ANA, "--org", "acme", "--role", "owner"]);
    assert_eq!(t.json(&["context"])["identity"]["value"], ANA);
    assert_eq!(t.json(&["context"])["project"]["value"], "web");
    // Another identity does not inherit it.
    t.ok(&["member", "add", BO, "--org", "acme"]);
    t.ok(&["member", "grant", BO, "-p", "acme/shop", "--role", "viewer"]);
    assert_eq!(t.json(&["context", "--as", BO])["project"]["value"], "shop");
}
