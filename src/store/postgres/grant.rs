//! Grants on a server. SQLite sorts NULL first and compares text bytewise: `NULLS FIRST` and
//! `COLLATE "C"` give the same order here.

use super::Db;
use super::sql::{all, grant, grant_sql, ts};
use crate::error::Result;
use crate::model::ProjectRole;
use crate::store::{EnvRow, GrantRow, Holder, ProjectRow, now};

impl Db<'_> {
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

    pub(super) fn grant_insert(
        &self,
        holder: Holder,
        p: &ProjectRow,
        e: Option<&EnvRow>,
        role: &str,
        created_at: &str,
    ) -> Result<()> {
        let (member_id, team_id) = holder.columns();
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
        let (member_id, team_id) = holder.columns();
        // One statement for both holders: `IS NOT DISTINCT FROM` matches the NULL column.
        let n = self.conn.change(
            "SELECT w_grant_delete($1, $2, $3, $4)",
            &[&member_id, &team_id, &project_id, &env_id],
        )?;
        Ok(n > 0)
    }
}
