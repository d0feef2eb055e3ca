//! What a layout file asks for, checked: slugs, emails, roles, kinds, types and free text
//! valid, nothing named twice, defaults filled in. Every name keeps the position of its key,
//! so a later problem (a reference the database cannot satisfy) is reported there too.
//!
//! Pure: no database. References between entities are checked by the plan, which also knows
//! what the database holds.

use super::Problem;
use super::file::{self, Located};
use crate::error::Error;
use crate::model::{
    EnvKind, OrgRole, ProjectRole, ResourceType, default_display_name, normalize_email,
    validate_email, validate_slug, validate_text,
};
use std::collections::HashSet;

/// A byte offset of the file (where a key starts), if the file gave positions.
pub type At = Option<usize>;

#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub orgs: Vec<DOrg>,
}

#[derive(Debug, Clone)]
pub struct DOrg {
    pub slug: String,
    pub at: At,
    pub display_name: Option<String>,
    pub members: Vec<DMember>,
    pub teams: Vec<DTeam>,
    pub projects: Vec<DProject>,
}

#[derive(Debug, Clone)]
pub struct DMember {
    /// Lowercased, the one spelling stored and compared.
    pub email: String,
    pub at: At,
    pub name: Option<String>,
    pub role: OrgRole,
    /// The database login that acts as the member on a shared database (team mode), when the
    /// file gives one: empty clears it, left out keeps what the database has.
    pub login: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DTeam {
    pub slug: String,
    pub at: At,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Emails, lowercased, each with where it is written.
    pub members: Vec<(String, At)>,
}

#[derive(Debug, Clone)]
pub struct DProject {
    pub slug: String,
    pub at: At,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub envs: Vec<DEnv>,
    pub grants: Vec<DGrant>,
}

#[derive(Debug, Clone)]
pub struct DEnv {
    pub slug: String,
    pub at: At,
    /// Always set: the default from the slug when the file leaves it out.
    pub display_name: String,
    pub kind: EnvKind,
    pub description: Option<String>,
    pub protected: bool,
    /// Whether the file says `protected` (else it is the kind's default).
    pub protected_stated: bool,
    pub archived: bool,
    pub resources: Vec<DResource>,
}

#[derive(Debug, Clone)]
pub struct DResource {
    pub slug: String,
    pub at: At,
    pub kind: ResourceType,
    pub description: Option<String>,
}

/// Who holds a grant, by the name the file gives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DHolder {
    /// A member's email, lowercased.
    Member(String),
    /// A team's slug.
    Team(String),
}

impl DHolder {
    /// `bo@acme.dev` or `team backend`, as plans and messages name it.
    pub fn label(&self) -> String {
        match self {
            DHolder::Member(email) => email.clone(),
            DHolder::Team(slug) => format!("team {slug}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DGrant {
    pub holder: DHolder,
    /// Where the `member` or `team` key is.
    pub holder_at: At,
    pub env: Option<String>,
    pub env_at: At,
    pub role: ProjectRole,
    pub at: At,
}

/// Checks a parsed file (`text` is what it was parsed from, for positions). Returns every
/// problem found, in file order, or the layout it asks for.
pub fn check(layout: &file::Layout, text: &str) -> Result<Desired, Vec<Problem>> {
    let mut c = Checker {
        text,
        problems: Vec::new(),
    };
    let mut orgs = Vec::new();
    let mut seen = HashSet::new();
    for o in &layout.org {
        let slug = c.slug("organization", &o.slug);
        if !seen.insert(o.slug.value.clone()) {
            c.problem(
                &o.slug,
                format!("organization `{}` is named twice", o.slug.value),
            );
        }
        let mut named = HashSet::new();
        for p in &o.project {
            if !named.insert(p.slug.value.as_str()) {
                c.problem(
                    &p.slug,
                    format!(
                        "project `{}` is named twice in `{}`",
                        p.slug.value, o.slug.value
                    ),
                );
            }
        }
        orgs.push(DOrg {
            at: c.at(&o.slug),
            display_name: c.text("display name", &o.display_name),
            members: c.members(o),
            teams: c.teams(o),
            projects: o.project.iter().map(|p| c.project(p)).collect(),
            slug,
        });
    }
    if c.problems.is_empty() {
        Ok(Desired { orgs })
    } else {
        c.problems.sort_by_key(|p| p.at);
        Err(c.problems)
    }
}

struct Checker<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    /// Where the key of a value is.
    fn at<T>(&self, v: &Located<T>) -> At {
        v.span.as_ref().map(|s| file::key_start(self.text, s.start))
    }

    fn problem<T>(&mut self, v: &Located<T>, message: String) {
        let at = self.at(v);
        self.problems.push(Problem {
            at,
            message,
            hint: None,
        });
    }

    /// A problem from one of the model's validators, which carry their own hint.
    fn refused<T>(&mut self, v: &Located<T>, e: Error) {
        let at = self.at(v);
        self.problems.push(Problem {
            at,
            message: e.message,
            hint: e.hint,
        });
    }

    fn slug(&mut self, noun: &str, v: &Located<String>) -> String {
        if let Err(e) = validate_slug(noun, &v.value) {
            self.refused(v, e);
        }
        v.value.clone()
    }

    /// Free text: refused with a control character or past its length (a name, also when
    /// blank); empty is the same as left out.
    fn text(&mut self, field: &str, v: &Option<Located<String>>) -> Option<String> {
        let v = v.as_ref()?;
        let checked = if field.ends_with("name") {
            crate::model::validate_name_text(field, &v.value)
        } else {
            validate_text(field, &v.value)
        };
        if let Err(e) = checked {
            self.refused(v, e);
        }
        Some(v.value.clone()).filter(|s| !s.is_empty())
    }

    fn email(&mut self, v: &Located<String>) -> String {
        if let Err(e) = validate_email(&v.value) {
            self.refused(v, e);
        }
        normalize_email(&v.value)
    }

    fn word<T: std::str::FromStr<Err = Error>>(&mut self, v: &Located<String>) -> Option<T> {
        match v.value.parse::<T>() {
            Ok(w) => Some(w),
            Err(e) => {
                self.refused(v, e);
                None
            }
        }
    }

    fn members(&mut self, o: &file::Org) -> Vec<DMember> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for m in &o.member {
            let email = self.email(&m.email);
            if !seen.insert(email.clone()) {
                self.problem(
                    &m.email,
                    format!(
                        "`{email}` is listed twice as a member of `{}`",
                        o.slug.value
                    ),
                );
            }
            let role = match &m.role {
                Some(r) => self.word::<OrgRole>(r).unwrap_or(OrgRole::Member),
                None => OrgRole::Member,
            };
            out.push(DMember {
                at: self.at(&m.email),
                name: self.text("member name", &m.name),
                login: {
                    self.text("login", &m.login);
                    m.login.as_ref().map(|l| l.value.clone())
                },
                email,
                role,
            });
        }
        out
    }

    fn teams(&mut self, o: &file::Org) -> Vec<DTeam> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for t in &o.team {
            let slug = self.slug("team", &t.slug);
            if !seen.insert(slug.clone()) {
                self.problem(
                    &t.slug,
                    format!("team `{slug}` is named twice in `{}`", o.slug.value),
                );
            }
            let mut listed = HashSet::new();
            let mut members = Vec::new();
            for m in &t.members {
                let email = self.email(m);
                if !listed.insert(email.clone()) {
                    // An element of an array: point at it, not at the key.
                    self.problems.push(Problem {
                        at: m.span.as_ref().map(|s| s.start),
                        message: format!("`{email}` is listed twice in team `{slug}`"),
                        hint: None,
                    });
                }
                members.push((email, m.span.as_ref().map(|s| s.start)));
            }
            out.push(DTeam {
                at: self.at(&t.slug),
                display_name: self.text("display name", &t.display_name),
                description: self.text("description", &t.description),
                members,
                slug,
            });
        }
        out
    }

    fn project(&mut self, p: &file::Project) -> DProject {
        let slug = self.slug("project", &p.slug);
        let mut seen = HashSet::new();
        let mut envs = Vec::new();
        for e in &p.env {
            if !seen.insert(e.slug.value.clone()) {
                self.problem(
                    &e.slug,
                    format!(
                        "environment `{}` is named twice in project `{slug}`",
                        e.slug.value
                    ),
                );
            }
            envs.push(self.env(e));
        }
        let mut grants: Vec<DGrant> = Vec::new();
        let mut held = HashSet::new();
        for g in &p.grant {
            let Some(grant) = self.grant(g) else { continue };
            if !held.insert((grant.holder.clone(), grant.env.clone())) {
                let place = match &grant.env {
                    Some(e) => format!("environment `{e}` of `{slug}`"),
                    None => format!("project `{slug}`"),
                };
                self.problems.push(Problem {
                    at: grant.holder_at,
                    message: format!("{} has two grants on {place}", grant.holder.label()),
                    hint: Some("keep one: a holder has one role per project or environment".into()),
                });
            }
            grants.push(grant);
        }
        DProject {
            at: self.at(&p.slug),
            display_name: self.text("display name", &p.display_name),
            description: self.text("description", &p.description),
            envs,
            grants,
            slug,
        }
    }

    fn env(&mut self, e: &file::Env) -> DEnv {
        let slug = self.slug("environment", &e.slug);
        let kind = match &e.kind {
            Some(k) => self.word::<EnvKind>(k).unwrap_or(EnvKind::Custom),
            None => EnvKind::infer(&slug),
        };
        let mut seen = HashSet::new();
        let mut resources = Vec::new();
        for r in &e.resource {
            let rslug = self.slug("resource", &r.slug);
            if !seen.insert(rslug.clone()) {
                self.problem(
                    &r.slug,
                    format!("resource `{rslug}` is named twice in environment `{slug}`"),
                );
            }
            resources.push(DResource {
                at: self.at(&r.slug),
                kind: self
                    .word::<ResourceType>(&r.kind)
                    .unwrap_or(ResourceType::App),
                description: self.text("description", &r.description),
                slug: rslug,
            });
        }
        DEnv {
            at: self.at(&e.slug),
            display_name: self
                .text("display name", &e.display_name)
                .unwrap_or_else(|| default_display_name(&slug)),
            kind,
            description: self.text("description", &e.description),
            protected: e
                .protected
                .as_ref()
                .map_or(kind.protected_by_default(), |p| p.value),
            protected_stated: e.protected.is_some(),
            archived: e.archived.as_ref().is_some_and(|a| a.value),
            resources,
            slug,
        }
    }

    fn grant(&mut self, g: &file::Grant) -> Option<DGrant> {
        let role = self.word::<ProjectRole>(&g.role);
        let (holder, holder_at) = match (&g.member, &g.team) {
            (Some(m), None) => (DHolder::Member(self.email(m)), self.at(m)),
            (None, Some(t)) => (DHolder::Team(self.slug("team", t)), self.at(t)),
            (Some(_), Some(t)) => {
                self.problem(
                    t,
                    "a grant names a member or a team, not both: write it twice".into(),
                );
                return None;
            }
            (None, None) => {
                self.problems.push(Problem {
                    at: self.at(&g.role),
                    message: "a grant needs `member = EMAIL` or `team = SLUG`".into(),
                    hint: None,
                });
                return None;
            }
        };
        let env = g.env.as_ref().map(|e| self.slug("environment", e));
        Some(DGrant {
            holder,
            holder_at,
            env_at: g.env.as_ref().and_then(|e| self.at(e)),
            env,
            role: role?,
            at: self.at(&g.role),
        })
    }
}
