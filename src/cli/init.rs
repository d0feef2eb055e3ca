//! `proj init`: the quick-start wizard, or its flags without a terminal.
//!
//! The questions live in `crate::wizard`; this file runs them against the file and applies the
//! plan in one write transaction after the final confirmation, so an interrupted or declined
//! wizard leaves the file exactly as it was. Every write init makes is in [`write_plan`].

use super::App;
use crate::access::{self, Action, Actor, Target};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{EnvKind, OrgRole, slash};
use crate::ops;
use crate::store::{Db, MemberRow, OrgRow, ProjectRow};
use crate::tx::Tx;
use crate::wizard::{self, Known, Plan, Prompter};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your email; you become the organization's first owner
    #[arg(long, value_name = "EMAIL", value_parser = super::parse_email)]
    pub user: Option<String>,
    /// Your name, as teammates see it
    #[arg(long, value_name = "NAME", value_parser = super::parse_name)]
    pub name: Option<String>,
    /// Start the project with this environment (repeatable; default production)
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
}

/// What `proj init` did, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct InitView {
    pub org: String,
    pub project: String,
    /// The project's environments afterwards, in release-flow order.
    pub environments: Vec<String>,
    pub email: String,
    pub name: Option<String>,
    pub role: OrgRole,
    pub created: Created,
    /// Whether anything was created; `false` on a re-run with the same answers.
    pub changed: bool,
    /// The non-interactive command that does the same.
    pub command: String,
    /// Commands to try next.
    pub next: Vec<String>,
    /// What init switched besides creating, for the text summary (not in JSON).
    #[serde(skip)]
    pub switched: Switched,
}

#[derive(Debug, Clone, Default)]
pub struct Switched {
    /// The saved organization and project were others (or none).
    pub selection: bool,
    /// The saved identity init replaced, when there was another one.
    pub identity_from: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Created {
    pub org: bool,
    pub member: bool,
    pub project: bool,
    pub environments: Vec<String>,
}

pub fn run(app: &mut App, args: InitArgs) -> Result<()> {
    let answers = Known {
        user: args.user.map(|u| u.trim().to_string()),
        name: args.name,
        // Like every command, init reads PROJ_ORG/PROJ_PROJECT when the flags are absent.
        org: app.globals.org.clone().or_else(|| var("PROJ_ORG")),
        project: app.globals.project.clone().or_else(|| var("PROJ_PROJECT")),
        envs: (!args.envs.is_empty()).then_some(args.envs),
        yes: app.globals.yes,
    }
    .check()?;

    // `--yes` with every required flag never prompts, terminal or not.
    let ask = app.interactive && !(answers.yes() && answers.missing_flags().is_empty());
    let plan = if ask {
        // Opened before the first question, so a file that cannot be read stops it early; a
        // file that does not exist yet reads as empty and is not created.
        let file = app.reader()?;
        // Questions come between its reads: none holds a server's transaction open.
        file.settle(true)?;
        let mut prompter = wizard::TermPrompter::new();
        prompter.say(wizard::INTRO);
        let plan = wizard::plan(&mut prompter, &answers, &*file)?;
        drop(prompter);
        // Declining is reported like any declined confirmation (`App::confirm`).
        plan.ok_or_else(|| Error::conflict("cancelled; nothing was changed"))?
    } else {
        // Name every missing flag before the file is even opened, so nothing is created.
        let missing = answers.missing_flags();
        if !missing.is_empty() {
            return Err(wizard::missing_error(&missing));
        }
        wizard::plan_from_flags(&answers, &*app.reader()?)?
    };

    let view = app.commit_plan(|db| apply(db, &plan))?;
    if app.out.is_json() {
        return app.out.json(&view);
    }
    let mut text = summary_line(&view);
    if ask {
        text.push_str(&format!("same as: {}\n", view.command));
    }
    text.push_str(&format!("next: {}\n", view.next.join(" · ")));
    app.out.text(&text)
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Applies the plan inside the write transaction and describes the result.
fn apply(db: &Db, plan: &Plan) -> Result<InitView> {
    // Check again inside the transaction: the file may have changed while the wizard asked.
    access::may_join(db, &plan.org, &plan.email)?;
    let actor = Actor {
        email: Some(plan.email.clone()),
        explicit: true,
        os_user: Actor::os_user(),
        login: None,
    };
    // The plan names the organization and project itself: there is no context to resolve.
    let ctx = Context::default();
    let done = write_plan(&Tx::new(db, &actor, &ctx), plan)?;

    let envs = db.envs(done.project.id, false)?;
    let kinds: Vec<EnvKind> = envs.iter().map(|e| e.kind).collect();
    let environments: Vec<String> = envs.into_iter().map(|e| e.slug).collect();
    let created = done.created;
    // `false` only when the file is as it was: switching the saved selection or identity is
    // a change too, and is said.
    let changed = created.org
        || created.member
        || created.project
        || !created.environments.is_empty()
        || done.selection_changed
        || done.identity_changed;
    let next = next_commands(&kinds, &plan.email);
    let view = InitView {
        org: done.org.slug,
        project: done.project.slug,
        environments,
        email: done.member.email,
        name: done.member.name,
        role: done.member.role,
        created,
        changed,
        command: plan.command(),
        next,
        switched: Switched {
            selection: done.selection_changed,
            identity_from: done.previous_identity,
        },
    };
    Ok(view)
}

/// What [`write_plan`] left in the file.
struct Written {
    org: OrgRow,
    member: MemberRow,
    project: ProjectRow,
    created: Created,
    selection_changed: bool,
    identity_changed: bool,
    /// The saved identity before, when init replaced another one.
    previous_identity: Option<String>,
}

/// Every write `proj init` makes, in one place: creates what is missing through `tx` (each
/// creation checked and audited as its command does), keeps what exists, and saves the
/// selection and the identity. The transaction's actor (the new identity) is the actor of
/// every event.
fn write_plan(tx: &Tx, plan: &Plan) -> Result<Written> {
    let db = tx.db;
    let mut created = Created::default();

    let org = match db.org(&plan.org)? {
        Some(org) => org,
        None => {
            created.org = true;
            ops::org::add(tx, &plan.org, plan.org_display_name.as_deref())?
        }
    };

    // The first member of an organization is its owner; an existing member keeps their role.
    // `apply` made sure a missing member means an organization without members, where
    // anyone may add one.
    let member = match db.member(org.id, &plan.email)? {
        Some(m) => m,
        None => {
            // On a shared database the login that runs init is the new owner.
            created.member = true;
            ops::member::add_creator(tx, &org, &plan.email, plan.name.as_deref())?
        }
    };

    // A project the new identity may not see is answered as one that does not exist: adding
    // it is checked (and refused) first, as it would be for a free name.
    let project = match db.project(org.id, &plan.project)? {
        Some(p) if access::can_see(db, tx.actor, &Target::project(&org, &p))? => {
            for slug in &plan.envs {
                if db.env(p.id, slug)?.is_none() {
                    ops::env::add_inferred(tx, &org, &p, slug)?;
                    created.environments.push(slug.clone());
                }
            }
            p
        }
        Some(p) => {
            tx.require(Action::ProjectAdd, &Target::org(&org))?;
            return Err(access::invisible(&Target::project(&org, &p)));
        }
        None => {
            created.project = true;
            // A new project's environments are part of its own event, as with `proj project add`.
            let new = ops::project::NewProject {
                slug: &plan.project,
                display_name: plan.project_display_name.as_deref(),
                description: None,
            };
            let p = ops::project::add(tx, &org, &new, &plan.envs)?;
            created.environments.extend(plan.envs.iter().cloned());
            p
        }
    };

    // Saved only when different, so a re-run that changes nothing writes nothing.
    let saved = db.selection(Some(&plan.email))?;
    let selection_changed = saved.org.as_deref() != Some(org.slug.as_str())
        || saved.project.as_ref() != Some(&(org.slug.clone(), project.slug.clone()));
    if selection_changed {
        ops::selection::save(db, Some(&plan.email), Some(org.id), Some(project.id))?;
    }
    // On a shared database the login is the identity: init saves none, so it changes none.
    let identity_changed =
        db.login().is_none() && saved.identity.as_deref() != Some(plan.email.as_str());
    if identity_changed {
        ops::selection::save_identity(db, Some(&plan.email))?;
    }
    Ok(Written {
        org,
        member,
        project,
        created,
        selection_changed,
        identity_changed,
        previous_identity: saved.identity.filter(|_| identity_changed),
    })
}

/// Three commands worth trying next, given what the project has.
fn next_commands(kinds: &[EnvKind], email: &str) -> Vec<String> {
    let has = |kind: EnvKind| kinds.contains(&kind);
    let first = if !has(EnvKind::Staging) {
        "proj env add staging".to_string()
    } else if !has(EnvKind::Development) {
        "proj env add development".to_string()
    } else {
        "proj resource add api --type app --env staging".to_string()
    };
    let domain = email.split_once('@').map_or("example.com", |(_, d)| d);
    vec![
        first,
        format!("proj member add teammate@{domain}"),
        "proj tree".to_string(),
    ]
}

/// `created organization acme, project acme/shop with production; you are ana@acme.dev (owner)`
fn summary_line(v: &InitView) -> String {
    let path = slash(&[&v.org, &v.project]);
    let mut parts = Vec::new();
    if v.created.org {
        parts.push(format!("organization {}", v.org));
    }
    if v.created.project {
        parts.push(format!(
            "project {path} with {}",
            wizard::list_or_none(&v.created.environments)
        ));
    } else if !v.created.environments.is_empty() {
        parts.push(format!(
            "environment(s) {} in {path}",
            v.created.environments.join(", "),
        ));
    }
    if v.created.member && !v.created.org {
        parts.push(format!("member {} in {}", v.email, v.org));
    }
    let you = match &v.switched.identity_from {
        Some(before) => format!("you are now {} ({}; was {before})", v.email, v.role),
        None => format!("you are {} ({})", v.email, v.role),
    };
    if parts.is_empty() {
        format!(
            "{}: {path} already has {}; {}; {you}\n",
            if v.changed {
                "nothing created"
            } else {
                "nothing changed"
            },
            wizard::list_or_none(&v.environments),
            if v.switched.selection {
                "now using it"
            } else {
                "using it"
            },
        )
    } else {
        format!("created {}; {you}\n", parts.join(", "))
    }
}
