//! The wizard's conversations with a scripted prompter, on files written through the store.

use super::Plan;
use super::answers::{Known, name_from_email, org_from_email};
use super::plan::{plan, plan_from_flags};
use super::script::{A, Q, Script};
use crate::access::Actor;
use crate::context::Context;
use crate::error::Result;
use crate::model::OrgRole;
use crate::ops;
use crate::store::Store;
use crate::tx::Tx;
use std::path::Path;

fn run(answers: Vec<A>, known: &Known, file: &Store) -> (Result<Option<Plan>>, Script) {
    let mut s = Script::new(answers);
    let out = known
        .clone()
        .check()
        .and_then(|answers| plan(&mut s, &answers, file));
    assert!(
        s.answers.is_empty(),
        "unused answers: {:?}\nasked: {:#?}",
        s.answers,
        s.asked
    );
    (out, s)
}

fn plan_of(email: &str, name: Option<&str>, org: &str, project: &str, envs: &[&str]) -> Plan {
    Plan {
        email: email.into(),
        name: name.map(Into::into),
        org: org.into(),
        project: project.into(),
        envs: envs.iter().map(|e| e.to_string()).collect(),
        org_display_name: None,
        project_display_name: None,
    }
}

/// An organization to put in a test file: its members (owners named "Ana Existing") and its
/// projects with their environments.
struct Org {
    slug: &'static str,
    members: &'static [&'static str],
    projects: &'static [(&'static str, &'static [&'static str])],
}

fn org(
    slug: &'static str,
    members: &'static [&'static str],
    projects: &'static [(&'static str, &'static [&'static str])],
) -> Org {
    Org {
        slug,
        members,
        projects,
    }
}

/// A file holding `orgs`, written through the store as the commands would, with the saved
/// selection `selected` (an organization, and maybe one of its projects) of ana@acme.dev, who
/// every test with a selection types.
fn file(orgs: &[Org], selected: Option<(&str, Option<&str>)>) -> Store {
    let mut store = Store::empty_stand_in(Path::new("wizard-test.db")).unwrap();
    store
        .write(|db| {
            let ctx = Context::default();
            for o in orgs {
                // Each organization as its first member would type it.
                let actor = Actor {
                    email: o.members.first().map(|e| e.to_string()),
                    explicit: false,
                    os_user: "test".into(),
                    login: None,
                };
                let tx = Tx::new(db, &actor, &ctx);
                let row = ops::org::add(&tx, o.slug, None)?;
                for email in o.members {
                    let new = ops::member::NewMember {
                        email,
                        name: Some("Ana Existing"),
                        role: OrgRole::Owner,
                        login: None,
                    };
                    ops::member::add(&tx, &row, &new, false)?;
                }
                for (p, envs) in o.projects {
                    let new = ops::project::NewProject {
                        slug: p,
                        display_name: None,
                        description: None,
                    };
                    let envs: Vec<String> = envs.iter().map(|e| e.to_string()).collect();
                    ops::project::add(&tx, &row, &new, &envs)?;
                }
            }
            if let Some((o, p)) = selected {
                let o = db.org(o)?.unwrap();
                let p = p.map(|p| db.project(o.id, p).unwrap().unwrap().id);
                ops::selection::save(db, Some("ana@acme.dev"), Some(o.id), p)?;
            }
            Ok(())
        })
        .unwrap();
    store
}

fn empty() -> Store {
    file(&[], None)
}

#[test]
fn a_new_file_creates_everything_with_suggested_defaults() {
    let (out, s) = run(
        vec![
            A::Text("ana.lopez@acme.dev"),
            A::Enter, // name: Ana Lopez
            A::Enter, // organization: acme, from the email
            A::Text("shop"),
            A::Enter,         // production: yes
            A::Picks(vec![]), // nothing more
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    assert_eq!(
        out.unwrap(),
        Some(plan_of(
            "ana.lopez@acme.dev",
            Some("Ana Lopez"),
            "acme",
            "shop",
            &["production"]
        ))
    );
    let inputs = s.inputs();
    assert_eq!(
        inputs[1],
        &Q::Input {
            prompt: "Your name".into(),
            initial: None,
            default: Some("Ana Lopez".into())
        }
    );
    assert_eq!(
        inputs[2],
        &Q::Input {
            prompt: "Organization name".into(),
            initial: None,
            default: Some("acme".into())
        }
    );
    // No organization to pick from: no select was shown.
    assert!(!s.asked.iter().any(|q| matches!(q, Q::Select { .. })));
    let summary = s.said.last().unwrap();
    assert!(summary.contains("acme  (organization, new)"), "{summary}");
    assert!(
        summary.contains("production  (production, protected, new)"),
        "{summary}"
    );
    assert!(summary.contains("owner of acme, new member"), "{summary}");
}

#[test]
fn the_only_organization_is_the_default_and_can_be_picked() {
    let existing = file(&[org("acme", &[], &[])], None);
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Enter, // the default: acme
            A::Text("shop"),
            A::Yes,
            A::Enter,
            A::Enter, // Go ahead? default yes
        ],
        &Known::default(),
        &existing,
    );
    assert_eq!(
        out.unwrap(),
        Some(plan_of(
            "ana@acme.dev",
            Some("Ana"),
            "acme",
            "shop",
            &["production"]
        ))
    );
    assert_eq!(
        s.asked[2],
        Q::Select {
            prompt: "Organization".into(),
            items: vec!["acme".into(), "a new organization…".into()],
            default: 0
        }
    );
}

#[test]
fn an_existing_organization_is_picked_among_several_with_the_saved_one_first() {
    let existing = file(
        &[org("acme", &[], &[]), org("globex", &[], &[])],
        Some(("globex", None)),
    );
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Pick(0),
            A::Text("shop"),
            A::Yes,
            A::Picks(vec![0, 1]),
            A::Yes,
        ],
        &Known::default(),
        &existing,
    );
    assert!(matches!(&s.asked[2], Q::Select { default: 1, .. }));
    assert_eq!(
        out.unwrap(),
        Some(plan_of(
            "ana@acme.dev",
            Some("Ana"),
            "acme",
            "shop",
            &["production", "development", "staging"]
        ))
    );
}

#[test]
fn a_new_organization_can_be_created_next_to_existing_ones() {
    let existing = file(&[org("globex", &["x@globex.com"], &[])], None);
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Pick(1),
            A::Enter, // acme, suggested from the email
            A::Text("shop"),
            A::Yes,
            A::Picks(vec![1]),
            A::Yes,
        ],
        &Known::default(),
        &existing,
    );
    assert_eq!(
        s.inputs()[2],
        &Q::Input {
            prompt: "New organization name".into(),
            initial: None,
            default: Some("acme".into())
        }
    );
    assert_eq!(
        out.unwrap(),
        Some(plan_of(
            "ana@acme.dev",
            Some("Ana"),
            "acme",
            "shop",
            &["production", "staging"]
        ))
    );
}

#[test]
fn a_typed_name_becomes_the_display_name_and_the_slug_is_derived_and_shown() {
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Text("Acme Corp"),
            A::Enter, // the slug offered: acme-corp
            A::Text("Storefront"),
            A::Enter, // storefront
            A::Yes,
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    let plan = out.unwrap().unwrap();
    assert_eq!(
        (plan.org.as_str(), plan.project.as_str()),
        ("acme-corp", "storefront")
    );
    assert_eq!(plan.org_display_name.as_deref(), Some("Acme Corp"));
    assert_eq!(plan.project_display_name.as_deref(), Some("Storefront"));
    assert!(
        s.said[0].contains("organization slug: acme-corp (display name: Acme Corp)"),
        "{:?}",
        s.said
    );
    assert!(
        s.said[1].contains("project slug: storefront (display name: Storefront)"),
        "{:?}",
        s.said
    );
    let summary = s.said.last().unwrap();
    assert!(
        summary.contains("acme-corp  (organization \"Acme Corp\", new)"),
        "{summary}"
    );
    assert!(
        summary.contains("storefront  (project \"Storefront\", new)"),
        "{summary}"
    );
    assert_eq!(
        plan.command(),
        "proj init --yes --user ana@acme.dev --name Ana --org acme-corp --project storefront --env production \
         && proj org rename acme-corp --display-name 'Acme Corp' \
         && proj project rename acme-corp/storefront --display-name Storefront"
    );
}

#[test]
fn a_name_that_gives_no_slug_is_asked_again_without_the_rejected_text() {
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Text("acme"),
            A::Text("!!!"),
            A::Text("shop"),
            A::Yes,
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    let plan = out.unwrap().unwrap();
    assert_eq!(plan.project, "shop");
    assert_eq!(plan.project_display_name, None);
    let inputs = s.inputs();
    assert!(matches!(inputs[4], Q::Input { initial: None, .. }));
    assert!(
        s.said[0].contains("invalid project name `!!!`"),
        "{:?}",
        s.said
    );
}

#[test]
fn the_slug_offered_for_a_name_can_be_changed() {
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Text("Café Über"),
            A::Text("Not A Slug"), // refused, asked again
            A::Text("cafe"),
            A::Text("Straße"),
            A::Enter, // strasse
            A::Yes,
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    let plan = out.unwrap().unwrap();
    assert_eq!(
        (plan.org.as_str(), plan.project.as_str()),
        ("cafe", "strasse")
    );
    assert_eq!(plan.org_display_name.as_deref(), Some("Café Über"));
    assert_eq!(plan.project_display_name.as_deref(), Some("Straße"));
    let slug_inputs: Vec<_> = s
        .inputs()
        .into_iter()
        .filter(|q| format!("{q:?}").contains("slug"))
        .cloned()
        .collect();
    assert!(
        format!("{slug_inputs:?}").contains("cafe-uber"),
        "offered, editable: {slug_inputs:?}"
    );
    assert!(
        s.said
            .iter()
            .any(|l| l.contains("invalid organization name `Not A Slug`")),
        "{:?}",
        s.said
    );
}

#[test]
fn a_typed_name_of_an_existing_project_uses_it_and_keeps_its_display_name() {
    let existing = file(
        &[org("acme", &["ana@acme.dev"], &[("shop", &["production"])])],
        None,
    );
    let (out, _) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Enter,
            A::Enter,
            A::Text("Shop"),
            A::Enter, // the slug offered: shop
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &existing,
    );
    let plan = out.unwrap().unwrap();
    assert_eq!(plan.project, "shop");
    assert_eq!(plan.project_display_name, None);
}

#[test]
fn an_invalid_email_is_asked_again_empty() {
    let (out, s) = run(
        vec![
            A::Text("ana at acme"),
            A::Text(""),
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Text("acme"),
            A::Text("shop"),
            A::Yes,
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    assert_eq!(out.unwrap().unwrap().email, "ana@acme.dev");
    let inputs = s.inputs();
    // The rejected text is not offered back: typing would append to it.
    assert!(matches!(inputs[1], Q::Input { initial: None, .. }));
    assert!(matches!(inputs[2], Q::Input { initial: None, .. }));
    assert!(s.said[0].contains("invalid email `ana at acme`"));
    assert!(s.said[1].contains("invalid email ``"));
}

#[test]
fn a_typed_email_is_lowercased_and_a_name_with_control_characters_is_asked_again() {
    let (out, s) = run(
        vec![
            A::Text("Ana@Acme.DEV"),
            A::Text("Ana\u{1b}[31m"),
            A::Text("Ana"),
            A::Text("acme"),
            A::Text("shop"),
            A::Yes,
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    let plan = out.unwrap().unwrap();
    assert_eq!(plan.email, "ana@acme.dev");
    assert_eq!(plan.name.as_deref(), Some("Ana"));
    assert!(s.said[0].contains("invalid name"), "{:?}", s.said);
}

#[test]
fn declining_the_final_confirmation_plans_nothing() {
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Text("acme"),
            A::Text("shop"),
            A::Yes,
            A::Enter,
            A::No,
        ],
        &Known::default(),
        &empty(),
    );
    assert_eq!(out.unwrap(), None);
    assert_eq!(
        s.asked.last().unwrap(),
        &Q::Confirm {
            prompt: "Go ahead?".into()
        }
    );
}

#[test]
fn an_interrupted_prompt_is_an_error_and_no_plan() {
    let (out, _) = run(
        vec![A::Text("ana@acme.dev"), A::Interrupt],
        &Known::default(),
        &empty(),
    );
    assert!(out.is_err());
}

#[test]
fn environment_choices() {
    // Production declined and nothing else picked: asked again.
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Text("acme"),
            A::Text("shop"),
            A::No,
            A::Picks(vec![]),
            A::No,
            A::Picks(vec![0]),
            A::Yes,
        ],
        &Known::default(),
        &empty(),
    );
    assert_eq!(out.unwrap().unwrap().envs, ["development"]);
    assert!(
        s.said
            .iter()
            .any(|l| l.contains("at least one environment"))
    );
    let multi = s
        .asked
        .iter()
        .find(|q| matches!(q, Q::Multi { .. }))
        .unwrap();
    assert!(
        matches!(multi, Q::Multi { items, .. } if items == &["development", "staging"]),
        "{multi:?}"
    );
}

#[test]
fn an_existing_project_offers_only_the_environments_it_lacks() {
    let existing = file(
        &[org("acme", &["ana@acme.dev"], &[("shop", &["production"])])],
        Some(("acme", Some("shop"))),
    );
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Enter, // name offered back from the membership
            A::Enter, // acme
            A::Enter, // shop, the saved project
            A::Picks(vec![1]),
            A::Yes,
        ],
        &Known::default(),
        &existing,
    );
    assert_eq!(
        out.unwrap(),
        Some(plan_of(
            "ana@acme.dev",
            Some("Ana Existing"),
            "acme",
            "shop",
            &["staging"]
        ))
    );
    assert!(
        s.asked
            .iter()
            .any(|q| matches!(q, Q::Multi { items, .. } if items == &["development", "staging"]))
    );
    let summary = s.said.last().unwrap();
    assert!(summary.contains("shop  (project)"), "{summary}");
    assert!(summary.contains("staging     (staging, new)"), "{summary}");
    assert!(summary.contains("production  (production)"), "{summary}");
    assert!(summary.contains("owner of acme\n"), "{summary}");
}

#[test]
fn flags_skip_their_questions() {
    let known = Known {
        user: Some("ana@acme.dev".into()),
        name: Some("Ana".into()),
        org: Some("acme".into()),
        project: Some("shop".into()),
        envs: Some(vec!["production".into(), "qa".into()]),
        yes: true,
    };
    let (out, s) = run(vec![], &known, &empty());
    assert_eq!(
        out.unwrap(),
        Some(plan_of(
            "ana@acme.dev",
            Some("Ana"),
            "acme",
            "shop",
            &["production", "qa"]
        ))
    );
    assert!(s.asked.is_empty());
    // Without --yes only the final confirmation is left.
    let known = Known {
        yes: false,
        ..known
    };
    let (out, s) = run(vec![A::Yes], &known, &empty());
    assert!(out.unwrap().is_some());
    assert_eq!(s.asked.len(), 1);
}

#[test]
fn an_organization_with_other_members_is_explained_and_offered_again() {
    let existing = file(&[org("acme", &["bo@acme.dev"], &[])], None);
    let (out, s) = run(
        vec![
            A::Text("ana@acme.dev"),
            A::Text("Ana"),
            A::Enter, // acme: not a member
            A::Pick(1),
            A::Text("acme"), // typed, still acme
            A::Pick(1),
            A::Text("ana-co"),
            A::Text("shop"),
            A::Yes,
            A::Enter,
            A::Yes,
        ],
        &Known::default(),
        &existing,
    );
    assert_eq!(out.unwrap().unwrap().org, "ana-co");
    let refusals = s
        .said
        .iter()
        .filter(|l| l.contains("`ana@acme.dev` is not a member of organization `acme`"))
        .count();
    assert_eq!(refusals, 2, "{:?}", s.said);
    // Given as a flag it is an error: nothing to offer instead.
    let known = Known {
        org: Some("acme".into()),
        ..Known::default()
    };
    let (out, _) = run(
        vec![A::Text("ana@acme.dev"), A::Text("Ana")],
        &known,
        &existing,
    );
    assert_eq!(out.unwrap_err().exit_code(), 5);
}

#[test]
fn without_a_terminal_every_missing_flag_is_named() {
    let err = plan_from_flags(&Known::default().check().unwrap(), &empty()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.message
            .ends_with("missing --user, --org, --project, --yes"),
        "{}",
        err.message
    );
    let known = Known {
        user: Some("ana@acme.dev".into()),
        project: Some("acme/shop".into()),
        ..Known::default()
    };
    assert_eq!(known.clone().check().unwrap().missing_flags(), ["--yes"]);
    let known = Known { yes: true, ..known }.check().unwrap();
    let plan = plan_from_flags(&known, &empty()).unwrap();
    assert_eq!(
        plan,
        plan_of("ana@acme.dev", None, "acme", "shop", &["production"])
    );
    // An existing project keeps its environments unless --env asks for more.
    let existing = file(&[org("acme", &[], &[("shop", &["staging"])])], None);
    assert!(plan_from_flags(&known, &existing).unwrap().envs.is_empty());
}

#[test]
fn flag_values_are_checked() {
    let bad = |k: Known| k.check().unwrap_err().exit_code();
    let user = || Some("ana@acme.dev".to_string());
    assert_eq!(
        bad(Known {
            user: Some("ana".into()),
            ..Known::default()
        }),
        2
    );
    assert_eq!(
        bad(Known {
            user: user(),
            org: Some("Acme".into()),
            ..Known::default()
        }),
        2
    );
    assert_eq!(
        bad(Known {
            org: Some("acme".into()),
            project: Some("globex/shop".into()),
            ..Known::default()
        }),
        2
    );
    assert_eq!(
        bad(Known {
            envs: Some(vec!["qa".into(), "qa".into()]),
            ..Known::default()
        }),
        2
    );
}

#[test]
fn the_equivalent_command_quotes_what_needs_it() {
    let plan = plan_of(
        "ana@acme.dev",
        Some("Ana O'Neil"),
        "acme",
        "shop",
        &["production"],
    );
    assert_eq!(
        plan.command(),
        r"proj init --yes --user ana@acme.dev --name 'Ana O'\''Neil' --org acme --project shop --env production"
    );
}

#[test]
fn suggestions_from_the_email() {
    assert_eq!(name_from_email("ana.lopez+work@acme.dev"), "Ana Lopez");
    assert_eq!(org_from_email("ana@mail.acme.dev").as_deref(), Some("acme"));
    assert_eq!(org_from_email("ana@Big_Co.io").as_deref(), Some("big-co"));
    assert_eq!(org_from_email("ana@localhost"), None);
}
