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
//!   organization-level changes (`org.*`, `project.add`, `member.add|role|remove`,
//!   `team.*`) need an admin. Teams give no organization role.
//! - Grants have holders: the member, and each team the member is in.
//! - `no-grant`: a project where no holder of a member or viewer has a grant (project-wide or
//!   on any of its environments) is hidden; `granted-read`: with one they read all of it.
//! - Per holder, a grant on one environment replaces that holder's project-wide role there, up
//!   or down; the member's role is the highest any holder gives, and the decision names that
//!   holder (`via`). `no-project-role`: no holder gives a role on the target.
//! - `project-admin`: project admins manage the project, its environments (protected ones
//!   too), grants and resources. `project-viewer`: viewers only read.
//! - `project-developer`: developers add environments and change unprotected environments and
//!   their resources; `protected-env`: not protected ones; `needs-project-admin`: nor the
//!   project itself, protection or grants.

use crate::error::{Error, Result};
use crate::lineage::Lineage;
use crate::model::{OrgRole, ProjectRole, slash, string_enum};
use crate::store::{Db, EnvRow, EventRow, GrantRow, Holder, MemberRow, OrgRow, ProjectRow};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

string_enum!(
    /// Everything an actor can ask to do. An unknown name is usage, with the names as the hint.
    Action,
    unknown = |s| Error::usage(format!("unknown action `{s}`"))
        .with_hint(format!("use one of: {}", Action::names())),
    {
    OrgUpdate => "org.update",
    OrgRemove => "org.remove",
    ProjectAdd => "project.add",
    ProjectUpdate => "project.update",
    ProjectRemove => "project.remove",
    EnvAdd => "env.add",
    EnvUpdate => "env.update",
    EnvProtect => "env.protect",
    EnvRemove => "env.remove",
    ResourceAdd => "resource.add",
    ResourceUpdate => "resource.update",
    ResourceRemove => "resource.remove",
    MemberAdd => "member.add",
    MemberRole => "member.role",
    MemberRemove => "member.remove",
    MemberGrant => "member.grant",
    TeamAdd => "team.add",
    TeamUpdate => "team.update",
    TeamRemove => "team.remove",
    Read => "read",
});

impl Action {
    /// The level an action works at; a deeper target is cut back to it.
    pub fn level(self) -> Level {
        match self {
            Action::OrgUpdate
            | Action::OrgRemove
            | Action::ProjectAdd
            | Action::MemberAdd
            | Action::MemberRole
            | Action::MemberRemove
            | Action::TeamAdd
            | Action::TeamUpdate
            | Action::TeamRemove => Level::Org,
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
    pub rule: Rule,
    /// One line a person can read.
    pub reason: String,
    /// Where the deciding role came from: `member` (the member's own organization role or
    /// grant) or `team:SLUG` (a grant of one of their teams); `None` when no role decided.
    pub via: Option<String>,
}

/// A holder of grants, as a decision names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The member themselves.
    Member,
    /// One of the member's teams, by slug.
    Team(String),
}

impl Via {
    /// `member` or `team:SLUG`: the stable JSON form.
    pub fn id(&self) -> String {
        match self {
            Via::Member => "member".to_string(),
            Via::Team(slug) => format!("team:{slug}"),
        }
    }

    /// ` via team SLUG` after a role a team gives; nothing after the member's own.
    fn suffix(&self) -> String {
        match self {
            Via::Member => String::new(),
            Via::Team(slug) => format!(" via team {slug}"),
        }
    }

    fn of(g: &GrantRow) -> Via {
        match (&g.holder, &g.team) {
            (Holder::Team(_), Some(slug)) => Via::Team(slug.clone()),
            _ => Via::Member,
        }
    }
}

/// What one holder gives a member in one project, read for one environment.
#[derive(Debug, Clone)]
pub struct HolderRole {
    pub holder: Holder,
    pub via: Via,
    pub on: RoleOn,
}

/// Every holder's grants in one project (the member's own first, then each team's), read for
/// environment `env` by the per-holder rule of [`role_on`].
pub fn holder_roles(grants: &[GrantRow], env: Option<i64>) -> Vec<HolderRole> {
    let mut holders: Vec<(Holder, Via)> = Vec::new();
    for g in grants {
        if !holders.iter().any(|(h, _)| *h == g.holder) {
            holders.push((g.holder, Via::of(g)));
        }
    }
    holders
        .into_iter()
        .map(|(holder, via)| HolderRole {
            holder,
            via,
            on: role_on(
                grants
                    .iter()
                    .filter(|g| g.holder == holder)
                    .map(|g| (g.environment_id, g.role)),
                env,
            ),
        })
        .collect()
}

/// The role that applies: the highest any holder gives (roles are declared strongest first,
/// so the least in their order); on a tie the first holder, the member's own grant, is named.
pub fn strongest(holders: &[HolderRole]) -> Option<(ProjectRole, &HolderRole)> {
    holders
        .iter()
        .filter_map(|h| h.on.effective().map(|r| (r, h)))
        .min_by_key(|(r, _)| *r)
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
    let (any, member) =
        db.member_standing(org.id, actor.email.as_deref(), actor.login.as_deref())?;
    if !any {
        return Ok(Standing::NoMembers);
    }
    Ok(member.map_or(Standing::Outsider, Standing::Member))
}

/// An identity asked for with `--as`/`PROJ_AS` must be a member of some organization in the
/// file (exit 3 otherwise). A file without members has nobody to check against: anyone acts
/// as its single owner.
pub fn check_identity(db: &Db, actor: &Actor) -> Result<()> {
    let Some(email) = actor.email.as_deref().filter(|_| actor.explicit) else {
        return Ok(());
    };
    if !db.has_membership(email)? && db.has_members(None)? {
        return Err(
            Error::not_found(format!("no member `{email}` in this file"))
                .with_hint("check the spelling of --as / PROJ_AS, or see `proj member list`"),
        );
    }
    Ok(())
}

/// Where an actor stands in an organization, as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stand {
    /// The organization has no members: everyone acts as its owner.
    NoMembers,
    Outsider,
    Role(OrgRole),
}

impl Stand {
    /// The name the SQL twin of [`verdict`] takes (`proj.verdict`, PostgreSQL migration 2).
    pub fn as_str(self) -> &'static str {
        match self {
            Stand::NoMembers => "no-members",
            Stand::Outsider => "outsider",
            Stand::Role(r) => r.as_str(),
        }
    }
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Org => "org",
            Level::Project => "project",
            Level::Env | Level::Any => "env",
        }
    }
}

/// Everything the rules look at, once the database has been asked: one row of the access
/// table.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub stand: Stand,
    pub action: Action,
    /// What the target names once cut back to the action's level: `Org`, `Project` or `Env`.
    pub level: Level,
    /// A change to a member who is or would become an owner.
    pub touches_owner: bool,
    /// Whether any of the actor's holders has a grant in the project (on it or on any of its
    /// environments).
    pub granted: bool,
    /// The strongest role any holder gives on the target.
    pub role: Option<ProjectRole>,
    /// Whether the target environment is protected.
    pub protected: bool,
}

string_enum!(
    /// A rule of the access table, by the stable id a decision reports (module doc).
    Rule, "rule", {
    NoMembers => "no-members",
    NotAMember => "not-a-member",
    OrgOwner => "org-owner",
    OwnerOnly => "owner-only",
    OwnersByOwners => "owners-by-owners",
    OrgAdmin => "org-admin",
    OrgRead => "org-read",
    NeedsOrgAdmin => "needs-org-admin",
    NoGrant => "no-grant",
    GrantedRead => "granted-read",
    NoProjectRole => "no-project-role",
    ProjectAdmin => "project-admin",
    ProjectViewer => "project-viewer",
    ProjectDeveloper => "project-developer",
    ProtectedEnv => "protected-env",
    NeedsProjectAdmin => "needs-project-admin",
});

impl Rule {
    /// Whether the rule allows, and whether the target shows at all.
    pub fn outcome(self) -> (bool, bool) {
        match self {
            Rule::NoMembers
            | Rule::OrgOwner
            | Rule::OrgAdmin
            | Rule::OrgRead
            | Rule::GrantedRead
            | Rule::ProjectAdmin
            | Rule::ProjectDeveloper => (true, true),
            Rule::NotAMember | Rule::NoGrant => (false, false),
            Rule::OwnerOnly
            | Rule::OwnersByOwners
            | Rule::NeedsOrgAdmin
            | Rule::NoProjectRole
            | Rule::ProjectViewer
            | Rule::ProtectedEnv
            | Rule::NeedsProjectAdmin => (false, true),
        }
    }
}

/// The access table: the id of the rule that decides `case` (first match wins; module doc).
/// The database has the same table in SQL (`proj.verdict`, PostgreSQL migration 2), and a
/// test compares the two on every case.
pub fn verdict(case: &Case) -> Rule {
    let action = case.action;
    match case.stand {
        Stand::NoMembers => return Rule::NoMembers,
        Stand::Outsider => return Rule::NotAMember,
        Stand::Role(OrgRole::Owner) => return Rule::OrgOwner,
        Stand::Role(OrgRole::Admin) => {
            return if action == Action::OrgRemove {
                Rule::OwnerOnly
            } else if case.touches_owner {
                Rule::OwnersByOwners
            } else {
                Rule::OrgAdmin
            };
        }
        Stand::Role(OrgRole::Member | OrgRole::Viewer) => {}
    }
    if case.level == Level::Org {
        return if action == Action::Read {
            Rule::OrgRead
        } else {
            Rule::NeedsOrgAdmin
        };
    }
    if !case.granted {
        return Rule::NoGrant;
    }
    if action == Action::Read {
        return Rule::GrantedRead;
    }
    match case.role {
        None => Rule::NoProjectRole,
        Some(ProjectRole::Admin) => Rule::ProjectAdmin,
        Some(ProjectRole::Viewer) => Rule::ProjectViewer,
        Some(ProjectRole::Developer) => match action {
            Action::EnvAdd => Rule::ProjectDeveloper,
            Action::EnvUpdate
            | Action::EnvRemove
            | Action::ResourceAdd
            | Action::ResourceUpdate
            | Action::ResourceRemove => {
                if case.level == Level::Env && case.protected {
                    Rule::ProtectedEnv
                } else {
                    Rule::ProjectDeveloper
                }
            }
            _ => Rule::NeedsProjectAdmin,
        },
    }
}

/// Decides whether `actor` may do `action` on `target`. `proj access check` prints this
/// answer and [`require`] enforces it: the two cannot disagree. The rule comes from
/// [`verdict`]; this adds what a person reads (the reason, and the holder that decided).
pub fn decide(db: &Db, actor: &Actor, action: Action, target: &Target) -> Result<Decision> {
    let target = target.for_action(action);
    let org = target.org;
    let level = match (target.project, target.env) {
        (_, Some(_)) => Level::Env,
        (Some(_), None) => Level::Project,
        (None, None) => Level::Org,
    };
    let mut case = Case {
        stand: Stand::Outsider,
        action,
        level,
        touches_owner: target.member.is_some_and(|c| c.touches_owner()),
        granted: false,
        role: None,
        protected: target.env.is_some_and(|e| e.protected),
    };
    let member = match standing(db, actor, org)? {
        Standing::NoMembers => {
            case.stand = Stand::NoMembers;
            None
        }
        Standing::Outsider => None,
        Standing::Member(m) => {
            case.stand = Stand::Role(m.role);
            Some(m)
        }
    };
    // Every holder's grants, when a member or viewer acts in a project: their own and each
    // of their teams'.
    let mut grants = Vec::new();
    let mut holders = Vec::new();
    if let (Some(m), Some(project)) = (&member, target.project)
        && matches!(m.role, OrgRole::Member | OrgRole::Viewer)
    {
        grants = db.access_grants_in(m.id, project.id)?;
        holders = holder_roles(&grants, target.env.map(|e| e.id));
        case.granted = !grants.is_empty();
    }
    let best = strongest(&holders);
    case.role = best.map(|(r, _)| r);
    let rule = verdict(&case);
    let (allowed, visible) = rule.outcome();
    let own = Via::Member;
    let org_slug = &org.slug;
    let org_role = member.as_ref().map_or("", |m| m.role.as_str());
    let path = target
        .project
        .map(|p| slash(&[org_slug, &p.slug]))
        .unwrap_or_default();
    let winner = best.map(|(_, h)| h);
    let on = || {
        let Some(w) = winner else {
            return String::new();
        };
        let role = w.on.effective().map_or("", |r| r.as_str());
        let via = w.via.suffix();
        match (w.on.env, target.env) {
            (Some(_), Some(e)) => {
                let instead = match w.on.project {
                    Some(p) => format!("; it replaces {p} on {path}"),
                    None => String::new(),
                };
                format!(
                    "{role} on {path}/{}{via} (environment grant{instead})",
                    e.slug
                )
            }
            _ => format!("{role} on {path}{via}"),
        }
    };
    let (reason, via) = match rule {
        Rule::NoMembers => (
            format!("{org_slug} has no members, so everyone acts as its owner"),
            None,
        ),
        Rule::NotAMember => (
            format!("{} is not a member of {org_slug}", actor.name()),
            None,
        ),
        Rule::OrgOwner => (format!("owner of {org_slug}"), Some(own)),
        Rule::OwnerOnly => (
            format!("admin of {org_slug}, and only an owner may remove it"),
            Some(own),
        ),
        Rule::OwnersByOwners => {
            let what = match target.member {
                Some(change) => match (action, change.from, change.to) {
                    (Action::MemberRemove, _, _) => format!("remove the owner {}", change.email),
                    (_, Some(OrgRole::Owner), _) => {
                        format!("change the role of the owner {}", change.email)
                    }
                    _ => format!("make {} an owner", change.email),
                },
                None => "change an owner".to_string(),
            };
            (
                format!("admin of {org_slug}, and only an owner may {what}"),
                Some(own),
            )
        }
        Rule::OrgAdmin => {
            let caveat = match (action, target.member) {
                (Action::MemberAdd | Action::MemberRole | Action::MemberRemove, None) => {
                    " (owners are changed only by owners)"
                }
                _ => "",
            };
            (format!("admin of {org_slug}{caveat}"), Some(own))
        }
        Rule::OrgRead => (format!("{org_role} of {org_slug}"), Some(own)),
        Rule::NeedsOrgAdmin => (
            format!("{org_role} of {org_slug}, and {action} needs an organization admin"),
            Some(own),
        ),
        Rule::NoGrant => (
            format!("{org_role} of {org_slug} without a grant on {path}"),
            None,
        ),
        Rule::GrantedRead => {
            let via = grants.first().map_or(Via::Member, Via::of);
            (
                format!(
                    "{org_role} of {org_slug} with a grant on {path}{}",
                    via.suffix()
                ),
                Some(via),
            )
        }
        Rule::NoProjectRole => (
            format!(
                "{org_role} of {org_slug} with grants only on other environments of {path}, \
                 so no role on {}",
                target.path()
            ),
            None,
        ),
        Rule::ProjectAdmin | Rule::ProjectDeveloper => (on(), winner.map(|w| w.via.clone())),
        Rule::ProjectViewer => (
            format!("{}, and viewers only read", on()),
            winner.map(|w| w.via.clone()),
        ),
        Rule::ProtectedEnv => (
            format!(
                "{}, but {} is protected (needs project admin)",
                on(),
                target.env.map_or("", |e| e.slug.as_str())
            ),
            winner.map(|w| w.via.clone()),
        ),
        Rule::NeedsProjectAdmin => (
            format!("{}, and {action} needs project admin", on()),
            winner.map(|w| w.via.clone()),
        ),
    };
    Ok(Decision {
        allowed,
        visible,
        rule,
        reason,
        via: via.map(|v| v.id()),
    })
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

/// The projects of `org` the actor can see, decided once for the whole organization by
/// [`Sight::of`]: the same answer as [`can_see`] on each project (a member or viewer sees
/// exactly the projects where they or one of their teams hold a grant), without a lookup per
/// project.
pub fn visible_projects_of(
    db: &Db,
    actor: &Actor,
    org: &OrgRow,
    projects: Vec<ProjectRow>,
) -> Result<Vec<ProjectRow>> {
    Ok(Sight::of(db, actor, org)?.filter(projects))
}

/// What the actor sees of one organization: the one place that answers who sees what (the
/// database has the same rule in SQL, PostgreSQL migrations 2 and 3). It is decided in a
/// bounded number of queries whatever the organization's size, and agrees with [`can_see`]
/// on the organization and on each of its projects.
#[derive(Debug, Clone)]
pub enum Sight {
    /// No members, or an owner or admin: the organization and every project, present or
    /// removed.
    Whole,
    /// A member or viewer: the organization, and the projects they or one of their teams hold
    /// a grant on (project-wide or on any of its environments).
    Granted(HashSet<i64>),
    /// Not a member: nothing.
    Outsider,
}

impl Sight {
    pub fn of(db: &Db, actor: &Actor, org: &OrgRow) -> Result<Sight> {
        Ok(match standing(db, actor, org)? {
            Standing::NoMembers => Sight::Whole,
            Standing::Outsider => Sight::Outsider,
            Standing::Member(m) if Sight::role_sees_whole(m.role) => Sight::Whole,
            // Their own grants and their teams'.
            Standing::Member(m) => {
                Sight::Granted(db.granted_project_ids(m.id)?.into_iter().collect())
            }
        })
    }

    /// Whether a member with this organization role sees all of it: owners and admins do.
    pub fn role_sees_whole(role: OrgRole) -> bool {
        matches!(role, OrgRole::Owner | OrgRole::Admin)
    }

    /// Whether the organization itself shows.
    pub fn sees_org(&self) -> bool {
        !matches!(self, Sight::Outsider)
    }

    /// Whether one of its projects shows.
    pub fn sees_project(&self, project_id: i64) -> bool {
        match self {
            Sight::Whole => true,
            Sight::Granted(ids) => ids.contains(&project_id),
            Sight::Outsider => false,
        }
    }

    /// Whether every project shows, present or removed (and so whatever an event or
    /// snapshot names that is not there now).
    pub fn sees_whole(&self) -> bool {
        matches!(self, Sight::Whole)
    }

    /// The projects that show, in their order.
    pub fn filter(&self, projects: Vec<ProjectRow>) -> Vec<ProjectRow> {
        projects
            .into_iter()
            .filter(|p| self.sees_project(p.id))
            .collect()
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
        Standing::Outsider => Err(not_a_member(&org.slug, email)),
    }
}

/// [`check_membership`] for an organization named by `slug`: one that does not exist yet is
/// theirs to create; one they may not see (on a shared database, where the login reads only
/// its own organizations) is refused as one whose members they are not.
pub fn may_join(db: &Db, slug: &str, email: &str) -> Result<()> {
    match db.org(slug)? {
        Some(org) => check_membership(db, &org, email),
        None if db.name_taken(None, slug)? => Err(not_a_member(slug, email)),
        None => Ok(()),
    }
}

fn not_a_member(org: &str, email: &str) -> Error {
    Error::denied(format!(
        "`{email}` is not a member of organization `{org}`"
    ))
    .with_hint(format!(
        "ask one of its owners to run `proj member add {email} --org {org}`, or pick another organization"
    ))
}

/// Whether the actor sees every project of `org`, present or removed: in an organization
/// without members, or as its owner or admin (see [`Sight`]).
pub fn sees_whole_org(db: &Db, actor: &Actor, org: &OrgRow) -> Result<bool> {
    Ok(Sight::of(db, actor, org)?.sees_whole())
}

/// Whether the actor may see an audit event (`proj log`, `proj restore`, completion): an event
/// shows where what it is about does. Events of a removed project are for the organization's
/// owners and admins; events of a removed organization are for those who were its owners
/// and admins when it was removed (see `saw_removed_org`).
/// `lineage` follows the ids an event recorded to what holds them now, so a project or
/// organization that took over a removed one's row id does not take over its history.
pub fn can_see_event(db: &Db, actor: &Actor, lineage: &Lineage, e: &EventRow) -> Result<bool> {
    EventSight::new(db, actor, lineage).can_see(e)
}

/// The event as the actor may see it: `None` when it is hidden (see [`can_see_event`]), else
/// the event with every part of its `before`/`after` that lies in a project they may not see
/// taken out (a removed member's grants there, the projects of an organization snapshot, where
/// a moved resource came from).
pub fn event_for(
    db: &Db,
    actor: &Actor,
    lineage: &Lineage,
    e: &EventRow,
) -> Result<Option<EventRow>> {
    EventSight::new(db, actor, lineage).event_for(e)
}

/// What the actor sees of the audit log, for a command that reads many events (`proj log`,
/// completion): [`can_see_event`] and [`event_for`] answered from what was read once — every
/// organization in one query, then for each organization met its projects and the actor's
/// standing in it — so a page of events costs the same statements however long it is, not
/// some per event.
pub struct EventSight<'a> {
    db: &'a Db<'a>,
    actor: &'a Actor,
    lineage: &'a Lineage,
    orgs: Option<Vec<OrgRow>>,
    sights: HashMap<i64, std::rc::Rc<OrgSight>>,
    any_members: Option<bool>,
    removals: HashMap<i64, Option<EventRow>>,
}

/// One organization as the actor sees it, with its projects.
struct OrgSight {
    projects: Vec<ProjectRow>,
    sight: Sight,
}

impl OrgSight {
    /// [`can_see`] on a project of the organization named by the event or snapshot: one that
    /// is not there now is for those who see the whole organization.
    fn project(&self, p: Option<&ProjectRow>) -> bool {
        match p {
            Some(p) => self.sight.sees_project(p.id),
            None => self.sight.sees_whole(),
        }
    }
}

impl<'a> EventSight<'a> {
    pub fn new(db: &'a Db<'a>, actor: &'a Actor, lineage: &'a Lineage) -> Self {
        EventSight {
            db,
            actor,
            lineage,
            orgs: None,
            sights: HashMap::new(),
            any_members: None,
            removals: HashMap::new(),
        }
    }

    /// See [`can_see_event`].
    pub fn can_see(&mut self, e: &EventRow) -> Result<bool> {
        Ok(self.scope(e)?.is_some())
    }

    /// See [`event_for`].
    pub fn event_for(&mut self, e: &EventRow) -> Result<Option<EventRow>> {
        let Some(org) = self.scope(e)? else {
            return Ok(None);
        };
        let mut shown = e.clone();
        if let Some(org) = org
            && !self.sight(&org)?.sight.sees_whole()
        {
            let mut seen = Visibility {
                sight: self,
                known: HashMap::new(),
            };
            for v in [&mut shown.before, &mut shown.after].into_iter().flatten() {
                seen.strip_top(v)?;
            }
        }
        Ok(Some(shown))
    }

    fn orgs(&mut self) -> Result<&[OrgRow]> {
        if self.orgs.is_none() {
            self.orgs = Some(self.db.orgs()?);
        }
        Ok(self.orgs.as_deref().unwrap_or_default())
    }

    fn org_by_id(&mut self, id: i64) -> Result<Option<OrgRow>> {
        Ok(self.orgs()?.iter().find(|o| o.id == id).cloned())
    }

    fn org_named(&mut self, slug: &str) -> Result<Option<OrgRow>> {
        Ok(self.orgs()?.iter().find(|o| o.slug == slug).cloned())
    }

    fn sight(&mut self, org: &OrgRow) -> Result<std::rc::Rc<OrgSight>> {
        if let Some(s) = self.sights.get(&org.id) {
            return Ok(s.clone());
        }
        let seen = Sight::of(self.db, self.actor, org)?;
        let sight = std::rc::Rc::new(OrgSight {
            projects: self.db.projects(org.id)?,
            sight: seen,
        });
        self.sights.insert(org.id, sight.clone());
        Ok(sight)
    }

    /// `None` when the event is hidden; else the organization it is about, when it is still
    /// there.
    fn scope(&mut self, e: &EventRow) -> Result<Option<Option<OrgRow>>> {
        let Some(org_id) = e.org_id else {
            return Ok(Some(None));
        };
        let org = match self.lineage.org_trail(org_id, e.id) {
            crate::lineage::Trail::Here(id) => self.org_by_id(id)?,
            _ => None,
        };
        let Some(org) = org else {
            return Ok(self.saw_removed_org(e)?.then_some(None));
        };
        let sight = self.sight(&org)?;
        let visible = match e.project_id {
            None => sight.sight.sees_org(),
            Some(id) => match self.lineage.project_trail(id, e.org_id, e.id) {
                crate::lineage::Trail::Here(id) => {
                    sight.project(sight.projects.iter().find(|p| p.id == id))
                }
                _ => sight.sight.sees_whole(),
            },
        };
        Ok(visible.then_some(Some(org)))
    }

    /// Whether the actor may see the events of an organization that is gone: those who were
    /// its owners or admins when it was removed may (anyone, if it had no members then, or in
    /// a file without members), as they could see all of it before.
    /// The removal is found through the lineage (the event itself, or the removal that ended
    /// its organization's trail), not by reading the organization's whole history for each
    /// event.
    fn saw_removed_org(&mut self, e: &EventRow) -> Result<bool> {
        let any_members = match self.any_members {
            Some(v) => v,
            None => *self.any_members.insert(self.db.has_members(None)?),
        };
        if !any_members {
            return Ok(true);
        }
        let removal = if e.action == "org.remove" && e.project_id.is_none() {
            Some(e.clone())
        } else {
            match e.org_id.map(|id| self.lineage.org_trail(id, e.id)) {
                Some(crate::lineage::Trail::Removed(by)) => match self.removals.get(&by) {
                    Some(r) => r.clone(),
                    None => {
                        let r = self.db.event(by)?;
                        self.removals.insert(by, r.clone());
                        r
                    }
                },
                _ => None,
            }
        };
        let Some(members) = removal
            .and_then(|e| e.before)
            .and_then(|b| b.get("members").cloned())
            .and_then(|m| serde_json::from_value::<Vec<MemberRow>>(m).ok())
        else {
            return Ok(false);
        };
        if members.is_empty() {
            return Ok(true);
        }
        // On a file the actor is an email; on a server, the login the member was mapped to.
        let actor = self.actor;
        let was = |m: &MemberRow| match (&actor.email, &actor.login) {
            (Some(email), _) => crate::model::normalize_email(&m.email) == *email,
            (None, Some(login)) => m.login.as_deref() == Some(login.as_str()),
            (None, None) => false,
        };
        Ok(members
            .iter()
            .any(|m| was(m) && Sight::role_sees_whole(m.role)))
    }
}

/// Which `org/project` paths named inside snapshots the actor may see, asked once each.
struct Visibility<'s, 'a> {
    sight: &'s mut EventSight<'a>,
    known: HashMap<(String, String), bool>,
}

impl Visibility<'_, '_> {
    /// The project a snapshot object lies in: a row with `org` and `project` (a grant, an
    /// environment, a resource), or a project snapshot (`{"project": {"org", "slug"}, ...}`).
    fn location(v: &Value) -> Option<(String, String)> {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        match v.get("project") {
            Some(Value::String(p)) => Some((text(v, "org")?, p.clone())),
            Some(p @ Value::Object(_)) => Some((text(p, "org")?, text(p, "slug")?)),
            _ => None,
        }
    }

    /// A project named by its slugs at the time of the event; one that is not there now (or
    /// not under that name) is for those who see the whole organization.
    fn sees(&mut self, (org, project): (String, String)) -> Result<bool> {
        if let Some(&seen) = self.known.get(&(org.clone(), project.clone())) {
            return Ok(seen);
        }
        let seen = match self.sight.org_named(&org)? {
            None => false,
            Some(o) => {
                let sight = self.sight.sight(&o)?;
                sight.project(sight.projects.iter().find(|p| p.slug == project))
            }
        };
        self.known.insert((org, project), seen);
        Ok(seen)
    }

    /// A whole `before`/`after`: a row located in a hidden project keeps what it was but not
    /// where (a resource moved out of one); inside it, hidden parts go.
    fn strip_top(&mut self, v: &mut Value) -> Result<()> {
        if let Some(at) = Self::location(v)
            && !self.sees(at)?
            && let Value::Object(map) = v
        {
            for key in ["org", "project", "environment"] {
                map.remove(key);
            }
        }
        self.strip(v)
    }

    /// Drops every element of every array inside `v` that lies in a hidden project.
    fn strip(&mut self, v: &mut Value) -> Result<()> {
        match v {
            Value::Array(items) => {
                let mut kept = Vec::with_capacity(items.len());
                for mut item in std::mem::take(items) {
                    if let Some(at) = Self::location(&item)
                        && !self.sees(at)?
                    {
                        continue;
                    }
                    self.strip(&mut item)?;
                    kept.push(item);
                }
                *items = kept;
            }
            Value::Object(map) => {
                for item in map.values_mut() {
                    self.strip(item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
