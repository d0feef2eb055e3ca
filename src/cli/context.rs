use super::App;
use crate::context::{Part, Source};
use crate::error::Result;
use crate::output::Format;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct PartView {
    pub value: String,
    /// `flag`, `env`, `link`, `saved`, `only-one`, `default` or `os-user`.
    pub source: String,
    /// The flag, variable or file behind the source.
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ContextView {
    pub org: Option<PartView>,
    pub project: Option<PartView>,
    pub identity: PartView,
    pub db: PartView,
    /// The link file that applies to this directory, if any.
    pub link: Option<String>,
    /// A link file that applies here but cannot be read (the command then exits 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_link: Option<BrokenLinkView>,
}

#[derive(Debug, Serialize)]
pub struct BrokenLinkView {
    pub path: String,
    /// Why it cannot be read.
    pub error: String,
}

fn part(p: &Part) -> PartView {
    PartView {
        value: p.value.clone(),
        source: p.source.kind().to_string(),
        detail: p.source.detail(),
    }
}

pub fn run(app: &mut App) -> Result<()> {
    let (db_path, db_source) = app.db_path()?;
    let as_flag = app.globals.as_member.clone();
    let as_from_env = std::env::var("PROJ_AS")
        .ok()
        .filter(|v| Some(v) == as_flag.as_ref());
    let (view, broken) = app.read(|_, actor, ctx| {
        let identity = match (&as_flag, &as_from_env, &actor.email) {
            (Some(e), Some(_), _) => PartView {
                value: crate::model::normalize_email(e),
                source: "env".into(),
                detail: Some("PROJ_AS".into()),
            },
            (Some(e), None, _) => PartView {
                value: crate::model::normalize_email(e),
                source: "flag".into(),
                detail: Some("--as".into()),
            },
            (None, _, Some(e)) => PartView {
                value: e.clone(),
                source: "saved".into(),
                detail: Some("proj init".into()),
            },
            (None, _, None) => PartView {
                value: actor.os_user.clone(),
                source: "os-user".into(),
                detail: None,
            },
        };
        let view = ContextView {
            org: ctx.org.as_ref().map(part),
            project: ctx.project.as_ref().map(part),
            identity,
            db: PartView {
                value: db_path.display().to_string(),
                source: db_source.into(),
                detail: (db_source != "default").then(|| {
                    if db_source == "env" {
                        "PROJ_DB"
                    } else {
                        "--db"
                    }
                    .to_string()
                }),
            },
            link: ctx.link.as_ref().map(|p| p.display().to_string()),
            broken_link: ctx.broken_link.as_ref().map(|(p, why)| BrokenLinkView {
                path: p.display().to_string(),
                error: why.clone(),
            }),
        };
        Ok((view, ctx.broken_link_error()))
    })?;
    print(app, &view)?;
    // Everything else still shows where it came from; the broken file is the problem to fix.
    match broken {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn print(app: &mut App, view: &ContextView) -> Result<()> {
    match app.out.format {
        Format::Json => app.out.json(&view),
        Format::Plain => {
            let mut s = String::new();
            for (name, p) in rows(view) {
                if let Some(p) = p {
                    s.push_str(&format!(
                        "{name}\t{}\t{}\t{}\n",
                        p.value,
                        p.source,
                        p.detail.clone().unwrap_or_default()
                    ));
                }
            }
            if let Some(b) = &view.broken_link {
                s.push_str(&format!("link\t{}\tbroken\t{}\n", b.path, b.error));
            }
            app.out.text(&s)
        }
        Format::Table => {
            let mut s = String::new();
            for (name, p) in rows(view) {
                let line = match p {
                    Some(p) => format!("{name:<13}{}  ({})\n", p.value, describe(p)),
                    None => format!("{name:<13}(none)\n"),
                };
                s.push_str(&line);
            }
            if let Some(b) = &view.broken_link {
                s.push_str(&format!(
                    "{:<13}{}  (broken: {})\n",
                    "link", b.path, b.error
                ));
            }
            app.out.text(&s)
        }
    }
}

fn rows(v: &ContextView) -> [(&'static str, Option<&PartView>); 4] {
    [
        ("organization", v.org.as_ref()),
        ("project", v.project.as_ref()),
        ("identity", Some(&v.identity)),
        ("database", Some(&v.db)),
    ]
}

fn describe(p: &PartView) -> String {
    let source = match p.source.as_str() {
        "flag" => Source::Flag("").describe(),
        "env" => Source::Env("").describe(),
        "link" => "link file".into(),
        "saved" => "saved selection".into(),
        "only-one" => Source::OnlyOne.describe(),
        "default" => "default location".into(),
        "os-user" => "your OS user; no identity is set".into(),
        other => other.to_string(),
    };
    match &p.detail {
        Some(d) => format!("{} {d}", source.trim_end()),
        None => source,
    }
}
