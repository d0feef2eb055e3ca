use super::App;
use super::env::locate as locate_env;
use crate::access::{self, Action, Actor, Target};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{ResourceType, validate_slug};
use crate::resources::ResourceView;
use crate::snapshot;
use crate::store::{Db, EnvRow, OrgRow, ProjectRow, ResourceRow};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ResourceCmd {
    /// Add a resource (an app, a database, a credential reference, …) to an environment
    #[command(visible_aliases = ["create", "new"])]
    Add(AddArgs),
    /// List resources: of one environment with --env, else of every environment
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show one resource
    Show(NameArgs),
    /// Rename a resource or change its type or description
    Rename(RenameArgs),
    /// Remove a resource
    #[command(visible_aliases = ["rm", "delete"])]
    Remove(NameArgs),
    /// Move a resource to another environment
    #[command(visible_alias = "mv")]
    Move(MoveArgs),
}

/// The environment a resource lives in; optional when the project has only one.
#[derive(Debug, Clone, Args)]
pub struct EnvOpt {
    /// Environment (ENV, PROJECT/ENV or ORG/PROJECT/ENV); default: the project's only one
    #[arg(
        short = 'e',
        long,
        value_name = "ENV",
        add = clap_complete::ArgValueCompleter::new(super::complete::env)
    )]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Slug of the new resource, unique in its environment
    pub name: String,
    /// What the resource is
    #[arg(short = 't', long = "type", value_name = "TYPE", value_parser = type_parser())]
    pub kind: ResourceType,
    #[command(flatten)]
    pub env: EnvOpt,
    /// What it is for; for a credential, where its secret lives (never the secret itself)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List only this environment's resources (ENV, PROJECT/ENV or ORG/PROJECT/ENV)
    #[arg(
        short = 'e',
        long,
        value_name = "ENV",
        add = clap_complete::ArgValueCompleter::new(super::complete::env)
    )]
    pub env: Option<String>,
    /// List only resources of this type
    #[arg(short = 't', long = "type", value_name = "TYPE", value_parser = type_parser())]
    pub kind: Option<ResourceType>,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// Slug of the resource
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::resource))]
    pub name: String,
    #[command(flatten)]
    pub env: EnvOpt,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Slug of the resource
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::resource))]
    pub name: String,
    /// New slug
    pub new_name: Option<String>,
    #[command(flatten)]
    pub env: EnvOpt,
    /// New type
    #[arg(short = 't', long = "type", value_name = "TYPE", value_parser = type_parser())]
    pub kind: Option<ResourceType>,
    /// New description (empty to clear it)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Slug of the resource
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::resource))]
    pub name: String,
    #[command(flatten)]
    pub env: EnvOpt,
    /// Environment to move it to (ENV, PROJECT/ENV or ORG/PROJECT/ENV)
    #[arg(
        long,
        value_name = "ENV",
        add = clap_complete::ArgValueCompleter::new(super::complete::env)
    )]
    pub to: String,
}

fn type_parser() -> impl TypedValueParser<Value = ResourceType> {
    PossibleValuesParser::new(ResourceType::ALL.iter().map(|t| t.as_str())).map(|s| {
        s.parse::<ResourceType>()
            .expect("one of the possible values")
    })
}

pub fn run(app: &mut App, cmd: ResourceCmd) -> Result<()> {
    match cmd {
        ResourceCmd::Add(args) => add(app, args),
        ResourceCmd::List(args) => list(app, args),
        ResourceCmd::Show(args) => show(app, args),
        ResourceCmd::Rename(args) => rename(app, args),
        ResourceCmd::Remove(args) => remove(app, args),
        ResourceCmd::Move(args) => move_to(app, args),
    }
}

/// The environment named by `--env`, or the project's only non-archived one. With several,
/// exit 2 naming the flag and the choices (and, for an existing resource, where it is).
fn target_env(
    db: &Db,
    actor: &Actor,
    ctx: &Context,
    env: Option<&str>,
    resource: Option<&str>,
) -> Result<(OrgRow, ProjectRow, EnvRow)> {
    if let Some(e) = env {
        return locate_env(db, actor, ctx, e);
    }
    let (org, project) = ctx.require_project(db, actor)?;
    let mut envs = db.envs(project.id, false)?;
    if envs.len() == 1 {
        let only = envs.remove(0);
        return Ok((org, project, only));
    }
    let place = format!("{}/{}", org.slug, project.slug);
    if envs.is_empty() {
        return Err(
            Error::usage(format!("project {place} has no environments")).with_hint(
                "add one with `proj env add production`, or pass --env ENV naming another project's (PROJECT/ENV)",
            ),
        );
    }
    let names: Vec<_> = envs.iter().map(|e| e.slug.as_str()).collect();
    let mut hint = format!("pass --env ENV; available: {}", names.join(", "));
    if let Some(name) = resource {
        let mut holders = Vec::new();
        for e in &envs {
            if db.resource(e.id, name)?.is_some() {
                holders.push(e.slug.as_str());
            }
        }
        if !holders.is_empty() {
            hint.push_str(&format!("; `{name}` is in: {}", holders.join(", ")));
        }
    }
    Err(Error::usage(format!("no environment selected in {place}")).with_hint(hint))
}

fn env_path(e: &EnvRow) -> String {
    format!("{}/{}/{}", e.org, e.project, e.slug)
}

/// A resource by slug in an environment; "not found" names the ones there are.
fn find(db: &Db, env: &EnvRow, name: &str) -> Result<ResourceRow> {
    if let Some(r) = db.resource(env.id, name)? {
        return Ok(r);
    }
    let names: Vec<_> = db.resources(env.id)?.into_iter().map(|r| r.slug).collect();
    let mut e = Error::not_found(format!("resource `{name}` not found in {}", env_path(env)));
    if !names.is_empty() {
        e = e.with_hint(format!("available: {}", names.join(", ")));
    }
    Err(e)
}

fn taken(env: &EnvRow, name: &str) -> Error {
    Error::conflict(format!(
        "resource `{name}` already exists in {}",
        env_path(env)
    ))
}

fn resource_path(env: &EnvRow, slug: &str) -> String {
    format!("{}/{slug}", env_path(env))
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    validate_slug("resource", &args.name)?;
    let description = args.description.clone().filter(|d| !d.is_empty());
    let created = app.write(|db, actor, ctx| {
        let (org, project, env) = target_env(db, actor, ctx, args.env.env.as_deref(), None)?;
        access::require(
            db,
            actor,
            Action::ResourceAdd,
            &Target::env(&org, &project, &env),
        )?;
        if db.resource(env.id, &args.name)?.is_some() {
            return Err(taken(&env, &args.name));
        }
        let r = db.resource_insert(&env, &args.name, args.kind, description.as_deref())?;
        db.record(
            actor.name(),
            "resource.add",
            Some(org.id),
            Some(project.id),
            &resource_path(&env, &r.slug),
            None,
            Some(&snapshot::row(&r)),
        )?;
        Ok(ResourceView::new(&r))
    })?;
    app.out.one(&created)
}

fn list(app: &mut App, args: ListArgs) -> Result<()> {
    let found = app.read(|db, actor, ctx| {
        let envs = match &args.env {
            Some(e) => vec![locate_env(db, actor, ctx, e)?.2],
            None => {
                let (_, project) = ctx.require_project(db, actor)?;
                db.envs(project.id, false)?
            }
        };
        let mut out = Vec::new();
        for e in &envs {
            for r in db.resources(e.id)? {
                if args.kind.is_none_or(|k| k == r.kind) {
                    out.push(ResourceView::new(&r));
                }
            }
        }
        Ok(out)
    })?;
    app.out.list(&found)
}

fn show(app: &mut App, args: NameArgs) -> Result<()> {
    let shown = app.read(|db, actor, ctx| {
        let (_, _, env) = target_env(db, actor, ctx, args.env.env.as_deref(), Some(&args.name))?;
        Ok(ResourceView::new(&find(db, &env, &args.name)?))
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none() && args.kind.is_none() && args.description.is_none() {
        return Err(
            Error::usage("nothing to change").with_hint("give a new slug, --type or --description")
        );
    }
    if let Some(n) = &args.new_name {
        validate_slug("resource", n)?;
    }
    let renamed = app.write(|db, actor, ctx| {
        let (org, project, env) =
            target_env(db, actor, ctx, args.env.env.as_deref(), Some(&args.name))?;
        let before = find(db, &env, &args.name)?;
        access::require(
            db,
            actor,
            Action::ResourceUpdate,
            &Target::env(&org, &project, &env),
        )?;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug && db.resource(env.id, n)?.is_some() {
                return Err(taken(&env, n));
            }
            after.slug = n.clone();
        }
        if let Some(k) = args.kind {
            after.kind = k;
        }
        if let Some(d) = &args.description {
            after.description = Some(d.clone()).filter(|d| !d.is_empty());
        }
        db.resource_update(&after)?;
        db.record(
            actor.name(),
            "resource.update",
            Some(org.id),
            Some(project.id),
            &resource_path(&env, &after.slug),
            Some(&snapshot::row(&before)),
            Some(&snapshot::row(&after)),
        )?;
        Ok(ResourceView::new(&after))
    })?;
    app.out.one(&renamed)
}

fn remove(app: &mut App, args: NameArgs) -> Result<()> {
    let removed = app.write(|db, actor, ctx| {
        let (org, project, env) =
            target_env(db, actor, ctx, args.env.env.as_deref(), Some(&args.name))?;
        let r = find(db, &env, &args.name)?;
        access::require(
            db,
            actor,
            Action::ResourceRemove,
            &Target::env(&org, &project, &env),
        )?;
        db.resource_delete(r.id)?;
        db.record(
            actor.name(),
            "resource.remove",
            Some(org.id),
            Some(project.id),
            &resource_path(&env, &r.slug),
            Some(&snapshot::row(&r)),
            None,
        )?;
        Ok(ResourceView::new(&r))
    })?;
    app.out
        .status(&format!("removed resource {}", removed.path()));
    app.out.one(&removed)
}

fn move_to(app: &mut App, args: MoveArgs) -> Result<()> {
    let moved = app.write(|db, actor, ctx| {
        let (org, project, from) =
            target_env(db, actor, ctx, args.env.env.as_deref(), Some(&args.name))?;
        let before = find(db, &from, &args.name)?;
        let (to_org, to_project, to) = locate_env(db, actor, ctx, &args.to)?;
        if to.id == from.id {
            return Err(Error::usage(format!(
                "resource `{}` is already in {}",
                args.name,
                env_path(&from)
            ))
            .with_hint("name another environment with --to"));
        }
        // Leaving one environment and arriving in another: both must allow it.
        access::require(
            db,
            actor,
            Action::ResourceRemove,
            &Target::env(&org, &project, &from),
        )?;
        access::require(
            db,
            actor,
            Action::ResourceAdd,
            &Target::env(&to_org, &to_project, &to),
        )?;
        if db.resource(to.id, &before.slug)?.is_some() {
            return Err(taken(&to, &before.slug).with_hint(format!(
                "rename one first: `proj resource rename {} NEW --env {}`",
                before.slug,
                env_path(&from)
            )));
        }
        let mut after = before.clone();
        after.environment_id = to.id;
        after.org = to.org.clone();
        after.project = to.project.clone();
        after.environment = to.slug.clone();
        db.resource_update(&after)?;
        db.record(
            actor.name(),
            "resource.move",
            Some(to_org.id),
            Some(to_project.id),
            &resource_path(&to, &after.slug),
            Some(&snapshot::row(&before)),
            Some(&snapshot::row(&after)),
        )?;
        Ok(ResourceView::new(&after))
    })?;
    app.out.one(&moved)
}
