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
use super::desired::{
    At, DEnv, DGrant, DHolder, DMember, DOrg, DProject, DResource, DTeam, Desired,
};
use crate::access::Actor;
use crate::error::{Error, Result};
use crate::model::{EnvKind, OrgRole, ProjectRole, ResourceType, slash};
use crate::store::{
    Db, EnvRow, GrantRow, Holder, MemberRow, OrgRow, ProjectRow, ResourceRow, TeamMemberRow,
    TeamRow,
};
use crate::tx::Event;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
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
    /// [`FieldChange::text`] pushed onto `fields` when the text changes.
    fn text_if_changed(
        fields: &mut Vec<FieldChange>,
        field: &'static str,
        from: &Option<String>,
        to: &Option<String>,
    ) {
        if from != to {
            fields.push(FieldChange::text(field, from, to));
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
        /// The grant it replaces, when the holder has one there.
        before: Option<Box<GrantRow>>,
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
#[derive(Default)]
struct Known<'a> {
    members: HashMap<&'a str, Parent<MemberRow>>,
    teams: HashMap<&'a str, Parent<TeamRow>>,
}

/// The organization a change is in, as the planner passes it down.
struct InOrg<'a> {
    name: Name,
    row: Parent<OrgRow>,
    /// The emails of the members the file lists.
    listed: HashSet<&'a str>,
    /// The slugs of the teams the file lists.
    named_teams: HashSet<&'a str>,
    known: Known<'a>,
}

/// A change that makes a row the database has match the file; none when `fields` is empty.
struct Step {
    event: Event,
    fields: Vec<FieldChange>,
    work: Work,
    /// Why it happens when the file does not say it.
    why: Option<String>,
}

impl Step {
    fn new(event: Event, fields: Vec<FieldChange>, work: Work) -> Step {
        Step {
            event,
            fields,
            work,
            why: None,
        }
    }
}

/// The removal of a row the file leaves out (with `--prune`).
struct Removal {
    event: Event,
    /// What goes with it: `2 environments, 1 resource`.
    takes: Option<String>,
    work: Work,
}

/// One kind of thing a layout file lists (organizations; their members, teams and projects;
/// a project's environments and grants; …): how its entries are named, and the changes that
/// create, update and remove one. [`Planner::sync`] and [`Planner::prune`] walk every kind alike:
/// each entry of the file is matched by key with a row the database has, and what the
/// file leaves out is kept or removed.
///
/// A row the database has comes with the rows it is in (`In`), which the database has too;
/// an entry the file adds is made inside parents the plan may be creating (`Parent`).
trait Kind<'a> {
    const ENTITY: Entity;
    /// What the file says of one.
    type Desired: 'a;
    /// What the database has of one.
    type Current: 'a;
    /// The rows a current one is in.
    type In: Copy;
    /// What names one among the others in the same place.
    type Key: Hash + Eq + Copy;
    /// What an entry of the file refers to that must be there before it can be planned.
    type Needs;
    /// How later changes find it.
    type Made;

    fn key(d: &'a Self::Desired) -> Self::Key;
    fn current_key(c: &'a Self::Current) -> Self::Key;

    /// What `d` refers to; `None` (with a problem recorded) when it is not there.
    fn needs(&self, p: &mut Planner, d: &'a Self::Desired) -> Option<Self::Needs>;

    /// Where the one named `key` is, as its changes (or a kept line) name it.
    fn place(&self, key: Self::Key) -> Place;

    /// The change that creates it: its event and work, and how later changes find it.
    fn create(
        &self,
        slots: &mut Slots,
        d: &'a Self::Desired,
        needs: Self::Needs,
    ) -> (Event, Work, Self::Made);

    /// The changes that make the row `c` match `d`, in order.
    fn update(
        &self,
        at: Self::In,
        d: &'a Self::Desired,
        c: &'a Self::Current,
        needs: Self::Needs,
    ) -> Vec<Step>;

    /// How later changes find a row the database has.
    fn existing(&self, c: &'a Self::Current) -> Self::Made;

    /// What the file lists inside `d`, right after `d`'s own changes.
    fn inside(
        &self,
        _p: &mut Planner,
        _d: &'a Self::Desired,
        _made: &Self::Made,
        _cur: Option<(Self::In, &'a Self::Current)>,
    ) {
    }

    /// The removal of `c`; `None` when it goes with another removal of the plan.
    fn remove(&self, at: Self::In, c: &'a Self::Current) -> Option<Removal>;
}

impl Planner {
    fn push(&mut self, entity: Entity, event: Event, place: Place, work: Work) {
        self.plan.changes.push(Change {
            op: Op::Create,
            entity,
            event,
            place,
            fields: Vec::new(),
            removes: None,
            work,
        });
    }

    fn update(&mut self, entity: Entity, place: &Place, step: Step) {
        if step.fields.is_empty() {
            return;
        }
        self.plan.changes.push(Change {
            op: Op::Update,
            entity,
            event: step.event,
            place: place.clone(),
            fields: step.fields,
            removes: step.why,
            work: step.work,
        });
    }

    /// Something the file leaves out that stays (no `--prune`).
    fn keep(&mut self, entity: Entity, place: &Place) {
        self.plan
            .kept
            .push(format!("{} {}", entity.as_str(), target_of(entity, place)));
    }

    fn remove(&mut self, entity: Entity, place: Place, removal: Removal) {
        self.plan.changes.push(Change {
            op: Op::Remove,
            entity,
            event: removal.event,
            place,
            fields: Vec::new(),
            removes: removal.takes,
            work: removal.work,
        });
    }

    fn problem(&mut self, at: Option<usize>, message: String, hint: Option<String>) {
        self.problems.push(Problem { at, message, hint });
    }

    /// How to fix a reference to something neither the file nor the database has.
    fn missing_hint(&self, table: &str, what: &str) -> String {
        if self.prune {
            format!("add it as an `{table}` (with --prune, {what} the file leaves out are removed)")
        } else {
            format!("add it as an `{table}`")
        }
    }

    /// One entry of the file: its creation, or the changes that make the row `cur` match
    /// it; then what is inside it.
    fn one<'a, K: Kind<'a>>(
        &mut self,
        kind: &K,
        d: &'a K::Desired,
        needs: K::Needs,
        cur: Option<(K::In, &'a K::Current)>,
    ) -> K::Made {
        let place = kind.place(K::key(d));
        let made = match cur {
            None => {
                let (event, work, made) = kind.create(&mut self.plan.creates, d, needs);
                self.push(K::ENTITY, event, place, work);
                made
            }
            Some((at, c)) => {
                for step in kind.update(at, d, c, needs) {
                    self.update(K::ENTITY, &place, step);
                }
                kind.existing(c)
            }
        };
        kind.inside(self, d, &made, cur);
        made
    }

    /// The entries of the file, in its order, each matched with the row of `cur` that has
    /// its key; `made` learns how later changes find each one planned.
    fn sync<'a, K: Kind<'a>>(
        &mut self,
        kind: &K,
        desired: &'a [K::Desired],
        cur: Option<(K::In, &'a [K::Current])>,
        mut made: impl FnMut(&'a K::Desired, K::Made),
    ) {
        let current: HashMap<K::Key, &'a K::Current> = match cur {
            Some((_, rows)) => rows.iter().map(|c| (K::current_key(c), c)).collect(),
            None => HashMap::new(),
        };
        for d in desired {
            let Some(needs) = kind.needs(self, d) else {
                continue;
            };
            let c = cur.and_then(|(at, _)| current.get(&K::key(d)).map(|c| (at, *c)));
            let m = self.one(kind, d, needs, c);
            made(d, m);
        }
    }

    /// The rows of `current` (all in `at`) that the file leaves out, in their order: kept,
    /// or with `--prune` removed. Returns the ones removed.
    fn prune<'a, K: Kind<'a>>(
        &mut self,
        kind: &K,
        desired: &'a [K::Desired],
        at: K::In,
        current: &'a [K::Current],
    ) -> Vec<&'a K::Current> {
        let named: HashSet<K::Key> = desired.iter().map(K::key).collect();
        let mut removed = Vec::new();
        for c in current
            .iter()
            .filter(|c| !named.contains(&K::current_key(c)))
        {
            if !self.prune {
                self.keep(K::ENTITY, &kind.place(K::current_key(c)));
                continue;
            }
            if let Some(removal) = kind.remove(at, c) {
                self.remove(K::ENTITY, kind.place(K::current_key(c)), removal);
                removed.push(c);
            }
        }
        removed
    }

    fn org(&mut self, d: &DOrg, cur: Option<&COrg>) -> Result<()> {
        let name: Name = d.slug.as_str().into();
        let row = self.one(&Orgs { name: &name }, d, (), cur.map(|c| ((), c)));
        let mut org = InOrg {
            name,
            row,
            listed: d.members.iter().map(|m| m.email.as_str()).collect(),
            named_teams: d.teams.iter().map(|t| t.slug.as_str()).collect(),
            known: Known::default(),
        };
        if !self.prune
            && let Some(c) = cur
        {
            for m in &c.members {
                let known = Parent::Existing(Rc::new(m.clone()));
                org.known.members.insert(&m.email, known);
            }
            for t in &c.teams {
                let known = Parent::Existing(t.row.clone());
                org.known.teams.insert(&t.row.slug, known);
            }
        }
        let members = Members {
            name: &org.name,
            org: &org.row,
        };
        self.sync(
            &members,
            &d.members,
            cur.map(|c| (c, &c.members[..])),
            |m, made| {
                org.known.members.insert(&m.email, made);
            },
        );
        self.owner(d, cur)?;
        let teams = Teams {
            name: &org.name,
            slug: &d.slug,
            org: &org.row,
            members: &org.known.members,
            listed: &org.listed,
        };
        let mut made_teams = Vec::new();
        self.sync(
            &teams,
            &d.teams,
            cur.map(|c| (c, &c.teams[..])),
            |t, made| {
                made_teams.push((t.slug.as_str(), made));
            },
        );
        org.known.teams.extend(made_teams);
        let projects = Projects { org: &org };
        self.sync(
            &projects,
            &d.projects,
            cur.map(|c| (c, &c.projects[..])),
            |_, _| {},
        );
        let Some(cur) = cur else { return Ok(()) };
        // What the file leaves out: projects, then members (whose grants go with them).
        self.prune(&projects, &d.projects, cur, &cur.projects);
        // Members leave the teams the file keeps, unless they leave the organization.
        let cur_teams: HashMap<&str, &CTeam> =
            cur.teams.iter().map(|t| (t.row.slug.as_str(), t)).collect();
        for t in &d.teams {
            let Some(c) = cur_teams.get(t.slug.as_str()) else {
                continue;
            };
            let joins = teams.members_of(t, Parent::Existing(c.row.clone()));
            self.prune(&joins, &t.members, (&cur.row, &c.row), &c.members);
        }
        self.prune(&teams, &d.teams, cur, &cur.teams);
        self.prune(&members, &d.members, cur, &cur.members);
        Ok(())
    }

    /// Refuses to leave an organization with members but no owner.
    fn owner(&mut self, d: &DOrg, cur: Option<&COrg>) -> Result<()> {
        let cur_members: &[MemberRow] = cur.map_or(&[], |c| &c.members);
        // Who is left, and whether one of them owns the organization.
        let listed: HashSet<&str> = d.members.iter().map(|m| m.email.as_str()).collect();
        let mut roles: Vec<OrgRole> = d.members.iter().map(|m| m.role).collect();
        if !self.prune {
            roles.extend(
                cur_members
                    .iter()
                    .filter(|m| !listed.contains(m.email.as_str()))
                    .map(|m| m.role),
            );
        }
        let had_owner = cur_members.iter().any(|m| m.role == OrgRole::Owner);
        if roles.contains(&OrgRole::Owner) || (roles.is_empty() && !had_owner) {
            return Ok(());
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
        Ok(())
    }
}

/// The organizations the file names (never removed).
struct Orgs<'k> {
    name: &'k Name,
}

impl<'a> Kind<'a> for Orgs<'_> {
    const ENTITY: Entity = Entity::Org;
    type Desired = DOrg;
    type Current = COrg;
    type In = ();
    type Key = &'a str;
    type Needs = ();
    type Made = Parent<OrgRow>;

    fn key(d: &'a DOrg) -> &'a str {
        &d.slug
    }
    fn current_key(c: &'a COrg) -> &'a str {
        &c.row.slug
    }
    fn needs(&self, _: &mut Planner, _: &'a DOrg) -> Option<()> {
        Some(())
    }
    fn place(&self, _: &'a str) -> Place {
        Place::org(self.name)
    }
    fn create(&self, slots: &mut Slots, d: &'a DOrg, (): ()) -> (Event, Work, Parent<OrgRow>) {
        let slot = next(&mut slots.orgs);
        let work = Work::OrgAdd {
            slot,
            slug: d.slug.clone(),
            display_name: d.display_name.clone(),
        };
        (Event::OrgAdd, work, Parent::New(slot))
    }
    fn update(&self, (): (), d: &'a DOrg, c: &'a COrg, (): ()) -> Vec<Step> {
        if c.row.display_name == d.display_name {
            return Vec::new();
        }
        let mut after = Box::new((*c.row).clone());
        after.display_name = d.display_name.clone();
        let field = FieldChange::text("display_name", &c.row.display_name, &d.display_name);
        let work = Work::OrgUpdate {
            before: c.row.clone(),
            after,
        };
        vec![Step::new(Event::OrgUpdate, vec![field], work)]
    }
    fn existing(&self, c: &'a COrg) -> Parent<OrgRow> {
        Parent::Existing(c.row.clone())
    }
    /// An organization is never removed.
    fn remove(&self, (): (), _: &'a COrg) -> Option<Removal> {
        None
    }
}

/// An organization's members.
struct Members<'k> {
    name: &'k Name,
    org: &'k Parent<OrgRow>,
}

impl<'a> Kind<'a> for Members<'_> {
    const ENTITY: Entity = Entity::Member;
    type Desired = DMember;
    type Current = MemberRow;
    type In = &'a COrg;
    type Key = &'a str;
    type Needs = ();
    type Made = Parent<MemberRow>;

    fn key(d: &'a DMember) -> &'a str {
        &d.email
    }
    fn current_key(c: &'a MemberRow) -> &'a str {
        &c.email
    }
    fn needs(&self, _: &mut Planner, _: &'a DMember) -> Option<()> {
        Some(())
    }
    fn place(&self, email: &'a str) -> Place {
        Place::member(self.name, email)
    }
    fn create(&self, slots: &mut Slots, m: &'a DMember, (): ()) -> (Event, Work, Self::Made) {
        let slot = next(&mut slots.members);
        let work = Work::MemberAdd {
            slot,
            org: self.org.clone(),
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role,
            login: m.login.clone().filter(|l| !l.is_empty()),
        };
        (Event::MemberAdd, work, Parent::New(slot))
    }
    fn update(&self, org: &'a COrg, m: &'a DMember, before: &'a MemberRow, (): ()) -> Vec<Step> {
        let mut fields = Vec::new();
        if before.role != m.role {
            fields.push(FieldChange::word(
                "role",
                Some(before.role.as_str()),
                m.role.as_str(),
            ));
        }
        FieldChange::text_if_changed(&mut fields, "name", &before.name, &m.name);
        // A login is who acts as the member, not part of the layout: a file that leaves it
        // out keeps it; an empty one clears it.
        let login = match &m.login {
            None => before.login.clone(),
            Some(l) => Some(l.clone()).filter(|l| !l.is_empty()),
        };
        FieldChange::text_if_changed(&mut fields, "login", &before.login, &login);
        // Changing a role is `member.role`; a new name alone is `member.update`.
        let event = if before.role != m.role {
            Event::MemberRole
        } else {
            Event::MemberUpdate
        };
        let mut after = Box::new(before.clone());
        after.role = m.role;
        after.name = m.name.clone();
        after.login = login;
        let work = Work::MemberUpdate {
            org: org.row.clone(),
            before: Rc::new(before.clone()),
            after,
        };
        vec![Step::new(event, fields, work)]
    }
    fn existing(&self, c: &'a MemberRow) -> Self::Made {
        Parent::Existing(Rc::new(c.clone()))
    }
    fn remove(&self, org: &'a COrg, m: &'a MemberRow) -> Option<Removal> {
        let grants = org
            .projects
            .iter()
            .flat_map(|p| &p.grants)
            .filter(|g| g.holder == Holder::Member(m.id))
            .count();
        let teams = org
            .teams
            .iter()
            .filter(|t| t.members.iter().any(|tm| tm.member_id == m.id))
            .count();
        Some(Removal {
            event: Event::MemberRemove,
            takes: counted(&[(grants, "grant"), (teams, "team")]),
            work: Work::MemberRemove {
                org: org.row.clone(),
                before: Rc::new(m.clone()),
            },
        })
    }
}

/// An organization's teams, each with who is in it.
struct Teams<'k, 'a> {
    name: &'k Name,
    slug: &'k str,
    org: &'k Parent<OrgRow>,
    /// The members a team may list.
    members: &'k HashMap<&'a str, Parent<MemberRow>>,
    /// The members the file lists.
    listed: &'k HashSet<&'a str>,
}

impl<'k, 'a> Teams<'k, 'a> {
    fn members_of<'t>(&'t self, team: &'t DTeam, made: Parent<TeamRow>) -> TeamMembers<'t, 'a> {
        TeamMembers {
            teams: self,
            team,
            made,
        }
    }
}

impl<'a> Kind<'a> for Teams<'_, 'a> {
    const ENTITY: Entity = Entity::Team;
    type Desired = DTeam;
    type Current = CTeam;
    type In = &'a COrg;
    type Key = &'a str;
    type Needs = ();
    type Made = Parent<TeamRow>;

    fn key(d: &'a DTeam) -> &'a str {
        &d.slug
    }
    fn current_key(c: &'a CTeam) -> &'a str {
        &c.row.slug
    }
    fn needs(&self, _: &mut Planner, _: &'a DTeam) -> Option<()> {
        Some(())
    }
    fn place(&self, slug: &'a str) -> Place {
        Place {
            team: Some(slug.to_string()),
            ..Place::org(self.name)
        }
    }
    fn create(&self, slots: &mut Slots, t: &'a DTeam, (): ()) -> (Event, Work, Self::Made) {
        let slot = next(&mut slots.teams);
        let work = Work::TeamAdd {
            slot,
            org: self.org.clone(),
            slug: t.slug.clone(),
            display_name: t.display_name.clone(),
            description: t.description.clone(),
        };
        (Event::TeamAdd, work, Parent::New(slot))
    }
    fn update(&self, org: &'a COrg, t: &'a DTeam, c: &'a CTeam, (): ()) -> Vec<Step> {
        let before = &c.row;
        let mut fields = Vec::new();
        FieldChange::text_if_changed(
            &mut fields,
            "display_name",
            &before.display_name,
            &t.display_name,
        );
        FieldChange::text_if_changed(
            &mut fields,
            "description",
            &before.description,
            &t.description,
        );
        let mut after = Box::new((**before).clone());
        after.display_name = t.display_name.clone();
        after.description = t.description.clone();
        let work = Work::TeamUpdate {
            org: org.row.clone(),
            before: before.clone(),
            after,
        };
        vec![Step::new(Event::TeamUpdate, fields, work)]
    }
    fn existing(&self, c: &'a CTeam) -> Self::Made {
        Parent::Existing(c.row.clone())
    }
    fn inside(
        &self,
        p: &mut Planner,
        t: &'a DTeam,
        made: &Self::Made,
        cur: Option<(&'a COrg, &'a CTeam)>,
    ) {
        let joins = self.members_of(t, made.clone());
        let cur = cur.map(|(org, c)| ((&org.row, &c.row), &c.members[..]));
        p.sync(&joins, &t.members, cur, |_, ()| {});
    }
    fn remove(&self, org: &'a COrg, t: &'a CTeam) -> Option<Removal> {
        let grants: usize = org
            .projects
            .iter()
            .flat_map(|p| &p.grants)
            .filter(|g| g.holder == Holder::Team(t.row.id))
            .count();
        Some(Removal {
            event: Event::TeamRemove,
            takes: counted(&[(t.members.len(), "member"), (grants, "grant")]),
            work: Work::TeamRemove {
                org: org.row.clone(),
                before: t.row.clone(),
            },
        })
    }
}

/// Who is in one team, by email.
struct TeamMembers<'k, 'a> {
    teams: &'k Teams<'k, 'a>,
    team: &'k DTeam,
    /// How changes find the team.
    made: Parent<TeamRow>,
}

impl<'a> Kind<'a> for TeamMembers<'_, 'a> {
    const ENTITY: Entity = Entity::TeamMember;
    type Desired = (String, At);
    type Current = TeamMemberRow;
    type In = (&'a Rc<OrgRow>, &'a Rc<TeamRow>);
    type Key = &'a str;
    type Needs = Parent<MemberRow>;
    type Made = ();

    fn key((email, _): &'a (String, At)) -> &'a str {
        email
    }
    fn current_key(c: &'a TeamMemberRow) -> &'a str {
        &c.email
    }
    fn needs(&self, p: &mut Planner, (email, at): &'a (String, At)) -> Option<Parent<MemberRow>> {
        if let Some(member) = self.teams.members.get(email.as_str()) {
            return Some(member.clone());
        }
        p.problem(
            *at,
            format!(
                "team `{}` lists `{email}`, who is not a member of `{}` in the file or the database",
                self.team.slug, self.teams.slug
            ),
            Some(p.missing_hint("[[org.member]]", "members")),
        );
        None
    }
    fn place(&self, email: &'a str) -> Place {
        Place {
            team: Some(self.team.slug.clone()),
            ..Place::member(self.teams.name, email)
        }
    }
    fn create(
        &self,
        _: &mut Slots,
        _: &'a (String, At),
        member: Parent<MemberRow>,
    ) -> (Event, Work, ()) {
        let work = Work::TeamJoin {
            org: self.teams.org.clone(),
            team: self.made.clone(),
            member,
        };
        (Event::TeamJoin, work, ())
    }
    /// Already in the team: nothing to change.
    fn update(
        &self,
        _: Self::In,
        _: &'a (String, At),
        _: &'a TeamMemberRow,
        _: Parent<MemberRow>,
    ) -> Vec<Step> {
        Vec::new()
    }
    fn existing(&self, _: &'a TeamMemberRow) {}
    /// Leaving the organization takes a member out of its teams.
    fn remove(&self, (org, team): Self::In, m: &'a TeamMemberRow) -> Option<Removal> {
        if !self.teams.listed.contains(m.email.as_str()) {
            return None;
        }
        Some(Removal {
            event: Event::TeamLeave,
            takes: None,
            work: Work::TeamLeave {
                org: org.clone(),
                team: team.clone(),
                member_id: m.member_id,
                email: m.email.clone(),
            },
        })
    }
}

/// An organization's projects, each with its environments and grants.
struct Projects<'k, 'a> {
    org: &'k InOrg<'a>,
}

impl<'a> Kind<'a> for Projects<'_, 'a> {
    const ENTITY: Entity = Entity::Project;
    type Desired = DProject;
    type Current = CProject;
    type In = &'a COrg;
    type Key = &'a str;
    type Needs = ();
    type Made = Parent<ProjectRow>;

    fn key(d: &'a DProject) -> &'a str {
        &d.slug
    }
    fn current_key(c: &'a CProject) -> &'a str {
        &c.row.slug
    }
    fn needs(&self, _: &mut Planner, _: &'a DProject) -> Option<()> {
        Some(())
    }
    fn place(&self, slug: &'a str) -> Place {
        Place::project(&self.org.name, &slug.into())
    }
    fn create(&self, slots: &mut Slots, d: &'a DProject, (): ()) -> (Event, Work, Self::Made) {
        let slot = next(&mut slots.projects);
        let work = Work::ProjectAdd {
            slot,
            org: self.org.row.clone(),
            slug: d.slug.clone(),
            display_name: d.display_name.clone(),
            description: d.description.clone(),
        };
        (Event::ProjectAdd, work, Parent::New(slot))
    }
    fn update(&self, org: &'a COrg, d: &'a DProject, c: &'a CProject, (): ()) -> Vec<Step> {
        let before = &c.row;
        let mut fields = Vec::new();
        FieldChange::text_if_changed(
            &mut fields,
            "display_name",
            &before.display_name,
            &d.display_name,
        );
        FieldChange::text_if_changed(
            &mut fields,
            "description",
            &before.description,
            &d.description,
        );
        let mut after = Box::new((**before).clone());
        after.display_name = d.display_name.clone();
        after.description = d.description.clone();
        let work = Work::ProjectUpdate {
            org: org.row.clone(),
            before: before.clone(),
            after,
        };
        vec![Step::new(Event::ProjectUpdate, fields, work)]
    }
    fn existing(&self, c: &'a CProject) -> Self::Made {
        Parent::Existing(c.row.clone())
    }
    /// Its environments, the ones the file leaves out, then its grants: `envs` are the
    /// environments grants may name (the file's, and without `--prune` the database's).
    fn inside(
        &self,
        p: &mut Planner,
        d: &'a DProject,
        made: &Self::Made,
        cur: Option<(&'a COrg, &'a CProject)>,
    ) {
        let name: Name = d.slug.as_str().into();
        let cur = cur.map(|(org, c)| (&org.row, c));
        let mut envs: HashMap<&str, Parent<EnvRow>> = HashMap::new();
        if !p.prune
            && let Some((_, c)) = cur
        {
            for e in &c.envs {
                envs.insert(&e.row.slug, Parent::Existing(e.row.clone()));
            }
        }
        let kind = Envs {
            org: self.org,
            project_name: &name,
            project: made,
        };
        p.sync(
            &kind,
            &d.envs,
            cur.map(|at| (at, &at.1.envs[..])),
            |e, made| {
                envs.insert(&e.slug, made);
            },
        );
        let mut removed_envs = HashSet::new();
        if let Some(at) = cur {
            for e in p.prune(&kind, &d.envs, at, &at.1.envs) {
                removed_envs.insert(e.row.id);
            }
        }
        let grants = Grants {
            org: self.org,
            name: &name,
            project: made,
            envs: &envs,
            removed_envs: &removed_envs,
        };
        p.sync(
            &grants,
            &d.grants,
            cur.map(|at| (at, &at.1.grants[..])),
            |_, ()| {},
        );
        if let Some(at) = cur {
            p.prune(&grants, &d.grants, at, &at.1.grants);
        }
    }
    fn remove(&self, org: &'a COrg, p: &'a CProject) -> Option<Removal> {
        let resources: usize = p.envs.iter().map(|e| e.resources.len()).sum();
        Some(Removal {
            event: Event::ProjectRemove,
            takes: counted(&[
                (p.envs.len(), "environment"),
                (resources, "resource"),
                (p.grants.len(), "grant"),
            ]),
            work: Work::ProjectRemove {
                org: org.row.clone(),
                before: p.row.clone(),
            },
        })
    }
}

/// A project's environments, each with its resources.
struct Envs<'k, 'a> {
    org: &'k InOrg<'a>,
    project_name: &'k Name,
    project: &'k Parent<ProjectRow>,
}

impl<'a> Kind<'a> for Envs<'_, 'a> {
    const ENTITY: Entity = Entity::Env;
    type Desired = DEnv;
    type Current = CEnv;
    type In = (&'a Rc<OrgRow>, &'a CProject);
    type Key = &'a str;
    type Needs = ();
    type Made = Parent<EnvRow>;

    fn key(d: &'a DEnv) -> &'a str {
        &d.slug
    }
    fn current_key(c: &'a CEnv) -> &'a str {
        &c.row.slug
    }
    fn needs(&self, _: &mut Planner, _: &'a DEnv) -> Option<()> {
        Some(())
    }
    fn place(&self, slug: &'a str) -> Place {
        Place::env(&self.org.name, self.project_name, &slug.into())
    }
    fn create(&self, slots: &mut Slots, d: &'a DEnv, (): ()) -> (Event, Work, Self::Made) {
        let slot = next(&mut slots.envs);
        let work = Work::EnvAdd {
            slot,
            org: self.org.row.clone(),
            project: self.project.clone(),
            slug: d.slug.clone(),
            display_name: d.display_name.clone(),
            kind: d.kind,
            description: d.description.clone(),
            protected: d.protected,
            archived: d.archived,
        };
        (Event::EnvAdd, work, Parent::New(slot))
    }
    /// One change per event, each after the one before.
    fn update(&self, (org, project): Self::In, d: &'a DEnv, c: &'a CEnv, (): ()) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut before = (*c.row).clone();
        let mut after = before.clone();
        let mut step =
            |event, fields: Vec<FieldChange>, before: &mut EnvRow, after: &EnvRow, why| {
                if fields.is_empty() {
                    return;
                }
                let work = Work::EnvUpdate {
                    org: org.clone(),
                    project: project.row.clone(),
                    before: Box::new(before.clone()),
                    after: Box::new(after.clone()),
                };
                steps.push(Step {
                    why,
                    ..Step::new(event, fields, work)
                });
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
        step(Event::EnvUpdate, fields, &mut before, &after, None);
        if before.protected != d.protected {
            let was = before.protected;
            after.protected = d.protected;
            let event = if d.protected {
                Event::EnvProtect
            } else {
                Event::EnvUnprotect
            };
            let f = FieldChange::flag("protected", Some(before.protected), d.protected);
            // Left out, protection is the kind's default: said, with how to keep it.
            let why = (!d.protected_stated).then(|| {
                format!(
                    "the default of kind {}; write `protected = {was}` to keep it",
                    d.kind
                )
            });
            step(event, vec![f], &mut before, &after, why);
        }
        if before.archived_at.is_some() != d.archived {
            after.archived_at = d.archived.then(crate::store::now);
            let event = if d.archived {
                Event::EnvArchive
            } else {
                Event::EnvUnarchive
            };
            let f = FieldChange::flag("archived", Some(!d.archived), d.archived);
            step(event, vec![f], &mut before, &after, None);
        }
        steps
    }
    fn existing(&self, c: &'a CEnv) -> Self::Made {
        Parent::Existing(c.row.clone())
    }
    /// Its resources, then the ones the file leaves out.
    fn inside(
        &self,
        p: &mut Planner,
        d: &'a DEnv,
        made: &Self::Made,
        cur: Option<(Self::In, &'a CEnv)>,
    ) {
        let kind = Resources {
            envs: self,
            env_name: d.slug.as_str().into(),
            env: made,
        };
        let cur = cur.map(|((org, project), c)| ((org, &project.row, &c.row), &c.resources[..]));
        p.sync(&kind, &d.resources, cur, |_, ()| {});
        if let Some((at, resources)) = cur {
            p.prune(&kind, &d.resources, at, resources);
        }
    }
    fn remove(&self, (org, project): Self::In, e: &'a CEnv) -> Option<Removal> {
        let grants = project
            .grants
            .iter()
            .filter(|g| g.environment_id == Some(e.row.id))
            .count();
        Some(Removal {
            event: Event::EnvRemove,
            takes: counted(&[(e.resources.len(), "resource"), (grants, "grant")]),
            work: Work::EnvRemove {
                org: org.clone(),
                project: project.row.clone(),
                before: e.row.clone(),
            },
        })
    }
}

/// An environment's resources.
struct Resources<'k, 'a> {
    envs: &'k Envs<'k, 'a>,
    env_name: Name,
    env: &'k Parent<EnvRow>,
}

impl<'a> Kind<'a> for Resources<'_, 'a> {
    const ENTITY: Entity = Entity::Resource;
    type Desired = DResource;
    type Current = ResourceRow;
    type In = (&'a Rc<OrgRow>, &'a Rc<ProjectRow>, &'a Rc<EnvRow>);
    type Key = &'a str;
    type Needs = ();
    type Made = ();

    fn key(d: &'a DResource) -> &'a str {
        &d.slug
    }
    fn current_key(c: &'a ResourceRow) -> &'a str {
        &c.slug
    }
    fn needs(&self, _: &mut Planner, _: &'a DResource) -> Option<()> {
        Some(())
    }
    fn place(&self, slug: &'a str) -> Place {
        Place {
            resource: Some(slug.to_string()),
            ..Place::env(&self.envs.org.name, self.envs.project_name, &self.env_name)
        }
    }
    fn create(&self, _: &mut Slots, r: &'a DResource, (): ()) -> (Event, Work, ()) {
        let work = Work::ResourceAdd {
            org: self.envs.org.row.clone(),
            project: self.envs.project.clone(),
            env: self.env.clone(),
            slug: r.slug.clone(),
            kind: r.kind,
            description: r.description.clone(),
        };
        (Event::ResourceAdd, work, ())
    }
    fn update(
        &self,
        (org, project, env): Self::In,
        r: &'a DResource,
        before: &'a ResourceRow,
        (): (),
    ) -> Vec<Step> {
        let mut fields = Vec::new();
        if before.kind != r.kind {
            fields.push(FieldChange::word(
                "type",
                Some(before.kind.as_str()),
                r.kind.as_str(),
            ));
        }
        FieldChange::text_if_changed(
            &mut fields,
            "description",
            &before.description,
            &r.description,
        );
        if fields.is_empty() {
            return Vec::new();
        }
        let mut after = Box::new(before.clone());
        after.kind = r.kind;
        after.description = r.description.clone();
        let work = Work::ResourceUpdate {
            org: org.clone(),
            project: project.clone(),
            env: env.clone(),
            before: Box::new(before.clone()),
            after,
        };
        vec![Step::new(Event::ResourceUpdate, fields, work)]
    }
    fn existing(&self, _: &'a ResourceRow) {}
    fn remove(&self, (org, project, env): Self::In, r: &'a ResourceRow) -> Option<Removal> {
        Some(Removal {
            event: Event::ResourceRemove,
            takes: None,
            work: Work::ResourceRemove {
                org: org.clone(),
                project: project.clone(),
                env: env.clone(),
                before: Box::new(r.clone()),
            },
        })
    }
}

/// A project's grants, by holder and environment.
struct Grants<'k, 'a> {
    org: &'k InOrg<'a>,
    name: &'k Name,
    project: &'k Parent<ProjectRow>,
    /// The environments grants may name.
    envs: &'k HashMap<&'a str, Parent<EnvRow>>,
    /// The environments the plan removes, with their grants.
    removed_envs: &'k HashSet<i64>,
}

impl<'a> Kind<'a> for Grants<'_, 'a> {
    const ENTITY: Entity = Entity::Grant;
    type Desired = DGrant;
    type Current = GrantRow;
    type In = (&'a Rc<OrgRow>, &'a CProject);
    type Key = (HolderName<'a>, Option<&'a str>);
    /// The holder, the event that grants to it, and the environment.
    type Needs = (Grantee, Event, Option<Parent<EnvRow>>);
    type Made = ();

    fn key(g: &'a DGrant) -> Self::Key {
        let holder = match &g.holder {
            DHolder::Member(email) => HolderName::Member(email),
            DHolder::Team(slug) => HolderName::Team(slug),
        };
        (holder, g.env.as_deref())
    }
    fn current_key(g: &'a GrantRow) -> Self::Key {
        (holder_name(g), g.environment.as_deref())
    }
    fn needs(&self, p: &mut Planner, g: &'a DGrant) -> Option<Self::Needs> {
        let org = self.org;
        let (holder, event) = match &g.holder {
            DHolder::Member(email) => {
                let Some(member) = org.known.members.get(email.as_str()) else {
                    p.problem(
                        g.holder_at,
                        format!(
                            "grant names `{email}`, who is not a member of `{}` in the file or the database",
                            org.name
                        ),
                        Some(p.missing_hint("[[org.member]]", "members")),
                    );
                    return None;
                };
                (Grantee::Member(member.clone()), Event::MemberGrant)
            }
            DHolder::Team(slug) => {
                let Some(team) = org.known.teams.get(slug.as_str()) else {
                    p.problem(
                        g.holder_at,
                        format!(
                            "grant names team `{slug}`, which `{}` has neither in the file nor in the database",
                            org.name
                        ),
                        Some(p.missing_hint("[[org.team]]", "teams")),
                    );
                    return None;
                };
                (Grantee::Team(team.clone()), Event::TeamGrant)
            }
        };
        let env = match &g.env {
            None => None,
            Some(e) => match self.envs.get(e.as_str()) {
                Some(env) => Some(env.clone()),
                None => {
                    p.problem(
                        g.env_at,
                        format!(
                            "grant names environment `{e}`, which project `{}/{}` has neither in the file nor in the database",
                            org.name, self.name
                        ),
                        Some(p.missing_hint("[[org.project.env]]", "environments")),
                    );
                    return None;
                }
            },
        };
        Some((holder, event, env))
    }
    fn place(&self, (holder, env): Self::Key) -> Place {
        let (member, team) = match holder {
            HolderName::Member(email) => (Some(email.to_string()), None),
            HolderName::Team(slug) => (None, Some(slug.to_string())),
        };
        Place {
            environment: env.map(Name::from),
            member,
            team,
            ..Place::project(&self.org.name, self.name)
        }
    }
    fn create(
        &self,
        _: &mut Slots,
        g: &'a DGrant,
        (holder, event, env): Self::Needs,
    ) -> (Event, Work, ()) {
        let work = Work::GrantSet {
            org: self.org.row.clone(),
            project: self.project.clone(),
            env,
            holder,
            role: g.role,
            before: None,
        };
        (event, work, ())
    }
    fn update(
        &self,
        _: Self::In,
        g: &'a DGrant,
        before: &'a GrantRow,
        (holder, event, env): Self::Needs,
    ) -> Vec<Step> {
        if before.role == g.role {
            return Vec::new();
        }
        let field = FieldChange::word("role", Some(before.role.as_str()), g.role.as_str());
        let work = Work::GrantSet {
            org: self.org.row.clone(),
            project: self.project.clone(),
            env,
            holder,
            role: g.role,
            before: Some(Box::new(before.clone())),
        };
        vec![Step::new(event, vec![field], work)]
    }
    fn existing(&self, _: &'a GrantRow) {}
    /// Grants of a holder or an environment the plan removes go in that removal's event.
    fn remove(&self, (org, project): Self::In, g: &'a GrantRow) -> Option<Removal> {
        let holder = holder_name(g);
        let holder_goes = match holder {
            HolderName::Member(email) => !self.org.listed.contains(email),
            HolderName::Team(slug) => !self.org.named_teams.contains(slug),
        };
        if holder_goes
            || g.environment_id
                .is_some_and(|e| self.removed_envs.contains(&e))
        {
            return None;
        }
        let env = g
            .environment
            .as_deref()
            .and_then(|e| match self.envs.get(e) {
                Some(Parent::Existing(row)) => Some(row.clone()),
                _ => None,
            });
        let event = match holder {
            HolderName::Member(_) => Event::MemberRevoke,
            HolderName::Team(_) => Event::TeamRevoke,
        };
        Some(Removal {
            event,
            takes: None,
            work: Work::GrantRemove {
                org: org.clone(),
                project: project.row.clone(),
                env,
                before: Box::new(g.clone()),
            },
        })
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
