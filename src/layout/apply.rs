//! Making a plan true, through [`Tx`] like every command: [`check`] asks
//! [`Tx::require`] for every change before anything is written and collects every denial;
//! [`write`] then makes the changes, each audited with its own event.
//!
//! Both walk the plan in order. A change whose parent the plan creates finds it in the slot
//! the plan gave that creation: in [`check`], a stand-in row with the planned fields (an id
//! below zero, its own, see [`planned`]), so the decision is the one the command would get
//! right after creating the parent; in [`write`], the real row.

use super::plan::{Change, Grantee, Parent, Plan, Slots, Work};
use crate::access::{Action, MemberChange, Target};
use crate::error::{Error, Kind, Result};
use crate::model::OrgRole;
use crate::ops;
use crate::store::{EnvRow, Holder, MemberRow, NewEnv, OrgRow, ProjectRow, TeamRow};
use crate::tx::Tx;
use std::rc::Rc;

/// The id of the row the plan will create in `slot`: below zero, so no row in the database
/// has it and every lookup by it finds nothing (an organization without members, a project
/// without grants), and different for each slot of a kind, so [`Tx::require`] tells the
/// planned rows apart when it answers a repeated question from memory.
fn planned(slot: usize) -> i64 {
    -1 - slot as i64
}

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

/// Checks every change of the plan. One denial or more: a permission-denied error (exit 5)
/// naming each denied change and why; changes inside something that may not be created are
/// not checked on their own.
pub fn check(tx: &Tx, plan: &Plan) -> Result<()> {
    let mut made = Made::new(plan.creates);
    let mut denied: Vec<String> = Vec::new();
    let mut blocked = 0;
    for change in &plan.changes {
        match check_one(tx, change, &mut made) {
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
fn check_one(tx: &Tx, change: &Change, made: &mut Made) -> Result<bool> {
    let event = change.event;
    match &change.work {
        Work::OrgAdd {
            slot,
            slug,
            display_name,
        } => {
            let org = Rc::new(OrgRow {
                id: planned(*slot),
                slug: slug.clone(),
                display_name: display_name.clone(),
                created_at: String::new(),
            });
            tx.require_for(event, &Target::org(&org))?;
            made.orgs[*slot] = Some(org);
        }
        Work::OrgUpdate { before, .. } => tx.require_for(event, &Target::org(before))?,
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
            tx.require_for(event, &Target::org(&org).with_member(change))?;
            made.members[*slot] = Some(Rc::new(MemberRow {
                id: planned(*slot),
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
            tx.require_for(event, &Target::org(org).with_member(change))?;
        }
        Work::MemberRemove { org, before } => {
            let change = MemberChange {
                email: &before.email,
                from: Some(before.role),
                to: None,
            };
            tx.require_for(event, &Target::org(org).with_member(change))?;
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
            tx.require_for(event, &Target::org(&org))?;
            made.teams[*slot] = Some(Rc::new(TeamRow {
                id: planned(*slot),
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
        | Work::TeamLeave { org, .. } => tx.require_for(event, &Target::org(org))?,
        Work::TeamJoin { org, team, member } => {
            let (Some(org), Some(_), Some(_)) = (
                get(&made.orgs, org),
                get(&made.teams, team),
                get(&made.members, member),
            ) else {
                return Ok(false);
            };
            tx.require_for(event, &Target::org(&org))?;
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
            tx.require_for(event, &Target::org(&org))?;
            made.projects[*slot] = Some(Rc::new(ProjectRow {
                id: planned(*slot),
                org_id: org.id,
                org: org.slug.clone(),
                slug: slug.clone(),
                display_name: display_name.clone(),
                description: description.clone(),
                created_at: String::new(),
            }));
        }
        Work::ProjectUpdate { org, before, .. } => {
            tx.require_for(event, &Target::project(org, before))?;
        }
        Work::ProjectRemove { org, before } => {
            tx.require_for(event, &Target::project(org, before))?;
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
            tx.require_for(event, &Target::project(&org, &project))?;
            let env = Rc::new(EnvRow {
                id: planned(*slot),
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
                tx.require(Action::EnvProtect, &target)?;
            }
            if *archived {
                tx.require(Action::EnvUpdate, &target)?;
            }
            made.envs[*slot] = Some(env);
        }
        Work::EnvUpdate {
            org,
            project,
            before,
            ..
        } => tx.require_for(event, &Target::env(org, project, before))?,
        Work::EnvRemove {
            org,
            project,
            before,
        } => tx.require_for(event, &Target::env(org, project, before))?,
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
            tx.require_for(event, &Target::env(&org, &project, &env))?;
        }
        Work::ResourceUpdate {
            org, project, env, ..
        }
        | Work::ResourceRemove {
            org, project, env, ..
        } => tx.require_for(event, &Target::env(org, project, env))?,
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
                None => tx.require_for(event, &Target::project(&org, &project))?,
                Some(env) => {
                    let Some(env) = get(&made.envs, env) else {
                        return Ok(false);
                    };
                    tx.require_for(event, &Target::env(&org, &project, &env))?;
                }
            }
        }
        Work::GrantRemove {
            org, project, env, ..
        } => match env {
            None => tx.require_for(event, &Target::project(org, project))?,
            Some(env) => tx.require_for(event, &Target::env(org, project, env))?,
        },
    }
    Ok(true)
}

/// Makes every change of a plan [`check`] has passed in this transaction, each audited with
/// its event. Returns how many events were written.
pub fn write(tx: &Tx, plan: &Plan) -> Result<usize> {
    // Every question was asked by `check`, on the state before the first change.
    tx.trust_checks();
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

/// Makes one change through the operation its command would call; whether it wrote one.
fn write_one(tx: &Tx, change: &Change, made: &mut Made) -> Result<bool> {
    match &change.work {
        Work::OrgAdd {
            slot,
            slug,
            display_name,
        } => {
            let org = ops::org::add(tx, slug, display_name.as_deref())?;
            made.orgs[*slot] = Some(Rc::new(org));
        }
        Work::OrgUpdate { before, after } => return ops::org::update(tx, before, after),
        Work::MemberAdd {
            slot,
            org,
            email,
            name,
            role,
            login,
        } => {
            let org = need(&made.orgs, org, change)?;
            let new = ops::member::NewMember {
                email,
                name: name.as_deref(),
                role: *role,
                login: login.as_deref(),
            };
            let m = ops::member::add(tx, &org, &new, false)?;
            made.members[*slot] = Some(Rc::new(m));
        }
        Work::MemberUpdate { org, before, after } => {
            return ops::member::update(tx, change.event, org, before, after);
        }
        Work::MemberRemove { org, before } => ops::member::remove(tx, org, before)?,
        Work::TeamAdd {
            slot,
            org,
            slug,
            display_name,
            description,
        } => {
            let org = need(&made.orgs, org, change)?;
            let new = ops::team::NewTeam {
                slug,
                display_name: display_name.as_deref(),
                description: description.as_deref(),
            };
            made.teams[*slot] = Some(Rc::new(ops::team::add(tx, &org, &new)?));
        }
        Work::TeamUpdate { org, before, after } => {
            return ops::team::update(tx, org, before, after);
        }
        Work::TeamRemove { org, before } => ops::team::remove(tx, org, before)?,
        Work::TeamJoin { org, team, member } => {
            let org = need(&made.orgs, org, change)?;
            let team = need(&made.teams, team, change)?;
            let member = need(&made.members, member, change)?;
            return ops::team::join(tx, &org, &team, &member);
        }
        Work::TeamLeave {
            org,
            team,
            member_id,
            email,
        } => return ops::team::leave(tx, org, team, *member_id, email),
        Work::ProjectAdd {
            slot,
            org,
            slug,
            display_name,
            description,
        } => {
            let org = need(&made.orgs, org, change)?;
            let new = ops::project::NewProject {
                slug,
                display_name: display_name.as_deref(),
                description: description.as_deref(),
            };
            // Its environments follow as changes of their own.
            let p = ops::project::add(tx, &org, &new, &[])?;
            made.projects[*slot] = Some(Rc::new(p));
        }
        Work::ProjectUpdate { org, before, after } => {
            return ops::project::update(tx, org, before, after);
        }
        Work::ProjectRemove { org, before } => ops::project::remove(tx, org, before)?,
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
            let new = NewEnv {
                slug,
                display_name,
                kind: *kind,
                description: description.as_deref(),
                protected: *protected,
            };
            let env = ops::env::add(tx, &org, &project, &new, *archived)?;
            made.envs[*slot] = Some(Rc::new(env));
        }
        Work::EnvUpdate {
            org,
            project,
            before,
            after,
        } => return ops::env::update(tx, change.event, org, project, before, after),
        Work::EnvRemove {
            org,
            project,
            before,
        } => ops::env::remove(tx, org, project, before)?,
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
            ops::resource::add(
                tx,
                &org,
                &project,
                &env,
                slug,
                *kind,
                description.as_deref(),
            )?;
        }
        Work::ResourceUpdate {
            org,
            project,
            env,
            before,
            after,
        } => return ops::resource::update(tx, org, project, env, before, after),
        Work::ResourceRemove {
            org,
            project,
            env,
            before,
        } => ops::resource::remove(tx, org, project, env, before)?,
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
            let place = ops::grant::Place {
                org: &org,
                project: &project,
                env: env.as_deref(),
            };
            ops::grant::set(tx, place, holder, &name, *role, before.as_deref())?;
        }
        Work::GrantRemove {
            org,
            project,
            env,
            before,
        } => {
            let place = ops::grant::Place {
                org,
                project,
                env: env.as_deref(),
            };
            ops::grant::revoke(tx, place, before)?
        }
    }
    Ok(true)
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
    ops::selection::save_identity(db, Some(&email))?;
    if let [org] = orgs.as_slice() {
        let projects = db.projects_up_to(org.id, 2)?;
        let project = match projects.as_slice() {
            [only] => Some(only.id),
            _ => None,
        };
        ops::selection::save(db, Some(&email), Some(org.id), project)?;
    }
    Ok(FirstIdentity::Saved(email))
}
