use super::App;
use crate::access::{self, Action, Actor, Target};
use crate::context::visible_projects;
use crate::error::{Error, Result};
use crate::model::validate_slug;
use crate::ops;
use crate::scope::{find_org, org_name_taken};
use crate::store::{Db, OrgRow};
use crate::view::OrgView;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum OrgCmd {
    /// Create an organization
    #[command(visible_aliases = ["create", "new"])]
    Add(AddArgs),
    /// List organizations
    #[command(visible_alias = "ls")]
    List,
    /// Show one organization (default: the current one)
    Show {
        /// Organization slug
        #[arg(
            id = "org_arg",
            value_name = "ORG",
            add = clap_complete::ArgValueCompleter::new(super::complete::org)
        )]
        org: Option<String>,
    },
    /// Rename an organization or change its display name
    Rename(RenameArgs),
    /// Remove an organization with its projects, environments and members
    #[command(visible_aliases = ["rm", "delete"])]
    Remove {
        /// Organization slug
        #[arg(
            id = "org_arg",
            value_name = "ORG",
            add = clap_complete::ArgValueCompleter::new(super::complete::org)
        )]
        org: String,
    },
    /// Make an organization the current one for later commands
    Use {
        /// Organization slug
        #[arg(
            id = "org_arg",
            value_name = "ORG",
            add = clap_complete::ArgValueCompleter::new(super::complete::org)
        )]
        org: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Slug of the new organization (lowercase letters, digits and '-')
    pub name: String,
    /// Free-text name shown to people
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
    pub display_name: Option<String>,
    /// Your email: you become the organization's first owner (on a shared database you always
    /// do, with your login: it defaults to the email your login has as a member elsewhere, or
    /// to the login itself when that is an email)
    #[arg(long, value_name = "EMAIL", value_parser = super::parse_email)]
    pub user: Option<String>,
    /// Your name, with --user
    #[arg(long = "name", value_name = "TEXT", requires = "user", value_parser = super::parse_text)]
    pub user_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Current slug
    #[arg(
        id = "org_arg",
        value_name = "ORG",
        add = clap_complete::ArgValueCompleter::new(super::complete::org)
    )]
    pub org: String,
    /// New slug
    pub new_name: Option<String>,
    /// New display name
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
    pub display_name: Option<String>,
}

pub fn run(app: &mut App, cmd: OrgCmd) -> Result<()> {
    match cmd {
        OrgCmd::Add(args) => add(app, args),
        OrgCmd::List => list(app),
        OrgCmd::Show { org } => show(app, org),
        OrgCmd::Rename(args) => rename(app, args),
        OrgCmd::Remove { org } => remove(app, org),
        OrgCmd::Use { org } => use_org(app, org),
    }
}

fn view(db: &Db, actor: &Actor, org: &OrgRow) -> Result<OrgView> {
    let projects = visible_projects(db, actor, org)?
        .into_iter()
        .map(|p| p.slug)
        .collect();
    Ok(OrgView::new(org, projects))
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    crate::model::validate_new_slug("organization", "org", &args.name)?;
    if let Some(email) = &args.user {
        crate::model::validate_email(email)?;
    }
    let (created, saved) = app.mutate(|tx| {
        let db = tx.db;
        if let Some(e) = org_name_taken(db, tx.actor, &args.name)? {
            // Only one they can see comes without a hint, and may be what they meant.
            return Err(match e.hint {
                None => e.with_hint("pick another name, or use it with `--org`"),
                Some(_) => e,
            });
        }
        // On a shared database the login at the keyboard is the first owner: an
        // organization there is never without one (nor claimable by anyone), which the
        // database holds at commit. Its email is --user, or the one the login already has as a
        // member elsewhere, or the login itself when that is an email.
        let login = db.login();
        let user = match (&args.user, login) {
            (Some(u), _) => Some(u.clone()),
            // Neither said: the database refuses the organization at commit, naming --user
            // (its schema's owner, whom nobody works as, is not held to it).
            (None, Some(l)) => own_email(db, l)?,
            (None, None) => None,
        };
        let org = ops::org::add(
            tx,
            &args.name,
            args.display_name.as_deref().filter(|s| !s.is_empty()),
        )?;
        let mut saved = None;
        if let Some(email) = &user {
            let m = ops::member::add_creator(tx, &org, email, args.user_name.as_deref())?;
            // On a file without an identity, the owner is the person at the keyboard from now
            // on, as the first member of an organization is.
            if tx.actor.email.is_none() && login.is_none() {
                ops::selection::save_identity(db, Some(&m.email))?;
                tx.author(&m.email);
                saved = Some(m.email);
            }
        }
        Ok((view(db, tx.actor, &org)?, saved))
    })?;
    if let Some(email) = saved {
        app.out.status(&format!(
            "you are now {email}, the owner of {}; `--as EMAIL` acts as another member",
            created.slug
        ));
    }
    app.out.one(&created)
}

/// The email a login goes by: the one its memberships share, or the login itself when it is
/// an email; `None` when neither says.
fn own_email(db: &Db, login: &str) -> Result<Option<String>> {
    let mut emails: Vec<String> = db
        .memberships_of_login(login)?
        .into_iter()
        .map(|m| m.email)
        .collect();
    emails.sort();
    emails.dedup();
    Ok(match emails.as_slice() {
        [one] => Some(one.clone()),
        [] if crate::model::validate_email(login).is_ok() => {
            Some(crate::model::normalize_email(login))
        }
        _ => None,
    })
}

fn list(app: &mut App) -> Result<()> {
    let orgs = app.read(|db, actor, _| {
        let mut out = Vec::new();
        for org in db.orgs()? {
            if access::can_see(db, actor, &Target::org(&org))? {
                out.push(view(db, actor, &org)?);
            }
        }
        Ok(out)
    })?;
    app.out.list(&orgs)
}

fn show(app: &mut App, org: Option<String>) -> Result<()> {
    let shown = app.read(|db, actor, ctx| {
        let org = match &org {
            Some(slug) => find_org(db, actor, slug)?,
            None => ctx.require_org(db, actor)?,
        };
        view(db, actor, &org)
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none() && args.display_name.is_none() {
        return Err(Error::nothing_to_change(
            "give a new slug, --display-name, or both",
        ));
    }
    if let Some(n) = &args.new_name {
        validate_slug("organization", n)?;
    }
    let (renamed, changed) = app.mutate(|tx| {
        let db = tx.db;
        let before = find_org(db, tx.actor, &args.org)?;
        tx.require(Action::OrgUpdate, &Target::org(&before))?;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug
                && let Some(e) = org_name_taken(db, tx.actor, n)?
            {
                return Err(e);
            }
            after.slug = n.clone();
        }
        if let Some(d) = &args.display_name {
            after.display_name = Some(d.clone()).filter(|d| !d.is_empty());
        }
        let changed = ops::org::update(tx, &before, &after)?;
        Ok((view(db, tx.actor, &after)?, changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&renamed)
}

fn remove(app: &mut App, slug: String) -> Result<()> {
    let held = app.check(|tx| {
        let org = find_org(tx.db, tx.actor, &slug)?;
        tx.require(Action::OrgRemove, &Target::org(&org))?;
        Ok((tx.db.projects(org.id)?.len(), tx.db.members(org.id)?.len()))
    })?;
    if held != (0, 0) {
        let what = format!(
            "organization `{slug}` has {} project(s) and {} member(s)",
            held.0, held.1
        );
        app.confirm(
            &format!("{what}; remove it with everything in it?"),
            Error::conflict(what).with_hint("pass --yes to remove it with everything in it"),
        )?;
    }
    let removed = app.mutate(|tx| {
        let db = tx.db;
        let org = find_org(db, tx.actor, &slug)?;
        tx.require(Action::OrgRemove, &Target::org(&org))?;
        let shown = view(db, tx.actor, &org)?;
        ops::org::remove(tx, &org)?;
        Ok(shown)
    })?;
    app.out
        .status(&format!("removed organization {}", removed.slug));
    app.out.one(&removed)
}

fn use_org(app: &mut App, slug: String) -> Result<()> {
    let chosen = app.write(|db, actor, _| {
        let org = find_org(db, actor, &slug)?;
        let saved = db.selection(actor.email.as_deref())?;
        let keep = saved
            .project
            .filter(|(o, _)| *o == org.slug)
            .and_then(|(_, p)| db.project(org.id, &p).ok().flatten())
            .map(|p| p.id);
        ops::selection::save(db, actor.email.as_deref(), Some(org.id), keep)?;
        view(db, actor, &org)
    })?;
    app.out
        .status(&format!("now using organization {}", chosen.slug));
    app.out.one(&chosen)
}
