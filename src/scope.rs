//! One resolver: what a name on the command line points at, looked up as the actor may see
//! it. Paths are `ORG`, `ORG/PROJECT` or `ORG/PROJECT/ENV`, or relative to the context
//! (`PROJECT`, `ENV`, `PROJECT/ENV`); entities the actor may not see are "not found", with
//! the names they may see as the hint.

use crate::access::{self, Actor, Target};
use crate::context::{Context, visible_org_slugs, visible_projects};
use crate::error::{Error, Result};
use crate::model::{ENV_FORMS, PROJECT_FORMS, TARGET_FORMS, segments, slash};
use crate::store::{Db, EnvRow, MemberRow, OrgRow, ProjectRow, ResourceRow, TeamRow};

/// `org/project/env` of an environment row.
pub fn env_path(e: &EnvRow) -> String {
    slash(&[&e.org, &e.project, &e.slug])
}

/// A project of an organization, resolved.
#[derive(Debug, Clone)]
pub struct ProjectScope {
    pub org: OrgRow,
    pub project: ProjectRow,
}

/// An environment with its project and organization, resolved.
#[derive(Debug, Clone)]
pub struct EnvScope {
    pub org: OrgRow,
    pub project: ProjectRow,
    pub env: EnvRow,
}

/// Whatever a path names: an organization, a project or an environment.
#[derive(Debug, Clone)]
pub enum Scope {
    Org(OrgRow),
    Project(ProjectScope),
    Env(EnvScope),
}

impl ProjectScope {
    /// The project named on the command line (`PROJECT` or `ORG/PROJECT`), or the context's.
    pub fn resolve(db: &Db, actor: &Actor, ctx: &Context, arg: Option<&str>) -> Result<Self> {
        let (org, project) = match arg {
            None => ctx.require_project(db, actor)?,
            Some(arg) => {
                let (org, slug) = match segments(arg, "project", PROJECT_FORMS)?.as_slice() {
                    [o, p] => (find_org(db, actor, o)?, *p),
                    _ => (ctx.require_org(db, actor)?, arg),
                };
                let project = find_project(db, actor, &org, slug)?;
                (org, project)
            }
        };
        Ok(ProjectScope { org, project })
    }

    pub fn target(&self) -> Target<'_> {
        Target::project(&self.org, &self.project)
    }

    /// `org/project`.
    pub fn path(&self) -> String {
        slash(&[&self.org.slug, &self.project.slug])
    }

    /// This project with one of its environments.
    pub fn with_env(self, env: EnvRow) -> EnvScope {
        EnvScope {
            org: self.org,
            project: self.project,
            env,
        }
    }
}

impl EnvScope {
    /// An environment by `ENV`, `PROJECT/ENV` or `ORG/PROJECT/ENV`.
    pub fn resolve(db: &Db, actor: &Actor, ctx: &Context, arg: &str) -> Result<Self> {
        let parts = segments(arg, "environment", ENV_FORMS)?;
        let (project, slug) = match parts.as_slice() {
            [env] => (ProjectScope::resolve(db, actor, ctx, None)?, *env),
            [project, env] => (ProjectScope::resolve(db, actor, ctx, Some(project))?, *env),
            [org, project, env] => {
                let org = find_org(db, actor, org)?;
                let project = find_project(db, actor, &org, project)?;
                (ProjectScope { org, project }, *env)
            }
            _ => return Err(Error::internal(format!("`{arg}` split into no parts"))),
        };
        let env = find_env(db, &project, slug)?;
        Ok(project.with_env(env))
    }

    /// The environment named by `--env`, or the project's only non-archived one. With
    /// several, exit 2 naming the flag and the choices (and, for an existing resource,
    /// where it is).
    pub fn resolve_or_only(
        db: &Db,
        actor: &Actor,
        ctx: &Context,
        env: Option<&str>,
        resource: Option<&str>,
    ) -> Result<Self> {
        if let Some(e) = env {
            return EnvScope::resolve(db, actor, ctx, e);
        }
        let project = ProjectScope::resolve(db, actor, ctx, None)?;
        let mut envs = db.envs(project.project.id, false)?;
        if envs.len() == 1 {
            return Ok(project.with_env(envs.remove(0)));
        }
        let place = project.path();
        if envs.is_empty() {
            return Err(
                Error::usage(format!("project {place} has no environments")).with_hint(
                    "add one with `proj env add production`, or pass --env ENV naming another project's (PROJECT/ENV)",
                ),
            );
        }
        let names: Vec<_> = envs.iter().map(|e| e.slug.as_str()).collect();
        let mut hint = format!("pass --env ENV; available: {}", names.join(", "));
        if let Some(name) = resource {
            let mut holders = Vec::new();
            for e in &envs {
                if db.resource(e.id, name)?.is_some() {
                    holders.push(e.slug.as_str());
                }
            }
            if !holders.is_empty() {
                hint.push_str(&format!("; `{name}` is in: {}", holders.join(", ")));
            }
        }
        Err(Error::usage(format!("no environment selected in {place}")).with_hint(hint))
    }

    pub fn target(&self) -> Target<'_> {
        Target::env(&self.org, &self.project, &self.env)
    }

    /// `org/project/env`.
    pub fn path(&self) -> String {
        env_path(&self.env)
    }
}

impl Scope {
    /// The project of the context, or the environment named by `--env` with its project.
    pub fn project_or_env(
        db: &Db,
        actor: &Actor,
        ctx: &Context,
        env: Option<&str>,
    ) -> Result<Scope> {
        Ok(match env {
            None => Scope::Project(ProjectScope::resolve(db, actor, ctx, None)?),
            Some(arg) => Scope::Env(EnvScope::resolve(db, actor, ctx, arg)?),
        })
    }

    /// What an absolute path names, as the actor may see it. An environment that is not
    /// there is "not found" without a list: the path was written in full.
    pub fn absolute(db: &Db, actor: &Actor, path: &AbsolutePath) -> Result<Scope> {
        let org = find_org(db, actor, &path.parts[0])?;
        let Some(project) = path.parts.get(1) else {
            return Ok(Scope::Org(org));
        };
        let project = ProjectScope {
            project: find_project(db, actor, &org, project)?,
            org,
        };
        let Some(env) = path.parts.get(2) else {
            return Ok(Scope::Project(project));
        };
        match db.env(project.project.id, env)? {
            Some(e) => Ok(Scope::Env(project.with_env(e))),
            None => Err(Error::missing_in(
                format!("environment `{env}`"),
                &project.path(),
                &[],
            )),
        }
    }

    pub fn target(&self) -> Target<'_> {
        match self {
            Scope::Org(o) => Target::org(o),
            Scope::Project(p) => p.target(),
            Scope::Env(e) => e.target(),
        }
    }

    /// `org`, `org/project` or `org/project/env`.
    pub fn path(&self) -> String {
        match self {
            Scope::Org(o) => o.slug.clone(),
            Scope::Project(p) => p.path(),
            Scope::Env(e) => e.path(),
        }
    }

    pub fn org(&self) -> &OrgRow {
        match self {
            Scope::Org(o) => o,
            Scope::Project(p) => &p.org,
            Scope::Env(e) => &e.org,
        }
    }

    pub fn project(&self) -> Option<&ProjectRow> {
        match self {
            Scope::Org(_) => None,
            Scope::Project(p) => Some(&p.project),
            Scope::Env(e) => Some(&e.project),
        }
    }

    pub fn env(&self) -> Option<&EnvRow> {
        match self {
            Scope::Env(e) => Some(&e.env),
            _ => None,
        }
    }
}

/// `ORG`, `ORG/PROJECT` or `ORG/PROJECT/ENV` as written, checked but not looked up.
#[derive(Debug, Clone)]
pub struct AbsolutePath {
    parts: Vec<String>,
}

impl AbsolutePath {
    pub fn parse(path: &str) -> Result<Self> {
        let parts = segments(path, "target", TARGET_FORMS)?;
        Ok(AbsolutePath {
            parts: parts.into_iter().map(str::to_string).collect(),
        })
    }

    /// How many levels it names: 1 (an organization) to 3 (an environment).
    pub fn depth(&self) -> usize {
        self.parts.len()
    }
}

/// The lookups of what the context selected.
impl Context {
    /// The organization this command works on, looked up; exit 2 when none is selected.
    pub fn require_org(&self, db: &Db, actor: &Actor) -> Result<OrgRow> {
        let Some(part) = &self.org else {
            if let Some(e) = self.broken_link_error() {
                return Err(e);
            }
            match &self.unplaced {
                Some((name, names)) if names.is_empty() => {
                    let mut all = Vec::new();
                    for org in db.orgs()? {
                        for p in visible_projects(db, actor, &org)? {
                            all.push(slash(&[&org.slug, &p.slug]));
                        }
                    }
                    return Err(Error::missing_in(
                        format!("project `{name}`"),
                        "any organization",
                        &all,
                    ));
                }
                Some((name, names)) => {
                    return Err(Error::usage(format!(
                        "project `{name}` exists in several organizations"
                    ))
                    .with_hint(format!("name one: {}", names.join(", "))));
                }
                None => {}
            }
            let orgs = visible_org_slugs(db, actor, 50)?;
            let hint = if orgs.is_empty() {
                "create one with `proj org add NAME`, or run `proj init`".to_string()
            } else {
                format!(
                    "pass --org ORG (or set PROJ_ORG), or run `proj org use ORG`; available: {}",
                    orgs.join(", ")
                )
            };
            return Err(Error::usage("no organization selected").with_hint(hint));
        };
        find_org(db, actor, &part.value)
    }

    /// The project this command works on, looked up; exit 2 when none is selected.
    pub fn require_project(&self, db: &Db, actor: &Actor) -> Result<(OrgRow, ProjectRow)> {
        let org = self.require_org(db, actor)?;
        let Some(part) = &self.project else {
            if let Some(e) = self.broken_link_error() {
                return Err(e);
            }
            let names: Vec<_> = visible_projects(db, actor, &org)?
                .into_iter()
                .map(|p| p.slug)
                .collect();
            let hint = if names.is_empty() {
                format!(
                    "organization `{}` has no projects yet; create one with `proj project add NAME`",
                    org.slug
                )
            } else {
                format!(
                    "pass --project PROJECT (or set PROJ_PROJECT), run `proj project use PROJECT` or `proj link`; available: {}",
                    names.join(", ")
                )
            };
            return Err(Error::usage("no project selected").with_hint(hint));
        };
        let project = find_project(db, actor, &org, &part.value)?;
        Ok((org, project))
    }
}

/// An organization by slug, as the actor may see it.
pub fn find_org(db: &Db, actor: &Actor, slug: &str) -> Result<OrgRow> {
    let missing = || {
        let known = visible_org_slugs(db, actor, 50).unwrap_or_default();
        Error::missing(format!("organization `{slug}`"), &known)
    };
    let org = db.org(slug)?.ok_or_else(missing)?;
    if !access::can_see(db, actor, &Target::org(&org))? {
        return Err(missing());
    }
    Ok(org)
}

/// A project of `org` by slug, as the actor may see it (an invisible one is "not found").
pub fn find_project(db: &Db, actor: &Actor, org: &OrgRow, slug: &str) -> Result<ProjectRow> {
    match db.project(org.id, slug)? {
        Some(p) if access::can_see(db, actor, &Target::project(org, &p))? => Ok(p),
        _ => {
            let names: Vec<_> = visible_projects(db, actor, org)?
                .into_iter()
                .map(|p| p.slug)
                .collect();
            Err(Error::missing(
                format!("project `{}`", slash(&[&org.slug, slug])),
                &names,
            ))
        }
    }
}

/// An environment of a project by slug, archived ones included.
pub fn find_env(db: &Db, project: &ProjectScope, slug: &str) -> Result<EnvRow> {
    if let Some(env) = db.env(project.project.id, slug)? {
        return Ok(env);
    }
    let names: Vec<_> = db
        .envs(project.project.id, true)?
        .into_iter()
        .map(|e| e.slug)
        .collect();
    Err(Error::missing_in(
        format!("environment `{slug}`"),
        &project.path(),
        &names,
    ))
}

/// A resource by slug in an environment; "not found" names the ones there are.
pub fn find_resource(db: &Db, env: &EnvRow, name: &str) -> Result<ResourceRow> {
    if let Some(r) = db.resource(env.id, name)? {
        return Ok(r);
    }
    let names: Vec<_> = db.resources(env.id)?.into_iter().map(|r| r.slug).collect();
    Err(Error::missing_in(
        format!("resource `{name}`"),
        &env_path(env),
        &names,
    ))
}

/// A member of `org` by email; exit 3 with the known emails otherwise.
pub fn find_member(db: &Db, org: &OrgRow, email: &str) -> Result<MemberRow> {
    if let Some(m) = db.member(org.id, email)? {
        return Ok(m);
    }
    let known: Vec<_> = db.members(org.id)?.into_iter().map(|m| m.email).collect();
    Err(Error::not_found(format!(
        "no member `{email}` in organization `{}`",
        org.slug
    ))
    .listing("members", &known))
}

/// The conflict for an email that is already a member of `org`.
pub fn member_exists(email: &str, org: &OrgRow) -> Error {
    Error::conflict(format!("`{email}` is already a member of `{}`", org.slug))
}

/// The conflict for a project slug `org` already holds, if it holds it. Slugs are unique in
/// an organization, so a name held by a project the actor may not see cannot be theirs either;
/// they learn that the name is not available, which is true of a free name nowhere, but not
/// that a project holds it, what it is or anything in it (`show` still says "not found").
pub fn project_name_taken(
    db: &Db,
    actor: &Actor,
    org: &OrgRow,
    slug: &str,
) -> Result<Option<Error>> {
    let seen = match db.project(org.id, slug)? {
        Some(p) => access::can_see(db, actor, &Target::project(org, &p))?,
        None if db.name_taken(Some(org.id), slug)? => false,
        None => return Ok(None),
    };
    Ok(Some(if seen {
        Error::exists(format!("project `{}`", slash(&[&org.slug, slug])))
    } else {
        Error::conflict(format!(
            "the name `{slug}` is not available in {}",
            org.slug
        ))
        .with_hint("project names are unique in an organization; pick another")
    }))
}

/// The conflict for an organization slug the file already holds, if it does: like
/// [`project_name_taken`], one the actor may not see is only "not available".
pub fn org_name_taken(db: &Db, actor: &Actor, slug: &str) -> Result<Option<Error>> {
    let seen = match db.org(slug)? {
        Some(o) => access::can_see(db, actor, &Target::org(&o))?,
        None if db.name_taken(None, slug)? => false,
        None => return Ok(None),
    };
    Ok(Some(if seen {
        Error::exists(format!("organization `{slug}`"))
    } else {
        Error::conflict(format!("the name `{slug}` is not available"))
            .with_hint("organization names are unique in the file; pick another")
    }))
}

/// A team of `org` by slug; exit 3 with the teams there are otherwise. Teams are seen by
/// everyone who sees the organization, as its members are.
pub fn find_team(db: &Db, org: &OrgRow, slug: &str) -> Result<TeamRow> {
    if let Some(t) = db.team(org.id, slug)? {
        return Ok(t);
    }
    let known: Vec<_> = db.teams(org.id)?.into_iter().map(|t| t.slug).collect();
    Err(Error::missing_in(
        format!("team `{slug}`"),
        &org.slug,
        &known,
    ))
}

/// The conflict for a team slug that is taken in `org`.
pub fn team_exists(slug: &str, org: &OrgRow) -> Error {
    Error::exists_in(format!("team `{slug}`"), &org.slug)
}
