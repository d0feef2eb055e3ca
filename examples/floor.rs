//! The floor the benchmarks compare `proj` to: the smallest program that opens the same file
//! with the same pragmas and answers the same question with one query, and nothing else (no
//! argument parser, no context resolution, no access check, no table layout).
//!
//!   floor DB QUESTION
//!
//! QUESTION is one of the read commands `benches/cli.sh` times, asked of `org-1/project-1`:
//! `env-list` (the same JSON as `proj env list --json`), `project-list`, `env-show` (of
//! `staging`), `tree`, `access-check` (of `user4@example.com` on `production`), and `env-add`
//! (one insert at `synchronous=FULL`, as `proj env add bench-floor` writes it). Tables are
//! printed as tab-separated lines.
//!
//! Built with the release profile like `proj` (`cargo build --release --example floor`).

use rusqlite::{Connection, OpenFlags, Row};
use std::io::Write;

const ENV_LIST: &str = "SELECT o.slug, p.slug, e.slug, e.display_name, e.kind, e.description,
      e.protected, e.archived_at, e.created_at
  FROM environments e JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' AND e.archived_at IS NULL
  ORDER BY CASE e.kind WHEN 'development' THEN 0 WHEN 'staging' THEN 1 WHEN 'custom' THEN 2 ELSE 3 END, e.id";
const PROJECT_LIST: &str =
    "SELECT p.slug, o.slug, p.display_name, group_concat(e.slug, ', '), p.created_at
  FROM projects p JOIN orgs o ON o.id = p.org_id LEFT JOIN environments e ON e.project_id = p.id
  WHERE o.slug = 'org-1' GROUP BY p.id ORDER BY p.slug";
const ENV_SHOW: &str = "SELECT e.slug, e.display_name, e.kind, e.protected, e.created_at
  FROM environments e JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' AND e.slug = 'staging'";
const TREE: &str = "SELECT e.slug, e.kind, e.protected, r.slug, r.type FROM environments e
  JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id
  LEFT JOIN resources r ON r.environment_id = e.id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' ORDER BY e.id, r.slug";
/// The member's organization role and every grant they hold on the project, their own and
/// their teams', project-wide or on one environment: what `proj access check` decides from.
const ACCESS_CHECK: &str = "SELECT m.role, g.role, e.slug, t.slug FROM members m
  JOIN orgs o ON o.id = m.org_id
  LEFT JOIN grants g ON g.project_id =
      (SELECT p.id FROM projects p WHERE p.org_id = o.id AND p.slug = 'project-1')
    AND (g.member_id = m.id
      OR g.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.member_id = m.id))
  LEFT JOIN environments e ON e.id = g.environment_id
  LEFT JOIN teams t ON t.id = g.team_id
  WHERE o.slug = 'org-1' AND m.email = 'user4@example.com'";
const ENV_ADD: &str =
    "INSERT INTO environments (project_id, slug, display_name, kind, protected, created_at)
  VALUES ((SELECT p.id FROM projects p JOIN orgs o ON o.id = p.org_id
           WHERE o.slug = 'org-1' AND p.slug = 'project-1'),
  'bench-floor', 'Bench Floor', 'custom', 0, '2026-11-27T00:00:00Z')";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, question] = &args[..] else {
        eprintln!("usage: floor DB env-list|project-list|env-show|tree|access-check|env-add");
        std::process::exit(2);
    };
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open");
    conn.busy_timeout(std::time::Duration::from_millis(5000))
        .expect("busy timeout");
    // The pragmas `proj` sets on every open.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
    )
    .expect("pragmas");
    let mut out = std::io::stdout().lock();
    if question == "env-add" {
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {ENV_ADD}; COMMIT"))
            .expect("insert");
        return;
    }
    conn.execute_batch("BEGIN").expect("begin");
    match question.as_str() {
        "env-list" => {
            let mut stmt = conn.prepare(ENV_LIST).expect("prepare");
            let rows = stmt.query_map([], env_json).expect("query");
            let envs: Vec<Env> = rows.map(|r| r.expect("row")).collect();
            let text = serde_json::to_string_pretty(&envs).expect("json");
            writeln!(out, "{text}").expect("write");
        }
        "project-list" => print_rows(&conn, PROJECT_LIST, 5, &mut out),
        "env-show" => print_rows(&conn, ENV_SHOW, 5, &mut out),
        "tree" => print_rows(&conn, TREE, 5, &mut out),
        "access-check" => print_rows(&conn, ACCESS_CHECK, 4, &mut out),
        other => {
            eprintln!("floor: unknown question `{other}`");
            std::process::exit(2);
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
}

/// One environment as `proj env list --json` prints it.
#[derive(serde::Serialize)]
struct Env {
    org: String,
    project: String,
    slug: String,
    display_name: String,
    kind: String,
    description: Option<String>,
    protected: bool,
    archived: bool,
    archived_at: Option<String>,
    created_at: String,
}

fn env_json(r: &Row) -> rusqlite::Result<Env> {
    let archived_at: Option<String> = r.get(7)?;
    Ok(Env {
        org: r.get(0)?,
        project: r.get(1)?,
        slug: r.get(2)?,
        display_name: r.get(3)?,
        kind: r.get(4)?,
        description: r.get(5)?,
        protected: r.get(6)?,
        archived: archived_at.is_some(),
        archived_at,
        created_at: r.get(8)?,
    })
}

/// Every row of `sql`, its `columns` tab-separated, one line each.
fn print_rows(conn: &Connection, sql: &str, columns: usize, out: &mut impl Write) {
    let mut stmt = conn.prepare(sql).expect("prepare");
    let mut rows = stmt.query([]).expect("query");
    while let Some(row) = rows.next().expect("row") {
        for i in 0..columns {
            let value = match row.get_ref(i).expect("column") {
                rusqlite::types::ValueRef::Null => String::new(),
                rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            };
            let sep = if i + 1 == columns { "\n" } else { "\t" };
            write!(out, "{value}{sep}").expect("write");
        }
    }
}
