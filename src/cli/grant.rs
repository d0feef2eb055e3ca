//! Grants of either holder: `member grant`/`revoke` and `team grant`/`revoke` share the path
//! (where the grant goes, the `member.grant` check, the write, the event); each noun keeps its
//! own words through [`Grantee`].

use super::App;
use crate::access::Action;
use crate::error::{Error, Result};
use crate::model::{ProjectRole, slash};
use crate::ops;
use crate::output::Record;
use crate::scope::Scope;
use crate::store::{Db, GrantRow, Holder, OrgRow};
use crate::tx::Tx;
use serde::Serialize;

/// A holder of grants (a member or a team) as the grant commands name it.
pub(super) trait Grantee: Sized {
    /// The holder called `name` in `org`; "not found" otherwise.
    fn find(db: &Db, org: &OrgRow, name: &str) -> Result<Self>;
    fn holder(&self) -> Holder;
    /// What its grant events name it by: a member's email, a team's slug.
    fn name(&self) -> &str;
    /// The error for revoking a grant it does not hold on `place`.
    fn no_grant(&self, place: &str) -> Error;
}

/// A grant as `member grant`/`revoke` and `team grant`/`revoke` print it: a member's names
/// them by `email`, a team's by `team` (never both, like [`GrantRow`]).
#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub org: String,
    pub project: String,
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub role: ProjectRole,
    pub created_at: String,
}

impl GrantView {
    pub(super) fn new(g: &GrantRow) -> Self {
        let (email, team) = match (&g.email, &g.team) {
            (None, Some(team)) => (None, Some(team.clone())),
            (email, _) => (Some(email.clone().unwrap_or_default()), None),
        };
        GrantView {
            org: g.org.clone(),
            project: g.project.clone(),
            environment: g.environment.clone(),
            email,
            team,
            role: g.role,
            created_at: g.created_at.clone(),
        }
    }

    /// The first column's header and cell: `email` or `team`.
    fn holder(&self) -> (&'static str, String) {
        match (&self.email, &self.team) {
            (None, Some(team)) => ("team", team.clone()),
            (email, _) => ("email", email.clone().unwrap_or_default()),
        }
    }
}

impl Record for GrantView {
    const PLURAL: &'static str = "grants";
    fn headers(&self) -> Vec<&'static str> {
        vec![
            self.holder().0,
            "org",
            "project",
            "environment",
            "role",
            "created",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.holder().1,
            self.org.clone(),
            self.project.clone(),
            self.environment.clone().unwrap_or_else(|| "(all)".into()),
            self.role.to_string(),
            self.created_at.clone(),
        ]
    }
}

/// One grant inside a member or team view: a project role, project-wide or on one environment.
#[derive(Debug, Clone, Serialize)]
pub struct HeldGrant {
    pub project: String,
    pub environment: Option<String>,
    pub role: ProjectRole,
}

impl HeldGrant {
    /// `project: role` or `project/env: role`.
    pub(super) fn label(&self) -> String {
        match &self.environment {
            Some(e) => format!("{}/{e}: {}", self.project, self.role),
            None => format!("{}: {}", self.project, self.role),
        }
    }
}

/// Where `scope` (a project or one environment of it) points, as a grant's place.
fn place(scope: &Scope) -> Result<ops::grant::Place<'_>> {
    let project = scope
        .project()
        .ok_or_else(|| Error::internal("a grant needs a project"))?;
    Ok(ops::grant::Place {
        org: scope.org(),
        project,
        env: scope.env(),
    })
}

/// `holder`'s grant where `scope` (a project or one environment of it) points, if any.
fn grant_on(db: &Db, holder: Holder, scope: &Scope) -> Result<Option<GrantRow>> {
    match scope.project() {
        Some(project) => ops::grant::on(db, holder, project.id, scope.env().map(|e| e.id)),
        None => Ok(None),
    }
}

/// Where a grant goes (the context's project, or the environment `--env` names), checked for
/// `member.grant` before the holder called `name` is looked up there.
fn resolve<H: Grantee>(tx: &Tx, name: &str, env: Option<&str>) -> Result<(Scope, H)> {
    let scope = Scope::project_or_env(tx.db, tx.actor, tx.ctx, env)?;
    tx.require(Action::MemberGrant, &scope.target())?;
    let holder = H::find(tx.db, scope.org(), name)?;
    Ok((scope, holder))
}

/// Gives the holder called `name` `role` where `env` (or the context) points, replacing the
/// grant it had there; returns where, the holder and the grant as saved.
pub(super) fn set<H: Grantee>(
    tx: &Tx,
    name: &str,
    env: Option<&str>,
    role: ProjectRole,
) -> Result<(Scope, H, GrantRow)> {
    let (scope, h) = resolve::<H>(tx, name, env)?;
    let before = grant_on(tx.db, h.holder(), &scope)?;
    let after = ops::grant::set(
        tx,
        place(&scope)?,
        h.holder(),
        h.name(),
        role,
        before.as_ref(),
    )?;
    Ok((scope, h, after))
}

/// `member revoke` and `team revoke`: takes back the grant of the holder called `name` where
/// `env` (or the context) points, and prints it.
pub(super) fn revoke<H: Grantee>(app: &mut App, name: &str, env: Option<&str>) -> Result<()> {
    let before = app.mutate(|tx| {
        let db = tx.db;
        let (scope, h) = resolve::<H>(tx, name, env)?;
        let Some(before) = grant_on(db, h.holder(), &scope)? else {
            return Err(h.no_grant(&scope.path()));
        };
        ops::grant::revoke(tx, place(&scope)?, &before)?;
        Ok(before)
    })?;
    let mut path = vec![before.org.as_str(), before.project.as_str()];
    path.extend(before.environment.as_deref());
    app.out.status(&format!(
        "revoked {} on {}",
        before.holder_name(),
        slash(&path)
    ));
    app.out.one(&GrantView::new(&before))
}
