//! The schema runner: numbered SQL files applied forward in one `BEGIN IMMEDIATE` transaction.

use crate::error::{Error, Kind, Result};
use rusqlite::Connection;

/// `PRAGMA application_id` of every proj database: "PROJ" in ASCII.
pub const APPLICATION_ID: i32 = 0x5052_4F4A;

/// Append-only: a released migration is never edited.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_members_by_email.sql"),
    include_str!("migrations/0003_emails_lowercase.sql"),
    include_str!("migrations/0004_teams.sql"),
    include_str!("migrations/0005_member_login.sql"),
    include_str!("migrations/0006_selection_per_identity.sql"),
];

pub const LATEST: i32 = MIGRATIONS.len() as i32;

/// What the file says it is, read without changing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// An empty database (a new file): ours to initialize.
    Empty,
    /// A proj database at this schema version.
    Proj(i32),
}

pub fn identify(conn: &Connection, path: &std::path::Path) -> Result<Identity> {
    // One statement, so one snapshot: read separately, another process's first migration
    // could commit in between, and its tables would be seen without its application_id.
    let (app_id, version, tables): (i32, i32, i64) = conn
        .query_row(
            "SELECT application_id, user_version, (SELECT count(*) FROM sqlite_schema)
             FROM pragma_application_id, pragma_user_version",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(|e| unreadable(path, e))?;
    if app_id == APPLICATION_ID {
        if version > LATEST {
            return Err(Error::new(
                Kind::Newer,
                format!(
                    "{} has schema version {version}, newer than this proj understands ({LATEST})",
                    path.display()
                ),
            )
            .with_hint("upgrade proj; the file was left untouched"));
        }
        return Ok(Identity::Proj(version));
    }
    if app_id == 0 && version == 0 && tables == 0 {
        Ok(Identity::Empty)
    } else {
        Err(not_ours(path))
    }
}

/// Why the header could not be read. Only "not a database" means a foreign file; a busy,
/// unopenable or failing disk is reported as what it is, not as "not a proj database".
fn unreadable(path: &std::path::Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        None | Some(rusqlite::ErrorCode::NotADatabase) => not_ours(path).caused_by(e),
        Some(_) => {
            let mut err = Error::from(e);
            err.message = format!("{}: {}", path.display(), err.message);
            err
        }
    }
}

fn not_ours(path: &std::path::Path) -> Error {
    Error::internal(format!("{} is not a proj database", path.display()))
        .with_hint("point --db (or PROJ_DB) at a proj file, or at a path that does not exist yet; the file was left untouched")
}

/// Brings the schema to `LATEST`. The version is read again inside the write lock, so
/// processes that start at once on a new file migrate it exactly once.
pub fn migrate(conn: &mut Connection, path: &std::path::Path) -> Result<()> {
    register_functions(conn)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let from = match identify(&tx, path)? {
        Identity::Empty => 0,
        Identity::Proj(v) => v,
    };
    // Never upgrade a damaged file: the upgrade would write into it.
    if from > 0 && from < LATEST {
        let check: String = tx.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(Error::internal(format!(
                "{} is corrupt; it was not upgraded",
                path.display()
            ))
            .caused_by(check)
            .with_hint("restore it from a backup (`proj backup` makes one)"));
        }
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        precondition(&tx, i + 1, path)?;
        tx.execute_batch(sql)
            .map_err(|e| Error::from(e).caused_by(format!("while applying migration {}", i + 1)))?;
    }
    if from < LATEST {
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {LATEST};"
        ))?;
    }
    tx.commit()?;
    Ok(())
}

/// The Rust functions migrations call, for what SQL alone would do differently.
fn register_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "proj_lower_email",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let email: Option<String> = ctx.get(0)?;
            Ok(email.map(|e| crate::model::normalize_email(&e)))
        },
    )?;
    Ok(())
}

/// What must hold before migration `number` runs; a refusal rolls the whole upgrade back, so
/// the file stays as it was.
fn precondition(tx: &Connection, number: usize, path: &std::path::Path) -> Result<()> {
    if number == 3 {
        return emails_differing_only_in_case(tx, path);
    }
    Ok(())
}

/// Migration 3 lowercases emails. Two members of one organization whose emails differ only in
/// case would become one address: which of them is the person (role, name, grants) is not
/// for an upgrade to guess, so it refuses and names them.
fn emails_differing_only_in_case(tx: &Connection, path: &std::path::Path) -> Result<()> {
    let mut stmt = tx.prepare(
        "SELECT o.slug, group_concat('`' || m.email || '`', ', ') FROM members m JOIN orgs o ON o.id = m.org_id
         GROUP BY m.org_id, proj_lower_email(m.email) HAVING count(*) > 1
         ORDER BY o.slug, min(m.email)",
    )?;
    let clashes: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let Some((org, emails)) = clashes.first() else {
        return Ok(());
    };
    let mut err = Error::internal(format!(
        "cannot upgrade {}: in organization `{org}`, members {emails} differ only in case",
        path.display()
    ));
    for (org, emails) in &clashes[1..] {
        err = err.caused_by(format!("also in organization `{org}`: {emails}"));
    }
    Err(err.with_hint(format!(
        "emails now compare without case, and which one is the person is yours to decide: \
         remove one with the older proj that wrote this file (`proj member remove EMAIL --org \
         {org}`, granting what it held to the other first), then run this proj again; the file \
         was left untouched"
    )))
}
