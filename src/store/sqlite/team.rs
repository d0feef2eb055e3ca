//! Teams: named groups of members of one organization, and who is in them.

use super::Db;
use crate::error::{Error, Result};
use crate::store::{MemberRow, OrgRow, SavedFields, TeamMemberRow, TeamRow, now};
use rusqlite::{OptionalExtension, Row};

const TEAM_SELECT: &str = "SELECT t.id, t.org_id, o.slug, t.slug, t.display_name, t.description,
            t.created_at
     FROM teams t JOIN orgs o ON o.id = t.org_id";

fn team_from_row(r: &Row) -> rusqlite::Result<TeamRow> {
    Ok(TeamRow {
        id: r.get(0)?,
        org_id: r.get(1)?,
        org: r.get(2)?,
        slug: r.get(3)?,
        display_name: r.get(4)?,
        description: r.get(5)?,
        created_at: r.get(6)?,
    })
}

impl Db<'_> {
    pub fn teams(&self, org_id: i64) -> Result<Vec<TeamRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{TEAM_SELECT} WHERE t.org_id = ?1 ORDER BY t.slug"
        ))?;
        let rows = stmt.query_map([org_id], team_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the organization has any team (tables show team columns only then).
    pub fn has_teams(&self, org_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM teams WHERE org_id = ?1)")?
            .query_row([org_id], |r| r.get(0))?)
    }

    pub fn team(&self, org_id: i64, slug: &str) -> Result<Option<TeamRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{TEAM_SELECT} WHERE t.org_id = ?1 AND t.slug = ?2"
        ))?;
        Ok(stmt.query_row((org_id, slug), team_from_row).optional()?)
    }

    pub fn team_by_id(&self, id: i64) -> Result<Option<TeamRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{TEAM_SELECT} WHERE t.id = ?1"))?;
        Ok(stmt.query_row([id], team_from_row).optional()?)
    }

    pub fn team_insert(
        &self,
        org: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<TeamRow> {
        let created_at = now();
        self.conn
            .prepare_cached(
                "INSERT INTO teams (org_id, slug, display_name, description, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((org.id, slug, display_name, description, &created_at))?;
        Ok(TeamRow {
            id: self.conn.last_insert_rowid(),
            org_id: org.id,
            org: org.slug.clone(),
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            description: description.map(str::to_string),
            created_at,
        })
    }

    /// Puts back a removed team as recorded, with its old id when that is still free.
    pub fn team_restore(&self, id: Option<i64>, org: &OrgRow, t: &SavedFields) -> Result<TeamRow> {
        self.conn
            .prepare_cached(
                "INSERT INTO teams (id, org_id, slug, display_name, description, created_at)
                 VALUES (CASE WHEN EXISTS (SELECT 1 FROM teams WHERE id = ?1) THEN NULL ELSE ?1 END,
                         ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((
                id,
                org.id,
                t.slug,
                t.display_name,
                t.description,
                t.created_at,
            ))?;
        self.team(org.id, t.slug)?
            .ok_or_else(|| Error::internal("the restored team vanished"))
    }

    pub fn team_update(&self, t: &TeamRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE teams SET slug = ?2, display_name = ?3, description = ?4 WHERE id = ?1",
            )?
            .execute((t.id, &t.slug, &t.display_name, &t.description))?;
        Ok(())
    }

    /// Removes a team; its memberships and grants go with it (ON DELETE CASCADE).
    pub fn team_delete(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM teams WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// The members of a team, by email.
    pub fn team_members(&self, team_id: i64) -> Result<Vec<TeamMemberRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.email, m.name, tm.created_at
             FROM team_members tm JOIN members m ON m.id = tm.member_id
             WHERE tm.team_id = ?1 ORDER BY m.email",
        )?;
        let rows = stmt.query_map([team_id], |r| {
            Ok(TeamMemberRow {
                member_id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                joined_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The members of every team of an organization, as (team id, member), by team and
    /// email: one query for a whole layout export or plan.
    pub fn team_members_in_org(&self, org_id: i64) -> Result<Vec<(i64, TeamMemberRow)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tm.team_id, m.id, m.email, m.name, tm.created_at
             FROM team_members tm JOIN teams t ON t.id = tm.team_id
             JOIN members m ON m.id = tm.member_id
             WHERE t.org_id = ?1 ORDER BY tm.team_id, m.email",
        )?;
        let rows = stmt.query_map([org_id], |r| {
            Ok((
                r.get(0)?,
                TeamMemberRow {
                    member_id: r.get(1)?,
                    email: r.get(2)?,
                    name: r.get(3)?,
                    joined_at: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The teams a member is in, by slug.
    pub fn member_teams(&self, member_id: i64) -> Result<Vec<TeamRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{TEAM_SELECT} JOIN team_members tm ON tm.team_id = t.id
             WHERE tm.member_id = ?1 ORDER BY t.slug"
        ))?;
        let rows = stmt.query_map([member_id], team_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds a member to a team (`joined_at` as given, or now); false when already in it.
    pub fn team_join(
        &self,
        team_id: i64,
        member: &MemberRow,
        joined_at: Option<&str>,
    ) -> Result<bool> {
        let at = joined_at.map_or_else(now, str::to_string);
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO team_members (team_id, member_id, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )?
            .execute((team_id, member.id, at))?;
        Ok(n > 0)
    }

    /// Takes a member out of a team; false when they were not in it.
    pub fn team_leave(&self, team_id: i64, member_id: i64) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM team_members WHERE team_id = ?1 AND member_id = ?2")?
            .execute((team_id, member_id))?;
        Ok(n > 0)
    }
}
