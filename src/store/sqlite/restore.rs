//! Inserts that bring removed rows back as an audit snapshot recorded them (`proj restore`):
//! the same slugs and creation times, and the old ids where they are still free, so the
//! history in the audit log stays attached to what it describes.

use super::Db;
use crate::error::{Error, Result};
use crate::store::{EnvRow, Holder, OrgRow, ProjectRow, SavedEnvFields, SavedFields};

impl Db<'_> {
    /// `id` if no row of `table` holds it, else `None` (a fresh id is picked).
    fn free_id(&self, table: &str, id: Option<i64>) -> Result<Option<i64>> {
        let Some(id) = id else { return Ok(None) };
        let taken: bool = self
            .conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
            ))?
            .query_row([id], |r| r.get(0))?;
        Ok((!taken).then_some(id))
    }

    pub fn org_restore(&self, id: Option<i64>, o: &SavedFields) -> Result<OrgRow> {
        let id = self.free_id("orgs", id)?;
        self.conn
            .prepare_cached(
                "INSERT INTO orgs (id, slug, display_name, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute((id, o.slug, o.display_name, o.created_at))?;
        let id = self.conn.last_insert_rowid();
        self.org_by_id(id)?
            .ok_or_else(|| Error::internal("the restored organization vanished"))
    }

    pub fn project_restore(
        &self,
        id: Option<i64>,
        org: &OrgRow,
        p: &SavedFields,
    ) -> Result<ProjectRow> {
        let id = self.free_id("projects", id)?;
        self.conn
            .prepare_cached(
                "INSERT INTO projects (id, org_id, slug, display_name, description, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((
                id,
                org.id,
                p.slug,
                p.display_name,
                p.description,
                p.created_at,
            ))?;
        self.project(org.id, p.slug)?
            .ok_or_else(|| Error::internal("the restored project vanished"))
    }

    pub fn env_restore(
        &self,
        project: &ProjectRow,
        e: &SavedFields,
        env: &SavedEnvFields,
    ) -> Result<EnvRow> {
        self.conn
            .prepare_cached(
                "INSERT INTO environments (project_id, slug, display_name, kind, description,
                        protected, archived_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute((
                project.id,
                e.slug,
                e.display_name,
                env.kind,
                e.description,
                env.protected,
                env.archived_at,
                e.created_at,
            ))?;
        let id = self.conn.last_insert_rowid();
        self.env_by_id(id)?
            .ok_or_else(|| Error::internal("the restored environment vanished"))
    }

    pub fn resource_restore(&self, env: &EnvRow, r: &SavedFields, kind: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO resources (environment_id, slug, type, description, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((env.id, r.slug, kind, r.description, r.created_at))?;
        Ok(())
    }

    /// Puts back a member: `slug` is the email, `display_name` the name.
    pub fn member_restore(&self, org: &OrgRow, m: &SavedFields, role: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO members (org_id, email, name, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            // A snapshot from before emails were lowercased (schema 3) may spell it otherwise.
            .execute((
                org.id,
                crate::model::normalize_email(m.slug),
                m.display_name,
                role,
                m.created_at,
            ))?;
        Ok(())
    }

    /// Puts back one grant of a member or a team on a project or one of its environments.
    pub fn grant_restore(
        &self,
        holder: Holder,
        project: &ProjectRow,
        env: Option<&EnvRow>,
        role: &str,
        created_at: &str,
    ) -> Result<()> {
        self.grant_insert(holder, project, env, role, created_at, false)
    }
}
