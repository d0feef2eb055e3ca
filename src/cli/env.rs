use super::project::locate as locate_project;
use super::{App, parse_word};
use crate::access::{self, Action, Actor, Target};
use crate::context::{Context, find_org, find_project};
use crate::error::{Error, Result};
use crate::model::{EnvKind, default_display_name, validate_slug};
use crate::snapshot;
use crate::store::{Db, EnvRow, NewEnv, OrgRow, ProjectRow};
use crate::view::EnvView;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum EnvCmd {
    /// Add an environment; its kind is inferred from well-known names
    #[command(visible_aliases = ["create", "new"])]
    Add(AddArgs),
    /// List environments in release-flow order (development, staging, custom, production)
    #[command(visible_alias = "ls")]
    List {
        /// Include archived environments
        #[arg(long)]
        archived: bool,
    },
    /// Show one environment
    Show(EnvArg),
    /// Rename an environment or change its display name, description or kind
    Rename(RenameArgs),
    /// Remove an environment with its resources
    #[command(visible_aliases = ["rm", "delete"])]
    Remove(EnvArg),
    /// Hide an environment from lists without deleting it
    Archive(EnvArg),
    /// Bring an archived environment back into lists
    #[command(mut_arg("env", |a| {
        a.add(clap_complete::ArgValueCompleter::new(super::complete::any_env))
    }))]
    Unarchive(EnvArg),
    /// Protect an environment: only project admins may change it
    Protect(EnvArg),
    /// Lift an environment's protection
    Unprotect(EnvArg),
    /// Copy an environment with its resources (and, with --with-access, its grants)
    Clone(super::env_copy::CloneArgs),
    /// Compare the resources of two environments
    Diff(super::env_copy::DiffArgs),
}

#[derive(Debug, Args)]
pub struct EnvArg {
    /// Environment slug, or PROJECT/ENV, or ORG/PROJECT/ENV
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::env))]
    pub env: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Slug of the new environment (lowercase letters, digits and '-')
    pub name: String,
    /// Kind, instead of the one inferred from the name
    #[arg(
        long,
        value_name = "KIND",
        value_parser = parse_word::<EnvKind>,
        add = clap_complete::ArgValueCompleter::new(super::complete::env_kind)
    )]
    pub kind: Option<EnvKind>,
    /// Free-text name shown to people (default: from the slug, `staging` → `Staging`)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub display_name: Option<String>,
    /// What the environment is for
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Environment slug, or PROJECT/ENV, or ORG/PROJECT/ENV
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::env))]
    pub env: String,
    /// New slug
    pub new_name: Option<String>,
    /// New display name
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub display_name: Option<String>,
    /// New description
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
    /// New kind
    #[arg(
        long,
        value_name = "KIND",
        value_parser = parse_word::<EnvKind>,
        add = clap_complete::ArgValueCompleter::new(super::complete::env_kind)
    )]
    pub kind: Option<EnvKind>,
}

pub fn run(app: &mut App, cmd: EnvCmd) -> Result<()> {
    match cmd {
        EnvCmd::Add(args) => add(app, args),
        EnvCmd::List { archived } => list(app, archived),
        EnvCmd::Show(a) => show(app, a.env),
        EnvCmd::Rename(args) => rename(app, args),
        EnvCmd::Remove(a) => remove(app, a.env),
        EnvCmd::Archive(a) => set_flag(app, a.env, Flag::Archived(true)),
        EnvCmd::Unarchive(a) => set_flag(app, a.env, Flag::Archived(false)),
        EnvCmd::Protect(a) => set_flag(app, a.env, Flag::Protected(true)),
        EnvCmd::Unprotect(a) => set_flag(app, a.env, Flag::Protected(false)),
        EnvCmd::Clone(args) => super::env_copy::clone(app, args),
        EnvCmd::Diff(args) => super::env_copy::diff(app, args),
    }
}

/// An environment by `ENV`, `PROJECT/ENV` or `ORG/PROJECT/ENV`, with its project and org.
pub fn locate(
    db: &Db,
    actor: &Actor,
    ctx: &Context,
    arg: &str,
) -> Result<(OrgRow, ProjectRow, EnvRow)> {
    let parts: Vec<&str> = arg.split('/').collect();
    let (org, project, slug) = match parts.as_slice() {
        [env] => {
            let (o, p) = ctx.require_project(db, actor)?;
            (o, p, *env)
        }
        [project, env] => {
            let (o, p) = locate_project(db, actor, ctx, Some(project))?;
            (o, p, *env)
        }
        [org, project, env] => {
            let o = find_org(db, actor, org)?;
            let p = find_project(db, actor, &o, project)?;
            (o, p, *env)
        }
        _ => {
            return Err(Error::usage(format!("invalid environment `{arg}`"))
                .with_hint("write ENV, PROJECT/ENV or ORG/PROJECT/ENV"));
        }
    };
    match db.env(project.id, slug)? {
        Some(env) => Ok((org, project, env)),
        None => {
            let names: Vec<_> = db
                .envs(project.id, true)?
                .into_iter()
                .map(|e| e.slug)
                .collect();
            let mut e = Error::not_found(format!(
                "environment `{slug}` not found in {}/{}",
                org.slug, project.slug
            ));
            if !names.is_empty() {
                e = e.with_hint(format!("available: {}", names.join(", ")));
            }
            Err(e)
        }
    }
}

/// Writes `after` with its audit event when it differs from `before`; whether it did.
fn save(
    db: &Db,
    actor: &Actor,
    action: &str,
    org: &OrgRow,
    before: &EnvRow,
    after: &EnvRow,
) -> Result<bool> {
    let (before_json, after_json) = (snapshot::row(before), snapshot::row(after));
    if before_json == after_json {
        return Ok(false);
    }
    db.env_update(after)?;
    db.record(
        actor.name(),
        action,
        Some(org.id),
        Some(after.project_id),
        &env_path(after),
        Some(&before_json),
        Some(&after_json),
    )?;
    Ok(true)
}

fn env_path(e: &EnvRow) -> String {
    format!("{}/{}/{}", e.org, e.project, e.slug)
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    validate_slug("environment", &args.name)?;
    let created = app.write(|db, actor, ctx| {
        let (org, project) = ctx.require_project(db, actor)?;
        access::require(db, actor, Action::EnvAdd, &Target::project(&org, &project))?;
        if let Some(existing) = db.env(project.id, &args.name)? {
            let mut e = Error::conflict(format!(
                "environment `{}` already exists in {}/{}",
                args.name, org.slug, project.slug
            ));
            if existing.archived_at.is_some() {
                e = e.with_hint(format!(
                    "it is archived: `proj env unarchive {}`",
                    args.name
                ));
            }
            return Err(e);
        }
        let kind = args.kind.unwrap_or_else(|| EnvKind::infer(&args.name));
        let display_name = args
            .display_name
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| default_display_name(&args.name));
        let env = db.env_insert(
            &project,
            &NewEnv {
                slug: &args.name,
                display_name: &display_name,
                kind,
                description: args.description.as_deref().filter(|s| !s.is_empty()),
                protected: kind.protected_by_default(),
            },
        )?;
        db.record(
            actor.name(),
            "env.add",
            Some(org.id),
            Some(project.id),
            &env_path(&env),
            None,
            Some(&snapshot::row(&env)),
        )?;
        Ok(EnvView::new(&env))
    })?;
    app.out.one(&created)
}

fn list(app: &mut App, archived: bool) -> Result<()> {
    let envs = app.read(|db, actor, ctx| {
        let (_, project) = ctx.require_project(db, actor)?;
        Ok(db
            .envs(project.id, archived)?
            .iter()
            .map(|e| {
                let mut v = EnvView::new(e);
                v.show_archived = archived;
                v
            })
            .collect::<Vec<_>>())
    })?;
    app.out.list(&envs)
}

fn show(app: &mut App, arg: String) -> Result<()> {
    let shown = app.read(|db, actor, ctx| {
        let (_, _, env) = locate(db, actor, ctx, &arg)?;
        Ok(EnvView::new(&env))
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none()
        && args.display_name.is_none()
        && args.description.is_none()
        && args.kind.is_none()
    {
        return Err(Error::usage("nothing to change")
            .with_hint("give a new slug, --display-name, --description or --kind"));
    }
    if let Some(n) = &args.new_name {
        validate_slug("environment", n)?;
    }
    let (renamed, changed) = app.write(|db, actor, ctx| {
        let (org, project, before) = locate(db, actor, ctx, &args.env)?;
        access::require(
            db,
            actor,
            Action::EnvUpdate,
            &Target::env(&org, &project, &before),
        )?;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug && db.env(project.id, n)?.is_some() {
                return Err(Error::conflict(format!(
                    "environment `{n}` already exists in {}/{}",
                    org.slug, project.slug
                )));
            }
            // A display name that was only the default follows the new slug.
            if before.display_name == default_display_name(&before.slug) {
                after.display_name = default_display_name(n);
            }
            after.slug = n.clone();
        }
        if let Some(d) = args.display_name.as_ref().filter(|d| !d.is_empty()) {
            after.display_name = d.clone();
        }
        if let Some(d) = &args.description {
            after.description = Some(d.clone()).filter(|d| !d.is_empty());
        }
        if let Some(k) = args.kind {
            after.kind = k;
        }
        // A rename to what it already is changes nothing and writes no event.
        let changed = save(db, actor, "env.update", &org, &before, &after)?;
        Ok((EnvView::new(&after), changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&renamed)
}

fn remove(app: &mut App, arg: String) -> Result<()> {
    let (env, resources) = app.read(|db, actor, ctx| {
        let (org, project, env) = locate(db, actor, ctx, &arg)?;
        access::require(
            db,
            actor,
            Action::EnvRemove,
            &Target::env(&org, &project, &env),
        )?;
        let n = db.resource_count(env.id)?;
        Ok((env, n))
    })?;
    let place = format!("{}/{}", env.org, env.project);
    let why = match (env.protected, resources) {
        (true, _) => Some((
            format!("environment `{}` in {place} is protected", env.slug),
            format!(
                "pass --yes to remove it anyway, or `proj env unprotect {}` first",
                env.slug
            ),
        )),
        (false, n) if n > 0 => Some((
            format!(
                "environment `{}` in {place} holds {n} resource(s)",
                env.slug
            ),
            "pass --yes to remove it with its resources".to_string(),
        )),
        _ => None,
    };
    if let Some((what, hint)) = why {
        app.confirm(
            &format!("{what}; remove it?"),
            Error::conflict(what).with_hint(hint),
        )?;
    }
    let removed = app.write(|db, actor, ctx| {
        let (org, project, env) = locate(db, actor, ctx, &arg)?;
        access::require(
            db,
            actor,
            Action::EnvRemove,
            &Target::env(&org, &project, &env),
        )?;
        let before = snapshot::env(db, &env)?;
        db.env_delete(env.id)?;
        db.record(
            actor.name(),
            "env.remove",
            Some(org.id),
            Some(project.id),
            &env_path(&env),
            Some(&before),
            None,
        )?;
        Ok(EnvView::new(&env))
    })?;
    app.out
        .status(&format!("removed environment {}", env_path_view(&removed)));
    app.out.one(&removed)
}

fn env_path_view(v: &EnvView) -> String {
    format!("{}/{}/{}", v.org, v.project, v.slug)
}

enum Flag {
    Archived(bool),
    Protected(bool),
}

fn set_flag(app: &mut App, arg: String, flag: Flag) -> Result<()> {
    let (view, changed) = app.write(|db, actor, ctx| {
        let (org, project, before) = locate(db, actor, ctx, &arg)?;
        let (action, event) = match flag {
            Flag::Archived(true) => (Action::EnvUpdate, "env.archive"),
            Flag::Archived(false) => (Action::EnvUpdate, "env.unarchive"),
            Flag::Protected(true) => (Action::EnvProtect, "env.protect"),
            Flag::Protected(false) => (Action::EnvProtect, "env.unprotect"),
        };
        access::require(db, actor, action, &Target::env(&org, &project, &before))?;
        let mut after = before.clone();
        match flag {
            Flag::Archived(true) if before.archived_at.is_none() => {
                after.archived_at = Some(crate::store::now())
            }
            Flag::Archived(false) => after.archived_at = None,
            Flag::Protected(p) => after.protected = p,
            Flag::Archived(true) => {}
        }
        let changed = save(db, actor, event, &org, &before, &after)?;
        Ok((EnvView::new(&after), changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&view)
}
