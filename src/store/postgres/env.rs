//! Environments on a server, in release-flow order.

use super::Db;
use super::sql::{RELEASE_ORDER, all, env, env_sql, one, ts};
use crate::error::Result;
use crate::store::{EnvRow, NewEnv, ProjectRow, now};
use std::collections::HashMap;

impl Db<'_> {
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
}
