use super::App;
use crate::access::{self, Action, Actor, Target};
use crate::context::{Context, find_org, find_project, visible_projects};
use crate::error::{Error, Result};
use crate::model::validate_slug;
use crate::snapshot;
use crate::store::{Db, OrgRow, ProjectRow};
use crate::view::ProjectView;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ProjectCmd {
    /// Create a project; it starts with a protected production environment
    #[command(visible_aliases = ["create", "new"])]
    Add(AddArgs),
    /// List the projects of the current organization
    #[command(visible_alias = "ls")]
    List {
        /// List the projects of every organization
        #[arg(long)]
        all: bool,
    },
    /// Show one project (default: the current one)
    Show {
        /// Project slug, or ORG/PROJECT
        #[arg(
            id = "project_arg",
            value_name = "PROJECT",
            add = clap_complete::ArgValueCompleter::new(super::complete::project)
        )]
        project: Option<String>,
    },
    /// Rename a project or change its display name or description
    Rename(RenameArgs),
    /// Remove a project with its environments and resources
    #[command(visible_aliases = ["rm", "delete"])]
    Remove {
        /// Project slug, or ORG/PROJECT
        #[arg(
            id = "project_arg",
            value_name = "PROJECT",
            add = clap_complete::ArgValueCompleter::new(super::complete::project)
        )]
        project: String,
    },
    /// Make a project (and its organization) the current one for later commands
    Use {
        /// Project slug, or ORG/PROJECT
        #[arg(
            id = "project_arg",
            value_name = "PROJECT",
            add = clap_complete::ArgValueCompleter::new(super::complete::project)
        )]
        project: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Slug of the new project (lowercase letters, digits and '-')
    pub name: String,
    /// Start with this environment instead of production (repeatable)
    #[arg(long = "env", value_name = "NAME", conflicts_with = "no_env")]
    pub envs: Vec<String>,
    /// Start with no environments at all
    #[arg(long)]
    pub no_env: bool,
    /// Free-text name shown to people
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub display_name: Option<String>,
    /// What the project is for
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Project slug, or ORG/PROJECT
    #[arg(
        id = "project_arg",
        value_name = "PROJECT",
        add = clap_complete::ArgValueCompleter::new(super::complete::project)
    )]
    pub project: String,
    /// New slug
    pub new_name: Option<String>,
    /// New display name
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub display_name: Option<String>,
    /// New description
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

pub fn run(app: &mut App, cmd: ProjectCmd) -> Result<()> {
    match cmd {
        ProjectCmd::Add(args) => add(app, args),
        ProjectCmd::List { all } => list(app, all),
        ProjectCmd::Show { project } => show(app, project),
        ProjectCmd::Rename(args) => rename(app, args),
        ProjectCmd::Remove { project } => remove(app, project),
        ProjectCmd::Use { project } => use_project(app, project),
    }
}

/// The project named on the command line (PROJECT or ORG/PROJECT), or the context's one.
pub fn locate(
    db: &Db,
    actor: &Actor,
    ctx: &Context,
    arg: Option<&str>,
) -> Result<(OrgRow, ProjectRow)> {
    match arg {
        None => ctx.require_project(db, actor),
        Some(arg) => {
            let org = match arg.split_once('/') {
                Some((o, _)) => find_org(db, actor, o)?,
                None => ctx.require_org(db, actor)?,
            };
            let slug = arg.split_once('/').map_or(arg, |(_, p)| p);
            let project = find_project(db, actor, &org, slug)?;
            Ok((org, project))
        }
    }
}

pub fn view(db: &Db, p: &ProjectRow) -> Result<ProjectView> {
    let envs = db.envs(p.id, false)?.into_iter().map(|e| e.slug).collect();
    Ok(ProjectView::new(p, envs))
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    validate_slug("project", &args.name)?;
    let envs: Vec<String> = if args.no_env {
        Vec::new()
    } else if args.envs.is_empty() {
        vec!["production".to_string()]
    } else {
        args.envs.clone()
    };
    for (i, e) in envs.iter().enumerate() {
        validate_slug("environment", e)?;
        if envs[..i].contains(e) {
            return Err(Error::usage(format!("environment `{e}` is given twice")));
        }
    }
    let created = app.write(|db, actor, ctx| {
        let org = ctx.require_org(db, actor)?;
        access::require(db, actor, Action::ProjectAdd, &Target::org(&org))?;
        if db.project(org.id, &args.name)?.is_some() {
            return Err(Error::conflict(format!(
                "project `{}/{}` already exists",
                org.slug, args.name
            )));
        }
        let project = db.project_insert(
            &org,
            &args.name,
            args.display_name.as_deref().filter(|s| !s.is_empty()),
            args.description.as_deref().filter(|s| !s.is_empty()),
        )?;
        for slug in &envs {
            db.env_insert_inferred(&project, slug)?;
        }
        let shown = view(db, &project)?;
        db.record(
            actor.name(),
            "project.add",
            Some(org.id),
            Some(project.id),
            &format!("{}/{}", org.slug, project.slug),
            None,
            Some(&snapshot::project(db, &project)?),
        )?;
        Ok(shown)
    })?;
    app.out.one(&created)
}

fn list(app: &mut App, all: bool) -> Result<()> {
    let projects = app.read(|db, actor, ctx| {
        let orgs = if all {
            db.orgs()?
        } else {
            vec![ctx.require_org(db, actor)?]
        };
        let mut out = Vec::new();
        for org in &orgs {
            if !access::can_see(db, actor, &Target::org(org))? {
                continue;
            }
            let mut envs = db.env_slugs_by_project(org.id)?;
            for p in visible_projects(db, actor, org)? {
                let slugs = envs.remove(&p.id).unwrap_or_default();
                out.push(ProjectView::new(&p, slugs));
            }
        }
        Ok(out)
    })?;
    app.out.list(&projects)
}

fn show(app: &mut App, project: Option<String>) -> Result<()> {
    let shown = app.read(|db, actor, ctx| {
        let (_, p) = locate(db, actor, ctx, project.as_deref())?;
        view(db, &p)
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none() && args.display_name.is_none() && args.description.is_none() {
        return Err(Error::usage("nothing to change")
            .with_hint("give a new slug, --display-name or --description"));
    }
    if let Some(n) = &args.new_name {
        validate_slug("project", n)?;
    }
    let (renamed, changed) = app.write(|db, actor, ctx| {
        let (org, before) = locate(db, actor, ctx, Some(&args.project))?;
        access::require(
            db,
            actor,
            Action::ProjectUpdate,
            &Target::project(&org, &before),
        )?;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug && db.project(org.id, n)?.is_some() {
                return Err(Error::conflict(format!(
                    "project `{}/{n}` already exists",
                    org.slug
                )));
            }
            after.slug = n.clone();
        }
        if let Some(d) = &args.display_name {
            after.display_name = Some(d.clone()).filter(|d| !d.is_empty());
        }
        if let Some(d) = &args.description {
            after.description = Some(d.clone()).filter(|d| !d.is_empty());
        }
        // A rename to what it already is changes nothing and writes no event.
        let changed = snapshot::row(&before) != snapshot::row(&after);
        if changed {
            db.project_update(&after)?;
            db.record(
                actor.name(),
                "project.update",
                Some(org.id),
                Some(after.id),
                &format!("{}/{}", org.slug, after.slug),
                Some(&snapshot::row(&before)),
                Some(&snapshot::row(&after)),
            )?;
        }
        Ok((view(db, &after)?, changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&renamed)
}

fn remove(app: &mut App, arg: String) -> Result<()> {
    let (path, envs) = app.read(|db, actor, ctx| {
        let (org, p) = locate(db, actor, ctx, Some(&arg))?;
        access::require(db, actor, Action::ProjectRemove, &Target::project(&org, &p))?;
        Ok((
            format!("{}/{}", org.slug, p.slug),
            db.envs(p.id, true)?.len(),
        ))
    })?;
    if envs > 0 {
        let what = format!("project `{path}` has {envs} environment(s)");
        app.confirm(
            &format!("{what}; remove it with everything in it?"),
            Error::conflict(what).with_hint("pass --yes to remove it with everything in it"),
        )?;
    }
    let removed = app.write(|db, actor, ctx| {
        let (org, p) = locate(db, actor, ctx, Some(&arg))?;
        access::require(db, actor, Action::ProjectRemove, &Target::project(&org, &p))?;
        let shown = view(db, &p)?;
        let before = snapshot::project(db, &p)?;
        db.project_delete(p.id)?;
        db.record(
            actor.name(),
            "project.remove",
            Some(org.id),
            Some(p.id),
            &format!("{}/{}", org.slug, p.slug),
            Some(&before),
            None,
        )?;
        Ok(shown)
    })?;
    app.out
        .status(&format!("removed project {}/{}", removed.org, removed.slug));
    app.out.one(&removed)
}

fn use_project(app: &mut App, arg: String) -> Result<()> {
    let chosen = app.write(|db, actor, ctx| {
        let (org, p) = locate(db, actor, ctx, Some(&arg))?;
        db.select(Some(org.id), Some(p.id))?;
        view(db, &p)
    })?;
    app.out
        .status(&format!("now using project {}/{}", chosen.org, chosen.slug));
    app.out.one(&chosen)
}
