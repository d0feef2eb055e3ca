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
        // Whether the login may call the functions it reads and writes through (migration 3:
        // no login holds a privilege on a table), and what would let it pass by the access model the database
        // enforces (migration 2): a superuser, BYPASSRLS, owning schema proj or being able to
        // act as its owner, CREATEROLE (which grants itself that).
        let sql = "SELECT session_user::text,
                (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()),
                has_schema_privilege('proj', 'USAGE'),
                (SELECT bool_and(has_function_privilege(p.oid, 'EXECUTE'))
                   FROM pg_proc p WHERE p.pronamespace = 'proj'::regnamespace
                    AND (p.proname LIKE 'r\\_%' OR p.proname LIKE 'w\\_%'
                         OR p.proname = 'record')),
                current_setting('server_version'),
                r.rolsuper, r.rolbypassrls, r.rolcreaterole,
                n.nspowner = r.oid,
                n.nspowner <> r.oid AND pg_has_role(r.oid, n.nspowner, 'USAGE'),
                (SELECT bool_and(c.relrowsecurity) FROM pg_class c
                   WHERE c.relnamespace = n.oid AND c.relkind = 'r'),
                n.nspowner::regrole::text
             FROM pg_roles r, pg_namespace n
             WHERE r.rolname = session_user AND n.nspname = 'proj'";
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
                        format!("{login} may call the read and write functions of schema proj"),
                    )
                } else {
                    check(
                        "privileges",
                        Status::Fail,
                        format!(
                            "{login} lacks USAGE on schema proj or EXECUTE on its read and write functions"
                        ),
                    )
                });
                checks.push(enforcement(
                    &login,
                    Powers {
                        superuser: r.get(5),
                        bypass_rls: r.get(6),
                        create_role: r.get(7),
                        owner: r.get(8),
                        acts_as_owner: r.get(9),
                        row_security: r.get::<_, Option<bool>>(10).unwrap_or(false),
                    },
                    &r.get::<_, String>(11),
                ));
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
        checks.push(self.conn.settings().check());
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
                // What the login may read of each table (migration 3): events seen whole.
                let from = match *table {
                    "events" => "r_event_rows()".to_string(),
                    t => format!("r_{t}()"),
                };
                let sql = format!(
                    "SELECT {} FROM {from} t ORDER BY 1",
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

/// What a login holds that passes by the access model the database enforces.
struct Powers {
    superuser: bool,
    bypass_rls: bool,
    create_role: bool,
    owner: bool,
    acts_as_owner: bool,
    row_security: bool,
}

/// `ok` when the database holds this login to the access model; a warning naming each power
/// it holds that passes by it (README, Team mode: what the DBA must not grant members).
fn enforcement(login: &str, p: Powers, owner: &str) -> Check {
    if !p.row_security {
        return check(
            "enforcement",
            Status::Fail,
            "row-level security is off on a table of schema proj: run `proj doctor --upgrade` \
             as its owner",
        );
    }
    let mut more = Vec::new();
    if p.superuser {
        more.push("is a superuser".to_string());
    }
    if p.bypass_rls {
        more.push("has BYPASSRLS".to_string());
    }
    if p.owner {
        more.push("owns schema proj".to_string());
    }
    if p.acts_as_owner {
        more.push(format!("may act as {owner}, the owner of schema proj"));
    }
    if p.create_role {
        more.push("has CREATEROLE".to_string());
    }
    if more.is_empty() {
        return check(
            "enforcement",
            Status::Ok,
            format!("the database holds {login} to the access model (row-level security)"),
        );
    }
    check(
        "enforcement",
        Status::Warn,
        format!(
            "{login} {}: the database does not hold it to the access model; \
             members should be plain logins (README, Team mode)",
            more.join(", ")
        ),
    )
}
