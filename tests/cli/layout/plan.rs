//! The plan of every kind of change: created, changed and (with `--prune`) removed, for
//! organizations, members, teams, team members, projects, environments (kind, protection,
//! archive), resources and grants of members and teams. Each plan is applied afterwards, and
//! must then leave nothing to do.

use super::{ACME, acme, apply, plan_of};
use crate::helpers::events;
use crate::support::TestEnv;

/// Applies `text` and checks the database now matches it: the plan is empty.
#[track_caller]
fn applied(t: &TestEnv, text: &str, extra: &[&str]) {
    let before = events(t).len();
    let out = apply(t, text, extra);
    let changes = out.lines().count().saturating_sub(1);
    assert_eq!(
        events(t).len() - before,
        changes,
        "one event per change:\n{out}"
    );
    assert_eq!(plan_of(t, text, extra), "no changes\n");
}

#[test]
fn organizations_are_created_and_changed_never_removed() {
    crate::file_only!(
        "an organization without members is a file's: on a server one starts with its owner (attacks.rs)"
    );
    let t = acme();
    let text = ACME.replace("display_name = \"Acme\"", "display_name = \"Acme Inc\"")
        + "\n[[org]]\nslug = \"beta\"\ndisplay_name = \"Beta\"\n";
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ org acme: display name \"Acme\" → \"Acme Inc\"
+ org beta
1 to create, 1 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    // An organization the file leaves out stays, even with --prune.
    assert_eq!(
        plan_of(
            &t,
            &text.replace(
                "slug = \"beta\"\ndisplay_name = \"Beta\"\n",
                "slug = \"beta\"\n"
            ),
            &["--prune"]
        ),
        "~ org beta: display name \"Beta\" → none\n0 to create, 1 to change, 0 to remove\n"
    );
    assert_eq!(
        plan_of(
            &t,
            ACME.replace("\"Acme\"", "\"Acme Inc\"").as_str(),
            &["--prune"]
        ),
        "no changes\n"
    );
}

#[test]
fn members_are_added_renamed_given_roles_and_pruned() {
    let t = acme();
    let text = ACME
        .replace(
            "email = \"bo@acme.dev\"\nname = \"Bo\"\nrole = \"member\"",
            "email = \"bo@acme.dev\"\nname = \"Bo\"\nrole = \"admin\"",
        )
        .replace(
            "email = \"cy@acme.dev\"\nrole = \"viewer\"",
            "email = \"cy@acme.dev\"\nname = \"Cy\"\nrole = \"viewer\"\n\n[[org.member]]\nemail = \"dee@acme.dev\"",
        );
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ member bo@acme.dev in acme: role member → admin
~ member cy@acme.dev in acme: name none → \"Cy\"
+ member dee@acme.dev in acme (member)
1 to create, 2 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    let log = events(&t);
    let actions: Vec<&str> = log[..3]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["member.add", "member.update", "member.role"]);
    // Left out: kept, and with --prune removed (their grants and team places with them).
    let without_bo = text
        .replace(
            "[[org.member]]\nemail = \"bo@acme.dev\"\nname = \"Bo\"\nrole = \"admin\"\n\n",
            "",
        )
        .replace("members = [\"bo@acme.dev\"]", "")
        .replace(
            "[[org.project.grant]]\nmember = \"bo@acme.dev\"\nrole = \"developer\"\n\n",
            "",
        )
        .replace(
            "[[org.project.grant]]\nmember = \"bo@acme.dev\"\nenv = \"production\"\nrole = \"viewer\"\n\n",
            "",
        );
    assert_eq!(plan_of(&t, &without_bo, &[]), "no changes\n");
    assert_eq!(
        plan_of(&t, &without_bo, &["--prune"]),
        "- member bo@acme.dev in acme (2 grants, 1 team)\n0 to create, 0 to change, 1 to remove\n"
    );
    applied(&t, &without_bo, &["--prune"]);
    let removal = &events(&t)[0];
    assert_eq!(removal["action"], "member.remove");
    assert_eq!(removal["before"]["grants"].as_array().unwrap().len(), 2);
    assert_eq!(removal["before"]["teams"].as_array().unwrap().len(), 1);
}

#[test]
fn teams_are_added_changed_joined_left_and_pruned() {
    let t = acme();
    let text = ACME
        .replace(
            "description = \"API people\"\nmembers = [\"bo@acme.dev\"]",
            "display_name = \"Backend\"\ndescription = \"API people\"\nmembers = [\"bo@acme.dev\", \"cy@acme.dev\"]\n\n[[org.team]]\nslug = \"ops\"\nmembers = [\"ana@acme.dev\"]",
        )
        .replace(
            "team = \"backend\"\nenv = \"staging\"\nrole = \"admin\"",
            "team = \"backend\"\nenv = \"staging\"\nrole = \"admin\"\n\n[[org.project.grant]]\nteam = \"ops\"\nrole = \"viewer\"",
        );
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ team backend in acme: display name none → \"Backend\"
+ team member cy@acme.dev in backend of acme
+ team ops in acme
+ team member ana@acme.dev in ops of acme
+ grant team ops on acme/shop (viewer)
4 to create, 1 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    // Back to ACME: without --prune nothing leaves; with it, Cy leaves backend and ops goes
    // with its member and grant (one event, which `proj restore` undoes).
    assert_eq!(
        plan_of(&t, ACME, &[]),
        "~ team backend in acme: display name \"Backend\" → none\n0 to create, 1 to change, 0 to remove\n"
    );
    assert_eq!(
        plan_of(&t, ACME, &["--prune"]),
        "~ team backend in acme: display name \"Backend\" → none
- team member cy@acme.dev in backend of acme
- team ops in acme (1 member, 1 grant)
0 to create, 1 to change, 2 to remove
"
    );
    applied(&t, ACME, &["--prune"]);
    let removal = &events(&t)[0];
    assert_eq!(removal["action"], "team.remove");
    let id = removal["id"].as_i64().unwrap().to_string();
    t.ok(&["restore", &id]);
    let back = t.ok(&["team", "show", "ops", "--json"]);
    assert!(back.contains("ana@acme.dev"), "{back}");
}

#[test]
fn projects_are_added_described_and_pruned_with_everything_in_them() {
    let t = acme();
    let text = ACME.replace(
        "slug = \"shop\"\ndescription = \"The web shop\"",
        "slug = \"shop\"\ndisplay_name = \"Shop\"",
    ) + "\n[[org.project]]\nslug = \"blog\"\ndescription = \"news\"\n\n[[org.project.env]]\nslug = \"production\"\n";
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ project acme/shop: display name none → \"Shop\", description \"The web shop\" → none
+ project acme/blog
+ env acme/blog/production (production, protected)
2 to create, 1 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    assert_eq!(
        plan_of(&t, ACME, &["--prune"]),
        "~ project acme/shop: display name \"Shop\" → none, description none → \"The web shop\"
- project acme/blog (1 environment)
0 to create, 1 to change, 1 to remove
"
    );
    applied(&t, ACME, &["--prune"]);
    let removal = &events(&t)[0];
    assert_eq!(removal["action"], "project.remove");
    let id = removal["id"].as_i64().unwrap().to_string();
    t.ok(&["restore", &id]);
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ project acme/shop: display name none → \"Shop\", description \"The web shop\" → none\n0 to create, 1 to change, 0 to remove\n"
    );
}

#[test]
fn environments_change_kind_name_protection_and_archive_one_event_each() {
    let t = acme();
    let text = ACME
        .replace(
            "slug = \"staging\"\n",
            "slug = \"staging\"\ndisplay_name = \"Stage\"\nkind = \"custom\"\nprotected = true\n",
        )
        .replace(
            "display_name = \"Preview Apps\"\ndescription = \"one per pull request\"\n",
            "display_name = \"Preview Apps\"\ndescription = \"one per pull request\"\narchived = true\n",
        )
        .replace(
            "[[org.project.env]]\nslug = \"production\"\n",
            "[[org.project.env]]\nslug = \"qa\"\nkind = \"staging\"\nprotected = true\n\n[[org.project.env]]\nslug = \"production\"\nprotected = false\n",
        );
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ env acme/shop/staging: display name \"Staging\" → \"Stage\", kind staging → custom
~ env acme/shop/staging: protected no → yes
~ env acme/shop/preview: archived no → yes
+ env acme/shop/qa (staging, protected)
~ env acme/shop/production: protected yes → no
1 to create, 4 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    let actions: Vec<String> = events(&t)[..5]
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "env.update",
            "env.protect",
            "env.archive",
            "env.add",
            "env.unprotect"
        ]
    );
    // And back: unprotect, unarchive, the kind and name again; qa is kept, then pruned. A
    // protection the file leaves out is its kind's default, and the plan says so.
    assert_eq!(
        plan_of(&t, ACME, &[]),
        "~ env acme/shop/staging: display name \"Stage\" → \"Staging\", kind custom → staging
~ env acme/shop/staging: protected yes → no (the default of kind staging; write `protected = true` to keep it)
~ env acme/shop/preview: archived yes → no
~ env acme/shop/production: protected no → yes (the default of kind production; write `protected = false` to keep it)
0 to create, 4 to change, 0 to remove
"
    );
    let pruned = plan_of(&t, ACME, &["--prune"]);
    assert!(
        pruned.ends_with("- env acme/shop/qa\n0 to create, 4 to change, 1 to remove\n"),
        "{pruned}"
    );
    applied(&t, ACME, &["--prune"]);
    let removal = &events(&t)[0];
    assert_eq!(removal["action"], "env.remove");
    let id = removal["id"].as_i64().unwrap().to_string();
    t.ok(&["restore", &id]);
    let qa = t.ok(&["env", "show", "qa", "--json"]);
    assert!(qa.contains("\"protected\": true"), "{qa}");
}

#[test]
fn resources_change_type_and_description_and_are_pruned() {
    let t = acme();
    let text = ACME
        .replacen(
            "slug = \"api\"\ntype = \"app\"",
            "slug = \"api\"\ntype = \"worker\"\ndescription = \"the queue runner\"",
            1,
        )
        .replace(
            "slug = \"db\"\ntype = \"database\"",
            "slug = \"db\"\ntype = \"database\"\n\n[[org.project.env.resource]]\nslug = \"cert\"\ntype = \"ssl-certificate\"",
        );
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ resource acme/shop/staging/api: type app → worker, description none → \"the queue runner\"
+ resource acme/shop/production/cert (ssl-certificate)
1 to create, 1 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    let pruned = plan_of(&t, ACME, &["--prune"]);
    assert!(
        pruned.ends_with(
            "- resource acme/shop/production/cert\n0 to create, 1 to change, 1 to remove\n"
        ),
        "{pruned}"
    );
    applied(&t, ACME, &["--prune"]);
    assert_eq!(events(&t)[0]["action"], "resource.remove");
}

#[test]
fn grants_of_members_and_teams_are_given_changed_and_pruned() {
    let t = acme();
    let text = ACME
        .replace(
            "member = \"bo@acme.dev\"\nrole = \"developer\"",
            "member = \"bo@acme.dev\"\nrole = \"admin\"",
        )
        .replace(
            "team = \"backend\"\nenv = \"staging\"\nrole = \"admin\"",
            "team = \"backend\"\nenv = \"staging\"\nrole = \"viewer\"\n\n[[org.project.grant]]\nmember = \"cy@acme.dev\"\nenv = \"preview\"\nrole = \"developer\"\n\n[[org.project.grant]]\nteam = \"backend\"\nrole = \"developer\"",
        );
    assert_eq!(
        plan_of(&t, &text, &[]),
        "~ grant bo@acme.dev on acme/shop: role developer → admin
~ grant team backend on acme/shop/staging: role admin → viewer
+ grant cy@acme.dev on acme/shop/preview (developer)
+ grant team backend on acme/shop (developer)
2 to create, 2 to change, 0 to remove
"
    );
    applied(&t, &text, &[]);
    let log = events(&t);
    let actions: Vec<&str> = log[..4]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["team.grant", "member.grant", "team.grant", "member.grant"]
    );
    let base = ACME
        .replace(
            "[[org.project.grant]]\nmember = \"bo@acme.dev\"\nenv = \"production\"\nrole = \"viewer\"\n\n",
            "",
        )
        .replace(
            "\n\n[[org.project.grant]]\nteam = \"backend\"\nenv = \"staging\"\nrole = \"admin\"",
            "",
        );
    assert_eq!(
        plan_of(&t, &base, &["--prune"]),
        "~ grant bo@acme.dev on acme/shop: role admin → developer
- grant bo@acme.dev on acme/shop/production
- grant cy@acme.dev on acme/shop/preview
- grant team backend on acme/shop
- grant team backend on acme/shop/staging
0 to create, 1 to change, 4 to remove
"
    );
    applied(&t, &base, &["--prune"]);
    let log = events(&t);
    let actions: Vec<&str> = log[..4]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "team.revoke",
            "team.revoke",
            "member.revoke",
            "member.revoke"
        ]
    );
}

/// What the file leaves out is counted and kept without --prune, for every kind of entity.
#[test]
fn without_prune_what_the_file_leaves_out_is_kept_and_counted() {
    let t = acme();
    let bare = "[[org]]\nslug = \"acme\"\ndisplay_name = \"Acme\"\n";
    let r = t.run(&[
        "apply",
        "--dry-run",
        super::file(&t, "bare.toml", bare).to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "no changes\n");
    // 3 members, 1 team, 1 project.
    assert!(r.stderr.contains("5 things"), "{}", r.stderr);
    // Pruning every member would leave the organization without its owner.
    let err = t.fails(
        &[
            "apply",
            "--dry-run",
            "--prune",
            super::file(&t, "bare.toml", bare).to_str().unwrap(),
        ],
        4,
    );
    assert!(err.contains("would remove every member of `acme`"), "{err}");
}
