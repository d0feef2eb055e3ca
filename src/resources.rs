//! What users see of resources: the resource object and the difference of two environments.

use crate::model::{ResourceType, slash};
use crate::output::{Record, or_dash};
use crate::scope::env_path;
use crate::store::{EnvRow, ResourceRow};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct ResourceView {
    pub org: String,
    pub project: String,
    pub environment: String,
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: ResourceType,
    pub description: Option<String>,
    pub created_at: String,
}

impl ResourceView {
    pub fn new(r: &ResourceRow) -> Self {
        ResourceView {
            org: r.org.clone(),
            project: r.project.clone(),
            environment: r.environment.clone(),
            slug: r.slug.clone(),
            kind: r.kind,
            description: r.description.clone(),
            created_at: r.created_at.clone(),
        }
    }

    /// `org/project/environment/slug`, as the audit log names it.
    pub fn path(&self) -> String {
        slash(&[&self.org, &self.project, &self.environment, &self.slug])
    }
}

impl Record for ResourceView {
    const PLURAL: &'static str = "resources";
    fn headers(&self) -> Vec<&'static str> {
        vec!["slug", "type", "environment", "description", "created"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            self.kind.to_string(),
            self.environment.clone(),
            or_dash(&self.description),
            self.created_at.clone(),
        ]
    }
    /// `slug type environment`: free text (the description) would break the columns.
    fn plain(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            self.kind.to_string(),
            self.environment.clone(),
        ]
    }
}

/// One resource in a diff: its slug and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffEntry {
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: ResourceType,
}

/// A slug present in both environments with a different type in each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeChange {
    pub slug: String,
    pub a_type: ResourceType,
    pub b_type: ResourceType,
}

/// `proj env diff A B`: what one environment holds that the other does not.
#[derive(Debug, Clone, Serialize)]
pub struct EnvDiff {
    /// `org/project/env` of each side.
    pub a: String,
    pub b: String,
    pub only_in_a: Vec<DiffEntry>,
    pub only_in_b: Vec<DiffEntry>,
    pub type_differs: Vec<TypeChange>,
    /// How many slugs are in both with the same type.
    pub same: usize,
}

impl EnvDiff {
    pub fn new(a: &EnvRow, a_res: &[ResourceRow], b: &EnvRow, b_res: &[ResourceRow]) -> Self {
        let path = env_path;
        let index = |rs: &[ResourceRow]| -> BTreeMap<String, ResourceType> {
            rs.iter().map(|r| (r.slug.clone(), r.kind)).collect()
        };
        let (ai, bi) = (index(a_res), index(b_res));
        let mut diff = EnvDiff {
            a: path(a),
            b: path(b),
            only_in_a: Vec::new(),
            only_in_b: Vec::new(),
            type_differs: Vec::new(),
            same: 0,
        };
        for (slug, &kind) in &ai {
            match bi.get(slug) {
                None => diff.only_in_a.push(DiffEntry {
                    slug: slug.clone(),
                    kind,
                }),
                Some(&other) if other != kind => diff.type_differs.push(TypeChange {
                    slug: slug.clone(),
                    a_type: kind,
                    b_type: other,
                }),
                Some(_) => diff.same += 1,
            }
        }
        for (slug, &kind) in &bi {
            if !ai.contains_key(slug) {
                diff.only_in_b.push(DiffEntry {
                    slug: slug.clone(),
                    kind,
                });
            }
        }
        diff
    }

    pub fn is_empty(&self) -> bool {
        self.only_in_a.is_empty() && self.only_in_b.is_empty() && self.type_differs.is_empty()
    }

    /// Tab-separated lines: `only-a|only-b|type SLUG TYPE [TYPE]`.
    pub fn plain(&self) -> String {
        let mut s = String::new();
        for e in &self.only_in_a {
            s.push_str(&format!("only-a\t{}\t{}\n", e.slug, e.kind));
        }
        for e in &self.only_in_b {
            s.push_str(&format!("only-b\t{}\t{}\n", e.slug, e.kind));
        }
        for c in &self.type_differs {
            s.push_str(&format!("type\t{}\t{}\t{}\n", c.slug, c.a_type, c.b_type));
        }
        s
    }

    /// For people: `-` only in A, `+` only in B, `~` the type differs.
    pub fn human(&self) -> String {
        if self.is_empty() {
            return format!(
                "{} and {} hold the same {} resource(s)\n",
                self.a, self.b, self.same
            );
        }
        let mut rows: Vec<(char, &str, String, String)> = Vec::new();
        for e in &self.only_in_a {
            rows.push((
                '-',
                &e.slug,
                e.kind.to_string(),
                format!("only in {}", self.a),
            ));
        }
        for e in &self.only_in_b {
            rows.push((
                '+',
                &e.slug,
                e.kind.to_string(),
                format!("only in {}", self.b),
            ));
        }
        for c in &self.type_differs {
            rows.push((
                '~',
                &c.slug,
                format!("{} → {}", c.a_type, c.b_type),
                "type differs".to_string(),
            ));
        }
        let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        let w2 = rows.iter().map(|r| r.2.chars().count()).max().unwrap_or(0);
        let mut s = format!("--- {}\n+++ {}\n", self.a, self.b);
        for (mark, slug, kind, why) in rows {
            s.push_str(&format!("{mark} {slug:<w1$}  {kind:<w2$}  {why}\n"));
        }
        if self.same > 0 {
            s.push_str(&format!("  ({} the same in both)\n", self.same));
        }
        s
    }
}
