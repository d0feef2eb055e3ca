//! The store API's queries in PostgreSQL's SQL: the same statements as the file's, with `$n`
//! parameters, `timestamptz` times (bound and read as UTC, shown RFC 3339 to the second, as
//! the file stores them), booleans and `jsonb`.

use super::Db;
use crate::error::{Error, Result};
use crate::model::{OrgRole, ProjectRole, ResourceType, normalize_email};
use crate::store::{
    EnvRow, EventRow, GrantRow, Holder, MemberRow, NewEnv, NewEvent, OrgRow, ProjectRow,
    ResourceRow, SavedEnvFields, SavedFields, Selection, TeamMemberRow, TeamRow, now,
};
use chrono::{DateTime, Utc};
use postgres::Row;
use std::collections::HashMap;

/// A stamp from [`now`] (or a snapshot) as the `timestamptz` it is bound as.
fn ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::internal(format!("invalid time `{s}`")).caused_by(e))
}

/// A `timestamptz` as the file shows it: RFC 3339 UTC to the second.
fn show(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn parsed<T: std::str::FromStr<Err = Error>>(r: &Row, i: usize) -> Result<T> {
    r.get::<_, String>(i).parse()
}

/// Every table is read through its `r_*` function (migration 3): the rows the login may
/// see, narrowed by the keys given (`args`, in named notation).
fn org_sql(args: &str) -> String {
    format!("SELECT id, slug, display_name, created_at FROM r_orgs({args})")
}

fn org(r: &Row) -> Result<OrgRow> {
    Ok(OrgRow {
        id: r.get(0),
        slug: r.get(1),
        display_name: r.get(2),
        created_at: show(r.get(3)),
    })
}

fn project_sql(args: &str) -> String {
    format!(
        "SELECT p.id, p.org_id, o.slug, p.slug, p.display_name, p.description, p.created_at
         FROM r_projects({args}) p JOIN r_orgs() o ON o.id = p.org_id"
    )
}

fn project(r: &Row) -> Result<ProjectRow> {
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
fn env_sql(args: &str, projects: &str) -> String {
    format!(
        "SELECT e.id, e.project_id, o.slug, p.slug, e.slug, e.display_name, e.kind,
                e.description, e.protected, e.archived_at, e.created_at
         FROM r_environments({args}) e JOIN r_projects({projects}) p ON p.id = e.project_id
         JOIN r_orgs() o ON o.id = p.org_id"
    )
}

/// Release-flow order: development → staging → custom → production, then creation order.
const RELEASE_ORDER: &str = "CASE e.kind WHEN 'development' THEN 0 WHEN 'staging' THEN 1
     WHEN 'custom' THEN 2 ELSE 3 END, e.id";

fn env(r: &Row) -> Result<EnvRow> {
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

fn resource_sql(args: &str, envs: &str, projects: &str) -> String {
    format!(
        "SELECT r.id, r.environment_id, o.slug, p.slug, e.slug, r.slug, r.type,
                r.description, r.created_at
         FROM r_resources({args}) r JOIN r_environments({envs}) e ON e.id = r.environment_id
         JOIN r_projects({projects}) p ON p.id = e.project_id JOIN r_orgs() o ON o.id = p.org_id"
    )
}

fn resource(r: &Row) -> Result<ResourceRow> {
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

fn member_sql(args: &str) -> String {
    format!(
        "SELECT m.id, m.org_id, o.slug, m.email, m.name, m.role, m.created_at, m.login
         FROM r_members({args}) m JOIN r_orgs() o ON o.id = m.org_id"
    )
}

fn member(r: &Row) -> Result<MemberRow> {
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
fn grant_sql(args: &str, projects: &str, envs: &str) -> String {
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

fn grant(r: &Row) -> Result<GrantRow> {
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

/// The `(member_id, team_id)` columns of a holder.
fn holder_columns(h: Holder) -> (Option<i64>, Option<i64>) {
    match h {
        Holder::Member(id) => (Some(id), None),
        Holder::Team(id) => (None, Some(id)),
    }
}

fn team_sql(args: &str) -> String {
    format!(
        "SELECT t.id, t.org_id, o.slug, t.slug, t.display_name, t.description, t.created_at
         FROM r_teams({args}) t JOIN r_orgs() o ON o.id = t.org_id"
    )
}

fn team(r: &Row) -> Result<TeamRow> {
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
fn event_sql(args: &str) -> String {
    format!(
        "SELECT id, at, actor, action, org_id, project_id, target, before, after FROM r_events({args})"
    )
}

fn event(r: &Row) -> Result<EventRow> {
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

fn all<T>(rows: Vec<Row>, f: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

fn one<T>(row: Option<Row>, f: fn(&Row) -> Result<T>) -> Result<Option<T>> {
    row.as_ref().map(f).transpose()
}

impl Db<'_> {
    // Selection: one row per login.

    /// A login's own selection: the login is the identity, `_who` is a file's key.
    pub fn selection(&self, _who: Option<&str>) -> Result<Selection> {
        let row = self.conn.query_opt(
            "SELECT o.slug, po.slug, p.slug, s.identity FROM r_selection() s
             LEFT JOIN r_orgs() o ON o.id = s.org_id
             LEFT JOIN r_projects() p ON p.id = s.project_id
             LEFT JOIN r_orgs() po ON po.id = p.org_id",
            &[],
        )?;
        Ok(row.map_or_else(Selection::default, |r| {
            let porg: Option<String> = r.get(1);
            let project: Option<String> = r.get(2);
            Selection {
                org: r.get(0),
                project: porg.zip(project),
                identity: r.get(3),
            }
        }))
    }

    pub fn selection_save(
        &self,
        _who: Option<&str>,
        org_id: Option<i64>,
        project_id: Option<i64>,
    ) -> Result<()> {
        self.conn
            .execute("SELECT w_selection_save($1, $2)", &[&org_id, &project_id])?;
        Ok(())
    }

    /// On a server the selection is the login's: an email change does not move it.
    pub fn selection_move(&self, _from: &str, _to: &str) -> Result<()> {
        Ok(())
    }

    /// On a server the identity is the login: there is nothing to save.
    pub fn identity_save(&self, _email: Option<&str>) -> Result<()> {
        Ok(())
    }

    // Organizations.

    pub fn orgs(&self) -> Result<Vec<OrgRow>> {
        all(
            self.conn
                .query(&format!("{} ORDER BY slug COLLATE \"C\"", org_sql("")), &[])?,
            org,
        )
    }

    pub fn org(&self, slug: &str) -> Result<Option<OrgRow>> {
        one(
            self.conn.query_opt(&org_sql("p_slug => $1"), &[&slug])?,
            org,
        )
    }

    pub fn org_by_id(&self, id: i64) -> Result<Option<OrgRow>> {
        one(self.conn.query_opt(&org_sql("p_id => $1"), &[&id])?, org)
    }

    pub fn org_insert(&self, slug: &str, display_name: Option<&str>) -> Result<OrgRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_org_insert($1, $2, $3)",
            &[&slug, &display_name, &ts(&created_at)?],
        )?;
        Ok(OrgRow {
            id,
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            created_at,
        })
    }

    pub fn org_update(&self, o: &OrgRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_org_update($1, $2, $3)",
            &[&o.id, &o.slug, &o.display_name],
        )?;
        Ok(())
    }

    pub fn org_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_org_delete($1)", &[&id])?;
        Ok(())
    }

    // Projects.

    pub fn projects(&self, org_id: i64) -> Result<Vec<ProjectRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY p.slug COLLATE \"C\"",
                    project_sql("p_org => $1")
                ),
                &[&org_id],
            )?,
            project,
        )
    }

    pub fn projects_up_to(&self, org_id: i64, limit: i64) -> Result<Vec<ProjectRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY p.slug COLLATE \"C\" LIMIT $2",
                    project_sql("p_org => $1")
                ),
                &[&org_id, &limit],
            )?,
            project,
        )
    }

    pub fn project(&self, org_id: i64, slug: &str) -> Result<Option<ProjectRow>> {
        one(
            self.conn
                .query_opt(&project_sql("p_org => $1, p_slug => $2"), &[&org_id, &slug])?,
            project,
        )
    }

    /// Asked of `proj.name_taken` (migrations 2 and 3), which sees past what the login reads:
    /// a name is taken by a row it may not see too. It answers project names only to a login
    /// that may add projects there (and so sees them all); anyone else's answer is "free", and
    /// the insert that follows is refused for what it is.
    pub fn name_taken(&self, org_id: Option<i64>, slug: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_one("SELECT proj.name_taken($1, $2)", &[&org_id, &slug])?
            .get::<_, Option<bool>>(0)
            .unwrap_or(false))
    }

    pub fn project_by_id(&self, id: i64) -> Result<Option<ProjectRow>> {
        one(
            self.conn.query_opt(&project_sql("p_id => $1"), &[&id])?,
            project,
        )
    }

    pub fn projects_named(&self, slug: &str) -> Result<Vec<ProjectRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY o.slug COLLATE \"C\"",
                    project_sql("p_slug => $1")
                ),
                &[&slug],
            )?,
            project,
        )
    }

    pub fn project_insert(
        &self,
        org: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ProjectRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_project_insert($1, $2, $3, $4, $5)",
            &[
                &org.id,
                &slug,
                &display_name,
                &description,
                &ts(&created_at)?,
            ],
        )?;
        Ok(ProjectRow {
            id,
            org_id: org.id,
            org: org.slug.clone(),
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            description: description.map(str::to_string),
            created_at,
        })
    }

    pub fn project_update(&self, p: &ProjectRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_project_update($1, $2, $3, $4)",
            &[&p.id, &p.slug, &p.display_name, &p.description],
        )?;
        Ok(())
    }

    pub fn project_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_project_delete($1)", &[&id])?;
        Ok(())
    }

    // Environments.

    pub fn envs(&self, project_id: i64, include_archived: bool) -> Result<Vec<EnvRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} WHERE ($2 OR e.archived_at IS NULL) ORDER BY {RELEASE_ORDER}",
                    env_sql("p_project => $1", "p_id => $1")
                ),
                &[&project_id, &include_archived],
            )?,
            env,
        )
    }

    pub fn envs_in_org(&self, org_id: i64, include_archived: bool) -> Result<Vec<EnvRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} WHERE ($2 OR e.archived_at IS NULL) ORDER BY e.project_id, {RELEASE_ORDER}",
                    env_sql("p_org => $1", "p_org => $1")
                ),
                &[&org_id, &include_archived],
            )?,
            env,
        )
    }

    pub fn env_slugs_by_project(&self, org_id: i64) -> Result<HashMap<i64, Vec<String>>> {
        let rows = self.conn.query(
            &format!(
                "SELECT e.project_id, e.slug FROM r_environments(p_org => $1) e
                 WHERE e.archived_at IS NULL ORDER BY e.project_id, {RELEASE_ORDER}"
            ),
            &[&org_id],
        )?;
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        for r in rows {
            out.entry(r.get(0)).or_default().push(r.get(1));
        }
        Ok(out)
    }

    pub fn env(&self, project_id: i64, slug: &str) -> Result<Option<EnvRow>> {
        one(
            self.conn.query_opt(
                &format!(
                    "{} WHERE e.slug = $2",
                    env_sql("p_project => $1", "p_id => $1")
                ),
                &[&project_id, &slug],
            )?,
            env,
        )
    }

    pub fn env_by_id(&self, id: i64) -> Result<Option<EnvRow>> {
        one(
            self.conn.query_opt(&env_sql("p_id => $1", ""), &[&id])?,
            env,
        )
    }

    pub fn env_insert(&self, project: &ProjectRow, new: &NewEnv) -> Result<EnvRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_env_insert($1, $2, $3, $4, $5, $6, $7)",
            &[
                &project.id,
                &new.slug,
                &new.display_name,
                &new.kind.as_str(),
                &new.description,
                &new.protected,
                &ts(&created_at)?,
            ],
        )?;
        Ok(EnvRow {
            id,
            project_id: project.id,
            org: project.org.clone(),
            project: project.slug.clone(),
            slug: new.slug.to_string(),
            display_name: new.display_name.to_string(),
            kind: new.kind,
            description: new.description.map(str::to_string),
            protected: new.protected,
            archived_at: None,
            created_at,
        })
    }

    pub fn env_update(&self, e: &EnvRow) -> Result<()> {
        let archived = e.archived_at.as_deref().map(ts).transpose()?;
        self.conn.execute(
            "SELECT w_env_update($1, $2, $3, $4, $5, $6, $7)",
            &[
                &e.id,
                &e.slug,
                &e.display_name,
                &e.kind.as_str(),
                &e.description,
                &e.protected,
                &archived,
            ],
        )?;
        Ok(())
    }

    pub fn env_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_env_delete($1)", &[&id])?;
        Ok(())
    }

    // Resources.

    pub fn resources(&self, env_id: i64) -> Result<Vec<ResourceRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY r.slug COLLATE \"C\"",
                    resource_sql("p_env => $1", "p_id => $1", "")
                ),
                &[&env_id],
            )?,
            resource,
        )
    }

    pub fn resources_in_org(&self, org_id: i64) -> Result<Vec<ResourceRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY r.environment_id, r.slug COLLATE \"C\"",
                    resource_sql("p_org => $1", "p_org => $1", "p_org => $1")
                ),
                &[&org_id],
            )?,
            resource,
        )
    }

    pub fn resources_in_project(&self, project_id: i64) -> Result<Vec<ResourceRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY r.environment_id, r.slug COLLATE \"C\"",
                    resource_sql("p_project => $1", "p_project => $1", "p_id => $1")
                ),
                &[&project_id],
            )?,
            resource,
        )
    }

    pub fn resource(&self, env_id: i64, slug: &str) -> Result<Option<ResourceRow>> {
        one(
            self.conn.query_opt(
                &format!(
                    "{} WHERE r.slug = $2",
                    resource_sql("p_env => $1", "p_id => $1", "")
                ),
                &[&env_id, &slug],
            )?,
            resource,
        )
    }

    pub fn resource_count(&self, env_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .query_one("SELECT count(*) FROM r_resources(p_env => $1)", &[&env_id])?
            .get(0))
    }

    pub fn resource_insert(
        &self,
        e: &EnvRow,
        slug: &str,
        kind: ResourceType,
        description: Option<&str>,
    ) -> Result<ResourceRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_resource_insert($1, $2, $3, $4, $5)",
            &[
                &e.id,
                &slug,
                &kind.as_str(),
                &description,
                &ts(&created_at)?,
            ],
        )?;
        Ok(ResourceRow {
            id,
            environment_id: e.id,
            org: e.org.clone(),
            project: e.project.clone(),
            environment: e.slug.clone(),
            slug: slug.to_string(),
            kind,
            description: description.map(str::to_string),
            created_at,
        })
    }

    pub fn resource_update(&self, r: &ResourceRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_resource_update($1, $2, $3, $4, $5)",
            &[
                &r.id,
                &r.environment_id,
                &r.slug,
                &r.kind.as_str(),
                &r.description,
            ],
        )?;
        Ok(())
    }

    pub fn resource_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_resource_delete($1)", &[&id])?;
        Ok(())
    }

    // Members.

    pub fn members(&self, org_id: i64) -> Result<Vec<MemberRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY m.email COLLATE \"C\"",
                    member_sql("p_org => $1")
                ),
                &[&org_id],
            )?,
            member,
        )
    }

    pub fn has_members(&self, org_id: Option<i64>) -> Result<bool> {
        Ok(match org_id {
            Some(id) => self
                .conn
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM r_members(p_org => $1))",
                    &[&id],
                )?
                .get(0),
            None => self.conn.query_one("SELECT r_any_members()", &[])?.get(0),
        })
    }

    /// One round trip: whether the organization has members, and the one who acts there.
    pub fn member_standing(
        &self,
        org_id: i64,
        email: Option<&str>,
        login: Option<&str>,
    ) -> Result<(bool, Option<MemberRow>)> {
        let (column, value) = match (email, login) {
            (Some(email), _) => ("email", Some(normalize_email(email))),
            (None, Some(login)) => ("login", Some(login.to_string())),
            (None, None) => ("email", None),
        };
        let row = self.conn.query_one(
            &format!(
                "SELECT m.id, m.org_id, o.slug, m.email, m.name, m.role, m.created_at, m.login,
                        EXISTS (SELECT 1 FROM r_members(p_org => $1))
                 FROM (SELECT 1) one
                 LEFT JOIN (r_members(p_org => $1, p_{column} => $2) m
                            JOIN r_orgs(p_id => $1) o ON o.id = m.org_id) ON true"
            ),
            &[&org_id, &value],
        )?;
        let member = match row.get::<_, Option<i64>>(0) {
            Some(_) => Some(member(&row)?),
            None => None,
        };
        Ok((row.get(8), member))
    }

    pub fn member(&self, org_id: i64, email: &str) -> Result<Option<MemberRow>> {
        one(
            self.conn.query_opt(
                &member_sql("p_org => $1, p_email => $2"),
                &[&org_id, &normalize_email(email)],
            )?,
            member,
        )
    }

    pub fn member_by_login(&self, org_id: i64, login: &str) -> Result<Option<MemberRow>> {
        one(
            self.conn.query_opt(
                &member_sql("p_login => $1, p_org => $2"),
                &[&login, &org_id],
            )?,
            member,
        )
    }

    pub fn memberships_of_login(&self, login: &str) -> Result<Vec<MemberRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY o.slug COLLATE \"C\"",
                    member_sql("p_login => $1")
                ),
                &[&login],
            )?,
            member,
        )
    }

    pub fn memberships(&self, email: &str) -> Result<Vec<MemberRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY o.slug COLLATE \"C\"",
                    member_sql("p_email => $1")
                ),
                &[&normalize_email(email)],
            )?,
            member,
        )
    }

    pub fn has_membership(&self, email: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM r_members(p_email => $1))",
                &[&normalize_email(email)],
            )?
            .get(0))
    }

    pub fn owner_count(&self, org_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .query_one(
                "SELECT count(*) FROM r_members(p_org => $1) WHERE role = 'owner'",
                &[&org_id],
            )?
            .get(0))
    }

    pub fn member_insert(
        &self,
        o: &OrgRow,
        email: &str,
        name: Option<&str>,
        role: OrgRole,
    ) -> Result<MemberRow> {
        let created_at = now();
        let email = normalize_email(email);
        let id = self.conn.change(
            "SELECT w_member_insert($1, $2, $3, $4, $5)",
            &[&o.id, &email, &name, &role.as_str(), &ts(&created_at)?],
        )?;
        Ok(MemberRow {
            id,
            org_id: o.id,
            org: o.slug.clone(),
            email,
            name: name.map(str::to_string),
            role,
            created_at,
            login: None,
        })
    }

    pub fn member_update(&self, m: &MemberRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_member_update($1, $2, $3)",
            &[&m.id, &m.name, &m.role.as_str()],
        )?;
        Ok(())
    }

    pub fn member_set_email(&self, id: i64, email: &str) -> Result<()> {
        self.conn.execute(
            "SELECT w_member_set_email($1, $2)",
            &[&id, &normalize_email(email)],
        )?;
        Ok(())
    }

    pub fn member_set_login(&self, id: i64, login: Option<&str>) -> Result<()> {
        self.conn
            .execute("SELECT w_member_set_login($1, $2)", &[&id, &login])?;
        Ok(())
    }

    pub fn member_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_member_delete($1)", &[&id])?;
        Ok(())
    }

    // Grants. SQLite sorts NULL first and compares text bytewise: `NULLS FIRST` and
    // `COLLATE "C"` give the same order here.

    /// `args` narrow the grants (`r_grants`), `projects` and `envs` the projects and
    /// environments they are read with; `rest` filters and orders.
    fn grants_where(
        &self,
        (args, projects, envs): (&str, &str, &str),
        rest: &str,
        params: &[&dyn super::Param],
    ) -> Result<Vec<GrantRow>> {
        all(
            self.conn.query(
                &format!("{} {rest}", grant_sql(args, projects, envs)),
                params,
            )?,
            grant,
        )
    }

    pub fn holder_grants_in(&self, holder: Holder, project_id: i64) -> Result<Vec<GrantRow>> {
        match holder {
            Holder::Member(id) => self.grants_where(
                ("p_project => $2", "p_id => $2", "p_project => $2"),
                "WHERE g.member_id = $1 ORDER BY g.id",
                &[&id, &project_id],
            ),
            Holder::Team(id) => self.grants_where(
                (
                    "p_project => $2, p_team => $1",
                    "p_id => $2",
                    "p_project => $2",
                ),
                "ORDER BY g.id",
                &[&id, &project_id],
            ),
        }
    }

    pub fn holder_grants(&self, holder: Holder) -> Result<Vec<GrantRow>> {
        const ORDER: &str =
            "ORDER BY o.slug COLLATE \"C\", p.slug COLLATE \"C\", e.slug COLLATE \"C\" NULLS FIRST";
        match holder {
            Holder::Member(id) => self.grants_where(
                ("p_member => $1", "", ""),
                &format!("WHERE g.member_id = $1 {ORDER}"),
                &[&id],
            ),
            Holder::Team(id) => self.grants_where(("p_team => $1", "", ""), ORDER, &[&id]),
        }
    }

    pub fn access_grants_in(&self, member_id: i64, project_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            (
                "p_project => $2, p_member => $1",
                "p_id => $2",
                "p_project => $2",
            ),
            "ORDER BY g.team_id IS NOT NULL, t.slug COLLATE \"C\" NULLS FIRST, g.id",
            &[&member_id, &project_id],
        )
    }

    pub fn access_grants(&self, member_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            ("p_member => $1", "", ""),
            "ORDER BY o.slug COLLATE \"C\", p.slug COLLATE \"C\", g.team_id IS NOT NULL,
                      t.slug COLLATE \"C\" NULLS FIRST, g.id",
            &[&member_id],
        )
    }

    pub fn granted_project_ids(&self, member_id: i64) -> Result<Vec<i64>> {
        Ok(self
            .conn
            .query(
                "SELECT DISTINCT g.project_id FROM r_grants(p_member => $1) g",
                &[&member_id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    pub fn project_grants(&self, project_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            ("p_project => $1", "p_id => $1", "p_project => $1"),
            "ORDER BY g.team_id IS NOT NULL, m.email COLLATE \"C\" NULLS FIRST,
                 t.slug COLLATE \"C\" NULLS FIRST, g.environment_id NULLS FIRST",
            &[&project_id],
        )
    }

    /// Every grant on every project of an organization, by project: members' (by email), then
    /// teams' (by slug), as the file orders them.
    pub fn grants_in_org(&self, org_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            ("p_org => $1", "p_org => $1", "p_org => $1"),
            "ORDER BY g.project_id, g.team_id IS NOT NULL,
                 m.email COLLATE \"C\" NULLS FIRST, t.slug COLLATE \"C\" NULLS FIRST,
                 g.environment_id NULLS FIRST",
            &[&org_id],
        )
    }

    pub fn grant_set(
        &self,
        holder: Holder,
        p: &ProjectRow,
        e: Option<&EnvRow>,
        role: ProjectRole,
    ) -> Result<()> {
        self.grant_delete(holder, p.id, e.map(|e| e.id))?;
        self.grant_insert(holder, p, e, role.as_str(), &now())
    }

    fn grant_insert(
        &self,
        holder: Holder,
        p: &ProjectRow,
        e: Option<&EnvRow>,
        role: &str,
        created_at: &str,
    ) -> Result<()> {
        let (member_id, team_id) = holder_columns(holder);
        self.conn.execute(
            "SELECT w_grant_insert($1, $2, $3, $4, $5, $6)",
            &[
                &member_id,
                &team_id,
                &p.id,
                &e.map(|e| e.id),
                &role,
                &ts(created_at)?,
            ],
        )?;
        Ok(())
    }

    pub fn grant_delete(
        &self,
        holder: Holder,
        project_id: i64,
        env_id: Option<i64>,
    ) -> Result<bool> {
        let (member_id, team_id) = holder_columns(holder);
        // One statement for both holders: `IS NOT DISTINCT FROM` matches the NULL column.
        let n = self.conn.change(
            "SELECT w_grant_delete($1, $2, $3, $4)",
            &[&member_id, &team_id, &project_id, &env_id],
        )?;
        Ok(n > 0)
    }

    // Teams.

    pub fn teams(&self, org_id: i64) -> Result<Vec<TeamRow>> {
        all(
            self.conn.query(
                &format!("{} ORDER BY t.slug COLLATE \"C\"", team_sql("p_org => $1")),
                &[&org_id],
            )?,
            team,
        )
    }

    pub fn has_teams(&self, org_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM r_teams(p_org => $1))",
                &[&org_id],
            )?
            .get(0))
    }

    pub fn team(&self, org_id: i64, slug: &str) -> Result<Option<TeamRow>> {
        one(
            self.conn.query_opt(
                &format!("{} WHERE t.slug = $2", team_sql("p_org => $1")),
                &[&org_id, &slug],
            )?,
            team,
        )
    }

    pub fn team_by_id(&self, id: i64) -> Result<Option<TeamRow>> {
        one(self.conn.query_opt(&team_sql("p_id => $1"), &[&id])?, team)
    }

    pub fn team_insert(
        &self,
        o: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<TeamRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_team_insert($1, $2, $3, $4, $5)",
            &[&o.id, &slug, &display_name, &description, &ts(&created_at)?],
        )?;
        Ok(TeamRow {
            id,
            org_id: o.id,
            org: o.slug.clone(),
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            description: description.map(str::to_string),
            created_at,
        })
    }

    pub fn team_update(&self, t: &TeamRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_team_update($1, $2, $3, $4)",
            &[&t.id, &t.slug, &t.display_name, &t.description],
        )?;
        Ok(())
    }

    pub fn team_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_team_delete($1)", &[&id])?;
        Ok(())
    }

    pub fn team_members(&self, team_id: i64) -> Result<Vec<TeamMemberRow>> {
        self.conn
            .query(
                "SELECT m.id, m.email, m.name, tm.created_at
                 FROM r_team_members(p_team => $1) tm JOIN r_members() m ON m.id = tm.member_id
                 ORDER BY m.email COLLATE \"C\"",
                &[&team_id],
            )?
            .iter()
            .map(|r| {
                Ok(TeamMemberRow {
                    member_id: r.get(0),
                    email: r.get(1),
                    name: r.get(2),
                    joined_at: show(r.get(3)),
                })
            })
            .collect()
    }

    /// The members of every team of an organization, as (team id, member), by team and email.
    pub fn team_members_in_org(&self, org_id: i64) -> Result<Vec<(i64, TeamMemberRow)>> {
        self.conn
            .query(
                "SELECT tm.team_id, m.id, m.email, m.name, tm.created_at
                 FROM r_team_members(p_org => $1) tm
                 JOIN r_members(p_org => $1) m ON m.id = tm.member_id
                 ORDER BY tm.team_id, m.email COLLATE \"C\"",
                &[&org_id],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.get(0),
                    TeamMemberRow {
                        member_id: r.get(1),
                        email: r.get(2),
                        name: r.get(3),
                        joined_at: show(r.get(4)),
                    },
                ))
            })
            .collect()
    }

    pub fn member_teams(&self, member_id: i64) -> Result<Vec<TeamRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} JOIN r_team_members(p_member => $1) tm ON tm.team_id = t.id
                     ORDER BY t.slug COLLATE \"C\"",
                    team_sql("")
                ),
                &[&member_id],
            )?,
            team,
        )
    }

    pub fn team_join(&self, team_id: i64, m: &MemberRow, joined_at: Option<&str>) -> Result<bool> {
        let at = joined_at.map_or_else(now, str::to_string);
        let n = self.conn.change(
            "SELECT w_team_join($1, $2, $3)",
            &[&team_id, &m.id, &ts(&at)?],
        )?;
        Ok(n > 0)
    }

    pub fn team_leave(&self, team_id: i64, member_id: i64) -> Result<bool> {
        let n = self
            .conn
            .change("SELECT w_team_leave($1, $2)", &[&team_id, &member_id])?;
        Ok(n > 0)
    }

    // Audit log.

    /// The database stamps the event with the session's login and its own clock
    /// (`proj.record`, migration 2); `e.actor` is what the login is called anyway.
    pub fn event_insert(&self, e: &NewEvent) -> Result<i64> {
        let rows = self.conn.query_writing(
            "SELECT proj.record($1, $2, $3, $4, $5, $6)",
            &[
                &e.action,
                &e.org_id,
                &e.project_id,
                &e.target,
                &e.before,
                &e.after,
            ],
        )?;
        rows.first()
            .map(|r| r.get(0))
            .ok_or_else(|| Error::internal("the database answered no row"))
    }

    pub fn events(
        &self,
        org_id: Option<i64>,
        project_id: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        // SQLite reads a negative LIMIT as none; PostgreSQL reads NULL so.
        let limit = (limit >= 0).then_some(limit);
        let (org_id, project_id) = match project_id {
            Some(p) => (None, Some(p)),
            None => (org_id, None),
        };
        let rows = self.conn.query(
            &format!(
                "{} ORDER BY id DESC",
                event_sql("p_org => $1, p_project => $2, p_before => $3, p_limit => $4")
            ),
            &[&org_id, &project_id, &before, &limit],
        )?;
        all(rows, event)
    }

    /// The adds, removals and restores of organizations and projects, oldest first, found by
    /// `events_by_action` (as in the file).
    pub fn lifecycle_events(&self) -> Result<Vec<EventRow>> {
        let rows = self.conn.query(
            &format!("{} ORDER BY id", event_sql("p_lifecycle => true")),
            &[],
        )?;
        all(rows, event)
    }

    pub fn event(&self, id: i64) -> Result<Option<EventRow>> {
        one(
            self.conn.query_opt(&event_sql("p_id => $1"), &[&id])?,
            event,
        )
    }

    // Restore (migration 3): the database re-creates only what the event's own transaction
    // removed, with the values it had; old ids where they are free.

    /// Names the event a restore works from, before anything is restored from it.
    pub fn restore_begin(&self, event_id: i64) -> Result<()> {
        self.conn
            .query_writing("SELECT w_restore_begin($1)", &[&event_id])?;
        Ok(())
    }

    pub fn org_restore(&self, id: Option<i64>, o: &SavedFields) -> Result<OrgRow> {
        let id = self.conn.change(
            "SELECT w_org_restore($1, $2, $3, $4)",
            &[&id, &o.slug, &o.display_name, &ts(o.created_at)?],
        )?;
        self.org_by_id(id)?
            .ok_or_else(|| Error::internal("the restored organization vanished"))
    }

    pub fn project_restore(
        &self,
        id: Option<i64>,
        o: &OrgRow,
        p: &SavedFields,
    ) -> Result<ProjectRow> {
        let id = self.conn.change(
            "SELECT w_project_restore($1, $2, $3, $4, $5, $6)",
            &[
                &id,
                &o.id,
                &p.slug,
                &p.display_name,
                &p.description,
                &ts(p.created_at)?,
            ],
        )?;
        self.project_by_id(id)?
            .ok_or_else(|| Error::internal("the restored project vanished"))
    }

    pub fn env_restore(
        &self,
        p: &ProjectRow,
        e: &SavedFields,
        saved: &SavedEnvFields,
    ) -> Result<EnvRow> {
        let archived = saved.archived_at.map(ts).transpose()?;
        let id = self.conn.change(
            "SELECT w_env_restore($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &p.id,
                &e.slug,
                &e.display_name,
                &saved.kind,
                &e.description,
                &saved.protected,
                &archived,
                &ts(e.created_at)?,
            ],
        )?;
        self.env_by_id(id)?
            .ok_or_else(|| Error::internal("the restored environment vanished"))
    }

    pub fn resource_restore(&self, e: &EnvRow, r: &SavedFields, kind: &str) -> Result<()> {
        self.conn.execute(
            "SELECT w_resource_restore($1, $2, $3, $4, $5)",
            &[&e.id, &r.slug, &kind, &r.description, &ts(r.created_at)?],
        )?;
        Ok(())
    }

    pub fn member_restore(&self, o: &OrgRow, m: &SavedFields, role: &str) -> Result<()> {
        self.conn.execute(
            "SELECT w_member_restore($1, $2, $3, $4, $5)",
            &[
                &o.id,
                &normalize_email(m.slug),
                &m.display_name,
                &role,
                &ts(m.created_at)?,
            ],
        )?;
        Ok(())
    }

    pub fn team_restore(&self, id: Option<i64>, o: &OrgRow, t: &SavedFields) -> Result<TeamRow> {
        let id = self.conn.change(
            "SELECT w_team_restore($1, $2, $3, $4, $5, $6)",
            &[
                &id,
                &o.id,
                &t.slug,
                &t.display_name,
                &t.description,
                &ts(t.created_at)?,
            ],
        )?;
        self.team_by_id(id)?
            .ok_or_else(|| Error::internal("the restored team vanished"))
    }

    pub fn grant_restore(
        &self,
        holder: Holder,
        p: &ProjectRow,
        e: Option<&EnvRow>,
        role: &str,
        created_at: &str,
    ) -> Result<()> {
        self.grant_insert(holder, p, e, role, created_at)
    }
}
