use super::Db;
use crate::error::Result;
use crate::store::{OrgRow, ProjectRow, now};
use rusqlite::{OptionalExtension, Row};

const SELECT: &str =
    "SELECT p.id, p.org_id, o.slug, p.slug, p.display_name, p.description, p.created_at
     FROM projects p JOIN orgs o ON o.id = p.org_id";

fn from_row(r: &Row) -> rusqlite::Result<ProjectRow> {
    Ok(ProjectRow {
        id: r.get(0)?,
        org_id: r.get(1)?,
        org: r.get(2)?,
        slug: r.get(3)?,
        display_name: r.get(4)?,
        description: r.get(5)?,
        created_at: r.get(6)?,
    })
}

impl Db<'_> {
    pub fn projects(&self, org_id: i64) -> Result<Vec<ProjectRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE p.org_id = ?1 ORDER BY p.slug"))?;
        let rows = stmt.query_map([org_id], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The first `limit` projects of an organization, by slug.
    pub fn projects_up_to(&self, org_id: i64, limit: i64) -> Result<Vec<ProjectRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE p.org_id = ?1 ORDER BY p.slug LIMIT ?2"
        ))?;
        let rows = stmt.query_map([org_id, limit], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn project(&self, org_id: i64, slug: &str) -> Result<Option<ProjectRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE p.org_id = ?1 AND p.slug = ?2"))?;
        Ok(stmt.query_row((org_id, slug), from_row).optional()?)
    }

    pub fn name_taken(&self, org_id: Option<i64>, slug: &str) -> Result<bool> {
        Ok(match org_id {
            Some(o) => self.project(o, slug)?.is_some(),
            None => self.org(slug)?.is_some(),
        })
    }

    /// A project by id, to tell whether an audit event's project still exists.
    pub fn project_by_id(&self, id: i64) -> Result<Option<ProjectRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    /// Projects of this slug in any organization (to resolve a bare `--project`).
    pub fn projects_named(&self, slug: &str) -> Result<Vec<ProjectRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE p.slug = ?1 ORDER BY o.slug"))?;
        let rows = stmt.query_map([slug], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn project_insert(
        &self,
        org: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ProjectRow> {
        let created_at = now();
        self.conn
            .prepare_cached(
                "INSERT INTO projects (org_id, slug, display_name, description, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((org.id, slug, display_name, description, &created_at))?;
        Ok(ProjectRow {
            id: self.conn.last_insert_rowid(),
            org_id: org.id,
            org: org.slug.clone(),
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            description: description.map(str::to_string),
            created_at,
        })
    }

    pub fn project_update(&self, p: &ProjectRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE projects SET slug = ?2, display_name = ?3, description = ?4 WHERE id = ?1",
            )?
            .execute((p.id, &p.slug, &p.display_name, &p.description))?;
        Ok(())
    }

    pub fn project_delete(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM projects WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}
