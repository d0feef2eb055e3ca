//! What the server backend's queries share: each table's `SELECT`, read through its `r_*`
//! function (`*_sql`), its rows as the store's row types, and times as they are bound and
//! shown. The queries themselves are in one file per noun (`org.rs`, `project.rs`, …), as in
//! the file backend: the same statements as the file's, with `$n` parameters, `timestamptz`
//! times (bound and read as UTC, shown RFC 3339 to the second, as the file stores them),
//! booleans and `jsonb`.

use crate::error::{Error, Result};
use crate::store::{
    EnvRow, EventRow, GrantRow, Holder, MemberRow, OrgRow, ProjectRow, ResourceRow, TeamRow,
};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use postgres::Row;

/// A stamp from [`now`](crate::store::now) (or a snapshot) as the `timestamptz` it is bound as.
pub(super) fn ts(s: &str) -> Result<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).with_context(|| format!("invalid time `{s}`"))?;
    Ok(t.with_timezone(&Utc))
}

/// A `timestamptz` as the file shows it: RFC 3339 UTC to the second.
pub(super) fn show(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(super) fn parsed<T: std::str::FromStr<Err = Error>>(r: &Row, i: usize) -> Result<T> {
    r.get::<_, String>(i).parse()
}

/// Every table is read through its `r_*` function (migration 3): the rows the login may
/// see, narrowed by the keys given (`args`, in named notation).
pub(super) fn org_sql(args: &str) -> String {
    format!("SELECT id, slug, display_name, created_at FROM r_orgs({args})")
}

pub(super) fn org(r: &Row) -> Result<OrgRow> {
    Ok(OrgRow {
        id: r.get(0),
        slug: r.get(1),
        display_name: r.get(2),
        created_at: show(r.get(3)),
    })
}

pub(super) fn project_sql(args: &str) -> String {
    format!(
        "SELECT p.id, p.org_id, o.slug, p.slug, p.display_name, p.description, p.created_at
         FROM r_projects({args}) p JOIN r_orgs() o ON o.id = p.org_id"
    )
}

pub(super) fn project(r: &Row) -> Result<ProjectRow> {
    Ok(ProjectRow {
        id: r.get(0),
        org_id: r.get(1),
        org: r.get(2),
        slug: r.get(3),
        display_name: r.get(4),
        description: r.get(5),
        created_at: show(r.get(6)),
    })
}

/// `projects`: the arguments of the projects the environments are in.
pub(super) fn env_sql(args: &str, projects: &str) -> String {
    format!(
        "SELECT e.id, e.project_id, o.slug, p.slug, e.slug, e.display_name, e.kind,
                e.description, e.protected, e.archived_at, e.created_at
         FROM r_environments({args}) e JOIN r_projects({projects}) p ON p.id = e.project_id
         JOIN r_orgs() o ON o.id = p.org_id"
    )
}

/// Release-flow order: development → staging → custom → production, then creation order.
pub(super) const RELEASE_ORDER: &str = "CASE e.kind WHEN 'development' THEN 0 WHEN 'staging' THEN 1
     WHEN 'custom' THEN 2 ELSE 3 END, e.id";

pub(super) fn env(r: &Row) -> Result<EnvRow> {
    Ok(EnvRow {
        id: r.get(0),
        project_id: r.get(1),
        org: r.get(2),
        project: r.get(3),
        slug: r.get(4),
        display_name: r.get(5),
        kind: parsed(r, 6)?,
        description: r.get(7),
        protected: r.get(8),
        archived_at: r.get::<_, Option<DateTime<Utc>>>(9).map(show),
        created_at: show(r.get(10)),
    })
}

pub(super) fn resource_sql(args: &str, envs: &str, projects: &str) -> String {
    format!(
        "SELECT r.id, r.environment_id, o.slug, p.slug, e.slug, r.slug, r.type,
                r.description, r.created_at
         FROM r_resources({args}) r JOIN r_environments({envs}) e ON e.id = r.environment_id
         JOIN r_projects({projects}) p ON p.id = e.project_id JOIN r_orgs() o ON o.id = p.org_id"
    )
}

pub(super) fn resource(r: &Row) -> Result<ResourceRow> {
    Ok(ResourceRow {
        id: r.get(0),
        environment_id: r.get(1),
        org: r.get(2),
        project: r.get(3),
        environment: r.get(4),
        slug: r.get(5),
        kind: parsed(r, 6)?,
        description: r.get(7),
        created_at: show(r.get(8)),
    })
}

pub(super) fn member_sql(args: &str) -> String {
    format!(
        "SELECT m.id, m.org_id, o.slug, m.email, m.name, m.role, m.created_at, m.login
         FROM r_members({args}) m JOIN r_orgs() o ON o.id = m.org_id"
    )
}

pub(super) fn member(r: &Row) -> Result<MemberRow> {
    Ok(MemberRow {
        id: r.get(0),
        org_id: r.get(1),
        org: r.get(2),
        email: r.get(3),
        name: r.get(4),
        role: parsed(r, 5)?,
        created_at: show(r.get(6)),
        login: r.get(7),
    })
}

/// `args`: of the grants; `projects`, `envs`: of the projects and environments they are on.
pub(super) fn grant_sql(args: &str, projects: &str, envs: &str) -> String {
    format!(
        "SELECT g.id, g.member_id, g.team_id, m.email, t.slug, g.project_id,
                o.slug, p.slug, g.environment_id, e.slug, g.role, g.created_at
         FROM r_grants({args}) g
         JOIN r_projects({projects}) p ON p.id = g.project_id JOIN r_orgs() o ON o.id = p.org_id
         LEFT JOIN r_members() m ON m.id = g.member_id
         LEFT JOIN r_teams() t ON t.id = g.team_id
         LEFT JOIN r_environments({envs}) e ON e.id = g.environment_id"
    )
}

pub(super) fn grant(r: &Row) -> Result<GrantRow> {
    let holder = match (r.get::<_, Option<i64>>(1), r.get::<_, Option<i64>>(2)) {
        (Some(m), _) => Holder::Member(m),
        (None, Some(t)) => Holder::Team(t),
        (None, None) => return Err(Error::internal("a grant without a holder")),
    };
    Ok(GrantRow {
        id: r.get(0),
        holder,
        email: r.get(3),
        team: r.get(4),
        project_id: r.get(5),
        org: r.get(6),
        project: r.get(7),
        environment_id: r.get(8),
        environment: r.get(9),
        role: parsed(r, 10)?,
        created_at: show(r.get(11)),
    })
}

pub(super) fn team_sql(args: &str) -> String {
    format!(
        "SELECT t.id, t.org_id, o.slug, t.slug, t.display_name, t.description, t.created_at
         FROM r_teams({args}) t JOIN r_orgs() o ON o.id = t.org_id"
    )
}

pub(super) fn team(r: &Row) -> Result<TeamRow> {
    Ok(TeamRow {
        id: r.get(0),
        org_id: r.get(1),
        org: r.get(2),
        slug: r.get(3),
        display_name: r.get(4),
        description: r.get(5),
        created_at: show(r.get(6)),
    })
}

/// Events are read through `r_events` (migration 3): the ones the login may see, with what
/// lies in projects hidden from it taken out of their snapshots, newest first.
pub(super) fn event_sql(args: &str) -> String {
    format!(
        "SELECT id, at, actor, action, org_id, project_id, target, before, after FROM r_events({args})"
    )
}

pub(super) fn event(r: &Row) -> Result<EventRow> {
    Ok(EventRow {
        id: r.get(0),
        at: show(r.get(1)),
        actor: r.get(2),
        action: r.get(3),
        org_id: r.get(4),
        project_id: r.get(5),
        target: r.get(6),
        before: r.get(7),
        after: r.get(8),
    })
}

pub(super) fn all<T>(rows: Vec<Row>, f: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

pub(super) fn one<T>(row: Option<Row>, f: fn(&Row) -> Result<T>) -> Result<Option<T>> {
    row.as_ref().map(f).transpose()
}
