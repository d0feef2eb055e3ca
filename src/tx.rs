//! One shape for every mutation: check, write, audit.
//!
//! A command's write transaction gets a [`Tx`]: [`Tx::require`] is the only way a command
//! asks [`access::require`], and [`Tx::created`], [`Tx::updated`], [`Tx::replaced`] and
//! [`Tx::removed`] are the only way it appends an audit event. Each [`Event`] names the
//! [`Action`] that authorizes it, and an event is written only after that action passed in
//! the same transaction.

use crate::access::{self, Action, Actor, Target};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{OrgRole, slash, string_enum};
use crate::snapshot;
use crate::store::{Db, NewEvent};
use serde::Serialize;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;

string_enum!(
    /// Everything the audit log records, by the name it records it under (`proj log`,
    /// `proj restore`); never change one. An unknown name is an internal error: only what
    /// was written is read back.
    Event,
    unknown = |s| Error::internal(format!("unknown event `{s}`")),
    {
    OrgAdd => "org.add",
    OrgUpdate => "org.update",
    OrgRemove => "org.remove",
    OrgRestore => "org.restore",
    ProjectAdd => "project.add",
    ProjectUpdate => "project.update",
    ProjectRemove => "project.remove",
    ProjectRestore => "project.restore",
    EnvAdd => "env.add",
    EnvUpdate => "env.update",
    EnvArchive => "env.archive",
    EnvUnarchive => "env.unarchive",
    EnvProtect => "env.protect",
    EnvUnprotect => "env.unprotect",
    EnvClone => "env.clone",
    EnvRemove => "env.remove",
    EnvRestore => "env.restore",
    ResourceAdd => "resource.add",
    ResourceUpdate => "resource.update",
    ResourceMove => "resource.move",
    ResourceRemove => "resource.remove",
    MemberAdd => "member.add",
    MemberUpdate => "member.update",
    MemberRole => "member.role",
    MemberRemove => "member.remove",
    MemberGrant => "member.grant",
    MemberRevoke => "member.revoke",
    MemberRestore => "member.restore",
    TeamAdd => "team.add",
    TeamUpdate => "team.update",
    TeamRemove => "team.remove",
    TeamRestore => "team.restore",
    TeamJoin => "team.join",
    TeamLeave => "team.leave",
    TeamGrant => "team.grant",
    TeamRevoke => "team.revoke",
});

impl Event {
    /// The action that authorizes this change; `None` for creating or bringing back an
    /// organization, which needs no role.
    pub fn action(self) -> Option<Action> {
        Some(match self {
            Event::OrgAdd | Event::OrgRestore => return None,
            Event::OrgUpdate => Action::OrgUpdate,
            Event::OrgRemove => Action::OrgRemove,
            Event::ProjectAdd | Event::ProjectRestore => Action::ProjectAdd,
            Event::ProjectUpdate => Action::ProjectUpdate,
            Event::ProjectRemove => Action::ProjectRemove,
            Event::EnvAdd | Event::EnvClone | Event::EnvRestore => Action::EnvAdd,
            Event::EnvUpdate | Event::EnvArchive | Event::EnvUnarchive => Action::EnvUpdate,
            Event::EnvProtect | Event::EnvUnprotect => Action::EnvProtect,
            Event::EnvRemove => Action::EnvRemove,
            // A move is checked as leaving one environment and arriving in another.
            Event::ResourceAdd | Event::ResourceMove => Action::ResourceAdd,
            Event::ResourceUpdate => Action::ResourceUpdate,
            Event::ResourceRemove => Action::ResourceRemove,
            Event::MemberAdd | Event::MemberRestore => Action::MemberAdd,
            // Renaming a member is changing them: the rules about owners apply.
            Event::MemberUpdate | Event::MemberRole => Action::MemberRole,
            Event::MemberRemove => Action::MemberRemove,
            Event::MemberGrant | Event::MemberRevoke => Action::MemberGrant,
            Event::TeamAdd | Event::TeamRestore => Action::TeamAdd,
            Event::TeamUpdate | Event::TeamJoin | Event::TeamLeave => Action::TeamUpdate,
            Event::TeamRemove => Action::TeamRemove,
            // A team's grant is checked on its target exactly like a member's.
            Event::TeamGrant | Event::TeamRevoke => Action::MemberGrant,
        })
    }
}

/// What an event names as its target, inside the [`Target`] it is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'s> {
    /// The target itself: `org`, `org/project` or `org/project/env`.
    Scope,
    /// A resource of the target environment: `org/project/env/slug`.
    Resource(&'s str),
    /// A member of the target organization: `email in org`.
    Member(&'s str),
    /// A member's grant on the target project or environment: `email on org/project[/env]`.
    Grant(&'s str),
    /// A team of the target organization: `team slug in org`.
    Team(&'s str),
    /// A member of a team (team slug, email): `email in team slug of org`.
    TeamMember(&'s str, &'s str),
    /// A team's grant on the target project or environment: `team slug on org/project[/env]`.
    TeamGrant(&'s str),
}

impl Subject<'_> {
    fn describe(self, target: &Target) -> String {
        match self {
            Subject::Scope => target.path(),
            Subject::Resource(slug) => slash(&[&target.path(), slug]),
            Subject::Member(email) => format!("{email} in {}", target.org.slug),
            Subject::Grant(email) => format!("{email} on {}", target.path()),
            Subject::Team(slug) => format!("team {slug} in {}", target.org.slug),
            Subject::TeamMember(slug, email) => {
                format!("{email} in team {slug} of {}", target.org.slug)
            }
            Subject::TeamGrant(slug) => format!("team {slug} on {}", target.path()),
        }
    }
}

/// One mutation's transaction: the database, who acts, and the context they act in.
pub struct Tx<'a> {
    pub db: &'a Db<'a>,
    pub actor: &'a Actor,
    pub ctx: &'a Context,
    /// The name events are recorded under, when it is not the actor's.
    author: RefCell<Option<String>>,
    /// Actions [`Tx::require`] allowed so far.
    allowed: RefCell<Vec<Action>>,
    /// The questions [`Tx::require`] answered yes to: asked again (a command checks before
    /// its own conflict checks and the operation it calls checks again; `proj apply` asks
    /// once per change, 150,000 resources in 75,000 environments), the answer is the one
    /// given. Every check of one transaction runs before the writes that could change it.
    answered: RefCell<HashSet<Question>>,
    /// Set by [`Tx::trust_checks`]: every change that follows was checked ahead.
    checked_ahead: Cell<bool>,
}

/// One access question, by everything its answer depends on: the action, the target's rows
/// cut to the action's level (by id, with an environment's protection, which the rules read), and the
/// member change.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Question {
    action: Action,
    org: i64,
    project: Option<i64>,
    env: Option<(i64, bool)>,
    member: Option<(String, Option<OrgRole>, Option<OrgRole>)>,
}

impl Question {
    /// A row is named by its id: a plan's stand-in for a row it will create has an id of
    /// its own too, below zero (see `layout::apply`).
    fn of(action: Action, target: &Target) -> Question {
        let cut = target.for_action(action);
        Question {
            action,
            org: cut.org.id,
            project: cut.project.map(|p| p.id),
            env: cut.env.map(|e| (e.id, e.protected)),
            member: cut.member.map(|m| (m.email.to_string(), m.from, m.to)),
        }
    }
}

impl<'a> Tx<'a> {
    pub fn new(db: &'a Db<'a>, actor: &'a Actor, ctx: &'a Context) -> Self {
        Tx {
            db,
            actor,
            ctx,
            author: RefCell::new(None),
            allowed: RefCell::new(Vec::new()),
            answered: RefCell::new(HashSet::new()),
            checked_ahead: Cell::new(false),
        }
    }

    /// Says that every change that follows in this transaction was checked ahead, on the
    /// state before any of them (`proj apply` checks its whole plan first): from now on
    /// [`Tx::require`] records the action without asking again, so a plan is decided on one
    /// state and never half written by a later answer.
    pub fn trust_checks(&self) {
        self.checked_ahead.set(true);
    }

    /// Records the following events under `name` instead of the actor's name (the first
    /// member of a file without an identity is the person at the keyboard).
    pub fn author(&self, name: &str) {
        *self.author.borrow_mut() = Some(name.to_string());
    }

    /// Enforces the access model (see [`access::require`]): exit 3 for a target the actor
    /// may not see, 5 for one they may not change.
    pub fn require(&self, action: Action, target: &Target) -> Result<()> {
        if !self.checked_ahead.get() {
            let question = Question::of(action, target);
            if !self.answered.borrow().contains(&question) {
                access::require(self.db, self.actor, action, target)?;
                self.answered.borrow_mut().insert(question);
            }
        }
        // Kept once each: `proj apply` requires an action per change, thousands of times.
        let mut allowed = self.allowed.borrow_mut();
        if !allowed.contains(&action) {
            allowed.push(action);
        }
        Ok(())
    }

    /// [`Tx::require`] of the action that authorizes `event`.
    pub fn require_for(&self, event: Event, target: &Target) -> Result<()> {
        match event.action() {
            Some(action) => self.require(action, target),
            None => Ok(()),
        }
    }

    /// Audits something the caller just inserted; `after` is its row or snapshot.
    pub fn created(
        &self,
        event: Event,
        target: &Target,
        subject: Subject,
        after: &impl Serialize,
    ) -> Result<()> {
        self.record(event, target, subject, None, Some(&snapshot::row(after)))
    }

    /// Writes a change with `write` and audits it, unless `after` is `before`: then it
    /// writes nothing, audits nothing and returns false.
    pub fn updated<R: Serialize>(
        &self,
        event: Event,
        target: &Target,
        subject: Subject,
        before: &R,
        after: &R,
        write: impl FnOnce() -> Result<()>,
    ) -> Result<bool> {
        let (before, after) = (snapshot::row(before), snapshot::row(after));
        if before == after {
            return Ok(false);
        }
        write()?;
        self.record(event, target, subject, Some(&before), Some(&after))?;
        Ok(true)
    }

    /// Audits something the caller just set, whatever it was before (none: it is new).
    pub fn replaced<R: Serialize>(
        &self,
        event: Event,
        target: &Target,
        subject: Subject,
        before: Option<&R>,
        after: &R,
    ) -> Result<()> {
        let before = before.map(snapshot::row);
        let after = snapshot::row(after);
        self.record(event, target, subject, before.as_ref(), Some(&after))
    }

    /// Audits something the caller just deleted; `before` is its row or snapshot, taken
    /// first.
    pub fn removed(
        &self,
        event: Event,
        target: &Target,
        subject: Subject,
        before: &impl Serialize,
    ) -> Result<()> {
        self.record(event, target, subject, Some(&snapshot::row(before)), None)
    }

    /// The one place commands append audit events.
    fn record(
        &self,
        event: Event,
        target: &Target,
        subject: Subject,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<()> {
        if let Some(action) = event.action()
            && !self.allowed.borrow().contains(&action)
        {
            return Err(Error::internal(format!(
                "{event} was about to be written without checking {action}"
            )));
        }
        self.db.event_insert(&NewEvent {
            actor: self.author.borrow().as_deref().unwrap_or(self.actor.name()),
            action: event.as_str(),
            org_id: Some(target.org.id),
            project_id: target.project.map(|p| p.id),
            target: &subject.describe(target),
            before,
            after,
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_read_back_and_are_unique() {
        for e in Event::ALL {
            assert_eq!(e.as_str().parse::<Event>().unwrap(), *e);
        }
        let names: std::collections::HashSet<_> = Event::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(names.len(), Event::ALL.len());
    }

    #[test]
    fn only_organizations_are_created_without_a_role() {
        let free: Vec<_> = Event::ALL.iter().filter(|e| e.action().is_none()).collect();
        assert_eq!(free, [&Event::OrgAdd, &Event::OrgRestore]);
    }
}
