//! What the database holds of an organization, as the actor may see it, loaded in a few
//! queries (one per kind of row), and printed as a layout file (`proj export`).

use super::file::{self, Layout, Located};
use crate::access::{self, Actor, Target};
use crate::error::Result;
use crate::model::{EnvKind, default_display_name};
use crate::store::{
    Db, EnvRow, GrantRow, MemberRow, OrgRow, ProjectRow, ResourceRow, TeamMemberRow, TeamRow,
};
use std::collections::HashMap;
use std::rc::Rc;

/// One organization as the actor sees it: its members and teams, and the projects they may
/// see with everything in them.
#[derive(Debug, Clone)]
pub struct COrg {
    pub row: Rc<OrgRow>,
    /// By email.
    pub members: Vec<MemberRow>,
    /// By slug.
    pub teams: Vec<CTeam>,
    pub projects: Vec<CProject>,
}

#[derive(Debug, Clone)]
pub struct CTeam {
    pub row: Rc<TeamRow>,
    /// By email.
    pub members: Vec<TeamMemberRow>,
}

#[derive(Debug, Clone)]
pub struct CProject {
    pub row: Rc<ProjectRow>,
    /// Release-flow order, archived ones included.
    pub envs: Vec<CEnv>,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Clone)]
pub struct CEnv {
    pub row: Rc<EnvRow>,
    /// By slug.
    pub resources: Vec<ResourceRow>,
}

/// Loads an organization the actor can see, in seven queries however large it is.
pub fn load(db: &Db, actor: &Actor, org: OrgRow) -> Result<COrg> {
    let projects = access::visible_projects_of(db, actor, &org, db.projects(org.id)?)?;
    let mut resources: HashMap<i64, Vec<ResourceRow>> = HashMap::new();
    for r in db.resources_in_org(org.id)? {
        resources.entry(r.environment_id).or_default().push(r);
    }
    let mut envs: HashMap<i64, Vec<CEnv>> = HashMap::new();
    for e in db.envs_in_org(org.id, true)? {
        let env = CEnv {
            resources: resources.remove(&e.id).unwrap_or_default(),
            row: Rc::new(e),
        };
        envs.entry(env.row.project_id).or_default().push(env);
    }
    let mut grants: HashMap<i64, Vec<GrantRow>> = HashMap::new();
    for g in db.grants_in_org(org.id)? {
        grants.entry(g.project_id).or_default().push(g);
    }
    let projects = projects
        .into_iter()
        .map(|p| CProject {
            envs: envs.remove(&p.id).unwrap_or_default(),
            grants: grants.remove(&p.id).unwrap_or_default(),
            row: Rc::new(p),
        })
        .collect();
    let mut team_members: HashMap<i64, Vec<TeamMemberRow>> = HashMap::new();
    for (team, m) in db.team_members_in_org(org.id)? {
        team_members.entry(team).or_default().push(m);
    }
    let teams = db
        .teams(org.id)?
        .into_iter()
        .map(|t| CTeam {
            members: team_members.remove(&t.id).unwrap_or_default(),
            row: Rc::new(t),
        })
        .collect();
    Ok(COrg {
        members: db.members(org.id)?,
        teams,
        projects,
        row: Rc::new(org),
    })
}

/// The organizations `proj export` prints: every one the actor can see, or the one given.
pub fn visible_orgs(db: &Db, actor: &Actor) -> Result<Vec<OrgRow>> {
    let mut out = Vec::new();
    for org in db.orgs()? {
        if access::can_see(db, actor, &Target::org(&org))? {
            out.push(org);
        }
    }
    Ok(out)
}

/// The layout file of these organizations: stable order (organizations, members, teams,
/// projects, resources by name; environments in release-flow order, then by name; grants by
/// holder, members' before teams', project-wide first), no ids or timestamps, and keys left
/// out where they hold the default.
pub fn export(orgs: &[COrg]) -> Layout {
    Layout {
        org: orgs.iter().map(export_org).collect(),
    }
}

fn text(v: &Option<String>) -> Option<Located<String>> {
    v.clone().filter(|s| !s.is_empty()).map(Located::new)
}

fn export_org(o: &COrg) -> file::Org {
    file::Org {
        slug: o.row.slug.clone().into(),
        display_name: text(&o.row.display_name),
        member: o
            .members
            .iter()
            .map(|m| file::Member {
                email: m.email.clone().into(),
                name: text(&m.name),
                role: Some(m.role.as_str().to_string().into()),
                login: text(&m.login),
            })
            .collect(),
        team: o
            .teams
            .iter()
            .map(|t| file::Team {
                slug: t.row.slug.clone().into(),
                display_name: text(&t.row.display_name),
                description: text(&t.row.description),
                members: t.members.iter().map(|m| m.email.clone().into()).collect(),
            })
            .collect(),
        project: o.projects.iter().map(export_project).collect(),
    }
}

fn export_project(p: &CProject) -> file::Project {
    let mut grants: Vec<&GrantRow> = p.grants.iter().collect();
    grants.sort_by(|a, b| holder_order(a).cmp(&holder_order(b)));
    file::Project {
        slug: p.row.slug.clone().into(),
        display_name: text(&p.row.display_name),
        description: text(&p.row.description),
        env: {
            // Release-flow order, ties by slug: creation order is not something a file can
            // carry, so an export must not depend on it (`apply --prune` of A's export makes
            // B export as A).
            let mut envs: Vec<&CEnv> = p.envs.iter().collect();
            envs.sort_by(|a, b| (a.row.kind, &a.row.slug).cmp(&(b.row.kind, &b.row.slug)));
            envs.into_iter().map(export_env).collect()
        },
        grant: grants
            .into_iter()
            .map(|g| file::Grant {
                team: g.team.clone().map(Located::new),
                member: g.email.clone().map(Located::new),
                env: g.environment.clone().map(Located::new),
                role: g.role.as_str().to_string().into(),
            })
            .collect(),
    }
}

/// Members' grants (by email) before teams' (by slug), each project-wide before those on one
/// environment (by slug).
fn holder_order(g: &GrantRow) -> (bool, &Option<String>, &Option<String>, &Option<String>) {
    (g.team.is_some(), &g.email, &g.team, &g.environment)
}

fn export_env(e: &CEnv) -> file::Env {
    let row = &e.row;
    let inferred = EnvKind::infer(&row.slug);
    file::Env {
        slug: row.slug.clone().into(),
        display_name: (row.display_name != default_display_name(&row.slug))
            .then(|| row.display_name.clone().into()),
        kind: (row.kind != inferred).then(|| row.kind.as_str().to_string().into()),
        description: text(&row.description),
        protected: (row.protected != row.kind.protected_by_default())
            .then_some(row.protected.into()),
        archived: row.archived_at.is_some().then_some(true.into()),
        resource: e
            .resources
            .iter()
            .map(|r| file::Resource {
                slug: r.slug.clone().into(),
                kind: r.kind.as_str().to_string().into(),
                description: text(&r.description),
            })
            .collect(),
    }
}
