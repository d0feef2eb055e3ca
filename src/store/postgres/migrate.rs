//! The schema runner on a server: numbered SQL files under `migrations/`, applied forward in
//! one transaction under `pg_advisory_xact_lock`, so eight first runs at once migrate once.
//!
//! Schema `proj` is marked as ours by its COMMENT, which carries the application id (the
//! file's `application_id`, "PROJ") and the schema version: read in the same round trip as
//! the login, on every open. A schema `proj` without that comment and with anything in it is
//! someone else's and is left untouched; an empty one (a DBA may create it for us, owned by
//! the login that runs the first `proj`) is adopted.

use super::Conn;
use crate::error::{Error, Kind, Result};

pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_enforce.sql"),
    include_str!("migrations/0003_interface.sql"),
];

pub const LATEST: i32 = MIGRATIONS.len() as i32;

/// The advisory lock key of schema changes: "PROJ" and "M".
const MIGRATION_LOCK: i64 = 0x5052_4F4A_0000_004D;

const MARK: &str = "proj schema, application 0x50524F4A, version ";

/// What an open found.
pub struct Found {
    pub login: String,
    /// 0: no schema `proj` (or an empty one) yet.
    pub version: i32,
}

/// One round trip: the login, and what schema `proj` is. Refuses a schema that is not ours
/// (exit 1) or newer than this binary (exit 6), changing nothing.
/// With `begin_read`, the same round trip begins the read transaction the store's first read
/// runs in (REPEATABLE READ READ ONLY; see `Store::read`).
pub fn identify(conn: &Conn, shown: &str, begin_read: bool) -> Result<Found> {
    let identify = "SELECT session_user::text, n.oid IS NOT NULL,
                      obj_description(n.oid, 'pg_namespace'),
                      (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid)
               FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = 'proj'";
    // A new connection's first message also sets its timeouts (see `session.rs`), before
    // any transaction begins: the COMMIT ends the implicit transaction of the message's
    // first statements, which a BEGIN after them would otherwise adopt.
    let session = conn.session_sql.borrow_mut().take();
    let mut sql = match &session {
        Some(s) if begin_read => format!("{s}; COMMIT; "),
        Some(s) => format!("{s}; "),
        None => String::new(),
    };
    if begin_read {
        sql.push_str("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ");
    }
    sql.push_str(identify);
    conn.traced(&sql);
    let rows = conn
        .client
        .borrow_mut()
        .simple_query(&sql)
        .map_err(|e| conn.error(e))?;
    let mut rows = rows.iter().filter_map(|m| match m {
        postgres::SimpleQueryMessage::Row(r) => Some(r),
        _ => None,
    });
    if session.is_some()
        && let Some(r) = rows.next()
    {
        *conn.settings.borrow_mut() = super::session::parse(|i| r.get(i).map(str::to_string));
    }
    let row = rows
        .next()
        .ok_or_else(|| Error::internal("the database answered no row"))?;
    let login = row.get(0).unwrap_or_default().to_string();
    let exists = row.get(1) == Some("t");
    let comment = row.get(2);
    let relations: i64 = row.get(3).and_then(|n| n.parse().ok()).unwrap_or(0);
    let version = match (exists, comment.and_then(|c| c.strip_prefix(MARK))) {
        (false, _) => 0,
        (true, Some(v)) => v
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse::<i32>().ok())
            .ok_or_else(|| not_ours(shown))?,
        (true, None) if relations == 0 => 0,
        (true, None) => return Err(not_ours(shown)),
    };
    if version > LATEST {
        return Err(Error::new(
            Kind::Newer,
            format!(
                "the proj schema of {shown} has version {version}, newer than this proj understands ({LATEST})"
            ),
        )
        .with_hint("upgrade proj; the database was left untouched"));
    }
    Ok(Found { login, version })
}

fn not_ours(shown: &str) -> Error {
    Error::internal(format!(
        "{shown} has a schema `proj` that proj did not create"
    ))
    .with_hint(
        "proj keeps everything in schema `proj`: use another database, or ask its owner; \
         the schema was left untouched",
    )
}

/// Brings the schema to `LATEST` under the migration lock; returns the version reached.
pub fn migrate(conn: &Conn, shown: &str) -> Result<i32> {
    conn.batch(&format!(
        "BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"
    ))?;
    let mut from = 0;
    let out = (|| {
        // Read again under the lock: another first run may have finished meanwhile.
        from = identify(conn, shown, false)?.version;
        if from == 0 {
            conn.batch("CREATE SCHEMA IF NOT EXISTS proj")?;
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            conn.batch(&format!("SET LOCAL search_path = proj; {sql}"))
                .map_err(|e| e.caused_by(format!("while applying migration {}", i + 1)))?;
        }
        if from < LATEST {
            conn.batch(&format!(
                "COMMENT ON SCHEMA proj IS '{MARK}{LATEST}. Managed by proj: do not edit.'"
            ))?;
        }
        conn.batch("COMMIT")
    })();
    if let Err(e) = out {
        let _ = conn.batch("ROLLBACK");
        return Err(match e.kind {
            Kind::Denied if from == 0 => Error::denied(format!(
                "{shown} has no proj schema yet, and this login may not create it"
            ))
            .with_hint(
                "the first proj command on a database must run as a login with CREATE on it \
                 (the role meant to own schema proj); see README, Team mode",
            ),
            Kind::Denied => Error::denied(format!(
                "the proj schema of {shown} has version {from}; this proj needs {LATEST}, \
                     and only the schema's owner may upgrade it"
            ))
            .with_hint(
                "run any proj command once as the login that owns schema proj; \
                 see README, Team mode",
            ),
            _ => e,
        });
    }
    Ok(LATEST)
}
