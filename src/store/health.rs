//! What `proj doctor` asks SQLite about the file itself.

use super::Db;
use crate::error::Result;

/// A row `PRAGMA foreign_key_check` reported: a child row whose parent is missing.
#[derive(Debug, Clone)]
pub struct ForeignKeyViolation {
    pub table: String,
    pub rowid: Option<i64>,
    pub parent: String,
}

impl Db<'_> {
    /// `PRAGMA quick_check`: `["ok"]` when the file is sound.
    pub fn quick_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `PRAGMA foreign_key_check`: empty when every reference resolves.
    pub fn foreign_key_check(&self) -> Result<Vec<ForeignKeyViolation>> {
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(ForeignKeyViolation {
                table: r.get(0)?,
                rowid: r.get(1)?,
                parent: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `(application_id, user_version, journal_mode)` of the open file.
    pub fn file_identity(&self) -> Result<(i32, i32, String)> {
        Ok(self.conn.query_row(
            "SELECT application_id, user_version, journal_mode
             FROM pragma_application_id, pragma_user_version, pragma_journal_mode",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}
