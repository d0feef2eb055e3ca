//! Resources on a server.

use super::Db;
use super::sql::{all, one, resource, resource_sql, ts};
use crate::error::Result;
use crate::model::ResourceType;
use crate::store::{EnvRow, ResourceRow, now};

impl Db<'_> {
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
}
