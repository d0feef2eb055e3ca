use super::{Db, now};
use crate::error::{Error, Result};
use crate::model::{OrgRole, ProjectRole, normalize_email};
use rusqlite::{OptionalExtension, Row};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub org_id: i64,
    pub org: String,
    pub email: String,
    pub name: Option<String>,
    pub role: OrgRole,
    pub created_at: String,
}

/// A project role given to a member, for the whole project or (with `environment`) one
/// environment of it.
#[derive(Debug, Clone, Serialize)]
pub struct GrantRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub member_id: i64,
    pub email: String,
    #[serde(skip)]
    pub project_id: i64,
    pub org: String,
    pub project: String,
    #[serde(skip)]
    pub environment_id: Option<i64>,
    pub environment: Option<String>,
    pub role: ProjectRole,
    pub created_at: String,
}

fn parse<T: std::str::FromStr<Err = Error>>(i: usize, s: String) -> rusqlite::Result<T> {
    s.parse().map_err(|e: Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

const MEMBER_SELECT: &str = "SELECT m.id, m.org_id, o.slug, m.email, m.name, m.role, m.created_at
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
    })
}

const GRANT_SELECT: &str = "SELECT g.id, g.member_id, m.email, g.project_id, o.slug, p.slug,
            g.environment_id, e.slug, g.role, g.created_at
     FROM grants g JOIN members m ON m.id = g.member_id
     JOIN projects p ON p.id = g.project_id JOIN orgs o ON o.id = p.org_id
     LEFT JOIN environments e ON e.id = g.environment_id";

fn grant_from_row(r: &Row) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        id: r.get(0)?,
        member_id: r.get(1)?,
        email: r.get(2)?,
        project_id: r.get(3)?,
        org: r.get(4)?,
        project: r.get(5)?,
        environment_id: r.get(6)?,
        environment: r.get(7)?,
        role: parse(8, r.get(8)?)?,
        created_at: r.get(9)?,
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

    pub fn owner_count(&self, org_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM members WHERE org_id = ?1 AND role = 'owner'")?
            .query_row([org_id], |r| r.get(0))?)
    }

    pub fn member_insert(
        &self,
        org: &super::OrgRow,
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
        })
    }

    pub fn member_update(&self, m: &MemberRow) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE members SET name = ?2, role = ?3 WHERE id = ?1")?
            .execute((m.id, &m.name, m.role.as_str()))?;
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

    /// The grants one member holds in one project (project-wide and env-scoped).
    pub fn member_grants_in(&self, member_id: i64, project_id: i64) -> Result<Vec<GrantRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{GRANT_SELECT} WHERE g.member_id = ?1 AND g.project_id = ?2 ORDER BY g.id"
        ))?;
        let rows = stmt.query_map((member_id, project_id), grant_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every grant a member holds, in any project.
    pub fn member_grants(&self, member_id: i64) -> Result<Vec<GrantRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{GRANT_SELECT} WHERE g.member_id = ?1 ORDER BY o.slug, p.slug, e.slug"
        ))?;
        let rows = stmt.query_map([member_id], grant_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every grant on one project, project-wide and env-scoped.
    pub fn project_grants(&self, project_id: i64) -> Result<Vec<GrantRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{GRANT_SELECT} WHERE g.project_id = ?1 ORDER BY m.email, g.environment_id"
        ))?;
        let rows = stmt.query_map([project_id], grant_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every grant on every project of an organization, by project: one query for a whole
    /// layout export or plan.
    pub fn grants_in_org(&self, org_id: i64) -> Result<Vec<GrantRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{GRANT_SELECT} WHERE p.org_id = ?1 ORDER BY g.project_id, m.email, g.environment_id"
        ))?;
        let rows = stmt.query_map([org_id], grant_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets a member's role on a project (or one environment), replacing any earlier one.
    pub fn grant_set(
        &self,
        member: &MemberRow,
        project: &super::ProjectRow,
        env: Option<&super::EnvRow>,
        role: ProjectRole,
    ) -> Result<()> {
        let env_id = env.map(|e| e.id);
        self.grant_delete(member.id, project.id, env_id)?;
        self.conn
            .prepare_cached(
                "INSERT INTO grants (member_id, project_id, environment_id, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((member.id, project.id, env_id, role.as_str(), now()))?;
        Ok(())
    }

    /// Removes one grant; returns whether there was one.
    pub fn grant_delete(
        &self,
        member_id: i64,
        project_id: i64,
        env_id: Option<i64>,
    ) -> Result<bool> {
        let n = match env_id {
            None => self
                .conn
                .prepare_cached(
                    "DELETE FROM grants WHERE member_id = ?1 AND project_id = ?2 AND environment_id IS NULL",
                )?
                .execute((member_id, project_id))?,
            Some(e) => self
                .conn
                .prepare_cached("DELETE FROM grants WHERE member_id = ?1 AND environment_id = ?2")?
                .execute((member_id, e))?,
        };
        Ok(n > 0)
    }
}
