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

/// Where a grant is: a project, or one environment of it.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub org: &'a OrgRow,
    pub project: &'a ProjectRow,
    pub env: Option<&'a EnvRow>,
}

impl<'a> Place<'a> {
    fn target(self) -> Target<'a> {
        match self.env {
            None => Target::project(self.org, self.project),
            Some(e) => Target::env(self.org, self.project, e),
        }
    }
}

/// What grant events name: `email on …` for a member's, `team slug on …` for a team's.
fn subject(holder: Holder, name: &str) -> Subject<'_> {
    match holder {
        Holder::Member(_) => Subject::Grant(name),
        Holder::Team(_) => Subject::TeamGrant(name),
    }
}

/// Gives `holder` (called `name`: a member's email, a team's slug) `role` at `place`,
/// replacing `before`, the grant it had there (read by the caller: a plan knows it); returns
/// the new one.
pub fn set(
    tx: &Tx,
    place: Place,
    holder: Holder,
    name: &str,
    role: ProjectRole,
    before: Option<&GrantRow>,
) -> Result<GrantRow> {
    let at = place.target();
    tx.require(Action::MemberGrant, &at)?;
    set_row(tx, holder, place.project, place.env, role)?;
    let after = on(tx.db, holder, place.project.id, place.env.map(|e| e.id))?
        .ok_or_else(|| Error::internal("the grant was not saved"))?;
    let event = match holder {
        Holder::Member(_) => Event::MemberGrant,
        Holder::Team(_) => Event::TeamGrant,
    };
    tx.replaced(event, &at, subject(holder, name), before, &after)?;
    Ok(after)
}

/// Takes back `grant`, which is at `place`.
pub fn revoke(tx: &Tx, place: Place, grant: &GrantRow) -> Result<()> {
    let at = place.target();
    tx.require(Action::MemberGrant, &at)?;
    tx.db
        .grant_delete(grant.holder, grant.project_id, grant.environment_id)?;
    let (event, name) = match grant.holder {
        Holder::Member(_) => (Event::MemberRevoke, grant.email.as_deref().unwrap_or("")),
        Holder::Team(_) => (Event::TeamRevoke, grant.team.as_deref().unwrap_or("")),
    };
    tx.removed(event, &at, subject(grant.holder, name), grant)
}
