//! `proj restore EVENT`: bring back what a removal recorded in the audit log.

use super::App;
use super::project::view as project_view;
use crate::error::Result;
use crate::model::slash;
use crate::ops;
use crate::view::{EnvView, OrgView, ProjectView};
use clap::Args;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Id of an `org.remove`, `project.remove`, `env.remove`, `team.remove` or `member.remove`
    /// event (see `proj log`)
    #[arg(
        value_name = "EVENT_ID",
        add = clap_complete::ArgValueCompleter::new(super::complete::removal_event)
    )]
    pub event: i64,
}

enum Restored {
    Org(OrgView),
    Project(ProjectView),
    Env(EnvView),
    Team(super::team::TeamView),
    Member(super::member::MemberView),
}

/// What came back, and what was left out (`the grant of … on …: why`).
struct Outcome {
    restored: Restored,
    skipped: Vec<String>,
}

pub fn run(app: &mut App, args: RestoreArgs) -> Result<()> {
    let id = args.event;
    let outcome = app.mutate(|tx| {
        let done = ops::restore::event(tx, id)?;
        let db = tx.db;
        let restored = match done.restored {
            ops::restore::Restored::Org(org) => {
                let projects = db.projects(org.id)?.into_iter().map(|p| p.slug).collect();
                Restored::Org(OrgView::new(&org, projects))
            }
            ops::restore::Restored::Project(p) => Restored::Project(project_view(db, &p)?),
            ops::restore::Restored::Env(e) => Restored::Env(EnvView::new(&e)),
            ops::restore::Restored::Team(org, team) => {
                Restored::Team(super::team::view(db, tx.actor, &org, &team)?)
            }
            ops::restore::Restored::Member(org, m) => {
                Restored::Member(super::member::view(db, tx.actor, &org, &m)?)
            }
        };
        Ok(Outcome {
            restored,
            skipped: done.skipped,
        })
    })?;
    for what in &outcome.skipped {
        app.out.status(&format!("left out {what}"));
    }
    match &outcome.restored {
        Restored::Org(v) => {
            app.out
                .status(&format!("restored organization {} from event {id}", v.slug));
            app.out.one(v)
        }
        Restored::Project(v) => {
            app.out.status(&format!(
                "restored project {} from event {id}",
                slash(&[&v.org, &v.slug])
            ));
            app.out.one(v)
        }
        Restored::Env(v) => {
            app.out.status(&format!(
                "restored environment {} from event {id}",
                slash(&[&v.org, &v.project, &v.slug])
            ));
            app.out.one(v)
        }
        Restored::Member(v) => {
            app.out.status(&format!(
                "restored member {} of {} from event {id}",
                v.email, v.org
            ));
            app.out.one(v)
        }
        Restored::Team(v) => {
            app.out.status(&format!(
                "restored team {} in {} from event {id}",
                v.slug, v.org
            ));
            app.out.one(v)
        }
    }
}
