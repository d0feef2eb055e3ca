use super::Db;
use crate::error::Result;
use crate::store::{EventRow, NewEvent, now};
use rusqlite::{OptionalExtension, Row};
use serde_json::Value;

const SELECT: &str =
    "SELECT id, at, actor, action, org_id, project_id, target, before, after FROM events";

fn from_row(r: &Row) -> rusqlite::Result<EventRow> {
    let json = |i: usize| -> rusqlite::Result<Option<Value>> {
        let text: Option<String> = r.get(i)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    Ok(EventRow {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        org_id: r.get(4)?,
        project_id: r.get(5)?,
        target: r.get(6)?,
        before: json(7)?,
        after: json(8)?,
    })
}

impl Db<'_> {
    /// Appends an audit event; call it inside the transaction that makes the change.
    /// Only `Tx` (src/tx.rs) calls it: it fills the event in from the target and checks
    /// that the event's action was required first.
    pub fn event_insert(&self, e: &NewEvent) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO events (at, actor, action, org_id, project_id, target, before, after)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute((
                now(),
                e.actor,
                e.action,
                e.org_id,
                e.project_id,
                e.target,
                e.before.map(Value::to_string),
                e.after.map(Value::to_string),
            ))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest events first, optionally only those of one organization or project, and
    /// only those older than `before` (an event id), so a reader can page through the log.
    pub fn events(
        &self,
        org_id: Option<i64>,
        project_id: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        let (sql, key) = match (project_id, org_id) {
            (Some(p), _) => (
                format!("{SELECT} WHERE project_id = ?1 AND id < ?3 ORDER BY id DESC LIMIT ?2"),
                Some(p),
            ),
            (None, Some(o)) => (
                format!("{SELECT} WHERE org_id = ?1 AND id < ?3 ORDER BY id DESC LIMIT ?2"),
                Some(o),
            ),
            (None, None) => (
                format!("{SELECT} WHERE ?1 IS NULL AND id < ?3 ORDER BY id DESC LIMIT ?2"),
                None,
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map((key, limit, before.unwrap_or(i64::MAX)), from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The events that add, remove or restore an organization or project, oldest first:
    /// what `lineage` follows ids through. `before` is left out (they never need it), so the
    /// rest of the log is neither read nor parsed.
    pub fn lifecycle_events(&self) -> Result<Vec<EventRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, actor, action, org_id, project_id, target, NULL, after FROM events
             WHERE action IN ('org.add', 'org.remove', 'org.restore',
                              'project.add', 'project.remove', 'project.restore')
             ORDER BY id",
        )?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// On a file, whoever may write it may change anything in it: nothing to check.
    pub fn restore_begin(&self, _event_id: i64) -> Result<()> {
        Ok(())
    }

    pub fn event(&self, id: i64) -> Result<Option<EventRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }
}
