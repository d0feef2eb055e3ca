use super::Db;
use crate::error::{Error, Result};
use crate::store::{EnvRow, NewEnv, ProjectRow, now};
use rusqlite::{OptionalExtension, Row};

const SELECT: &str = "SELECT e.id, e.project_id, o.slug, p.slug, e.slug, e.display_name, e.kind,
            e.description, e.protected, e.archived_at, e.created_at
     FROM environments e JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id";

/// Release-flow order: development → staging → custom → production, then creation order.
const RELEASE_ORDER: &str = "CASE e.kind WHEN 'development' THEN 0 WHEN 'staging' THEN 1
     WHEN 'custom' THEN 2 ELSE 3 END, e.id";

fn from_row(r: &Row) -> rusqlite::Result<EnvRow> {
    let kind: String = r.get(6)?;
    Ok(EnvRow {
        id: r.get(0)?,
        project_id: r.get(1)?,
        org: r.get(2)?,
        project: r.get(3)?,
        slug: r.get(4)?,
        display_name: r.get(5)?,
        kind: kind.parse().map_err(|e: Error| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
        })?,
        description: r.get(7)?,
        protected: r.get(8)?,
        archived_at: r.get(9)?,
        created_at: r.get(10)?,
    })
}

impl Db<'_> {
    /// Environments of a project in release-flow order.
    pub fn envs(&self, project_id: i64, include_archived: bool) -> Result<Vec<EnvRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE e.project_id = ?1 AND (?2 OR e.archived_at IS NULL) ORDER BY {RELEASE_ORDER}"
        ))?;
        let rows = stmt.query_map((project_id, include_archived), from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every environment of an organization's projects, by project, in release-flow order
    /// within each: one query for a whole tree.
    pub fn envs_in_org(&self, org_id: i64, include_archived: bool) -> Result<Vec<EnvRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE p.org_id = ?1 AND (?2 OR e.archived_at IS NULL)
             ORDER BY e.project_id, {RELEASE_ORDER}"
        ))?;
        let rows = stmt.query_map((org_id, include_archived), from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The non-archived environment slugs of every project of an organization, in
    /// release-flow order: one query for a whole `project list`.
    pub fn env_slugs_by_project(
        &self,
        org_id: i64,
    ) -> Result<std::collections::HashMap<i64, Vec<String>>> {
        // Ordered here, not by SQLite: its sorter took more instructions than the rest of a
        // `project list` of 200 projects; the rows come grouped by project from the index.
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT e.project_id, {RELEASE_ORDER}, e.slug
             FROM environments e JOIN projects p ON p.id = e.project_id
             WHERE p.org_id = ?1 AND e.archived_at IS NULL"
        ))?;
        let rows = stmt.query_map([org_id], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?))
        })?;
        let mut rows: Vec<((i64, i64, i64), String)> = rows.collect::<Result<_, _>>()?;
        rows.sort_unstable_by_key(|(order, _)| *order);
        let mut out: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for ((project, _, _), slug) in rows {
            out.entry(project).or_default().push(slug);
        }
        Ok(out)
    }

    pub fn env(&self, project_id: i64, slug: &str) -> Result<Option<EnvRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE e.project_id = ?1 AND e.slug = ?2"))?;
        Ok(stmt.query_row((project_id, slug), from_row).optional()?)
    }

    pub fn env_by_id(&self, id: i64) -> Result<Option<EnvRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE e.id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    pub fn env_insert(&self, project: &ProjectRow, new: &NewEnv) -> Result<EnvRow> {
        let created_at = now();
        self.conn
            .prepare_cached(
                "INSERT INTO environments (project_id, slug, display_name, kind, description, protected, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute((
                project.id,
                new.slug,
                new.display_name,
                new.kind.as_str(),
                new.description,
                new.protected,
                &created_at,
            ))?;
        Ok(EnvRow {
            id: self.conn.last_insert_rowid(),
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
        self.conn
            .prepare_cached(
                "UPDATE environments SET slug = ?2, display_name = ?3, kind = ?4, description = ?5,
                        protected = ?6, archived_at = ?7 WHERE id = ?1",
            )?
            .execute((
                e.id,
                &e.slug,
                &e.display_name,
                e.kind.as_str(),
                &e.description,
                e.protected,
                &e.archived_at,
            ))?;
        Ok(())
    }

    pub fn env_delete(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM environments WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}
