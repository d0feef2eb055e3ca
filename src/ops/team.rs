//! Teams: add, update, remove, and who is in them.

use crate::access::{Action, Target};
use crate::error::Result;
use crate::snapshot::{self, Membership};
use crate::store::{MemberRow, OrgRow, TeamRow};
use crate::tx::{Event, Subject, Tx};

/// The fields of a new team.
pub struct NewTeam<'a> {
    pub slug: &'a str,
    pub display_name: Option<&'a str>,
    pub description: Option<&'a str>,
}

/// Creates a team.
pub fn add(tx: &Tx, org: &OrgRow, new: &NewTeam) -> Result<TeamRow> {
    tx.require(Action::TeamAdd, &Target::org(org))?;
    let team = tx
        .db
        .team_insert(org, new.slug, new.display_name, new.description)?;
    tx.created(
        Event::TeamAdd,
        &Target::org(org),
        Subject::Team(&team.slug),
        &team,
    )?;
    Ok(team)
}

/// Writes `after` over `before`; whether anything changed.
pub fn update(tx: &Tx, org: &OrgRow, before: &TeamRow, after: &TeamRow) -> Result<bool> {
    tx.require(Action::TeamUpdate, &Target::org(org))?;
    tx.updated(
        Event::TeamUpdate,
        &Target::org(org),
        Subject::Team(&after.slug),
        before,
        after,
        || tx.db.team_update(after),
    )
}

/// Removes a team with its memberships and grants, all kept in its event.
pub fn remove(tx: &Tx, org: &OrgRow, team: &TeamRow) -> Result<()> {
    tx.require(Action::TeamRemove, &Target::org(org))?;
    let before = snapshot::team(tx.db, team)?;
    // Memberships and grants go in the same transaction (ON DELETE CASCADE).
    tx.db.team_delete(team.id)?;
    tx.removed(
        Event::TeamRemove,
        &Target::org(org),
        Subject::Team(&team.slug),
        &before,
    )
}

/// The one write of a membership: `joined_at` as recorded, or now; whether it is new.
pub(super) fn join_row(
    tx: &Tx,
    team: &TeamRow,
    member: &MemberRow,
    joined_at: Option<&str>,
) -> Result<bool> {
    tx.db.team_join(team.id, member, joined_at)
}

/// A team membership as its events record it.
fn membership(org: &OrgRow, team: &TeamRow, email: &str) -> Membership {
    Membership {
        org: org.slug.clone(),
        team: team.slug.clone(),
        email: email.to_string(),
    }
}

/// Puts `member` in `team`; whether they were not in it already (nothing is written then).
pub fn join(tx: &Tx, org: &OrgRow, team: &TeamRow, member: &MemberRow) -> Result<bool> {
    tx.require(Action::TeamUpdate, &Target::org(org))?;
    if !join_row(tx, team, member, None)? {
        return Ok(false);
    }
    tx.created(
        Event::TeamJoin,
        &Target::org(org),
        Subject::TeamMember(&team.slug, &member.email),
        &membership(org, team, &member.email),
    )?;
    Ok(true)
}

/// Takes the member `member_id` (`email`) out of `team`; whether they were in it.
pub fn leave(tx: &Tx, org: &OrgRow, team: &TeamRow, member_id: i64, email: &str) -> Result<bool> {
    tx.require(Action::TeamUpdate, &Target::org(org))?;
    if !tx.db.team_leave(team.id, member_id)? {
        return Ok(false);
    }
    tx.removed(
        Event::TeamLeave,
        &Target::org(org),
        Subject::TeamMember(&team.slug, email),
        &membership(org, team, email),
    )?;
    Ok(true)
}
