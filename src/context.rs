//! Which organization and project a command works on (README.md, "Context resolution").
//!
//! First match wins: flags, environment variables, a link file in this directory or the
//! nearest ancestor, the saved selection, then "the only one there is". What is selected is
//! looked up, as the actor may see it, by `Context::require_org` and `require_project`, which
//! live with the rest of the lookups in [`crate::scope`].

use crate::access::{self, Actor, Target};
use crate::error::{Error, Result};
use crate::model::{PROJECT_FORMS, segments, slash};
use crate::store::{Db, OrgRow, ProjectRow};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file `proj link` writes.
pub const LINK_FILE: &str = ".proj.json";

/// Where a part of the context came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    Link(PathBuf),
    Saved,
    OnlyOne,
}

impl Source {
    /// Stable id for JSON: `flag`, `env`, `link`, `saved`, `only-one`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Flag(_) => "flag",
            Source::Env(_) => "env",
            Source::Link(_) => "link",
            Source::Saved => "saved",
            Source::OnlyOne => "only-one",
        }
    }
    /// The flag, variable or file behind it.
    pub fn detail(&self) -> Option<String> {
        match self {
            Source::Flag(f) => Some(f.to_string()),
            Source::Env(v) => Some(v.to_string()),
            Source::Link(p) => Some(p.display().to_string()),
            Source::Saved | Source::OnlyOne => None,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Source::Flag(f) => format!("flag {f}"),
            Source::Env(v) => format!("environment variable {v}"),
            Source::Link(p) => format!("link file {}", p.display()),
            Source::Saved => "saved selection (`proj org use` / `proj project use`)".into(),
            Source::OnlyOne => "the only one there is".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Part {
    pub value: String,
    pub source: Source,
}

/// What the user asked for, before any lookup.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub org_flag: Option<String>,
    pub project_flag: Option<String>,
    pub org_env: Option<String>,
    pub project_env: Option<String>,
    pub cwd: Option<PathBuf>,
}

impl Inputs {
    pub fn from_process(org_flag: Option<String>, project_flag: Option<String>) -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Inputs {
            org_flag,
            project_flag,
            org_env: var("PROJ_ORG"),
            project_env: var("PROJ_PROJECT"),
            cwd: std::env::current_dir().ok(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkFile {
    pub org: String,
    pub project: String,
}

/// Finds the link file in `dir` or its nearest ancestor, with what it says or why it cannot
/// be read. Whatever holds the name counts, not only a regular file: a directory, a dangling
/// symlink or a file that does not parse is a broken link, and the one above it is never
/// reached (it may name another project).
pub fn find_link(dir: &Path) -> Option<(PathBuf, Result<LinkFile, String>)> {
    let path = dir
        .ancestors()
        .map(|d| d.join(LINK_FILE))
        .find(|p| p.symlink_metadata().is_ok())?;
    let link = read_link(&path).map_err(|e| format!("{e:#}"));
    Some((path, link))
}

/// What the link file at `path` says, or in one sentence why it cannot be read.
fn read_link(path: &Path) -> anyhow::Result<LinkFile> {
    // Checked before reading: reading a FIFO would wait forever.
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        anyhow::bail!("it is a directory, not a link file");
    }
    if !meta.is_file() {
        anyhow::bail!("it is not a regular file");
    }
    // What `proj link` writes is a few dozen bytes; a bigger file is not one of ours, and is
    // not read whole to find that out.
    if meta.len() > MAX_LINK_FILE {
        anyhow::bail!(
            "it is {} bytes long; a link file is at most {MAX_LINK_FILE}",
            meta.len()
        );
    }
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_LINK_FILE + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_LINK_FILE {
        anyhow::bail!("it is longer than {MAX_LINK_FILE} bytes");
    }
    let link = serde_json::from_str::<LinkFile>(&text)?;
    // It names an organization and a project: slugs, nothing else (not a path, not text).
    for (key, noun, value) in [
        ("org", "organization", &link.org),
        ("project", "project", &link.project),
    ] {
        if !crate::model::is_valid_slug(value) {
            anyhow::bail!(
                "its `{key}` is `{}`, not a valid {noun} name",
                crate::model::shown(value)
            );
        }
    }
    Ok(link)
}

/// The largest link file read.
const MAX_LINK_FILE: u64 = 4096;

/// The resolved context: slugs and where they came from; nothing looked up yet.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub org: Option<Part>,
    pub project: Option<Part>,
    pub link: Option<PathBuf>,
    /// A bare project name no organization could be chosen for, with the `org/project`
    /// paths that have it (none, or several). Only a command that needs the organization
    /// fails on it.
    pub unplaced: Option<(String, Vec<String>)>,
    /// A link file that applies here but cannot be read, and why. Nothing below it in the
    /// precedence is used, and a command that needs what it would have said fails.
    pub broken_link: Option<(PathBuf, String)>,
}

/// One level of the precedence: an org and/or a project, from one source.
struct Level {
    org: Option<String>,
    project: Option<String>,
    source: Source,
}

/// Splits `org/project` into its parts, by the one path parser (an empty part is usage).
fn split_project(value: &str) -> Result<(Option<String>, String)> {
    Ok(
        match segments(value, "project", PROJECT_FORMS)?.as_slice() {
            [o, p] => (Some(o.to_string()), p.to_string()),
            _ => (None, value.to_string()),
        },
    )
}

fn explicit_level(
    org: &Option<String>,
    project: &Option<String>,
    org_src: Source,
    project_src: Source,
) -> Result<Vec<Level>> {
    let mut out = Vec::new();
    let (prefix, proj) = match project {
        Some(p) => {
            let (o, p) = split_project(p)?;
            (o, Some(p))
        }
        None => (None, None),
    };
    if let (Some(o), Some(pre)) = (org, &prefix)
        && o != pre
    {
        return Err(Error::usage(format!(
            "the organization `{o}` and the project `{pre}/{}` disagree",
            proj.clone().unwrap_or_default()
        ))
        .with_hint("give the organization once, in --org or as ORG/PROJECT"));
    }
    if let Some(o) = org {
        out.push(Level {
            org: Some(o.clone()),
            project: None,
            source: org_src,
        });
    }
    if proj.is_some() {
        out.push(Level {
            org: prefix,
            project: proj,
            source: project_src,
        });
    }
    Ok(out)
}

impl Context {
    /// Checks the flags and variables that choose a context without resolving it, for a
    /// command whose arguments name everything it reads: they are refused as
    /// [`Context::resolve`] would refuse them.
    pub fn check_inputs(inputs: &Inputs) -> Result<()> {
        explicit_level(
            &inputs.org_flag,
            &inputs.project_flag,
            Source::Flag("--org"),
            Source::Flag("--project"),
        )?;
        explicit_level(
            &inputs.org_env,
            &inputs.project_env,
            Source::Env("PROJ_ORG"),
            Source::Env("PROJ_PROJECT"),
        )?;
        Ok(())
    }

    /// Resolves the context by the precedence README.md's "Context resolution" gives. `db` answers the saved selection
    /// and "only one"; `actor` keeps invisible projects out of it.
    pub fn resolve(db: &Db, actor: &Actor, inputs: &Inputs) -> Result<Context> {
        let mut levels = explicit_level(
            &inputs.org_flag,
            &inputs.project_flag,
            Source::Flag("--org"),
            Source::Flag("--project"),
        )?;
        levels.extend(explicit_level(
            &inputs.org_env,
            &inputs.project_env,
            Source::Env("PROJ_ORG"),
            Source::Env("PROJ_PROJECT"),
        )?);
        let mut ctx = Context::default();
        match inputs.cwd.as_deref().and_then(find_link) {
            Some((path, Ok(l))) => {
                levels.push(Level {
                    org: Some(l.org),
                    project: Some(l.project),
                    source: Source::Link(path.clone()),
                });
                ctx.link = Some(path);
            }
            Some((path, Err(why))) => ctx.broken_link = Some((path, why)),
            None => {}
        }
        // Flags or variables that name the organization and the project decide both: the
        // saved selection is not read.
        let decided = levels
            .first()
            .is_some_and(|l| l.org.is_some() && l.project.is_some());
        let saved = if decided {
            crate::store::Selection::default()
        } else {
            db.selection(actor.email.as_deref())?
        };
        if ctx.broken_link.is_some() {
            // The broken link would have decided; do not guess past it.
        } else if let Some((o, p)) = &saved.project {
            levels.push(Level {
                org: Some(o.clone()),
                project: Some(p.clone()),
                source: Source::Saved,
            });
        } else if let Some(o) = &saved.org {
            levels.push(Level {
                org: Some(o.clone()),
                project: None,
                source: Source::Saved,
            });
        }

        ctx.org = levels.iter().find_map(|l| {
            l.org.clone().map(|value| Part {
                value,
                source: l.source.clone(),
            })
        });
        // A bare project name, with no organization from anywhere: find it by name.
        if ctx.org.is_none()
            && let Some(l) = levels.iter().find(|l| l.project.is_some())
        {
            let name = l.project.as_deref().unwrap_or_default();
            let owners = visible_projects_named(db, actor, name)?;
            match owners.as_slice() {
                [one] => {
                    ctx.org = Some(Part {
                        value: one.org.clone(),
                        source: l.source.clone(),
                    })
                }
                found => {
                    let names = found.iter().map(|p| slash(&[&p.org, &p.slug])).collect();
                    ctx.unplaced = Some((name.to_string(), names));
                }
            }
        }
        if ctx.org.is_none() && ctx.broken_link.is_none() {
            let orgs = visible_org_slugs(db, actor, 2)?;
            if let [only] = orgs.as_slice() {
                ctx.org = Some(Part {
                    value: only.clone(),
                    source: Source::OnlyOne,
                });
            }
        }
        let Some(org) = ctx.org.clone() else {
            return Ok(ctx);
        };
        ctx.project = levels.iter().find_map(|l| match (&l.org, &l.project) {
            (Some(o), Some(p)) if *o == org.value => Some(Part {
                value: p.clone(),
                source: l.source.clone(),
            }),
            (None, Some(p)) => Some(Part {
                value: p.clone(),
                source: l.source.clone(),
            }),
            _ => None,
        });
        if ctx.project.is_none()
            && ctx.broken_link.is_none()
            && let Some(o) = db.org(&org.value)?
            && let Some(only) = only_visible_project(db, actor, &o)?
        {
            ctx.project = Some(Part {
                value: only.slug,
                source: Source::OnlyOne,
            });
        }
        Ok(ctx)
    }

    /// The error for a link file that applies here but cannot be read, if there is one.
    pub fn broken_link_error(&self) -> Option<Error> {
        let (path, why) = self.broken_link.as_ref()?;
        let hint = if path.is_dir() {
            "move that directory out of the way (`proj unlink` removes only files), or pass \
             --org/--project"
        } else {
            "fix it, replace it with `proj link ORG/PROJECT`, remove it with `proj unlink`, \
             or pass --org/--project"
        };
        Some(
            Error::internal(format!("cannot read the link file {}", path.display()))
                .caused_by(why)
                .with_hint(hint),
        )
    }
}

/// Up to `limit` slugs of the organizations the actor can see (hints never name the others).
pub fn visible_org_slugs(db: &Db, actor: &Actor, limit: usize) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for org in db.orgs()? {
        if out.len() >= limit {
            break;
        }
        if access::can_see(db, actor, &Target::org(&org))? {
            out.push(org.slug);
        }
    }
    Ok(out)
}

pub fn visible_projects(db: &Db, actor: &Actor, org: &OrgRow) -> Result<Vec<ProjectRow>> {
    access::visible_projects_of(db, actor, org, db.projects(org.id)?)
}

/// The project of `org` the actor may see when there is exactly one. An actor who sees every
/// project (an owner, an admin, anyone in an organization without members) needs only the
/// first two.
fn only_visible_project(db: &Db, actor: &Actor, org: &OrgRow) -> Result<Option<ProjectRow>> {
    let projects = match access::Sight::of(db, actor, org)? {
        access::Sight::Outsider => return Ok(None),
        access::Sight::Whole => db.projects_up_to(org.id, 2)?,
        granted => granted.filter(db.projects(org.id)?),
    };
    Ok(match <[ProjectRow; 1]>::try_from(projects) {
        Ok([only]) => Some(only),
        Err(_) => None,
    })
}

fn visible_projects_named(db: &Db, actor: &Actor, slug: &str) -> Result<Vec<ProjectRow>> {
    let mut out = Vec::new();
    for p in db.projects_named(slug)? {
        if let Some(org) = db.org_by_id(p.org_id)?
            && access::can_see(db, actor, &Target::project(&org, &p))?
        {
            out.push(p);
        }
    }
    Ok(out)
}
