//! What the audit log records of a change, as one family of types: written into events by
//! the operations and read back by the same types in `proj restore`.
//!
//! A removal's `before` keeps the whole subtree, so nothing is lost: [`OrgSnapshot`],
//! [`ProjectSnapshot`], [`EnvSnapshot`], [`TeamSnapshot`], [`MemberSnapshot`]. A creation's
//! `after` and an update's `before`/`after` are the row itself ([`row`]); a team membership
//! is a [`Membership`]. The rows are the store's (their ids are not recorded). Lists default
//! to empty and unknown fields are ignored, so snapshots written by older or newer builds
//! still read.

use crate::error::{Error, Result};
use crate::store::{
    Db, EnvRow, GrantRow, Holder, MemberRow, OrgRow, ProjectRow, ResourceRow, TeamMemberRow,
    TeamRow,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An environment with its resources and the grants scoped to it: `env.remove`'s `before`,
/// `env.clone`'s and `env.restore`'s `after`, and one environment of a project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvSnapshot {
    pub environment: EnvRow,
    #[serde(default)]
    pub resources: Vec<ResourceRow>,
    #[serde(default)]
    pub grants: Vec<GrantRow>,
    /// The environment a clone copied (`env.clone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A project with its environments and project-wide grants: `project.add`'s `after`,
/// `project.remove`'s `before`, and one project of an organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectSnapshot {
    pub project: ProjectRow,
    #[serde(default)]
    pub environments: Vec<EnvSnapshot>,
    #[serde(default)]
    pub grants: Vec<GrantRow>,
}

/// An organization with its members, teams (and their members) and projects:
/// `org.remove`'s `before`. Team grants are in the projects'.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgSnapshot {
    pub org: OrgRow,
    #[serde(default)]
    pub members: Vec<MemberRow>,
    #[serde(default)]
    pub teams: Vec<TeamSnapshot>,
    #[serde(default)]
    pub projects: Vec<ProjectSnapshot>,
}

/// A team with its members, and (`team.remove`) every grant it holds; an organization's
/// teams leave their grants to its projects.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamSnapshot {
    pub team: TeamRow,
    #[serde(default)]
    pub members: Vec<TeamMemberRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<GrantRow>>,
}

/// A member with their own grants and the teams they were in: `member.remove`'s `before`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberSnapshot {
    pub member: MemberRow,
    #[serde(default)]
    pub grants: Vec<GrantRow>,
    #[serde(default)]
    pub teams: Vec<TeamOfMember>,
}

/// One team a member is in, with when they joined.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamOfMember {
    pub team: String,
    #[serde(default)]
    pub joined_at: Option<String>,
}

/// A team membership: `team.join`'s `after`, `team.leave`'s `before`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Membership {
    pub org: String,
    pub team: String,
    pub email: String,
}

/// A restore's `after`: the subtree as it now is, and the removal it came from.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreAfter<T> {
    #[serde(flatten)]
    pub now: T,
    pub restored_from: i64,
}

impl EnvSnapshot {
    /// A new environment's: nothing is in it yet.
    pub fn new(environment: EnvRow) -> Self {
        EnvSnapshot {
            environment,
            resources: Vec::new(),
            grants: Vec::new(),
            source: None,
        }
    }
}

pub fn env(db: &Db, e: &EnvRow) -> Result<EnvSnapshot> {
    let grants = db
        .project_grants(e.project_id)?
        .into_iter()
        .filter(|g| g.environment_id == Some(e.id))
        .collect();
    Ok(EnvSnapshot {
        environment: e.clone(),
        resources: db.resources(e.id)?,
        grants,
        source: None,
    })
}

pub fn project(db: &Db, p: &ProjectRow) -> Result<ProjectSnapshot> {
    let environments = db
        .envs(p.id, true)?
        .iter()
        .map(|e| env(db, e))
        .collect::<Result<Vec<_>>>()?;
    let grants = db
        .project_grants(p.id)?
        .into_iter()
        .filter(|g| g.environment_id.is_none())
        .collect();
    Ok(ProjectSnapshot {
        project: p.clone(),
        environments,
        grants,
    })
}

pub fn org(db: &Db, o: &OrgRow) -> Result<OrgSnapshot> {
    let projects = db
        .projects(o.id)?
        .iter()
        .map(|p| project(db, p))
        .collect::<Result<Vec<_>>>()?;
    let teams = db
        .teams(o.id)?
        .into_iter()
        .map(|t| {
            Ok(TeamSnapshot {
                members: db.team_members(t.id)?,
                team: t,
                grants: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(OrgSnapshot {
        org: o.clone(),
        members: db.members(o.id)?,
        teams,
        projects,
    })
}

/// A team with its members and every grant it holds.
pub fn team(db: &Db, t: &TeamRow) -> Result<TeamSnapshot> {
    Ok(TeamSnapshot {
        team: t.clone(),
        members: db.team_members(t.id)?,
        grants: Some(db.holder_grants(Holder::Team(t.id))?),
    })
}

/// A member with their own grants and their teams.
pub fn member(db: &Db, m: &MemberRow) -> Result<MemberSnapshot> {
    let mut teams = Vec::new();
    for t in db.member_teams(m.id)? {
        let joined_at = db
            .team_members(t.id)?
            .into_iter()
            .find(|tm| tm.member_id == m.id)
            .map(|tm| tm.joined_at);
        teams.push(TeamOfMember {
            team: t.slug,
            joined_at,
        });
    }
    Ok(MemberSnapshot {
        member: m.clone(),
        grants: db.holder_grants(Holder::Member(m.id))?,
        teams,
    })
}

/// A row (or a snapshot) as JSON, as events record it.
pub fn row<T: Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

/// Reads a removal's `before` back into `T`; a snapshot that does not fit is a broken event.
pub fn parse<T: serde::de::DeserializeOwned>(event_id: i64, before: Option<&Value>) -> Result<T> {
    let value = before
        .ok_or_else(|| Error::internal(format!("event {event_id} recorded nothing to restore")))?;
    T::deserialize(value).map_err(|e| {
        Error::internal(format!(
            "event {event_id} holds a snapshot this proj cannot read"
        ))
        .caused_by(e)
    })
}
