//! The JSON and table shapes users see. These are the stable contract, not database rows.

use crate::model::EnvKind;
use crate::output::{Record, or_dash, yes_no};
use crate::store::{EnvRow, EventRow, OrgRow, ProjectRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub slug: String,
    pub display_name: Option<String>,
    /// Slugs of the projects the actor can see, alphabetical.
    pub projects: Vec<String>,
    pub created_at: String,
}

impl OrgView {
    pub fn new(org: &OrgRow, projects: Vec<String>) -> Self {
        OrgView {
            slug: org.slug.clone(),
            display_name: org.display_name.clone(),
            projects,
            created_at: org.created_at.clone(),
        }
    }
}

impl Record for OrgView {
    const PLURAL: &'static str = "organizations";
    fn headers(&self) -> Vec<&'static str> {
        vec!["slug", "name", "projects", "created"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            or_dash(&self.display_name),
            self.projects.join(", "),
            self.created_at.clone(),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub org: String,
    pub slug: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Slugs of the project's environments (archived ones left out), in release-flow order.
    pub environments: Vec<String>,
    pub created_at: String,
}

impl ProjectView {
    pub fn new(p: &ProjectRow, environments: Vec<String>) -> Self {
        ProjectView {
            org: p.org.clone(),
            slug: p.slug.clone(),
            display_name: p.display_name.clone(),
            description: p.description.clone(),
            environments,
            created_at: p.created_at.clone(),
        }
    }
}

impl Record for ProjectView {
    const PLURAL: &'static str = "projects";
    fn headers(&self) -> Vec<&'static str> {
        vec!["slug", "org", "name", "environments", "created"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            self.org.clone(),
            or_dash(&self.display_name),
            self.environments.join(", "),
            self.created_at.clone(),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvView {
    pub org: String,
    pub project: String,
    pub slug: String,
    pub display_name: String,
    pub kind: EnvKind,
    pub description: Option<String>,
    pub protected: bool,
    pub archived: bool,
    pub archived_at: Option<String>,
    pub created_at: String,
    /// Adds an `archived` column to tables and plain lines (`env list --archived`).
    #[serde(skip)]
    pub show_archived: bool,
}

impl EnvView {
    pub fn new(e: &EnvRow) -> Self {
        EnvView {
            org: e.org.clone(),
            project: e.project.clone(),
            slug: e.slug.clone(),
            display_name: e.display_name.clone(),
            kind: e.kind,
            description: e.description.clone(),
            protected: e.protected,
            archived: e.archived_at.is_some(),
            archived_at: e.archived_at.clone(),
            created_at: e.created_at.clone(),
            show_archived: e.archived_at.is_some(),
        }
    }
}

impl Record for EnvView {
    const PLURAL: &'static str = "environments";
    fn headers(&self) -> Vec<&'static str> {
        let mut h = vec!["slug", "name", "kind", "protected"];
        if self.show_archived {
            h.push("archived");
        }
        h.push("created");
        h
    }
    fn cells(&self) -> Vec<String> {
        let mut c = vec![
            self.slug.clone(),
            self.display_name.clone(),
            self.kind.to_string(),
            yes_no(self.protected),
        ];
        if self.show_archived {
            c.push(yes_no(self.archived));
        }
        c.push(self.created_at.clone());
        c
    }
    /// `slug name kind protected [archived]`: the fields a script branches on.
    fn plain(&self) -> Vec<String> {
        let mut c = self.cells();
        c.pop();
        c
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl EventView {
    pub fn new(e: &EventRow) -> Self {
        EventView {
            id: e.id,
            at: e.at.clone(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
        }
    }
}

impl Record for EventView {
    const PLURAL: &'static str = "events";
    fn headers(&self) -> Vec<&'static str> {
        vec!["id", "at", "actor", "action", "target"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.at.clone(),
            self.actor.clone(),
            self.action.clone(),
            self.target.clone(),
        ]
    }
}
