//! Teams on a server, and who is in them.

use super::Db;
use super::sql::{all, one, show, team, team_sql, ts};
use crate::error::Result;
use crate::store::{MemberRow, OrgRow, TeamMemberRow, TeamRow, now};

impl Db<'_> {
    pub fn teams(&self, org_id: i64) -> Result<Vec<TeamRow>> {
        all(
            self.conn.query(
                &format!("{} ORDER BY t.slug COLLATE \"C\"", team_sql("p_org => $1")),
                &[&org_id],
            )?,
            team,
        )
    }

    pub fn has_teams(&self, org_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM r_teams(p_org => $1))",
                &[&org_id],
            )?
            .get(0))
    }

    pub fn team(&self, org_id: i64, slug: &str) -> Result<Option<TeamRow>> {
        one(
            self.conn.query_opt(
                &format!("{} WHERE t.slug = $2", team_sql("p_org => $1")),
                &[&org_id, &slug],
            )?,
            team,
        )
    }

    pub fn team_by_id(&self, id: i64) -> Result<Option<TeamRow>> {
        one(self.conn.query_opt(&team_sql("p_id => $1"), &[&id])?, team)
    }

    pub fn team_insert(
        &self,
        o: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<TeamRow> {
        let created_at = now();
        let id = self.conn.change(
            "SELECT w_team_insert($1, $2, $3, $4, $5)",
            &[&o.id, &slug, &display_name, &description, &ts(&created_at)?],
        )?;
        Ok(TeamRow {
            id,
            org_id: o.id,
            org: o.slug.clone(),
            slug: slug.to_string(),
            display_name: display_name.map(str::to_string),
            description: description.map(str::to_string),
            created_at,
        })
    }

    pub fn team_update(&self, t: &TeamRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_team_update($1, $2, $3, $4)",
            &[&t.id, &t.slug, &t.display_name, &t.description],
        )?;
        Ok(())
    }

    pub fn team_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_team_delete($1)", &[&id])?;
        Ok(())
    }

    pub fn team_members(&self, team_id: i64) -> Result<Vec<TeamMemberRow>> {
        self.conn
            .query(
                "SELECT m.id, m.email, m.name, tm.created_at
                 FROM r_team_members(p_team => $1) tm JOIN r_members() m ON m.id = tm.member_id
                 ORDER BY m.email COLLATE \"C\"",
                &[&team_id],
            )?
            .iter()
            .map(|r| {
                Ok(TeamMemberRow {
                    member_id: r.get(0),
                    email: r.get(1),
                    name: r.get(2),
                    joined_at: show(r.get(3)),
                })
            })
            .collect()
    }

    /// The members of every team of an organization, as (team id, member), by team and email.
    pub fn team_members_in_org(&self, org_id: i64) -> Result<Vec<(i64, TeamMemberRow)>> {
        self.conn
            .query(
                "SELECT tm.team_id, m.id, m.email, m.name, tm.created_at
                 FROM r_team_members(p_org => $1) tm
                 JOIN r_members(p_org => $1) m ON m.id = tm.member_id
                 ORDER BY tm.team_id, m.email COLLATE \"C\"",
                &[&org_id],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.get(0),
                    TeamMemberRow {
                        member_id: r.get(1),
                        email: r.get(2),
                        name: r.get(3),
                        joined_at: show(r.get(4)),
                    },
                ))
            })
            .collect()
    }

    pub fn member_teams(&self, member_id: i64) -> Result<Vec<TeamRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} JOIN r_team_members(p_member => $1) tm ON tm.team_id = t.id
                     ORDER BY t.slug COLLATE \"C\"",
                    team_sql("")
                ),
                &[&member_id],
            )?,
            team,
        )
    }

    pub fn team_join(&self, team_id: i64, m: &MemberRow, joined_at: Option<&str>) -> Result<bool> {
        let at = joined_at.map_or_else(now, str::to_string);
        let n = self.conn.change(
            "SELECT w_team_join($1, $2, $3)",
            &[&team_id, &m.id, &ts(&at)?],
        )?;
        Ok(n > 0)
    }

    pub fn team_leave(&self, team_id: i64, member_id: i64) -> Result<bool> {
        let n = self
            .conn
            .change("SELECT w_team_leave($1, $2)", &[&team_id, &member_id])?;
        Ok(n > 0)
    }
}
