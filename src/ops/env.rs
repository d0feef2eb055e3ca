//! Environments: add, clone, update (rename, kind, archive, protection), remove.

use crate::access::{Action, Target};
use crate::error::Result;
use crate::model::{EnvKind, default_display_name};
use crate::snapshot;
use crate::store::{EnvRow, NewEnv, OrgRow, ProjectRow};
use crate::tx::{Event, Subject, Tx};

/// The one insert of an environment row.
fn insert(tx: &Tx, project: &ProjectRow, new: &NewEnv) -> Result<EnvRow> {
    tx.db.env_insert(project, new)
}

/// The one update of an environment row.
fn save(tx: &Tx, env: &EnvRow) -> Result<()> {
    tx.db.env_update(env)
}

/// An environment with everything inferred from its slug: kind, display name, and
/// protection (production kinds start protected).
pub fn inferred<'a>(slug: &'a str, display_name: &'a str) -> NewEnv<'a> {
    let kind = EnvKind::infer(slug);
    NewEnv {
        slug,
        display_name,
        kind,
        description: None,
        protected: kind.protected_by_default(),
    }
}

/// Inserts an inferred environment into a project being created (whose event records it).
pub(super) fn insert_inferred(tx: &Tx, project: &ProjectRow, slug: &str) -> Result<EnvRow> {
    insert(tx, project, &inferred(slug, &default_display_name(slug)))
}

/// Creates an environment. One created otherwise than `env add` would make it (protection
/// that is not its kind's default, archived) also needs what changing it so afterwards needs:
/// `env.protect`, `env.update`.
pub fn add(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    new: &NewEnv,
    archived: bool,
) -> Result<EnvRow> {
    tx.require(Action::EnvAdd, &Target::project(org, project))?;
    let mut env = insert(tx, project, new)?;
    let target = Target::env(org, project, &env);
    if new.protected != new.kind.protected_by_default() {
        tx.require(Action::EnvProtect, &target)?;
    }
    if archived {
        tx.require(Action::EnvUpdate, &target)?;
        env.archived_at = Some(crate::store::now());
        save(tx, &env)?;
    }
    tx.created(
        Event::EnvAdd,
        &Target::env(org, project, &env),
        Subject::Scope,
        &env,
    )?;
    Ok(env)
}

/// [`add`] of an environment named `slug` with everything inferred from it.
pub fn add_inferred(tx: &Tx, org: &OrgRow, project: &ProjectRow, slug: &str) -> Result<EnvRow> {
    add(
        tx,
        org,
        project,
        &inferred(slug, &default_display_name(slug)),
        false,
    )
}

/// Creates `new` in `source`'s project with copies of `source`'s resources and, with
/// `with_access`, of every grant on `source` (members' and teams'). One event records the
/// copy and where it came from.
pub fn clone(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    source: &EnvRow,
    new: &NewEnv,
    with_access: bool,
) -> Result<EnvRow> {
    let target = Target::project(org, project);
    tx.require(Action::EnvAdd, &target)?;
    if with_access {
        tx.require(Action::MemberGrant, &target)?;
    }
    let db = tx.db;
    let env = insert(tx, project, new)?;
    for r in db.resources(source.id)? {
        super::resource::insert(tx, &env, &r.slug, r.kind, r.description.as_deref())?;
    }
    if with_access {
        for g in db.project_grants(project.id)? {
            if g.environment_id == Some(source.id) {
                super::grant::set_row(tx, g.holder, project, Some(&env), g.role)?;
            }
        }
    }
    let mut after = snapshot::env(db, &env)?;
    after.source = Some(crate::scope::env_path(source));
    tx.created(
        Event::EnvClone,
        &Target::env(org, project, &env),
        Subject::Scope,
        &after,
    )?;
    Ok(env)
}

/// Writes `after` over `before` as `event` (`env.update`, `env.archive`, `env.unarchive`,
/// `env.protect`, `env.unprotect`), checked by the action that authorizes it; whether
/// anything changed.
pub fn update(
    tx: &Tx,
    event: Event,
    org: &OrgRow,
    project: &ProjectRow,
    before: &EnvRow,
    after: &EnvRow,
) -> Result<bool> {
    tx.require_for(event, &Target::env(org, project, before))?;
    tx.updated(
        event,
        &Target::env(org, project, after),
        Subject::Scope,
        before,
        after,
        || save(tx, after),
    )
}

/// Removes an environment with its resources and grants, all kept in its event.
pub fn remove(tx: &Tx, org: &OrgRow, project: &ProjectRow, env: &EnvRow) -> Result<()> {
    let target = Target::env(org, project, env);
    tx.require(Action::EnvRemove, &target)?;
    let before = snapshot::env(tx.db, env)?;
    tx.db.env_delete(env.id)?;
    tx.removed(Event::EnvRemove, &target, Subject::Scope, &before)
}
