//! Projects on a server.

use super::Db;
use super::sql::{all, one, project, project_sql, ts};
use crate::error::Result;
use crate::store::{OrgRow, ProjectRow, now};

impl Db<'_> {
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
}
