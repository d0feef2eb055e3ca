use super::Db;
use crate::error::{Error, Result};
use crate::model::ResourceType;
use crate::store::{EnvRow, ResourceRow, now};
use rusqlite::{OptionalExtension, Row};

const SELECT: &str = "SELECT r.id, r.environment_id, o.slug, p.slug, e.slug, r.slug, r.type,
            r.description, r.created_at
     FROM resources r JOIN environments e ON e.id = r.environment_id
     JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id";

fn from_row(r: &Row) -> rusqlite::Result<ResourceRow> {
    let kind: String = r.get(6)?;
    Ok(ResourceRow {
        id: r.get(0)?,
        environment_id: r.get(1)?,
        org: r.get(2)?,
        project: r.get(3)?,
        environment: r.get(4)?,
        slug: r.get(5)?,
        kind: kind.parse().map_err(|e: Error| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
        })?,
        description: r.get(7)?,
        created_at: r.get(8)?,
    })
}

impl Db<'_> {
    pub fn resources(&self, env_id: i64) -> Result<Vec<ResourceRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE r.environment_id = ?1 ORDER BY r.slug"
        ))?;
        let rows = stmt.query_map([env_id], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every resource of every environment of an organization, by environment and slug: one
    /// query for a whole layout export or plan.
    pub fn resources_in_org(&self, org_id: i64) -> Result<Vec<ResourceRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE p.org_id = ?1 ORDER BY r.environment_id, r.slug"
        ))?;
        let rows = stmt.query_map([org_id], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every resource of every environment of one project, by environment and slug: one
    /// query for a project's tree.
    pub fn resources_in_project(&self, project_id: i64) -> Result<Vec<ResourceRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE e.project_id = ?1 ORDER BY r.environment_id, r.slug"
        ))?;
        let rows = stmt.query_map([project_id], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn resource(&self, env_id: i64, slug: &str) -> Result<Option<ResourceRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE r.environment_id = ?1 AND r.slug = ?2"
        ))?;
        Ok(stmt.query_row((env_id, slug), from_row).optional()?)
    }

    pub fn resource_count(&self, env_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM resources WHERE environment_id = ?1")?
            .query_row([env_id], |r| r.get(0))?)
    }

    pub fn resource_insert(
        &self,
        env: &EnvRow,
        slug: &str,
        kind: ResourceType,
        description: Option<&str>,
    ) -> Result<ResourceRow> {
        let created_at = now();
        self.conn
            .prepare_cached(
                "INSERT INTO resources (environment_id, slug, type, description, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((env.id, slug, kind.as_str(), description, &created_at))?;
        Ok(ResourceRow {
            id: self.conn.last_insert_rowid(),
            environment_id: env.id,
            org: env.org.clone(),
            project: env.project.clone(),
            environment: env.slug.clone(),
            slug: slug.to_string(),
            kind,
            description: description.map(str::to_string),
            created_at,
        })
    }

    pub fn resource_update(&self, r: &ResourceRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE resources SET environment_id = ?2, slug = ?3, type = ?4, description = ?5 WHERE id = ?1",
            )?
            .execute((r.id, r.environment_id, &r.slug, r.kind.as_str(), &r.description))?;
        Ok(())
    }

    pub fn resource_delete(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM resources WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}
