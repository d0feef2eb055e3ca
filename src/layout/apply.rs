//! Making a plan true, through [`Tx`] like every command: [`check`] asks
//! [`Tx::require`] for every change before anything is written and collects every denial;
//! [`write`] then makes the changes, each audited with its own event.
//!
//! Both walk the plan in order. A change whose parent the plan creates finds it in the slot
//! the plan gave that creation: in [`check`], a stand-in row with the planned fields (id
//! [`PLANNED`]), so the decision is the one the command would get right after creating the
//! parent; in [`write`], the real row.

use super::plan::{Change, Grantee, Parent, Plan, Slots, Work};
use crate::access::{Action, MemberChange, Target};
use crate::error::{Error, Kind, Result};
use crate::model::OrgRole;
use crate::snapshot;
use crate::store::{EnvRow, Holder, MemberRow, NewEnv, OrgRow, ProjectRow, TeamRow};
use crate::tx::{Event, Subject, Tx};
use serde_json::json;
use std::collections::HashSet;
use std::rc::Rc;

/// The id of a row the plan has not created yet: no row in the database has it, so every
/// lookup by it finds nothing (an organization without members, a project without grants).
pub const PLANNED: i64 = -1;

/// Rows the plan creates, in the slots it numbered them with, as the walk makes them.
struct Made {
    orgs: Vec<Option<Rc<OrgRow>>>,
    teams: Vec<Option<Rc<TeamRow>>>,
    projects: Vec<Option<Rc<ProjectRow>>>,
    envs: Vec<Option<Rc<EnvRow>>>,
    members: Vec<Option<Rc<MemberRow>>>,
}

impl Made {
    fn new(slots: Slots) -> Self {
        Made {
            orgs: vec![None; slots.orgs],
            teams: vec![None; slots.teams],
            projects: vec![None; slots.projects],
            envs: vec![None; slots.envs],
            members: vec![None; slots.members],
        }
    }
}

fn get<T>(made: &[Option<Rc<T>>], parent: &Parent<T>) -> Option<Rc<T>> {
    match parent {
        Parent::Existing(row) => Some(row.clone()),
        Parent::New(slot) => made.get(*slot).cloned().flatten(),
    }
}

/// One question to the access model, by everything its answer depends on: the action, the
/// rows of the target cut to the action's level, whether that environment is protected, and
/// the member change.
///
/// A row the database has is named by its id. The rows the plan creates all have the id
/// [`PLANNED`], so a target with one of them also carries its path (`org/project/env`): the
/// plan creates one organization, project or environment of each path, so the path names
/// the planned ones among its rows, and the ids the rest.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Question {
    action: Action,
    ids: [Option<i64>; 3],
    planned: Option<String>,
    protected: Option<bool>,
    member: Option<(String, Option<OrgRole>, Option<OrgRole>)>,
}

impl Question {
    fn new(action: Action, target: &Target) -> Self {
        let cut = target.for_action(action);
        let ids = [
            Some(cut.org.id),
            cut.project.map(|p| p.id),
            cut.env.map(|e| e.id),
        ];
        Question {
            action,
            ids,
            planned: ids.contains(&Some(PLANNED)).then(|| cut.path()),
            protected: cut.env.map(|e| e.protected),
            member: cut.member.map(|m| (m.email.to_string(), m.from, m.to)),
        }
    }
}

/// [`Tx::require`], asked once for each distinct question: every check runs on the same state
/// (nothing is written until all have passed), so the same question gets the same answer, and
/// a plan of 150,000 resources in 75,000 environments asks 75,000 times, not 150,000.
#[derive(Default)]
struct Asker {
    allowed: HashSet<Question>,
}

impl Asker {
    fn require(&mut self, tx: &Tx, action: Action, target: &Target) -> Result<()> {
        let question = Question::new(action, target);
        if self.allowed.contains(&question) {
            return Ok(());
        }
        tx.require(action, target)?;
        self.allowed.insert(question);
        Ok(())
    }

    fn require_for(&mut self, tx: &Tx, event: Event, target: &Target) -> Result<()> {
        match event.action() {
            Some(action) => self.require(tx, action, target),
            None => Ok(()),
        }
    }
}

/// Checks every change of the plan. One denial or more: a permission-denied error (exit 5)
/// naming each denied change and why; changes inside something that may not be created are
/// not checked on their own.
pub fn check(tx: &Tx, plan: &Plan) -> Result<()> {
    let mut made = Made::new(plan.creates);
    let mut asker = Asker::default();
    let mut denied: Vec<String> = Vec::new();
    let mut blocked = 0;
    for change in &plan.changes {
        match check_one(tx, &mut asker, change, &mut made) {
            Ok(true) => {}
            Ok(false) => blocked += 1,
            Err(e) if matches!(e.kind, Kind::Denied | Kind::NotFound) => {
                let reason = e
                    .message
                    .strip_prefix("permission denied: ")
                    .unwrap_or(&e.message);
                denied.push(format!("{}: {reason}", change.line()));
            }
            Err(e) => return Err(e),
        }
    }
    if denied.is_empty() {
        return Ok(());
    }
    let total = plan.changes.len();
    let mut err = Error::denied(format!(
        "permission denied for {} of {total} change{}; nothing was changed",
        denied.len(),
        if total == 1 { "" } else { "s" }
    ));
    for d in denied {
        err = err.caused_by(d);
    }
    let mut hint =
        "`proj access check EMAIL ACTION TARGET` explains each rule; ask an owner or admin to apply it"
            .to_string();
    if blocked > 0 {
        hint.push_str(&format!(
            " ({blocked} more change{} inside what may not be created)",
            if blocked == 1 { " lies" } else { "s lie" }
        ));
    }
    Err(err.with_hint(hint))
}

/// Requires what one change needs. `Ok(false)`: its parent is a creation that was denied.
fn check_one(tx: &Tx, asker: &mut Asker, change: &Change, made: &mut Made) -> Result<bool> {
    let event = change.event;
    match &change.work {
        Work::OrgAdd {
            slot,
            slug,
            display_name,
        } => {
            let org = Rc::new(OrgRow {
                id: PLANNED,
                slug: slug.clone(),
                display_name: display_name.clone(),
                created_at: String::new(),
            });
            asker.require_for(tx, event, &Target::org(&org))?;
            made.orgs[*slot] = Some(org);
        }
        Work::OrgUpdate { before, .. } => asker.require_for(tx, event, &Target::org(before))?,
        Work::MemberAdd {
            slot,
            org,
            email,
            name,
            role,
            login,
        } => {
            let Some(org) = get(&made.orgs, org) else {
                return Ok(false);
            };
            let change = MemberChange {
                email,
                from: None,
                to: Some(*role),
            };
            asker.require_for(tx, event, &Target::org(&org).with_member(change))?;
            made.members[*slot] = Some(Rc::new(MemberRow {
                id: PLANNED,
                org_id: org.id,
                org: org.slug.clone(),
                email: email.clone(),
                name: name.clone(),
                role: *role,
                login: login.clone(),
                created_at: String::new(),
            }));
        }
        Work::MemberUpdate { org, before, after } => {
            let change = MemberChange {
                email: &before.email,
                from: Some(before.role),
                to: Some(after.role),
            };
            asker.require_for(tx, event, &Target::org(org).with_member(change))?;
        }
        Work::MemberRemove { org, before } => {
            let change = MemberChange {
                email: &before.email,
                from: Some(before.role),
                to: None,
            };
            asker.require_for(tx, event, &Target::org(org).with_member(change))?;
        }
        Work::TeamAdd {
            slot,
            org,
            slug,
            display_name,
            description,
        } => {
            let Some(org) = get(&made.orgs, org) else {
                return Ok(false);
            };
            asker.require_for(tx, event, &Target::org(&org))?;
            made.teams[*slot] = Some(Rc::new(TeamRow {
                id: PLANNED,
                org_id: org.id,
                org: org.slug.clone(),
                slug: slug.clone(),
                display_name: display_name.clone(),
                description: description.clone(),
                created_at: String::new(),
            }));
        }
        Work::TeamUpdate { org, .. }
        | Work::TeamRemove { org, .. }
        | Work::TeamLeave { org, .. } => asker.require_for(tx, event, &Target::org(org))?,
        Work::TeamJoin { org, team, member } => {
            let (Some(org), Some(_), Some(_)) = (
                get(&made.orgs, org),
                get(&made.teams, team),
                get(&made.members, member),
            ) else {
                return Ok(false);
            };
            asker.require_for(tx, event, &Target::org(&org))?;
        }
        Work::ProjectAdd {
            slot,
            org,
            slug,
            display_name,
            description,
        } => {
            let Some(org) = get(&made.orgs, org) else {
                return Ok(false);
            };
            asker.require_for(tx, event, &Target::org(&org))?;
            made.projects[*slot] = Some(Rc::new(ProjectRow {
                id: PLANNED,
                org_id: org.id,
                org: org.slug.clone(),
                slug: slug.clone(),
                display_name: display_name.clone(),
                description: description.clone(),
                created_at: String::new(),
            }));
        }
        Work::ProjectUpdate { org, before, .. } => {
            asker.require_for(tx, event, &Target::project(org, before))?;
        }
        Work::ProjectRemove { org, before } => {
            asker.require_for(tx, event, &Target::project(org, before))?;
        }
        Work::EnvAdd {
            slot,
            org,
            project,
            slug,
            display_name,
            kind,
            description,
            protected,
            archived,
        } => {
            let (Some(org), Some(project)) = (get(&made.orgs, org), get(&made.projects, project))
            else {
                return Ok(false);
            };
            asker.require_for(tx, event, &Target::project(&org, &project))?;
            let env = Rc::new(EnvRow {
                id: PLANNED,
                project_id: project.id,
                org: org.slug.clone(),
                project: project.slug.clone(),
                slug: slug.clone(),
                display_name: display_name.clone(),
                kind: *kind,
                description: description.clone(),
                protected: *protected,
                archived_at: None,
                created_at: String::new(),
            });
            // Created otherwise than `env add` would: what changing it afterwards needs.
            let target = Target::env(&org, &project, &env);
            if *protected != kind.protected_by_default() {
                asker.require(tx, Action::EnvProtect, &target)?;
            }
            if *archived {
                asker.require(tx, Action::EnvUpdate, &target)?;
            }
            made.envs[*slot] = Some(env);
        }
        Work::EnvUpdate {
            org,
            project,
            before,
            ..
        } => asker.require_for(tx, event, &Target::env(org, project, before))?,
        Work::EnvRemove {
            org,
            project,
            before,
        } => asker.require_for(tx, event, &Target::env(org, project, before))?,
        Work::ResourceAdd {
            org, project, env, ..
        } => {
            let (Some(org), Some(project), Some(env)) = (
                get(&made.orgs, org),
                get(&made.projects, project),
                get(&made.envs, env),
            ) else {
                return Ok(false);
            };
            asker.require_for(tx, event, &Target::env(&org, &project, &env))?;
        }
        Work::ResourceUpdate {
            org, project, env, ..
        }
        | Work::ResourceRemove {
            org, project, env, ..
        } => asker.require_for(tx, event, &Target::env(org, project, env))?,
        Work::GrantSet {
            org,
            project,
            env,
            holder,
            ..
        } => {
            let held = match holder {
                Grantee::Member(m) => get(&made.members, m).is_some(),
                Grantee::Team(t) => get(&made.teams, t).is_some(),
            };
            let (Some(org), Some(project), true) =
                (get(&made.orgs, org), get(&made.projects, project), held)
            else {
                return Ok(false);
            };
            match env {
                None => asker.require_for(tx, event, &Target::project(&org, &project))?,
                Some(env) => {
                    let Some(env) = get(&made.envs, env) else {
                        return Ok(false);
                    };
                    asker.require_for(tx, event, &Target::env(&org, &project, &env))?;
                }
            }
        }
        Work::GrantRemove {
            org, project, env, ..
        } => match env {
            None => asker.require_for(tx, event, &Target::project(org, project))?,
            Some(env) => asker.require_for(tx, event, &Target::env(org, project, env))?,
        },
    }
    Ok(true)
}

/// Makes every change of a plan [`check`] has passed in this transaction, each audited with
/// its event. Returns how many events were written.
pub fn write(tx: &Tx, plan: &Plan) -> Result<usize> {
    let mut made = Made::new(plan.creates);
    let mut written = 0;
    for change in &plan.changes {
        if write_one(tx, change, &mut made)? {
            written += 1;
        }
    }
    Ok(written)
}

/// A parent the walk should have made by now.
fn need<T>(made: &[Option<Rc<T>>], parent: &Parent<T>, change: &Change) -> Result<Rc<T>> {
    get(made, parent).ok_or_else(|| {
        Error::internal(format!(
            "the plan reached `{}` before what it belongs to",
            change.line()
        ))
    })
}

/// Writes one change and its event; whether it wrote one.
fn write_one(tx: &Tx, change: &Change, made: &mut Made) -> Result<bool> {
    let db = tx.db;
    let event = change.event;
    match &change.work {
        Work::OrgAdd {
            slot,
            slug,
            display_name,
        } => {
            let org = db.org_insert(slug, display_name.as_deref())?;
            tx.created(
                event,
                &Target::org(&org),
                Subject::Scope,
                &snapshot::row(&org),
            )?;
            made.orgs[*slot] = Some(Rc::new(org));
        }
        Work::OrgUpdate { before, after } => {
            return tx.updated(
                event,
                &Target::org(after),
                Subject::Scope,
                &**before,
                &**after,
                || db.org_update(after),
            );
        }
        Work::MemberAdd {
            slot,
            org,
            email,
            name,
            role,
            login,
        } => {
            let org = need(&made.orgs, org, change)?;
            let mut m = db.member_insert(&org, email, name.as_deref(), *role)?;
            // As `proj member add`: on a shared database, the first owner of an organization
            // that nobody acts for as the login at the keyboard becomes that login, so the
            // person who moved a layout to the server can still see it.
            let login = match (login, db.login()) {
                (Some(l), _) => Some(l.clone()),
                (None, Some(me))
                    if *role == OrgRole::Owner && db.member_by_login(org.id, me)?.is_none() =>
                {
                    Some(me.to_string())
                }
                _ => None,
            };
            if login.is_some() {
                db.member_set_login(m.id, login.as_deref())?;
                m.login = login;
            }
            tx.created(
                event,
                &Target::org(&org),
                Subject::Member(&m.email),
                &snapshot::row(&m),
            )?;
            made.members[*slot] = Some(Rc::new(m));
        }
        Work::MemberUpdate { org, before, after } => {
            return tx.updated(
                event,
                &Target::org(org),
                Subject::Member(&after.email),
                &**before,
                &**after,
                || {
                    db.member_update(after)?;
                    if before.login != after.login {
                        db.member_set_login(after.id, after.login.as_deref())?;
                    }
                    Ok(())
                },
            );
        }
        Work::MemberRemove { org, before } => {
            // What `proj member remove` records, so `proj restore` brings them back.
            let grants = db.holder_grants(Holder::Member(before.id))?;
            let teams = snapshot::teams_of(db, before)?;
            db.member_delete(before.id)?;
            tx.removed(
                event,
                &Target::org(org),
                Subject::Member(&before.email),
                &json!({ "member": &**before, "grants": grants, "teams": teams }),
            )?;
        }
        Work::TeamAdd {
            slot,
            org,
            slug,
            display_name,
            description,
        } => {
            let org = need(&made.orgs, org, change)?;
            let team =
                db.team_insert(&org, slug, display_name.as_deref(), description.as_deref())?;
            tx.created(
                event,
                &Target::org(&org),
                Subject::Team(&team.slug),
                &snapshot::row(&team),
            )?;
            made.teams[*slot] = Some(Rc::new(team));
        }
        Work::TeamUpdate { org, before, after } => {
            return tx.updated(
                event,
                &Target::org(org),
                Subject::Team(&after.slug),
                &**before,
                &**after,
                || db.team_update(after),
            );
        }
        Work::TeamRemove { org, before } => {
            let saved = snapshot::team(db, before)?;
            db.team_delete(before.id)?;
            tx.removed(
                event,
                &Target::org(org),
                Subject::Team(&before.slug),
                &saved,
            )?;
        }
        Work::TeamJoin { org, team, member } => {
            let org = need(&made.orgs, org, change)?;
            let team = need(&made.teams, team, change)?;
            let member = need(&made.members, member, change)?;
            db.team_join(team.id, &member, None)?;
            tx.created(
                event,
                &Target::org(&org),
                Subject::TeamMember(&team.slug, &member.email),
                &membership(&org, &team, &member.email),
            )?;
        }
        Work::TeamLeave {
            org,
            team,
            member_id,
            email,
        } => {
            db.team_leave(team.id, *member_id)?;
            tx.removed(
                event,
                &Target::org(org),
                Subject::TeamMember(&team.slug, email),
                &membership(org, team, email),
            )?;
        }
        Work::ProjectAdd {
            slot,
            org,
            slug,
            display_name,
            description,
        } => {
            let org = need(&made.orgs, org, change)?;
            let p =
                db.project_insert(&org, slug, display_name.as_deref(), description.as_deref())?;
            // What `project add --no-env` records; its environments follow as their own events.
            tx.created(
                event,
                &Target::project(&org, &p),
                Subject::Scope,
                &json!({ "project": p, "environments": [], "grants": [] }),
            )?;
            made.projects[*slot] = Some(Rc::new(p));
        }
        Work::ProjectUpdate { org, before, after } => {
            return tx.updated(
                event,
                &Target::project(org, after),
                Subject::Scope,
                &**before,
                &**after,
                || db.project_update(after),
            );
        }
        Work::ProjectRemove { org, before } => {
            let saved = snapshot::project(db, before)?;
            db.project_delete(before.id)?;
            tx.removed(event, &Target::project(org, before), Subject::Scope, &saved)?;
        }
        Work::EnvAdd {
            slot,
            org,
            project,
            slug,
            display_name,
            kind,
            description,
            protected,
            archived,
        } => {
            let org = need(&made.orgs, org, change)?;
            let project = need(&made.projects, project, change)?;
            let mut env = db.env_insert(
                &project,
                &NewEnv {
                    slug,
                    display_name,
                    kind: *kind,
                    description: description.as_deref(),
                    protected: *protected,
                },
            )?;
            if *archived {
                env.archived_at = Some(crate::store::now());
                db.env_update(&env)?;
            }
            tx.created(
                event,
                &Target::env(&org, &project, &env),
                Subject::Scope,
                &snapshot::row(&env),
            )?;
            made.envs[*slot] = Some(Rc::new(env));
        }
        Work::EnvUpdate {
            org,
            project,
            before,
            after,
        } => {
            return tx.updated(
                event,
                &Target::env(org, project, after),
                Subject::Scope,
                &**before,
                &**after,
                || db.env_update(after),
            );
        }
        Work::EnvRemove {
            org,
            project,
            before,
        } => {
            let saved = snapshot::env(db, before)?;
            db.env_delete(before.id)?;
            tx.removed(
                event,
                &Target::env(org, project, before),
                Subject::Scope,
                &saved,
            )?;
        }
        Work::ResourceAdd {
            org,
            project,
            env,
            slug,
            kind,
            description,
        } => {
            let org = need(&made.orgs, org, change)?;
            let project = need(&made.projects, project, change)?;
            let env = need(&made.envs, env, change)?;
            let r = db.resource_insert(&env, slug, *kind, description.as_deref())?;
            tx.created(
                event,
                &Target::env(&org, &project, &env),
                Subject::Resource(&r.slug),
                &snapshot::row(&r),
            )?;
        }
        Work::ResourceUpdate {
            org,
            project,
            env,
            before,
            after,
        } => {
            return tx.updated(
                event,
                &Target::env(org, project, env),
                Subject::Resource(&after.slug),
                &**before,
                &**after,
                || db.resource_update(after),
            );
        }
        Work::ResourceRemove {
            org,
            project,
            env,
            before,
        } => {
            db.resource_delete(before.id)?;
            tx.removed(
                event,
                &Target::env(org, project, env),
                Subject::Resource(&before.slug),
                &snapshot::row(&**before),
            )?;
        }
        Work::GrantSet {
            org,
            project,
            env,
            holder,
            role,
            before,
        } => {
            let org = need(&made.orgs, org, change)?;
            let project = need(&made.projects, project, change)?;
            let env = match env {
                None => None,
                Some(e) => Some(need(&made.envs, e, change)?),
            };
            let (holder, name) = match holder {
                Grantee::Member(m) => {
                    let m = need(&made.members, m, change)?;
                    (Holder::Member(m.id), m.email.clone())
                }
                Grantee::Team(t) => {
                    let t = need(&made.teams, t, change)?;
                    (Holder::Team(t.id), t.slug.clone())
                }
            };
            db.grant_set(holder, &project, env.as_deref(), *role)?;
            let env_id = env.as_ref().map(|e| e.id);
            let after = db
                .holder_grants_in(holder, project.id)?
                .into_iter()
                .find(|g| g.environment_id == env_id)
                .ok_or_else(|| Error::internal("the grant was not saved"))?;
            let target = match &env {
                None => Target::project(&org, &project),
                Some(e) => Target::env(&org, &project, e),
            };
            let subject = match holder {
                Holder::Member(_) => Subject::Grant(&name),
                Holder::Team(_) => Subject::TeamGrant(&name),
            };
            tx.replaced(event, &target, subject, before.as_deref(), &after)?;
        }
        Work::GrantRemove {
            org,
            project,
            env,
            before,
        } => {
            db.grant_delete(before.holder, before.project_id, before.environment_id)?;
            let target = match env {
                None => Target::project(org, project),
                Some(e) => Target::env(org, project, e),
            };
            let subject = match (&before.email, &before.team) {
                (None, Some(team)) => Subject::TeamGrant(team),
                (email, _) => Subject::Grant(email.as_deref().unwrap_or("")),
            };
            tx.removed(event, &target, subject, &snapshot::row(&**before))?;
        }
    }
    Ok(true)
}

/// A team membership as `proj team join` and `leave` record it.
fn membership(org: &OrgRow, team: &TeamRow, email: &str) -> serde_json::Value {
    json!({ "org": org.slug, "team": team.slug, "email": email })
}

/// Who a file's first apply leaves the person at the keyboard as: the first `proj init`
/// saves its user as the file's identity, and the first apply does the same when it can tell
/// who that is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstIdentity {
    /// Not a first apply (a member or a saved identity existed before, or a shared
    /// database, where the login is the identity): nothing to say.
    NotFirst,
    /// Saved: the `--as` email, else the one owner the file names.
    Saved(String),
    /// Several owners, or none: nothing saved; what to type next names them.
    Unsaved { owners: Vec<String> },
}

/// Whether this transaction's apply is a file's first: no member anywhere and no saved
/// identity, so without one its actor would see nothing of what it creates. Read before the
/// write.
pub fn is_first(tx: &Tx) -> Result<bool> {
    let db = tx.db;
    Ok(db.login().is_none() && db.selection(None)?.identity.is_none() && !db.has_members(None)?)
}

/// After the write of a first apply: saves the identity (and, with one organization, the
/// selection) as the first `proj init` would, when the actor named one with `--as` that is
/// now a member, or the file names exactly one owner.
pub fn adopt_identity(tx: &Tx) -> Result<FirstIdentity> {
    let db = tx.db;
    let orgs = db.orgs()?;
    let mut owners = std::collections::BTreeSet::new();
    for org in &orgs {
        for m in db.members(org.id)? {
            if m.role == OrgRole::Owner {
                owners.insert(m.email);
            }
        }
    }
    if owners.is_empty() && !db.has_members(None)? {
        // Still no members: anyone acts as every organization's owner, as before.
        return Ok(FirstIdentity::NotFirst);
    }
    let chosen = match tx.actor.email.as_deref() {
        Some(email) if db.has_membership(email)? => Some(email.to_string()),
        Some(_) => None,
        None if owners.len() == 1 => owners.iter().next().cloned(),
        None => None,
    };
    let Some(email) = chosen else {
        return Ok(FirstIdentity::Unsaved {
            owners: owners.into_iter().collect(),
        });
    };
    db.identity_save(Some(&email))?;
    if let [org] = orgs.as_slice() {
        let projects = db.projects_up_to(org.id, 2)?;
        let project = match projects.as_slice() {
            [only] => Some(only.id),
            _ => None,
        };
        db.selection_save(Some(&email), Some(org.id), project)?;
    }
    Ok(FirstIdentity::Saved(email))
}
