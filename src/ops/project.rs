//! Projects: add (with environments), update, remove.

use crate::access::{Action, Target};
use crate::error::Result;
use crate::snapshot;
use crate::store::{OrgRow, ProjectRow};
use crate::tx::{Event, Subject, Tx};

/// The fields of a new project; empty texts are the caller's to drop.
pub struct NewProject<'a> {
    pub slug: &'a str,
    pub display_name: Option<&'a str>,
    pub description: Option<&'a str>,
}

/// Creates a project with environments named `envs` (everything else inferred from each
/// slug, see [`super::env::inferred`]). One event records the project with its
/// environments; environments added later have events of their own.
pub fn add(tx: &Tx, org: &OrgRow, new: &NewProject, envs: &[String]) -> Result<ProjectRow> {
    tx.require(Action::ProjectAdd, &Target::org(org))?;
    let project = tx
        .db
        .project_insert(org, new.slug, new.display_name, new.description)?;
    let mut made = envs
        .iter()
        .map(|slug| super::env::insert_inferred(tx, &project, slug))
        .collect::<Result<Vec<_>>>()?;
    // What snapshot::project would read back: nothing is in them yet; release-flow order.
    made.sort_by_key(|e| (e.kind, e.id));
    let after = snapshot::ProjectSnapshot {
        project: project.clone(),
        environments: made.into_iter().map(snapshot::EnvSnapshot::new).collect(),
        grants: Vec::new(),
    };
    tx.created(
        Event::ProjectAdd,
        &Target::project(org, &project),
        Subject::Scope,
        &after,
    )?;
    Ok(project)
}

/// Writes `after` over `before`; whether anything changed.
pub fn update(tx: &Tx, org: &OrgRow, before: &ProjectRow, after: &ProjectRow) -> Result<bool> {
    tx.require(Action::ProjectUpdate, &Target::project(org, before))?;
    tx.updated(
        Event::ProjectUpdate,
        &Target::project(org, after),
        Subject::Scope,
        before,
        after,
        || tx.db.project_update(after),
    )
}

/// Removes a project with its environments, resources and grants, all kept in its event.
pub fn remove(tx: &Tx, org: &OrgRow, project: &ProjectRow) -> Result<()> {
    let target = Target::project(org, project);
    tx.require(Action::ProjectRemove, &target)?;
    let before = snapshot::project(tx.db, project)?;
    tx.db.project_delete(project.id)?;
    tx.removed(Event::ProjectRemove, &target, Subject::Scope, &before)
}
