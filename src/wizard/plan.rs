//! The plan: what `proj init` will create, decided by asking what the flags did not answer.
//! What the file already holds is read through the store as each question needs it; nothing
//! here writes.

use super::answers::{
    Answers, Named, ask_email, ask_name, missing_error, name_from_email, org_from_email, rejection,
};
use super::prompt::Prompter;
use super::render;
use super::{Outline, OutlineEnv, Plan};
use crate::access::{self, Actor, Target};
use crate::error::{Kind, Result};
use crate::model::{EnvKind, slash};
use crate::store::{Db, OrgRow, ProjectRow, Store};

/// Where the wizard reads what the file holds. A [`Store`] answers each read in its own short
/// transaction, so nothing stays open while the user thinks (the final write re-checks what it
/// relies on); a [`Db`] answers inside a transaction already open.
pub trait Reads {
    fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T>;
}

impl Reads for Store {
    fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        Store::read(self, f)
    }
}

impl Reads for Db<'_> {
    fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        f(self)
    }
}

/// The environments the wizard offers besides production.
const OFFERED: [&str; 2] = ["development", "staging"];

/// Runs the conversation: asks what `answers` does not hold and returns the plan, or `None`
/// when the user declines the final confirmation. Nothing is written either way.
pub fn plan(p: &mut dyn Prompter, answers: &Answers, file: &impl Reads) -> Result<Option<Plan>> {
    // 1. Who are you.
    let email = match answers.user() {
        Some(u) => u.to_string(),
        None => ask_email(p)?,
    };
    let name = match answers.name() {
        Some(n) => Some(n.to_string()),
        None => {
            // A member elsewhere in the file is offered the name they already have.
            let known = file.read(|db| Ok(db.memberships(&email)?.into_iter().next()))?;
            let default = known
                .and_then(|m| m.name)
                .unwrap_or_else(|| name_from_email(&email));
            loop {
                let answer = p.input("Your name", None, Some(&default))?;
                let answer = answer.trim().to_string();
                match crate::model::validate_name_text("name", &answer) {
                    Ok(()) => break Some(answer).filter(|n| !n.is_empty()),
                    Err(e) => p.say(&super::answers::rejection(&e)),
                }
            }
        }
    };

    // 2. The organization.
    let Named {
        slug: org,
        display_name: org_display_name,
    } = match answers.org() {
        Some(o) => Named {
            slug: o.to_string(),
            display_name: None,
        },
        None => ask_org(p, file, &email)?,
    };
    file.read(|db| access::may_join(db, &org, &email))?;

    // 3. The first project.
    let Named {
        slug: project,
        display_name: project_display_name,
    } = match answers.project() {
        Some(pr) => Named {
            slug: pr.to_string(),
            display_name: None,
        },
        None => {
            let default = file.read(|db| default_project(db, &org, &email))?;
            ask_name(p, "project", "Project name", default.as_deref())?
        }
    };

    // 4. Its environments.
    let have = file.read(|db| project_envs(db, &org, &project, &email))?;
    let project_exists = have.is_some();
    let envs = match (answers.envs(), have) {
        (Some(envs), _) => envs.to_vec(),
        (None, None) => ask_new_project_envs(p, &project)?,
        (None, Some(have)) => ask_more_envs(p, &org, &project, &have)?,
    };

    // A display name is for what init creates; an existing one keeps its own.
    let org_exists = file.read(|db| Ok(db.org(&org)?.is_some()))?;
    let plan = Plan {
        email,
        name,
        org,
        project,
        envs,
        org_display_name: org_display_name.filter(|_| !org_exists),
        project_display_name: project_display_name.filter(|_| !project_exists),
    };

    // 5. The summary and the final word.
    let outline = file.read(|db| outline(db, &plan))?;
    p.say(&render::summary(&plan, &outline));
    if !answers.yes() && !p.confirm("Go ahead?", true)? {
        return Ok(None);
    }
    Ok(Some(plan))
}

/// The plan for a run without a terminal: every answer is a flag.
pub fn plan_from_flags(answers: &Answers, file: &impl Reads) -> Result<Plan> {
    let missing = answers.missing_flags();
    if !missing.is_empty() {
        return Err(missing_error(&missing));
    }
    let (Some(email), Some(org), Some(project)) =
        (answers.user(), answers.org(), answers.project())
    else {
        unreachable!("checked by missing_flags");
    };
    file.read(|db| access::may_join(db, org, email))?;
    let have = file.read(|db| project_envs(db, org, project, email))?;
    let envs = match (answers.envs(), have) {
        (Some(envs), _) => envs.to_vec(),
        (None, None) => vec!["production".to_string()],
        // An existing project keeps the environments it has unless `--env` asks for more.
        (None, Some(_)) => Vec::new(),
    };
    Ok(Plan {
        email: email.to_string(),
        name: answers.name().map(str::to_string),
        org: org.to_string(),
        project: project.to_string(),
        envs,
        org_display_name: None,
        project_display_name: None,
    })
}

/// What of `plan` exists already, read in one go for the preview.
pub fn outline(db: &Db, plan: &Plan) -> Result<Outline> {
    let org = db.org(&plan.org)?;
    let (project, role) = match &org {
        Some(o) => (
            seen_project(db, o, &plan.project, &plan.email)?,
            db.member(o.id, &plan.email)?.map(|m| m.role),
        ),
        None => (None, None),
    };
    let mut envs: Vec<OutlineEnv> = match &project {
        Some(p) => db
            .envs(p.id, true)?
            .into_iter()
            .map(|e| OutlineEnv {
                slug: e.slug,
                kind: e.kind,
                exists: true,
            })
            .collect(),
        None => Vec::new(),
    };
    for slug in &plan.envs {
        if !envs.iter().any(|e| e.slug == *slug) {
            envs.push(OutlineEnv {
                slug: slug.clone(),
                kind: EnvKind::infer(slug),
                exists: false,
            });
        }
    }
    // Release-flow order, as `proj env list` shows them.
    envs.sort_by_key(|e| e.kind);
    Ok(Outline {
        org_exists: org.is_some(),
        project_exists: project.is_some(),
        envs,
        role,
    })
}

/// Whom the wizard reads for: the email being set up (on a shared database, the login).
pub fn reader(db: &Db, email: &str) -> Actor {
    Actor {
        email: db.login().is_none().then(|| email.to_string()),
        explicit: true,
        os_user: String::new(),
        login: db.login().map(str::to_string),
    }
}

/// The project `slug` of `org` if `email` may see it: a hidden project is answered as one
/// that does not exist, by every question and preview.
pub fn seen_project(db: &Db, org: &OrgRow, slug: &str, email: &str) -> Result<Option<ProjectRow>> {
    let Some(p) = db.project(org.id, slug)? else {
        return Ok(None);
    };
    let seen = access::can_see(db, &reader(db, email), &Target::project(org, &p))?;
    Ok(seen.then_some(p))
}

/// The project to offer in `org`: the one `email` saved if it is there, else the only project
/// they see.
fn default_project(db: &Db, org: &str, email: &str) -> Result<Option<String>> {
    let Some(org) = db.org(org)? else {
        return Ok(None);
    };
    if let Some((_, saved)) = db
        .selection(Some(email))?
        .project
        .filter(|(o, _)| *o == org.slug)
        && seen_project(db, &org, &saved, email)?.is_some()
    {
        return Ok(Some(saved));
    }
    let mut projects = crate::context::visible_projects(db, &reader(db, email), &org)?;
    Ok(match projects.len() {
        1 => projects.pop().map(|p| p.slug),
        _ => None,
    })
}

/// The environment slugs of an existing project, archived ones included (their slugs are
/// taken); `None` when the project does not exist yet or `email` may not see it.
fn project_envs(db: &Db, org: &str, project: &str, email: &str) -> Result<Option<Vec<String>>> {
    let Some(org) = db.org(org)? else {
        return Ok(None);
    };
    let Some(project) = seen_project(db, &org, project, email)? else {
        return Ok(None);
    };
    Ok(Some(
        db.envs(project.id, true)?
            .into_iter()
            .map(|e| e.slug)
            .collect(),
    ))
}

fn ask_org(p: &mut dyn Prompter, file: &impl Reads, email: &str) -> Result<Named> {
    let suggested = org_from_email(email);
    let orgs: Vec<String> = file.read(|db| Ok(db.orgs()?.into_iter().map(|o| o.slug).collect()))?;
    if orgs.is_empty() {
        return ask_name(p, "organization", "Organization name", suggested.as_deref());
    }
    let selected = file.read(|db| Ok(db.selection(Some(email))?.org))?;
    let default = selected
        .and_then(|s| orgs.iter().position(|o| *o == s))
        .unwrap_or(0);
    let mut items = orgs.clone();
    items.push("a new organization…".to_string());
    // An organization you cannot join is explained and the choice offered again.
    loop {
        let picked = p.select("Organization", &items, default)?;
        let named = if picked < orgs.len() {
            Named {
                slug: orgs[picked].clone(),
                display_name: None,
            }
        } else {
            let suggested = suggested.clone().filter(|s| !orgs.contains(s));
            ask_name(
                p,
                "organization",
                "New organization name",
                suggested.as_deref(),
            )?
        };
        match file.read(|db| access::may_join(db, &named.slug, email)) {
            Ok(()) => return Ok(named),
            Err(e) if e.kind == Kind::Denied => p.say(&rejection(&e)),
            Err(e) => return Err(e),
        }
    }
}

fn ask_new_project_envs(p: &mut dyn Prompter, project: &str) -> Result<Vec<String>> {
    loop {
        let production = p.confirm(
            &format!("Start `{project}` with a Production environment (protected)?"),
            true,
        )?;
        let offered: Vec<String> = OFFERED.iter().map(|s| s.to_string()).collect();
        let more = p.multi_select(
            "Add Development and/or Staging now? (space toggles, enter accepts)",
            &offered,
        )?;
        let mut envs = Vec::new();
        if production {
            envs.push("production".to_string());
        }
        envs.extend(more.into_iter().map(|i| offered[i].clone()));
        if !envs.is_empty() {
            return Ok(envs);
        }
        p.say("  a project starts with at least one environment; pick one");
    }
}

fn ask_more_envs(
    p: &mut dyn Prompter,
    org: &str,
    project: &str,
    have: &[String],
) -> Result<Vec<String>> {
    let missing: Vec<String> = ["production", "development", "staging"]
        .into_iter()
        .filter(|e| !have.iter().any(|h| h == e))
        .map(str::to_string)
        .collect();
    p.say(&format!(
        "  `{}` exists with {}",
        slash(&[org, project]),
        render::list_or_none(have)
    ));
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let picked = p.multi_select(
        "Add environments now? (space toggles, enter accepts)",
        &missing,
    )?;
    Ok(picked.into_iter().map(|i| missing[i].clone()).collect())
}
