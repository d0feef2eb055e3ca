//! Grants: a project role held by a member or a team, on a whole project or one environment.

use super::Db;
use crate::error::{Error, Result};
use crate::model::ProjectRole;
use crate::store::{EnvRow, GrantRow, Holder, ProjectRow, now};
use rusqlite::Row;

fn parse_role(i: usize, s: String) -> rusqlite::Result<ProjectRole> {
    s.parse().map_err(|e: Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

const GRANT_SELECT: &str = "SELECT g.id, g.member_id, g.team_id, m.email, t.slug, g.project_id,
            o.slug, p.slug, g.environment_id, e.slug, g.role, g.created_at
     FROM grants g
     JOIN projects p ON p.id = g.project_id JOIN orgs o ON o.id = p.org_id
     LEFT JOIN members m ON m.id = g.member_id
     LEFT JOIN teams t ON t.id = g.team_id
     LEFT JOIN environments e ON e.id = g.environment_id";

fn grant_from_row(r: &Row) -> rusqlite::Result<GrantRow> {
    let member: Option<i64> = r.get(1)?;
    let team: Option<i64> = r.get(2)?;
    let holder = match (member, team) {
        (Some(m), _) => Holder::Member(m),
        (None, Some(t)) => Holder::Team(t),
        (None, None) => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Null,
                "a grant without a holder".into(),
            ));
        }
    };
    Ok(GrantRow {
        id: r.get(0)?,
        holder,
        email: r.get(3)?,
        team: r.get(4)?,
        project_id: r.get(5)?,
        org: r.get(6)?,
        project: r.get(7)?,
        environment_id: r.get(8)?,
        environment: r.get(9)?,
        role: parse_role(10, r.get(10)?)?,
        created_at: r.get(11)?,
    })
}

impl Db<'_> {
    fn grants_where(&self, filter: &str, params: impl rusqlite::Params) -> Result<Vec<GrantRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{GRANT_SELECT} WHERE {filter}"))?;
        let rows = stmt.query_map(params, grant_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The grants one holder has in one project (project-wide and env-scoped).
    pub fn holder_grants_in(&self, holder: Holder, project_id: i64) -> Result<Vec<GrantRow>> {
        match holder {
            Holder::Member(id) => self.grants_where(
                "g.member_id = ?1 AND g.project_id = ?2 ORDER BY g.id",
                (id, project_id),
            ),
            Holder::Team(id) => self.grants_where(
                "g.team_id = ?1 AND g.project_id = ?2 ORDER BY g.id",
                (id, project_id),
            ),
        }
    }

    /// Every grant one holder has, in any project.
    pub fn holder_grants(&self, holder: Holder) -> Result<Vec<GrantRow>> {
        match holder {
            Holder::Member(id) => {
                self.grants_where("g.member_id = ?1 ORDER BY o.slug, p.slug, e.slug", [id])
            }
            Holder::Team(id) => {
                self.grants_where("g.team_id = ?1 ORDER BY o.slug, p.slug, e.slug", [id])
            }
        }
    }

    /// Every grant a member has in one project through any holder: their own and their
    /// teams'. What [`crate::access::decide`] reads.
    pub fn access_grants_in(&self, member_id: i64, project_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            "g.project_id = ?2 AND (g.member_id = ?1 OR g.team_id IN
                 (SELECT tm.team_id FROM team_members tm WHERE tm.member_id = ?1))
             ORDER BY g.team_id IS NOT NULL, t.slug, g.id",
            (member_id, project_id),
        )
    }

    /// Every grant a member has through any holder, in any project.
    pub fn access_grants(&self, member_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            "g.member_id = ?1 OR g.team_id IN
                 (SELECT tm.team_id FROM team_members tm WHERE tm.member_id = ?1)
             ORDER BY o.slug, p.slug, g.team_id IS NOT NULL, t.slug, g.id",
            [member_id],
        )
    }

    /// The projects where a member holds a grant, themselves or through a team.
    pub fn granted_project_ids(&self, member_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT g.project_id FROM grants g
             WHERE g.member_id = ?1 OR g.team_id IN
                 (SELECT tm.team_id FROM team_members tm WHERE tm.member_id = ?1)",
        )?;
        let rows = stmt.query_map([member_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every grant on one project, project-wide and env-scoped: members' first (by email),
    /// then teams' (by slug).
    pub fn project_grants(&self, project_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            "g.project_id = ?1 ORDER BY g.team_id IS NOT NULL, m.email, t.slug, g.environment_id",
            [project_id],
        )
    }

    /// Every grant on every project of an organization, by project: members' (by email),
    /// then teams' (by slug). One query for a whole layout export or plan.
    pub fn grants_in_org(&self, org_id: i64) -> Result<Vec<GrantRow>> {
        self.grants_where(
            "p.org_id = ?1
             ORDER BY g.project_id, g.team_id IS NOT NULL, m.email, t.slug, g.environment_id",
            [org_id],
        )
    }

    /// Sets a holder's role on a project (or one environment), replacing any earlier one.
    pub fn grant_set(
        &self,
        holder: Holder,
        project: &ProjectRow,
        env: Option<&EnvRow>,
        role: ProjectRole,
    ) -> Result<()> {
        self.grant_insert(holder, project, env, role.as_str(), &now(), true)
    }

    /// Inserts a grant as recorded (restore, clone): `created_at` as given. With `replace`,
    /// an earlier grant of the holder at the same place goes first.
    pub(super) fn grant_insert(
        &self,
        holder: Holder,
        project: &ProjectRow,
        env: Option<&EnvRow>,
        role: &str,
        created_at: &str,
        replace: bool,
    ) -> Result<()> {
        let env_id = env.map(|e| e.id);
        if replace {
            self.grant_delete(holder, project.id, env_id)?;
        }
        let (member_id, team_id) = holder.columns();
        self.conn
            .prepare_cached(
                "INSERT INTO grants (member_id, team_id, project_id, environment_id, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((member_id, team_id, project.id, env_id, role, created_at))?;
        Ok(())
    }

    /// Removes one holder's grant on a project, or on one environment of that project;
    /// returns whether there was one.
    pub fn grant_delete(
        &self,
        holder: Holder,
        project_id: i64,
        env_id: Option<i64>,
    ) -> Result<bool> {
        let n = match (holder, env_id) {
            (Holder::Member(id), None) => self
                .conn
                .prepare_cached(
                    "DELETE FROM grants WHERE member_id = ?1 AND project_id = ?2 AND environment_id IS NULL",
                )?
                .execute((id, project_id))?,
            (Holder::Member(id), Some(e)) => self
                .conn
                .prepare_cached(
                    "DELETE FROM grants WHERE member_id = ?1 AND project_id = ?2 AND environment_id = ?3",
                )?
                .execute((id, project_id, e))?,
            (Holder::Team(id), None) => self
                .conn
                .prepare_cached(
                    "DELETE FROM grants WHERE team_id = ?1 AND project_id = ?2 AND environment_id IS NULL",
                )?
                .execute((id, project_id))?,
            (Holder::Team(id), Some(e)) => self
                .conn
                .prepare_cached(
                    "DELETE FROM grants WHERE team_id = ?1 AND project_id = ?2 AND environment_id = ?3",
                )?
                .execute((id, project_id, e))?,
        };
        Ok(n > 0)
    }
}
