//! The plan: what makes the database match a layout file, as a list of changes in an order
//! they can be made in (parents before children, removals after what still needs them).
//!
//! One change is one audit event, checked by the action its [`Event`] names: `~ env` lines
//! are split by event (`env.update`, `env.protect`, `env.archive`, …) so each is allowed or
//! denied, written and audited exactly as the command that makes it would be.
//!
//! Only the organizations the file names are compared; inside them, an entity the file names
//! is made to match in full (a key left out means its default), and one it leaves out is kept
//! unless `prune` is set. An organization is never removed.

use super::Problem;
use super::current::{self, CEnv, COrg, CProject};
use super::desired::{DEnv, DHolder, DOrg, DProject, Desired};
use crate::access::Actor;
use crate::error::{Error, Result};
use crate::model::{EnvKind, OrgRole, ProjectRole, ResourceType};
use crate::scope::slash;
use crate::store::{Db, EnvRow, GrantRow, MemberRow, OrgRow, ProjectRow, ResourceRow};
use crate::tx::Event;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Create,
    Update,
    Remove,
}

impl Op {
    /// `+`, `~` or `-`, as the plan prints it.
    pub fn sign(self) -> char {
        match self {
            Op::Create => '+',
            Op::Update => '~',
            Op::Remove => '-',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Org,
    Member,
    Team,
    Project,
    Env,
    Resource,
    Grant,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Org => "org",
            Entity::Member => "member",
            Entity::Team => "team",
            Entity::Project => "project",
            Entity::Env => "env",
            Entity::Resource => "resource",
            Entity::Grant => "grant",
        }
    }
}

/// Where a change is: the slugs (and email) that name it, as JSON objects carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Place {
    pub org: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

impl Place {
    fn org(org: &str) -> Place {
        Place {
            org: org.to_string(),
            ..Place::default()
        }
    }
    fn project(org: &str, project: &str) -> Place {
        Place {
            project: Some(project.to_string()),
            ..Place::org(org)
        }
    }
    fn env(org: &str, project: &str, env: &str) -> Place {
        Place {
            environment: Some(env.to_string()),
            ..Place::project(org, project)
        }
    }

    /// `org`, `org/project` or `org/project/env`.
    pub fn scope_path(&self) -> String {
        let mut parts = vec![self.org.as_str()];
        parts.extend(self.project.as_deref());
        parts.extend(self.environment.as_deref());
        slash(&parts)
    }
}

/// One field of a change: what it was and what it becomes (`null`: unset, or nothing yet).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: Value,
    pub to: Value,
    /// Free text, shown in quotes.
    #[serde(skip)]
    quoted: bool,
}

impl FieldChange {
    fn text(field: &'static str, from: &Option<String>, to: &Option<String>) -> Self {
        FieldChange {
            field,
            from: from.clone().map_or(Value::Null, Value::String),
            to: to.clone().map_or(Value::Null, Value::String),
            quoted: true,
        }
    }
    fn word(field: &'static str, from: Option<&str>, to: &str) -> Self {
        FieldChange {
            field,
            from: from.map_or(Value::Null, |f| Value::String(f.to_string())),
            to: Value::String(to.to_string()),
            quoted: false,
        }
    }
    fn flag(field: &'static str, from: Option<bool>, to: bool) -> Self {
        FieldChange {
            field,
            from: from.map_or(Value::Null, Value::Bool),
            to: Value::Bool(to),
            quoted: false,
        }
    }

    fn show(&self, v: &Value) -> String {
        match v {
            Value::Null => "none".to_string(),
            Value::Bool(b) => crate::output::yes_no(*b),
            Value::String(s) if self.quoted => format!("{s:?}"),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// `protected no → yes`, `display name "Acme" → none`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} → {}",
            self.field.replace('_', " "),
            self.show(&self.from),
            self.show(&self.to)
        )
    }
}

/// A parent a change needs: a row that exists, or one an earlier change of the plan creates
/// (by its path, e.g. `acme/shop`).
#[derive(Debug, Clone)]
pub(super) enum Parent<T> {
    Existing(Rc<T>),
    New(String),
}

/// What a change does, with the rows it works on.
#[derive(Debug, Clone)]
pub(super) enum Work {
    OrgAdd {
        slug: String,
        display_name: Option<String>,
    },
    OrgUpdate {
        before: Rc<OrgRow>,
        after: OrgRow,
    },
    MemberAdd {
        org: Parent<OrgRow>,
        email: String,
        name: Option<String>,
        role: OrgRole,
    },
    MemberUpdate {
        org: Rc<OrgRow>,
        before: Rc<MemberRow>,
        after: MemberRow,
    },
    MemberRemove {
        org: Rc<OrgRow>,
        before: Rc<MemberRow>,
    },
    ProjectAdd {
        org: Parent<OrgRow>,
        slug: String,
        display_name: Option<String>,
        description: Option<String>,
    },
    ProjectUpdate {
        org: Rc<OrgRow>,
        before: Rc<ProjectRow>,
        after: ProjectRow,
    },
    ProjectRemove {
        org: Rc<OrgRow>,
        before: Rc<ProjectRow>,
    },
    EnvAdd {
        org: Parent<OrgRow>,
        project: Parent<ProjectRow>,
        slug: String,
        display_name: String,
        kind: EnvKind,
        description: Option<String>,
        protected: bool,
        archived: bool,
    },
    /// One of `env.update`, `env.protect`, `env.unprotect`, `env.archive`, `env.unarchive`.
    EnvUpdate {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        before: EnvRow,
        after: EnvRow,
    },
    EnvRemove {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        before: Rc<EnvRow>,
    },
    ResourceAdd {
        org: Parent<OrgRow>,
        project: Parent<ProjectRow>,
        env: Parent<EnvRow>,
        slug: String,
        kind: ResourceType,
        description: Option<String>,
    },
    ResourceUpdate {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        env: Rc<EnvRow>,
        before: ResourceRow,
        after: ResourceRow,
    },
    ResourceRemove {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        env: Rc<EnvRow>,
        before: ResourceRow,
    },
    GrantSet {
        org: Parent<OrgRow>,
        project: Parent<ProjectRow>,
        env: Option<Parent<EnvRow>>,
        member: Parent<MemberRow>,
        role: ProjectRole,
        before: Option<GrantRow>,
    },
    GrantRemove {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        env: Option<Rc<EnvRow>>,
        before: GrantRow,
    },
}

/// One line of the plan: one audit event.
#[derive(Debug, Clone)]
pub struct Change {
    pub op: Op,
    pub entity: Entity,
    pub event: Event,
    pub place: Place,
    /// What a created or removed thing is or holds: `custom, protected`, `2 resources`.
    pub note: Option<String>,
    /// For an update, what changes; for a creation, what it is created with.
    pub fields: Vec<FieldChange>,
    pub(super) work: Work,
}

impl Change {
    /// What the change is about, as a path or `email in org` / `email on org/project`.
    pub fn target(&self) -> String {
        let p = &self.place;
        match self.entity {
            Entity::Org | Entity::Project | Entity::Env => p.scope_path(),
            Entity::Resource => slash(&[&p.scope_path(), p.resource.as_deref().unwrap_or("")]),
            Entity::Member => format!("{} in {}", p.member.as_deref().unwrap_or(""), p.org),
            Entity::Team => format!("team {} in {}", p.team.as_deref().unwrap_or(""), p.org),
            Entity::Grant => {
                let holder = match (&p.member, &p.team) {
                    (Some(m), _) => m.clone(),
                    (None, Some(t)) => format!("team {t}"),
                    (None, None) => String::new(),
                };
                format!("{holder} on {}", p.scope_path())
            }
        }
    }

    /// The plan line without its sign: `env acme/shop/staging: protected no → yes`.
    pub fn describe(&self) -> String {
        let mut line = format!("{} {}", self.entity.as_str(), self.target());
        match self.op {
            Op::Update => {
                let fields: Vec<String> = self.fields.iter().map(FieldChange::describe).collect();
                line.push_str(&format!(": {}", fields.join(", ")));
            }
            Op::Create | Op::Remove => {
                if let Some(note) = &self.note {
                    line.push_str(&format!(" ({note})"));
                }
            }
        }
        line
    }

    /// The plan line: `~ env acme/shop/staging: protected no → yes`.
    pub fn line(&self) -> String {
        format!("{} {}", self.op.sign(), self.describe())
    }
}

/// The changes, in the order they are made.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Things in the named organizations the file leaves out and that stay (without
    /// `--prune`; with it they are in `changes` as removals).
    pub kept: usize,
}

impl Plan {
    pub fn lines(&self) -> Vec<String> {
        self.changes.iter().map(Change::line).collect()
    }

    /// How many changes of each kind: (create, update, remove).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |op| self.changes.iter().filter(|c| c.op == op).count();
        (n(Op::Create), n(Op::Update), n(Op::Remove))
    }
}

/// Why there is no plan: the file names something the database cannot give it (exit 2, at
/// a position of the file), or the change itself is refused (an error with its own kind).
#[derive(Debug)]
pub enum Refusal {
    Problems(Vec<Problem>),
    Error(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Error(e)
    }
}

/// Compares the organizations `desired` names with what the database holds, as the actor
/// sees it.
pub fn plan(db: &Db, actor: &Actor, desired: &Desired, prune: bool) -> Result<Plan, Refusal> {
    let mut p = Planner {
        prune,
        plan: Plan::default(),
        problems: Vec::new(),
    };
    for d in &desired.orgs {
        let cur = match db.org(&d.slug)? {
            None => None,
            Some(row) => {
                if !crate::access::can_see(db, actor, &crate::access::Target::org(&row))? {
                    // As `proj org add` says: slugs are unique in the file, so an organization
                    // of others is in the way, and saying so reveals no more than `org add`.
                    return Err(Error::exists(format!("organization `{}`", d.slug))
                        .with_hint("pick another slug for it in the file")
                        .into());
                }
                Some(current::load(db, actor, row)?)
            }
        };
        p.org(d, cur.as_ref())?;
    }
    if !p.problems.is_empty() {
        p.problems.sort_by_key(|p| p.at);
        return Err(Refusal::Problems(p.problems));
    }
    Ok(p.plan)
}

struct Planner {
    prune: bool,
    plan: Plan,
    problems: Vec<Problem>,
}

/// The members a file may refer to in an organization: the ones it lists, and (without
/// `--prune`) the ones the database has.
struct Known<'a> {
    members: HashMap<&'a str, Parent<MemberRow>>,
}

impl Planner {
    fn push(
        &mut self,
        op: Op,
        entity: Entity,
        event: Event,
        place: Place,
        work: Work,
    ) -> &mut Change {
        self.plan.changes.push(Change {
            op,
            entity,
            event,
            place,
            note: None,
            fields: Vec::new(),
            work,
        });
        self.plan.changes.last_mut().expect("just pushed")
    }

    fn problem(&mut self, at: Option<usize>, message: String, hint: Option<String>) {
        self.problems.push(Problem { at, message, hint });
    }

    fn org(&mut self, d: &DOrg, cur: Option<&COrg>) -> Result<()> {
        let org: Parent<OrgRow> = match cur {
            Some(c) => Parent::Existing(c.row.clone()),
            None => Parent::New(d.slug.clone()),
        };
        match cur {
            None => {
                let c = self.push(
                    Op::Create,
                    Entity::Org,
                    Event::OrgAdd,
                    Place::org(&d.slug),
                    Work::OrgAdd {
                        slug: d.slug.clone(),
                        display_name: d.display_name.clone(),
                    },
                );
                if d.display_name.is_some() {
                    c.fields
                        .push(FieldChange::text("display_name", &None, &d.display_name));
                }
            }
            Some(c) if c.row.display_name != d.display_name => {
                let mut after = (*c.row).clone();
                after.display_name = d.display_name.clone();
                let field = FieldChange::text("display_name", &c.row.display_name, &d.display_name);
                self.push(
                    Op::Update,
                    Entity::Org,
                    Event::OrgUpdate,
                    Place::org(&d.slug),
                    Work::OrgUpdate {
                        before: c.row.clone(),
                        after,
                    },
                )
                .fields
                .push(field);
            }
            Some(_) => {}
        }
        let known = self.members(d, cur, &org)?;
        if !d.teams.is_empty() {
            let at = d.teams[0].at;
            self.problem(
                at,
                "teams are not supported by this proj yet".into(),
                Some("leave `[[org.team]]` out of the file".into()),
            );
        }
        let cur_projects: HashMap<&str, &CProject> = cur
            .map(|c| {
                c.projects
                    .iter()
                    .map(|p| (p.row.slug.as_str(), p))
                    .collect()
            })
            .unwrap_or_default();
        for p in &d.projects {
            self.project(
                d,
                &org,
                p,
                cur_projects.get(p.slug.as_str()).copied(),
                &known,
            );
        }
        let Some(cur) = cur else { return Ok(()) };
        // What the file leaves out: projects, then members (whose grants go with them).
        let named: HashSet<&str> = d.projects.iter().map(|p| p.slug.as_str()).collect();
        for p in cur
            .projects
            .iter()
            .filter(|p| !named.contains(p.row.slug.as_str()))
        {
            if !self.prune {
                self.plan.kept += 1;
                continue;
            }
            let resources: usize = p.envs.iter().map(|e| e.resources.len()).sum();
            let note = counted(&[
                (p.envs.len(), "environment"),
                (resources, "resource"),
                (p.grants.len(), "grant"),
            ]);
            self.push(
                Op::Remove,
                Entity::Project,
                Event::ProjectRemove,
                Place::project(&d.slug, &p.row.slug),
                Work::ProjectRemove {
                    org: cur.row.clone(),
                    before: p.row.clone(),
                },
            )
            .note = note;
        }
        let listed: HashSet<&str> = d.members.iter().map(|m| m.email.as_str()).collect();
        for m in cur
            .members
            .iter()
            .filter(|m| !listed.contains(m.email.as_str()))
        {
            if !self.prune {
                self.plan.kept += 1;
                continue;
            }
            self.push(
                Op::Remove,
                Entity::Member,
                Event::MemberRemove,
                Place {
                    member: Some(m.email.clone()),
                    ..Place::org(&d.slug)
                },
                Work::MemberRemove {
                    org: cur.row.clone(),
                    before: Rc::new(m.clone()),
                },
            )
            .note = Some(m.role.to_string());
        }
        Ok(())
    }

    /// Members to add and change, and the ones grants may name. Refuses to leave an
    /// organization with members but no owner.
    fn members<'a>(
        &mut self,
        d: &'a DOrg,
        cur: Option<&'a COrg>,
        org: &Parent<OrgRow>,
    ) -> Result<Known<'a>> {
        let cur_members: HashMap<&str, &MemberRow> = cur
            .map(|c| c.members.iter().map(|m| (m.email.as_str(), m)).collect())
            .unwrap_or_default();
        let mut known = Known {
            members: HashMap::new(),
        };
        if !self.prune {
            for (email, m) in &cur_members {
                known
                    .members
                    .insert(email, Parent::Existing(Rc::new((*m).clone())));
            }
        }
        for m in &d.members {
            let place = Place {
                member: Some(m.email.clone()),
                ..Place::org(&d.slug)
            };
            match cur_members.get(m.email.as_str()) {
                None => {
                    let c = self.push(
                        Op::Create,
                        Entity::Member,
                        Event::MemberAdd,
                        place,
                        Work::MemberAdd {
                            org: org.clone(),
                            email: m.email.clone(),
                            name: m.name.clone(),
                            role: m.role,
                        },
                    );
                    c.note = Some(m.role.to_string());
                    c.fields
                        .push(FieldChange::word("role", None, m.role.as_str()));
                    if m.name.is_some() {
                        c.fields.push(FieldChange::text("name", &None, &m.name));
                    }
                    known
                        .members
                        .insert(&m.email, Parent::New(member_key(&d.slug, &m.email)));
                }
                Some(before) => {
                    let before = Rc::new((*before).clone());
                    known
                        .members
                        .insert(&m.email, Parent::Existing(before.clone()));
                    let mut fields = Vec::new();
                    if before.role != m.role {
                        fields.push(FieldChange::word(
                            "role",
                            Some(before.role.as_str()),
                            m.role.as_str(),
                        ));
                    }
                    if before.name != m.name {
                        fields.push(FieldChange::text("name", &before.name, &m.name));
                    }
                    if fields.is_empty() {
                        continue;
                    }
                    // Changing a role is `member.role`; a new name alone is `member.update`.
                    let event = if before.role != m.role {
                        Event::MemberRole
                    } else {
                        Event::MemberUpdate
                    };
                    let mut after = (*before).clone();
                    after.role = m.role;
                    after.name = m.name.clone();
                    let org = cur.expect("a member in the database has its organization");
                    self.push(
                        Op::Update,
                        Entity::Member,
                        event,
                        place,
                        Work::MemberUpdate {
                            org: org.row.clone(),
                            before,
                            after,
                        },
                    )
                    .fields = fields;
                }
            }
        }
        // Who is left, and whether one of them owns the organization.
        let listed: HashSet<&str> = d.members.iter().map(|m| m.email.as_str()).collect();
        let mut roles: Vec<OrgRole> = d.members.iter().map(|m| m.role).collect();
        if !self.prune {
            roles.extend(
                cur_members
                    .values()
                    .filter(|m| !listed.contains(m.email.as_str()))
                    .map(|m| m.role),
            );
        }
        let had_owner = cur_members.values().any(|m| m.role == OrgRole::Owner);
        if roles.contains(&OrgRole::Owner) || (roles.is_empty() && !had_owner) {
            return Ok(known);
        }
        if had_owner {
            let how = if roles.is_empty() {
                "--prune would remove every member of"
            } else {
                "the file would leave no owner in"
            };
            return Err(Error::conflict(format!(
                "cannot apply: {how} `{}`, and an organization with members keeps an owner",
                d.slug
            ))
            .with_hint("list an owner among the organization's members in the file"));
        }
        self.problem(
            d.at,
            format!("organization `{}` has members but no owner", d.slug),
            Some("give one of its members `role = \"owner\"`".into()),
        );
        Ok(known)
    }

    fn project(
        &mut self,
        org_d: &DOrg,
        org: &Parent<OrgRow>,
        d: &DProject,
        cur: Option<&CProject>,
        known: &Known,
    ) {
        let o = org_d.slug.as_str();
        let place = Place::project(o, &d.slug);
        let project: Parent<ProjectRow> = match cur {
            Some(c) => Parent::Existing(c.row.clone()),
            None => Parent::New(slash(&[o, &d.slug])),
        };
        match (cur, org) {
            (None, _) => {
                let c = self.push(
                    Op::Create,
                    Entity::Project,
                    Event::ProjectAdd,
                    place.clone(),
                    Work::ProjectAdd {
                        org: org.clone(),
                        slug: d.slug.clone(),
                        display_name: d.display_name.clone(),
                        description: d.description.clone(),
                    },
                );
                if d.display_name.is_some() {
                    c.fields
                        .push(FieldChange::text("display_name", &None, &d.display_name));
                }
                if d.description.is_some() {
                    c.fields
                        .push(FieldChange::text("description", &None, &d.description));
                }
            }
            (Some(c), Parent::Existing(org_row)) => {
                let before = &c.row;
                let mut fields = Vec::new();
                if before.display_name != d.display_name {
                    fields.push(FieldChange::text(
                        "display_name",
                        &before.display_name,
                        &d.display_name,
                    ));
                }
                if before.description != d.description {
                    fields.push(FieldChange::text(
                        "description",
                        &before.description,
                        &d.description,
                    ));
                }
                if !fields.is_empty() {
                    let mut after = (**before).clone();
                    after.display_name = d.display_name.clone();
                    after.description = d.description.clone();
                    self.push(
                        Op::Update,
                        Entity::Project,
                        Event::ProjectUpdate,
                        place.clone(),
                        Work::ProjectUpdate {
                            org: org_row.clone(),
                            before: before.clone(),
                            after,
                        },
                    )
                    .fields = fields;
                }
            }
            (Some(_), Parent::New(_)) => unreachable!("a project in the database has its org"),
        }
        let cur_envs: HashMap<&str, &CEnv> = cur
            .map(|c| c.envs.iter().map(|e| (e.row.slug.as_str(), e)).collect())
            .unwrap_or_default();
        for e in &d.envs {
            self.env(
                o,
                &d.slug,
                org,
                &project,
                e,
                cur_envs.get(e.slug.as_str()).copied(),
            );
        }
        let named: HashSet<&str> = d.envs.iter().map(|e| e.slug.as_str()).collect();
        let mut removed_envs = HashSet::new();
        if let (Some(c), Parent::Existing(org_row)) = (cur, org) {
            for e in c
                .envs
                .iter()
                .filter(|e| !named.contains(e.row.slug.as_str()))
            {
                if !self.prune {
                    self.plan.kept += 1;
                    continue;
                }
                removed_envs.insert(e.row.id);
                let grants = c
                    .grants
                    .iter()
                    .filter(|g| g.environment_id == Some(e.row.id))
                    .count();
                let note = counted(&[(e.resources.len(), "resource"), (grants, "grant")]);
                self.push(
                    Op::Remove,
                    Entity::Env,
                    Event::EnvRemove,
                    Place::env(o, &d.slug, &e.row.slug),
                    Work::EnvRemove {
                        org: org_row.clone(),
                        project: c.row.clone(),
                        before: e.row.clone(),
                    },
                )
                .note = note;
            }
        }
        self.grants(
            org_d,
            org,
            &project,
            d,
            cur,
            known,
            &cur_envs,
            &removed_envs,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn grants(
        &mut self,
        org_d: &DOrg,
        org: &Parent<OrgRow>,
        project: &Parent<ProjectRow>,
        d: &DProject,
        cur: Option<&CProject>,
        known: &Known,
        cur_envs: &HashMap<&str, &CEnv>,
        removed_envs: &HashSet<i64>,
    ) {
        let o = org_d.slug.as_str();
        let listed_envs: HashSet<&str> = d.envs.iter().map(|e| e.slug.as_str()).collect();
        let cur_grants: HashMap<(&str, Option<&str>), &GrantRow> = cur
            .map(|c| {
                c.grants
                    .iter()
                    .map(|g| ((g.email.as_str(), g.environment.as_deref()), g))
                    .collect()
            })
            .unwrap_or_default();
        let mut wanted = HashSet::new();
        for g in &d.grants {
            let email = match &g.holder {
                DHolder::Member(email) => email.as_str(),
                // Refused with the team itself (see `org`); nothing to check here.
                DHolder::Team(_) => continue,
            };
            let Some(member) = known.members.get(email) else {
                let hint = if self.prune {
                    "add them to the organization's `[[org.member]]` list (with --prune, members the file leaves out are removed)"
                } else {
                    "add them to the organization's `[[org.member]]` list"
                };
                self.problem(
                    g.holder_at,
                    format!(
                        "grant names `{email}`, who is not a member of `{o}` in the file or the database"
                    ),
                    Some(hint.into()),
                );
                continue;
            };
            let env: Option<Parent<EnvRow>> = match &g.env {
                None => None,
                Some(e) => {
                    let in_file = listed_envs.contains(e.as_str());
                    match cur_envs.get(e.as_str()) {
                        Some(c) if in_file || !self.prune => Some(Parent::Existing(c.row.clone())),
                        _ if in_file => Some(Parent::New(slash(&[o, &d.slug, e]))),
                        _ => {
                            self.problem(
                                g.env_at,
                                format!(
                                    "grant names environment `{e}`, which project `{o}/{}` has neither in the file nor in the database",
                                    d.slug
                                ),
                                Some("add it as an `[[org.project.env]]` of the project".into()),
                            );
                            continue;
                        }
                    }
                }
            };
            wanted.insert((email, g.env.as_deref()));
            let place = Place {
                environment: g.env.clone(),
                member: Some(email.to_string()),
                ..Place::project(o, &d.slug)
            };
            let before = cur_grants.get(&(email, g.env.as_deref())).copied();
            if before.is_some_and(|b| b.role == g.role) {
                continue;
            }
            let op = if before.is_some() {
                Op::Update
            } else {
                Op::Create
            };
            let field = FieldChange::word("role", before.map(|b| b.role.as_str()), g.role.as_str());
            let c = self.push(
                op,
                Entity::Grant,
                Event::MemberGrant,
                place,
                Work::GrantSet {
                    org: org.clone(),
                    project: project.clone(),
                    env,
                    member: member.clone(),
                    role: g.role,
                    before: before.cloned(),
                },
            );
            if op == Op::Create {
                c.note = Some(g.role.to_string());
            }
            c.fields.push(field);
        }
        let (Some(cur), Parent::Existing(org_row)) = (cur, org) else {
            return;
        };
        let listed_members: HashSet<&str> =
            org_d.members.iter().map(|m| m.email.as_str()).collect();
        for g in &cur.grants {
            if wanted.contains(&(g.email.as_str(), g.environment.as_deref())) {
                continue;
            }
            // Removed with their member or environment, in that removal's event.
            if self.prune
                && (!listed_members.contains(g.email.as_str())
                    || g.environment_id.is_some_and(|e| removed_envs.contains(&e)))
            {
                continue;
            }
            if !self.prune {
                self.plan.kept += 1;
                continue;
            }
            let env = g
                .environment
                .as_deref()
                .and_then(|e| cur_envs.get(e))
                .map(|e| e.row.clone());
            self.push(
                Op::Remove,
                Entity::Grant,
                Event::MemberRevoke,
                Place {
                    environment: g.environment.clone(),
                    member: Some(g.email.clone()),
                    ..Place::project(o, &d.slug)
                },
                Work::GrantRemove {
                    org: org_row.clone(),
                    project: cur.row.clone(),
                    env,
                    before: g.clone(),
                },
            )
            .note = Some(g.role.to_string());
        }
    }

    fn env(
        &mut self,
        o: &str,
        p: &str,
        org: &Parent<OrgRow>,
        project: &Parent<ProjectRow>,
        d: &DEnv,
        cur: Option<&CEnv>,
    ) {
        let place = Place::env(o, p, &d.slug);
        let env: Parent<EnvRow> = match cur {
            Some(c) => Parent::Existing(c.row.clone()),
            None => Parent::New(slash(&[o, p, &d.slug])),
        };
        match (cur, org, project) {
            (None, _, _) => {
                let mut note = vec![d.kind.as_str()];
                if d.protected {
                    note.push("protected");
                } else if d.kind.protected_by_default() {
                    note.push("unprotected");
                }
                if d.archived {
                    note.push("archived");
                }
                let c = self.push(
                    Op::Create,
                    Entity::Env,
                    Event::EnvAdd,
                    place.clone(),
                    Work::EnvAdd {
                        org: org.clone(),
                        project: project.clone(),
                        slug: d.slug.clone(),
                        display_name: d.display_name.clone(),
                        kind: d.kind,
                        description: d.description.clone(),
                        protected: d.protected,
                        archived: d.archived,
                    },
                );
                c.note = Some(note.join(", "));
                c.fields = vec![
                    FieldChange::text("display_name", &None, &Some(d.display_name.clone())),
                    FieldChange::word("kind", None, d.kind.as_str()),
                    FieldChange::text("description", &None, &d.description),
                    FieldChange::flag("protected", None, d.protected),
                    FieldChange::flag("archived", None, d.archived),
                ];
                c.fields.retain(|f| !f.to.is_null());
            }
            (Some(c), Parent::Existing(org_row), Parent::Existing(project_row)) => {
                let mut before = (*c.row).clone();
                let mut after = before.clone();
                let mut fields = Vec::new();
                if before.display_name != d.display_name {
                    fields.push(FieldChange::text(
                        "display_name",
                        &Some(before.display_name.clone()),
                        &Some(d.display_name.clone()),
                    ));
                    after.display_name = d.display_name.clone();
                }
                if before.kind != d.kind {
                    fields.push(FieldChange::word(
                        "kind",
                        Some(before.kind.as_str()),
                        d.kind.as_str(),
                    ));
                    after.kind = d.kind;
                }
                if before.description != d.description {
                    fields.push(FieldChange::text(
                        "description",
                        &before.description,
                        &d.description,
                    ));
                    after.description = d.description.clone();
                }
                // One change per event, each after the one before it.
                let mut step =
                    |event, fields: Vec<FieldChange>, before: &mut EnvRow, after: &EnvRow| {
                        if fields.is_empty() {
                            return;
                        }
                        self.push(
                            Op::Update,
                            Entity::Env,
                            event,
                            place.clone(),
                            Work::EnvUpdate {
                                org: org_row.clone(),
                                project: project_row.clone(),
                                before: before.clone(),
                                after: after.clone(),
                            },
                        )
                        .fields = fields;
                        *before = after.clone();
                    };
                step(Event::EnvUpdate, fields, &mut before, &after);
                if before.protected != d.protected {
                    after.protected = d.protected;
                    let event = if d.protected {
                        Event::EnvProtect
                    } else {
                        Event::EnvUnprotect
                    };
                    let f = FieldChange::flag("protected", Some(before.protected), d.protected);
                    step(event, vec![f], &mut before, &after);
                }
                if before.archived_at.is_some() != d.archived {
                    after.archived_at = d.archived.then(crate::store::now);
                    let event = if d.archived {
                        Event::EnvArchive
                    } else {
                        Event::EnvUnarchive
                    };
                    let f = FieldChange::flag("archived", Some(!d.archived), d.archived);
                    step(event, vec![f], &mut before, &after);
                }
            }
            _ => unreachable!("an environment in the database has its project and org"),
        }
        let cur_resources: HashMap<&str, &ResourceRow> = cur
            .map(|c| c.resources.iter().map(|r| (r.slug.as_str(), r)).collect())
            .unwrap_or_default();
        for r in &d.resources {
            let place = Place {
                resource: Some(r.slug.clone()),
                ..Place::env(o, p, &d.slug)
            };
            match (cur_resources.get(r.slug.as_str()), org, project, &env) {
                (None, _, _, _) => {
                    let c = self.push(
                        Op::Create,
                        Entity::Resource,
                        Event::ResourceAdd,
                        place,
                        Work::ResourceAdd {
                            org: org.clone(),
                            project: project.clone(),
                            env: env.clone(),
                            slug: r.slug.clone(),
                            kind: r.kind,
                            description: r.description.clone(),
                        },
                    );
                    c.note = Some(r.kind.to_string());
                    c.fields
                        .push(FieldChange::word("type", None, r.kind.as_str()));
                    if r.description.is_some() {
                        c.fields
                            .push(FieldChange::text("description", &None, &r.description));
                    }
                }
                (
                    Some(before),
                    Parent::Existing(org_row),
                    Parent::Existing(project_row),
                    Parent::Existing(env_row),
                ) => {
                    let mut fields = Vec::new();
                    if before.kind != r.kind {
                        fields.push(FieldChange::word(
                            "type",
                            Some(before.kind.as_str()),
                            r.kind.as_str(),
                        ));
                    }
                    if before.description != r.description {
                        fields.push(FieldChange::text(
                            "description",
                            &before.description,
                            &r.description,
                        ));
                    }
                    if fields.is_empty() {
                        continue;
                    }
                    let mut after = (*before).clone();
                    after.kind = r.kind;
                    after.description = r.description.clone();
                    self.push(
                        Op::Update,
                        Entity::Resource,
                        Event::ResourceUpdate,
                        place,
                        Work::ResourceUpdate {
                            org: org_row.clone(),
                            project: project_row.clone(),
                            env: env_row.clone(),
                            before: (*before).clone(),
                            after,
                        },
                    )
                    .fields = fields;
                }
                _ => unreachable!("a resource in the database has its environment"),
            }
        }
        let (Some(cur), Parent::Existing(org_row), Parent::Existing(project_row)) =
            (cur, org, project)
        else {
            return;
        };
        let named: HashSet<&str> = d.resources.iter().map(|r| r.slug.as_str()).collect();
        for r in cur
            .resources
            .iter()
            .filter(|r| !named.contains(r.slug.as_str()))
        {
            if !self.prune {
                self.plan.kept += 1;
                continue;
            }
            self.push(
                Op::Remove,
                Entity::Resource,
                Event::ResourceRemove,
                Place {
                    resource: Some(r.slug.clone()),
                    ..Place::env(o, p, &d.slug)
                },
                Work::ResourceRemove {
                    org: org_row.clone(),
                    project: project_row.clone(),
                    env: cur.row.clone(),
                    before: r.clone(),
                },
            )
            .note = Some(r.kind.to_string());
        }
    }
}

/// How a member a plan creates is found by the changes after it: `email in org`.
pub(super) fn member_key(org: &str, email: &str) -> String {
    format!("{email} in {org}")
}

/// `2 environments, 1 resource`, leaving out what there is none of.
fn counted(parts: &[(usize, &str)]) -> Option<String> {
    let parts: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
