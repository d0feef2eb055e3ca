//! The rows and arguments of the store API, shared by both backends: what each query
//! returns (`OrgRow`, `ProjectRow`, …), what an insert takes (`NewEnv`, `NewEvent`), who
//! holds a grant ([`Holder`]), the saved [`Selection`], and what a restore reads back from an
//! audit snapshot ([`SavedFields`], [`SavedEnvFields`]). Rows serialize as audit snapshots
//! record them and deserialize from them (`proj restore`; ids are not kept, so they read back
//! as 0); each backend maps its own result rows onto these.

use crate::model::{EnvKind, OrgRole, ProjectRole, ResourceType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgRow {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub display_name: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub org_id: i64,
    pub org: String,
    pub slug: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub project_id: i64,
    pub org: String,
    pub project: String,
    pub slug: String,
    pub display_name: String,
    pub kind: EnvKind,
    pub description: Option<String>,
    pub protected: bool,
    pub archived_at: Option<String>,
    pub created_at: String,
}

pub struct NewEnv<'a> {
    pub slug: &'a str,
    pub display_name: &'a str,
    pub kind: EnvKind,
    pub description: Option<&'a str>,
    pub protected: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub environment_id: i64,
    pub org: String,
    pub project: String,
    pub environment: String,
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: ResourceType,
    pub description: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub org_id: i64,
    pub org: String,
    pub email: String,
    pub name: Option<String>,
    pub role: OrgRole,
    pub created_at: String,
    /// The database login that acts as this member on a shared database (team mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
}

/// Who holds a grant: one member, or one team (whose members all get it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holder {
    Member(i64),
    Team(i64),
}

impl Holder {
    /// The holder of a grant read back from an audit snapshot, until restore places it.
    fn unplaced() -> Holder {
        Holder::Member(0)
    }

    /// The `(member_id, team_id)` columns of this holder.
    pub(super) fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Holder::Member(id) => (Some(id), None),
            Holder::Team(id) => (None, Some(id)),
        }
    }
}

/// A project role given to a member or a team, for the whole project or (with
/// `environment`) one environment of it. Serialized (audit snapshots) with `email` for a
/// member's grant and `team` for a team's, so a member's grant reads as it always did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRow {
    #[serde(skip)]
    pub id: i64,
    /// Not in snapshots, which name the holder by `email` or `team`.
    #[serde(skip, default = "Holder::unplaced")]
    pub holder: Holder,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip)]
    pub project_id: i64,
    pub org: String,
    pub project: String,
    #[serde(skip)]
    pub environment_id: Option<i64>,
    pub environment: Option<String>,
    pub role: ProjectRole,
    pub created_at: String,
}

impl GrantRow {
    /// `bo@acme.dev` or `team backend`: the holder as people read it.
    pub fn holder_name(&self) -> String {
        match (&self.email, &self.team) {
            (Some(email), _) => email.clone(),
            (None, Some(team)) => format!("team {team}"),
            (None, None) => "(nobody)".to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub org_id: i64,
    pub org: String,
    pub slug: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub created_at: String,
}

/// One member of a team, with when they joined.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamMemberRow {
    #[serde(skip)]
    pub member_id: i64,
    pub email: String,
    pub name: Option<String>,
    pub joined_at: String,
}

/// One audit event: who did what to which target, with the state before and after.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub org_id: Option<i64>,
    pub project_id: Option<i64>,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// An audit event to append.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub org_id: Option<i64>,
    pub project_id: Option<i64>,
    pub target: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// The fields of a removed row as its snapshot recorded them; the caller reads the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct SavedFields<'a> {
    pub slug: &'a str,
    pub display_name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub created_at: &'a str,
}

/// An environment's fields beyond [`SavedFields`], as recorded.
#[derive(Debug, Clone, Copy)]
pub struct SavedEnvFields<'a> {
    pub kind: &'a str,
    pub protected: bool,
    pub archived_at: Option<&'a str>,
}

/// The saved selection and identity.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub org: Option<String>,
    pub project: Option<(String, String)>,
    pub identity: Option<String>,
}
