//! Builds large, reproducible databases for benchmarks and query-plan tests, with bulk SQL
//! in one transaction (100k environments in seconds, not 100k process launches).

use super::Store;
use crate::error::Result;
use crate::model::{EnvKind, ResourceType};
use crate::store::now;
use rusqlite::TransactionBehavior;
use serde::Serialize;

/// What to build: `environments` in total, spread over projects of 3–7 environments,
/// 200 projects an organization, and the same 10 people (`user1@example.com`, an owner,
/// to `user10@example.com`) as members of every organization, in five teams (`team-1` to
/// `team-5`) that hold grants the way members do.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub environments: u64,
    pub seed: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub orgs: u64,
    pub projects: u64,
    pub environments: u64,
    pub resources: u64,
    pub members: u64,
    /// Grants held by members and by teams.
    pub grants: u64,
    pub teams: u64,
    pub team_members: u64,
    pub team_grants: u64,
    pub events: u64,
}

const PROJECTS_PER_ORG: u64 = 200;
const MEMBER_ROLES: [&str; 10] = [
    "owner", "admin", "admin", "member", "member", "member", "member", "member", "viewer", "viewer",
];
/// Who is in each team, by index into the organization's members (user4 is in team-1 and
/// team-2, so `access check user4@example.com` reads team grants).
const TEAMS: [&[usize]; 5] = [&[3, 4, 5], &[3, 6], &[7, 8], &[4, 9], &[5, 8]];
const NON_PRODUCTION: [&str; 6] = ["development", "staging", "qa", "demo", "hotfix", "preview"];
const RESOURCE_NAMES: [&str; 8] = [
    "api", "web", "worker", "queue", "db", "cron", "cache", "cert",
];

/// splitmix64: a tiny, well-mixed generator, so a seed always gives the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

impl Store {
    /// Fills an empty database. Organization `org-1` always holds `project-1` with
    /// development, staging and production, so benchmarks ask the same question of every size.
    pub fn generate(&mut self, spec: Spec) -> Result<Summary> {
        let mut rng = Rng(spec.seed);
        let mut sum = Summary::default();
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut org_stmt = tx
                .prepare("INSERT INTO orgs (slug, display_name, created_at) VALUES (?1, ?2, ?3)")?;
            let mut project_stmt = tx.prepare(
                "INSERT INTO projects (org_id, slug, display_name, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut env_stmt = tx.prepare(
                "INSERT INTO environments (project_id, slug, display_name, kind, protected, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut resource_stmt = tx.prepare(
                "INSERT INTO resources (environment_id, slug, type, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut member_stmt = tx.prepare(
                "INSERT INTO members (org_id, email, name, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut grant_stmt = tx.prepare(
                "INSERT INTO grants (member_id, project_id, environment_id, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut team_stmt = tx.prepare(
                "INSERT INTO teams (org_id, slug, display_name, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut team_member_stmt = tx.prepare(
                "INSERT INTO team_members (team_id, member_id, created_at) VALUES (?1, ?2, ?3)",
            )?;
            let mut team_grant_stmt = tx.prepare(
                "INSERT INTO grants (team_id, project_id, environment_id, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut event_stmt = tx.prepare(
                "INSERT INTO events (at, actor, action, org_id, project_id, target, after)
                 VALUES (?1, 'generator', 'env.add', ?2, ?3, ?4, NULL)",
            )?;

            let mut org_id = 0;
            let mut org_slug = String::new();
            let mut member_ids: Vec<i64> = Vec::new();
            let mut team_ids: Vec<i64> = Vec::new();
            let mut project_no = 0u64;
            while sum.environments < spec.environments {
                if project_no.is_multiple_of(PROJECTS_PER_ORG) {
                    sum.orgs += 1;
                    org_slug = format!("org-{}", sum.orgs);
                    org_stmt.execute((&org_slug, format!("Organization {}", sum.orgs), &at))?;
                    org_id = tx.last_insert_rowid();
                    member_ids.clear();
                    for (i, role) in MEMBER_ROLES.iter().enumerate() {
                        let email = format!("user{}@example.com", i + 1);
                        member_stmt.execute((
                            org_id,
                            &email,
                            format!("User {}", i + 1),
                            role,
                            &at,
                        ))?;
                        member_ids.push(tx.last_insert_rowid());
                        sum.members += 1;
                    }
                    team_ids.clear();
                    for (i, members) in TEAMS.iter().enumerate() {
                        team_stmt.execute((
                            org_id,
                            format!("team-{}", i + 1),
                            format!("Team {}", i + 1),
                            &at,
                        ))?;
                        let team_id = tx.last_insert_rowid();
                        team_ids.push(team_id);
                        sum.teams += 1;
                        for m in *members {
                            team_member_stmt.execute((team_id, member_ids[*m], &at))?;
                            sum.team_members += 1;
                        }
                    }
                }
                project_no += 1;
                let slug = format!("project-{}", (project_no - 1) % PROJECTS_PER_ORG + 1);
                project_stmt.execute((org_id, &slug, format!("Project {project_no}"), &at))?;
                let project_id = tx.last_insert_rowid();
                sum.projects += 1;

                let wanted = if project_no == 1 { 3 } else { 3 + rng.below(5) };
                let count = wanted.min(spec.environments - sum.environments);
                let mut names: Vec<&str> = if project_no == 1 {
                    vec!["development", "staging"]
                } else {
                    NON_PRODUCTION[..(count as usize).saturating_sub(1)].to_vec()
                };
                names.truncate((count as usize).saturating_sub(1));
                names.push("production");
                let mut production_id = 0;
                for name in names {
                    let kind = EnvKind::infer(name);
                    env_stmt.execute((
                        project_id,
                        name,
                        crate::model::default_display_name(name),
                        kind.as_str(),
                        kind.protected_by_default(),
                        &at,
                    ))?;
                    let env_id = tx.last_insert_rowid();
                    if kind == EnvKind::Production {
                        production_id = env_id;
                    }
                    sum.environments += 1;
                    event_stmt.execute((
                        &at,
                        org_id,
                        project_id,
                        format!("{org_slug}/{slug}/{name}"),
                    ))?;
                    sum.events += 1;
                    for r in 0..rng.below(4) {
                        let kind =
                            ResourceType::ALL[rng.below(ResourceType::ALL.len() as u64) as usize];
                        resource_stmt.execute((
                            env_id,
                            format!("{}-{r}", RESOURCE_NAMES[rng.below(8) as usize]),
                            kind.as_str(),
                            &at,
                        ))?;
                        sum.resources += 1;
                    }
                }
                // Two project-wide grants to members or viewers, and one viewer-only grant on
                // production for the first of them.
                let a = member_ids[3 + rng.below(7) as usize];
                let b = member_ids[3 + rng.below(7) as usize];
                grant_stmt.execute((a, project_id, None::<i64>, "developer", &at))?;
                sum.grants += 1;
                if b != a {
                    grant_stmt.execute((b, project_id, None::<i64>, "viewer", &at))?;
                    sum.grants += 1;
                }
                grant_stmt.execute((a, project_id, Some(production_id), "viewer", &at))?;
                sum.grants += 1;
                // A team developer on the whole project and, for one project in three, another
                // team admin on production. `project-1` always has team-1 and team-2 there.
                let (first, second) = if project_no == 1 {
                    (0, Some(1))
                } else {
                    let first = rng.below(TEAMS.len() as u64) as usize;
                    let second =
                        (first + 1 + rng.below(TEAMS.len() as u64 - 1) as usize) % TEAMS.len();
                    (first, rng.below(3).eq(&0).then_some(second))
                };
                team_grant_stmt.execute((
                    team_ids[first],
                    project_id,
                    None::<i64>,
                    "developer",
                    &at,
                ))?;
                sum.grants += 1;
                sum.team_grants += 1;
                if let Some(second) = second {
                    team_grant_stmt.execute((
                        team_ids[second],
                        project_id,
                        Some(production_id),
                        "admin",
                        &at,
                    ))?;
                    sum.grants += 1;
                    sum.team_grants += 1;
                }
            }
        }
        tx.commit()?;
        self.finish_creation()?;
        Ok(sum)
    }
}
