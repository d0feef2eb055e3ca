use super::Db;
use crate::error::{Error, Result};
use crate::model::{OrgRole, normalize_email};
use crate::store::{MemberRow, OrgRow, now};
use rusqlite::{OptionalExtension, Row};

fn parse<T: std::str::FromStr<Err = Error>>(i: usize, s: String) -> rusqlite::Result<T> {
    s.parse().map_err(|e: Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

const MEMBER_SELECT: &str = "SELECT m.id, m.org_id, o.slug, m.email, m.name, m.role, m.created_at,
            m.login
     FROM members m JOIN orgs o ON o.id = m.org_id";

fn member_from_row(r: &Row) -> rusqlite::Result<MemberRow> {
    Ok(MemberRow {
        id: r.get(0)?,
        org_id: r.get(1)?,
        org: r.get(2)?,
        email: r.get(3)?,
        name: r.get(4)?,
        role: parse(5, r.get(5)?)?,
        created_at: r.get(6)?,
        login: r.get(7)?,
    })
}

// Emails are stored lowercased (migration 3 brought older files there) and every lookup
// lowercases what it is given, so `Bo@Acme.dev` finds `bo@acme.dev` through the same index.
impl Db<'_> {
    pub fn members(&self, org_id: i64) -> Result<Vec<MemberRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{MEMBER_SELECT} WHERE m.org_id = ?1 ORDER BY m.email"
        ))?;
        let rows = stmt.query_map([org_id], member_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether an organization (`Some`), or any organization in the file (`None`), has
    /// members at all. An organization without members behaves as a single owner.
    pub fn has_members(&self, org_id: Option<i64>) -> Result<bool> {
        Ok(match org_id {
            Some(id) => self
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM members WHERE org_id = ?1)")?
                .query_row([id], |r| r.get(0))?,
            None => self
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM members)")?
                .query_row([], |r| r.get(0))?,
        })
    }

    /// Whether an organization has members, and the member who acts there: the one with
    /// `email`, else the one mapped to `login` (what `access::standing` asks).
    pub fn member_standing(
        &self,
        org_id: i64,
        email: Option<&str>,
        login: Option<&str>,
    ) -> Result<(bool, Option<MemberRow>)> {
        if !self.has_members(Some(org_id))? {
            return Ok((false, None));
        }
        let member = match (email, login) {
            (Some(email), _) => self.member(org_id, email)?,
            (None, Some(login)) => self.member_by_login(org_id, login)?,
            (None, None) => None,
        };
        Ok((true, member))
    }

    pub fn member(&self, org_id: i64, email: &str) -> Result<Option<MemberRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{MEMBER_SELECT} WHERE m.org_id = ?1 AND m.email = ?2"
        ))?;
        Ok(stmt
            .query_row((org_id, normalize_email(email)), member_from_row)
            .optional()?)
    }

    /// Every membership of one email, by organization.
    pub fn memberships(&self, email: &str) -> Result<Vec<MemberRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{MEMBER_SELECT} WHERE m.email = ?1 ORDER BY o.slug"
        ))?;
        let rows = stmt.query_map([normalize_email(email)], member_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether an email is a member of any organization.
    pub fn has_membership(&self, email: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM members WHERE email = ?1)")?
            .query_row([normalize_email(email)], |r| r.get(0))?)
    }

    pub fn owner_count(&self, org_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM members WHERE org_id = ?1 AND role = 'owner'")?
            .query_row([org_id], |r| r.get(0))?)
    }

    pub fn member_insert(
        &self,
        org: &OrgRow,
        email: &str,
        name: Option<&str>,
        role: OrgRole,
    ) -> Result<MemberRow> {
        let created_at = now();
        let email = normalize_email(email);
        self.conn
            .prepare_cached(
                "INSERT INTO members (org_id, email, name, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((org.id, &email, name, role.as_str(), &created_at))?;
        Ok(MemberRow {
            id: self.conn.last_insert_rowid(),
            org_id: org.id,
            org: org.slug.clone(),
            email,
            name: name.map(str::to_string),
            role,
            created_at,
            login: None,
        })
    }

    pub fn member_update(&self, m: &MemberRow) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE members SET name = ?2, role = ?3 WHERE id = ?1")?
            .execute((m.id, &m.name, m.role.as_str()))?;
        Ok(())
    }

    /// The member of an organization that a database login acts as.
    pub fn member_by_login(&self, org_id: i64, login: &str) -> Result<Option<MemberRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{MEMBER_SELECT} WHERE m.login = ?1 AND m.org_id = ?2"
        ))?;
        Ok(stmt
            .query_row((login, org_id), member_from_row)
            .optional()?)
    }

    /// Every member a database login acts as, one per organization, by organization.
    pub fn memberships_of_login(&self, login: &str) -> Result<Vec<MemberRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{MEMBER_SELECT} WHERE m.login = ?1 ORDER BY o.slug"
        ))?;
        let rows = stmt.query_map([login], member_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn member_set_login(&self, id: i64, login: Option<&str>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE members SET login = ?2 WHERE id = ?1")?
            .execute((id, login))?;
        Ok(())
    }

    pub fn member_set_email(&self, id: i64, email: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE members SET email = ?2 WHERE id = ?1")?
            .execute((id, normalize_email(email)))?;
        Ok(())
    }

    pub fn member_delete(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM members WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}
