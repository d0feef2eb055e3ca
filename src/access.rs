//! The one place that decides who may do what (CONTRACT.md, "Access model").
//!
//! Every mutation calls [`require`] inside its write transaction, and `proj access check`
//! prints [`decide`]'s answer, so enforcement and explanation cannot disagree.

use crate::error::{Error, Result};
use crate::model::{OrgRole, ProjectRole};
use crate::store::{Db, EnvRow, MemberRow, OrgRow, ProjectRow};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Everything an actor can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    OrgUpdate,
    OrgRemove,
    ProjectAdd,
    ProjectUpdate,
    ProjectRemove,
    EnvAdd,
    EnvUpdate,
    EnvProtect,
    EnvRemove,
    ResourceAdd,
    ResourceUpdate,
    ResourceRemove,
    MemberAdd,
    MemberRole,
    MemberRemove,
    MemberGrant,
    Read,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::OrgUpdate,
        Action::OrgRemove,
        Action::ProjectAdd,
        Action::ProjectUpdate,
        Action::ProjectRemove,
        Action::EnvAdd,
        Action::EnvUpdate,
        Action::EnvProtect,
        Action::EnvRemove,
        Action::ResourceAdd,
        Action::ResourceUpdate,
        Action::ResourceRemove,
        Action::MemberAdd,
        Action::MemberRole,
        Action::MemberRemove,
        Action::MemberGrant,
        Action::Read,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::OrgUpdate => "org.update",
            Action::OrgRemove => "org.remove",
            Action::ProjectAdd => "project.add",
            Action::ProjectUpdate => "project.update",
            Action::ProjectRemove => "project.remove",
            Action::EnvAdd => "env.add",
            Action::EnvUpdate => "env.update",
            Action::EnvProtect => "env.protect",
            Action::EnvRemove => "env.remove",
            Action::ResourceAdd => "resource.add",
            Action::ResourceUpdate => "resource.update",
            Action::ResourceRemove => "resource.remove",
            Action::MemberAdd => "member.add",
            Action::MemberRole => "member.role",
            Action::MemberRemove => "member.remove",
            Action::MemberGrant => "member.grant",
            Action::Read => "read",
        }
    }

    /// Actions that change an environment or what it holds, where protection applies.
    fn touches_env_contents(self) -> bool {
        matches!(
            self,
            Action::EnvUpdate
                | Action::EnvRemove
                | Action::ResourceAdd
                | Action::ResourceUpdate
                | Action::ResourceRemove
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
                Error::usage(format!("unknown action `{s}`"))
                    .with_hint(format!("use one of: {}", all.join(", ")))
            })
    }
}

/// Who is acting: a member's email, or (in a file without members) the OS user.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The identity as given (`--as`, `PROJ_AS`, or the one saved by `proj init`).
    pub email: Option<String>,
    /// Whether the identity was asked for on this command (`--as`/`PROJ_AS`): an unknown
    /// one is then "not found" rather than an outsider.
    pub explicit: bool,
    /// The name written to the audit log when there is no email.
    pub os_user: String,
}

impl Actor {
    /// The name recorded as the actor of audit events.
    pub fn name(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.os_user)
    }

    pub fn os_user() -> String {
        std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .or_else(|_| std::env::var("USERNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "unknown".to_string())
    }
}

/// What an action is aimed at: an organization, a project of it, or an environment.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub org: &'a OrgRow,
    pub project: Option<&'a ProjectRow>,
    pub env: Option<&'a EnvRow>,
}

impl<'a> Target<'a> {
    pub fn org(org: &'a OrgRow) -> Self {
        Target {
            org,
            project: None,
            env: None,
        }
    }
    pub fn project(org: &'a OrgRow, project: &'a ProjectRow) -> Self {
        Target {
            org,
            project: Some(project),
            env: None,
        }
    }
    pub fn env(org: &'a OrgRow, project: &'a ProjectRow, env: &'a EnvRow) -> Self {
        Target {
            org,
            project: Some(project),
            env: Some(env),
        }
    }
    /// `org`, `org/project` or `org/project/env`.
    pub fn path(&self) -> String {
        let mut s = self.org.slug.clone();
        if let Some(p) = self.project {
            s = format!("{s}/{}", p.slug);
        }
        if let Some(e) = self.env {
            s = format!("{s}/{}", e.slug);
        }
        s
    }
}

/// The answer, with the rule that gave it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// False when the target does not exist for this actor (a project they were not granted).
    pub visible: bool,
    /// A stable id of the rule that decided.
    pub rule: &'static str,
    /// One line a person can read.
    pub reason: String,
}

impl Decision {
    fn allow(rule: &'static str, reason: String) -> Self {
        Decision {
            allowed: true,
            visible: true,
            rule,
            reason,
        }
    }
    fn deny(rule: &'static str, reason: String) -> Self {
        Decision {
            allowed: false,
            visible: true,
            rule,
            reason,
        }
    }
    fn hidden(rule: &'static str, reason: String) -> Self {
        Decision {
            allowed: false,
            visible: false,
            rule,
            reason,
        }
    }
}

/// The member the actor is in this organization, `None` when the organization has no members
/// (everyone acts as its owner). An explicit identity unknown to the organization is an error.
pub fn member_of(db: &Db, actor: &Actor, org: &OrgRow) -> Result<Option<Option<MemberRow>>> {
    if !db.has_members(org.id)? {
        return Ok(None);
    }
    let member = match &actor.email {
        Some(email) => db.member(org.id, email)?,
        None => None,
    };
    if member.is_none() && actor.explicit {
        let email = actor.email.as_deref().unwrap_or_default();
        return Err(Error::not_found(format!(
            "no member `{email}` in organization `{}`",
            org.slug
        ))
        .with_hint(format!("see `proj member list --org {}`", org.slug)));
    }
    Ok(Some(member))
}

/// Decides whether `actor` may do `action` on `target`.
pub fn decide(db: &Db, actor: &Actor, action: Action, target: &Target) -> Result<Decision> {
    let org = target.org;
    let member = match member_of(db, actor, org)? {
        None => {
            return Ok(Decision::allow(
                "no-members",
                format!("{} has no members, so everyone acts as its owner", org.slug),
            ));
        }
        Some(None) => {
            return Ok(Decision::hidden(
                "not-a-member",
                format!("{} is not a member of {}", actor.name(), org.slug),
            ));
        }
        Some(Some(m)) => m,
    };
    let who = &member.email;
    match member.role {
        OrgRole::Owner => {
            return Ok(Decision::allow(
                "org-owner",
                format!("{who} is owner of {}", org.slug),
            ));
        }
        OrgRole::Admin => {
            return Ok(if action == Action::OrgRemove {
                Decision::deny(
                    "owner-only",
                    format!(
                        "{who} is admin of {}, and only an owner may remove it",
                        org.slug
                    ),
                )
            } else {
                Decision::allow("org-admin", format!("{who} is admin of {}", org.slug))
            });
        }
        OrgRole::Member | OrgRole::Viewer => {}
    }
    let role_name = member.role.as_str();
    let Some(project) = target.project else {
        // Organization-level actions belong to owners and admins.
        return Ok(if action == Action::Read {
            Decision::allow("org-read", format!("{who} is {role_name} of {}", org.slug))
        } else {
            Decision::deny(
                "needs-org-admin",
                format!(
                    "{who} is {role_name} of {}, and {action} needs an organization admin",
                    org.slug
                ),
            )
        });
    };
    let grants = db.member_grants_in(member.id, project.id)?;
    let path = format!("{}/{}", org.slug, project.slug);
    if grants.is_empty() {
        return Ok(Decision::hidden(
            "no-grant",
            format!(
                "{who} is {role_name} of {} without a grant on {path}",
                org.slug
            ),
        ));
    }
    let project_role = grants
        .iter()
        .find(|g| g.environment_id.is_none())
        .map(|g| g.role);
    let env_role = target.env.and_then(|e| {
        grants
            .iter()
            .find(|g| g.environment_id == Some(e.id))
            .map(|g| g.role)
    });
    if action == Action::Read {
        return Ok(Decision::allow(
            "granted-read",
            format!("{who} has a grant on {path}"),
        ));
    }
    let (role, scope) = match (env_role, target.env) {
        (Some(r), Some(e)) => (Some(r), format!("{path}/{} (environment grant)", e.slug)),
        _ => (project_role, path.clone()),
    };
    let Some(role) = role else {
        return Ok(Decision::deny(
            "no-role",
            format!("{who} has no role on {}", target.path()),
        ));
    };
    let on = format!("{role} on {scope}");
    let decision = match role {
        ProjectRole::Viewer => {
            Decision::deny("viewer-reads", format!("{on}, and viewers only read"))
        }
        ProjectRole::Admin => match action {
            Action::ProjectUpdate
            | Action::ProjectRemove
            | Action::EnvAdd
            | Action::EnvUpdate
            | Action::EnvProtect
            | Action::EnvRemove
            | Action::ResourceAdd
            | Action::ResourceUpdate
            | Action::ResourceRemove
            | Action::MemberGrant => Decision::allow("project-admin", on),
            _ => Decision::deny(
                "needs-org-admin",
                format!("{on}, and {action} needs an organization admin"),
            ),
        },
        ProjectRole::Developer => match action {
            Action::EnvProtect
            | Action::MemberGrant
            | Action::ProjectUpdate
            | Action::ProjectRemove => Decision::deny(
                "needs-project-admin",
                format!("{on}, and {action} needs project admin"),
            ),
            a if a.touches_env_contents() => match target.env {
                Some(e) if e.protected => Decision::deny(
                    "protected-env",
                    format!("{on}, but {} is protected (needs project admin)", e.slug),
                ),
                _ => Decision::allow("developer", on),
            },
            Action::EnvAdd => Decision::allow("developer", on),
            _ => Decision::deny(
                "needs-org-admin",
                format!("{on}, and {action} needs an organization admin"),
            ),
        },
    };
    Ok(decision)
}

/// Enforcement: fails with "not found" (3) when the target is invisible to the actor and
/// "permission denied" (5) when it is visible but may not be changed.
pub fn require(db: &Db, actor: &Actor, action: Action, target: &Target) -> Result<()> {
    let d = decide(db, actor, action, target)?;
    if d.allowed {
        return Ok(());
    }
    if !d.visible {
        return Err(invisible(target));
    }
    Err(
        Error::denied(format!("permission denied: {}", d.reason)).with_hint(format!(
            "see `proj access check {} {action} {}`",
            actor.name(),
            target.path()
        )),
    )
}

/// Whether the actor can see the project at all (lists leave out the rest).
pub fn can_see(db: &Db, actor: &Actor, target: &Target) -> Result<bool> {
    Ok(decide(db, actor, Action::Read, target)?.visible)
}

/// The error for a target the actor may not see: the same as for one that does not exist.
pub fn invisible(target: &Target) -> Error {
    match (target.project, target.env) {
        (Some(p), _) => Error::not_found(format!(
            "project `{}/{}` not found",
            target.org.slug, p.slug
        )),
        _ => Error::not_found(format!("organization `{}` not found", target.org.slug)),
    }
}
