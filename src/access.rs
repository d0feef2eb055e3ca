//! The one place that decides who may do what (README.md, "Members and access").
//!
//! Every mutation calls [`require`] inside its write transaction, and `proj access check`
//! prints [`decide`]'s answer, so enforcement and explanation cannot disagree.
//!
//! The rules, by the id `decide` reports, first match wins:
//! - `no-members`: an organization without members behaves as a single owner; anyone may act.
//! - `not-a-member`: the organization has members and the actor is not one: it is hidden.
//! - `org-owner`: owners may do everything.
//! - `owner-only`: admins may not remove the organization; `owners-by-owners`: nor add,
//!   promote to, change or remove an owner. `org-admin`: everything else.
//! - `org-read` / `needs-org-admin`: members and viewers read the organization and its members;
//!   organization-level changes (`org.*`, `project.add`, `member.add|role|remove`) need an admin.
//! - `no-grant`: a project a member or viewer holds no grant on (project-wide or on any of its
//!   environments) is hidden; `granted-read`: with one they read all of it.
//! - A grant on one environment replaces the project-wide role there, up or down;
//!   `no-project-role`: with grants only on other environments they may not change it.
//! - `project-admin`: project admins manage the project, its environments (protected ones
//!   too), grants and resources. `project-viewer`: viewers only read.
//! - `project-developer`: developers add environments and change unprotected environments and
//!   their resources; `protected-env`: not protected ones; `needs-project-admin`: nor the
//!   project itself, protection or grants.

use crate::error::{Error, Result};
use crate::model::{OrgRole, ProjectRole};
use crate::scope::slash;
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

    /// The level an action works at; a deeper target is cut back to it.
    pub fn level(self) -> Level {
        match self {
            Action::OrgUpdate
            | Action::OrgRemove
            | Action::ProjectAdd
            | Action::MemberAdd
            | Action::MemberRole
            | Action::MemberRemove => Level::Org,
            Action::ProjectUpdate | Action::ProjectRemove | Action::EnvAdd => Level::Project,
            Action::EnvUpdate
            | Action::EnvProtect
            | Action::EnvRemove
            | Action::ResourceAdd
            | Action::ResourceUpdate
            | Action::ResourceRemove => Level::Env,
            // A grant may cover a project or one environment; reading works at every level.
            Action::MemberGrant | Action::Read => Level::Any,
        }
    }
}

/// Where an action applies: an organization, a project, an environment, or whatever the
/// target names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Org,
    Project,
    Env,
    Any,
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
    /// Whether the identity was asked for on this command (`--as`/`PROJ_AS`): one that is
    /// nobody's in a file with members is then "not found" (see [`check_identity`]); a saved
    /// one that lost its memberships is an outsider.
    pub explicit: bool,
    /// The name written to the audit log when there is no email.
    pub os_user: String,
    /// On a shared database, the login the connection acts as: the actor is, in each
    /// organization, the member mapped to it (`member add --login`), and never an email.
    pub login: Option<String>,
}

impl Actor {
    /// The name recorded as the actor of audit events.
    pub fn name(&self) -> &str {
        self.email
            .as_deref()
            .or(self.login.as_deref())
            .unwrap_or(&self.os_user)
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

/// A change to one member's organization role, for the rules about owners: `from` is the
/// role they hold (none when adding them), `to` the role they would get (none when removing).
#[derive(Debug, Clone, Copy)]
pub struct MemberChange<'a> {
    pub email: &'a str,
    pub from: Option<OrgRole>,
    pub to: Option<OrgRole>,
}

impl MemberChange<'_> {
    fn touches_owner(&self) -> bool {
        self.from == Some(OrgRole::Owner) || self.to == Some(OrgRole::Owner)
    }
}

/// What an action is aimed at: an organization, a project of it, or an environment; and for
/// `member.*` actions, the member being changed when it is known.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub org: &'a OrgRow,
    pub project: Option<&'a ProjectRow>,
    pub env: Option<&'a EnvRow>,
    pub member: Option<MemberChange<'a>>,
}

impl<'a> Target<'a> {
    pub fn org(org: &'a OrgRow) -> Self {
        Target {
            org,
            project: None,
            env: None,
            member: None,
        }
    }
    pub fn project(org: &'a OrgRow, project: &'a ProjectRow) -> Self {
        Target {
            project: Some(project),
            ..Target::org(org)
        }
    }
    pub fn env(org: &'a OrgRow, project: &'a ProjectRow, env: &'a EnvRow) -> Self {
        Target {
            project: Some(project),
            env: Some(env),
            ..Target::org(org)
        }
    }
    /// The same target, about a change to one member's organization role.
    pub fn with_member(self, change: MemberChange<'a>) -> Self {
        Target {
            member: Some(change),
            ..self
        }
    }
    /// `org`, `org/project` or `org/project/env`.
    pub fn path(&self) -> String {
        let mut parts = vec![self.org.slug.as_str()];
        parts.extend(self.project.map(|p| p.slug.as_str()));
        parts.extend(self.env.map(|e| e.slug.as_str()));
        slash(&parts)
    }
    /// The target cut back to the level the action works at (`org.update` on `acme/shop`
    /// is about `acme`).
    pub fn for_action(self, action: Action) -> Self {
        match action.level() {
            Level::Org => Target {
                project: None,
                env: None,
                ..self
            },
            Level::Project => Target { env: None, ..self },
            Level::Env | Level::Any => self,
        }
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

/// Where the actor stands in one organization.
#[derive(Debug, Clone)]
pub enum Standing {
    /// The organization has no members: everyone acts as its owner.
    NoMembers,
    /// The organization has members and the actor is not one of them.
    Outsider,
    Member(MemberRow),
}

pub fn standing(db: &Db, actor: &Actor, org: &OrgRow) -> Result<Standing> {
    if !db.has_members(Some(org.id))? {
        return Ok(Standing::NoMembers);
    }
    let member = match (&actor.email, &actor.login) {
        (Some(email), _) => db.member(org.id, email)?,
        (None, Some(login)) => db.member_by_login(org.id, login)?,
        (None, None) => None,
    };
    Ok(member.map_or(Standing::Outsider, Standing::Member))
}

/// An identity asked for with `--as`/`PROJ_AS` must be a member of some organization in the
/// file (exit 3 otherwise). A file without members has nobody to check against: anyone acts
/// as its single owner.
pub fn check_identity(db: &Db, actor: &Actor) -> Result<()> {
    let Some(email) = actor.email.as_deref().filter(|_| actor.explicit) else {
        return Ok(());
    };
    if db.has_members(None)? && db.memberships(email)?.is_empty() {
        return Err(
            Error::not_found(format!("no member `{email}` in this file"))
                .with_hint("check the spelling of --as / PROJ_AS, or see `proj member list`"),
        );
    }
    Ok(())
}

/// Decides whether `actor` may do `action` on `target`. `proj access check` prints this
/// answer and [`require`] enforces it: the two cannot disagree.
pub fn decide(db: &Db, actor: &Actor, action: Action, target: &Target) -> Result<Decision> {
    let target = target.for_action(action);
    let org = target.org;
    let member = match standing(db, actor, org)? {
        Standing::NoMembers => {
            return Ok(Decision::allow(
                "no-members",
                format!("{} has no members, so everyone acts as its owner", org.slug),
            ));
        }
        Standing::Outsider => {
            return Ok(Decision::hidden(
                "not-a-member",
                format!("{} is not a member of {}", actor.name(), org.slug),
            ));
        }
        Standing::Member(m) => m,
    };
    match member.role {
        OrgRole::Owner => {
            return Ok(Decision::allow(
                "org-owner",
                format!("owner of {}", org.slug),
            ));
        }
        OrgRole::Admin => return Ok(decide_org_admin(action, &target)),
        OrgRole::Member | OrgRole::Viewer => {}
    }
    let org_role = member.role.as_str();
    let Some(project) = target.project else {
        return Ok(if action == Action::Read {
            Decision::allow("org-read", format!("{org_role} of {}", org.slug))
        } else {
            Decision::deny(
                "needs-org-admin",
                format!(
                    "{org_role} of {}, and {action} needs an organization admin",
                    org.slug
                ),
            )
        });
    };
    let path = slash(&[&org.slug, &project.slug]);
    let grants = db.member_grants_in(member.id, project.id)?;
    if grants.is_empty() {
        return Ok(Decision::hidden(
            "no-grant",
            format!("{org_role} of {} without a grant on {path}", org.slug),
        ));
    }
    if action == Action::Read {
        return Ok(Decision::allow(
            "granted-read",
            format!("{org_role} of {} with a grant on {path}", org.slug),
        ));
    }
    let RoleOn {
        project: project_role,
        env: env_grant,
    } = role_on(
        grants.iter().map(|g| (g.environment_id, g.role)),
        target.env.map(|e| e.id),
    );
    let (role, on) = match (env_grant, target.env) {
        (Some(r), Some(e)) => {
            let instead = match project_role {
                Some(p) => format!("; it replaces {p} on {path}"),
                None => String::new(),
            };
            (
                r,
                format!("{r} on {path}/{} (environment grant{instead})", e.slug),
            )
        }
        _ => match project_role {
            Some(r) => (r, format!("{r} on {path}")),
            None => {
                return Ok(Decision::deny(
                    "no-project-role",
                    format!(
                        "{org_role} of {} with grants only on other environments of {path}, \
                         so no role on {}",
                        org.slug,
                        target.path()
                    ),
                ));
            }
        },
    };
    Ok(decide_project_role(action, role, on, target.env))
}

/// The grants one holder has in a project, read for one environment (or, with `None`, for
/// the project as a whole).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleOn {
    /// The project-wide grant's role.
    pub project: Option<ProjectRole>,
    /// The role of a grant on the environment itself.
    pub env: Option<ProjectRole>,
}

impl RoleOn {
    /// The role that applies: a grant on one environment replaces the project-wide role
    /// there, up or down.
    pub fn effective(self) -> Option<ProjectRole> {
        self.env.or(self.project)
    }
}

/// Reads one holder's grants in a project, given as (environment id or `None` for the whole
/// project, role), for environment `env`.
pub fn role_on(
    grants: impl IntoIterator<Item = (Option<i64>, ProjectRole)>,
    env: Option<i64>,
) -> RoleOn {
    let mut on = RoleOn::default();
    for (scope, role) in grants {
        match scope {
            None if on.project.is_none() => on.project = Some(role),
            Some(e) if env == Some(e) && on.env.is_none() => on.env = Some(role),
            _ => {}
        }
    }
    on
}

/// Organization admins do everything except removing the organization and changing owners.
fn decide_org_admin(action: Action, target: &Target) -> Decision {
    let org = &target.org.slug;
    if action == Action::OrgRemove {
        return Decision::deny(
            "owner-only",
            format!("admin of {org}, and only an owner may remove it"),
        );
    }
    if let Some(change) = target.member.filter(|c| c.touches_owner()) {
        let what = match (action, change.from, change.to) {
            (Action::MemberRemove, _, _) => format!("remove the owner {}", change.email),
            (_, Some(OrgRole::Owner), _) => {
                format!("change the role of the owner {}", change.email)
            }
            _ => format!("make {} an owner", change.email),
        };
        return Decision::deny(
            "owners-by-owners",
            format!("admin of {org}, and only an owner may {what}"),
        );
    }
    let caveat = match (action, target.member) {
        (Action::MemberAdd | Action::MemberRole | Action::MemberRemove, None) => {
            " (owners are changed only by owners)"
        }
        _ => "",
    };
    Decision::allow("org-admin", format!("admin of {org}{caveat}"))
}

/// Inside a granted project (or environment), the project role decides.
fn decide_project_role(
    action: Action,
    role: ProjectRole,
    on: String,
    env: Option<&EnvRow>,
) -> Decision {
    match role {
        ProjectRole::Admin => Decision::allow("project-admin", on),
        ProjectRole::Viewer => {
            Decision::deny("project-viewer", format!("{on}, and viewers only read"))
        }
        ProjectRole::Developer => match action {
            Action::EnvAdd => Decision::allow("project-developer", on),
            Action::EnvUpdate
            | Action::EnvRemove
            | Action::ResourceAdd
            | Action::ResourceUpdate
            | Action::ResourceRemove => match env {
                Some(e) if e.protected => Decision::deny(
                    "protected-env",
                    format!("{on}, but {} is protected (needs project admin)", e.slug),
                ),
                _ => Decision::allow("project-developer", on),
            },
            _ => Decision::deny(
                "needs-project-admin",
                format!("{on}, and {action} needs project admin"),
            ),
        },
    }
}

/// The last-owner rule: refuses to leave an organization without an owner (exit 4). It is
/// about the state, not the actor, so it holds for owners too.
pub fn keep_an_owner(db: &Db, org: &OrgRow, m: &MemberRow, verb: &str) -> Result<()> {
    if m.role == OrgRole::Owner && db.owner_count(org.id)? <= 1 {
        return Err(Error::conflict(format!(
            "cannot {verb} `{}`: the last owner of `{}`",
            m.email, org.slug
        ))
        .with_hint("make another member owner first: `proj member role EMAIL owner`"));
    }
    Ok(())
}

/// Enforcement: fails with "not found" (3) when the target is invisible to the actor and
/// "permission denied" (5) when it is visible but may not be changed.
pub fn require(db: &Db, actor: &Actor, action: Action, target: &Target) -> Result<()> {
    let d = decide(db, actor, action, target)?;
    if d.allowed {
        return Ok(());
    }
    let target = target.for_action(action);
    if !d.visible {
        return Err(invisible(&target));
    }
    Err(
        Error::denied(format!("permission denied: {}", d.reason)).with_hint(format!(
            "see `proj access check {} {action} {}`",
            actor.name(),
            target.path()
        )),
    )
}

/// Whether the actor can see the target at all (lists leave out the rest).
pub fn can_see(db: &Db, actor: &Actor, target: &Target) -> Result<bool> {
    Ok(decide(db, actor, Action::Read, target)?.visible)
}

/// The projects of `org` the actor can see, decided once for the whole organization: the
/// same answer as [`can_see`] on each project (a member or viewer sees exactly the projects
/// where they hold a grant), without a lookup per project.
pub fn visible_projects_of(
    db: &Db,
    actor: &Actor,
    org: &OrgRow,
    projects: Vec<ProjectRow>,
) -> Result<Vec<ProjectRow>> {
    let member = match standing(db, actor, org)? {
        Standing::NoMembers => return Ok(projects),
        Standing::Outsider => return Ok(Vec::new()),
        Standing::Member(m) => m,
    };
    if matches!(member.role, OrgRole::Owner | OrgRole::Admin) {
        return Ok(projects);
    }
    let granted: std::collections::HashSet<i64> = db
        .member_grants(member.id)?
        .into_iter()
        .map(|g| g.project_id)
        .collect();
    Ok(projects
        .into_iter()
        .filter(|p| granted.contains(&p.id))
        .collect())
}

/// Whether the actor may see an audit event about this organization and project. Events of
/// a removed project are for the organization's owners and admins; events of a removed
/// organization only show in a file without members.
pub fn can_see_event(
    db: &Db,
    actor: &Actor,
    org_id: Option<i64>,
    project_id: Option<i64>,
) -> Result<bool> {
    let Some(org_id) = org_id else {
        return Ok(true);
    };
    let Some(org) = db.org_by_id(org_id)? else {
        return Ok(!db.has_members(None)?);
    };
    let Some(project_id) = project_id else {
        return can_see(db, actor, &Target::org(&org));
    };
    match db.project_by_id(project_id)? {
        Some(p) => can_see(db, actor, &Target::project(&org, &p)),
        None => Ok(match standing(db, actor, &org)? {
            Standing::NoMembers => true,
            Standing::Outsider => false,
            Standing::Member(m) => matches!(m.role, OrgRole::Owner | OrgRole::Admin),
        }),
    }
}

/// The error for a target the actor may not see: the same as for one that does not exist.
pub fn invisible(target: &Target) -> Error {
    match (target.project, target.env) {
        (Some(p), _) => Error::not_found(format!(
            "project `{}` not found",
            slash(&[&target.org.slug, &p.slug])
        )),
        _ => Error::not_found(format!("organization `{}` not found", target.org.slug)),
    }
}

/// `proj init` makes its user the first owner of an organization without members, and keeps
/// an existing member as they are; an organization that has members and not this email is
/// refused (the `not-a-member` standing of [`decide`]): joining it is `proj member add` by one
/// of its owners or admins, not a side effect of init.
pub fn check_membership(db: &Db, org: &OrgRow, email: &str) -> Result<()> {
    let newcomer = Actor {
        email: Some(email.to_string()),
        explicit: true,
        os_user: String::new(),
        login: None,
    };
    match standing(db, &newcomer, org)? {
        Standing::NoMembers | Standing::Member(_) => Ok(()),
        Standing::Outsider => Err(Error::denied(format!(
            "`{email}` is not a member of organization `{}`",
            org.slug
        ))
        .with_hint(format!(
            "ask one of its owners to run `proj member add {email} --org {}`, or pick another organization",
            org.slug
        ))),
    }
}
