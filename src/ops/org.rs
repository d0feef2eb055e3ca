//! Organizations: add, update (slug and display name), remove.

use crate::access::{Action, Target};
use crate::error::Result;
use crate::snapshot;
use crate::store::OrgRow;
use crate::tx::{Event, Subject, Tx};

/// Creates an organization. Creating one needs no role: its creator becomes its first owner
/// next ([`super::member::add`]).
pub fn add(tx: &Tx, slug: &str, display_name: Option<&str>) -> Result<OrgRow> {
    let org = tx.db.org_insert(slug, display_name)?;
    tx.created(Event::OrgAdd, &Target::org(&org), Subject::Scope, &org)?;
    Ok(org)
}

/// Writes `after` over `before`; whether anything changed (nothing changed writes nothing).
pub fn update(tx: &Tx, before: &OrgRow, after: &OrgRow) -> Result<bool> {
    tx.require(Action::OrgUpdate, &Target::org(before))?;
    tx.updated(
        Event::OrgUpdate,
        &Target::org(after),
        Subject::Scope,
        before,
        after,
        || tx.db.org_update(after),
    )
}

/// Removes an organization with everything in it; its event keeps the whole subtree.
pub fn remove(tx: &Tx, org: &OrgRow) -> Result<()> {
    let target = Target::org(org);
    tx.require(Action::OrgRemove, &target)?;
    let before = snapshot::org(tx.db, org)?;
    tx.db.org_delete(org.id)?;
    tx.removed(Event::OrgRemove, &target, Subject::Scope, &before)
}
