//! `proj restore EVENT`: bring back what a removal recorded in the audit log.

use super::App;
use super::project::view as project_view;
use crate::access::{self, Action, Actor, Target};
use crate::context::{find_org, find_project};
use crate::error::{Error, Result};
use crate::snapshot::{self, SavedEnv, SavedOrg, SavedProject};
use crate::store::{Db, EventRow, OrgRow, ProjectRow};
use crate::view::{EnvView, OrgView, ProjectView};
use clap::Args;
use serde_json::Value;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Id of an `org.remove`, `project.remove` or `env.remove` event (see `proj log`)
    #[arg(
        value_name = "EVENT_ID",
        add = clap_complete::ArgValueCompleter::new(super::complete::removal_event)
    )]
    pub event: i64,
}

enum Restored {
    Org(OrgView),
    Project(ProjectView),
    Env(EnvView),
}

/// What came back, and grants left out because their member is gone.
struct Outcome {
    restored: Restored,
    skipped: Vec<String>,
}

pub fn run(app: &mut App, args: RestoreArgs) -> Result<()> {
    let id = args.event;
    let outcome = app.write(|db, actor, _| {
        let event = db.event(id)?.ok_or_else(|| {
            Error::not_found(format!("no event {id}"))
                .with_hint("`proj log` lists events with their ids")
        })?;
        let mut skipped = Vec::new();
        let restored = match event.action.as_str() {
            "org.remove" => Restored::Org(restore_org(db, actor, &event, &mut skipped)?),
            "project.remove" => {
                Restored::Project(restore_project(db, actor, &event, &mut skipped)?)
            }
            "env.remove" => Restored::Env(restore_env(db, actor, &event, &mut skipped)?),
            other => {
                return Err(
                    Error::usage(format!("event {id} is `{other}`, not a removal")).with_hint(
                        "restore takes the id of an org.remove, project.remove or env.remove event",
                    ),
                );
            }
        };
        Ok(Outcome { restored, skipped })
    })?;
    for grant in &outcome.skipped {
        app.out.status(&format!(
            "left out the grant of {grant}: no longer a member of the organization"
        ));
    }
    match &outcome.restored {
        Restored::Org(v) => {
            app.out
                .status(&format!("restored organization {} from event {id}", v.slug));
            app.out.one(v)
        }
        Restored::Project(v) => {
            app.out.status(&format!(
                "restored project {}/{} from event {id}",
                v.org, v.slug
            ));
            app.out.one(v)
        }
        Restored::Env(v) => {
            app.out.status(&format!(
                "restored environment {}/{}/{} from event {id}",
                v.org, v.project, v.slug
            ));
            app.out.one(v)
        }
    }
}

/// The restore event's `after`: the subtree as it now is, and where it came from.
fn after(mut subtree: Value, event: &EventRow) -> Value {
    if let Value::Object(map) = &mut subtree {
        map.insert("restored_from".to_string(), Value::from(event.id));
    }
    subtree
}

fn taken(what: String, event: &EventRow, hint: String) -> Error {
    Error::conflict(format!(
        "{what} already exists, so event {} cannot be restored",
        event.id
    ))
    .with_hint(hint)
}

fn restore_org(
    db: &Db,
    actor: &Actor,
    event: &EventRow,
    skipped: &mut Vec<String>,
) -> Result<OrgView> {
    let saved: SavedOrg = snapshot::parse(event.id, event.before.as_ref())?;
    let slug = &saved.org.slug;
    if db.org(slug)?.is_some() {
        return Err(taken(
            format!("organization `{slug}`"),
            event,
            format!("rename the existing one first: `proj org rename {slug} NEW`"),
        ));
    }
    // Creating an organization needs no role, so neither does bringing one back.
    let org = db.org_restore(event.org_id, &saved.org)?;
    for m in &saved.members {
        db.member_restore(&org, m)?;
    }
    for p in &saved.projects {
        put_project(db, &org, None, p, skipped)?;
    }
    let subtree = snapshot::org(db, &org)?;
    db.record(
        actor.name(),
        "org.restore",
        Some(org.id),
        None,
        &org.slug,
        None,
        Some(&after(subtree, event)),
    )?;
    let projects = db.projects(org.id)?.into_iter().map(|p| p.slug).collect();
    Ok(OrgView::new(&org, projects))
}

fn restore_project(
    db: &Db,
    actor: &Actor,
    event: &EventRow,
    skipped: &mut Vec<String>,
) -> Result<ProjectView> {
    let saved: SavedProject = snapshot::parse(event.id, event.before.as_ref())?;
    let org = find_org(db, actor, &saved.project.org).map_err(|e| {
        e.with_hint(format!(
            "the project belonged to organization `{}`; restore that first (see `proj log`)",
            saved.project.org
        ))
    })?;
    access::require(db, actor, Action::ProjectAdd, &Target::org(&org))?;
    let slug = &saved.project.slug;
    if db.project(org.id, slug)?.is_some() {
        return Err(taken(
            format!("project `{}/{slug}`", org.slug),
            event,
            format!(
                "rename the existing one first: `proj project rename {}/{slug} NEW`",
                org.slug
            ),
        ));
    }
    let project = put_project(db, &org, event.project_id, &saved, skipped)?;
    let subtree = snapshot::project(db, &project)?;
    db.record(
        actor.name(),
        "project.restore",
        Some(org.id),
        Some(project.id),
        &format!("{}/{}", org.slug, project.slug),
        None,
        Some(&after(subtree, event)),
    )?;
    project_view(db, &project)
}

fn restore_env(
    db: &Db,
    actor: &Actor,
    event: &EventRow,
    skipped: &mut Vec<String>,
) -> Result<EnvView> {
    let saved: SavedEnv = snapshot::parse(event.id, event.before.as_ref())?;
    let e = &saved.environment;
    let org = find_org(db, actor, &e.org)?;
    let project = find_project(db, actor, &org, &e.project).map_err(|err| {
        err.with_hint(format!(
            "the environment belonged to project `{}/{}`; restore that first (see `proj log`)",
            e.org, e.project
        ))
    })?;
    access::require(db, actor, Action::EnvAdd, &Target::project(&org, &project))?;
    if db.env(project.id, &e.slug)?.is_some() {
        return Err(taken(
            format!("environment `{}` in {}/{}", e.slug, org.slug, project.slug),
            event,
            format!(
                "rename the existing one first: `proj env rename {}/{}/{} NEW`",
                org.slug, project.slug, e.slug
            ),
        ));
    }
    let env = put_env(db, &project, &saved, skipped)?;
    db.record(
        actor.name(),
        "env.restore",
        Some(org.id),
        Some(project.id),
        &format!("{}/{}/{}", org.slug, project.slug, env.slug),
        None,
        Some(&after(snapshot::env(db, &env)?, event)),
    )?;
    Ok(EnvView::new(&env))
}

fn put_project(
    db: &Db,
    org: &OrgRow,
    id: Option<i64>,
    saved: &SavedProject,
    skipped: &mut Vec<String>,
) -> Result<ProjectRow> {
    let project = db.project_restore(id, org, &saved.project)?;
    for e in &saved.environments {
        put_env(db, &project, e, skipped)?;
    }
    for g in &saved.grants {
        if !db.grant_restore(&project, None, &g.email, &g.role, &g.created_at)? {
            skipped.push(format!("{} on {}/{}", g.email, org.slug, project.slug));
        }
    }
    Ok(project)
}

fn put_env(
    db: &Db,
    project: &ProjectRow,
    saved: &SavedEnv,
    skipped: &mut Vec<String>,
) -> Result<crate::store::EnvRow> {
    let env = db.env_restore(project, &saved.environment)?;
    for r in &saved.resources {
        db.resource_restore(&env, r)?;
    }
    for g in &saved.grants {
        if !db.grant_restore(project, Some(&env), &g.email, &g.role, &g.created_at)? {
            skipped.push(format!(
                "{} on {}/{}/{}",
                g.email, project.org, project.slug, env.slug
            ));
        }
    }
    Ok(env)
}
