//! `proj member …`: the people of an organization, their roles and their project grants.

use super::grant::{self, GrantView, Grantee, HeldGrant};
use super::roster::{EffectiveRole, Roster};
use super::{App, parse_word};
use crate::access::{self, Action, Actor, MemberChange, Target};
use crate::error::{Error, Result};
use crate::model::{OrgRole, ProjectRole, validate_email};
use crate::ops;
use crate::output::{Record, dash_if_empty, or_dash};
use crate::scope::{find_member, member_exists};
use crate::store::{Db, Holder, MemberRow, OrgRow};
use crate::tx::Event;
use clap::{Args, Subcommand};
use serde::Serialize;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MemberCmd {
    /// Add a member to the organization; the first member becomes its owner
    #[command(visible_aliases = ["create", "new"])]
    Add(AddArgs),
    /// List the members of the organization with their roles and grants
    #[command(visible_alias = "ls")]
    List,
    /// Show one member with their role and grants
    Show {
        /// The member's email
        #[arg(
            value_parser = super::parse_email,
            add = clap_complete::ArgValueCompleter::new(super::complete::member)
        )]
        email: String,
    },
    /// Change a member's email or name
    Rename(RenameArgs),
    /// Change a member's organization role
    Role {
        /// The member's email
        #[arg(
            value_parser = super::parse_email,
            add = clap_complete::ArgValueCompleter::new(super::complete::member)
        )]
        email: String,
        /// New organization role: owner, admin, member or viewer
        #[arg(
            value_parser = parse_word::<OrgRole>,
            add = clap_complete::ArgValueCompleter::new(super::complete::org_role)
        )]
        role: OrgRole,
    },
    /// Remove a member (and their grants) from the organization
    #[command(visible_aliases = ["rm", "delete"])]
    Remove {
        /// The member's email
        #[arg(
            value_parser = super::parse_email,
            add = clap_complete::ArgValueCompleter::new(super::complete::member)
        )]
        email: String,
    },
    /// Give a member a project role, on the whole project (--project) or one environment (--env)
    Grant(GrantArgs),
    /// Take back a member's project role, or their role on one environment (--env)
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new member's email
    #[arg(value_parser = super::parse_email)]
    pub email: String,
    /// The member's name, shown to people
    #[arg(long, value_name = "NAME", value_parser = super::parse_name)]
    pub name: Option<String>,
    /// Organization role: owner, admin, member or viewer (the first member is always owner)
    #[arg(
        long,
        value_name = "ROLE",
        value_parser = parse_word::<OrgRole>,
        add = clap_complete::ArgValueCompleter::new(super::complete::org_role)
    )]
    pub role: Option<OrgRole>,
    /// The database login that acts as this member on a shared database (team mode)
    #[arg(long, value_name = "LOGIN")]
    pub login: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The member's current email
    #[arg(
            value_parser = super::parse_email,
            add = clap_complete::ArgValueCompleter::new(super::complete::member)
        )]
    pub email: String,
    /// New email
    #[arg(value_parser = super::parse_email)]
    pub new_email: Option<String>,
    /// New name (empty to clear it)
    #[arg(long, value_name = "NAME", value_parser = super::parse_name)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The member's email
    #[arg(
            value_parser = super::parse_email,
            add = clap_complete::ArgValueCompleter::new(super::complete::member)
        )]
    pub email: String,
    /// Limit the grant to this environment (ENV, PROJECT/ENV or ORG/PROJECT/ENV); it replaces
    /// the project-wide role there
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
    /// The member's email
    #[arg(
            value_parser = super::parse_email,
            add = clap_complete::ArgValueCompleter::new(super::complete::member)
        )]
    pub email: String,
    /// Revoke only the grant on this environment (ENV, PROJECT/ENV or ORG/PROJECT/ENV)
    #[arg(
        short = 'e',
        long,
        value_name = "ENV",
        add = clap_complete::ArgValueCompleter::new(super::complete::env)
    )]
    pub env: Option<String>,
}

/// A member as users see it: organization role and the grants the viewer may see.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub org: String,
    pub email: String,
    pub name: Option<String>,
    pub role: OrgRole,
    /// The member's own grants.
    pub grants: Vec<HeldGrant>,
    /// Slugs of the teams they are in.
    pub teams: Vec<String>,
    /// The role their grants give on each environment of the projects the viewer sees, with
    /// the holder it comes from: the highest any holder (they, or one of their teams) gives.
    pub access: Vec<EffectiveRole>,
    pub created_at: String,
    /// The database login mapped to the member (team mode); absent when none is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// Adds `teams` and `access` columns to tables when the organization has teams.
    #[serde(skip)]
    pub show_teams: bool,
}

impl Record for MemberView {
    const PLURAL: &'static str = "members";
    fn headers(&self) -> Vec<&'static str> {
        if self.show_teams {
            return vec![
                "email", "name", "role", "grants", "teams", "access", "created",
            ];
        }
        vec!["email", "name", "role", "grants", "created"]
    }
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![
            self.email.clone(),
            or_dash(&self.name),
            self.role.to_string(),
            dash_if_empty(self.grants.iter().map(HeldGrant::label).collect()),
        ];
        if self.show_teams {
            cells.push(dash_if_empty(self.teams.clone()));
            cells.push(dash_if_empty(
                self.access.iter().map(EffectiveRole::label).collect(),
            ));
        }
        cells.push(self.created_at.clone());
        cells
    }
    /// `email name role grants`, grants as `PROJECT:ROLE` or `PROJECT/ENV:ROLE` joined by
    /// `,` (`-` for none): slugs and roles hold neither `,` nor `:`, nor spaces or tabs.
    fn plain(&self) -> Vec<String> {
        let grants: Vec<_> = self
            .grants
            .iter()
            .map(|g| g.label().replace(": ", ":"))
            .collect();
        vec![
            self.email.clone(),
            or_dash(&self.name),
            self.role.to_string(),
            if grants.is_empty() {
                "-".into()
            } else {
                grants.join(",")
            },
        ]
    }
}

pub fn run(app: &mut App, cmd: MemberCmd) -> Result<()> {
    match cmd {
        MemberCmd::Add(args) => add(app, args),
        MemberCmd::List => list(app),
        MemberCmd::Show { email } => show(app, email),
        MemberCmd::Rename(args) => rename(app, args),
        MemberCmd::Role { email, role } => set_role(app, email, role),
        MemberCmd::Remove { email } => remove(app, email),
        MemberCmd::Grant(args) => grant(app, args),
        MemberCmd::Revoke(args) => revoke(app, args),
    }
}

/// The member view, with only the grants on projects the actor can see.
pub(super) fn view(db: &Db, actor: &Actor, org: &OrgRow, m: &MemberRow) -> Result<MemberView> {
    Ok(view_in(&Roster::member(db, actor, org, m)?, m))
}

/// The member view from what was read of the organization ([`Roster`]).
fn view_in(roster: &Roster, m: &MemberRow) -> MemberView {
    MemberView {
        org: m.org.clone(),
        email: m.email.clone(),
        name: m.name.clone(),
        role: m.role,
        grants: roster.held(Holder::Member(m.id)),
        teams: roster.teams_of(m.id),
        access: roster.effective(m.id),
        created_at: m.created_at.clone(),
        login: m.login.clone(),
        show_teams: roster.has_teams(),
    }
}

fn add(app: &mut App, args: AddArgs) -> Result<()> {
    validate_email(&args.email)?;
    let asked = args.role.unwrap_or(OrgRole::Member);
    let (shown, first, saved_identity, locked_out) = app.mutate(|tx| {
        let (db, actor) = (tx.db, tx.actor);
        let org = tx.ctx.require_org(db, actor)?;
        let first = !db.has_members(Some(org.id))?;
        // An organization without members gets its owner first, whatever was asked.
        let role = if first { OrgRole::Owner } else { asked };
        let change = MemberChange {
            email: &args.email,
            from: None,
            to: Some(role),
        };
        tx.require(Action::MemberAdd, &Target::org(&org).with_member(change))?;
        if db.member(org.id, &args.email)?.is_some() {
            return Err(member_exists(&args.email, &org).with_hint(format!(
                "change their role with `proj member role {} ROLE`",
                args.email
            )));
        }
        let new = ops::member::NewMember {
            email: &args.email,
            name: args.name.as_deref().filter(|n| !n.is_empty()),
            role,
            login: args.login.as_deref(),
        };
        // The first member of a file without an identity is the person at the keyboard.
        let saved_identity = first && actor.email.is_none();
        let m = ops::member::add(tx, &org, &new, saved_identity)?;
        // Adding someone else first locks the one running the command out of the organization.
        let locked_out = match &actor.email {
            Some(me) if first && *me != m.email => Some(me.clone()),
            _ => None,
        };
        Ok((
            view(db, actor, &org, &m)?,
            first,
            saved_identity,
            locked_out,
        ))
    })?;
    if first {
        let ignored = if asked != OrgRole::Owner && args.role.is_some() {
            format!(" (--role {asked} does not apply to the first member)")
        } else {
            String::new()
        };
        app.out.status(&format!(
            "{} is the first member of {}, so they are its owner{ignored}",
            shown.email, shown.org
        ));
    }
    if let Some(me) = locked_out {
        app.out.status(&format!(
            "note: you ({me}) are not a member of {}; to join, run `proj member add {me} --org {} --as {}`",
            shown.org, shown.org, shown.email
        ));
    }
    match (&shown.login, saved_identity) {
        // On a shared database: who logs in as that login acts as them.
        (Some(login), true) => app
            .out
            .status(&format!("the login `{login}` now acts as {}", shown.email)),
        (None, true) => app.out.status(&format!(
            "you are now {}; `--as EMAIL` acts as another member",
            shown.email
        )),
        _ => {}
    }
    app.out.one(&shown)
}

fn list(app: &mut App) -> Result<()> {
    let members = app.read(|db, actor, ctx| {
        let org = ctx.require_org(db, actor)?;
        // The whole organization's grants, teams and environments at once, not per member.
        let roster = Roster::org(db, actor, &org, true)?;
        Ok(db
            .members(org.id)?
            .iter()
            .map(|m| view_in(&roster, m))
            .collect::<Vec<_>>())
    })?;
    app.out.list(&members)
}

fn show(app: &mut App, email: String) -> Result<()> {
    let shown = app.read(|db, actor, ctx| {
        let org = ctx.require_org(db, actor)?;
        let m = find_member(db, &org, &email)?;
        view(db, actor, &org, &m)
    })?;
    app.out.one(&shown)
}

fn rename(app: &mut App, args: RenameArgs) -> Result<()> {
    if args.new_email.is_none() && args.name.is_none() {
        return Err(Error::nothing_to_change(
            "give a new email, --name, or both",
        ));
    }
    if let Some(e) = &args.new_email {
        validate_email(e)?;
    }
    let (shown, changed) = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        let before = find_member(db, &org, &args.email)?;
        // Renaming is changing the member: admins may not do it to owners.
        let change = MemberChange {
            email: &before.email,
            from: Some(before.role),
            to: Some(before.role),
        };
        tx.require(Action::MemberRole, &Target::org(&org).with_member(change))?;
        let mut after = before.clone();
        let new_email = args.new_email.as_ref().filter(|e| **e != before.email);
        if let Some(e) = new_email {
            if db.member(org.id, e)?.is_some() {
                return Err(member_exists(e, &org));
            }
            after.email = e.clone();
        }
        if let Some(n) = &args.name {
            after.name = Some(n.clone()).filter(|n| !n.is_empty());
        }
        let changed = ops::member::update(tx, Event::MemberUpdate, &org, &before, &after)?;
        Ok((view(db, tx.actor, &org, &after)?, changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&shown)
}

fn set_role(app: &mut App, email: String, role: OrgRole) -> Result<()> {
    let (shown, changed) = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        let before = find_member(db, &org, &email)?;
        let change = MemberChange {
            email: &before.email,
            from: Some(before.role),
            to: Some(role),
        };
        tx.require(Action::MemberRole, &Target::org(&org).with_member(change))?;
        if before.role != role {
            access::keep_an_owner(db, &org, &before, "demote")?;
        }
        let mut after = before.clone();
        after.role = role;
        let changed = ops::member::update(tx, Event::MemberRole, &org, &before, &after)?;
        Ok((view(db, tx.actor, &org, &after)?, changed))
    })?;
    if !changed {
        app.out.status("nothing changed");
    }
    app.out.one(&shown)
}

fn remove(app: &mut App, email: String) -> Result<()> {
    let removed = app.mutate(|tx| {
        let db = tx.db;
        let org = tx.ctx.require_org(db, tx.actor)?;
        let m = find_member(db, &org, &email)?;
        let change = MemberChange {
            email: &m.email,
            from: Some(m.role),
            to: None,
        };
        tx.require(Action::MemberRemove, &Target::org(&org).with_member(change))?;
        access::keep_an_owner(db, &org, &m, "remove")?;
        let shown = view(db, tx.actor, &org, &m)?;
        ops::member::remove(tx, &org, &m)?;
        Ok(shown)
    })?;
    app.out
        .status(&format!("removed {} from {}", removed.email, removed.org));
    app.out.one(&removed)
}

impl Grantee for MemberRow {
    fn find(db: &Db, org: &OrgRow, email: &str) -> Result<Self> {
        find_member(db, org, email)
    }
    fn holder(&self) -> Holder {
        Holder::Member(self.id)
    }
    fn name(&self) -> &str {
        &self.email
    }
    fn no_grant(&self, place: &str) -> Error {
        Error::not_found(format!("`{}` has no grant on {place}", self.email))
            .with_hint(format!("see `proj member show {}`", self.email))
    }
}

fn grant(app: &mut App, args: GrantArgs) -> Result<()> {
    let (shown, note) = app.mutate(|tx| {
        let (scope, m, after) =
            grant::set::<MemberRow>(tx, &args.email, args.env.as_deref(), args.role)?;
        let note = matches!(m.role, OrgRole::Owner | OrgRole::Admin).then(|| {
            format!(
                "{} is {} of {}, which already covers every project; the grant applies if that role changes",
                m.email,
                m.role,
                scope.org().slug
            )
        });
        Ok((GrantView::new(&after), note))
    })?;
    if let Some(note) = note {
        app.out.status(&note);
    }
    app.out.one(&shown)
}

fn revoke(app: &mut App, args: RevokeArgs) -> Result<()> {
    grant::revoke::<MemberRow>(app, &args.email, args.env.as_deref())
}
