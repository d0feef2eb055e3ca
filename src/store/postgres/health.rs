//! `proj doctor` on a server: the schema, the server and the login, every database setting
//! that weakens the database's enforcement of the access model (each a failure naming the
//! statement that fixes it), TLS, and `proj backup` into a local file.

use super::{Store, migrate};
use crate::error::{Error, Result};
use crate::store::{Check, Status};
use serde::Deserialize;
use std::path::Path;

/// What proj grants, in one place: the migrations set up exactly this, and doctor fails on
/// whatever a database holds beyond it (README, Team mode: the DBA recipe explains each line).
///
/// - Schema `proj` and everything in it belong to one owner that nobody works as.
/// - PUBLIC holds USAGE on the schema ([`SCHEMA`]) and EXECUTE on the API functions, each
///   SECURITY DEFINER with its `search_path` pinned to [`SEARCH_PATH`] (`pg_temp` last, so a
///   temporary object never shadows one of proj's); the helpers they call grant EXECUTE to
///   nobody.
/// - No role but the owner holds any privilege on a table, view or sequence of `proj`
///   ([`RELATION`]): logins read and write through the API functions, which run as the owner
///   and apply the rules themselves.
/// - Row-level security is enabled on every table, as defence in depth; not forced, since
///   the functions run as the owner.
/// - On the database, no role but its owner and the schema's owner holds what
///   [`DATABASE_DENIED`] lists (who may CONNECT is the DBA's choice).
/// - A login holds no more than a plain login: [`role_powers`] lists what it must not have.
mod grants {
    /// The one `search_path` every function of schema `proj` sets.
    pub const SEARCH_PATH: &str = "proj, pg_catalog, pg_temp";
    /// What any role but the owner may hold on schema `proj`.
    pub const SCHEMA: &[&str] = &["USAGE"];
    /// What any role but the owner may hold on a table, view or sequence of `proj`.
    pub const RELATION: &[&str] = &[];
    /// What no role but the database's owner and the schema's owner may hold on the
    /// database, and why.
    pub const DATABASE_DENIED: &[(&str, &str)] = &[
        (
            "TEMPORARY",
            "a temporary object can shadow a name; proj's functions are pinned against it, \
             but no login needs one",
        ),
        (
            "CREATE",
            "it may create schemas in the database; no login needs one (the schema's owner \
             creates proj's)",
        ),
    ];
}

fn check(id: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        id,
        status,
        detail: detail.into().replace(['\n', '\t'], " "),
    }
}

/// Who holds what that bears on enforcement, in one round trip: the database's and the
/// schema's privileges, every privilege on a relation of `proj` and every function a role
/// other than the owner may run, the tables without row-level security, and the roles the
/// login is or may act as. `{grantee}` stands for an ACL entry's grantee, as SQL names it.
const SETTINGS_SQL: &str = r#"
WITH me AS (SELECT oid, rolsuper FROM pg_roles WHERE rolname = session_user),
ns AS (SELECT oid, nspowner, nspacl FROM pg_namespace WHERE nspname = 'proj'),
db AS (SELECT datdba, datacl FROM pg_database WHERE datname = current_database()),
pat AS (SELECT '\m(from|join|into|update|table)\s+(proj\.)?('
               || string_agg(regexp_replace(c.relname, '([^a-z0-9_])', '\\\1', 'g'), '|')
               || ')\M' AS tables
        FROM pg_class c, ns WHERE c.relnamespace = ns.oid AND c.relkind IN ('r', 'p', 'v', 'm'))
SELECT session_user::text,
    (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()),
    has_schema_privilege('proj', 'USAGE'),
    current_setting('server_version'),
    quote_ident(current_database()),
    quote_ident(pg_get_userbyid(ns.nspowner)),
    quote_ident(session_user),
    (SELECT coalesce(jsonb_agg(jsonb_build_object('grantee', {grantee},
                                                  'privilege', a.privilege_type)
                               ORDER BY a.grantee, a.privilege_type), '[]')
       FROM aclexplode(coalesce(db.datacl, acldefault('d', db.datdba))) a
      WHERE a.grantee NOT IN (db.datdba, ns.nspowner)),
    (SELECT coalesce(jsonb_agg(jsonb_build_object('grantee', {grantee},
                                                  'privilege', a.privilege_type)
                               ORDER BY a.grantee, a.privilege_type), '[]')
       FROM aclexplode(coalesce(ns.nspacl, acldefault('n', ns.nspowner))) a
      WHERE a.grantee <> ns.nspowner),
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'object', 'proj.' || quote_ident(c.relname), 'kind', c.relkind::text,
                'owner', a.grantee = c.relowner, 'grantee', {grantee},
                'privilege', a.privilege_type)
              ORDER BY c.relname, a.grantee, a.privilege_type), '[]')
       FROM pg_class c,
            aclexplode(coalesce(c.relacl, acldefault(
                (CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a
      WHERE c.relnamespace = ns.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND a.grantee <> ns.nspowner),
    (SELECT coalesce(jsonb_agg(f ORDER BY f ->> 'signature'), '[]') FROM (
        SELECT jsonb_build_object(
                'signature', 'proj.' || quote_ident(p.proname) || '('
                             || pg_get_function_identity_arguments(p.oid) || ')',
                'procedure', p.prokind = 'p',
                'definer', p.prosecdef,
                'config', coalesce(to_jsonb(p.proconfig), '[]'),
                'touches', l.lanname IN ('sql', 'plpgsql')
                           AND coalesce(p.prosrc ~* pat.tables, false),
                'owner', CASE WHEN p.proowner <> ns.nspowner
                              THEN quote_ident(pg_get_userbyid(p.proowner)) END,
                'executable_by', (
                    SELECT coalesce(jsonb_agg({grantee} ORDER BY a.grantee), '[]')
                      FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                     WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> ns.nspowner)) AS f
          FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE p.pronamespace = ns.oid AND p.prokind IN ('f', 'p')) x
      WHERE jsonb_array_length(f -> 'executable_by') > 0),
    (SELECT coalesce(jsonb_agg('proj.' || quote_ident(c.relname) ORDER BY c.relname), '[]')
       FROM pg_class c
      WHERE c.relnamespace = ns.oid AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity),
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'role', quote_ident(r.rolname), 'me', r.oid = me.oid,
                'superuser', r.rolsuper, 'bypassrls', r.rolbypassrls,
                'createrole', r.rolcreaterole, 'createdb', r.rolcreatedb,
                'replication', r.rolreplication,
                'schema_owner', r.oid = ns.nspowner, 'database_owner', r.oid = db.datdba,
                'predefined', r.rolname LIKE 'pg\_%' AND r.rolname <> 'pg_database_owner',
                'granted_to', (
                    SELECT coalesce(jsonb_agg(quote_ident(m.rolname) ORDER BY m.rolname), '[]')
                      FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member
                     WHERE am.roleid = r.oid AND pg_has_role(me.oid, am.member, 'MEMBER')))
              ORDER BY r.oid <> me.oid, r.rolname), '[]')
       FROM pg_roles r
      WHERE r.oid = me.oid OR (NOT me.rolsuper AND pg_has_role(me.oid, r.oid, 'MEMBER')))
FROM me, ns, db, pat"#;

/// An ACL entry's grantee as a statement names it: `PUBLIC`, or the role, quoted if need be.
const GRANTEE: &str =
    "CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END";

/// One privilege a role holds on the database or the schema.
#[derive(Debug, Deserialize)]
struct Acl {
    grantee: String,
    privilege: String,
}

/// One privilege a role other than the schema's owner holds on a relation of `proj`.
#[derive(Debug, Deserialize)]
struct RelationAcl {
    /// `proj.name`, quoted if need be.
    object: String,
    /// `pg_class.relkind`.
    kind: String,
    /// The grantee owns the relation (and so holds everything).
    owner: bool,
    grantee: String,
    privilege: String,
}

/// A function of `proj` that a role other than the schema's owner may run.
#[derive(Debug, Deserialize)]
struct Function {
    /// `proj.name(arguments)`, as ALTER FUNCTION takes it.
    signature: String,
    procedure: bool,
    definer: bool,
    /// `pg_proc.proconfig`: `search_path=…` and the like.
    config: Vec<String>,
    /// Its body names a table or view of `proj` (read from its text).
    touches: bool,
    /// Its owner, when that is not the schema's owner.
    owner: Option<String>,
    executable_by: Vec<String>,
}

/// The login itself, or a role it is a member of (and may act as).
#[derive(Debug, Deserialize)]
struct Reach {
    role: String,
    me: bool,
    superuser: bool,
    bypassrls: bool,
    createrole: bool,
    createdb: bool,
    replication: bool,
    schema_owner: bool,
    database_owner: bool,
    predefined: bool,
    /// The roles in the login's reach it is granted to directly: what a REVOKE names.
    granted_to: Vec<String>,
}

/// Everything the enforcement checks look at, read by [`SETTINGS_SQL`].
#[derive(Debug)]
struct Settings {
    /// Names as statements spell them (quoted if need be).
    database: String,
    owner: String,
    login: String,
    database_acl: Vec<Acl>,
    schema_acl: Vec<Acl>,
    relations: Vec<RelationAcl>,
    functions: Vec<Function>,
    without_row_security: Vec<String>,
    reach: Vec<Reach>,
}

/// Column `i` of the settings row, a JSON document, as `T`.
fn from_json<T: serde::de::DeserializeOwned>(r: &postgres::Row, i: usize) -> Result<T> {
    serde_json::from_value(r.get::<_, serde_json::Value>(i))
        .map_err(|e| Error::internal(format!("doctor could not read the server's settings: {e}")))
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
        let sql = SETTINGS_SQL.replace("{grantee}", GRANTEE);
        let row = self.conn.query_one(&sql, &[]).and_then(|r| {
            let settings = Settings {
                database: r.get(4),
                owner: r.get(5),
                login: r.get(6),
                database_acl: from_json(&r, 7)?,
                schema_acl: from_json(&r, 8)?,
                relations: from_json(&r, 9)?,
                functions: from_json(&r, 10)?,
                without_row_security: from_json(&r, 11)?,
                reach: from_json(&r, 12)?,
            };
            Ok((r, settings))
        });
        match row {
            Ok((r, settings)) => {
                let login: String = r.get(0);
                let ssl: Option<bool> = r.get(1);
                let usage: bool = r.get(2);
                let version: String = r.get(3);
                checks.push(check(
                    "server",
                    Status::Ok,
                    format!(
                        "PostgreSQL {version} at {}, as login {login}",
                        self.target.shown
                    ),
                ));
                checks.push(if usage {
                    check(
                        "privileges",
                        Status::Ok,
                        format!("{login} may use schema proj (USAGE)"),
                    )
                } else {
                    check(
                        "privileges",
                        Status::Fail,
                        format!(
                            "{login} lacks USAGE on schema proj; fix: `GRANT USAGE ON SCHEMA \
                             proj TO PUBLIC`, as `proj doctor --upgrade` run by its owner does"
                        ),
                    )
                });
                checks.extend(enforcement(&settings));
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

/// One thing found that weakens enforcement: what it is, why it matters, and the statements
/// that undo it.
struct Finding {
    what: String,
    why: &'static str,
    fix: Vec<String>,
}

/// `ok` with `fine` when nothing was found; otherwise a failure listing each finding with
/// its fix, findings that share a reason in one sentence.
fn verdict(id: &'static str, findings: Vec<Finding>, fine: String) -> Check {
    if findings.is_empty() {
        return check(id, Status::Ok, fine);
    }
    let mut sentences: Vec<(Vec<String>, &str, Vec<String>)> = Vec::new();
    for f in findings {
        match sentences.last_mut() {
            Some((what, why, fix)) if *why == f.why => {
                what.push(f.what);
                fix.extend(f.fix);
            }
            _ => sentences.push((vec![f.what], f.why, f.fix)),
        }
    }
    let detail = sentences
        .into_iter()
        .map(|(what, why, fix)| {
            let fix: Vec<String> = fix.iter().map(|s| format!("`{s}`")).collect();
            format!("{}: {why}; fix: {}", what.join(", "), fix.join(", "))
        })
        .collect::<Vec<_>>()
        .join(". ");
    check(id, Status::Fail, detail)
}

/// The checks of what weakens the database's enforcement, against [`grants`].
fn enforcement(s: &Settings) -> Vec<Check> {
    vec![
        login_powers(s),
        database_privileges(s),
        schema_privileges(s),
        function_settings(s),
        row_security(s),
    ]
}

/// What the database grants beyond a login's CONNECT: TEMPORARY and CREATE.
fn database_privileges(s: &Settings) -> Check {
    let mut findings = Vec::new();
    for (privilege, why) in grants::DATABASE_DENIED {
        for a in s.database_acl.iter().filter(|a| a.privilege == *privilege) {
            let default = if a.grantee == "PUBLIC" && *privilege == "TEMPORARY" {
                " (PostgreSQL's default)"
            } else {
                ""
            };
            findings.push(Finding {
                what: format!(
                    "{} holds {privilege} on database {}{default}",
                    a.grantee, s.database
                ),
                why,
                fix: vec![format!(
                    "REVOKE {privilege} ON DATABASE {} FROM {}",
                    s.database, a.grantee
                )],
            });
        }
    }
    let denied: Vec<&str> = grants::DATABASE_DENIED.iter().map(|(p, _)| *p).collect();
    verdict(
        "database",
        findings,
        format!(
            "no role but the owners holds {} on database {}",
            denied.join(" or "),
            s.database
        ),
    )
}

/// Privileges on schema `proj` and on its tables, views and sequences beyond [`grants`].
fn schema_privileges(s: &Settings) -> Check {
    let mut findings = Vec::new();
    for a in &s.schema_acl {
        if grants::SCHEMA.contains(&a.privilege.as_str()) {
            continue;
        }
        findings.push(Finding {
            what: format!("{} holds {} on schema proj", a.grantee, a.privilege),
            why: "proj grants only USAGE on its schema; CREATE lets a login put objects \
                  beside proj's",
            fix: vec![format!(
                "REVOKE {} ON SCHEMA proj FROM {}",
                a.privilege, a.grantee
            )],
        });
    }
    // One finding per relation and role, with every privilege it holds there.
    let mut held: Vec<(&RelationAcl, Vec<&str>)> = Vec::new();
    for r in &s.relations {
        if grants::RELATION.contains(&r.privilege.as_str()) {
            continue;
        }
        match held.last_mut() {
            Some((first, privileges)) if first.object == r.object && first.grantee == r.grantee => {
                privileges.push(&r.privilege)
            }
            _ => held.push((r, vec![&r.privilege])),
        }
    }
    for (r, privileges) in held {
        let (noun, revoke_noun) = relation_nouns(&r.kind);
        if r.owner {
            findings.push(Finding {
                what: format!(
                    "{noun} {} is owned by {}, not {}",
                    r.object, r.grantee, s.owner
                ),
                why: "everything in schema proj belongs to its owner",
                fix: vec![format!(
                    "ALTER {} {} OWNER TO {}",
                    noun.to_uppercase(),
                    r.object,
                    s.owner
                )],
            });
            continue;
        }
        findings.push(Finding {
            what: format!(
                "{} holds {} on {noun} {}",
                r.grantee,
                privileges.join(", "),
                r.object
            ),
            why: "no role but the owner holds a privilege on proj's tables, views or \
                  sequences: logins read and write through its functions",
            fix: vec![format!(
                "REVOKE ALL ON {revoke_noun} {} FROM {}",
                r.object, r.grantee
            )],
        });
    }
    findings.sort_by_key(|f| f.why);
    verdict(
        "grants",
        findings,
        format!(
            "no role but {} holds more than USAGE on schema proj, or anything on its tables",
            s.owner
        ),
    )
}

/// How a relation kind is named, and how REVOKE names it.
fn relation_nouns(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "S" => ("sequence", "SEQUENCE"),
        "v" => ("view", "TABLE"),
        "m" => ("materialized view", "TABLE"),
        "f" => ("foreign table", "TABLE"),
        _ => ("table", "TABLE"),
    }
}

/// Whether a function's settings pin its `search_path` to [`grants::SEARCH_PATH`].
fn pinned(config: &[String]) -> bool {
    let want = format!("search_path={}", grants::SEARCH_PATH).replace(' ', "");
    config
        .iter()
        .any(|c| c.replace([' ', '"'], "").eq_ignore_ascii_case(&want))
}

/// Functions others may run: each pins `search_path` with `pg_temp` last, and one that
/// reads or writes proj's tables is SECURITY DEFINER.
fn function_settings(s: &Settings) -> Check {
    let mut findings = Vec::new();
    for f in &s.functions {
        let noun = if f.procedure { "PROCEDURE" } else { "FUNCTION" };
        let who = f.executable_by.join(", ");
        if let Some(owner) = &f.owner {
            findings.push(Finding {
                what: format!("{} is owned by {owner}, not {}", f.signature, s.owner),
                why: "everything in schema proj belongs to its owner",
                fix: vec![format!("ALTER {noun} {} OWNER TO {}", f.signature, s.owner)],
            });
        }
        if !pinned(&f.config) {
            let now = f
                .config
                .iter()
                .find_map(|c| c.strip_prefix("search_path="))
                .map_or("not set".to_string(), |p| format!("`{p}`"));
            findings.push(Finding {
                what: format!(
                    "{} may be run by {who} and its search_path is {now}",
                    f.signature
                ),
                why: "a function others run pins its search_path with pg_temp last, or a \
                      temporary object can shadow the names it uses",
                fix: vec![format!(
                    "ALTER {noun} {} SET search_path = {}",
                    f.signature,
                    grants::SEARCH_PATH
                )],
            });
        }
        if f.touches && !f.definer {
            findings.push(Finding {
                what: format!(
                    "{} may be run by {who}, reads or writes proj's tables and is not \
                     SECURITY DEFINER",
                    f.signature
                ),
                why: "logins hold no privilege on the tables, so only a role holding more \
                      than proj grants could use it: a helper is run by nobody (an API \
                      function would be SECURITY DEFINER)",
                fix: vec![format!(
                    "REVOKE EXECUTE ON {noun} {} FROM {who}",
                    f.signature
                )],
            });
        }
    }
    findings.sort_by_key(|f| f.why);
    verdict(
        "functions",
        findings,
        format!(
            "every function others may run pins search_path = {}",
            grants::SEARCH_PATH
        ),
    )
}

/// Row-level security enabled (not necessarily forced) on every table of `proj`.
fn row_security(s: &Settings) -> Check {
    let findings = s
        .without_row_security
        .iter()
        .map(|t| Finding {
            what: format!("row-level security is off on {t}"),
            why: "it stays on every table of proj as a second wall behind the functions",
            fix: vec![format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")],
        })
        .collect();
    verdict(
        "row-security",
        findings,
        "enabled on every table of schema proj".to_string(),
    )
}

/// What a role may hold that a plain login does not: (held, the attribute ALTER ROLE
/// removes, what it lets the login do).
fn role_powers(r: &Reach) -> Vec<(&'static str, &'static str)> {
    [
        (
            r.superuser,
            "SUPERUSER",
            "the database holds a superuser to nothing",
        ),
        (
            r.bypassrls,
            "BYPASSRLS",
            "row-level security does not apply to it",
        ),
        (
            r.createrole,
            "CREATEROLE",
            "it can make roles and grant itself most of them",
        ),
        (
            r.createdb,
            "CREATEDB",
            "it can make databases, and owns what it makes",
        ),
        (
            r.replication,
            "REPLICATION",
            "it can copy every row off the server",
        ),
    ]
    .into_iter()
    .filter(|(held, _, _)| *held)
    .map(|(_, attribute, why)| (attribute, why))
    .collect()
}

/// The login, and every role it may act as, hold no more than a plain login. The schema's
/// owner running doctor is expected (`doctor --upgrade`): a warning that nobody should work
/// as it, not a failure of the database.
fn login_powers(s: &Settings) -> Check {
    let login = &s.login;
    let mut findings = Vec::new();
    let mut owner_running = false;
    for r in &s.reach {
        let holder = if r.me {
            login.clone()
        } else {
            format!("{login}, as a member of {},", r.role)
        };
        let revoke = || {
            let from = if r.granted_to.is_empty() {
                login.clone()
            } else {
                r.granted_to.join(", ")
            };
            vec![format!("REVOKE {} FROM {from}", r.role)]
        };
        for (attribute, why) in role_powers(r) {
            findings.push(Finding {
                what: format!("{holder} has {attribute}"),
                why,
                fix: vec![format!("ALTER ROLE {} NO{attribute}", r.role)],
            });
        }
        if r.schema_owner {
            if r.me {
                owner_running = true;
            } else {
                findings.push(Finding {
                    what: format!("{login} may act as {}, the owner of schema proj", r.role),
                    why: "the owner reads and changes every row, past every rule",
                    fix: revoke(),
                });
            }
        } else if r.database_owner {
            findings.push(if r.me {
                Finding {
                    what: format!("{login} owns database {}", s.database),
                    why: "the database's owner changes its settings (proj.clock too) and \
                          may grant itself TEMPORARY and CREATE",
                    fix: vec![format!(
                        "ALTER DATABASE {} OWNER TO {}",
                        s.database, s.owner
                    )],
                }
            } else {
                Finding {
                    what: format!(
                        "{login} may act as {}, the owner of database {}",
                        r.role, s.database
                    ),
                    why: "the database's owner changes its settings (proj.clock too) and \
                          may grant itself TEMPORARY and CREATE",
                    fix: revoke(),
                }
            });
        }
        if r.predefined {
            findings.push(Finding {
                what: format!("{login} is a member of {}", r.role),
                why: "a predefined role reaches past what proj grants (all data, server \
                      files, other sessions, maintenance locks)",
                fix: revoke(),
            });
        }
    }
    let running = format!(
        "{login} owns schema proj: running doctor as the owner is expected, but nobody \
         should work as it (row-level security does not apply to it)"
    );
    if findings.is_empty() {
        return if owner_running {
            check("login", Status::Warn, running)
        } else {
            check(
                "login",
                Status::Ok,
                format!("{login} is a plain login: the database holds it to the access model"),
            )
        };
    }
    let mut c = verdict("login", findings, String::new());
    if owner_running {
        c.detail = format!("{running}. {}", c.detail);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            database: "platform".into(),
            owner: "proj_owner".into(),
            login: "ana".into(),
            database_acl: Vec::new(),
            schema_acl: Vec::new(),
            relations: Vec::new(),
            functions: Vec::new(),
            without_row_security: Vec::new(),
            reach: Vec::new(),
        }
    }

    fn plain(role: &str, me: bool) -> Reach {
        Reach {
            role: role.into(),
            me,
            superuser: false,
            bypassrls: false,
            createrole: false,
            createdb: false,
            replication: false,
            schema_owner: false,
            database_owner: false,
            predefined: false,
            granted_to: if me { vec![] } else { vec!["ana".into()] },
        }
    }

    #[test]
    fn only_the_pinned_search_path_counts() {
        assert!(pinned(&["search_path=proj, pg_catalog, pg_temp".into()]));
        assert!(pinned(&["search_path=\"proj\",pg_catalog,pg_temp".into()]));
        assert!(!pinned(&["search_path=proj, pg_catalog".into()]));
        assert!(!pinned(&["search_path=pg_temp, proj, pg_catalog".into()]));
        assert!(!pinned(&[]));
    }

    #[test]
    fn public_temporary_fails_with_its_revoke() {
        let mut s = settings();
        s.database_acl.push(Acl {
            grantee: "PUBLIC".into(),
            privilege: "CONNECT".into(),
        });
        assert_eq!(database_privileges(&s).status, Status::Ok);
        s.database_acl.push(Acl {
            grantee: "PUBLIC".into(),
            privilege: "TEMPORARY".into(),
        });
        let c = database_privileges(&s);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail
                .contains("fix: `REVOKE TEMPORARY ON DATABASE platform FROM PUBLIC`"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn a_relation_privilege_names_the_role_and_the_object() {
        let mut s = settings();
        for privilege in ["SELECT", "UPDATE"] {
            s.relations.push(RelationAcl {
                object: "proj.members".into(),
                kind: "r".into(),
                owner: false,
                grantee: "\"bo@acme.dev\"".into(),
                privilege: privilege.into(),
            });
        }
        let c = schema_privileges(&s);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail.starts_with(
                "\"bo@acme.dev\" holds SELECT, UPDATE on table proj.members: no role but"
            ),
            "{}",
            c.detail
        );
        assert!(
            c.detail
                .ends_with("fix: `REVOKE ALL ON TABLE proj.members FROM \"bo@acme.dev\"`"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn the_owner_running_warns_and_a_power_fails() {
        let mut s = settings();
        s.login = "proj_owner".into();
        let mut owner = plain("proj_owner", true);
        owner.schema_owner = true;
        s.reach.push(owner);
        assert_eq!(login_powers(&s).status, Status::Warn);
        let mut group = plain("admins", false);
        group.createrole = true;
        s.reach.push(group);
        let c = login_powers(&s);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail.starts_with("proj_owner owns schema proj"),
            "{}",
            c.detail
        );
        assert!(
            c.detail.contains("fix: `ALTER ROLE admins NOCREATEROLE`"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn acting_as_the_owner_fails_with_the_revoke() {
        let mut s = settings();
        s.reach.push(plain("ana", true));
        assert_eq!(login_powers(&s).status, Status::Ok);
        let mut owner = plain("proj_owner", false);
        owner.schema_owner = true;
        s.reach.push(owner);
        let c = login_powers(&s);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail.contains("fix: `REVOKE proj_owner FROM ana`"),
            "{}",
            c.detail
        );
    }
}
