use super::App;
use crate::access::{self, Target};
use crate::context::{Source, visible_projects};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::store::{Db, Holder, OrgRow, ProjectRow};
use crate::tree::{
    AccessNode, Charset, EnvNode, Node, OrgNode, ProjectNode, ResourceNode, draw, plain,
    plain_access,
};
use clap::Args;
use std::collections::BTreeMap;

#[derive(Debug, Args)]
pub struct TreeArgs {
    /// Show every organization in the file (that you may see)
    #[arg(long)]
    pub all: bool,
    /// Show who holds which role on each environment: members' own grants and teams'
    #[arg(long)]
    pub access: bool,
}

pub fn run(app: &mut App, args: TreeArgs) -> Result<()> {
    let orgs = app.read(|db, actor, ctx| {
        if args.all {
            let mut out = Vec::new();
            for org in db.orgs()? {
                if access::can_see(db, actor, &Target::org(&org))? {
                    let projects = visible_projects(db, actor, &org)?;
                    out.push(org_node(db, &org, &projects, args.access)?);
                }
            }
            return Ok(out);
        }
        if ctx.org.is_none() {
            // A broken link file would have chosen; say so rather than list the choices.
            if let Some(e) = ctx.broken_link_error() {
                return Err(e);
            }
            let orgs = crate::context::visible_org_slugs(db, actor, 50)?;
            if orgs.is_empty() {
                return Ok(Vec::new());
            }
            return Err(Error::usage("no organization selected").with_hint(format!(
                "pass --org ORG, or --all for every organization; available: {}",
                orgs.join(", ")
            )));
        }
        // A project named for this command or this directory narrows the tree; a saved
        // selection or "the only one" does not, so `proj tree` shows the organization.
        let narrowed = ctx.project.as_ref().is_some_and(|p| {
            matches!(p.source, Source::Flag(_) | Source::Env(_) | Source::Link(_))
        });
        if narrowed {
            let (org, project) = ctx.require_project(db, actor)?;
            return Ok(vec![org_node(db, &org, &[project], args.access)?]);
        }
        let org = ctx.require_org(db, actor)?;
        let projects = visible_projects(db, actor, &org)?;
        Ok(vec![org_node(db, &org, &projects, args.access)?])
    })?;
    match app.out.format {
        Format::Json => app.out.json(&orgs),
        Format::Plain if args.access => app.out.text(&plain_access(&orgs)),
        Format::Plain => app.out.text(&plain(&orgs)),
        Format::Table => {
            // Box-drawing characters on a terminal and off it, as tables are drawn.
            let charset = Charset::Unicode;
            let roots: Vec<Node> = orgs.iter().map(Node::from).collect();
            if roots.is_empty() {
                app.out
                    .status("no organizations; create one with `proj org add NAME` or `proj init`");
                return Ok(());
            }
            app.out.text(&draw(&roots, charset))
        }
    }
}

/// Who holds which role on one environment: every holder with a grant in the project, read by
/// the access module's per-holder rule; teams with their members.
fn access_of(
    grants: &[crate::store::GrantRow],
    env_id: i64,
    members: &mut BTreeMap<i64, Vec<String>>,
    db: &Db,
) -> Result<Vec<AccessNode>> {
    let mut out = Vec::new();
    for h in access::holder_roles(grants, Some(env_id)) {
        let Some(role) = h.on.effective() else {
            continue;
        };
        let g = grants
            .iter()
            .find(|g| g.holder == h.holder)
            .expect("a holder has a grant");
        out.push(match g.holder {
            Holder::Member(_) => AccessNode {
                member: g.email.clone(),
                team: None,
                members: None,
                role,
            },
            Holder::Team(id) => {
                let emails = match members.entry(id) {
                    std::collections::btree_map::Entry::Occupied(e) => e.get().clone(),
                    std::collections::btree_map::Entry::Vacant(e) => e
                        .insert(db.team_members(id)?.into_iter().map(|m| m.email).collect())
                        .clone(),
                };
                AccessNode {
                    member: None,
                    team: g.team.clone(),
                    members: Some(emails),
                    role,
                }
            }
        });
    }
    Ok(out)
}

fn org_node(db: &Db, org: &OrgRow, projects: &[ProjectRow], access: bool) -> Result<OrgNode> {
    let mut nodes = Vec::new();
    let mut team_members = BTreeMap::new();
    // The environments and resources in two queries, not per project and per environment
    // (a server answers each query with a round trip): one project's when the tree shows one,
    // else the whole organization's.
    let (envs, resources) = match projects {
        [p] => (db.envs(p.id, true)?, db.resources_in_project(p.id)?),
        _ => (db.envs_in_org(org.id, true)?, db.resources_in_org(org.id)?),
    };
    let mut envs_by_project: BTreeMap<i64, Vec<crate::store::EnvRow>> = BTreeMap::new();
    for e in envs {
        envs_by_project.entry(e.project_id).or_default().push(e);
    }
    let mut resources_by_env: BTreeMap<i64, Vec<crate::store::ResourceRow>> = BTreeMap::new();
    for r in resources {
        resources_by_env
            .entry(r.environment_id)
            .or_default()
            .push(r);
    }
    for p in projects {
        let grants = if access {
            db.project_grants(p.id)?
        } else {
            Vec::new()
        };
        let mut envs = Vec::new();
        for e in envs_by_project.remove(&p.id).unwrap_or_default() {
            let resources = resources_by_env
                .remove(&e.id)
                .unwrap_or_default()
                .into_iter()
                .map(|r| ResourceNode {
                    org: r.org,
                    project: r.project,
                    environment: r.environment,
                    slug: r.slug,
                    kind: r.kind,
                })
                .collect();
            envs.push(EnvNode {
                org: e.org.clone(),
                project: e.project.clone(),
                slug: e.slug.clone(),
                kind: e.kind,
                protected: e.protected,
                archived: e.archived_at.is_some(),
                resources,
                access: if access {
                    Some(access_of(&grants, e.id, &mut team_members, db)?)
                } else {
                    None
                },
            });
        }
        nodes.push(ProjectNode {
            org: org.slug.clone(),
            slug: p.slug.clone(),
            display_name: p.display_name.clone(),
            environments: envs,
        });
    }
    Ok(OrgNode {
        slug: org.slug.clone(),
        display_name: org.display_name.clone(),
        projects: nodes,
    })
}
