//! The audit log on a server.

use super::Db;
use super::sql::{all, event, event_sql, one};
use crate::error::{Error, Result};
use crate::store::{EventRow, NewEvent};

impl Db<'_> {
    /// The database stamps the event with the session's login and its own clock
    /// (`proj.record`, migration 2); `e.actor` is what the login is called anyway.
    pub fn event_insert(&self, e: &NewEvent) -> Result<i64> {
        let rows = self.conn.query_writing(
            "SELECT proj.record($1, $2, $3, $4, $5, $6)",
            &[
                &e.action,
                &e.org_id,
                &e.project_id,
                &e.target,
                &e.before,
                &e.after,
            ],
        )?;
        rows.first()
            .map(|r| r.get(0))
            .ok_or_else(|| Error::internal("the database answered no row"))
    }

    pub fn events(
        &self,
        org_id: Option<i64>,
        project_id: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        // SQLite reads a negative LIMIT as none; PostgreSQL reads NULL so.
        let limit = (limit >= 0).then_some(limit);
        let (org_id, project_id) = match project_id {
            Some(p) => (None, Some(p)),
            None => (org_id, None),
        };
        let rows = self.conn.query(
            &format!(
                "{} ORDER BY id DESC",
                event_sql("p_org => $1, p_project => $2, p_before => $3, p_limit => $4")
            ),
            &[&org_id, &project_id, &before, &limit],
        )?;
        all(rows, event)
    }

    /// The adds, removals and restores of organizations and projects, oldest first, found by
    /// `events_by_action` (as in the file).
    pub fn lifecycle_events(&self) -> Result<Vec<EventRow>> {
        let rows = self.conn.query(
            &format!("{} ORDER BY id", event_sql("p_lifecycle => true")),
            &[],
        )?;
        all(rows, event)
    }

    pub fn event(&self, id: i64) -> Result<Option<EventRow>> {
        one(
            self.conn.query_opt(&event_sql("p_id => $1"), &[&id])?,
            event,
        )
    }
}
