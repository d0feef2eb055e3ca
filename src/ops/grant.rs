//! Grants of either holder (a member or a team) on a project or one of its environments.

use crate::access::{Action, Target};
use crate::error::{Error, Result};
use crate::model::ProjectRole;
use crate::store::{Db, EnvRow, GrantRow, Holder, OrgRow, ProjectRow};
use crate::tx::{Event, Subject, Tx};

/// The one write of a grant: `role` for `holder` on the project (or one environment),
/// replacing an earlier one there (a clone copies grants without an event each).
pub(super) fn set_row(
    tx: &Tx,
    holder: Holder,
    project: &ProjectRow,
    env: Option<&EnvRow>,
    role: ProjectRole,
) -> Result<()> {
    tx.db.grant_set(holder, project, env, role)
}

/// `holder`'s grant on the project, project-wide (`env_id` none) or on one environment.
pub fn on(
    db: &Db,
    holder: Holder,
    project_id: i64,
    env_id: Option<i64>,
) -> Result<Option<GrantRow>> {
    Ok(db
        .holder_grants_in(holder, project_id)?
        .into_iter()
        .find(|g| g.environment_id == env_id))
}

fn target<'a>(org: &'a OrgRow, project: &'a ProjectRow, env: Option<&'a EnvRow>) -> Target<'a> {
    match env {
        None => Target::project(org, project),
        Some(e) => Target::env(org, project, e),
    }
}

/// What grant events name: `email on …` for a member's, `team slug on …` for a team's.
fn subject(holder: Holder, name: &str) -> Subject<'_> {
    match holder {
        Holder::Member(_) => Subject::Grant(name),
        Holder::Team(_) => Subject::TeamGrant(name),
    }
}

/// Gives `holder` (called `name`: a member's email, a team's slug) `role` on the project or
/// one environment of it, replacing the grant it had there; returns that one and the new one.
pub fn set(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    env: Option<&EnvRow>,
    holder: Holder,
    name: &str,
    role: ProjectRole,
) -> Result<(Option<GrantRow>, GrantRow)> {
    let at = target(org, project, env);
    tx.require(Action::MemberGrant, &at)?;
    let env_id = env.map(|e| e.id);
    let before = on(tx.db, holder, project.id, env_id)?;
    set_row(tx, holder, project, env, role)?;
    let after = on(tx.db, holder, project.id, env_id)?
        .ok_or_else(|| Error::internal("the grant was not saved"))?;
    let event = match holder {
        Holder::Member(_) => Event::MemberGrant,
        Holder::Team(_) => Event::TeamGrant,
    };
    tx.replaced(event, &at, subject(holder, name), before.as_ref(), &after)?;
    Ok((before, after))
}

/// Takes back `grant`, on the project or the environment `env` (its own).
pub fn revoke(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    env: Option<&EnvRow>,
    grant: &GrantRow,
) -> Result<()> {
    let at = target(org, project, env);
    tx.require(Action::MemberGrant, &at)?;
    tx.db
        .grant_delete(grant.holder, grant.project_id, grant.environment_id)?;
    let (event, name) = match grant.holder {
        Holder::Member(_) => (Event::MemberRevoke, grant.email.as_deref().unwrap_or("")),
        Holder::Team(_) => (Event::TeamRevoke, grant.team.as_deref().unwrap_or("")),
    };
    tx.removed(event, &at, subject(grant.holder, name), grant)
}
