//! SQLite's errors in the user's terms: the only place a `rusqlite::Error` becomes an
//! [`Error`](crate::error::Error) (README, "Exit codes").

use crate::error::{Error, Kind};

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        from_sqlite(&err)
    }
}

fn from_sqlite(err: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as C;
    match err.sqlite_error_code() {
        // Any process may hold the lock: another `proj`, the `sqlite3` shell, a backup tool.
        Some(C::DatabaseBusy | C::DatabaseLocked) => Error::new(
            Kind::Busy,
            "the database is busy: another process holds a lock on it",
        )
        .with_hint("try again in a moment")
        .caused_by(err),
        Some(C::DiskFull) => Error::internal("the disk is full; nothing was changed")
            .with_hint("free some space and try again")
            .caused_by(err),
        Some(C::ReadOnly) => Error::internal("the database file is read-only; nothing was changed")
            .with_hint("check the permissions of the file and its directory")
            .caused_by(err),
        Some(C::CannotOpen | C::PermissionDenied) => {
            Error::internal("cannot open the database file; nothing was changed")
                .with_hint(
                    "check that the file and its directory are writable: proj keeps \
                     `-wal` and `-shm` files beside the database, so a read-only disk or \
                     directory cannot hold it",
                )
                .caused_by(err)
        }
        Some(C::SystemIoFailure) => {
            Error::internal("cannot read or write the database file; nothing was changed")
                .with_hint("check that the disk has free space and is writable")
                .caused_by(err)
        }
        Some(C::NotADatabase) => Error::internal("the file is not a proj database").caused_by(err),
        Some(C::DatabaseCorrupt) => Error::internal("the database file is corrupt")
            .with_hint("restore it from a backup (`proj backup` makes one)")
            .caused_by(err),
        _ => Error::internal(format!("database error: {err}")),
    }
}
