//! `proj init`: the quick-start wizard, or its flags without a terminal.
//!
//! The questions live in `crate::wizard`; this file reads what the file already holds,
//! runs them, and applies the plan in one write transaction after the final confirmation,
//! so an interrupted or declined wizard leaves the file exactly as it was.

use super::App;
use crate::access::{self, Action, Actor, Target};
use crate::error::{Error, Result};
use crate::model::{EnvKind, OrgRole};
use crate::snapshot;
use crate::store::Db;
use crate::wizard::{
    self, Existing, ExistingMember, ExistingOrg, ExistingProject, Known, Plan, Prompter,
};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your email; you become the organization's first owner
    #[arg(long, value_name = "EMAIL", value_parser = super::parse_email)]
    pub user: Option<String>,
    /// Your name, as teammates see it
    #[arg(long, value_name = "NAME", value_parser = super::parse_text)]
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
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Created {
    pub org: bool,
    pub member: bool,
    pub project: bool,
    pub environments: Vec<String>,
}

pub fn run(app: &mut App, args: InitArgs) -> Result<()> {
    let known = Known {
        user: args.user.map(|u| u.trim().to_string()),
        name: args.name,
        // Like every command, init reads PROJ_ORG/PROJ_PROJECT when the flags are absent.
        org: app.globals.org.clone().or_else(|| var("PROJ_ORG")),
        project: app.globals.project.clone().or_else(|| var("PROJ_PROJECT")),
        envs: (!args.envs.is_empty()).then_some(args.envs),
        yes: app.globals.yes,
    }
    .normalize()?;
    known.validate()?;

    // `--yes` with every required flag never prompts, terminal or not.
    let ask = app.interactive && !(known.yes && known.missing_flags().is_empty());
    let plan = if ask {
        let existing = load_existing(app)?;
        let mut prompter = wizard::TermPrompter::new();
        prompter.say(wizard::INTRO);
        let plan = wizard::plan(&mut prompter, &known, &existing)?;
        drop(prompter);
        // Declining is reported like any declined confirmation (`App::confirm`).
        plan.ok_or_else(|| Error::conflict("cancelled; nothing was changed"))?
    } else {
        // Name every missing flag before the file is even opened, so nothing is created.
        let missing = known.missing_flags();
        if !missing.is_empty() {
            return Err(wizard::missing_error(&missing));
        }
        let existing = load_existing(app)?;
        wizard::plan_from_flags(&known, &existing)?
    };

    let view = app.store()?.write(|db| apply(db, &plan))?;
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

/// What the file holds, without creating it when it does not exist yet.
fn load_existing(app: &mut App) -> Result<Existing> {
    app.reader()?.read(read_existing)
}

fn read_existing(db: &Db) -> Result<Existing> {
    let mut orgs = Vec::new();
    for org in db.orgs()? {
        let members = db
            .members(org.id)?
            .into_iter()
            .map(|m| ExistingMember {
                email: m.email,
                name: m.name,
                role: m.role,
            })
            .collect();
        let mut projects = Vec::new();
        for p in db.projects(org.id)? {
            let envs = db
                .envs(p.id, true)?
                .into_iter()
                .map(|e| (e.slug, e.kind))
                .collect();
            projects.push(ExistingProject { slug: p.slug, envs });
        }
        orgs.push(ExistingOrg {
            slug: org.slug,
            members,
            projects,
        });
    }
    let saved = db.selection()?;
    Ok(Existing {
        orgs,
        selected_org: saved.org,
        selected_project: saved.project,
    })
}

/// Applies the plan inside one transaction: creates what is missing, keeps what exists,
/// saves the selection and the identity. The new identity is the actor of every event.
fn apply(db: &Db, plan: &Plan) -> Result<InitView> {
    // Re-read inside the transaction: the file may have changed while the wizard asked.
    let existing = read_existing(db)?;
    wizard::check_membership(existing.org(&plan.org), &plan.email)?;
    let actor = Actor {
        email: Some(plan.email.clone()),
        explicit: true,
        os_user: Actor::os_user(),
    };
    let who = actor.name();
    let mut created = Created::default();

    let org = match db.org(&plan.org)? {
        Some(org) => org,
        None => {
            let org = db.org_insert(&plan.org, None)?;
            db.record(
                who,
                "org.add",
                Some(org.id),
                None,
                &org.slug,
                None,
                Some(&snapshot::row(&org)),
            )?;
            created.org = true;
            org
        }
    };

    // The first member of an organization is its owner; an existing member keeps their role.
    let member = match db.member(org.id, &plan.email)? {
        Some(m) => m,
        None => {
            let m = db.member_insert(&org, &plan.email, plan.name.as_deref(), OrgRole::Owner)?;
            db.record(
                who,
                "member.add",
                Some(org.id),
                None,
                &format!("{} in {}", m.email, org.slug),
                None,
                Some(&snapshot::row(&m)),
            )?;
            created.member = true;
            m
        }
    };

    let project = match db.project(org.id, &plan.project)? {
        Some(p) => {
            access::require(db, &actor, Action::Read, &Target::project(&org, &p))?;
            p
        }
        None => {
            access::require(db, &actor, Action::ProjectAdd, &Target::org(&org))?;
            created.project = true;
            db.project_insert(&org, &plan.project, None, None)?
        }
    };

    for slug in &plan.envs {
        if db.env(project.id, slug)?.is_some() {
            continue;
        }
        if !created.project {
            access::require(db, &actor, Action::EnvAdd, &Target::project(&org, &project))?;
        }
        let env = db.env_insert_inferred(&project, slug)?;
        // A new project's environments are part of its own event, as with `proj project add`.
        if !created.project {
            db.record(
                who,
                "env.add",
                Some(org.id),
                Some(project.id),
                &format!("{}/{}/{}", org.slug, project.slug, env.slug),
                None,
                Some(&snapshot::row(&env)),
            )?;
        }
        created.environments.push(env.slug);
    }
    if created.project {
        db.record(
            who,
            "project.add",
            Some(org.id),
            Some(project.id),
            &format!("{}/{}", org.slug, project.slug),
            None,
            Some(&snapshot::project(db, &project)?),
        )?;
    }

    db.select(Some(org.id), Some(project.id))?;
    db.set_identity(Some(&plan.email))?;

    let envs = db.envs(project.id, false)?;
    let kinds: Vec<EnvKind> = envs.iter().map(|e| e.kind).collect();
    let environments: Vec<String> = envs.into_iter().map(|e| e.slug).collect();
    let changed =
        created.org || created.member || created.project || !created.environments.is_empty();
    let next = next_commands(&kinds, &plan.email);
    Ok(InitView {
        org: org.slug,
        project: project.slug,
        environments,
        email: member.email,
        name: member.name,
        role: member.role,
        created,
        changed,
        command: plan.command(),
        next,
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
    let mut parts = Vec::new();
    if v.created.org {
        parts.push(format!("organization {}", v.org));
    }
    if v.created.project {
        parts.push(format!(
            "project {}/{} with {}",
            v.org,
            v.project,
            list_or_none(&v.created.environments)
        ));
    } else if !v.created.environments.is_empty() {
        parts.push(format!(
            "environment(s) {} in {}/{}",
            v.created.environments.join(", "),
            v.org,
            v.project
        ));
    }
    if v.created.member && !v.created.org {
        parts.push(format!("member {} in {}", v.email, v.org));
    }
    let you = format!("you are {} ({})", v.email, v.role);
    if parts.is_empty() {
        format!(
            "nothing changed: {}/{} already has {}; using it; {you}\n",
            v.org,
            v.project,
            list_or_none(&v.environments)
        )
    } else {
        format!("created {}; {you}\n", parts.join(", "))
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "no environments".to_string()
    } else {
        items.join(", ")
    }
}
