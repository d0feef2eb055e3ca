//! Organizations on a server.

use super::Db;
use super::sql::{all, one, org, org_sql, ts};
use crate::error::Result;
use crate::store::{OrgRow, now};

impl Db<'_> {
    pub fn orgs(&self) -> Result<Vec<OrgRow>> {
        all(
            self.conn
                .query(&format!("{} ORDER BY slug COLLATE \"C\"", org_sql("")), &[])?,
            org,
        )
    }

    pub fn org(&self, slug: &str) -> Result<Option<OrgRow>> {
        one(
            self.conn.query_opt(&org_sql("p_slug => $1"), &[&slug])?,
            org,
        )
    }

    pub fn org_by_id(&self, id: i64) -> Result<Option<OrgRow>> {
        one(self.conn.query_opt(&org_sql("p_id => $1"), &[&id])?, org)
    }

    pub fn org_insert(&self, slug: &str, display_name: Option<&str>) -> Result<OrgRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_org_insert($1, $2, $3)",
            &[&slug, &display_name, &ts(&created_at)?],
        )?;
        Ok(OrgRow {
            id,
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            created_at,
        })
    }

    pub fn org_update(&self, o: &OrgRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_org_update($1, $2, $3)",
            &[&o.id, &o.slug, &o.display_name],
        )?;
        Ok(())
    }

    pub fn org_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_org_delete($1)", &[&id])?;
        Ok(())
    }
}
