//! `proj doctor` on a server: the schema, the login's privileges, TLS, and `proj backup`
//! into a local file.

use super::{Store, migrate};
use crate::error::{Error, Result};
use crate::store::{Check, Status};
use std::path::Path;

fn check(id: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        id,
        status,
        detail: detail.into().replace(['\n', '\t'], " "),
    }
}

impl Store {
    pub fn health(&self) -> Vec<Check> {
        let mut checks = vec![check(
            "schema",
            Status::Ok,
            format!(
                "schema proj, version {} (this proj: {})",
                self.version,
                migrate::LATEST
            ),
        )];
        let sql = "SELECT current_user::text,
                (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()),
                has_schema_privilege('proj', 'USAGE'),
                (SELECT bool_and(has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE'))
                   FROM pg_class c WHERE c.relnamespace = 'proj'::regnamespace AND c.relkind = 'r'),
                current_setting('server_version')";
        match self.conn.query_one(sql, &[]) {
            Ok(r) => {
                let login: String = r.get(0);
                let ssl: Option<bool> = r.get(1);
                let usage: bool = r.get(2);
                let tables: Option<bool> = r.get(3);
                let version: String = r.get(4);
                checks.push(check(
                    "server",
                    Status::Ok,
                    format!(
                        "PostgreSQL {version} at {}, as login {login}",
                        self.target.shown
                    ),
                ));
                checks.push(if usage && tables.unwrap_or(false) {
                    check(
                        "privileges",
                        Status::Ok,
                        format!("{login} may read and change the tables of schema proj"),
                    )
                } else {
                    check(
                        "privileges",
                        Status::Fail,
                        format!("{login} lacks USAGE on schema proj or a privilege on its tables"),
                    )
                });
                let tls = ssl.unwrap_or(false);
                checks.push(match (tls, self.target.tls.verifies()) {
                    (true, true) => check(
                        "tls",
                        Status::Ok,
                        format!(
                            "in use, certificate verified (sslmode={})",
                            self.target.tls.as_str()
                        ),
                    ),
                    (true, false) => check(
                        "tls",
                        Status::Warn,
                        format!(
                            "in use, certificate not verified (sslmode={}); verify-full checks it",
                            self.target.tls.as_str()
                        ),
                    ),
                    (false, _) if self.on_socket() => check(
                        "tls",
                        Status::Ok,
                        "not in use: a Unix socket on this machine",
                    ),
                    (false, _) => check(
                        "tls",
                        Status::Warn,
                        "not in use: the connection is not encrypted; set sslmode=verify-full",
                    ),
                });
            }
            Err(e) => checks.push(check("server", Status::Fail, e.message)),
        }
        checks
    }

    fn on_socket(&self) -> bool {
        matches!(
            self.target.config.get_hosts().first(),
            Some(postgres::config::Host::Unix(_))
        )
    }

    /// The checks for a server that would not open (unreachable, not ours, newer).
    pub fn examine(url: &str) -> Vec<Check> {
        match Store::open(url, false) {
            Ok(Some(s)) => s.health(),
            Ok(None) => vec![check(
                "schema",
                Status::Ok,
                "no schema proj yet: the first change creates it",
            )],
            Err(e) => vec![check(
                "server",
                Status::Fail,
                std::iter::once(e.message.clone())
                    .chain(e.causes.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(": "),
            )],
        }
    }

    /// Copies every table, in one snapshot, into a new local `proj` file at `dest`.
    pub fn backup(&self, dest: &Path, replace: bool) -> Result<u64> {
        let tables = self.read(|db| {
            let mut out = Vec::new();
            for (table, columns) in crate::store::sqlite::backup::TABLES {
                let sql = format!(
                    "SELECT {} FROM {table} ORDER BY 1",
                    columns
                        .iter()
                        .map(|c| as_file_value(table, c))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let rows = db.conn.query(&sql, &[])?;
                let rows = rows
                    .iter()
                    .map(|r| {
                        (0..columns.len())
                            .map(|i| r.get::<_, Option<String>>(i))
                            .collect()
                    })
                    .collect();
                out.push((*table, rows));
            }
            Ok(out)
        })?;
        crate::store::sqlite::Store::import(dest, replace, &tables)
            .map_err(|e| e.caused_by(format!("while writing a backup of {}", self.target.shown)))
            .map_err(|e: Error| e)
    }
}

/// A column as text in the form the file stores it: times RFC 3339 UTC, flags 0/1.
fn as_file_value(table: &str, column: &str) -> String {
    match column {
        "created_at" | "archived_at" | "at" => {
            format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
        }
        "protected" => "CASE WHEN protected THEN '1' ELSE '0' END".to_string(),
        "id" | "org_id" | "project_id" | "environment_id" | "member_id" | "team_id" => {
            format!("{column}::text")
        }
        _ if table == "events" => format!("{column}::text"),
        _ => column.to_string(),
    }
}
