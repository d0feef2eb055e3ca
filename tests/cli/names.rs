//! Slugs: `^[a-z][a-z0-9-]{0,62}$`, no trailing `-`, no `--`. A bad name exits 2, changes
//! nothing, and the hint suggests a slug when there is a sensible one.

use crate::helpers::fails_unchanged;
use crate::support::TestEnv;

const BAD: &[&str] = &[
    "",
    " ",
    "qa env",
    "QA",
    "Staging",
    "1st",
    "é",
    "stagé",
    "日本",
    "a;b",
    "a'b",
    "a\"b",
    "$(x)",
    "`x`",
    "a|b",
    "a&b",
    "a--b",
    "a-",
    "a_b",
    "a.b",
    "a/b/c/d",
    "a\nb",
    "drop table orgs;--",
    "x'; DROP TABLE environments; --",
];

fn too_long() -> String {
    "a".repeat(64)
}

#[test]
fn bad_environment_names_exit_2_and_change_nothing() {
    let t = TestEnv::with_shop();
    let long = too_long();
    for name in BAD.iter().copied().chain([long.as_str()]) {
        let err = fails_unchanged(&t, &["env", "add", name], 2);
        assert!(
            err.contains("error: invalid environment name"),
            "{name:?}: {err}"
        );
    }
}

#[test]
fn bad_names_for_every_noun_and_rename() {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging"]);
    let long = too_long();
    for name in BAD.iter().copied().chain([long.as_str()]) {
        let err = fails_unchanged(&t, &["org", "add", name], 2);
        assert!(err.contains("invalid organization name"), "{name:?}: {err}");
        let err = fails_unchanged(&t, &["project", "add", name], 2);
        assert!(err.contains("invalid project name"), "{name:?}: {err}");
        fails_unchanged(&t, &["org", "rename", "acme", name], 2);
        fails_unchanged(&t, &["project", "rename", "shop", name], 2);
        fails_unchanged(&t, &["env", "rename", "staging", name], 2);
    }
}

#[test]
fn names_that_look_like_flags_are_usage_errors() {
    let t = TestEnv::with_shop();
    fails_unchanged(&t, &["env", "add", "-x"], 2);
    fails_unchanged(&t, &["env", "add", "--", "-x"], 2);
}

#[test]
fn the_longest_and_shortest_names_are_fine() {
    let t = TestEnv::with_shop();
    let longest = "a".repeat(63);
    t.ok(&["env", "add", &longest]);
    t.ok(&["env", "add", "a"]);
    t.ok(&["env", "add", "a1-b2-c3"]);
    t.ok(&["env", "show", &longest]);
}

#[test]
fn the_hint_suggests_a_slug() {
    let t = TestEnv::with_shop();
    for (name, suggestion) in [
        ("QA Env", "qa-env"),
        ("Staging", "staging"),
        ("a--b", "a-b"),
        ("a-", "a"),
        ("a_b", "a-b"),
        ("a;b", "a-b"),
        ("1st", "x-1st"),
        ("  Client--Demo! ", "client-demo"),
    ] {
        let err = fails_unchanged(&t, &["env", "add", name], 2);
        let hint = format!("hint: try `{suggestion}`");
        assert!(err.contains(&hint), "{name:?}: {err}");
    }
    let err = fails_unchanged(&t, &["env", "add", "QA Env"], 2);
    assert_eq!(
        err,
        "error: invalid environment name `QA Env`: use lowercase letters, digits and '-'\n\
         hint: try `qa-env`\n"
    );
    // Nothing sensible to suggest: no hint at all rather than a bad one.
    let err = fails_unchanged(&t, &["env", "add", "日本"], 2);
    assert!(!err.contains("hint:"), "{err}");
    let long = too_long();
    let err = fails_unchanged(&t, &["env", "add", &long], 2);
    assert!(err.contains("at most 63"), "{err}");
}

#[test]
fn name_lookups_are_exact() {
    let t = TestEnv::with_shop();
    // Lookups by a name that could never be a slug are plain "not found", and SQL
    // metacharacters reach SQLite only as parameters.
    for name in [
        "PRODUCTION",
        "production ",
        "prod%",
        "p_oduction",
        "x' OR '1'='1",
    ] {
        fails_unchanged(&t, &["env", "show", name], 3);
        fails_unchanged(&t, &["env", "remove", name, "--yes"], 3);
    }
    fails_unchanged(&t, &["org", "show", "%"], 3);
    fails_unchanged(&t, &["project", "show", "s%"], 3);
}

/// The contract's rule, written out independently of the implementation.
fn contract_allows(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !name.ends_with('-')
        && !name.contains("--")
}

proptest::proptest! {
    #[test]
    fn validation_agrees_with_the_contract(name in "[a-z0-9A-Z_ -]{0,70}") {
        proptest::prop_assert_eq!(proj::model::is_valid_slug(&name), contract_allows(&name));
    }

    #[test]
    fn a_suggestion_is_always_a_valid_slug(name in "\\PC{0,90}") {
        if let Some(s) = proj::model::suggest_slug(&name) {
            proptest::prop_assert!(contract_allows(&s), "{:?} -> {:?}", name, s);
            proptest::prop_assert_ne!(s, name);
        }
    }
}

#[test]
fn a_name_with_accents_suggests_its_ascii_slug_and_the_display_name_flag() {
    let t = TestEnv::with_shop();
    let err = fails_unchanged(&t, &["project", "add", "Web Frontend"], 2);
    assert!(
        err.contains("hint: try `proj project add web-frontend --display-name \"Web Frontend\"`"),
        "{err}"
    );
    for (noun, name, slug) in [
        ("org", "Café Über", "cafe-uber"),
        ("project", "Straße", "strasse"),
        ("org", "İstanbul", "istanbul"),
        ("team", "ÆON", "aeon"),
    ] {
        let err = fails_unchanged(&t, &[noun, "add", name, "--org", "acme"], 2);
        assert!(
            err.contains(&format!(
                "try `proj {noun} add {slug} --display-name \"{name}\"`"
            )),
            "{name}: {err}"
        );
    }
    // Renames and environments suggest the slug alone.
    let err = fails_unchanged(&t, &["env", "add", "Prüfung"], 2);
    assert!(err.contains("try `prufung`"), "{err}");
    // What the hint says works.
    t.ok(&[
        "project",
        "add",
        "web-frontend",
        "--display-name",
        "Web Frontend",
    ]);
}
