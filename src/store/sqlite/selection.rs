//! The saved selection and identity: which organization and project each identity works
//! in, keyed by the acting email (`selections`), and the identity saved by `proj init`.

use super::Db;
use crate::error::Result;
use crate::store::Selection;
use rusqlite::OptionalExtension;

impl Db<'_> {
    /// The organization and project `who` saved (`None`: the selection made with no
    /// identity), and the saved identity.
    pub fn selection(&self, who: Option<&str>) -> Result<Selection> {
        let identity: Option<String> = self
            .conn
            .prepare_cached("SELECT identity FROM selection WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .flatten();
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.slug, po.slug, p.slug FROM selections s
             LEFT JOIN orgs o ON o.id = s.org_id
             LEFT JOIN projects p ON p.id = s.project_id
             LEFT JOIN orgs po ON po.id = p.org_id
             WHERE s.identity = ?1",
        )?;
        let key = who.map(crate::model::normalize_email).unwrap_or_default();
        let saved = stmt
            .query_row([key], |r| {
                let org: Option<String> = r.get(0)?;
                let porg: Option<String> = r.get(1)?;
                let project: Option<String> = r.get(2)?;
                Ok((org, porg.zip(project)))
            })
            .optional()?;
        let (org, project) = saved.unwrap_or_default();
        Ok(Selection {
            org,
            project,
            identity,
        })
    }

    /// Saves the current organization (and project, or none) of `who`.
    pub fn selection_save(
        &self,
        who: Option<&str>,
        org_id: Option<i64>,
        project_id: Option<i64>,
    ) -> Result<()> {
        let key = who.map(crate::model::normalize_email).unwrap_or_default();
        self.conn
            .prepare_cached(
                "INSERT INTO selections (identity, org_id, project_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (identity) DO UPDATE SET org_id = ?2, project_id = ?3",
            )?
            .execute((key, org_id, project_id))?;
        Ok(())
    }

    /// Moves `from`'s saved selection to `to` (the saved identity changed its email).
    pub fn selection_move(&self, from: &str, to: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE OR REPLACE selections SET identity = ?2 WHERE identity = ?1")?
            .execute((
                crate::model::normalize_email(from),
                crate::model::normalize_email(to),
            ))?;
        Ok(())
    }

    /// Saves the identity commands act as when `--as`/`PROJ_AS` is not given (or none). The
    /// first identity a file saves takes over the selection made before there was one (by the
    /// same person at the keyboard), unless it has its own.
    pub fn identity_save(&self, email: Option<&str>) -> Result<()> {
        let email = email.map(crate::model::normalize_email);
        if let Some(e) = &email
            && self.selection(None)?.identity.is_none()
        {
            self.conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO selections (identity, org_id, project_id)
                     SELECT ?1, org_id, project_id FROM selections WHERE identity = ''",
                )?
                .execute([e])?;
        }
        self.conn
            .prepare_cached("UPDATE selection SET identity = ?1 WHERE id = 1")?
            .execute([email])?;
        Ok(())
    }
}
