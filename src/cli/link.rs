use super::App;
use crate::context::{LINK_FILE, LinkFile, find_link};
use crate::error::{Error, Result};
use crate::model::slash;
use crate::output::Record;
use crate::scope::ProjectScope;
use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Project to pin this directory to, as ORG/PROJECT or PROJECT (default: the current one)
    #[arg(
        id = "project_arg",
        value_name = "PROJECT",
        add = clap_complete::ArgValueCompleter::new(super::complete::project)
    )]
    pub project: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LinkView {
    pub org: String,
    pub project: String,
    /// The link file written or removed.
    pub path: String,
}

impl Record for LinkView {
    const PLURAL: &'static str = "links";
    fn headers(&self) -> Vec<&'static str> {
        vec!["org", "project", "path"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.org.clone(), self.project.clone(), self.path.clone()]
    }
}

pub fn link(app: &mut App, args: LinkArgs) -> Result<()> {
    let (org, project) = app.read(|db, actor, ctx| {
        let p = ProjectScope::resolve(db, actor, ctx, args.project.as_deref())?;
        Ok((p.org.slug, p.project.slug))
    })?;
    let dir = std::env::current_dir()?;
    let path = dir.join(LINK_FILE);
    let body = serde_json::to_string_pretty(&LinkFile {
        org: org.clone(),
        project: project.clone(),
    })
    .context("cannot encode the link file")?;
    // Write beside it and rename, so a reader never sees half a file.
    let tmp = dir.join(format!("{LINK_FILE}.tmp{}", std::process::id()));
    std::fs::write(&tmp, body + "\n")
        .and_then(|_| std::fs::rename(&tmp, &path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
    app.out
        .status(&format!("linked {} to {org}/{project}", dir.display()));
    app.out.one(&LinkView {
        org,
        project,
        path: path.display().to_string(),
    })
}

pub fn unlink(app: &mut App) -> Result<()> {
    let dir = std::env::current_dir()?;
    let Some((path, link)) = find_link(&dir) else {
        return Err(
            Error::not_found(format!("no link file in {} or above", dir.display()))
                .with_hint("`proj link ORG/PROJECT` writes one"),
        );
    };
    // Only a file goes: a directory that holds the name is not ours to delete, and the link
    // above it is never reached.
    if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::internal(format!(
            "cannot unlink: {} is a directory, not a link file",
            path.display()
        ))
        .with_hint("move or remove that directory yourself"));
    }
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    let place = path.parent().unwrap_or(&path).display().to_string();
    // An unreadable link file goes too; it names no project, so the view's are empty.
    let link = match link {
        Ok(link) => {
            app.out.status(&format!(
                "unlinked {place} from {}",
                slash(&[&link.org, &link.project])
            ));
            link
        }
        Err(_) => {
            app.out
                .status(&format!("removed the unreadable link file in {place}"));
            LinkFile {
                org: String::new(),
                project: String::new(),
            }
        }
    };
    app.out.one(&LinkView {
        org: link.org,
        project: link.project,
        path: path.display().to_string(),
    })
}
