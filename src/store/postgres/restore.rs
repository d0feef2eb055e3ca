//! Restore (migration 3): the database re-creates only what the event's own transaction
//! removed, with the values it had; old ids where they are free.

use super::Db;
use super::sql::ts;
use crate::error::{Error, Result};
use crate::model::normalize_email;
use crate::store::{EnvRow, Holder, OrgRow, ProjectRow, SavedEnvFields, SavedFields, TeamRow};

impl Db<'_> {
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
