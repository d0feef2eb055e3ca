//! Restore: bring back what a removal recorded in the audit log, each part re-checked as if
//! it were typed, with what is gone meanwhile left out and named.

use crate::access::{self, Action, MemberChange, Target};
use crate::error::{Error, Result};
use crate::lineage::{Lineage, Trail};
use crate::model::OrgRole;
use crate::scope::{ProjectScope, find_org, find_project, slash};
use crate::snapshot::{
    self, SavedEnv, SavedGrant, SavedMemberRemoval, SavedOrg, SavedProject, SavedTeam,
};
use crate::store::{
    EnvRow, EventRow, Holder, MemberRow, OrgRow, ProjectRow, SavedEnvFields, SavedFields, TeamRow,
};
use crate::tx::{Event, Subject, Tx};
use serde_json::Value;

/// What came back.
pub enum Restored {
    Org(OrgRow),
    Project(ProjectRow),
    Env(EnvRow),
    Team(OrgRow, TeamRow),
    Member(OrgRow, MemberRow),
}

/// What came back, and what was left out (`the grant of … on …: why`).
pub struct Outcome {
    pub restored: Restored,
    pub skipped: Vec<String>,
}

/// Restores what the removal event `id` recorded. An event the actor may not see in
/// `proj log` is not there for them: the same answer as for an id nobody used.
pub fn event(tx: &Tx, id: i64) -> Result<Outcome> {
    let lineage = Lineage::load(tx.db)?;
    let event = match tx.db.event(id)? {
        Some(e) if access::can_see_event(tx.db, tx.actor, &lineage, &e)? => e,
        _ => {
            return Err(Error::not_found(format!("event {id} not found"))
                .with_hint("`proj log` lists events with their ids"));
        }
    };
    tx.db.restore_begin(id)?;
    let mut skipped = Vec::new();
    let restored = match event.action.parse::<Event>() {
        Ok(Event::OrgRemove) => Restored::Org(restore_org(tx, &event, &mut skipped)?),
        Ok(Event::ProjectRemove) => {
            Restored::Project(restore_project(tx, &lineage, &event, &mut skipped)?)
        }
        Ok(Event::EnvRemove) => Restored::Env(restore_env(tx, &lineage, &event, &mut skipped)?),
        Ok(Event::TeamRemove) => {
            let (org, team) = restore_team(tx, &event, &mut skipped)?;
            Restored::Team(org, team)
        }
        Ok(Event::MemberRemove) => {
            let (org, member) = restore_member(tx, &event, &mut skipped)?;
            Restored::Member(org, member)
        }
        _ => {
            return Err(Error::usage(format!(
                "event {id} is `{}`, not a removal",
                event.action
            ))
            .with_hint(
                "restore takes the id of an org.remove, project.remove, env.remove, team.remove or member.remove event",
            ));
        }
    };
    Ok(Outcome { restored, skipped })
}

/// The restore event's `after`: the subtree as it now is, and where it came from.
fn after(mut subtree: Value, event: &EventRow) -> Value {
    if let Value::Object(map) = &mut subtree {
        map.insert("restored_from".to_string(), Value::from(event.id));
    }
    subtree
}

fn taken(what: String, event: &EventRow, hint: String) -> Error {
    Error::conflict(format!(
        "{what} already exists, so event {} cannot be restored",
        event.id
    ))
    .with_hint(hint)
}

/// The organization an event was recorded in, wherever its id led since (renames keep the
/// id); `name` is its slug as the event saw it.
fn parent_org(tx: &Tx, lineage: &Lineage, event: &EventRow, name: &str) -> Result<OrgRow> {
    let trail = event.org_id.map(|id| lineage.org_trail(id, event.id));
    if let Some(Trail::Here(id)) = trail
        && let Some(org) = tx.db.org_by_id(id)?
        && access::can_see(tx.db, tx.actor, &Target::org(&org))?
    {
        return Ok(org);
    }
    let found = find_org(tx.db, tx.actor, name);
    match (found, trail) {
        (Ok(org), Some(Trail::Gone) | None) => Ok(org),
        (Err(e), Some(Trail::Removed(by))) => Err(restore_first(e, by)),
        (Err(e), _) => Err(e),
        // Another organization holds the name now; the event's was removed.
        (Ok(_), Some(Trail::Removed(by))) => Err(restore_first(
            Error::not_found(format!("organization `{name}` not found")),
            by,
        )),
        (Ok(_), Some(Trail::Here(_))) => {
            Err(Error::not_found(format!("organization `{name}` not found")))
        }
    }
}

/// The project an event was recorded in, followed like [`parent_org`]'s organization.
fn parent_project(
    tx: &Tx,
    lineage: &Lineage,
    event: &EventRow,
    org: &OrgRow,
    name: &str,
) -> Result<ProjectRow> {
    let trail = event
        .project_id
        .map(|id| lineage.project_trail(id, event.org_id, event.id));
    if let Some(Trail::Here(id)) = trail
        && let Some(p) = tx.db.project_by_id(id)?.filter(|p| p.org_id == org.id)
        && access::can_see(tx.db, tx.actor, &Target::project(org, &p))?
    {
        return Ok(p);
    }
    let missing = || Error::not_found(format!("project `{}` not found", slash(&[&org.slug, name])));
    match trail {
        Some(Trail::Removed(by)) => Err(restore_first(missing(), by)),
        // Gone with its organization (whose restore gave it a new id): look for it by name.
        Some(Trail::Gone) | None => find_project(tx.db, tx.actor, org, name),
        Some(Trail::Here(_)) => Err(missing()),
    }
}

/// "Restore the parent first", naming the removal that took it.
fn restore_first(e: Error, removal: i64) -> Error {
    e.with_hint(format!(
        "it was removed by event {removal}; bring it back first with `proj restore {removal}`"
    ))
}

fn restore_org(tx: &Tx, event: &EventRow, skipped: &mut Vec<String>) -> Result<OrgRow> {
    let db = tx.db;
    let saved: SavedOrg = snapshot::parse(event.id, event.before.as_ref())?;
    let slug = &saved.org.slug;
    if db.name_taken(None, slug)? {
        return Err(taken(
            format!("organization `{slug}`"),
            event,
            format!("rename the existing one first: `proj org rename {slug} NEW`"),
        ));
    }
    // Creating an organization needs no role, so neither does bringing one back.
    let o = &saved.org;
    let org = db.org_restore(
        event.org_id,
        &SavedFields {
            slug: &o.slug,
            display_name: o.display_name.as_deref(),
            description: None,
            created_at: &o.created_at,
        },
    )?;
    // Everything is put back, and checked, as the organization's creator would type it
    // before anyone joins (see `put_project`); the members come back last, then their grants.
    let mut grants = Vec::new();
    for p in &saved.projects {
        put_project(tx, &org, None, p, &mut grants)?;
    }
    for m in &saved.members {
        put_member(
            tx,
            &org,
            &m.email,
            m.name.as_deref(),
            &m.role,
            &m.created_at,
            m.login.as_deref(),
        )?;
    }
    // Teams after their members, before the grants that name them.
    for t in &saved.teams {
        put_team(tx, &org, t, skipped)?;
    }
    put_grants(tx, &grants, skipped)?;
    let subtree = snapshot::org(db, &org)?;
    tx.created(
        Event::OrgRestore,
        &Target::org(&org),
        Subject::Scope,
        &after(subtree, event),
    )?;
    Ok(org)
}

fn restore_project(
    tx: &Tx,
    lineage: &Lineage,
    event: &EventRow,
    skipped: &mut Vec<String>,
) -> Result<ProjectRow> {
    let db = tx.db;
    let saved: SavedProject = snapshot::parse(event.id, event.before.as_ref())?;
    let org = parent_org(tx, lineage, event, &saved.project.org)?;
    tx.require(Action::ProjectAdd, &Target::org(&org))?;
    let slug = &saved.project.slug;
    if db.project(org.id, slug)?.is_some() {
        let path = slash(&[&org.slug, slug]);
        return Err(taken(
            format!("project `{path}`"),
            event,
            format!("rename the existing one first: `proj project rename {path} NEW`"),
        ));
    }
    let mut grants = Vec::new();
    let project = put_project(tx, &org, event.project_id, &saved, &mut grants)?;
    put_grants(tx, &grants, skipped)?;
    let subtree = snapshot::project(db, &project)?;
    tx.created(
        Event::ProjectRestore,
        &Target::project(&org, &project),
        Subject::Scope,
        &after(subtree, event),
    )?;
    Ok(project)
}

fn restore_env(
    tx: &Tx,
    lineage: &Lineage,
    event: &EventRow,
    skipped: &mut Vec<String>,
) -> Result<EnvRow> {
    let db = tx.db;
    let saved: SavedEnv = snapshot::parse(event.id, event.before.as_ref())?;
    let e = &saved.environment;
    let org = parent_org(tx, lineage, event, &e.org)?;
    let project = parent_project(tx, lineage, event, &org, &e.project)?;
    let scope = ProjectScope { org, project };
    tx.require(Action::EnvAdd, &scope.target())?;
    if db.env(scope.project.id, &e.slug)?.is_some() {
        return Err(taken(
            format!("environment `{}` in {}", e.slug, scope.path()),
            event,
            format!(
                "rename the existing one first: `proj env rename {} NEW`",
                slash(&[&scope.path(), &e.slug])
            ),
        ));
    }
    let mut grants = Vec::new();
    let env = put_env(tx, &scope.org, &scope.project, &saved, &mut grants)?;
    put_grants(tx, &grants, skipped)?;
    tx.created(
        Event::EnvRestore,
        &Target::env(&scope.org, &scope.project, &env),
        Subject::Scope,
        &after(snapshot::env(db, &env)?, event),
    )?;
    Ok(env)
}

fn restore_team(tx: &Tx, event: &EventRow, skipped: &mut Vec<String>) -> Result<(OrgRow, TeamRow)> {
    let db = tx.db;
    let saved: SavedTeam = snapshot::parse(event.id, event.before.as_ref())?;
    let org = find_org(db, tx.actor, &saved.team.org).map_err(|e| {
        e.with_hint(format!(
            "the team belonged to organization `{}`; restore that first (see `proj log`)",
            saved.team.org
        ))
    })?;
    let target = Target::org(&org);
    tx.require(Action::TeamAdd, &target)?;
    let slug = &saved.team.slug;
    if db.team(org.id, slug)?.is_some() {
        return Err(taken(
            format!("team `{slug}` in {}", org.slug),
            event,
            format!("rename the existing one first: `proj team rename {slug} NEW`"),
        ));
    }
    let team = put_team(tx, &org, &saved, skipped)?;
    put_holder_grants(
        tx,
        &org,
        Holder::Team(team.id),
        &format!("team {slug}"),
        &saved.grants,
        skipped,
    )?;
    tx.created(
        Event::TeamRestore,
        &target,
        Subject::Team(&team.slug),
        &after(snapshot::team(db, &team)?, event),
    )?;
    Ok((org, team))
}

/// Brings back a removed member with their own grants and team memberships, each re-checked:
/// `member.add` for the member (with the rules about owners), `member.grant` on every grant's
/// target, `team.update` for the memberships. What is gone meanwhile is left out and named.
fn restore_member(
    tx: &Tx,
    event: &EventRow,
    skipped: &mut Vec<String>,
) -> Result<(OrgRow, MemberRow)> {
    let db = tx.db;
    let saved: SavedMemberRemoval = snapshot::parse(event.id, event.before.as_ref())?;
    let m = &saved.member;
    let org = find_org(db, tx.actor, &m.org)?;
    let role: OrgRole = m.role.parse()?;
    let change = MemberChange {
        email: &m.email,
        from: None,
        to: Some(role),
    };
    tx.require(Action::MemberAdd, &Target::org(&org).with_member(change))?;
    if db.member(org.id, &m.email)?.is_some() {
        return Err(taken(
            format!("member `{}` of {}", m.email, org.slug),
            event,
            format!("see `proj member show {}`", m.email),
        ));
    }
    put_member(
        tx,
        &org,
        &m.email,
        m.name.as_deref(),
        &m.role,
        &m.created_at,
        m.login.as_deref(),
    )?;
    let member = db
        .member(org.id, &m.email)?
        .ok_or_else(|| Error::internal("the restored member vanished"))?;
    put_holder_grants(
        tx,
        &org,
        Holder::Member(member.id),
        &m.email,
        &saved.grants,
        skipped,
    )?;
    for t in &saved.teams {
        match db.team(org.id, &t.team)? {
            Some(team) => {
                tx.require(Action::TeamUpdate, &Target::org(&org))?;
                super::team::join_row(tx, &team, &member, t.joined_at.as_deref())?;
            }
            None => skipped.push(format!(
                "{} from team {}: the team no longer exists",
                m.email, t.team
            )),
        }
    }
    let after = serde_json::json!({
        "member": member,
        "grants": db.holder_grants(Holder::Member(member.id))?,
        "teams": snapshot::teams_of(db, &member)?,
    });
    tx.created(
        Event::MemberRestore,
        &Target::org(&org),
        Subject::Member(&member.email),
        &self::after(after, event),
    )?;
    Ok((org, member))
}

/// Gives one holder back the grants its own snapshot saved (`team.remove`, `member.remove`),
/// each only where the actor may grant now (`member.grant` on its target); one whose project or
/// environment is gone is left out and named in `skipped` (`the grant of WHO on …`).
fn put_holder_grants(
    tx: &Tx,
    org: &OrgRow,
    holder: Holder,
    who: &str,
    grants: &[SavedGrant],
    skipped: &mut Vec<String>,
) -> Result<()> {
    let db = tx.db;
    for g in grants {
        let Some(project_slug) = g.project.as_deref() else {
            continue;
        };
        let place = slash(&[&org.slug, project_slug]);
        let Some(project) = db.project(org.id, project_slug)? else {
            skipped.push(format!(
                "the grant of {who} on {place}: the project is gone"
            ));
            continue;
        };
        let env = match g.environment.as_deref() {
            None => None,
            Some(e) => match db.env(project.id, e)? {
                Some(env) => Some(env),
                None => {
                    skipped.push(format!(
                        "the grant of {who} on {place}/{e}: the environment is gone"
                    ));
                    continue;
                }
            },
        };
        let target = match &env {
            Some(e) => Target::env(org, &project, e),
            None => Target::project(org, &project),
        };
        tx.require(Action::MemberGrant, &target)?;
        put_grant(tx, holder, &project, env.as_ref(), g)?;
    }
    Ok(())
}

/// Puts back a team and those of its members who still belong to the organization.
fn put_team(
    tx: &Tx,
    org: &OrgRow,
    saved: &SavedTeam,
    skipped: &mut Vec<String>,
) -> Result<TeamRow> {
    let t = &saved.team;
    let team = tx.db.team_restore(
        None,
        org,
        &SavedFields {
            slug: &t.slug,
            display_name: t.display_name.as_deref(),
            description: t.description.as_deref(),
            created_at: &t.created_at,
        },
    )?;
    for m in &saved.members {
        match tx.db.member(org.id, &m.email)? {
            Some(member) => {
                super::team::join_row(tx, &team, &member, m.joined_at.as_deref())?;
            }
            None => skipped.push(format!(
                "{} from team {}: no longer a member of the organization",
                m.email, t.slug
            )),
        }
    }
    Ok(team)
}

/// A grant to put back once its member is there; already checked.
struct PendingGrant<'s> {
    project: ProjectRow,
    env: Option<EnvRow>,
    saved: &'s SavedGrant,
}

/// Puts back a project with its environments, checking each action as if it were typed
/// (`project add`, then what `put_env` checks, then `member grant` for each project grant);
/// grants are checked here and collected in `grants` for [`put_grants`].
fn put_project<'s>(
    tx: &Tx,
    org: &OrgRow,
    id: Option<i64>,
    saved: &'s SavedProject,
    grants: &mut Vec<PendingGrant<'s>>,
) -> Result<ProjectRow> {
    tx.require(Action::ProjectAdd, &Target::org(org))?;
    let p = &saved.project;
    let project = tx.db.project_restore(
        id,
        org,
        &SavedFields {
            slug: &p.slug,
            display_name: p.display_name.as_deref(),
            description: p.description.as_deref(),
            created_at: &p.created_at,
        },
    )?;
    for e in &saved.environments {
        put_env(tx, org, &project, e, grants)?;
    }
    for g in &saved.grants {
        tx.require(Action::MemberGrant, &Target::project(org, &project))?;
        grants.push(PendingGrant {
            project: project.clone(),
            env: None,
            saved: g,
        });
    }
    Ok(project)
}

/// Puts back an environment with its resources, checking what typing it would need:
/// `env add`; `env protect`/`unprotect` when its protection is not its kind's default;
/// `resource add` for each resource (in the environment as restored, so a protected one needs
/// a project admin); `env archive` when it was archived; `member grant` for each grant.
fn put_env<'s>(
    tx: &Tx,
    org: &OrgRow,
    project: &ProjectRow,
    saved: &'s SavedEnv,
    grants: &mut Vec<PendingGrant<'s>>,
) -> Result<EnvRow> {
    tx.require(Action::EnvAdd, &Target::project(org, project))?;
    let e = &saved.environment;
    let env = tx.db.env_restore(
        project,
        &SavedFields {
            slug: &e.slug,
            display_name: Some(&e.display_name),
            description: e.description.as_deref(),
            created_at: &e.created_at,
        },
        &SavedEnvFields {
            kind: &e.kind,
            protected: e.protected,
            archived_at: e.archived_at.as_deref(),
        },
    )?;
    let target = Target::env(org, project, &env);
    if env.protected != env.kind.protected_by_default() {
        tx.require(Action::EnvProtect, &target)?;
    }
    if env.archived_at.is_some() {
        tx.require(Action::EnvUpdate, &target)?;
    }
    for r in &saved.resources {
        tx.require(Action::ResourceAdd, &target)?;
        let fields = SavedFields {
            slug: &r.slug,
            display_name: None,
            description: r.description.as_deref(),
            created_at: &r.created_at,
        };
        tx.db.resource_restore(&env, &fields, &r.kind)?;
    }
    for g in &saved.grants {
        tx.require(Action::MemberGrant, &target)?;
        grants.push(PendingGrant {
            project: project.clone(),
            env: Some(env.clone()),
            saved: g,
        });
    }
    Ok(env)
}

/// Puts back checked grants; one whose holder (a member, or a team) no longer exists in the
/// organization is left out and named in `skipped`.
fn put_grants(tx: &Tx, grants: &[PendingGrant], skipped: &mut Vec<String>) -> Result<()> {
    for PendingGrant {
        project,
        env,
        saved: g,
    } in grants
    {
        let mut path = vec![project.org.as_str(), project.slug.as_str()];
        path.extend(env.as_ref().map(|e| e.slug.as_str()));
        let (holder, gone) = match (&g.email, &g.team) {
            (Some(email), _) => (
                tx.db
                    .member(project.org_id, email)?
                    .map(|m| Holder::Member(m.id)),
                format!(
                    "the grant of {email} on {}: no longer a member of the organization",
                    slash(&path)
                ),
            ),
            (None, Some(team)) => (
                tx.db
                    .team(project.org_id, team)?
                    .map(|t| Holder::Team(t.id)),
                format!(
                    "the grant of team {team} on {}: the team no longer exists",
                    slash(&path)
                ),
            ),
            (None, None) => continue,
        };
        match holder {
            Some(holder) => put_grant(tx, holder, project, env.as_ref(), g)?,
            None => skipped.push(gone),
        }
    }
    Ok(())
}

/// Puts back one member as recorded, with the login they had.
fn put_member(
    tx: &Tx,
    org: &OrgRow,
    email: &str,
    name: Option<&str>,
    role: &str,
    created_at: &str,
    login: Option<&str>,
) -> Result<()> {
    let fields = SavedFields {
        slug: email,
        display_name: name,
        description: None,
        created_at,
    };
    tx.db.member_restore(org, &fields, role)?;
    restore_login(tx, org, email, login)
}

/// Puts back one grant as recorded (its role and when it was given).
fn put_grant(
    tx: &Tx,
    holder: Holder,
    project: &ProjectRow,
    env: Option<&EnvRow>,
    g: &SavedGrant,
) -> Result<()> {
    tx.db
        .grant_restore(holder, project, env, &g.role, &g.created_at)
}

/// Maps a restored member to the database login they had (team mode): without it, the
/// person would come back as a member nobody can act as.
fn restore_login(tx: &Tx, org: &OrgRow, email: &str, login: Option<&str>) -> Result<()> {
    let Some(login) = login else { return Ok(()) };
    let member = tx
        .db
        .member(org.id, email)?
        .ok_or_else(|| Error::internal("the restored member vanished"))?;
    super::member::write_login(tx, member.id, Some(login))
}
