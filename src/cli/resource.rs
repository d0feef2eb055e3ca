use super::App;
use crate::access::Action;
use crate::error::{Error, Result};
use crate::model::{ResourceType, validate_slug};
use crate::ops;
use crate::resources::ResourceView;
use crate::scope::{EnvScope, ProjectScope, env_path, find_resource};
use crate::store::EnvRow;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
#[command(defer = true)]
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

// The environment a resource lives in; optional when the project has only one. A plain
// comment: a doc comment would become the help of the commands that flatten it, as their
// arguments are built after their own help is set.
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

fn taken(env: &EnvRow, name: &str) -> Error {
    Error::exists_in(format!("resource `{name}`"), &env_path(env))
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    validate_slug("resource", &args.name)?;
    let description = args.description.clone().filter(|d| !d.is_empty());
    let created = app.mutate(|tx| {
        let db = tx.db;
        let scope = EnvScope::resolve_or_only(db, tx.actor, tx.ctx, args.env.env.as_deref(), None)?;
        tx.require(Action::ResourceAdd, &scope.target())?;
        if db.resource(scope.env.id, &args.name)?.is_some() {
            return Err(taken(&scope.env, &args.name));
        }
        let r = ops::resource::add(
            tx,
            &scope.org,
            &scope.project,
            &scope.env,
            &args.name,
            args.kind,
            description.as_deref(),
        )?;
        Ok(ResourceView::new(&r))
    })?;
    app.out.one(&created)
}

fn list(app: &mut App, args: ListArgs) -> Result<()> {
    let found = app.read(|db, actor, ctx| {
        let envs = match &args.env {
            Some(e) => vec![EnvScope::resolve(db, actor, ctx, e)?.env],
            None => {
                let scope = ProjectScope::resolve(db, actor, ctx, None)?;
                db.envs(scope.project.id, false)?
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
        let scope =
            EnvScope::resolve_or_only(db, actor, ctx, args.env.env.as_deref(), Some(&args.name))?;
        Ok(ResourceView::new(&find_resource(
            db, &scope.env, &args.name,
        )?))
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none() && args.kind.is_none() && args.description.is_none() {
        return Err(Error::nothing_to_change(
            "give a new slug, --type or --description",
        ));
    }
    if let Some(n) = &args.new_name {
        validate_slug("resource", n)?;
    }
    let (renamed, changed) = app.mutate(|tx| {
        let db = tx.db;
        let scope = EnvScope::resolve_or_only(
            db,
            tx.actor,
            tx.ctx,
            args.env.env.as_deref(),
            Some(&args.name),
        )?;
        let before = find_resource(db, &scope.env, &args.name)?;
        tx.require(Action::ResourceUpdate, &scope.target())?;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug && db.resource(scope.env.id, n)?.is_some() {
                return Err(taken(&scope.env, n));
            }
            after.slug = n.clone();
        }
        if let Some(k) = args.kind {
            after.kind = k;
        }
        if let Some(d) = &args.description {
            after.description = Some(d.clone()).filter(|d| !d.is_empty());
        }
        // A rename to what it already is changes nothing and writes no event.
        let changed =
            ops::resource::update(tx, &scope.org, &scope.project, &scope.env, &before, &after)?;
        Ok((ResourceView::new(&after), changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&renamed)
}

fn remove(app: &mut App, args: NameArgs) -> Result<()> {
    let removed = app.mutate(|tx| {
        let db = tx.db;
        let scope = EnvScope::resolve_or_only(
            db,
            tx.actor,
            tx.ctx,
            args.env.env.as_deref(),
            Some(&args.name),
        )?;
        let r = find_resource(db, &scope.env, &args.name)?;
        ops::resource::remove(tx, &scope.org, &scope.project, &scope.env, &r)?;
        Ok(ResourceView::new(&r))
    })?;
    app.out
        .status(&format!("removed resource {}", removed.path()));
    app.out.one(&removed)
}

fn move_to(app: &mut App, args: MoveArgs) -> Result<()> {
    let moved = app.mutate(|tx| {
        let db = tx.db;
        let from = EnvScope::resolve_or_only(
            db,
            tx.actor,
            tx.ctx,
            args.env.env.as_deref(),
            Some(&args.name),
        )?;
        let before = find_resource(db, &from.env, &args.name)?;
        let to = EnvScope::resolve(db, tx.actor, tx.ctx, &args.to)?;
        if to.env.id == from.env.id {
            return Err(Error::usage(format!(
                "resource `{}` is already in {}",
                args.name,
                from.path()
            ))
            .with_hint("name another environment with --to"));
        }
        // Leaving one environment and arriving in another: both must allow it.
        tx.require(Action::ResourceRemove, &from.target())?;
        tx.require(Action::ResourceAdd, &to.target())?;
        if db.resource(to.env.id, &before.slug)?.is_some() {
            return Err(taken(&to.env, &before.slug).with_hint(format!(
                "rename one first: `proj resource rename {} NEW --env {}`",
                before.slug,
                from.path()
            )));
        }
        let mut after = before.clone();
        after.environment_id = to.env.id;
        after.org = to.env.org.clone();
        after.project = to.env.project.clone();
        after.environment = to.env.slug.clone();
        ops::resource::move_to(tx, &from.target(), &to.target(), &before, &after)?;
        Ok(ResourceView::new(&after))
    })?;
    app.out.one(&moved)
}
