//! What input proj takes: one email syntax, names that show something, free text of a bounded
//! length, errors that do not echo a huge value back whole, and link files that hold slugs.

use crate::helpers::fails_unchanged;
use crate::support::TestEnv;

#[test]
fn emails_follow_one_syntax_on_every_road() {
    let t = TestEnv::with_shop();
    for bad in [
        "a@-c.dev",
        "a@c-.dev",
        "a@c..dev",
        ".a@c.dev",
        "a.@c.dev",
        "a..b@c.dev",
        "a<b>@c.dev",
        "a b@c.dev",
        "a@c",
        "a@c.123",
        "@c.dev",
        "a@@c.dev",
        "\"a\"@c.dev",
        "a@[127.0.0.1]",
    ] {
        let err = fails_unchanged(&t, &["member", "add", bad], 2);
        assert!(err.contains("invalid email"), "{bad}: {err}");
        fails_unchanged(
            &t,
            &[
                "init",
                "--yes",
                "--user",
                bad,
                "--org",
                "acme",
                "--project",
                "shop",
            ],
            2,
        );
    }
    for good in [
        "ana.lopez+ci@acme.dev",
        "o'brien@mail.acme.dev",
        "józef@acme.dev",
        "x_y-z@a-b.co",
    ] {
        t.ok(&["member", "add", good]);
    }
    // A layout file is held to the same syntax.
    let path = t.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[org]]\nslug = \"acme\"\n\n[[org.member]]\nemail = \"a@c..dev\"\nrole = \"owner\"\n",
    )
    .unwrap();
    let err = fails_unchanged(&t, &["apply", "--yes", path.to_str().unwrap()], 2);
    assert!(err.contains("invalid email"), "{err}");
}

#[test]
fn blank_or_invisible_names_are_refused_and_empty_still_clears() {
    let t = TestEnv::with_shop();
    for blank in [
        "   ",
        "\u{200B}",
        "\u{200B}\u{200D}\u{FEFF}",
        " \u{00AD} ",
        "\u{3164}",
    ] {
        let err = fails_unchanged(&t, &["project", "add", "web", "--display-name", blank], 2);
        assert!(err.contains("blank"), "{blank:?}: {err}");
        fails_unchanged(
            &t,
            &["project", "rename", "shop", "--display-name", blank],
            2,
        );
        fails_unchanged(&t, &["env", "add", "qa", "--display-name", blank], 2);
        fails_unchanged(&t, &["org", "rename", "acme", "--display-name", blank], 2);
        fails_unchanged(&t, &["member", "add", "bo@acme.dev", "--name", blank], 2);
    }
    // A name with a joiner inside still shows something.
    t.ok(&[
        "project",
        "add",
        "web",
        "--display-name",
        "Web \u{1F469}\u{200D}\u{1F4BB}",
    ]);
    t.ok(&["project", "rename", "web", "--display-name", ""]);
    assert!(t.json(&["project", "show", "web"])["display_name"].is_null());
}

#[test]
fn free_text_has_a_length_limit() {
    let t = TestEnv::with_shop();
    let name = "n".repeat(200);
    t.ok(&["project", "add", "web", "--display-name", &name]);
    let err = fails_unchanged(
        &t,
        &[
            "project",
            "rename",
            "web",
            "--display-name",
            &"n".repeat(201),
        ],
        2,
    );
    assert!(err.contains("at most 200"), "{err}");
    let text = "d".repeat(4000);
    t.ok(&["project", "rename", "web", "--description", &text]);
    let err = fails_unchanged(
        &t,
        &[
            "project",
            "rename",
            "web",
            "--description",
            &"d".repeat(4001),
        ],
        2,
    );
    assert!(err.contains("at most 4000"), "{err}");
    fails_unchanged(
        &t,
        &["member", "add", "bo@acme.dev", "--name", &"n".repeat(201)],
        2,
    );
}

#[test]
fn a_huge_invalid_value_is_not_echoed_back_whole() {
    let t = TestEnv::with_shop();
    t.ok(&["member", "add", "ana@acme.dev", "--role", "owner"]);
    let huge = "Ä".repeat(50_000);
    let blank = "\u{200B}".repeat(33_000);
    let email = format!("{}@acme.dev", "a".repeat(100_000));
    for args in [
        vec!["env", "add", huge.as_str()],
        vec!["project", "add", "web", "--display-name", blank.as_str()],
        vec!["project", "add", "web", "--description", huge.as_str()],
        vec!["member", "add", email.as_str()],
        vec!["project", "show", huge.as_str()],
        vec!["member", "show", email.as_str()],
        vec!["context", "--as", email.as_str()],
    ] {
        for json in [false, true] {
            let mut all = args.clone();
            if json {
                all.push("--json");
            }
            let r = t.run(&all);
            assert_ne!(
                r.code,
                0,
                "proj {}: {}",
                args[..2].join(" "),
                r.stdout.len()
            );
            assert!(
                r.stderr.len() < 4000,
                "proj {} …: {} bytes of stderr",
                args[..2].join(" "),
                r.stderr.len()
            );
        }
    }
}

#[test]
fn a_link_file_names_slugs_and_is_not_read_whole() {
    crate::file_only!("reads a link file; the database is not involved");
    let t = TestEnv::with_shop();
    let link = t.path().join(".proj.json");
    std::fs::write(&link, r#"{"org":"../../etc","project":"shop"}"#).unwrap();
    let r = t.run(&["context"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("not a valid organization name"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("organization ../../etc"), "{}", r.stdout);
    std::fs::write(&link, r#"{"org":"acme","project":"Shop Two"}"#).unwrap();
    let r = t.run(&["env", "list"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("not a valid project name"),
        "{}",
        r.stderr
    );
    // A huge file is refused from its size.
    let big = format!(
        r#"{{"org":"acme","project":"shop","pad":"{}"}}"#,
        " ".repeat(50_000_000)
    );
    std::fs::write(&link, big).unwrap();
    let r = t.run(&["context"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("a link file is at most 4096"),
        "{}",
        r.stderr
    );
    // What proj link writes still reads.
    std::fs::remove_file(&link).unwrap();
    t.ok(&["link", "acme/shop"]);
    t.ok(&["env", "list"]);
}
