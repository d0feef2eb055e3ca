//! The store: the one query API handlers, `scope`, `tx`, `access` and `snapshot` use, over
//! two backends — a local SQLite file (`sqlite/`) and a shared PostgreSQL database
//! (`postgres/`, team mode). Nothing above this module learns which one runs: a caller that
//! would need an `if postgres` shows a method missing here.
//!
//! [`Store`] and [`Db`] are enums over the backends, and every method below is one `match`
//! that calls the backend's method of the same name (static dispatch: the file's code paths
//! are the ones they were, behind one branch). Each backend has its own SQL, its own numbered
//! migrations (`sqlite/migrations/`, `postgres/migrations/`, same table and column names),
//! its own errors mapped to exit codes, its own `health` checks and `backup`.
//! Ids are bare `i64` row ids for now (see the README's architecture section).
//!
//! Conventions: `thing(parent, slug)` finds one by name (indexed), `things(parent)` lists,
//! `thing_by_id(id)` finds one by id (for ids kept in events and snapshots), and
//! `thing_insert` / `thing_update` / `thing_delete` write. Reads return `Option` or `Vec`;
//! "not found" errors with hints are built above the store (`scope`, `error`). No method
//! decides access or writes the audit log by itself: `Tx` (src/tx.rs) does both.
//!
//! **Opening and transactions** ([`Store`], [`Location`])
//! - `Store::open(&location)`: ready to write (a file is created, a server's schema `proj`
//!   is created or migrated); `Store::open_for_reading(&location)`: never creates anything.
//! - `Store::empty_stand_in(path)`: an empty database answering for a file not created yet.
//! - `write(f)`: `f` in one write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
//!   SERIALIZABLE, run again on a serialization failure); `read(f)`: one consistent read;
//!   `rehearse(f)`: run `f` and roll back; `settle(eager)`: before a question to the person
//!   at the keyboard (a server's read transaction is not left open while they answer).
//! - `location()`, `is_read_only()`, `is_stand_in()`, `health()`, `backup(dest, replace)`.
//!
//! **Identity** — `login()`: the database login the connection acts as (a server; `None` on a
//! file, where the identity is the email saved by `proj init` or `--as`).
//!
//! **Organizations** ([`OrgRow`]) — `orgs()`, `org(slug)`, `org_by_id(id)`,
//! `org_insert(slug, display_name)`, `org_update(&row)`, `org_delete(id)` (cascades).
//!
//! **Projects** ([`ProjectRow`]) — `projects(org_id)`, `projects_up_to(org_id, limit)`,
//! `project(org_id, slug)`,
//! `project_by_id(id)`, `projects_named(slug)` (the same slug in every organization),
//! `project_insert(&org, slug, display_name, description)`, `project_update(&row)`,
//! `project_delete(id)`, `name_taken(org_id, slug)` (an organization's or a project's slug
//! held by anyone, seen or not).
//!
//! **Environments** ([`EnvRow`], [`NewEnv`]) — `envs(project_id, include_archived)` (in
//! release-flow order), `envs_in_org(org_id, include_archived)` (every project's: one query
//! for a whole tree or layout), `env_slugs_by_project(org_id)` (one query for a whole list),
//! `env(project_id, slug)`, `env_by_id(id)`, `env_insert(&project, &NewEnv)`,
//! `env_update(&row)`, `env_delete(id)`.
//!
//! **Resources** ([`ResourceRow`]) — `resources(env_id)`, `resource(env_id, slug)`,
//! `resources_in_org(org_id)` (one query for a whole tree or layout),
//! `resources_in_project(project_id)` (one for a project's tree), `resource_count(env_id)`,
//! `resource_insert(&env, slug, kind, description)`,
//! `resource_update(&row)` (a move is an update of `environment_id`), `resource_delete(id)`.
//!
//! **Members** ([`MemberRow`]) — `members(org_id)`, `member(org_id, email)`,
//! `member_by_login(org_id, login)`, `memberships(email)` (every organization of one email),
//! `has_membership(email)` (whether it has any),
//! `memberships_of_login(login)` (every member a login acts as),
//! `has_members(Some(org_id))` / `has_members(None)` (any organization: a file without
//! members has a single owner), `member_standing(org_id, email, login)` (both answers an
//! access decision starts from), `owner_count(org_id)`, `member_insert(&org, email, name,
//! role)`, `member_update(&row)` (name, role), `member_set_email(id, email)`,
//! `member_set_login(id, login)`, `member_delete(id)`.
//!
//! **Grants** ([`GrantRow`], [`Holder`]: a member or a team) — `holder_grants(holder)`,
//! `holder_grants_in(holder, project_id)`, `project_grants(project_id)`,
//! `access_grants(member_id)` / `access_grants_in(member_id, project_id)` (a member's own and
//! their teams' grants, what `access::decide` reads), `granted_project_ids(member_id)`,
//! `grants_in_org(org_id)` (layout export and plan),
//! `grant_set(holder, &project, env, role)` (replaces an earlier one),
//! `grant_delete(holder, project_id, env_id)`.
//!
//! **Teams** ([`TeamRow`], [`TeamMemberRow`]) — `teams(org_id)`, `has_teams(org_id)`,
//! `team(org_id, slug)`, `team_by_id(id)`, `team_insert(&org, slug, display_name,
//! description)`, `team_update(&row)`, `team_delete(id)` (memberships and grants go with it),
//! `team_members(team_id)`, `team_members_in_org(org_id)` (layout export and plan),
//! `member_teams(member_id)`, `team_join(team_id, &member,
//! joined_at)`, `team_leave(team_id, member_id)`.
//!
//! **Audit log** ([`EventRow`], [`NewEvent`]) — `events(org_id, project_id, before, limit)`
//! (newest first, older than the event id `before`: pages), `lifecycle_events()` (the adds,
//! removals and restores of organizations and projects, oldest first), `event(id)`,
//! `event_insert(&NewEvent)` (only `Tx` calls it).
//!
//! **Selection** ([`Selection`]) — `selection(who)` (the organization and project `who`
//! saved, and the saved identity), `selection_save(who, org_id, project_id)`,
//! `selection_move(from, to)` (an email change), `identity_save(email)`. Each identity has
//! its own selection: on a file keyed by the acting email, on a server by the login.
//!
//! **Restore** ([`SavedFields`], [`SavedEnvFields`]) — inserts that bring removed rows back
//! with their old ids where free: `org_restore`, `project_restore`, `env_restore`,
//! `resource_restore`, `member_restore`, `team_restore`, `grant_restore`.
//!
//! **Layout.** What both backends share lives here, in `store/`, and neither backend
//! imports from the other (the one exception: a server's `backup` writes its rows into a
//! new file through `sqlite::Store::import` and `sqlite::backup::TABLES`, the file's format):
//! - `mod.rs`: [`Location`], [`Store`], [`Db`] and the dispatch to the backends;
//! - `rows.rs`: the rows and arguments of this API ([`OrgRow`] … [`EventRow`], [`NewEnv`],
//!   [`NewEvent`], [`Holder`], [`Selection`], [`SavedFields`], [`SavedEnvFields`]);
//! - `settings.rs`: the `PROJ_*` settings both read (busy timeout, SQL trace) and the clock,
//!   [`now`] (`PROJ_NOW`);
//! - `health.rs`: [`Check`] and [`Status`], what `health()` and `examine` answer;
//! - `test_hooks.rs`: the shared test hook (`PROJ_TEST_PAUSE_IN_TX`).
//!
//! Each backend has one file per noun, with the same names: `org.rs`, `project.rs`,
//! `env.rs`, `resource.rs`, `member.rs`, `grant.rs`, `team.rs`, `event.rs`, `restore.rs`,
//! `selection.rs`; and beside them `health.rs`, `migrate.rs` (with `migrations/`),
//! `error.rs` and `test_hooks.rs`.
//! - `sqlite/`: `mod.rs` opens the file, creates it and runs transactions; `backup.rs`
//!   (also [`sqlite::Store::import`] of a server's rows), `busy.rs` (waiting for the write
//!   lock), `generate.rs` (fixture databases for benches and tests); [`FileState`].
//! - `postgres/`: `mod.rs` connects and runs transactions ([`postgres::Conn`]: `query`,
//!   `change`, `execute`); `sql.rs` holds what its queries share (each table's `SELECT`
//!   through its `r_*` function, rows mapped to the types above, time conversions);
//!   `config.rs` (URL and environment), `tls.rs`, `session.rs` (timeouts), `commit.rs` (a
//!   COMMIT whose answer was lost).
//!
//! Shared by every backend and kept above the store: rows → views (`view`), snapshots for
//! the audit log (`snapshot`), access decisions (`access`).

mod health;
pub mod postgres;
mod rows;
mod settings;
pub mod sqlite;
mod test_hooks;

pub use health::{Check, Status};
pub use rows::{
    EnvRow, EventRow, GrantRow, Holder, MemberRow, NewEnv, NewEvent, OrgRow, ProjectRow,
    ResourceRow, SavedEnvFields, SavedFields, Selection, TeamMemberRow, TeamRow,
};
pub use settings::now;
pub use sqlite::FileState;
// The file backend's own tools, used by benches, tests and completion.
pub use sqlite::{backup, generate, migrate};

use crate::error::Result;
use crate::model::{OrgRole, ProjectRole, ResourceType};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// What `--db`/`PROJ_DB` names: a file, or a server (a `postgres://` or `postgresql://` URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Server(String),
}

impl Location {
    pub fn parse(s: &OsStr) -> Location {
        match s.to_str().filter(|s| postgres::config::is_url(s)) {
            Some(url) => Location::Server(url.to_string()),
            None => Location::File(PathBuf::from(s)),
        }
    }

    /// How it is shown: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Server(url) => postgres::config::redact(url),
        }
    }

    /// What to do when `proj doctor`'s checks of it fail.
    pub fn repair_hint(&self) -> &'static str {
        match self {
            Location::File(_) => "restore the file from a backup, or fix what the checks name",
            Location::Server(_) => {
                "run the statements the failed checks name, as the owner of schema proj or a \
                 superuser (README, Team mode)"
            }
        }
    }

    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(p) => Some(p),
            Location::Server(_) => None,
        }
    }
}

/// An open store: a file or a server connection.
pub enum Store {
    Sqlite(sqlite::Store),
    // Boxed: a server connection is large, and a file's store must not grow with it.
    Postgres(Box<postgres::Store>),
}

/// The database inside one transaction; every query of the API is a method on it.
#[derive(Clone, Copy)]
pub enum Db<'a> {
    Sqlite(sqlite::Db<'a>),
    Postgres(&'a postgres::Db<'a>),
}

impl Store {
    /// Opens (creating or migrating if needed) the store `location` names, to write to it.
    pub fn open(location: &Location) -> Result<Store> {
        Ok(match location {
            Location::File(p) => Store::Sqlite(sqlite::Store::open(p)?),
            Location::Server(url) => Store::Postgres(Box::new(
                postgres::Store::open(url, true)?
                    .ok_or_else(|| crate::error::Error::internal("the schema was not created"))?,
            )),
        })
    }

    /// Opens the store for a command that only reads: nothing is created or migrated.
    pub fn open_for_reading(location: &Location) -> Result<Store> {
        Ok(match location {
            Location::File(p) => Store::Sqlite(sqlite::Store::open_for_reading(p)?),
            // A database without schema `proj` reads as empty, as a file not created yet:
            // the first write creates it.
            Location::Server(url) => match postgres::Store::open(url, false)? {
                Some(s) => Store::Postgres(Box::new(s)),
                None => Store::Sqlite(sqlite::Store::empty_stand_in(Path::new(
                    &postgres::config::redact(url),
                ))?),
            },
        })
    }

    /// A current database that is not there yet: an empty stand-in for a file, to rehearse
    /// a write on. A server answers `None`: its transactions roll back by themselves.
    pub fn stand_in_for(location: &Location) -> Result<Option<Store>> {
        match location {
            Location::File(p)
                if matches!(FileState::of(p)?, FileState::Missing | FileState::Empty) =>
            {
                Ok(Some(Store::Sqlite(sqlite::Store::empty_stand_in(p)?)))
            }
            _ => Ok(None),
        }
    }

    pub fn empty_stand_in(path: &Path) -> Result<Store> {
        Ok(Store::Sqlite(sqlite::Store::empty_stand_in(path)?))
    }

    /// Puts a new file in place without writing to it (`doctor --upgrade`); a server's
    /// schema is created by [`Store::open`] itself.
    pub fn finish_creation(&mut self) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.finish_creation(),
            Store::Postgres(_) => Ok(()),
        }
    }

    /// Whether the last commit created the database file (answered once).
    pub fn take_created(&mut self) -> bool {
        match self {
            Store::Sqlite(s) => s.take_created(),
            Store::Postgres(_) => false,
        }
    }

    pub fn is_read_only(&self) -> bool {
        match self {
            Store::Sqlite(s) => s.is_read_only(),
            Store::Postgres(s) => s.is_read_only(),
        }
    }

    pub fn is_stand_in(&self) -> bool {
        match self {
            Store::Sqlite(s) => s.is_stand_in(),
            Store::Postgres(_) => false,
        }
    }

    /// Where it is, as shown to people (a URL without its password).
    pub fn location(&self) -> String {
        match self {
            Store::Sqlite(s) => s.path().display().to_string(),
            Store::Postgres(s) => s.shown().to_string(),
        }
    }

    pub fn write<T>(&mut self, f: impl Fn(&Db) -> Result<T>) -> Result<T> {
        match self {
            Store::Sqlite(s) => s.write(|d| f(&Db::Sqlite(*d))),
            Store::Postgres(s) => s.write(|d| f(&Db::Postgres(d))),
        }
    }

    pub fn rehearse<T>(&mut self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        match self {
            Store::Sqlite(s) => s.rehearse(|d| f(&Db::Sqlite(*d))),
            Store::Postgres(s) => s.rehearse(|d| f(&Db::Postgres(d))),
        }
    }

    pub fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        match self {
            Store::Sqlite(s) => s.read(|d| f(&Db::Sqlite(*d))),
            Store::Postgres(s) => s.read(|d| f(&Db::Postgres(d))),
        }
    }

    /// Before the command waits for the person at the keyboard: a server's read transaction
    /// left open ends now (with `eager`, every later read ends its own). Nothing on a file.
    pub fn settle(&self, eager: bool) -> Result<()> {
        match self {
            Store::Sqlite(_) => Ok(()),
            Store::Postgres(s) => s.settle(eager),
        }
    }

    /// Typed checks of the open store for `proj doctor`.
    pub fn health(&self) -> Vec<Check> {
        match self {
            Store::Sqlite(s) => s.health(),
            Store::Postgres(s) => s.health(),
        }
    }

    /// The same checks for a store that would not open, without changing it.
    pub fn examine(location: &Location) -> Vec<Check> {
        match location {
            Location::File(p) => sqlite::Store::examine(p),
            Location::Server(url) => postgres::Store::examine(url),
        }
    }

    /// A consistent copy in a local file that any `proj` opens; returns its size in bytes.
    pub fn backup(&self, dest: &Path, replace: bool) -> Result<u64> {
        match self {
            Store::Sqlite(s) => s.backup(dest, replace),
            Store::Postgres(s) => s.backup(dest, replace),
        }
    }

    /// Whether the database `location` names is not there yet, so a write would create it:
    /// a file missing or empty (looked at on disk), a server without schema `proj` (asked
    /// over the read connection `opened`, opened here when there is none and kept there).
    pub fn is_fresh(location: &Location, opened: &mut Option<Store>) -> Result<bool> {
        match location {
            Location::File(p) => Ok(matches!(
                FileState::of(p)?,
                FileState::Missing | FileState::Empty
            )),
            Location::Server(_) => {
                let reader = match opened {
                    Some(store) => store,
                    None => opened.insert(Store::open_for_reading(location)?),
                };
                Ok(reader.is_stand_in())
            }
        }
    }

    /// Before a write to `location`: the empty stand-in to rehearse it on when the database
    /// is not there yet ([`Store::is_fresh`]), so a write that fails creates nothing; `None`
    /// when it is there. A server's stand-in is the read connection `opened` stood in as,
    /// taken from there; with a schema, the connection stays in `opened` for the write.
    pub fn stand_in_before_write(
        location: &Location,
        opened: &mut Option<Store>,
    ) -> Result<Option<Store>> {
        match location {
            Location::File(_) => Store::stand_in_for(location),
            Location::Server(_) => {
                Store::is_fresh(location, opened)?;
                Ok(opened.take_if(|s| s.is_stand_in()))
            }
        }
    }

    /// Opens the store `location` names for shell completion, changing nothing: a file
    /// without creating, migrating or locking it (nor leaving SQLite's `-wal`/`-shm` files
    /// behind), a server as a read-only command reads it. `None` when no file is there.
    pub fn open_for_completion(location: &Location) -> Result<Option<Store>> {
        match location {
            Location::Server(_) => Store::open_for_reading(location).map(Some),
            Location::File(p) if p.is_file() => {
                Ok(Some(Store::Sqlite(sqlite::Store::open_untouched(p)?)))
            }
            Location::File(_) => Ok(None),
        }
    }
}

/// Every query method of [`Db`], each one `match` to the backend's method of the same name.
macro_rules! delegate {
    ($( $(#[$meta:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl Db<'_> {
            $(
                $(#[$meta])*
                #[inline]
                pub fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Db::Sqlite(d) => d.$name($($arg),*),
                        Db::Postgres(d) => d.$name($($arg),*),
                    }
                }
            )*
        }
    };
}

delegate! {
    /// The database login this connection acts as; `None` on a file.
    fn login(&self) -> Option<&str>;

    /// What `who` saved (a file keys the selection by the acting email; a server by login),
    /// and the saved identity.
    fn selection(&self, who: Option<&str>) -> Result<Selection>;
    fn selection_save(&self, who: Option<&str>, org_id: Option<i64>, project_id: Option<i64>) -> Result<()>;
    fn selection_move(&self, from: &str, to: &str) -> Result<()>;
    fn identity_save(&self, email: Option<&str>) -> Result<()>;

    fn orgs(&self) -> Result<Vec<OrgRow>>;
    fn org(&self, slug: &str) -> Result<Option<OrgRow>>;
    fn org_by_id(&self, id: i64) -> Result<Option<OrgRow>>;
    fn org_insert(&self, slug: &str, display_name: Option<&str>) -> Result<OrgRow>;
    fn org_update(&self, org: &OrgRow) -> Result<()>;
    fn org_delete(&self, id: i64) -> Result<()>;

    fn projects(&self, org_id: i64) -> Result<Vec<ProjectRow>>;
    /// The first `limit` projects of an organization, by slug.
    fn projects_up_to(&self, org_id: i64, limit: i64) -> Result<Vec<ProjectRow>>;
    fn project(&self, org_id: i64, slug: &str) -> Result<Option<ProjectRow>>;
    fn project_by_id(&self, id: i64) -> Result<Option<ProjectRow>>;
    fn projects_named(&self, slug: &str) -> Result<Vec<ProjectRow>>;
    fn project_insert(
        &self,
        org: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ProjectRow>;
    fn project_update(&self, p: &ProjectRow) -> Result<()>;
    fn project_delete(&self, id: i64) -> Result<()>;
    /// Whether a project of `org_id` (an organization, with `None`) holds `slug`, whoever may
    /// see it: on a shared database a name the login may not see is still not free.
    fn name_taken(&self, org_id: Option<i64>, slug: &str) -> Result<bool>;

    fn envs(&self, project_id: i64, include_archived: bool) -> Result<Vec<EnvRow>>;
    /// Every environment of an organization's projects, by project (release order in each).
    fn envs_in_org(&self, org_id: i64, include_archived: bool) -> Result<Vec<EnvRow>>;
    fn env_slugs_by_project(
        &self,
        org_id: i64,
    ) -> Result<std::collections::HashMap<i64, Vec<String>>>;
    fn env(&self, project_id: i64, slug: &str) -> Result<Option<EnvRow>>;
    fn env_by_id(&self, id: i64) -> Result<Option<EnvRow>>;
    fn env_insert(&self, project: &ProjectRow, new: &NewEnv) -> Result<EnvRow>;
    fn env_update(&self, e: &EnvRow) -> Result<()>;
    fn env_delete(&self, id: i64) -> Result<()>;

    fn resources(&self, env_id: i64) -> Result<Vec<ResourceRow>>;
    fn resource(&self, env_id: i64, slug: &str) -> Result<Option<ResourceRow>>;
    /// Every resource in an organization, by environment then slug.
    fn resources_in_org(&self, org_id: i64) -> Result<Vec<ResourceRow>>;
    /// Every resource in one project, by environment then slug.
    fn resources_in_project(&self, project_id: i64) -> Result<Vec<ResourceRow>>;
    fn resource_count(&self, env_id: i64) -> Result<i64>;
    fn resource_insert(
        &self,
        env: &EnvRow,
        slug: &str,
        kind: ResourceType,
        description: Option<&str>,
    ) -> Result<ResourceRow>;
    fn resource_update(&self, r: &ResourceRow) -> Result<()>;
    fn resource_delete(&self, id: i64) -> Result<()>;

    fn members(&self, org_id: i64) -> Result<Vec<MemberRow>>;
    fn has_members(&self, org_id: Option<i64>) -> Result<bool>;
    /// Whether an organization has members, and the member with `email` (else the one mapped
    /// to `login`): where an actor stands there, in one query on a server.
    fn member_standing(
        &self,
        org_id: i64,
        email: Option<&str>,
        login: Option<&str>,
    ) -> Result<(bool, Option<MemberRow>)>;
    /// Whether an email is a member of any organization (what `memberships` would list).
    fn has_membership(&self, email: &str) -> Result<bool>;
    fn member(&self, org_id: i64, email: &str) -> Result<Option<MemberRow>>;
    /// The member of an organization a database login acts as.
    fn member_by_login(&self, org_id: i64, login: &str) -> Result<Option<MemberRow>>;
    fn memberships(&self, email: &str) -> Result<Vec<MemberRow>>;
    /// Every member a database login acts as (one per organization).
    fn memberships_of_login(&self, login: &str) -> Result<Vec<MemberRow>>;
    fn owner_count(&self, org_id: i64) -> Result<i64>;
    fn member_insert(
        &self,
        org: &OrgRow,
        email: &str,
        name: Option<&str>,
        role: OrgRole,
    ) -> Result<MemberRow>;
    fn member_update(&self, m: &MemberRow) -> Result<()>;
    fn member_set_email(&self, id: i64, email: &str) -> Result<()>;
    /// Maps a database login to a member (team mode's identity), or unmaps it.
    fn member_set_login(&self, id: i64, login: Option<&str>) -> Result<()>;
    fn member_delete(&self, id: i64) -> Result<()>;

    /// The grants one holder (a member or a team) has in one project.
    fn holder_grants_in(&self, holder: Holder, project_id: i64) -> Result<Vec<GrantRow>>;
    fn holder_grants(&self, holder: Holder) -> Result<Vec<GrantRow>>;
    /// Every grant a member has in one project through any holder: their own and their teams'.
    fn access_grants_in(&self, member_id: i64, project_id: i64) -> Result<Vec<GrantRow>>;
    fn access_grants(&self, member_id: i64) -> Result<Vec<GrantRow>>;
    fn granted_project_ids(&self, member_id: i64) -> Result<Vec<i64>>;
    fn project_grants(&self, project_id: i64) -> Result<Vec<GrantRow>>;
    fn grants_in_org(&self, org_id: i64) -> Result<Vec<GrantRow>>;
    fn grant_set(
        &self,
        holder: Holder,
        project: &ProjectRow,
        env: Option<&EnvRow>,
        role: ProjectRole,
    ) -> Result<()>;
    fn grant_delete(&self, holder: Holder, project_id: i64, env_id: Option<i64>) -> Result<bool>;

    fn teams(&self, org_id: i64) -> Result<Vec<TeamRow>>;
    fn has_teams(&self, org_id: i64) -> Result<bool>;
    fn team(&self, org_id: i64, slug: &str) -> Result<Option<TeamRow>>;
    fn team_by_id(&self, id: i64) -> Result<Option<TeamRow>>;
    fn team_insert(
        &self,
        org: &OrgRow,
        slug: &str,
        display_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<TeamRow>;
    fn team_update(&self, t: &TeamRow) -> Result<()>;
    fn team_delete(&self, id: i64) -> Result<()>;
    fn team_members(&self, team_id: i64) -> Result<Vec<TeamMemberRow>>;
    fn team_members_in_org(&self, org_id: i64) -> Result<Vec<(i64, TeamMemberRow)>>;
    fn member_teams(&self, member_id: i64) -> Result<Vec<TeamRow>>;
    fn team_join(&self, team_id: i64, member: &MemberRow, joined_at: Option<&str>) -> Result<bool>;
    fn team_leave(&self, team_id: i64, member_id: i64) -> Result<bool>;

    fn event_insert(&self, e: &NewEvent) -> Result<i64>;
    fn events(&self, org_id: Option<i64>, project_id: Option<i64>, before: Option<i64>, limit: i64) -> Result<Vec<EventRow>>;
    fn lifecycle_events(&self) -> Result<Vec<EventRow>>;
    fn event(&self, id: i64) -> Result<Option<EventRow>>;
    /// Names the event a restore works from (on a server, what lets the database check that
    /// each row restored is one that event's change removed).
    fn restore_begin(&self, event_id: i64) -> Result<()>;

    fn org_restore(&self, id: Option<i64>, o: &SavedFields) -> Result<OrgRow>;
    fn project_restore(&self, id: Option<i64>, org: &OrgRow, p: &SavedFields) -> Result<ProjectRow>;
    fn env_restore(&self, project: &ProjectRow, e: &SavedFields, env: &SavedEnvFields) -> Result<EnvRow>;
    fn resource_restore(&self, env: &EnvRow, r: &SavedFields, kind: &str) -> Result<()>;
    fn member_restore(&self, org: &OrgRow, m: &SavedFields, role: &str) -> Result<()>;
    fn team_restore(&self, id: Option<i64>, org: &OrgRow, t: &SavedFields) -> Result<TeamRow>;
    fn grant_restore(
        &self,
        holder: Holder,
        project: &ProjectRow,
        env: Option<&EnvRow>,
        role: &str,
        created_at: &str,
    ) -> Result<()>;
}
