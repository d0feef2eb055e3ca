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
use super::current::{self, CEnv, COrg, CProject, CTeam};
use super::desired::{DEnv, DHolder, DOrg, DProject, DTeam, Desired};
use crate::access::Actor;
use crate::error::{Error, Result};
use crate::model::{EnvKind, OrgRole, ProjectRole, ResourceType, slash};
use crate::store::{
    Db, EnvRow, GrantRow, Holder, MemberRow, OrgRow, ProjectRow, ResourceRow, TeamRow,
};
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
    TeamMember,
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
            Entity::TeamMember => "team member",
            Entity::Project => "project",
            Entity::Env => "env",
            Entity::Resource => "resource",
            Entity::Grant => "grant",
        }
    }
}

/// A name shared by the many changes inside one organization, project or environment.
pub type Name = Rc<str>;

/// Where a change is: the slugs (and email) that name it, as JSON objects carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    #[serde(serialize_with = "name")]
    pub org: Name,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "some_name")]
    pub project: Option<Name>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "some_name")]
    pub environment: Option<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

fn name<S: serde::Serializer>(n: &Name, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(n)
}

fn some_name<S: serde::Serializer>(n: &Option<Name>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match n {
        Some(n) => s.serialize_str(n),
        None => s.serialize_none(),
    }
}

impl Place {
    fn org(org: &Name) -> Place {
        Place {
            org: org.clone(),
            project: None,
            environment: None,
            resource: None,
            member: None,
            team: None,
        }
    }
    fn project(org: &Name, project: &Name) -> Place {
        Place {
            project: Some(project.clone()),
            ..Place::org(org)
        }
    }
    fn env(org: &Name, project: &Name, env: &Name) -> Place {
        Place {
            environment: Some(env.clone()),
            ..Place::project(org, project)
        }
    }
    fn member(org: &Name, email: &str) -> Place {
        Place {
            member: Some(email.to_string()),
            ..Place::org(org)
        }
    }

    /// `org`, `org/project` or `org/project/env`.
    pub fn scope_path(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.org];
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

/// A parent a change needs: a row that exists, or the row an earlier change of the plan
/// creates (by its number among the plan's creations of that kind).
#[derive(Debug, Clone)]
pub(super) enum Parent<T> {
    Existing(Rc<T>),
    New(usize),
}

/// What a change does, with the rows it works on. A creation carries the `slot` its row
/// takes among the plan's creations of its kind, where later changes find it.
#[derive(Debug, Clone)]
pub(super) enum Work {
    OrgAdd {
        slot: usize,
        slug: String,
        display_name: Option<String>,
    },
    OrgUpdate {
        before: Rc<OrgRow>,
        after: Box<OrgRow>,
    },
    MemberAdd {
        slot: usize,
        org: Parent<OrgRow>,
        email: String,
        name: Option<String>,
        role: OrgRole,
        login: Option<String>,
    },
    MemberUpdate {
        org: Rc<OrgRow>,
        before: Rc<MemberRow>,
        after: Box<MemberRow>,
    },
    MemberRemove {
        org: Rc<OrgRow>,
        before: Rc<MemberRow>,
    },
    TeamAdd {
        slot: usize,
        org: Parent<OrgRow>,
        slug: String,
        display_name: Option<String>,
        description: Option<String>,
    },
    TeamUpdate {
        org: Rc<OrgRow>,
        before: Rc<TeamRow>,
        after: Box<TeamRow>,
    },
    TeamRemove {
        org: Rc<OrgRow>,
        before: Rc<TeamRow>,
    },
    TeamJoin {
        org: Parent<OrgRow>,
        team: Parent<TeamRow>,
        member: Parent<MemberRow>,
    },
    TeamLeave {
        org: Rc<OrgRow>,
        team: Rc<TeamRow>,
        member_id: i64,
        email: String,
    },
    ProjectAdd {
        slot: usize,
        org: Parent<OrgRow>,
        slug: String,
        display_name: Option<String>,
        description: Option<String>,
    },
    ProjectUpdate {
        org: Rc<OrgRow>,
        before: Rc<ProjectRow>,
        after: Box<ProjectRow>,
    },
    ProjectRemove {
        org: Rc<OrgRow>,
        before: Rc<ProjectRow>,
    },
    EnvAdd {
        slot: usize,
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
        before: Box<EnvRow>,
        after: Box<EnvRow>,
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
        before: Box<ResourceRow>,
        after: Box<ResourceRow>,
    },
    ResourceRemove {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        env: Rc<EnvRow>,
        before: Box<ResourceRow>,
    },
    GrantSet {
        org: Parent<OrgRow>,
        project: Parent<ProjectRow>,
        env: Option<Parent<EnvRow>>,
        holder: Grantee,
        role: ProjectRole,
    },
    GrantRemove {
        org: Rc<OrgRow>,
        project: Rc<ProjectRow>,
        env: Option<Rc<EnvRow>>,
        before: Box<GrantRow>,
    },
}

/// Who a planned grant is for.
#[derive(Debug, Clone)]
pub(super) enum Grantee {
    Member(Parent<MemberRow>),
    Team(Parent<TeamRow>),
}

/// One line of the plan: one audit event.
#[derive(Debug, Clone)]
pub struct Change {
    pub op: Op,
    pub entity: Entity,
    pub event: Event,
    pub place: Place,
    /// For an update, what changes.
    pub fields: Vec<FieldChange>,
    /// For a removal, what goes with it: `2 environments, 1 resource`; for an update, why
    /// it happens when the file does not say it (a protection that follows the kind).
    removes: Option<String>,
    pub(super) work: Work,
}

impl Change {
    /// What the change is about, as a path or `email in org` / `email on org/project`.
    pub fn target(&self) -> String {
        target_of(self.entity, &self.place)
    }

    /// What a created thing is (`custom, protected`), or what a removal takes with it
    /// (`2 environments, 1 resource`).
    pub fn note(&self) -> Option<String> {
        match &self.work {
            Work::MemberAdd { role, .. } => Some(role.to_string()),
            Work::EnvAdd {
                kind,
                protected,
                archived,
                ..
            } => {
                let mut note = vec![kind.as_str()];
                if *protected {
                    note.push("protected");
                } else if kind.protected_by_default() {
                    note.push("unprotected");
                }
                if *archived {
                    note.push("archived");
                }
                Some(note.join(", "))
            }
            Work::ResourceAdd { kind, .. } => Some(kind.to_string()),
            Work::GrantSet { role, .. } if self.op == Op::Create => Some(role.to_string()),
            _ => self.removes.clone(),
        }
    }

    /// For a creation, what it is created with; for an update, what changes (JSON's
    /// `fields`).
    pub fn fields(&self) -> Vec<FieldChange> {
        if self.op != Op::Create {
            return self.fields.clone();
        }
        let mut out = match &self.work {
            Work::OrgAdd { display_name, .. } => {
                vec![FieldChange::text("display_name", &None, display_name)]
            }
            Work::MemberAdd {
                name, role, login, ..
            } => vec![
                FieldChange::word("role", None, role.as_str()),
                FieldChange::text("name", &None, name),
                FieldChange::text("login", &None, login),
            ],
            Work::ProjectAdd {
                display_name,
                description,
                ..
            }
            | Work::TeamAdd {
                display_name,
                description,
                ..
            } => vec![
                FieldChange::text("display_name", &None, display_name),
                FieldChange::text("description", &None, description),
            ],
            Work::EnvAdd {
                display_name,
                kind,
                description,
                protected,
                archived,
                ..
            } => vec![
                FieldChange::text("display_name", &None, &Some(display_name.clone())),
                FieldChange::word("kind", None, kind.as_str()),
                FieldChange::text("description", &None, description),
                FieldChange::flag("protected", None, *protected),
                FieldChange::flag("archived", None, *archived),
            ],
            Work::ResourceAdd {
                kind, description, ..
            } => vec![
                FieldChange::word("type", None, kind.as_str()),
                FieldChange::text("description", &None, description),
            ],
            Work::GrantSet { role, .. } => vec![FieldChange::word("role", None, role.as_str())],
            _ => Vec::new(),
        };
        out.retain(|f| !f.to.is_null());
        out
    }

    /// The plan line without its sign: `env acme/shop/staging: protected no → yes`.
    pub fn describe(&self) -> String {
        let mut line = format!("{} {}", self.entity.as_str(), self.target());
        match self.op {
            Op::Update => {
                let fields: Vec<String> = self.fields.iter().map(FieldChange::describe).collect();
                line.push_str(&format!(": {}", fields.join(", ")));
                if let Some(why) = &self.removes {
                    line.push_str(&format!(" ({why})"));
                }
            }
            Op::Create | Op::Remove => {
                if let Some(note) = self.note() {
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

/// What a plan line names: `acme/shop`, `bo@acme.dev in acme`, `team backend on acme/shop`.
fn target_of(entity: Entity, p: &Place) -> String {
    match entity {
        Entity::Org | Entity::Project | Entity::Env => p.scope_path(),
        Entity::Resource => slash(&[&p.scope_path(), p.resource.as_deref().unwrap_or("")]),
        Entity::Member => format!("{} in {}", p.member.as_deref().unwrap_or(""), p.org),
        Entity::Team => format!("{} in {}", p.team.as_deref().unwrap_or(""), p.org),
        Entity::TeamMember => format!(
            "{} in {} of {}",
            p.member.as_deref().unwrap_or(""),
            p.team.as_deref().unwrap_or(""),
            p.org
        ),
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

/// The changes, in the order they are made.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Things in the named organizations the file leaves out and that stay (without
    /// `--prune`; with it they are in `changes` as removals), as plan lines name them
    /// (`project acme/web`, `member bo@acme.dev in acme`).
    pub kept: Vec<String>,
    /// How many organizations, projects, environments and members the plan creates: the
    /// slots of [`Parent::New`].
    pub(super) creates: Slots,
}

/// Counts of created rows by kind, which number them.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Slots {
    pub orgs: usize,
    pub teams: usize,
    pub projects: usize,
    pub envs: usize,
    pub members: usize,
}

fn next(counter: &mut usize) -> usize {
    *counter += 1;
    *counter - 1
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
            // One the login may not read (a shared database hides it): taken all the same.
            None if db.name_taken(None, &d.slug)? => {
                let taken = crate::scope::org_name_taken(db, actor, &d.slug)?;
                return Err(taken
                    .unwrap_or_else(|| Error::internal("an organization vanished"))
                    .into());
            }
            None => None,
            Some(row) => {
                if !crate::access::can_see(db, actor, &crate::access::Target::org(&row))? {
                    // As `proj org add` answers: the name is not available, and no more.
                    let taken = crate::scope::org_name_taken(db, actor, &d.slug)?;
                    return Err(taken
                        .unwrap_or_else(|| Error::internal("an organization vanished"))
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

/// The members and teams a file may refer to in an organization: the ones it lists, and
/// (without `--prune`) the ones the database has.
struct Known<'a> {
    members: HashMap<&'a str, Parent<MemberRow>>,
    teams: HashMap<&'a str, Parent<TeamRow>>,
}

/// The organization a change is in, as the planner passes it down.
struct InOrg<'a> {
    d: &'a DOrg,
    name: Name,
    row: Parent<OrgRow>,
    known: Known<'a>,
}

impl Planner {
    fn push(&mut self, op: Op, entity: Entity, event: Event, place: Place, work: Work) {
        self.plan.changes.push(Change {
            op,
            entity,
            event,
            place,
            fields: Vec::new(),
            removes: None,
            work,
        });
    }

    fn update(
        &mut self,
        entity: Entity,
        event: Event,
        place: Place,
        fields: Vec<FieldChange>,
        work: Work,
    ) {
        if fields.is_empty() {
            return;
        }
        self.plan.changes.push(Change {
            op: Op::Update,
            entity,
            event,
            place,
            fields,
            removes: None,
            work,
        });
    }

    /// Something the file leaves out that stays (no `--prune`).
    fn keep(&mut self, entity: Entity, place: &Place) {
        self.plan
            .kept
            .push(format!("{} {}", entity.as_str(), target_of(entity, place)));
    }

    fn remove(
        &mut self,
        entity: Entity,
        event: Event,
        place: Place,
        removes: Option<String>,
        work: Work,
    ) {
        self.plan.changes.push(Change {
            op: Op::Remove,
            entity,
            event,
            place,
            fields: Vec::new(),
            removes,
            work,
        });
    }

    fn problem(&mut self, at: Option<usize>, message: String, hint: Option<String>) {
        self.problems.push(Problem { at, message, hint });
    }

    fn org(&mut self, d: &DOrg, cur: Option<&COrg>) -> Result<()> {
        let name: Name = d.slug.as_str().into();
        let row: Parent<OrgRow> = match cur {
            Some(c) => {
                if c.row.display_name != d.display_name {
                    let mut after = Box::new((*c.row).clone());
                    after.display_name = d.display_name.clone();
                    let field =
                        FieldChange::text("display_name", &c.row.display_name, &d.display_name);
                    self.update(
                        Entity::Org,
                        Event::OrgUpdate,
                        Place::org(&name),
                        vec![field],
                        Work::OrgUpdate {
                            before: c.row.clone(),
                            after,
                        },
                    );
                }
                Parent::Existing(c.row.clone())
            }
            None => {
                let slot = next(&mut self.plan.creates.orgs);
                self.push(
                    Op::Create,
                    Entity::Org,
                    Event::OrgAdd,
                    Place::org(&name),
                    Work::OrgAdd {
                        slot,
                        slug: d.slug.clone(),
                        display_name: d.display_name.clone(),
                    },
                );
                Parent::New(slot)
            }
        };
        let mut known = self.members(d, &name, cur, &row)?;
        let cur_teams: HashMap<&str, &CTeam> = cur
            .map(|c| c.teams.iter().map(|t| (t.row.slug.as_str(), t)).collect())
            .unwrap_or_default();
        if !self.prune {
            for (slug, t) in &cur_teams {
                known.teams.insert(*slug, Parent::Existing(t.row.clone()));
            }
        }
        for t in &d.teams {
            let team = self.team(
                d,
                &name,
                &row,
                &known,
                t,
                cur_teams.get(t.slug.as_str()).copied(),
            );
            known.teams.insert(&t.slug, team);
        }
        let org = InOrg {
            d,
            name,
            row,
            known,
        };
        let cur_projects: HashMap<&str, &CProject> = cur
            .map(|c| {
                c.projects
                    .iter()
                    .map(|p| (p.row.slug.as_str(), p))
                    .collect()
            })
            .unwrap_or_default();
        for p in &d.projects {
            self.project(&org, p, cur_projects.get(p.slug.as_str()).copied());
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
                self.keep(
                    Entity::Project,
                    &Place::project(&org.name, &p.row.slug.as_str().into()),
                );
                continue;
            }
            let resources: usize = p.envs.iter().map(|e| e.resources.len()).sum();
            let removes = counted(&[
                (p.envs.len(), "environment"),
                (resources, "resource"),
                (p.grants.len(), "grant"),
            ]);
            self.remove(
                Entity::Project,
                Event::ProjectRemove,
                Place::project(&org.name, &p.row.slug.as_str().into()),
                removes,
                Work::ProjectRemove {
                    org: cur.row.clone(),
                    before: p.row.clone(),
                },
            );
        }
        let listed: HashSet<&str> = d.members.iter().map(|m| m.email.as_str()).collect();
        let named: HashSet<&str> = d.teams.iter().map(|t| t.slug.as_str()).collect();
        // Members leave the teams the file keeps, unless they leave the organization.
        for t in &d.teams {
            let Some(c) = cur_teams.get(t.slug.as_str()) else {
                continue;
            };
            let wanted: HashSet<&str> = t.members.iter().map(|(e, _)| e.as_str()).collect();
            for m in c
                .members
                .iter()
                .filter(|m| !wanted.contains(m.email.as_str()))
            {
                if !self.prune {
                    let place = Place {
                        team: Some(t.slug.clone()),
                        ..Place::member(&org.name, &m.email)
                    };
                    self.keep(Entity::TeamMember, &place);
                    continue;
                }
                if !listed.contains(m.email.as_str()) {
                    continue;
                }
                self.remove(
                    Entity::TeamMember,
                    Event::TeamLeave,
                    Place {
                        team: Some(t.slug.clone()),
                        ..Place::member(&org.name, &m.email)
                    },
                    None,
                    Work::TeamLeave {
                        org: cur.row.clone(),
                        team: c.row.clone(),
                        member_id: m.member_id,
                        email: m.email.clone(),
                    },
                );
            }
        }
        for t in cur
            .teams
            .iter()
            .filter(|t| !named.contains(t.row.slug.as_str()))
        {
            if !self.prune {
                let place = Place {
                    team: Some(t.row.slug.clone()),
                    ..Place::org(&org.name)
                };
                self.keep(Entity::Team, &place);
                continue;
            }
            let grants: usize = cur
                .projects
                .iter()
                .flat_map(|p| &p.grants)
                .filter(|g| g.holder == Holder::Team(t.row.id))
                .count();
            self.remove(
                Entity::Team,
                Event::TeamRemove,
                Place {
                    team: Some(t.row.slug.clone()),
                    ..Place::org(&org.name)
                },
                counted(&[(t.members.len(), "member"), (grants, "grant")]),
                Work::TeamRemove {
                    org: cur.row.clone(),
                    before: t.row.clone(),
                },
            );
        }
        for m in cur
            .members
            .iter()
            .filter(|m| !listed.contains(m.email.as_str()))
        {
            if !self.prune {
                self.keep(Entity::Member, &Place::member(&org.name, &m.email));
                continue;
            }
            let grants = cur
                .projects
                .iter()
                .flat_map(|p| &p.grants)
                .filter(|g| g.holder == Holder::Member(m.id))
                .count();
            let teams = cur
                .teams
                .iter()
                .filter(|t| t.members.iter().any(|tm| tm.member_id == m.id))
                .count();
            self.remove(
                Entity::Member,
                Event::MemberRemove,
                Place::member(&org.name, &m.email),
                counted(&[(grants, "grant"), (teams, "team")]),
                Work::MemberRemove {
                    org: cur.row.clone(),
                    before: Rc::new(m.clone()),
                },
            );
        }
        Ok(())
    }

    /// Members to add and change, and the ones grants may name. Refuses to leave an
    /// organization with members but no owner.
    fn members<'a>(
        &mut self,
        d: &'a DOrg,
        name: &Name,
        cur: Option<&'a COrg>,
        org: &Parent<OrgRow>,
    ) -> Result<Known<'a>> {
        let cur_members: HashMap<&str, &MemberRow> = cur
            .map(|c| c.members.iter().map(|m| (m.email.as_str(), m)).collect())
            .unwrap_or_default();
        let mut known = Known {
            members: HashMap::new(),
            teams: HashMap::new(),
        };
        if !self.prune {
            for (email, m) in &cur_members {
                known
                    .members
                    .insert(*email, Parent::Existing(Rc::new((*m).clone())));
            }
        }
        for m in &d.members {
            let place = Place::member(name, &m.email);
            let Some(before) = cur_members.get(m.email.as_str()) else {
                let slot = next(&mut self.plan.creates.members);
                self.push(
                    Op::Create,
                    Entity::Member,
                    Event::MemberAdd,
                    place,
                    Work::MemberAdd {
                        slot,
                        org: org.clone(),
                        email: m.email.clone(),
                        name: m.name.clone(),
                        role: m.role,
                        login: m.login.clone().filter(|l| !l.is_empty()),
                    },
                );
                known.members.insert(&m.email, Parent::New(slot));
                continue;
            };
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
            // A login is who acts as the member, not part of the layout: a file that leaves it
            // out keeps it; an empty one clears it.
            let login = match &m.login {
                None => before.login.clone(),
                Some(l) => Some(l.clone()).filter(|l| !l.is_empty()),
            };
            if before.login != login {
                fields.push(FieldChange::text("login", &before.login, &login));
            }
            // Changing a role is `member.role`; a new name alone is `member.update`.
            let event = if before.role != m.role {
                Event::MemberRole
            } else {
                Event::MemberUpdate
            };
            let mut after = Box::new((*before).clone());
            after.role = m.role;
            after.name = m.name.clone();
            after.login = login;
            let org = cur.expect("a member in the database has its organization");
            self.update(
                Entity::Member,
                event,
                place,
                fields,
                Work::MemberUpdate {
                    org: org.row.clone(),
                    before,
                    after,
                },
            );
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

    fn project(&mut self, org: &InOrg, d: &DProject, cur: Option<&CProject>) {
        let name: Name = d.slug.as_str().into();
        let place = Place::project(&org.name, &name);
        let project: Parent<ProjectRow> = match (cur, &org.row) {
            (None, _) => {
                let slot = next(&mut self.plan.creates.projects);
                self.push(
                    Op::Create,
                    Entity::Project,
                    Event::ProjectAdd,
                    place,
                    Work::ProjectAdd {
                        slot,
                        org: org.row.clone(),
                        slug: d.slug.clone(),
                        display_name: d.display_name.clone(),
                        description: d.description.clone(),
                    },
                );
                Parent::New(slot)
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
                let mut after = Box::new((**before).clone());
                after.display_name = d.display_name.clone();
                after.description = d.description.clone();
                self.update(
                    Entity::Project,
                    Event::ProjectUpdate,
                    place,
                    fields,
                    Work::ProjectUpdate {
                        org: org_row.clone(),
                        before: before.clone(),
                        after,
                    },
                );
                Parent::Existing(c.row.clone())
            }
            (Some(_), Parent::New(_)) => unreachable!("a project in the database has its org"),
        };
        let cur_envs: HashMap<&str, &CEnv> = cur
            .map(|c| c.envs.iter().map(|e| (e.row.slug.as_str(), e)).collect())
            .unwrap_or_default();
        let mut envs: HashMap<&str, Parent<EnvRow>> = HashMap::new();
        for e in &d.envs {
            let env = self.env(
                org,
                &name,
                &project,
                e,
                cur_envs.get(e.slug.as_str()).copied(),
            );
            envs.insert(&e.slug, env);
        }
        let mut removed_envs = HashSet::new();
        if let (Some(c), Parent::Existing(org_row)) = (cur, &org.row) {
            let named: HashSet<&str> = d.envs.iter().map(|e| e.slug.as_str()).collect();
            for e in c
                .envs
                .iter()
                .filter(|e| !named.contains(e.row.slug.as_str()))
            {
                if !self.prune {
                    self.keep(
                        Entity::Env,
                        &Place::env(&org.name, &name, &e.row.slug.as_str().into()),
                    );
                    envs.insert(&e.row.slug, Parent::Existing(e.row.clone()));
                    continue;
                }
                removed_envs.insert(e.row.id);
                let grants = c
                    .grants
                    .iter()
                    .filter(|g| g.environment_id == Some(e.row.id))
                    .count();
                let removes = counted(&[(e.resources.len(), "resource"), (grants, "grant")]);
                self.remove(
                    Entity::Env,
                    Event::EnvRemove,
                    Place::env(&org.name, &name, &e.row.slug.as_str().into()),
                    removes,
                    Work::EnvRemove {
                        org: org_row.clone(),
                        project: c.row.clone(),
                        before: e.row.clone(),
                    },
                );
            }
        }
        self.grants(org, &name, &project, d, cur, &envs, &removed_envs);
    }

    /// A project's grants. `envs`: the environments grants may name (the file's, and
    /// without `--prune` the database's).
    #[allow(clippy::too_many_arguments)]
    fn grants(
        &mut self,
        org: &InOrg,
        name: &Name,
        project: &Parent<ProjectRow>,
        d: &DProject,
        cur: Option<&CProject>,
        envs: &HashMap<&str, Parent<EnvRow>>,
        removed_envs: &HashSet<i64>,
    ) {
        let cur_grants: HashMap<(HolderName, Option<&str>), &GrantRow> = cur
            .map(|c| {
                c.grants
                    .iter()
                    .map(|g| ((holder_name(g), g.environment.as_deref()), g))
                    .collect()
            })
            .unwrap_or_default();
        let mut wanted = HashSet::new();
        for g in &d.grants {
            let (key, holder, event, place) = match &g.holder {
                DHolder::Member(email) => {
                    let Some(member) = org.known.members.get(email.as_str()) else {
                        self.problem(
                            g.holder_at,
                            format!(
                                "grant names `{email}`, who is not a member of `{}` in the file or the database",
                                org.name
                            ),
                            Some(self.missing_hint("[[org.member]]", "members")),
                        );
                        continue;
                    };
                    (
                        HolderName::Member(email.as_str()),
                        Grantee::Member(member.clone()),
                        Event::MemberGrant,
                        Place {
                            member: Some(email.clone()),
                            ..Place::project(&org.name, name)
                        },
                    )
                }
                DHolder::Team(slug) => {
                    let Some(team) = org.known.teams.get(slug.as_str()) else {
                        self.problem(
                            g.holder_at,
                            format!(
                                "grant names team `{slug}`, which `{}` has neither in the file nor in the database",
                                org.name
                            ),
                            Some(self.missing_hint("[[org.team]]", "teams")),
                        );
                        continue;
                    };
                    (
                        HolderName::Team(slug.as_str()),
                        Grantee::Team(team.clone()),
                        Event::TeamGrant,
                        Place {
                            team: Some(slug.clone()),
                            ..Place::project(&org.name, name)
                        },
                    )
                }
            };
            let env: Option<Parent<EnvRow>> = match &g.env {
                None => None,
                Some(e) => match envs.get(e.as_str()) {
                    Some(env) => Some(env.clone()),
                    None => {
                        self.problem(
                            g.env_at,
                            format!(
                                "grant names environment `{e}`, which project `{}/{}` has neither in the file nor in the database",
                                org.name, d.slug
                            ),
                            Some(self.missing_hint("[[org.project.env]]", "environments")),
                        );
                        continue;
                    }
                },
            };
            wanted.insert((key, g.env.as_deref()));
            let place = Place {
                environment: g.env.as_deref().map(Name::from),
                ..place
            };
            let before = cur_grants.get(&(key, g.env.as_deref())).copied();
            let work = Work::GrantSet {
                org: org.row.clone(),
                project: project.clone(),
                env,
                holder,
                role: g.role,
            };
            match before {
                None => self.push(Op::Create, Entity::Grant, event, place, work),
                Some(b) => {
                    let fields = if b.role == g.role {
                        Vec::new()
                    } else {
                        vec![FieldChange::word(
                            "role",
                            Some(b.role.as_str()),
                            g.role.as_str(),
                        )]
                    };
                    self.update(Entity::Grant, event, place, fields, work);
                }
            }
        }
        let (Some(cur), Parent::Existing(org_row)) = (cur, &org.row) else {
            return;
        };
        let listed_members: HashSet<&str> =
            org.d.members.iter().map(|m| m.email.as_str()).collect();
        let named_teams: HashSet<&str> = org.d.teams.iter().map(|t| t.slug.as_str()).collect();
        for g in &cur.grants {
            let key = holder_name(g);
            if wanted.contains(&(key, g.environment.as_deref())) {
                continue;
            }
            if !self.prune {
                let place = Place {
                    environment: g.environment.as_deref().map(Name::from),
                    member: g.email.clone(),
                    team: g.team.clone(),
                    ..Place::project(&org.name, name)
                };
                self.keep(Entity::Grant, &place);
                continue;
            }
            // Removed with their holder or environment, in that removal's event.
            let holder_goes = match key {
                HolderName::Member(email) => !listed_members.contains(email),
                HolderName::Team(slug) => !named_teams.contains(slug),
            };
            if holder_goes || g.environment_id.is_some_and(|e| removed_envs.contains(&e)) {
                continue;
            }
            let env = g.environment.as_deref().and_then(|e| match envs.get(e) {
                Some(Parent::Existing(row)) => Some(row.clone()),
                _ => None,
            });
            let event = match key {
                HolderName::Member(_) => Event::MemberRevoke,
                HolderName::Team(_) => Event::TeamRevoke,
            };
            self.remove(
                Entity::Grant,
                event,
                Place {
                    environment: g.environment.as_deref().map(Name::from),
                    member: g.email.clone(),
                    team: g.team.clone(),
                    ..Place::project(&org.name, name)
                },
                None,
                Work::GrantRemove {
                    org: org_row.clone(),
                    project: cur.row.clone(),
                    env,
                    before: Box::new(g.clone()),
                },
            );
        }
    }

    /// How to fix a reference to something neither the file nor the database has.
    fn missing_hint(&self, table: &str, what: &str) -> String {
        if self.prune {
            format!("add it as an `{table}` (with --prune, {what} the file leaves out are removed)")
        } else {
            format!("add it as an `{table}`")
        }
    }

    /// A team and who joins it; returns how later changes find it.
    fn team(
        &mut self,
        d: &DOrg,
        name: &Name,
        org: &Parent<OrgRow>,
        known: &Known,
        t: &DTeam,
        cur: Option<&CTeam>,
    ) -> Parent<TeamRow> {
        let place = Place {
            team: Some(t.slug.clone()),
            ..Place::org(name)
        };
        let team = match (cur, org) {
            (None, _) => {
                let slot = next(&mut self.plan.creates.teams);
                self.push(
                    Op::Create,
                    Entity::Team,
                    Event::TeamAdd,
                    place,
                    Work::TeamAdd {
                        slot,
                        org: org.clone(),
                        slug: t.slug.clone(),
                        display_name: t.display_name.clone(),
                        description: t.description.clone(),
                    },
                );
                Parent::New(slot)
            }
            (Some(c), Parent::Existing(org_row)) => {
                let before = &c.row;
                let mut fields = Vec::new();
                if before.display_name != t.display_name {
                    fields.push(FieldChange::text(
                        "display_name",
                        &before.display_name,
                        &t.display_name,
                    ));
                }
                if before.description != t.description {
                    fields.push(FieldChange::text(
                        "description",
                        &before.description,
                        &t.description,
                    ));
                }
                let mut after = Box::new((**before).clone());
                after.display_name = t.display_name.clone();
                after.description = t.description.clone();
                self.update(
                    Entity::Team,
                    Event::TeamUpdate,
                    place,
                    fields,
                    Work::TeamUpdate {
                        org: org_row.clone(),
                        before: before.clone(),
                        after,
                    },
                );
                Parent::Existing(c.row.clone())
            }
            (Some(_), Parent::New(_)) => unreachable!("a team in the database has its org"),
        };
        let already: HashSet<&str> = cur
            .map(|c| c.members.iter().map(|m| m.email.as_str()).collect())
            .unwrap_or_default();
        for (email, at) in &t.members {
            let Some(member) = known.members.get(email.as_str()) else {
                self.problem(
                    *at,
                    format!(
                        "team `{}` lists `{email}`, who is not a member of `{}` in the file or the database",
                        t.slug, d.slug
                    ),
                    Some(self.missing_hint("[[org.member]]", "members")),
                );
                continue;
            };
            if already.contains(email.as_str()) {
                continue;
            }
            self.push(
                Op::Create,
                Entity::TeamMember,
                Event::TeamJoin,
                Place {
                    team: Some(t.slug.clone()),
                    ..Place::member(name, email)
                },
                Work::TeamJoin {
                    org: org.clone(),
                    team: team.clone(),
                    member: member.clone(),
                },
            );
        }
        team
    }

    /// An environment and its resources; returns how later changes find it.
    fn env(
        &mut self,
        org: &InOrg,
        p: &Name,
        project: &Parent<ProjectRow>,
        d: &DEnv,
        cur: Option<&CEnv>,
    ) -> Parent<EnvRow> {
        let name: Name = d.slug.as_str().into();
        let place = Place::env(&org.name, p, &name);
        let env: Parent<EnvRow> = match (cur, &org.row, project) {
            (None, _, _) => {
                let slot = next(&mut self.plan.creates.envs);
                self.push(
                    Op::Create,
                    Entity::Env,
                    Event::EnvAdd,
                    place,
                    Work::EnvAdd {
                        slot,
                        org: org.row.clone(),
                        project: project.clone(),
                        slug: d.slug.clone(),
                        display_name: d.display_name.clone(),
                        kind: d.kind,
                        description: d.description.clone(),
                        protected: d.protected,
                        archived: d.archived,
                    },
                );
                Parent::New(slot)
            }
            (Some(c), Parent::Existing(org_row), Parent::Existing(project_row)) => {
                self.env_updates(org_row, project_row, &place, d, &c.row);
                Parent::Existing(c.row.clone())
            }
            _ => unreachable!("an environment in the database has its project and org"),
        };
        let cur_resources: HashMap<&str, &ResourceRow> = cur
            .map(|c| c.resources.iter().map(|r| (r.slug.as_str(), r)).collect())
            .unwrap_or_default();
        for r in &d.resources {
            let place = Place {
                resource: Some(r.slug.clone()),
                ..Place::env(&org.name, p, &name)
            };
            match (cur_resources.get(r.slug.as_str()), &org.row, project, &env) {
                (None, _, _, _) => self.push(
                    Op::Create,
                    Entity::Resource,
                    Event::ResourceAdd,
                    place,
                    Work::ResourceAdd {
                        org: org.row.clone(),
                        project: project.clone(),
                        env: env.clone(),
                        slug: r.slug.clone(),
                        kind: r.kind,
                        description: r.description.clone(),
                    },
                ),
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
                    let mut after = Box::new((*before).clone());
                    after.kind = r.kind;
                    after.description = r.description.clone();
                    self.update(
                        Entity::Resource,
                        Event::ResourceUpdate,
                        place,
                        fields,
                        Work::ResourceUpdate {
                            org: org_row.clone(),
                            project: project_row.clone(),
                            env: env_row.clone(),
                            before: Box::new((*before).clone()),
                            after,
                        },
                    );
                }
                _ => unreachable!("a resource in the database has its environment"),
            }
        }
        let (Some(cur), Parent::Existing(org_row), Parent::Existing(project_row)) =
            (cur, &org.row, project)
        else {
            return env;
        };
        let named: HashSet<&str> = d.resources.iter().map(|r| r.slug.as_str()).collect();
        for r in cur
            .resources
            .iter()
            .filter(|r| !named.contains(r.slug.as_str()))
        {
            if !self.prune {
                let place = Place {
                    resource: Some(r.slug.clone()),
                    ..Place::env(&org.name, p, &name)
                };
                self.keep(Entity::Resource, &place);
                continue;
            }
            self.remove(
                Entity::Resource,
                Event::ResourceRemove,
                Place {
                    resource: Some(r.slug.clone()),
                    ..Place::env(&org.name, p, &name)
                },
                None,
                Work::ResourceRemove {
                    org: org_row.clone(),
                    project: project_row.clone(),
                    env: cur.row.clone(),
                    before: Box::new(r.clone()),
                },
            );
        }
        env
    }

    /// The changes to an environment that exists: one per event, each after the one before.
    fn env_updates(
        &mut self,
        org: &Rc<OrgRow>,
        project: &Rc<ProjectRow>,
        place: &Place,
        d: &DEnv,
        row: &EnvRow,
    ) {
        let mut before = row.clone();
        let mut after = before.clone();
        let step = |planner: &mut Planner,
                    event,
                    fields: Vec<FieldChange>,
                    before: &mut EnvRow,
                    after: &EnvRow| {
            if fields.is_empty() {
                return;
            }
            planner.update(
                Entity::Env,
                event,
                place.clone(),
                fields,
                Work::EnvUpdate {
                    org: org.clone(),
                    project: project.clone(),
                    before: Box::new(before.clone()),
                    after: Box::new(after.clone()),
                },
            );
            *before = after.clone();
        };
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
        step(self, Event::EnvUpdate, fields, &mut before, &after);
        if before.protected != d.protected {
            let was = before.protected;
            after.protected = d.protected;
            let event = if d.protected {
                Event::EnvProtect
            } else {
                Event::EnvUnprotect
            };
            let f = FieldChange::flag("protected", Some(before.protected), d.protected);
            step(self, event, vec![f], &mut before, &after);
            // Left out, protection is the kind's default: said, with how to keep it.
            if !d.protected_stated
                && let Some(change) = self.plan.changes.last_mut()
            {
                change.removes = Some(format!(
                    "the default of kind {}; write `protected = {was}` to keep it",
                    d.kind
                ));
            }
        }
        if before.archived_at.is_some() != d.archived {
            after.archived_at = d.archived.then(crate::store::now);
            let event = if d.archived {
                Event::EnvArchive
            } else {
                Event::EnvUnarchive
            };
            let f = FieldChange::flag("archived", Some(!d.archived), d.archived);
            step(self, event, vec![f], &mut before, &after);
        }
    }
}

/// A grant's holder by the name the file gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum HolderName<'a> {
    Member(&'a str),
    Team(&'a str),
}

fn holder_name(g: &GrantRow) -> HolderName<'_> {
    match (&g.email, &g.team) {
        (None, Some(team)) => HolderName::Team(team),
        (email, _) => HolderName::Member(email.as_deref().unwrap_or("")),
    }
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
