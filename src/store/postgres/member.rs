//! Members on a server, and the database logins mapped to them.

use super::Db;
use super::sql::{all, member, member_sql, one, ts};
use crate::error::Result;
use crate::model::{OrgRole, normalize_email};
use crate::store::{MemberRow, OrgRow, now};

impl Db<'_> {
    pub fn members(&self, org_id: i64) -> Result<Vec<MemberRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY m.email COLLATE \"C\"",
                    member_sql("p_org => $1")
                ),
                &[&org_id],
            )?,
            member,
        )
    }

    pub fn has_members(&self, org_id: Option<i64>) -> Result<bool> {
        Ok(match org_id {
            Some(id) => self
                .conn
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM r_members(p_org => $1))",
                    &[&id],
                )?
                .get(0),
            None => self.conn.query_one("SELECT r_any_members()", &[])?.get(0),
        })
    }

    /// One round trip: whether the organization has members, and the one who acts there.
    pub fn member_standing(
        &self,
        org_id: i64,
        email: Option<&str>,
        login: Option<&str>,
    ) -> Result<(bool, Option<MemberRow>)> {
        let (column, value) = match (email, login) {
            (Some(email), _) => ("email", Some(normalize_email(email))),
            (None, Some(login)) => ("login", Some(login.to_string())),
            (None, None) => ("email", None),
        };
        let row = self.conn.query_one(
            &format!(
                "SELECT m.id, m.org_id, o.slug, m.email, m.name, m.role, m.created_at, m.login,
                        EXISTS (SELECT 1 FROM r_members(p_org => $1))
                 FROM (SELECT 1) one
                 LEFT JOIN (r_members(p_org => $1, p_{column} => $2) m
                            JOIN r_orgs(p_id => $1) o ON o.id = m.org_id) ON true"
            ),
            &[&org_id, &value],
        )?;
        let member = match row.get::<_, Option<i64>>(0) {
            Some(_) => Some(member(&row)?),
            None => None,
        };
        Ok((row.get(8), member))
    }

    pub fn member(&self, org_id: i64, email: &str) -> Result<Option<MemberRow>> {
        one(
            self.conn.query_opt(
                &member_sql("p_org => $1, p_email => $2"),
                &[&org_id, &normalize_email(email)],
            )?,
            member,
        )
    }

    pub fn member_by_login(&self, org_id: i64, login: &str) -> Result<Option<MemberRow>> {
        one(
            self.conn.query_opt(
                &member_sql("p_login => $1, p_org => $2"),
                &[&login, &org_id],
            )?,
            member,
        )
    }

    pub fn memberships_of_login(&self, login: &str) -> Result<Vec<MemberRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY o.slug COLLATE \"C\"",
                    member_sql("p_login => $1")
                ),
                &[&login],
            )?,
            member,
        )
    }

    pub fn memberships(&self, email: &str) -> Result<Vec<MemberRow>> {
        all(
            self.conn.query(
                &format!(
                    "{} ORDER BY o.slug COLLATE \"C\"",
                    member_sql("p_email => $1")
                ),
                &[&normalize_email(email)],
            )?,
            member,
        )
    }

    pub fn has_membership(&self, email: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM r_members(p_email => $1))",
                &[&normalize_email(email)],
            )?
            .get(0))
    }

    pub fn owner_count(&self, org_id: i64) -> Result<i64> {
        Ok(self
            .conn
            .query_one(
                "SELECT count(*) FROM r_members(p_org => $1) WHERE role = 'owner'",
                &[&org_id],
            )?
            .get(0))
    }

    pub fn member_insert(
        &self,
        o: &OrgRow,
        email: &str,
        name: Option<&str>,
        role: OrgRole,
    ) -> Result<MemberRow> {
        let created_at = now();
        let email = normalize_email(email);
        let id = self.conn.change(
            "SELECT w_member_insert($1, $2, $3, $4, $5)",
            &[&o.id, &email, &name, &role.as_str(), &ts(&created_at)?],
        )?;
        Ok(MemberRow {
            id,
            org_id: o.id,
            org: o.slug.clone(),
            email,
            name: name.map(str::to_string),
            role,
            created_at,
            login: None,
        })
    }

    pub fn member_update(&self, m: &MemberRow) -> Result<()> {
        self.conn.execute(
            "SELECT w_member_update($1, $2, $3)",
            &[&m.id, &m.name, &m.role.as_str()],
        )?;
        Ok(())
    }

    pub fn member_set_email(&self, id: i64, email: &str) -> Result<()> {
        self.conn.execute(
            "SELECT w_member_set_email($1, $2)",
            &[&id, &normalize_email(email)],
        )?;
        Ok(())
    }

    pub fn member_set_login(&self, id: i64, login: Option<&str>) -> Result<()> {
        self.conn
            .execute("SELECT w_member_set_login($1, $2)", &[&id, &login])?;
        Ok(())
    }

    pub fn member_delete(&self, id: i64) -> Result<()> {
        self.conn.execute("SELECT w_member_delete($1)", &[&id])?;
        Ok(())
    }
}
