//! Members of an organization: add, update (email, name, role, login), remove.

use crate::access::{Action, MemberChange, Target};
use crate::error::Result;
use crate::model::OrgRole;
use crate::snapshot;
use crate::store::{MemberRow, OrgRow};
use crate::tx::{Event, Subject, Tx};

/// The fields of a new member.
pub struct NewMember<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub role: OrgRole,
    /// The database login that acts as them (team mode), when one is named.
    pub login: Option<&'a str>,
}

/// The one write of a member's login.
pub(super) fn write_login(tx: &Tx, member_id: i64, login: Option<&str>) -> Result<()> {
    tx.db.member_set_login(member_id, login)
}

/// Adds a member, checked with the rules about owners. On a shared database, an owner of an
/// organization that nobody acts for as the login at the keyboard becomes that login unless
/// `login` names another (the person who creates an organization, or moves a layout to the
/// server, can still see it). With `as_identity`, the new member is the person at the
/// keyboard from now on (the first member of a file without an identity): their email is
/// saved as the identity and this event and the ones after it are theirs.
pub fn add(tx: &Tx, org: &OrgRow, new: &NewMember, as_identity: bool) -> Result<MemberRow> {
    let db = tx.db;
    let change = MemberChange {
        email: new.email,
        from: None,
        to: Some(new.role),
    };
    tx.require(Action::MemberAdd, &Target::org(org).with_member(change))?;
    let mut m = db.member_insert(org, new.email, new.name, new.role)?;
    let login = match (new.login, db.login()) {
        (Some(l), _) => Some(l),
        (None, Some(me))
            if new.role == OrgRole::Owner && db.member_by_login(org.id, me)?.is_none() =>
        {
            Some(me)
        }
        _ => None,
    };
    if login.is_some() {
        write_login(tx, m.id, login)?;
        m.login = login.map(str::to_string);
    }
    if as_identity {
        super::selection::save_identity(db, Some(&m.email))?;
        tx.author(&m.email);
    }
    tx.created(
        Event::MemberAdd,
        &Target::org(org),
        Subject::Member(&m.email),
        &m,
    )?;
    Ok(m)
}

/// The first owner of an organization its creator just made (`init`, `org add`).
pub fn add_creator(tx: &Tx, org: &OrgRow, email: &str, name: Option<&str>) -> Result<MemberRow> {
    let new = NewMember {
        email,
        name,
        role: OrgRole::Owner,
        login: None,
    };
    add(tx, org, &new, false)
}

/// Writes `after` over `before` as `event` (`member.update` for the email or the name,
/// `member.role` for the role; the login goes with either), checked as changing the member's
/// role from `before`'s to `after`'s; whether anything changed. A new email takes the saved
/// identity with it, unless the old email is still a member elsewhere.
pub fn update(
    tx: &Tx,
    event: Event,
    org: &OrgRow,
    before: &MemberRow,
    after: &MemberRow,
) -> Result<bool> {
    let db = tx.db;
    let change = MemberChange {
        email: &before.email,
        from: Some(before.role),
        to: Some(after.role),
    };
    tx.require(Action::MemberRole, &Target::org(org).with_member(change))?;
    tx.updated(
        event,
        &Target::org(org),
        Subject::Member(&after.email),
        before,
        after,
        || {
            if after.email != before.email {
                db.member_set_email(before.id, &after.email)?;
                if db.selection(None)?.identity.as_deref() == Some(before.email.as_str())
                    && db.memberships(&before.email)?.is_empty()
                {
                    super::selection::save_identity(db, Some(&after.email))?;
                    db.selection_move(&before.email, &after.email)?;
                }
            }
            db.member_update(after)?;
            if after.login != before.login {
                write_login(tx, after.id, after.login.as_deref())?;
            }
            Ok(())
        },
    )
}

/// Removes a member; their grants and team memberships go with them, all kept in the event.
pub fn remove(tx: &Tx, org: &OrgRow, m: &MemberRow) -> Result<()> {
    let db = tx.db;
    let change = MemberChange {
        email: &m.email,
        from: Some(m.role),
        to: None,
    };
    tx.require(Action::MemberRemove, &Target::org(org).with_member(change))?;
    let before = snapshot::member(db, m)?;
    // Their grants and team memberships go with them (ON DELETE CASCADE).
    db.member_delete(m.id)?;
    tx.removed(
        Event::MemberRemove,
        &Target::org(org),
        Subject::Member(&m.email),
        &before,
    )
}
