use super::Db;
use crate::error::Result;
use crate::store::{OrgRow, now};
use rusqlite::{OptionalExtension, Row};

const COLUMNS: &str = "id, slug, display_name, created_at";

fn from_row(r: &Row) -> rusqlite::Result<OrgRow> {
    Ok(OrgRow {
        id: r.get(0)?,
        slug: r.get(1)?,
        display_name: r.get(2)?,
        created_at: r.get(3)?,
    })
}

impl Db<'_> {
    pub fn orgs(&self) -> Result<Vec<OrgRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM orgs ORDER BY slug"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn org(&self, slug: &str) -> Result<Option<OrgRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM orgs WHERE slug = ?1"))?;
        Ok(stmt.query_row([slug], from_row).optional()?)
    }

    pub fn org_by_id(&self, id: i64) -> Result<Option<OrgRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM orgs WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    pub fn org_insert(&self, slug: &str, display_name: Option<&str>) -> Result<OrgRow> {
        let created_at = now();
        self.conn
            .prepare_cached(
                "INSERT INTO orgs (slug, display_name, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute((slug, display_name, &created_at))?;
        Ok(OrgRow {
            id: self.conn.last_insert_rowid(),
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            created_at,
        })
    }

    pub fn org_update(&self, org: &OrgRow) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE orgs SET slug = ?2, display_name = ?3 WHERE id = ?1")?
            .execute((org.id, &org.slug, &org.display_name))?;
        Ok(())
    }

    pub fn org_delete(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM orgs WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}
