use super::{App, parse_word};
use crate::access::Action;
use crate::error::{Error, Result};
use crate::model::{EnvKind, default_display_name, slash, validate_slug};
use crate::ops;
use crate::scope::{EnvScope, ProjectScope};
use crate::store::NewEnv;
use crate::tx::{Event, Tx};
use crate::view::EnvView;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
#[command(defer = true)]
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
    Unarchive(AnyEnvArg),
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

// `EnvArg` that completes archived environments too (`env unarchive`). A plain comment: a
// doc comment would become the command's help, as the arguments are built after it.
#[derive(Debug, Args)]
pub struct AnyEnvArg {
    /// Environment slug, or PROJECT/ENV, or ORG/PROJECT/ENV
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::any_env))]
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
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
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
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
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

/// Writes `after` with its audit event when it differs from the scope's environment;
/// whether it did.
fn save(tx: &Tx, event: Event, scope: &EnvScope, after: &crate::store::EnvRow) -> Result<bool> {
    ops::env::update(tx, event, &scope.org, &scope.project, &scope.env, after)
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    validate_slug("environment", &args.name)?;
    let created = app.mutate(|tx| {
        let db = tx.db;
        let scope = ProjectScope::resolve(db, tx.actor, tx.ctx, None)?;
        tx.require(Action::EnvAdd, &scope.target())?;
        if let Some(existing) = db.env(scope.project.id, &args.name)? {
            let mut e = Error::exists_in(format!("environment `{}`", args.name), &scope.path());
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
        let new = NewEnv {
            slug: &args.name,
            display_name: &display_name,
            kind,
            description: args.description.as_deref().filter(|s| !s.is_empty()),
            protected: kind.protected_by_default(),
        };
        let env = ops::env::add(tx, &scope.org, &scope.project, &new, false)?;
        Ok(EnvView::new(&env))
    })?;
    app.out.one(&created)
}

fn list(app: &mut App, archived: bool) -> Result<()> {
    let envs = app.read(|db, actor, ctx| {
        let scope = ProjectScope::resolve(db, actor, ctx, None)?;
        Ok(db
            .envs(scope.project.id, archived)?
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
    let shown =
        app.read(|db, actor, ctx| Ok(EnvView::new(&EnvScope::resolve(db, actor, ctx, &arg)?.env)))?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none()
        && args.display_name.is_none()
        && args.description.is_none()
        && args.kind.is_none()
    {
        return Err(Error::nothing_to_change(
            "give a new slug, --display-name, --description or --kind",
        ));
    }
    if let Some(n) = &args.new_name {
        validate_slug("environment", n)?;
    }
    let (renamed, changed) = app.mutate(|tx| {
        let scope = EnvScope::resolve(tx.db, tx.actor, tx.ctx, &args.env)?;
        tx.require(Action::EnvUpdate, &scope.target())?;
        let before = &scope.env;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug && tx.db.env(scope.project.id, n)?.is_some() {
                return Err(Error::exists_in(
                    format!("environment `{n}`"),
                    &slash(&[&scope.org.slug, &scope.project.slug]),
                ));
            }
            // A display name that was only the default follows the new slug.
            if before.display_name == default_display_name(&before.slug) {
                after.display_name = default_display_name(n);
            }
            after.slug = n.clone();
        }
        // An empty display name goes back to the default one: an environment always has one.
        if let Some(d) = &args.display_name {
            after.display_name = if d.is_empty() {
                default_display_name(&after.slug)
            } else {
                d.clone()
            };
        }
        if let Some(d) = &args.description {
            after.description = Some(d.clone()).filter(|d| !d.is_empty());
        }
        if let Some(k) = args.kind {
            after.kind = k;
            after.protected = before.kind.protection_after_change(before.protected, k);
        }
        // Protection the kind change brings is an action of its own, checked and recorded
        // as `env protect` / `env unprotect` would be (as `apply` does).
        let protection = match (before.protected, after.protected) {
            (false, true) => Some(Event::EnvProtect),
            (true, false) => Some(Event::EnvUnprotect),
            _ => None,
        };
        if let Some(event) = protection {
            tx.require_for(event, &scope.target())?;
        }
        let mut updated = after.clone();
        updated.protected = before.protected;
        // A rename to what it already is changes nothing and writes no event.
        let mut changed = save(tx, Event::EnvUpdate, &scope, &updated)?;
        if let Some(event) = protection {
            let scope = EnvScope {
                env: updated,
                ..scope
            };
            changed |= save(tx, event, &scope, &after)?;
        }
        Ok((EnvView::new(&after), changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&renamed)
}

fn remove(app: &mut App, arg: String) -> Result<()> {
    let (env, resources) = app.check(|tx| {
        let scope = EnvScope::resolve(tx.db, tx.actor, tx.ctx, &arg)?;
        tx.require(Action::EnvRemove, &scope.target())?;
        let n = tx.db.resource_count(scope.env.id)?;
        Ok((scope.env, n))
    })?;
    let place = slash(&[&env.org, &env.project]);
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
    let removed = app.mutate(|tx| {
        let scope = EnvScope::resolve(tx.db, tx.actor, tx.ctx, &arg)?;
        ops::env::remove(tx, &scope.org, &scope.project, &scope.env)?;
        Ok(EnvView::new(&scope.env))
    })?;
    app.out.status(&format!(
        "removed environment {}",
        slash(&[&removed.org, &removed.project, &removed.slug])
    ));
    app.out.one(&removed)
}

enum Flag {
    Archived(bool),
    Protected(bool),
}

fn set_flag(app: &mut App, arg: String, flag: Flag) -> Result<()> {
    let (view, changed) = app.mutate(|tx| {
        let scope = EnvScope::resolve(tx.db, tx.actor, tx.ctx, &arg)?;
        let event = match flag {
            Flag::Archived(true) => Event::EnvArchive,
            Flag::Archived(false) => Event::EnvUnarchive,
            Flag::Protected(true) => Event::EnvProtect,
            Flag::Protected(false) => Event::EnvUnprotect,
        };
        tx.require_for(event, &scope.target())?;
        let before = &scope.env;
        let mut after = before.clone();
        match flag {
            Flag::Archived(true) if before.archived_at.is_none() => {
                after.archived_at = Some(crate::store::now())
            }
            Flag::Archived(false) => after.archived_at = None,
            Flag::Protected(p) => after.protected = p,
            Flag::Archived(true) => {}
        }
        let changed = save(tx, event, &scope, &after)?;
        Ok((EnvView::new(&after), changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&view)
}
