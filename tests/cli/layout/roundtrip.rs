//! Round trips as properties, through the binary:
//! - a random layout file, applied to an empty database, exports byte for byte as its
//!   canonical form (computed here, by the contract's rules, not by proj);
//! - the export of a layout A applied with `--prune` onto a database holding a layout B of
//!   the same organizations makes it export exactly as A.
//!
//! Files are written the way people write them: keys in any order of entities, defaults
//! spelled out or left out, emails in any case, empty texts. Every organization has the
//! owner `root@x.io`, who applies and exports. Seeds print and replay (PROPTEST_RNG_SEED).

use super::file;
use crate::reliability::{replayable, seeded_runner};
use crate::support::TestEnv;
use proptest::prelude::*;
use serde::Serialize;
use std::path::Path;

const ROOT: &str = "root@x.io";

// The file's shape, test-side: field order and left-out keys as the contract prints them.

#[derive(Debug, Clone, Serialize)]
struct Layout {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    org: Vec<Org>,
}

#[derive(Debug, Clone, Serialize)]
struct Org {
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    member: Vec<Member>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    team: Vec<Team>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    project: Vec<Project>,
}

#[derive(Debug, Clone, Serialize)]
struct Member {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Team {
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Project {
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env: Vec<Env>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grant: Vec<Grant>,
}

#[derive(Debug, Clone, Serialize)]
struct Env {
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    archived: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize)]
struct Resource {
    slug: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Grant {
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<String>,
    role: String,
}

// The contract's rules, written out here.

/// `dev`/`development` → development, `stage`/`staging`/`stg` → staging, `prod`/`production`
/// → production, anything else custom.
fn inferred(slug: &str) -> &'static str {
    match slug {
        "dev" | "development" => "development",
        "stage" | "staging" | "stg" => "staging",
        "prod" | "production" => "production",
        _ => "custom",
    }
}

/// `staging` → `Staging`, `my-env` → `My Env`.
fn default_name(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Release-flow order.
fn rank(kind: &str) -> u8 {
    match kind {
        "development" => 0,
        "staging" => 1,
        "custom" => 2,
        _ => 3,
    }
}

fn text(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

/// What `proj export` must print for a file: sorted, emails lowercased, defaults left out.
fn canonical(l: &Layout) -> Layout {
    let mut orgs: Vec<Org> = l
        .org
        .iter()
        .map(|o| {
            let mut member: Vec<Member> = o
                .member
                .iter()
                .map(|m| Member {
                    email: m.email.to_lowercase(),
                    name: text(&m.name),
                    role: Some(m.role.clone().unwrap_or_else(|| "member".into())),
                })
                .collect();
            member.sort_by(|a, b| a.email.cmp(&b.email));
            let mut team: Vec<Team> = o
                .team
                .iter()
                .map(|t| {
                    let mut members: Vec<String> =
                        t.members.iter().map(|m| m.to_lowercase()).collect();
                    members.sort();
                    Team {
                        slug: t.slug.clone(),
                        display_name: text(&t.display_name),
                        description: text(&t.description),
                        members,
                    }
                })
                .collect();
            team.sort_by(|a, b| a.slug.cmp(&b.slug));
            let mut project: Vec<Project> = o.project.iter().map(canonical_project).collect();
            project.sort_by(|a, b| a.slug.cmp(&b.slug));
            Org {
                slug: o.slug.clone(),
                display_name: text(&o.display_name),
                member,
                team,
                project,
            }
        })
        .collect();
    orgs.sort_by(|a, b| a.slug.cmp(&b.slug));
    Layout { org: orgs }
}

fn canonical_project(p: &Project) -> Project {
    let mut env: Vec<(u8, Env)> = p
        .env
        .iter()
        .map(|e| {
            let kind = e.kind.clone().unwrap_or_else(|| inferred(&e.slug).into());
            let protected = e.protected.unwrap_or(kind == "production");
            let display = text(&e.display_name).unwrap_or_else(|| default_name(&e.slug));
            let mut resource: Vec<Resource> = e
                .resource
                .iter()
                .map(|r| Resource {
                    slug: r.slug.clone(),
                    kind: r.kind.clone(),
                    description: text(&r.description),
                })
                .collect();
            resource.sort_by(|a, b| a.slug.cmp(&b.slug));
            (
                rank(&kind),
                Env {
                    slug: e.slug.clone(),
                    display_name: (display != default_name(&e.slug)).then_some(display),
                    protected: (protected != (kind == "production")).then_some(protected),
                    kind: (kind != inferred(&e.slug)).then_some(kind),
                    description: text(&e.description),
                    archived: e.archived.filter(|a| *a),
                    resource,
                },
            )
        })
        .collect();
    // Release-flow order, then by slug.
    env.sort_by(|(ra, a), (rb, b)| (ra, &a.slug).cmp(&(rb, &b.slug)));
    let mut grant: Vec<Grant> = p
        .grant
        .iter()
        .map(|g| Grant {
            member: g.member.as_ref().map(|m| m.to_lowercase()),
            ..g.clone()
        })
        .collect();
    grant.sort_by(|a, b| {
        (a.team.is_some(), &a.member, &a.team, &a.env).cmp(&(
            b.team.is_some(),
            &b.member,
            &b.team,
            &b.env,
        ))
    });
    Project {
        slug: p.slug.clone(),
        display_name: text(&p.display_name),
        description: text(&p.description),
        env: env.into_iter().map(|(_, e)| e).collect(),
        grant,
    }
}

// Random layouts: raw choices by index, made consistent by `build`.

fn pick<T: Clone + std::fmt::Debug + 'static>(pool: &'static [T]) -> impl Strategy<Value = T> {
    (0..pool.len()).prop_map(move |i| pool[i].clone())
}

fn maybe(pool: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop::option::of(pick(pool).prop_map(str::to_string))
}

const ORGS: &[&str] = &["acme", "beta"];
const EMAILS: &[&str] = &["ana@x.io", "Bo@X.io", "cy@x.io", "dee@x.io"];
const ORG_ROLES: &[&str] = &["owner", "admin", "member", "viewer"];
const TEAMS: &[&str] = &["backend", "ops"];
const PROJECTS: &[&str] = &["shop", "blog", "api"];
const ENVS: &[&str] = &["production", "prod", "staging", "dev", "qa", "preview"];
const KINDS: &[&str] = &["development", "staging", "custom", "production"];
const RESOURCES: &[&str] = &["api", "web", "db"];
const TYPES: &[&str] = &["app", "worker", "database", "cron"];
const ROLES: &[&str] = &["admin", "developer", "viewer"];
const NAMES: &[&str] = &["", "Main", "A \"quoted\" name", "Ünïcode · name"];

#[derive(Debug, Clone)]
struct RawEnv {
    slug: &'static str,
    display_name: Option<String>,
    kind: Option<String>,
    description: Option<String>,
    protected: Option<bool>,
    archived: Option<bool>,
    resources: Vec<(&'static str, &'static str, Option<String>)>,
}

#[derive(Debug, Clone)]
struct RawProject {
    slug: &'static str,
    display_name: Option<String>,
    description: Option<String>,
    envs: Vec<RawEnv>,
    /// (holder: member index or team index, is team, env index, role)
    grants: Vec<(usize, bool, Option<usize>, &'static str)>,
}

#[derive(Debug, Clone)]
struct RawOrg {
    slug: &'static str,
    display_name: Option<String>,
    members: Vec<(&'static str, Option<String>, Option<&'static str>)>,
    teams: Vec<(&'static str, Option<String>, Vec<usize>)>,
    projects: Vec<RawProject>,
}

fn raw_env() -> impl Strategy<Value = RawEnv> {
    (
        pick(ENVS),
        maybe(NAMES),
        maybe(KINDS),
        maybe(NAMES),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::collection::vec((pick(RESOURCES), pick(TYPES), maybe(NAMES)), 0..3),
    )
        .prop_map(
            |(slug, display_name, kind, description, protected, archived, resources)| RawEnv {
                slug,
                display_name,
                kind,
                description,
                protected,
                archived,
                resources,
            },
        )
}

fn raw_project() -> impl Strategy<Value = RawProject> {
    (
        pick(PROJECTS),
        maybe(NAMES),
        maybe(NAMES),
        prop::collection::vec(raw_env(), 0..4),
        prop::collection::vec(
            (
                0..5usize,
                any::<bool>(),
                prop::option::of(0..4usize),
                pick(ROLES),
            ),
            0..4,
        ),
    )
        .prop_map(
            |(slug, display_name, description, envs, grants)| RawProject {
                slug,
                display_name,
                description,
                envs,
                grants,
            },
        )
}

fn raw_org() -> impl Strategy<Value = RawOrg> {
    (
        pick(ORGS),
        maybe(NAMES),
        prop::collection::vec(
            (
                pick(EMAILS),
                maybe(NAMES),
                prop::option::of(pick(ORG_ROLES)),
            ),
            0..4,
        ),
        prop::collection::vec(
            (
                pick(TEAMS),
                maybe(NAMES),
                prop::collection::vec(0..5usize, 0..3),
            ),
            0..3,
        ),
        prop::collection::vec(raw_project(), 0..3),
    )
        .prop_map(|(slug, display_name, members, teams, projects)| RawOrg {
            slug,
            display_name,
            members,
            teams,
            projects,
        })
}

fn raw_layout() -> impl Strategy<Value = Vec<RawOrg>> {
    prop::collection::vec(raw_org(), 1..3)
}

/// A valid file from raw choices: names unique where they must be, references to what
/// exists, and `root@x.io` owning every organization (first or last, by chance).
fn build(raw: &[RawOrg]) -> Layout {
    let mut seen_orgs = Vec::new();
    let mut orgs = Vec::new();
    for o in raw {
        if seen_orgs.contains(&o.slug) {
            continue;
        }
        seen_orgs.push(o.slug);
        let mut member = vec![Member {
            email: ROOT.into(),
            name: None,
            role: Some("owner".into()),
        }];
        for (email, name, role) in &o.members {
            if member.iter().any(|m| m.email.eq_ignore_ascii_case(email)) {
                continue;
            }
            member.push(Member {
                email: email.to_string(),
                name: name.clone(),
                role: role.map(str::to_string),
            });
        }
        if o.members.len() % 2 == 1 {
            member.rotate_left(1);
        }
        let emails: Vec<String> = member.iter().map(|m| m.email.clone()).collect();
        let mut team: Vec<Team> = Vec::new();
        for (slug, description, picks) in &o.teams {
            if team.iter().any(|t| t.slug == *slug) {
                continue;
            }
            let mut members: Vec<String> = Vec::new();
            for i in picks {
                let e = &emails[i % emails.len()];
                if !members.contains(e) {
                    members.push(e.clone());
                }
            }
            team.push(Team {
                slug: slug.to_string(),
                display_name: None,
                description: description.clone(),
                members,
            });
        }
        let mut project: Vec<Project> = Vec::new();
        for p in &o.projects {
            if project.iter().any(|q| q.slug == p.slug) {
                continue;
            }
            let mut env: Vec<Env> = Vec::new();
            for e in &p.envs {
                if env.iter().any(|f| f.slug == e.slug) {
                    continue;
                }
                let mut resource: Vec<Resource> = Vec::new();
                for (slug, kind, description) in &e.resources {
                    if resource.iter().any(|r| r.slug == *slug) {
                        continue;
                    }
                    resource.push(Resource {
                        slug: slug.to_string(),
                        kind: kind.to_string(),
                        description: description.clone(),
                    });
                }
                env.push(Env {
                    slug: e.slug.into(),
                    display_name: e.display_name.clone(),
                    kind: e.kind.clone(),
                    description: e.description.clone(),
                    protected: e.protected,
                    archived: e.archived,
                    resource,
                });
            }
            let mut grant: Vec<Grant> = Vec::new();
            for (holder, is_team, on, role) in &p.grants {
                let (member, team_slug) = if *is_team && !team.is_empty() {
                    (None, Some(team[holder % team.len()].slug.clone()))
                } else {
                    (Some(emails[holder % emails.len()].clone()), None)
                };
                let env_slug = match on {
                    Some(i) if !env.is_empty() => Some(env[i % env.len()].slug.clone()),
                    _ => None,
                };
                let taken = grant.iter().any(|g| {
                    g.env == env_slug
                        && g.team == team_slug
                        && g.member.as_ref().map(|m| m.to_lowercase())
                            == member.as_ref().map(|m| m.to_lowercase())
                });
                if taken {
                    continue;
                }
                grant.push(Grant {
                    team: team_slug,
                    member,
                    env: env_slug,
                    role: role.to_string(),
                });
            }
            project.push(Project {
                slug: p.slug.into(),
                display_name: p.display_name.clone(),
                description: p.description.clone(),
                env,
                grant,
            });
        }
        orgs.push(Org {
            slug: o.slug.into(),
            display_name: o.display_name.clone(),
            member,
            team,
            project,
        });
    }
    Layout { org: orgs }
}

fn toml_of(l: &Layout) -> String {
    toml::to_string(l).expect("a layout prints")
}

/// `proj --db DB ARGS` as root; panics with the output on failure.
fn proj(t: &TestEnv, db: &Path, args: &[&str]) -> Result<String, TestCaseError> {
    let out = t
        .cmd()
        .env("PROJ_AS", ROOT)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run proj");
    if !out.status.success() {
        return Err(TestCaseError::fail(format!(
            "proj {args:?} exited {:?}:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_random_layout_applied_to_an_empty_file_exports_as_its_canonical_form() {
    let (mut runner, seed) = seeded_runner("layout round trip", 24);
    let run = runner.run(&raw_layout(), |raw| {
        let t = TestEnv::new();
        let layout = build(&raw);
        let path = file(&t, "layout.toml", &toml_of(&layout));
        let db = t.path().join("a.db");
        proj(&t, &db, &["apply", "--yes", path.to_str().unwrap()])?;
        let exported = proj(&t, &db, &["export", "--all"])?;
        prop_assert_eq!(&exported, &toml_of(&canonical(&layout)));
        // Applying the file again, or its export, changes nothing.
        prop_assert_eq!(
            proj(&t, &db, &["apply", path.to_str().unwrap()])?,
            "no changes\n"
        );
        let again = file(&t, "exported.toml", &exported);
        prop_assert_eq!(
            proj(&t, &db, &["apply", "--prune", again.to_str().unwrap()])?,
            "no changes\n"
        );
        Ok(())
    });
    replayable(
        run,
        "a_random_layout_applied_to_an_empty_file_exports_as_its_canonical_form",
        seed,
    );
}

#[test]
fn applying_the_export_of_a_onto_b_with_prune_makes_b_export_as_a() {
    let (mut runner, seed) = seeded_runner("layout a onto b", 16);
    let run = runner.run(&(raw_layout(), raw_layout()), |(raw_a, raw_b)| {
        let t = TestEnv::new();
        let a = build(&raw_a);
        // B holds the same organizations as A, or fewer: --prune never removes one.
        let mut b = build(&raw_b);
        b.org.retain(|o| a.org.iter().any(|x| x.slug == o.slug));
        let (db_a, db_b) = (t.path().join("a.db"), t.path().join("b.db"));
        let file_a = file(&t, "a.toml", &toml_of(&a));
        let file_b = file(&t, "b.toml", &toml_of(&b));
        proj(&t, &db_a, &["apply", "--yes", file_a.to_str().unwrap()])?;
        proj(&t, &db_b, &["apply", "--yes", file_b.to_str().unwrap()])?;
        let export_a = proj(&t, &db_a, &["export", "--all"])?;
        let from_a = file(&t, "from-a.toml", &export_a);
        proj(
            &t,
            &db_b,
            &["apply", "--yes", "--prune", from_a.to_str().unwrap()],
        )?;
        prop_assert_eq!(proj(&t, &db_b, &["export", "--all"])?, export_a);
        Ok(())
    });
    replayable(
        run,
        "applying_the_export_of_a_onto_b_with_prune_makes_b_export_as_a",
        seed,
    );
}
