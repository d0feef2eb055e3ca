//! Whole subtrees as JSON, for the audit log's `before` of a removal (so nothing is lost).

use crate::error::Result;
use crate::store::{Db, EnvRow, OrgRow, ProjectRow};
use serde_json::{Value, json};

pub fn env(db: &Db, e: &EnvRow) -> Result<Value> {
    let grants: Vec<_> = db
        .project_grants(e.project_id)?
        .into_iter()
        .filter(|g| g.environment_id == Some(e.id))
        .collect();
    Ok(json!({
        "environment": e,
        "resources": db.resources(e.id)?,
        "grants": grants,
    }))
}

pub fn project(db: &Db, p: &ProjectRow) -> Result<Value> {
    let envs = db
        .envs(p.id, true)?
        .iter()
        .map(|e| env(db, e))
        .collect::<Result<Vec<_>>>()?;
    let grants: Vec<_> = db
        .project_grants(p.id)?
        .into_iter()
        .filter(|g| g.environment_id.is_none())
        .collect();
    Ok(json!({ "project": p, "environments": envs, "grants": grants }))
}

pub fn org(db: &Db, o: &OrgRow) -> Result<Value> {
    let projects = db
        .projects(o.id)?
        .iter()
        .map(|p| project(db, p))
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({ "org": o, "members": db.members(o.id)?, "projects": projects }))
}

/// A row as the `before`/`after` of an update event.
pub fn row<T: serde::Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}
