//! `proj doctor`: the file's health, and the rules for laying out projects, environments and
//! teams (when to split or merge a project, what an environment or team lacks) as advice.
//!
//! The health checks come from the store ([`crate::store::Store::health`]); a failed one makes
//! the command exit non-zero, advice never does. The rules are pure functions over
//! [`OrgFacts`], so they can be tested without a database.

use crate::access::{self, Actor, Target};
use crate::context::visible_projects;
use crate::error::Result;
use crate::model::{EnvKind, ProjectRole, slash};
use crate::store::Db;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// More non-archived environments than this in one project is "too many too early".
pub const MAX_ENVIRONMENTS: usize = 4;

/// At most this many names in one advice line; the rest are counted (`and 1995 more`).
pub const MAX_LISTED: usize = 5;

fn listed<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    crate::output::capped_list(items, MAX_LISTED, sep)
}

pub use crate::store::{Check, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Info,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// A stable rule id (`no-production`, …).
    pub id: &'static str,
    pub severity: Severity,
    /// `org` or `org/project`.
    pub target: String,
    /// One line: what was found and why it matters.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub db: String,
    /// False when any check failed; the command then exits 1.
    pub healthy: bool,
    pub checks: Vec<Check>,
    pub advice: Vec<Advice>,
}

/// What the rules look at in one organization.
#[derive(Debug, Clone, Default)]
pub struct OrgFacts {
    pub slug: String,
    /// Without members there are no access boundaries to compare.
    pub has_members: bool,
    pub projects: Vec<ProjectFacts>,
    pub teams: Vec<TeamFacts>,
}

/// One team: how many members it has and the projects it holds grants on.
#[derive(Debug, Clone, Default)]
pub struct TeamFacts {
    pub slug: String,
    pub members: usize,
    /// Slugs of the (visible) projects it holds a grant on, alphabetical.
    pub projects: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFacts {
    pub slug: String,
    /// Non-archived environments, in release-flow order.
    pub envs: Vec<EnvFacts>,
    pub grants: Vec<GrantFact>,
    /// Each member's teams, as holders are named (`team backend`): a member's role is also
    /// what their teams give.
    pub member_teams: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Debug, Clone)]
pub struct EnvFacts {
    pub id: i64,
    pub slug: String,
    pub kind: EnvKind,
    pub resources: i64,
}

#[derive(Debug, Clone)]
pub struct GrantFact {
    /// Who holds it: a member's email, or `team SLUG`.
    pub holder: String,
    /// `None`: the whole project.
    pub env_id: Option<i64>,
    pub role: ProjectRole,
}

/// Who holds which role where: holder (member or team) → role, for one environment.
type AccessMap = BTreeMap<String, ProjectRole>;

impl ProjectFacts {
    /// The role each holder (a member or a team) gives in `env`, by the access module's
    /// per-holder rule; a member's is the strongest of their own and their teams', as
    /// `access check` decides it.
    fn access_in(&self, env: Option<i64>) -> AccessMap {
        let holders: BTreeSet<&String> = self.grants.iter().map(|g| &g.holder).collect();
        let gives = |holder: &str| {
            let theirs = self
                .grants
                .iter()
                .filter(|g| g.holder == holder)
                .map(|g| (g.env_id, g.role));
            access::role_on(theirs, env).effective()
        };
        holders
            .into_iter()
            .filter_map(|holder| {
                let teams = self.member_teams.get(holder).into_iter().flatten();
                // Roles are declared strongest first.
                let role = std::iter::once(gives(holder))
                    .chain(teams.map(|t| gives(t)))
                    .flatten()
                    .min()?;
                Some((holder.clone(), role))
            })
            .collect()
    }
}

/// Every rule over every organization, warnings first.
pub fn advise(orgs: &[OrgFacts]) -> Vec<Advice> {
    let mut out = Vec::new();
    for org in orgs {
        for p in &org.projects {
            let target = slash(&[&org.slug, &p.slug]);
            out.extend(diverging_access(&target, p));
            out.extend(too_many_environments(&target, p));
            out.extend(no_production(&target, p));
        }
        out.extend(maybe_one_product(org));
        out.extend(team_spans_every_project(org));
        out.extend(teams_without_members(org));
    }
    out.sort_by(|a, b| (a.severity, &a.target).cmp(&(b.severity, &b.target)));
    out
}

/// Rule (a): environments of one project reach different people, or give them different
/// roles. The seed: "Teams need different access … boundaries" → a project of their own.
pub fn diverging_access(target: &str, p: &ProjectFacts) -> Option<Advice> {
    if p.envs.len() < 2 {
        return None;
    }
    let maps: Vec<AccessMap> = p.envs.iter().map(|e| p.access_in(Some(e.id))).collect();
    let people: BTreeSet<&String> = maps.iter().flat_map(|m| m.keys()).collect();
    let mut differing = Vec::new();
    let mut people_differ = false;
    for email in people {
        let roles: Vec<Option<ProjectRole>> = maps.iter().map(|m| m.get(email).copied()).collect();
        if roles.iter().all(|r| *r == roles[0]) {
            continue;
        }
        people_differ |= roles.iter().any(Option::is_none);
        let per_env: Vec<String> = p
            .envs
            .iter()
            .zip(&roles)
            .map(|(e, r)| format!("{} {}", r.map_or("none", |r| r.as_str()), e.slug))
            .collect();
        differing.push(format!("{email}: {}", per_env.join(", ")));
    }
    if differing.is_empty() {
        return None;
    }
    let (severity, what) = if people_differ {
        (Severity::Warning, "different people")
    } else {
        (Severity::Info, "different roles")
    };
    Some(Advice {
        id: "split-access-boundaries",
        severity,
        target: target.to_string(),
        reason: format!(
            "its environments give {what} access ({}); access boundaries diverge, consider splitting it into projects",
            listed(&differing, "; ")
        ),
    })
}

/// Rule (b): more environments than a young project needs, or custom ones left empty.
pub fn too_many_environments(target: &str, p: &ProjectFacts) -> Vec<Advice> {
    const WHY: &str =
        "too many environments inside one project too early can be slower than it sounds";
    let mut out = Vec::new();
    if p.envs.len() > MAX_ENVIRONMENTS {
        out.push(Advice {
            id: "too-many-environments",
            severity: Severity::Warning,
            target: target.to_string(),
            reason: format!(
                "{} environments (more than {MAX_ENVIRONMENTS}); {WHY}; archive the ones not in use",
                p.envs.len()
            ),
        });
    }
    let empty: Vec<&str> = p
        .envs
        .iter()
        .filter(|e| e.kind == EnvKind::Custom && e.resources == 0)
        .map(|e| e.slug.as_str())
        .collect();
    if !empty.is_empty() {
        out.push(Advice {
            id: "empty-custom-environments",
            severity: Severity::Warning,
            target: target.to_string(),
            reason: format!(
                "custom environment(s) without resources: {}; {WHY}; add them when the release flow needs them",
                listed(&empty, ", ")
            ),
        });
    }
    out
}

/// Rule (c): nowhere to release to. Day 1 a project starts with production.
pub fn no_production(target: &str, p: &ProjectFacts) -> Option<Advice> {
    if p.envs.iter().any(|e| e.kind == EnvKind::Production) {
        return None;
    }
    Some(Advice {
        id: "no-production",
        severity: Severity::Warning,
        target: target.to_string(),
        reason: "no production environment; a project starts with one on day 1: `proj env add production`".to_string(),
    })
}

/// Rule (d): several projects with the same people in the same roles and no diverging
/// boundaries inside them. The seed: "start with one project unless" access, credentials
/// or release ownership diverge. Information only: separate products are a good reason too.
pub fn maybe_one_product(org: &OrgFacts) -> Option<Advice> {
    if !org.has_members || org.projects.len() < 2 {
        return None;
    }
    let mut groups: BTreeMap<Vec<(String, ProjectRole)>, Vec<&str>> = BTreeMap::new();
    for p in &org.projects {
        if diverging_access("", p).is_some() {
            continue;
        }
        let map = match p.envs.first() {
            Some(e) => p.access_in(Some(e.id)),
            None => p.access_in(None),
        };
        groups
            .entry(map.into_iter().collect())
            .or_default()
            .push(&p.slug);
    }
    let shared: Vec<String> = groups
        .into_iter()
        .filter(|(_, ps)| ps.len() > 1)
        .map(|(sig, ps)| {
            let who = if sig.is_empty() {
                "only organization owners and admins".to_string()
            } else {
                sig.iter()
                    .map(|(e, r)| format!("{e} {r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{} ({who})", listed(&ps, ", "))
        })
        .collect();
    if shared.is_empty() {
        return None;
    }
    Some(Advice {
        id: "maybe-one-product",
        severity: Severity::Info,
        target: org.slug.clone(),
        reason: format!(
            "projects share the same people and roles: {}; if they are not separate products or clients, they may be one project",
            listed(&shared, "; ")
        ),
    })
}

/// Rule (e): one team holds grants on every project of an organization with several. The
/// seed splits projects when "different teams need separate access boundaries"; when one
/// team reaches all of them, the split is not along team lines: they are separate products
/// or clients (fine), or one product family split early. Information only.
pub fn team_spans_every_project(org: &OrgFacts) -> Vec<Advice> {
    if org.projects.len() < 2 {
        return Vec::new();
    }
    let all: BTreeSet<&str> = org.projects.iter().map(|p| p.slug.as_str()).collect();
    org.teams
        .iter()
        .filter(|t| all.iter().all(|p| t.projects.contains(*p)))
        .map(|t| Advice {
            id: "team-spans-every-project",
            severity: Severity::Info,
            target: org.slug.clone(),
            reason: format!(
                "team {} holds grants on every project ({}); projects split where teams need different access, so if they are one product family that shares ownership they may be one project, and if they are separate products or clients, check that one team should reach them all",
                t.slug,
                listed(&all.iter().copied().collect::<Vec<_>>(), ", ")
            ),
        })
        .collect()
}

/// Rule (f): a team that holds grants but has no members gives nobody access; the
/// boundary it draws exists only on paper.
pub fn teams_without_members(org: &OrgFacts) -> Vec<Advice> {
    org.teams
        .iter()
        .filter(|t| t.members == 0 && !t.projects.is_empty())
        .map(|t| Advice {
            id: "team-without-members",
            severity: Severity::Warning,
            target: org.slug.clone(),
            reason: format!(
                "team {} holds grants on {} but has no members, so its grants give nobody access; add members with `proj team join {} EMAIL` or remove it",
                t.slug,
                listed(&t.projects.iter().collect::<Vec<_>>(), ", "),
                t.slug
            ),
        })
        .collect()
}

/// The facts of every organization and project the actor can see.
pub fn gather(db: &Db, actor: &Actor) -> Result<Vec<OrgFacts>> {
    let mut out = Vec::new();
    for org in db.orgs()? {
        if !access::can_see(db, actor, &Target::org(&org))? {
            continue;
        }
        let team_slugs: BTreeMap<i64, String> = db
            .teams(org.id)?
            .into_iter()
            .map(|t| (t.id, t.slug))
            .collect();
        let mut member_teams: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (team_id, m) in db.team_members_in_org(org.id)? {
            if let Some(slug) = team_slugs.get(&team_id) {
                member_teams
                    .entry(m.email)
                    .or_default()
                    .insert(format!("team {slug}"));
            }
        }
        let mut projects = Vec::new();
        for p in visible_projects(db, actor, &org)? {
            let mut envs = Vec::new();
            for e in db.envs(p.id, false)? {
                envs.push(EnvFacts {
                    id: e.id,
                    slug: e.slug.clone(),
                    kind: e.kind,
                    resources: db.resource_count(e.id)?,
                });
            }
            let grants = db
                .project_grants(p.id)?
                .into_iter()
                .map(|g| GrantFact {
                    holder: g.holder_name(),
                    env_id: g.environment_id,
                    role: g.role,
                })
                .collect();
            projects.push(ProjectFacts {
                slug: p.slug,
                envs,
                grants,
                member_teams: member_teams.clone(),
            });
        }
        let visible: BTreeSet<&str> = projects.iter().map(|p| p.slug.as_str()).collect();
        let mut teams = Vec::new();
        for t in db.teams(org.id)? {
            let granted = db
                .holder_grants(crate::store::Holder::Team(t.id))?
                .into_iter()
                .map(|g| g.project)
                .filter(|p| visible.contains(p.as_str()))
                .collect();
            teams.push(TeamFacts {
                slug: t.slug,
                members: db.team_members(t.id)?.len(),
                projects: granted,
            });
        }
        out.push(OrgFacts {
            slug: org.slug.clone(),
            has_members: db.has_members(Some(org.id))?,
            projects,
            teams,
        });
    }
    Ok(out)
}

impl Report {
    pub fn new(db: &str, checks: Vec<Check>, advice: Vec<Advice>) -> Report {
        Report {
            db: db.to_string(),
            healthy: checks.iter().all(|c| c.status != Status::Fail),
            checks,
            advice,
        }
    }

    /// For people: the checks, then the advice with its reasoning under it.
    pub fn human(&self) -> String {
        let mut s = format!("file {}\n", self.db);
        let w = self.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for c in &self.checks {
            s.push_str(&format!(
                "  {:<4}  {:<w$}  {}\n",
                c.status.as_str(),
                c.id,
                c.detail
            ));
        }
        s.push_str("\nadvice\n");
        if self.advice.is_empty() {
            s.push_str("  none: the layout follows the decision rules\n");
        }
        for a in &self.advice {
            s.push_str(&format!(
                "  {:<7}  {}  {}\n           {}\n",
                a.severity.as_str(),
                a.id,
                a.target,
                a.reason
            ));
        }
        s
    }

    /// Tab-separated, one record a line: `check ID STATUS DETAIL` and
    /// `advice ID SEVERITY TARGET REASON`. A tab or line break inside a field becomes a space.
    pub fn plain(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            s.push_str(&format!(
                "check\t{}\t{}\t{}\n",
                c.id,
                c.status.as_str(),
                field(&c.detail)
            ));
        }
        for a in &self.advice {
            s.push_str(&format!(
                "advice\t{}\t{}\t{}\t{}\n",
                a.id,
                a.severity.as_str(),
                field(&a.target),
                field(&a.reason)
            ));
        }
        s
    }
}

/// A plain-output field: control characters (tabs, line breaks) become spaces.
fn field(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(id: i64, slug: &str, kind: EnvKind, resources: i64) -> EnvFacts {
        EnvFacts {
            id,
            slug: slug.into(),
            kind,
            resources,
        }
    }

    fn grant(email: &str, env_id: Option<i64>, role: ProjectRole) -> GrantFact {
        GrantFact {
            holder: email.into(),
            env_id,
            role,
        }
    }

    fn shop(grants: Vec<GrantFact>) -> ProjectFacts {
        ProjectFacts {
            slug: "shop".into(),
            envs: vec![
                env(1, "staging", EnvKind::Staging, 1),
                env(2, "production", EnvKind::Production, 1),
            ],
            grants,
            member_teams: BTreeMap::new(),
        }
    }

    #[test]
    fn a_member_holds_what_their_teams_give() {
        let mut p = shop(vec![
            grant("bo@x.dev", Some(1), ProjectRole::Developer),
            grant("team backend", None, ProjectRole::Viewer),
        ]);
        p.member_teams
            .insert("bo@x.dev".into(), ["team backend".to_string()].into());
        let a = diverging_access("acme/shop", &p).unwrap();
        assert!(
            a.reason
                .contains("bo@x.dev: developer staging, viewer production"),
            "{}",
            a.reason
        );
        assert!(!a.reason.contains("none"), "{}", a.reason);
    }

    #[test]
    fn one_advice_line_names_a_few_and_counts_the_rest() {
        let mut p = shop(Vec::new());
        p.envs = (0..2000)
            .map(|i| env(i, &format!("qa-{i}"), EnvKind::Custom, 0))
            .collect();
        let a = too_many_environments("acme/shop", &p);
        let empty = a
            .iter()
            .find(|a| a.id == "empty-custom-environments")
            .unwrap();
        assert!(
            empty
                .reason
                .contains("qa-0, qa-1, qa-2, qa-3, qa-4 and 1995 more"),
            "{}",
            empty.reason
        );
        assert!(empty.reason.len() < 300, "{}", empty.reason);
    }

    #[test]
    fn same_access_everywhere_does_not_diverge() {
        let p = shop(vec![grant("bo@x.dev", None, ProjectRole::Developer)]);
        assert_eq!(diverging_access("acme/shop", &p), None);
    }

    #[test]
    fn a_person_on_one_environment_only_is_a_warning() {
        let p = shop(vec![grant("cy@x.dev", Some(1), ProjectRole::Developer)]);
        let a = diverging_access("acme/shop", &p).unwrap();
        assert_eq!(a.severity, Severity::Warning);
        assert!(
            a.reason.contains("developer staging, none production"),
            "{}",
            a.reason
        );
    }

    #[test]
    fn a_different_role_on_one_environment_is_information() {
        let p = shop(vec![
            grant("bo@x.dev", None, ProjectRole::Developer),
            grant("bo@x.dev", Some(2), ProjectRole::Viewer),
        ]);
        let a = diverging_access("acme/shop", &p).unwrap();
        assert_eq!(a.severity, Severity::Info);
    }

    #[test]
    fn environment_counts_and_empty_custom_ones() {
        let mut p = shop(vec![]);
        assert!(too_many_environments("t", &p).is_empty());
        p.envs.push(env(3, "demo", EnvKind::Custom, 0));
        let ids: Vec<_> = too_many_environments("t", &p)
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, ["empty-custom-environments"]);
        p.envs[2].resources = 2;
        p.envs.push(env(4, "dev", EnvKind::Development, 0));
        p.envs.push(env(5, "qa", EnvKind::Custom, 1));
        let ids: Vec<_> = too_many_environments("t", &p)
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, ["too-many-environments"]);
    }

    #[test]
    fn a_team_on_every_project_and_a_team_without_members() {
        let mut blog = shop(vec![]);
        blog.slug = "blog".into();
        let team = |slug: &str, members: usize, projects: &[&str]| TeamFacts {
            slug: slug.into(),
            members,
            projects: projects.iter().map(|p| p.to_string()).collect(),
        };
        let mut org = OrgFacts {
            slug: "acme".into(),
            has_members: true,
            projects: vec![shop(vec![]), blog],
            teams: vec![team("backend", 2, &["shop"]), team("ops", 0, &[])],
        };
        assert!(team_spans_every_project(&org).is_empty());
        assert!(teams_without_members(&org).is_empty());
        org.teams[0].projects.insert("blog".into());
        org.teams[1].projects.insert("shop".into());
        let a = team_spans_every_project(&org);
        assert_eq!(a.len(), 1);
        assert!(a[0].reason.contains("team backend"), "{}", a[0].reason);
        let a = teams_without_members(&org);
        assert_eq!((a.len(), a[0].severity), (1, Severity::Warning));
        // One project: nothing to span.
        org.projects.pop();
        assert!(team_spans_every_project(&org).is_empty());
    }

    #[test]
    fn a_team_counts_as_a_holder_of_its_own() {
        let p = shop(vec![
            grant("bo@x.dev", None, ProjectRole::Developer),
            grant("team backend", Some(1), ProjectRole::Developer),
        ]);
        let a = diverging_access("acme/shop", &p).unwrap();
        assert_eq!(a.severity, Severity::Warning);
        assert!(
            a.reason
                .contains("team backend: developer staging, none production"),
            "{}",
            a.reason
        );
    }

    #[test]
    fn projects_with_the_same_people_may_be_one_product() {
        let g = || vec![grant("bo@x.dev", None, ProjectRole::Developer)];
        let mut blog = shop(g());
        blog.slug = "blog".into();
        let mut org = OrgFacts {
            slug: "acme".into(),
            has_members: true,
            projects: vec![shop(g()), blog],
            teams: Vec::new(),
        };
        let a = maybe_one_product(&org).unwrap();
        assert_eq!((a.severity, a.target.as_str()), (Severity::Info, "acme"));
        org.projects[1].grants[0].role = ProjectRole::Admin;
        assert_eq!(maybe_one_product(&org), None);
        org.has_members = false;
        org.projects[1].grants[0].role = ProjectRole::Developer;
        assert_eq!(maybe_one_product(&org), None);
    }
}
