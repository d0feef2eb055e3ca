use super::App;
use crate::access::{self, Target};
use crate::context::{Source, visible_projects};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::store::{Db, OrgRow, ProjectRow};
use crate::tree::{Charset, EnvNode, Node, OrgNode, ProjectNode, ResourceNode, draw, plain};
use clap::Args;

#[derive(Debug, Args)]
pub struct TreeArgs {
    /// Show every organization in the file (that you may see)
    #[arg(long)]
    pub all: bool,
}

pub fn run(app: &mut App, args: TreeArgs) -> Result<()> {
    let orgs = app.read(|db, actor, ctx| {
        if args.all {
            let mut out = Vec::new();
            for org in db.orgs()? {
                if access::can_see(db, actor, &Target::org(&org))? {
                    let projects = visible_projects(db, actor, &org)?;
                    out.push(org_node(db, &org, &projects)?);
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
            return Ok(vec![org_node(db, &org, &[project])?]);
        }
        let org = ctx.require_org(db, actor)?;
        let projects = visible_projects(db, actor, &org)?;
        Ok(vec![org_node(db, &org, &projects)?])
    })?;
    match app.out.format {
        Format::Json => app.out.json(&orgs),
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

fn org_node(db: &Db, org: &OrgRow, projects: &[ProjectRow]) -> Result<OrgNode> {
    let mut nodes = Vec::new();
    for p in projects {
        let mut envs = Vec::new();
        for e in db.envs(p.id, true)? {
            let resources = db
                .resources(e.id)?
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
