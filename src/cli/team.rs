//! `proj team …`: named groups of members that hold grants the way a member does.

use super::grant::{self, GrantView, Grantee, HeldGrant};
use super::roster::Roster;
use super::{App, parse_word};
use crate::access::{Action, Actor, Target};
use crate::error::{Error, Result};
use crate::model::{ProjectRole, validate_slug};
use crate::ops;
use crate::output::{Record, dash_if_empty, or_dash};
use crate::scope::{find_member, find_team, team_exists};
use crate::store::{Db, Holder, OrgRow, TeamRow};
use clap::{Args, Subcommand};
use serde::Serialize;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum TeamCmd {
    /// Create a team in the organization
    #[command(visible_aliases = ["create", "new"])]
    Add(AddArgs),
    /// List the teams of the organization with their members and grants
    #[command(visible_alias = "ls")]
    List,
    /// Show one team with its members and grants
    Show(TeamArg),
    /// Rename a team or change its display name or description
    Rename(RenameArgs),
    /// Remove a team with its memberships and grants
    #[command(visible_aliases = ["rm", "delete"])]
    Remove(TeamArg),
    /// Add members of the organization to a team
    Join(MembersArgs),
    /// Take members out of a team
    Leave(MembersArgs),
    /// Give a team a project role, on the whole project (--project) or one environment (--env)
    Grant(GrantArgs),
    /// Take back a team's project role, or its role on one environment (--env)
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct TeamArg {
    /// Team slug
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::team))]
    pub team: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Slug of the new team (lowercase letters, digits and '-')
    pub name: String,
    /// Free-text name shown to people
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
    pub display_name: Option<String>,
    /// What the team does
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Current team slug
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::team))]
    pub team: String,
    /// New slug
    pub new_name: Option<String>,
    /// New display name (empty to clear it)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_name)]
    pub display_name: Option<String>,
    /// New description (empty to clear it)
    #[arg(long, value_name = "TEXT", value_parser = super::parse_text)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct MembersArgs {
    /// Team slug
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::team))]
    pub team: String,
    /// Emails of members of the organization
    #[arg(
        required = true,
        value_name = "EMAIL",
        value_parser = super::parse_email,
        add = clap_complete::ArgValueCompleter::new(super::complete::member)
    )]
    pub emails: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// Team slug
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::team))]
    pub team: String,
    /// Limit the grant to this environment (ENV, PROJECT/ENV or ORG/PROJECT/ENV); it replaces
    /// the team's project-wide role there
    #[arg(
        short = 'e',
        long,
        value_name = "ENV",
        add = clap_complete::ArgValueCompleter::new(super::complete::env)
    )]
    pub env: Option<String>,
    /// Project role: admin, developer or viewer
    #[arg(
        long,
        value_name = "ROLE",
        value_parser = parse_word::<ProjectRole>,
        add = clap_complete::ArgValueCompleter::new(super::complete::project_role)
    )]
    pub role: ProjectRole,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Team slug
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::team))]
    pub team: String,
    /// Revoke only the grant on this environment (ENV, PROJECT/ENV or ORG/PROJECT/ENV)
    #[arg(
        short = 'e',
        long,
        value_name = "ENV",
        add = clap_complete::ArgValueCompleter::new(super::complete::env)
    )]
    pub env: Option<String>,
}

/// A team as users see it: its members and the grants on projects the viewer may see.
#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    pub org: String,
    pub slug: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Emails, alphabetical.
    pub members: Vec<String>,
    pub grants: Vec<HeldGrant>,
    pub created_at: String,
}

impl Record for TeamView {
    const PLURAL: &'static str = "teams";
    fn headers(&self) -> Vec<&'static str> {
        vec!["slug", "name", "members", "grants", "created"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            or_dash(&self.display_name),
            dash_if_empty(self.members.clone()),
            dash_if_empty(self.grants.iter().map(HeldGrant::label).collect()),
            self.created_at.clone(),
        ]
    }
    /// `slug name members`: members comma-separated, for `cut`.
    fn plain(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            or_dash(&self.display_name),
            self.members.join(","),
        ]
    }
}

pub fn run(app: &mut App, cmd: TeamCmd) -> Result<()> {
    match cmd {
        TeamCmd::Add(args) => add(app, args),
        TeamCmd::List => list(app),
        TeamCmd::Show(a) => show(app, a.team),
        TeamCmd::Rename(args) => rename(app, args),
        TeamCmd::Remove(a) => remove(app, a.team),
        TeamCmd::Join(args) => join(app, args),
        TeamCmd::Leave(args) => leave(app, args),
        TeamCmd::Grant(args) => grant(app, args),
        TeamCmd::Revoke(args) => revoke(app, args),
    }
}

/// The team view, with only the grants on projects the actor can see.
pub fn view(db: &Db, actor: &Actor, org: &OrgRow, t: &TeamRow) -> Result<TeamView> {
    Ok(view_in(&Roster::team(db, actor, org, t)?, t))
}

/// The team view from what was read of the organization ([`Roster`]).
fn view_in(roster: &Roster, t: &TeamRow) -> TeamView {
    TeamView {
        org: t.org.clone(),
        slug: t.slug.clone(),
        display_name: t.display_name.clone(),
        description: t.description.clone(),
        members: roster.members_of(t.id),
        grants: roster.held(Holder::Team(t.id)),
        created_at: t.created_at.clone(),
    }
}

/// An empty free text clears the field.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    crate::model::validate_new_slug("team", "team", &args.name)?;
    let created = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        tx.require(Action::TeamAdd, &Target::org(&org))?;
        if db.team(org.id, &args.name)?.is_some() {
            return Err(team_exists(&args.name, &org)
                .with_hint("pick another name, or see `proj team list`"));
        }
        let new = ops::team::NewTeam {
            slug: &args.name,
            display_name: text(&args.display_name),
            description: text(&args.description),
        };
        let team = ops::team::add(tx, &org, &new)?;
        view(db, tx.actor, &org, &team)
    })?;
    app.out.one(&created)
}

fn list(app: &mut App) -> Result<()> {
    let teams = app.read(|db, actor, ctx| {
        let org = ctx.require_org(db, actor)?;
        // The whole organization's grants and team members at once, not per team.
        let roster = Roster::org(db, actor, &org, false)?;
        Ok(db
            .teams(org.id)?
            .iter()
            .map(|t| view_in(&roster, t))
            .collect::<Vec<_>>())
    })?;
    app.out.list(&teams)
}

fn show(app: &mut App, slug: String) -> Result<()> {
    let shown = app.read(|db, actor, ctx| {
        let org = ctx.require_org(db, actor)?;
        let team = find_team(db, &org, &slug)?;
        view(db, actor, &org, &team)
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_name.is_none() && args.display_name.is_none() && args.description.is_none() {
        return Err(Error::nothing_to_change(
            "give a new slug, --display-name or --description",
        ));
    }
    if let Some(n) = &args.new_name {
        validate_slug("team", n)?;
    }
    let (shown, changed) = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        let before = find_team(db, &org, &args.team)?;
        tx.require(Action::TeamUpdate, &Target::org(&org))?;
        let mut after = before.clone();
        if let Some(n) = &args.new_name {
            if *n != before.slug && db.team(org.id, n)?.is_some() {
                return Err(team_exists(n, &org));
            }
            after.slug = n.clone();
        }
        if args.display_name.is_some() {
            after.display_name = text(&args.display_name).map(str::to_string);
        }
        if args.description.is_some() {
            after.description = text(&args.description).map(str::to_string);
        }
        let changed = ops::team::update(tx, &org, &before, &after)?;
        Ok((view(db, tx.actor, &org, &after)?, changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&shown)
}

fn remove(app: &mut App, slug: String) -> Result<()> {
    let held = app.check(|tx| {
        let org = tx.ctx.require_org(tx.db, tx.actor)?;
        let team = find_team(tx.db, &org, &slug)?;
        tx.require(Action::TeamRemove, &Target::org(&org))?;
        Ok((
            tx.db.team_members(team.id)?.len(),
            tx.db.holder_grants(Holder::Team(team.id))?.len(),
        ))
    })?;
    if held != (0, 0) {
        let what = format!(
            "team `{slug}` has {} member(s) and {} grant(s)",
            held.0, held.1
        );
        app.confirm(
            &format!("{what}; remove it with its memberships and grants?"),
            Error::conflict(what)
                .with_hint("pass --yes to remove it with its memberships and grants"),
        )?;
    }
    let removed = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        let team = find_team(db, &org, &slug)?;
        tx.require(Action::TeamRemove, &Target::org(&org))?;
        let shown = view(db, tx.actor, &org, &team)?;
        ops::team::remove(tx, &org, &team)?;
        Ok(shown)
    })?;
    app.out.status(&format!(
        "removed team {} from {}",
        removed.slug, removed.org
    ));
    app.out.one(&removed)
}

/// `team join` and `team leave`: which way the membership goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    Join,
    Leave,
}

fn join(app: &mut App, args: MembersArgs) -> Result<()> {
    change_members(app, args, Membership::Join)
}

fn leave(app: &mut App, args: MembersArgs) -> Result<()> {
    change_members(app, args, Membership::Leave)
}

/// Adds or takes out every email in one transaction: one that is not a member of the
/// organization (or, leaving, not in the team) fails the command and changes nothing.
fn change_members(app: &mut App, args: MembersArgs, way: Membership) -> Result<()> {
    let (shown, unchanged) = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        let team = find_team(db, &org, &args.team)?;
        tx.require(Action::TeamUpdate, &Target::org(&org))?;
        let mut unchanged = Vec::new();
        for email in &args.emails {
            let m = find_member(db, &org, email)?;
            match way {
                Membership::Join => {
                    if !ops::team::join(tx, &org, &team, &m)? {
                        unchanged.push(m.email.clone());
                    }
                }
                Membership::Leave => {
                    if !ops::team::leave(tx, &org, &team, m.id, &m.email)? {
                        return Err(Error::not_found(format!(
                            "`{}` is not in team `{}`",
                            m.email, team.slug
                        ))
                        .with_hint(format!("see `proj team show {}`", team.slug)));
                    }
                }
            }
        }
        Ok((view(db, tx.actor, &org, &team)?, unchanged))
    })?;
    for email in unchanged {
        app.out
            .status(&format!("{email} is already in team {}", shown.slug));
    }
    app.out.one(&shown)
}

impl Grantee for TeamRow {
    fn find(db: &Db, org: &OrgRow, slug: &str) -> Result<Self> {
        find_team(db, org, slug)
    }
    fn holder(&self) -> Holder {
        Holder::Team(self.id)
    }
    fn name(&self) -> &str {
        &self.slug
    }
    fn no_grant(&self, place: &str) -> Error {
        Error::not_found(format!("team `{}` has no grant on {place}", self.slug))
            .with_hint(format!("see `proj team show {}`", self.slug))
    }
}

fn grant(app: &mut App, args: GrantArgs) -> Result<()> {
    let shown = app.mutate(|tx| {
        let (_, _, after) = grant::set::<TeamRow>(tx, &args.team, args.env.as_deref(), args.role)?;
        Ok(GrantView::new(&after))
    })?;
    app.out.one(&shown)
}

fn revoke(app: &mut App, args: RevokeArgs) -> Result<()> {
    grant::revoke::<TeamRow>(app, &args.team, args.env.as_deref())
}
