//! The saved selection on a server: one row per login (the login is the identity).

use super::Db;
use crate::error::Result;
use crate::store::Selection;

impl Db<'_> {
    /// A login's own selection: the login is the identity, `_who` is a file's key.
    pub fn selection(&self, _who: Option<&str>) -> Result<Selection> {
        let row = self.conn.query_opt(
            "SELECT o.slug, po.slug, p.slug, s.identity FROM r_selection() s
             LEFT JOIN r_orgs() o ON o.id = s.org_id
             LEFT JOIN r_projects() p ON p.id = s.project_id
             LEFT JOIN r_orgs() po ON po.id = p.org_id",
            &[],
        )?;
        Ok(row.map_or_else(Selection::default, |r| {
            let porg: Option<String> = r.get(1);
            let project: Option<String> = r.get(2);
            Selection {
                org: r.get(0),
                project: porg.zip(project),
                identity: r.get(3),
            }
        }))
    }

    pub fn selection_save(
        &self,
        _who: Option<&str>,
        org_id: Option<i64>,
        project_id: Option<i64>,
    ) -> Result<()> {
        self.conn
            .execute("SELECT w_selection_save($1, $2)", &[&org_id, &project_id])?;
        Ok(())
    }

    /// On a server the selection is the login's: an email change does not move it.
    pub fn selection_move(&self, _from: &str, _to: &str) -> Result<()> {
        Ok(())
    }

    /// On a server the identity is the login: there is nothing to save.
    pub fn identity_save(&self, _email: Option<&str>) -> Result<()> {
        Ok(())
    }
}
