//! `proj env clone` and `proj env diff`: environments compared and copied by their resources.

use super::{App, parse_word};
use crate::access::{Action, Target};
use crate::error::{Error, Result};
use crate::model::{EnvKind, default_display_name, validate_slug};
use crate::ops;
use crate::output::Format;
use crate::resources::EnvDiff;
use crate::scope::EnvScope;
use crate::store::NewEnv;
use crate::view::EnvView;
use clap::Args;

#[derive(Debug, Args)]
pub struct CloneArgs {
    /// Environment to copy (ENV, PROJECT/ENV or ORG/PROJECT/ENV)
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::env))]
    pub src: String,
    /// Slug of the new environment, in the same project
    pub new: String,
    /// Kind of the new environment, instead of the one inferred from its name
    #[arg(
        long,
        value_name = "KIND",
        value_parser = parse_word::<EnvKind>,
        add = clap_complete::ArgValueCompleter::new(super::complete::env_kind)
    )]
    pub kind: Option<EnvKind>,
    /// Free-text name shown to people (default: from the slug)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
    pub display_name: Option<String>,
    /// What the environment is for (default: the source's description)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
    /// Also copy the grants scoped to the source environment, members' and teams'
    #[arg(long)]
    pub with_access: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// One environment (ENV, PROJECT/ENV or ORG/PROJECT/ENV)
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::env))]
    pub a: String,
    /// The other environment
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::env))]
    pub b: String,
}

/// Creates NEW with SRC's resources (and env-scoped grants) in one transaction: a failure
/// anywhere, such as NEW already existing, leaves the file as it was.
pub fn clone(app: &mut App, args: CloneArgs) -> Result<()> {
    validate_slug("environment", &args.new)?;
    let created = app.mutate(|tx| {
        let db = tx.db;
        let EnvScope {
            org,
            project,
            env: src,
        } = EnvScope::resolve(db, tx.actor, tx.ctx, &args.src)?;
        let target = Target::project(&org, &project);
        tx.require(Action::EnvAdd, &target)?;
        if args.with_access {
            tx.require(Action::MemberGrant, &target)?;
        }
        if db.env(project.id, &args.new)?.is_some() {
            return Err(
                Error::exists_in(format!("environment `{}`", args.new), &target.path())
                    .with_hint("pick another name, or remove that environment first"),
            );
        }
        let kind = args.kind.unwrap_or_else(|| EnvKind::infer(&args.new));
        let display_name = args
            .display_name
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| default_display_name(&args.new));
        let description = match &args.description {
            Some(d) => Some(d.clone()).filter(|d| !d.is_empty()),
            None => src.description.clone(),
        };
        let new = NewEnv {
            slug: &args.new,
            display_name: &display_name,
            kind,
            description: description.as_deref(),
            protected: kind.protected_by_default(),
        };
        let env = ops::env::clone(tx, &org, &project, &src, &new, args.with_access)?;
        let copied = db.resource_count(env.id)?;
        Ok((EnvView::new(&env), src.slug.clone(), copied))
    })?;
    let (view, src, copied) = created;
    app.out.status(&format!(
        "cloned {src} into {} with {copied} resource(s)",
        view.slug
    ));
    app.out.one(&view)
}

pub fn diff(app: &mut App, args: DiffArgs) -> Result<()> {
    let diff = app.read(|db, actor, ctx| {
        let a = EnvScope::resolve(db, actor, ctx, &args.a)?.env;
        let b = EnvScope::resolve(db, actor, ctx, &args.b)?.env;
        Ok(EnvDiff::new(
            &a,
            &db.resources(a.id)?,
            &b,
            &db.resources(b.id)?,
        ))
    })?;
    match app.out.format {
        Format::Json => app.out.json(&diff),
        Format::Plain => app.out.text(&diff.plain()),
        Format::Table => app.out.text(&diff.human()),
    }
}
