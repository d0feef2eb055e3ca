//! Whole subtrees as JSON, for the audit log's `before` of a removal (so nothing is lost),
//! and the same shapes read back by `proj restore`.

use crate::error::{Error, Result};
use crate::store::{Db, EnvRow, Holder, MemberRow, OrgRow, ProjectRow, TeamRow};
use serde::Deserialize;
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
    // Teams with their members; their grants are in the projects' snapshots.
    let teams = db
        .teams(o.id)?
        .iter()
        .map(|t| Ok(json!({ "team": t, "members": db.team_members(t.id)? })))
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({
        "org": o,
        "members": db.members(o.id)?,
        "teams": teams,
        "projects": projects,
    }))
}

/// A team with its members and every grant it holds: the `before` of `team.remove`.
pub fn team(db: &Db, t: &TeamRow) -> Result<Value> {
    Ok(json!({
        "team": t,
        "members": db.team_members(t.id)?,
        "grants": db.holder_grants(Holder::Team(t.id))?,
    }))
}

/// The teams a member is in, with when they joined: part of `member.remove`'s `before`.
pub fn teams_of(db: &Db, m: &MemberRow) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for t in db.member_teams(m.id)? {
        let joined = db
            .team_members(t.id)?
            .into_iter()
            .find(|tm| tm.member_id == m.id)
            .map(|tm| tm.joined_at);
        out.push(json!({ "team": t.slug, "joined_at": joined }));
    }
    Ok(out)
}

/// A row as the `before`/`after` of an update event.
pub fn row<T: serde::Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

// What `proj restore` reads back. Unknown fields are ignored and missing optional ones
// default, so snapshots written by older or newer builds still restore.

/// The `before` of an `org.remove` event.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedOrg {
    pub org: SavedOrgRow,
    #[serde(default)]
    pub members: Vec<SavedMember>,
    /// Teams with their members (snapshots before teams have none).
    #[serde(default)]
    pub teams: Vec<SavedTeam>,
    #[serde(default)]
    pub projects: Vec<SavedProject>,
}

/// The `before` of a `team.remove` event, and one team of an `org.remove`.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedTeam {
    pub team: SavedNamedRow,
    #[serde(default)]
    pub members: Vec<SavedTeamMember>,
    /// Every grant of the team (only in `team.remove`; an organization's are in its projects).
    #[serde(default)]
    pub grants: Vec<SavedGrant>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedTeamMember {
    pub email: String,
    #[serde(default)]
    pub joined_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedOrgRow {
    pub slug: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedMember {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    pub role: String,
    pub created_at: String,
}

/// The `before` of a `project.remove` event.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedProject {
    pub project: SavedNamedRow,
    #[serde(default)]
    pub environments: Vec<SavedEnv>,
    /// Project-wide grants.
    #[serde(default)]
    pub grants: Vec<SavedGrant>,
}

/// A project or a team as recorded: a slug of an organization with its names.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedNamedRow {
    pub org: String,
    pub slug: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub created_at: String,
}

/// The `before` of an `env.remove` event.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedEnv {
    pub environment: SavedEnvRow,
    #[serde(default)]
    pub resources: Vec<SavedResource>,
    /// Grants scoped to this environment.
    #[serde(default)]
    pub grants: Vec<SavedGrant>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedEnvRow {
    pub org: String,
    pub project: String,
    pub slug: String,
    pub display_name: String,
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    pub protected: bool,
    #[serde(default)]
    pub archived_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedResource {
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_at: String,
}

/// The `before` of a `member.remove` event: the member, their own grants and their teams.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedMemberRemoval {
    pub member: SavedMemberRow,
    #[serde(default)]
    pub grants: Vec<SavedGrant>,
    #[serde(default)]
    pub teams: Vec<SavedMembership>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedMemberRow {
    pub org: String,
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    pub role: String,
    pub created_at: String,
}

/// One team a removed member was in.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedMembership {
    pub team: String,
    #[serde(default)]
    pub joined_at: Option<String>,
}

/// A grant as recorded: a member's carries `email`, a team's `team`.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedGrant {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    /// The project, in a team's own snapshot (`team.remove`), whose grants span projects.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    pub role: String,
    pub created_at: String,
}

/// Reads a removal's `before` back into `T`; a snapshot that does not fit is a broken event.
pub fn parse<T: serde::de::DeserializeOwned>(event_id: i64, before: Option<&Value>) -> Result<T> {
    let value = before
        .ok_or_else(|| Error::internal(format!("event {event_id} recorded nothing to restore")))?;
    serde_json::from_value(value.clone()).map_err(|e| {
        Error::internal(format!(
            "event {event_id} holds a snapshot this proj cannot read"
        ))
        .caused_by(e)
    })
}
