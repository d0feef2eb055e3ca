//! The JSON contract: test-side mirrors of every shape, with unknown fields rejected and
//! every field required, so a renamed, added or dropped field fails here first.

use crate::helpers::json_error;
use crate::support::{NOW, TestEnv};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub slug: String,
    pub display_name: Option<String>,
    pub projects: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub org: String,
    pub slug: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub environments: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Env {
    pub org: String,
    pub project: String,
    pub slug: String,
    pub display_name: String,
    pub kind: String,
    pub description: Option<String>,
    pub protected: bool,
    pub archived: bool,
    pub archived_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub org: String,
    pub project: String,
    pub path: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub value: String,
    pub source: String,
    pub detail: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub org: Option<Part>,
    pub project: Option<Part>,
    pub identity: Part,
    pub db: Part,
    pub link: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
    pub causes: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ErrorDoc {
    pub error: ErrorBody,
}

/// Deserializes into the mirror and back: equal only if no field was unknown or missing
/// (an `Option` field must be present as `null`, not left out).
#[track_caller]
pub fn pin<T: DeserializeOwned + Serialize>(v: &Value) -> T {
    let typed: T =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("shape drifted: {e}\n{v:#}"));
    assert_eq!(
        &serde_json::to_value(&typed).unwrap(),
        v,
        "a field is missing from the JSON"
    );
    typed
}

#[track_caller]
fn pin_list<T: DeserializeOwned + Serialize>(v: &Value) -> Vec<T> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(pin)
        .collect()
}

#[test]
fn org_shape() {
    let t = TestEnv::with_shop();
    let org: Org = pin(&t.json(&["org", "show", "acme"]));
    assert_eq!(
        org,
        Org {
            slug: "acme".into(),
            display_name: None,
            projects: vec!["shop".into()],
            created_at: NOW.into(),
        }
    );
    let list: Vec<Org> = pin_list(&t.json(&["org", "list"]));
    assert_eq!(list, [org]);
    pin::<Org>(&t.json(&["org", "add", "other", "--display-name", "Other"]));
    pin::<Org>(&t.json(&["org", "rename", "other", "other2"]));
    pin::<Org>(&t.json(&["org", "use", "other2"]));
    pin::<Org>(&t.json(&["org", "remove", "other2"]));
}

#[test]
fn project_shape() {
    let t = TestEnv::with_shop();
    let p: Project = pin(&t.json(&["project", "show", "acme/shop"]));
    assert_eq!(
        p,
        Project {
            org: "acme".into(),
            slug: "shop".into(),
            display_name: None,
            description: None,
            environments: vec!["production".into()],
            created_at: NOW.into(),
        }
    );
    let list: Vec<Project> = pin_list(&t.json(&["project", "list"]));
    assert_eq!(list, [p]);
    pin::<Project>(&t.json(&["project", "add", "web", "--description", "the site"]));
    pin::<Project>(&t.json(&["project", "rename", "web", "site"]));
    pin::<Project>(&t.json(&["project", "use", "site"]));
    pin::<Project>(&t.json(&["project", "remove", "site", "--yes"]));
}

#[test]
fn env_shape() {
    let t = TestEnv::with_shop();
    let e: Env = pin(&t.json(&["env", "add", "staging"]));
    assert_eq!(
        e,
        Env {
            org: "acme".into(),
            project: "shop".into(),
            slug: "staging".into(),
            display_name: "Staging".into(),
            kind: "staging".into(),
            description: None,
            protected: false,
            archived: false,
            archived_at: None,
            created_at: NOW.into(),
        }
    );
    pin::<Env>(&t.json(&["env", "show", "staging"]));
    pin_list::<Env>(&t.json(&["env", "list"]));
    let archived: Env = pin(&t.json(&["env", "archive", "staging"]));
    assert!(archived.archived);
    assert_eq!(archived.archived_at.as_deref(), Some(NOW));
    pin_list::<Env>(&t.json(&["env", "list", "--archived"]));
    pin::<Env>(&t.json(&["env", "unarchive", "staging"]));
    pin::<Env>(&t.json(&["env", "protect", "staging"]));
    pin::<Env>(&t.json(&["env", "unprotect", "staging"]));
    pin::<Env>(&t.json(&["env", "rename", "staging", "qa"]));
    pin::<Env>(&t.json(&["env", "remove", "qa"]));
}

#[test]
fn event_shape() {
    let t = TestEnv::with_shop();
    let events: Vec<Event> = pin_list(&t.json(&["log"]));
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].action, "project.add");
    assert_eq!(events[0].at, NOW);
    assert_eq!(events[0].actor, "tester");
    assert_eq!(events[1].action, "org.add");
}

#[test]
fn link_shape() {
    let t = TestEnv::with_shop();
    let l: Link = pin(&t.json(&["link", "acme/shop"]));
    assert_eq!((l.org.as_str(), l.project.as_str()), ("acme", "shop"));
    assert!(l.path.ends_with(".proj.json"), "{}", l.path);
    let u: Link = pin(&t.json(&["unlink"]));
    assert_eq!(u, l);
}

#[test]
fn context_shape() {
    let t = TestEnv::with_shop();
    let c: Context = pin(&t.json(&["context"]));
    let db = t.db_arg();
    // On a server the identity is the login the connection acts as.
    let identity = match &t.pg {
        None => Part {
            value: "tester".into(),
            source: "os-user".into(),
            detail: None,
        },
        Some(_) => Part {
            value: "tester".into(),
            source: "login".into(),
            detail: Some("database login".into()),
        },
    };
    assert_eq!(
        c,
        Context {
            org: Some(Part {
                value: "acme".into(),
                source: "only-one".into(),
                detail: None
            }),
            project: Some(Part {
                value: "shop".into(),
                source: "only-one".into(),
                detail: None
            }),
            identity,
            db: Part {
                value: db,
                source: "env".into(),
                detail: Some("PROJ_DB".into())
            },
            link: None,
        }
    );
    // An empty file: nothing resolved, still the same shape.
    let empty = TestEnv::new();
    let c: Context = pin(&empty.json(&["context"]));
    assert_eq!((c.org, c.project), (None, None));
}

#[test]
fn error_shape_on_stderr() {
    let t = TestEnv::with_shop();
    for (args, code, name) in [
        (&["env", "show", "nope"][..], 3, "not_found"),
        (&["env", "add", "production"][..], 4, "conflict"),
        (&["env", "add", "QA Env"][..], 2, "usage"),
        (&["env", "remove", "production"][..], 4, "conflict"),
    ] {
        let mut all = args.to_vec();
        all.push("--json");
        let r = t.run(&all);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{args:?}: errors leave stdout empty");
        let v: Value = serde_json::from_str(r.stderr.trim()).expect("one JSON object");
        let doc: ErrorDoc = pin(&v);
        assert_eq!(doc.error.code, name, "{args:?}");
        assert!(
            !doc.error.message.starts_with("error"),
            "{}",
            doc.error.message
        );
    }
    let e: ErrorBody = pin(&json_error(&t, &["env", "add", "QA Env"], 2));
    assert_eq!(e.hint.as_deref(), Some("try `qa-env`"));
    // A hint-less error still carries `hint: null`, and so do clap's usage errors.
    let clap: ErrorBody = pin(&json_error(&t, &["env", "frobnicate"], 2));
    assert_eq!(clap.code, "usage");
    let clap: ErrorBody = pin(&json_error(&t, &["org", "list", "--bogus"], 2));
    assert_eq!(clap.code, "usage");
}

#[test]
fn json_errors_with_every_way_of_asking_for_json() {
    let t = TestEnv::with_shop();
    for extra in [
        &["--json"][..],
        &["-o", "json"][..],
        &["--output", "json"][..],
        &["--output=json"][..],
        &["-ojson"][..],
    ] {
        let mut args = vec!["env", "show", "nope"];
        args.extend_from_slice(extra);
        let r = t.run(&args);
        assert_eq!(r.code, 3);
        let doc: ErrorDoc = pin(&serde_json::from_str(r.stderr.trim()).expect("JSON"));
        assert_eq!(doc.error.code, "not_found", "{extra:?}");
    }
    let r = crate::helpers::run_env(
        &t,
        t.path(),
        &[("PROJ_OUTPUT", "json")],
        &["env", "show", "nope"],
    );
    assert_eq!(r.code, 3);
    let doc: ErrorDoc = pin(&serde_json::from_str(r.stderr.trim()).expect("JSON"));
    assert_eq!(doc.error.code, "not_found");
}

#[test]
fn timestamps_are_rfc3339_utc() {
    let t = TestEnv::new();
    // Without the fixed clock.
    let out = {
        let mut cmd = t.cmd();
        cmd.env_remove("PROJ_NOW")
            .args(["org", "add", "acme", "--user", "ana@acme.dev", "--json"]);
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let org: Org = pin(&serde_json::from_str(&out).unwrap());
    let at = chrono::DateTime::parse_from_rfc3339(&org.created_at).expect("RFC 3339");
    assert_eq!(at.offset().local_minus_utc(), 0);
    assert!(org.created_at.ends_with('Z'), "{}", org.created_at);
}

#[test]
fn usage_errors_follow_the_format_that_wins() {
    let t = TestEnv::with_shop();
    let env = [("PROJ_OUTPUT", "json")];
    // The flag beats the variable, for clap's errors as for ours.
    let r = crate::helpers::run_env(
        &t,
        t.path(),
        &env,
        &["env", "list", "-o", "table", "--bogus"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: unexpected argument"),
        "{}",
        r.stderr
    );
    let r = crate::helpers::run_env(&t, t.path(), &env, &["env", "list", "--bogus"]);
    assert!(r.stderr.starts_with("{\"error\""), "{}", r.stderr);
    let r = t.run(&["env", "list", "-o", "plain", "-o", "json", "--bogus"]);
    assert!(r.stderr.starts_with("{\"error\""), "{}", r.stderr);
    let r = t.run(&["env", "list", "-o=json", "--bogus"]);
    assert!(r.stderr.starts_with("{\"error\""), "{}", r.stderr);
    let r = t.run(&["env", "list", "-o", "table", "--json", "--bogus"]);
    assert!(r.stderr.starts_with("{\"error\""), "{}", r.stderr);
    // After `--`, nothing is a flag.
    let r = t.run(&["env", "add", "--", "--json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: invalid environment name"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_empty_free_text_is_null_on_add_as_on_rename() {
    let t = TestEnv::new();
    let o: Org = t.json_as(&["org", "add", "acme", "--display-name", ""]);
    assert_eq!(o.display_name, None);
    let p: Project = t.json_as(&[
        "project",
        "add",
        "shop",
        "--display-name",
        "",
        "--description",
        "",
    ]);
    assert_eq!((p.display_name, p.description), (None, None));
    let e: Env = t.json_as(&[
        "env",
        "add",
        "qa",
        "--display-name",
        "",
        "--description",
        "",
    ]);
    assert_eq!((e.display_name.as_str(), e.description), ("Qa", None));
}
