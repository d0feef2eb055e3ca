//! `proj access check` and `proj whoami`: who may do what, asked of the same function that
//! enforcement runs.

use super::App;
use crate::access::{self, Action, Actor, Level, Standing};
use crate::error::{Error, Result};
use crate::model::OrgRole;
use crate::output::{Format, Record, or_dash};
use crate::scope::{AbsolutePath, Scope};
use clap::{Args, Subcommand, ValueEnum, builder::PossibleValue};
use serde::Serialize;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum AccessCmd {
    /// Tell whether a member may do an action on a target, and the rule that decides
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The member's email
    #[arg(
        value_parser = super::parse_email,
        add = clap_complete::ArgValueCompleter::new(super::complete::member)
    )]
    pub email: String,
    /// The action, e.g. env.update or read
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::action))]
    pub action: Action,
    /// What the action is aimed at: ORG, ORG/PROJECT or ORG/PROJECT/ENV
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::target))]
    pub target: String,
}

impl ValueEnum for Action {
    fn value_variants<'a>() -> &'a [Self] {
        Action::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

/// The answer of `proj access check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub email: String,
    pub action: String,
    pub target: String,
    pub allowed: bool,
    /// False when the target does not exist for the member (enforcement exits 3, not 5).
    pub visible: bool,
    pub rule: String,
    pub reason: String,
    /// Where the deciding role came from: `member` or `team:SLUG`; null when no role decided
    /// (an organization without members, or no grant).
    pub via: Option<String>,
}

impl CheckView {
    fn verdict(&self) -> &'static str {
        if self.allowed { "allowed" } else { "denied" }
    }
}

/// Who the identity is and what they hold.
#[derive(Debug, Clone, Serialize)]
pub struct WhoamiView {
    /// The email acted as (on a shared database: the member the login is in the current
    /// organization, or the login when it is nobody's there).
    pub identity: String,
    /// `flag` (--as), `env` (PROJ_AS), `saved` (`proj init`, first `member add`), `os-user`,
    /// or `login` (a shared database: the login is the identity).
    pub source: String,
    /// The database login the connection acts as (a shared database only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    pub name: Option<String>,
    /// The current organization, when one is selected.
    pub org: Option<String>,
    /// The role in the current organization; an organization without members makes
    /// everyone its owner.
    pub role: Option<OrgRole>,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub org: String,
    pub role: OrgRole,
}

impl Record for WhoamiView {
    const PLURAL: &'static str = "identities";
    // A shared database adds the login as its own column.
    fn headers(&self) -> Vec<&'static str> {
        let mut h = vec!["identity", "name", "source", "org", "role"];
        if self.login.is_some() {
            h.push("login");
        }
        h
    }
    fn cells(&self) -> Vec<String> {
        let mut c = vec![
            self.identity.clone(),
            or_dash(&self.name),
            self.source.clone(),
            or_dash(&self.org),
            self.role.map_or_else(|| "-".into(), |r| r.to_string()),
        ];
        if let Some(login) = &self.login {
            c.push(login.clone());
        }
        c
    }
}

pub fn run(app: &mut App, cmd: AccessCmd) -> Result<()> {
    match cmd {
        AccessCmd::Check(args) => check(app, args),
    }
}

fn check(app: &mut App, args: CheckArgs) -> Result<()> {
    let path = AbsolutePath::parse(&args.target)?;
    let needs_project = matches!(args.action.level(), Level::Project | Level::Env);
    if needs_project && path.depth() < 2 {
        return Err(Error::usage(format!(
            "{} is about a project: give the target as ORG/PROJECT or ORG/PROJECT/ENV",
            args.action
        )));
    }
    let view = app.read_named(|db, actor| {
        // The caller sees only what they may see; the member is judged by `decide`.
        let scope = Scope::absolute(db, actor, &path)?;
        let org = scope.org();
        if db.has_members(Some(org.id))? && db.member(org.id, &args.email)?.is_none() {
            return Err(Error::not_found(format!(
                "no member `{}` in organization `{}`",
                args.email, org.slug
            ))
            .with_hint(format!("see `proj member list --org {}`", org.slug)));
        }
        let target = scope.target();
        let member = Actor {
            email: Some(args.email.clone()),
            explicit: true,
            os_user: actor.os_user.clone(),
            login: None,
        };
        let d = access::decide(db, &member, args.action, &target)?;
        Ok(CheckView {
            email: args.email.clone(),
            action: args.action.to_string(),
            target: target.for_action(args.action).path(),
            allowed: d.allowed,
            visible: d.visible,
            rule: d.rule.to_string(),
            reason: d.reason,
            via: d.via,
        })
    })?;
    // Under --quiet the exit code is the answer, for scripts: 0 allowed, 5 denied.
    if app.out.quiet && !view.allowed {
        return Err(Error::silent(crate::error::Kind::Denied));
    }
    match app.out.format {
        Format::Json => app.out.json(&view),
        Format::Plain => app.out.text(&format!(
            "{}\t{}\t{}\n",
            view.verdict(),
            view.rule,
            view.reason
        )),
        Format::Table => app.out.text(&format!(
            "{}: {}\nrule: {}\n",
            view.verdict(),
            view.reason,
            view.rule
        )),
    }
}

pub fn whoami(app: &mut App) -> Result<()> {
    let as_flag = app.globals.as_member.clone().filter(|e| !e.is_empty());
    let from_env = std::env::var("PROJ_AS")
        .ok()
        .is_some_and(|v| Some(&v) == as_flag.as_ref());
    let view = app.read(|db, actor, ctx| {
        let source = match (&as_flag, from_env, &actor.email) {
            (Some(_), true, _) => "env",
            (Some(_), false, _) => "flag",
            (None, _, Some(_)) => "saved",
            (None, _, None) if actor.login.is_some() => "login",
            (None, _, None) => "os-user",
        };
        let memberships = match (&actor.email, &actor.login) {
            (Some(e), _) => db.memberships(e)?,
            (None, Some(login)) => db.memberships_of_login(login)?,
            (None, None) => Vec::new(),
        };
        let org = match &ctx.org {
            Some(part) => db.org(&part.value)?,
            None => None,
        };
        let role = match &org {
            Some(o) => match access::standing(db, actor, o)? {
                Standing::NoMembers => Some(OrgRole::Owner),
                Standing::Outsider => None,
                Standing::Member(m) => Some(m.role),
            },
            None => None,
        };
        let name = org
            .as_ref()
            .and_then(|o| memberships.iter().find(|m| m.org_id == o.id))
            .or(memberships.first())
            .and_then(|m| m.name.clone());
        // On a server the login is a member (an email) per organization: the current one's.
        let identity = match (&actor.login, &org) {
            (Some(_), Some(o)) => memberships
                .iter()
                .find(|m| m.org_id == o.id)
                .map(|m| m.email.clone()),
            _ => None,
        }
        .unwrap_or_else(|| actor.name().to_string());
        Ok(WhoamiView {
            identity,
            source: source.to_string(),
            login: actor.login.clone(),
            name,
            org: org.map(|o| o.slug),
            role,
            memberships: memberships
                .into_iter()
                .map(|m| Membership {
                    org: m.org,
                    role: m.role,
                })
                .collect(),
        })
    })?;
    app.out.one(&view)
}
