//! Resources: add, update (rename, type, description), move, remove.

use crate::access::{Action, Target};
use crate::error::Result;
use crate::model::ResourceType;
use crate::store::{EnvRow, OrgRow, ProjectRow, ResourceRow};
use crate::tx::{Event, Subject, Tx};

/// The one insert of a resource row (a clone copies rows without an event each).
pub(super) fn insert(
    tx: &Tx,
    env: &EnvRow,
    slug: &str,
    kind: ResourceType,
    description: Option<&str>,
) -> Result<ResourceRow> {
    tx.db.resource_insert(env, slug, kind, description)
}

/// The one update of a resource row (a move is an update of its environment).
fn save(tx: &Tx, r: &ResourceRow) -> Result<()> {
    tx.db.resource_update(r)
}

/// Creates a resource in `env`.
pub fn add(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    env: &EnvRow,
    slug: &str,
    kind: ResourceType,
    description: Option<&str>,
) -> Result<ResourceRow> {
    let target = Target::env(org, project, env);
    tx.require(Action::ResourceAdd, &target)?;
    let r = insert(tx, env, slug, kind, description)?;
    tx.created(Event::ResourceAdd, &target, Subject::Resource(&r.slug), &r)?;
    Ok(r)
}

/// Writes `after` over `before`, both in `env`; whether anything changed.
pub fn update(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    env: &EnvRow,
    before: &ResourceRow,
    after: &ResourceRow,
) -> Result<bool> {
    let target = Target::env(org, project, env);
    tx.require(Action::ResourceUpdate, &target)?;
    tx.updated(
        Event::ResourceUpdate,
        &target,
        Subject::Resource(&after.slug),
        before,
        after,
        || save(tx, after),
    )
}

/// Moves `before` from the environment `from` names to the one `to` names: leaving one and
/// arriving in the other, both must allow it. `after` is the resource as moved.
pub fn move_to(
    tx: &Tx,
    from: &Target,
    to: &Target,
    before: &ResourceRow,
    after: &ResourceRow,
) -> Result<bool> {
    tx.require(Action::ResourceRemove, from)?;
    tx.require(Action::ResourceAdd, to)?;
    tx.updated(
        Event::ResourceMove,
        to,
        Subject::Resource(&after.slug),
        before,
        after,
        || save(tx, after),
    )
}

/// Removes a resource; its event keeps it.
pub fn remove(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    env: &EnvRow,
    r: &ResourceRow,
) -> Result<()> {
    let target = Target::env(org, project, env);
    tx.require(Action::ResourceRemove, &target)?;
    tx.db.resource_delete(r.id)?;
    tx.removed(
        Event::ResourceRemove,
        &target,
        Subject::Resource(&r.slug),
        r,
    )
}
