//! Files `proj apply` refuses, and plans it may not apply: exit 2 at `FILE:LINE:COLUMN` for a
//! file that does not parse or names invalid things, 5 listing every denied change, 4 for a
//! conflict; the database is left exactly as it was (or not created at all).

use super::{ACME, acme, acme_logins, acme_with_logins, file};
use crate::helpers::fails_unchanged;
use crate::support::TestEnv;

/// `apply FILE` of `text` on `t` fails with `code`, changes nothing; returns stderr with the
/// file's path shortened to `layout.toml`.
#[track_caller]
fn refused(t: &TestEnv, text: &str, extra: &[&str], code: i32) -> String {
    let path = file(t, "layout.toml", text);
    let mut args = vec!["apply", "--yes", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    fails_unchanged(t, &args, code).replace(path.to_str().unwrap(), "layout.toml")
}

/// The first line of an error: `error: FILE:LINE:COLUMN: reason`.
fn first(stderr: &str) -> &str {
    stderr.lines().next().unwrap_or("")
}

#[test]
fn a_syntax_error_is_reported_at_its_line_and_column() {
    let t = TestEnv::new();
    let err = refused(&t, "[[org]]\nslug = \"acme\n", &[], 2);
    assert!(first(&err).starts_with("error: layout.toml:2:"), "{err}");
    let err = refused(&t, "[[org]]\nslug = \"acme\"\nslug = \"beta\"\n", &[], 2);
    assert!(
        first(&err).starts_with("error: layout.toml:3:1: duplicate key"),
        "{err}"
    );
    // Nothing was created for a file that did not exist.
    assert!(!t.db.exists());
}

#[test]
fn an_unknown_key_is_an_error_not_dropped() {
    let t = acme();
    let text = ACME.replace(
        "slug = \"staging\"\n",
        "slug = \"staging\"\ncolour = \"red\"\n",
    );
    let err = refused(&t, &text, &[], 2);
    let line = text.lines().position(|l| l.starts_with("colour")).unwrap() + 1;
    assert!(
        first(&err).starts_with(&format!(
            "error: layout.toml:{line}:1: unknown field `colour`"
        )),
        "{err}"
    );
    let err = refused(&t, "[[orgs]]\nslug = \"acme\"\n", &[], 2);
    assert!(
        first(&err).contains("layout.toml:1:3: unknown field `orgs`"),
        "{err}"
    );
}

#[test]
fn an_invalid_slug_is_reported_at_its_key_with_a_suggestion() {
    let t = acme();
    let text = ACME.replace("slug = \"preview\"", "slug = \"QA Env\"");
    let err = refused(&t, &text, &[], 2);
    let line = text.lines().position(|l| l.contains("QA Env")).unwrap() + 1;
    assert_eq!(
        first(&err),
        format!(
            "error: layout.toml:{line}:1: invalid environment name `QA Env`: use lowercase letters, digits and '-'"
        )
    );
    assert!(err.contains("hint: try `qa-env`"), "{err}");
    // Several problems: the first is shown, and the rest counted.
    let text = text.replace(
        "role = \"viewer\"\n\n[[org.team]]",
        "role = \"boss\"\n\n[[org.team]]",
    );
    let err = refused(&t, &text, &[], 2);
    assert!(
        first(&err).contains("invalid organization role `boss`"),
        "{err}"
    );
    assert!(err.contains("1 more problem"), "{err}");
}

#[test]
fn names_kinds_types_roles_emails_and_text_are_checked() {
    let t = TestEnv::new_empty();
    for (text, says) in [
        (
            "[[org]]\nslug = \"a\"\n\n[[org.member]]\nemail = \"nobody\"\n",
            "5:1: invalid email `nobody`",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.project]]\nslug = \"p\"\n\n[[org.project.env]]\nslug = \"e\"\nkind = \"qa\"\n",
            "9:1: invalid environment kind `qa`",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.project]]\nslug = \"p\"\n\n[[org.project.env]]\nslug = \"e\"\n\n[[org.project.env.resource]]\nslug = \"r\"\ntype = \"vm\"\n",
            "12:1: invalid resource type `vm`",
        ),
        (
            "[[org]]\nslug = \"a\"\ndisplay_name = \"\\u001b[31mred\"\n",
            "3:1: invalid display name: it contains the control character U+001B",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.project]]\nslug = \"p\"\n\n[[org.project]]\nslug = \"p\"\n",
            "8:1: project `p` is named twice",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.member]]\nemail = \"a@b.co\"\nrole = \"owner\"\n\n[[org.member]]\nemail = \"A@B.co\"\n",
            "9:1: `a@b.co` is listed twice",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.project]]\nslug = \"p\"\n\n[[org.project.grant]]\nrole = \"admin\"\n",
            "8:1: a grant needs `member = EMAIL` or `team = SLUG`",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.member]]\nemail = \"a@b.co\"\nrole = \"admin\"\n",
            "2:1: organization `a` has members but no owner",
        ),
        (
            "[[org]]\nslug = \"a\"\n\n[[org.team]]\nslug = \"t\"\nmembers = [\"x@y.z\", \"x@y.z\"]\n",
            "6:21: `x@y.z` is listed twice in team `t`",
        ),
    ] {
        let err = refused(&t, text, &[], 2);
        assert!(
            first(&err).starts_with(&format!("error: layout.toml:{says}")),
            "{text}\n{err}"
        );
    }
    // Nothing was created: no file, or no schema `proj` on the server.
    assert!(!t.store_exists());
}

#[test]
fn a_reference_to_what_neither_file_nor_database_has_is_reported_where_it_is() {
    let t = acme();
    let grant = "\n[[org.project.grant]]\nmember = \"zed@acme.dev\"\nrole = \"viewer\"\n";
    let text = format!("{ACME}{grant}");
    let err = refused(&t, &text, &[], 2);
    let line = text.lines().position(|l| l.contains("zed@")).unwrap() + 1;
    assert!(
        first(&err).starts_with(&format!(
            "error: layout.toml:{line}:1: grant names `zed@acme.dev`, who is not a member of `acme` in the file or the database"
        )),
        "{err}"
    );
    // A member the database has (and the file leaves out) may be named without --prune,
    // not with it: --prune would remove them.
    let text = ACME.replace(
        "[[org.member]]\nemail = \"cy@acme.dev\"\nrole = \"viewer\"\n\n",
        "",
    ) + "\n[[org.project.grant]]\nmember = \"cy@acme.dev\"\nrole = \"viewer\"\n";
    let ok = file(&t, "ok.toml", &text);
    t.ok(&["apply", "--dry-run", ok.to_str().unwrap()]);
    let err = refused(&t, &text, &["--prune"], 2);
    assert!(
        err.contains("with --prune, members the file leaves out are removed"),
        "{err}"
    );
    // Environments and teams alike.
    let text = ACME.replace(
        "env = \"staging\"\nrole = \"admin\"",
        "env = \"stage\"\nrole = \"admin\"",
    );
    let err = refused(&t, &text, &[], 2);
    assert!(
        first(&err).contains("grant names environment `stage`"),
        "{err}"
    );
    let text = ACME.replace("team = \"backend\"\nenv", "team = \"frontend\"\nenv");
    let err = refused(&t, &text, &[], 2);
    assert!(first(&err).contains("grant names team `frontend`"), "{err}");
    let text = ACME.replace(
        "members = [\"bo@acme.dev\"]",
        "members = [\"bo@acme.dev\", \"al@acme.dev\"]",
    );
    let err = refused(&t, &text, &[], 2);
    assert!(
        first(&err).contains("team `backend` lists `al@acme.dev`"),
        "{err}"
    );
}

#[test]
fn every_denied_change_is_listed_and_nothing_is_applied() {
    // Bo acts through his login on a server.
    let t = acme_logins();
    // Bo: member of acme, developer on shop, viewer on production.
    let text = acme_with_logins()
        .replace("[[org.project.env]]\nslug = \"production\"\n", "[[org.project.env]]\nslug = \"production\"\nprotected = false\n")
        .replace("slug = \"staging\"\n", "slug = \"staging\"\ndescription = \"ok for a developer\"\n")
        .replace("slug = \"db\"\ntype = \"database\"", "slug = \"db\"\ntype = \"database\"\n\n[[org.project.env.resource]]\nslug = \"cache\"\ntype = \"database\"")
        + "\n[[org.project]]\nslug = \"blog\"\n\n[[org.project.env]]\nslug = \"production\"\n";
    let err = refused(&t, &text, &["--as", "bo@acme.dev"], 5);
    assert!(
        first(&err).starts_with("error: permission denied for 3 of 5 changes; nothing was changed"),
        "{err}"
    );
    for denied in [
        "caused by: ~ env acme/shop/production: protected yes → no: viewer on acme/shop/production (environment grant; it replaces developer on acme/shop), and viewers only read",
        "caused by: + resource acme/shop/production/cache (database): ",
        "caused by: + project acme/blog: member of acme, and project.add needs an organization admin",
    ] {
        assert!(err.contains(denied), "{denied} in\n{err}");
    }
    assert!(!err.contains("caused by: ~ env acme/shop/staging"), "{err}");
    assert!(
        err.contains("1 more change lies inside what may not be created"),
        "{err}"
    );
    // --dry-run says the same, after the plan.
    let path = file(&t, "layout.toml", &text);
    let r = t.run(&[
        "apply",
        "--dry-run",
        path.to_str().unwrap(),
        "--as",
        "bo@acme.dev",
    ]);
    assert_eq!(r.code, 5);
    assert!(
        r.stdout
            .ends_with("3 to create, 2 to change, 0 to remove\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_viewer_is_denied_and_an_outsider_finds_the_name_taken() {
    // Cy acts through her login on a server.
    let t = acme_logins();
    let text =
        acme_with_logins().replace("description = \"The web shop\"", "description = \"Shop\"");
    // Cy is a viewer without grants: shop does not exist for them, so it would be created.
    let err = refused(&t, &text, &["--as", "cy@acme.dev"], 5);
    assert!(err.contains("+ project acme/shop"), "{err}");
    let outsider = TestEnv::new();
    let path = file(&outsider, "acme.toml", ACME);
    outsider.ok(&["apply", "--yes", path.to_str().unwrap()]);
    outsider.ok(&["org", "add", "other"]);
    outsider.ok(&["member", "add", "zed@else.dev", "--org", "other"]);
    let err = refused(&outsider, &text, &["--as", "zed@else.dev"], 4);
    assert!(err.contains("the name `acme` is not available"), "{err}");
}

#[test]
fn an_identity_that_is_nobody_is_not_found() {
    crate::file_only!(
        "--as naming nobody is the file's identity check (exit 3); on a server the identity is the login and --as exits 5"
    );
    let t = TestEnv::new();
    let path = file(&t, "acme.toml", ACME);
    t.ok(&["apply", "--yes", path.to_str().unwrap()]);
    let text = ACME.replace("description = \"The web shop\"", "description = \"Shop\"");
    let err = refused(&t, &text, &["--as", "someone@else.dev"], 3);
    assert!(err.contains("no member `someone@else.dev`"), "{err}");
}

#[test]
fn the_last_owner_is_kept() {
    let t = acme();
    let text = ACME.replace("role = \"owner\"", "role = \"admin\"");
    let err = refused(&t, &text, &[], 4);
    assert!(
        err.contains("the file would leave no owner in `acme`"),
        "{err}"
    );
}

#[test]
fn a_missing_file_or_one_that_is_not_text() {
    let t = TestEnv::new();
    let err = fails_unchanged(&t, &["apply", "nothing.toml"], 2);
    assert!(err.contains("no layout file `nothing.toml`"), "{err}");
    let path = t.path().join("bin.toml");
    std::fs::write(&path, b"[[org]]\nslug = \"\xff\"\n").unwrap();
    let err = fails_unchanged(&t, &["apply", path.to_str().unwrap()], 2);
    assert!(err.contains(":2:9: a layout file is UTF-8 text"), "{err}");
}

#[test]
fn json_errors_carry_the_position_in_the_message() {
    let t = TestEnv::new();
    let path = file(&t, "layout.toml", "[[org]]\nslug = \"Bad\"\n");
    let err = fails_unchanged(&t, &["apply", path.to_str().unwrap(), "--json"], 2);
    let v: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(v["error"]["code"], "usage");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("layout.toml:2:1: invalid organization name `Bad`: use lowercase letters, digits and '-'"),
        "{v}"
    );
}
