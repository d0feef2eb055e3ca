//! What the person at the keyboard saved: the organization and project they work in, and,
//! on a file, who they are. Not part of the model: nothing here is audited or checked.

use crate::error::Result;
use crate::store::Db;

/// Saves `who`'s selection (`org use`, `project use`, `init`, a first apply).
pub fn save(
    db: &Db,
    who: Option<&str>,
    org_id: Option<i64>,
    project_id: Option<i64>,
) -> Result<()> {
    db.selection_save(who, org_id, project_id)
}

/// Saves the file's identity: who commands act as without `--as`.
pub fn save_identity(db: &Db, email: Option<&str>) -> Result<()> {
    db.identity_save(email)
}
