//! A hermetic environment per test: its own temp dir, HOME, XDG dirs and database,
//! a cleared environment, and a fixed clock.
//!
//! `PROJ_TEST_PG=<socket dir>` runs the suite against PostgreSQL instead (`.ci/run` starts a
//! throwaway server, `.ci/pg.sh`): every test gets a database of its own on that server and
//! `PROJ_DB` is its `postgres://` URL. There the identity is the login, not `--as`, so the
//! harness speaks for the test as the file would: a login is named after the email it acts
//! as (roles may hold `@`), `--as EMAIL`/`PROJ_AS` connect as that login, `init --user EMAIL`
//! runs as it and makes it the default (as `init` saves the identity in a file), and
//! `member add EMAIL` maps that login with `--login`. `t.db` stays a path nobody creates.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const NOW: &str = "2026-11-27T09:14:03Z";

/// The login commands connect as before any `init`, like `USER=tester` for a file.
pub const DEFAULT_LOGIN: &str = "tester";

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    /// The test's own database on the throwaway server, when the suite runs on PostgreSQL.
    pub pg: Option<PgDatabase>,
}

/// One test's database on the server named by `PROJ_TEST_PG`, dropped with the test.
pub struct PgDatabase {
    pub socket_dir: String,
    pub name: String,
    /// What `PROJ_DB` is set to: the database, on the socket, without a user.
    pub url: String,
    /// The login commands run as when they do not say otherwise.
    pub login: Mutex<String>,
}

/// The login that owns schema `proj` in every test database (nobody works as it).
pub const SCHEMA_OWNER: &str = "proj_owner";

/// The group role of the people who use proj (README, Team mode): every login the harness
/// makes but [`SCHEMA_OWNER`] is in it, and a database set up as the README says lets only
/// it connect.
pub const USERS: &str = "proj_users";

/// This process's template: an empty database where [`SCHEMA_OWNER`] ran
/// `proj doctor --upgrade`, made once and copied for each test.
fn pg_template(socket_dir: &str) -> String {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            pg_ensure_login(socket_dir, SCHEMA_OWNER);
            let db = PgDatabase::create_from(socket_dir, "template0");
            let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("proj"))
                .env_clear()
                .env("PROJ_DB", &db.url)
                .env("PGUSER", SCHEMA_OWNER)
                .env("HOME", std::env::temp_dir())
                .args(["doctor", "--upgrade", "--quiet"])
                .output()
                .expect("run proj doctor --upgrade");
            // Doctor then fails on the template's database privileges (PostgreSQL's
            // defaults, which each test database gets afresh anyway): what counts here is
            // the schema it made.
            let made: Option<String> = pg_admin(socket_dir, &db.name)
                .query_one(
                    "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace
                     WHERE nspname = 'proj'",
                    &[],
                )
                .ok()
                .and_then(|r| r.get(0));
            assert!(
                made.is_some_and(|c| c.starts_with("proj schema")),
                "create the schema as {SCHEMA_OWNER}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let name = db.name.clone();
            // Kept for the whole run: the test databases are copies of it.
            std::mem::forget(db);
            name
        })
        .clone()
}

/// The server's socket directory when the suite runs on PostgreSQL.
pub fn pg_socket_dir() -> Option<String> {
    std::env::var("PROJ_TEST_PG").ok().filter(|v| !v.is_empty())
}

/// Whether this run is against PostgreSQL (file-only tests return early on it).
pub fn on_postgres() -> bool {
    pg_socket_dir().is_some()
}

/// Skips a test that only means something for a SQLite file (modes, WAL, companions, a
/// `kill -9` of a file writer, fixtures of file schemas): call it first, with why.
#[macro_export]
macro_rules! file_only {
    ($why:expr) => {
        if $crate::support::on_postgres() {
            eprintln!("file only, skipped on PostgreSQL: {}", $why);
            return;
        }
    };
}

/// Skips a test that only means something on a server (its lock, its schema, its statements)
/// when the suite runs on a file: call it first.
#[macro_export]
macro_rules! server_only {
    () => {
        if !$crate::support::on_postgres() {
            eprintln!("server only, skipped on a file: set PROJ_TEST_PG (see .ci/run)");
            return;
        }
    };
}

/// An administrative connection to the throwaway server (the `postgres` superuser).
pub fn pg_admin(socket_dir: &str, dbname: &str) -> postgres::Client {
    pg_connect(socket_dir, dbname, "postgres")
}

/// A connection to `dbname` as `login`, as `psql` would open it.
pub fn pg_connect(socket_dir: &str, dbname: &str, login: &str) -> postgres::Client {
    postgres::Config::new()
        .host_path(socket_dir)
        .user(login)
        .dbname(dbname)
        .connect(postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test server at {socket_dir} as {login}: {e}"))
}

/// Creates the login `name` on the test server once per process (roles are shared by every
/// database of the cluster; another test process may create it at the same moment).
pub fn pg_ensure_login(socket_dir: &str, name: &str) {
    static MADE: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if made.iter().any(|n| n == name) {
        return;
    }
    let mut admin = pg_admin(socket_dir, "postgres");
    let quoted = name.replace('"', "\"\"");
    let mut create = |sql: &str| {
        for _ in 0..20 {
            match admin.batch_execute(sql) {
                Ok(()) => break,
                Err(e) if e.code() == Some(&postgres::error::SqlState::DUPLICATE_OBJECT) => break,
                // Two sessions creating roles at once can collide on the catalog.
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    };
    if name != SCHEMA_OWNER {
        create(&format!("CREATE ROLE {USERS} NOLOGIN"));
    }
    create(&format!("CREATE ROLE \"{quoted}\" LOGIN"));
    if name != SCHEMA_OWNER {
        // Granting twice only warns; a role made by an earlier run joins here too.
        let _ = admin.batch_execute(&format!("GRANT {USERS} TO \"{quoted}\""));
    }
    made.push(name.to_string());
}

impl PgDatabase {
    /// A database whose schema `proj` already exists, created by [`SCHEMA_OWNER`] as a DBA
    /// would (`proj doctor --upgrade`, README Team mode): every login a test acts as is held
    /// by the database to the access model, as people are on a real server.
    fn create(socket_dir: &str) -> PgDatabase {
        let template = pg_template(socket_dir);
        PgDatabase::create_from(socket_dir, &template)
    }

    /// A database set up exactly as the README's DBA recipe says (Team mode, "From
    /// `createdb` to the first `proj init`"): owned by [`SCHEMA_OWNER`], CONNECT, TEMPORARY
    /// and CREATE revoked from PUBLIC, CONNECT granted to [`USERS`]; schema `proj` as in
    /// [`PgDatabase::create`].
    fn create_as_readme(socket_dir: &str) -> PgDatabase {
        // create_from made DEFAULT_LOGIN, and with it the group USERS.
        let db = PgDatabase::create(socket_dir);
        db.admin()
            .batch_execute(&format!(
                "ALTER DATABASE {name} OWNER TO {SCHEMA_OWNER}; \
                 REVOKE CONNECT, TEMPORARY, CREATE ON DATABASE {name} FROM PUBLIC; \
                 GRANT CONNECT ON DATABASE {name} TO {USERS}",
                name = db.name
            ))
            .expect("set the test database up as the README says");
        db
    }

    /// An empty database (no schema `proj`), for what the first write does.
    fn create_empty(socket_dir: &str) -> PgDatabase {
        PgDatabase::create_from(socket_dir, "template0")
    }

    /// A new database copied from `template` (template0: empty). Copying another test's
    /// database waits while anyone is connected to it.
    fn create_from(socket_dir: &str, template: &str) -> PgDatabase {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = pg_admin(socket_dir, "postgres");
        // FILE_COPY: copying a small template's files beats WAL-logging them block by block.
        let mut tries = 0;
        loop {
            match admin.batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"
            )) {
                Ok(()) => break,
                Err(_) if tries < 500 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => panic!("create the test database from {template}: {e}"),
            }
        }
        // Whoever writes first creates schema `proj`, as the database's owner would.
        // The server writes events' times: its clock is pinned for the database, as
        // PROJ_NOW pins the client's (see proj.clock in migration 2).
        admin
            .batch_execute(&format!(
                "GRANT CREATE ON DATABASE {name} TO PUBLIC; \
                 ALTER DATABASE {name} SET proj.clock = '{NOW}'"
            ))
            .expect("grant CREATE on the test database");
        pg_ensure_login(socket_dir, DEFAULT_LOGIN);
        PgDatabase {
            socket_dir: socket_dir.to_string(),
            url: format!("postgresql:///{name}?host={}", percent(socket_dir)),
            name,
            login: Mutex::new(DEFAULT_LOGIN.to_string()),
        }
    }

    /// A connection to this test's database as `login` (created if need be), as a person
    /// with `psql` would have it.
    pub fn connect_as(&self, login: &str) -> postgres::Client {
        pg_ensure_login(&self.socket_dir, login);
        pg_connect(&self.socket_dir, &self.name, login)
    }

    /// A superuser connection to this test's database, for the test's own checks.
    pub fn admin(&self) -> postgres::Client {
        pg_admin(&self.socket_dir, &self.name)
    }

    /// Rewrites a command line for the server (see the module doc): the arguments to run and
    /// the login to run them as.
    fn translate(&self, args: &[&str], env_as: Option<&str>) -> (Vec<String>, String) {
        let mut out: Vec<String> = Vec::new();
        let mut login = env_as
            .filter(|v| !v.is_empty())
            .map(|v| v.to_lowercase())
            .unwrap_or_else(|| self.login.lock().unwrap().clone());
        let mut it = args.iter().peekable();
        while let Some(a) = it.next() {
            if *a == "--" {
                out.push(a.to_string());
                out.extend(it.map(|s| s.to_string()));
                break;
            }
            if *a == "--as" {
                if let Some(v) = it.next() {
                    login = v.to_lowercase();
                }
                continue;
            }
            if let Some(v) = a.strip_prefix("--as=") {
                login = v.to_lowercase();
                continue;
            }
            out.push(a.to_string());
        }
        let words: Vec<String> = out
            .iter()
            .filter(|w| !w.starts_with('-'))
            .cloned()
            .collect();
        if words.first().map(String::as_str) == Some("init")
            && let Some(user) = flag_value(&out, "--user")
        {
            login = user.to_lowercase();
            *self.login.lock().unwrap() = login.clone();
        }
        if words.len() >= 3
            && words[0] == "member"
            && ["add", "create", "new"].contains(&words[1].as_str())
            && flag_value(&out, "--login").is_none()
            && words[2].contains('@')
        {
            pg_ensure_login(&self.socket_dir, &words[2].to_lowercase());
            out.push("--login".into());
            out.push(words[2].to_lowercase());
        }
        // On a server an organization starts with its creator as owner (`org add` takes the
        // login's email, and the database holds it at commit); only the schema's owner, whom
        // the database does not hold, makes one without members, as a file has them. A test's
        // `org add` without `--user` is that: the organization without members its file twin
        // starts from. What a plain login's `org add` does is tested in team_mode.rs.
        if words.len() >= 3
            && words[0] == "org"
            && ["add", "create", "new"].contains(&words[1].as_str())
            && flag_value(&out, "--user").is_none()
        {
            login = SCHEMA_OWNER.to_string();
        }
        pg_ensure_login(&self.socket_dir, &login);
        (out, login)
    }

    /// A file saves the first member of an organization as the identity when none is set;
    /// the harness then connects as that member's login, as the file would act as them.
    fn follow_identity(&self, args: &[&str], out: &std::process::Output) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || !stderr.contains("now acts as") {
            return;
        }
        let words: Vec<&str> = args
            .iter()
            .copied()
            .filter(|w| !w.starts_with('-'))
            .collect();
        if let Some(email) = words.iter().find(|w| w.contains('@')) {
            *self.login.lock().unwrap() = email.to_lowercase();
        }
    }

    /// Every row of every table of schema `proj`, as text, ordered.
    fn dump(&self) -> String {
        let mut c = self.admin();
        let tables: Vec<String> = c
            .query(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'proj' AND c.relkind = 'r' ORDER BY 1",
                &[],
            )
            .expect("list tables")
            .iter()
            .map(|r| r.get(0))
            .collect();
        if tables.is_empty() {
            return "(no database file)".to_string();
        }
        let mut out = String::new();
        for t in tables {
            out.push_str(&format!("== {t}\n"));
            for row in c
                .query(
                    &format!("SELECT x::text FROM proj.\"{t}\" x ORDER BY 1"),
                    &[],
                )
                .expect("dump table")
            {
                out.push_str(&row.get::<_, String>(0));
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Dropped so a run of the whole suite does not fill the disk with test databases.
        let mut admin = pg_admin(&self.socket_dir, "postgres");
        let _ = admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// The value of `--flag V` or `--flag=V` in a command line.
fn flag_value(args: &[String], flag: &str) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == flag {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
            return Some(v.to_string());
        }
    }
    None
}

/// Percent-encodes a socket path for a URL's query.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What a finished command left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("proj.db");
        let pg = pg_socket_dir().map(|s| PgDatabase::create(&s));
        TestEnv { dir, db, pg }
    }

    /// On a server, a database set up as the README's DBA recipe says
    /// ([`PgDatabase::create_as_readme`]) instead of with PostgreSQL's default privileges
    /// (PUBLIC keeps CONNECT and TEMPORARY, and the harness grants it CREATE); on a file, the
    /// same as [`TestEnv::new`].
    pub fn new_as_readme() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("proj.db");
        let pg = pg_socket_dir().map(|s| PgDatabase::create_as_readme(&s));
        TestEnv { dir, db, pg }
    }

    /// `proj doctor --upgrade --json` (with `args`, e.g. `--as proj_owner`), asserting it
    /// left schema `proj` current; doctor itself may still fail on the database's settings
    /// (PostgreSQL's default privileges). Returns the report.
    #[track_caller]
    pub fn upgrade(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["doctor", "--upgrade", "--json"];
        all.extend_from_slice(args);
        let r = self.run(&all);
        let report: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("proj {all:?}: bad JSON {e}: {}{}", r.stdout, r.stderr));
        let schema = report["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == "schema"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(schema["status"], "ok", "proj {all:?}: {report}");
        assert!([0, 1].contains(&r.code), "proj {all:?}: {}", r.stderr);
        report
    }

    /// On a server, a database without schema `proj` (what the first write does); on a file,
    /// the same as [`TestEnv::new`].
    pub fn new_empty() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("proj.db");
        let pg = pg_socket_dir().map(|s| PgDatabase::create_empty(&s));
        TestEnv { dir, db, pg }
    }

    /// A test environment on a SQLite file whichever backend the suite runs on (to compare
    /// a server with a file).
    pub fn on_file() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("proj.db");
        TestEnv { dir, db, pg: None }
    }

    /// What `PROJ_DB` is: the file's path, or the test database's URL.
    pub fn db_arg(&self) -> String {
        match &self.pg {
            Some(pg) => pg.url.clone(),
            None => self.db.display().to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `proj` with a cleared environment pointing everything inside the temp dir.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same as `cmd`, as a plain `std::process::Command` (to spawn and pipe).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("proj"));
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        cmd.env_clear()
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("PROJ_DB", &self.db)
            .env("PROJ_NOW", NOW)
            .env("USER", "tester")
            .env("NO_COLOR", "1")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(self.dir.path());
        if let Some(pg) = &self.pg {
            cmd.env("PROJ_DB", &pg.url)
                .env("PGUSER", pg.login.lock().unwrap().as_str());
        }
        cmd
    }

    /// Runs `proj ARGS` and returns what happened, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.dir.path(), args)
    }

    /// `proj ARGS` ready to run; on PostgreSQL translated for the server (module doc), with
    /// `env_as` standing for a `PROJ_AS` the test sets.
    pub fn command_for(&self, args: &[&str], env_as: Option<&str>) -> std::process::Command {
        let mut cmd = self.std_cmd();
        match &self.pg {
            None => {
                cmd.args(args);
                if let Some(v) = env_as {
                    cmd.env("PROJ_AS", v);
                }
            }
            Some(pg) => {
                let (args, login) = pg.translate(args, env_as);
                cmd.args(&args).env("PGUSER", login);
            }
        }
        cmd
    }

    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let out = self
            .command_for(args, None)
            .current_dir(cwd)
            .output()
            .expect("run proj");
        if let Some(pg) = &self.pg {
            pg.follow_identity(args, &out);
        }
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `proj init --yes --user USER --org ORG --project PROJECT`, asserted to succeed: one
    /// owner, one organization, one project with production.
    #[track_caller]
    pub fn init(&self, user: &str, org: &str, project: &str) -> String {
        self.ok(&[
            "init",
            "--yes",
            "--user",
            user,
            "--org",
            org,
            "--project",
            project,
        ])
    }

    /// Runs and asserts exit 0; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "proj {args:?} failed:\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs with `--json`, asserts exit 0, and parses stdout.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("proj {args:?}: bad JSON {e}: {out}"))
    }

    /// Runs with `--json` and deserializes into a mirror struct (unknown fields rejected).
    #[track_caller]
    pub fn json_as<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> T {
        serde_json::from_value(self.json(args)).unwrap_or_else(|e| panic!("proj {args:?}: {e}"))
    }

    /// Runs and asserts the exit code; returns stderr.
    #[track_caller]
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "proj {args:?}:\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stderr
    }

    /// A database with organization `acme` and project `acme/shop` (production only).
    pub fn with_shop() -> Self {
        let t = TestEnv::new();
        t.ok(&["org", "add", "acme"]);
        t.ok(&["project", "add", "shop", "--org", "acme"]);
        t
    }

    /// Runs SQL straight on the test's database (the file, or schema `proj` on the server),
    /// for state a test sets up without the commands that are not its point. Write SQL both
    /// read the same way (times as `'2026-…Z'` literals, no explicit ids). On the server a
    /// member inserted so gets the login named after their email, as `member add` does here.
    #[track_caller]
    pub fn sql(&self, sql: &str) {
        if let Err(e) = self.try_sql(sql) {
            panic!("sql: {e}\n{sql}");
        }
    }

    /// [`TestEnv::sql`] that returns what the database said when it refused.
    pub fn try_sql(&self, sql: &str) -> Result<(), String> {
        match &self.pg {
            None => {
                let conn = rusqlite::Connection::open(&self.db).expect("open db");
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Some(pg) => {
                let mut c = pg.admin();
                c.batch_execute(&format!("SET search_path = proj; {sql}"))
                    .map_err(|e| e.to_string())?;
                let unmapped: Vec<String> = c
                    .query(
                        "UPDATE members SET login = email WHERE login IS NULL RETURNING email",
                        &[],
                    )
                    .expect("map logins")
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                for email in unmapped {
                    pg_ensure_login(&pg.socket_dir, &email);
                }
                Ok(())
            }
        }
    }

    /// Every row a query answers, its cells as text joined by `|` (NULL as `NULL`), sorted:
    /// to compare one database's state before and after (each backend spells values its
    /// own way, so only compare rows read from the same backend).
    #[track_caller]
    pub fn sql_rows(&self, sql: &str) -> Vec<String> {
        let mut rows: Vec<String> = match &self.pg {
            None => {
                let conn = rusqlite::Connection::open(&self.db).expect("open db");
                let mut stmt = conn.prepare(sql).expect("sql");
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    Ok((0..n)
                        .map(|i| match r.get_ref(i).unwrap() {
                            rusqlite::types::ValueRef::Null => "NULL".to_string(),
                            rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                            rusqlite::types::ValueRef::Real(v) => v.to_string(),
                            rusqlite::types::ValueRef::Text(v) => {
                                String::from_utf8_lossy(v).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(v) => format!("{v:?}"),
                        })
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .expect("sql")
                .collect::<Result<_, _>>()
                .expect("sql")
            }
            Some(pg) => {
                let mut c = pg.admin();
                c.batch_execute("SET search_path = proj").unwrap();
                c.simple_query(sql)
                    .expect("sql")
                    .iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => Some(
                            (0..r.len())
                                .map(|i| r.get(i).unwrap_or("NULL").to_string())
                                .collect::<Vec<_>>()
                                .join("|"),
                        ),
                        _ => None,
                    })
                    .collect()
            }
        };
        rows.sort();
        rows
    }

    /// One integer a query answers on the test's database (a count, an id).
    #[track_caller]
    pub fn sql_i64(&self, sql: &str) -> i64 {
        match &self.pg {
            None => {
                let conn = rusqlite::Connection::open(&self.db).expect("open db");
                conn.query_row(sql, [], |r| r.get(0)).expect("sql")
            }
            Some(pg) => {
                let mut c = pg.admin();
                c.batch_execute("SET search_path = proj").unwrap();
                let row = c.query_one(sql, &[]).expect("sql");
                // count(*) is bigint; other integer columns are bigint too.
                row.get::<_, i64>(0)
            }
        }
    }

    /// A new test environment holding a copy of this one's database (a fixture shared by
    /// many commands that may change it).
    pub fn copy(&self) -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("proj.db");
        match &self.pg {
            Some(from) => {
                let to = PgDatabase::create_from(&from.socket_dir, &from.name);
                *to.login.lock().unwrap() = from.login.lock().unwrap().clone();
                TestEnv {
                    dir,
                    db,
                    pg: Some(to),
                }
            }
            None => {
                std::fs::create_dir_all(db.parent().unwrap()).unwrap();
                std::fs::copy(&self.db, &db).unwrap();
                TestEnv { dir, db, pg: None }
            }
        }
    }

    /// Whether the database exists yet: the file, or schema `proj` on the server.
    pub fn store_exists(&self) -> bool {
        match &self.pg {
            None => self.db.exists(),
            Some(pg) => pg
                .admin()
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'proj')",
                    &[],
                )
                .unwrap()
                .get(0),
        }
    }

    /// "ok" when the database is sound: SQLite's `integrity_check` of the file; on the
    /// server, schema `proj` marked with the latest version by one complete migration.
    pub fn integrity(&self) -> String {
        match &self.pg {
            None => {
                let conn = rusqlite::Connection::open(&self.db).expect("open for integrity_check");
                let rows: Vec<String> = conn
                    .prepare("PRAGMA integrity_check")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                rows.join("\n")
            }
            Some(pg) => {
                let comment: Option<String> = pg
                    .admin()
                    .query_one(
                        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace
                         WHERE nspname = 'proj'",
                        &[],
                    )
                    .map(|r| r.get(0))
                    .unwrap_or(None);
                match comment {
                    Some(c) if c.starts_with("proj schema, application 0x50524F4A, version ") => {
                        "ok".to_string()
                    }
                    other => format!("schema proj not marked as migrated: {other:?}"),
                }
            }
        }
    }

    /// Every row of every table, as text, to compare states before and after a command.
    pub fn dump(&self) -> String {
        if let Some(pg) = &self.pg {
            return pg.dump();
        }
        if !self.db.exists() {
            return "(no database file)".to_string();
        }
        let conn = rusqlite::Connection::open_with_flags(
            &self.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open db");
        let mut out = String::new();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for t in tables {
            out.push_str(&format!("== {t}\n"));
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap();
            for row in rows {
                out.push_str(&row.unwrap());
                out.push('\n');
            }
        }
        out
    }
}

/// A copy of the `proj` binary that any user may run (the build directory may sit under a
/// home that other users cannot enter), in `t`'s directory, which is opened to be entered.
#[cfg(unix)]
pub fn binary_for_anyone(t: &TestEnv) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = t.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let proj = bin.join("proj");
    std::fs::copy(assert_cmd::cargo::cargo_bin("proj"), &proj).unwrap();
    for (p, mode) in [
        (&bin, 0o755),
        (&proj, 0o755),
        (&t.path().to_path_buf(), 0o755),
    ] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    proj
}

/// `cmd.output()`, retried while the kernel says the binary is busy: a just-copied binary
/// stays "text file busy" while a child another test thread forked still holds the copy's
/// descriptor open between its fork and exec.
pub fn output_retrying(cmd: &mut std::process::Command) -> std::io::Result<std::process::Output> {
    let mut tries = 0;
    loop {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
