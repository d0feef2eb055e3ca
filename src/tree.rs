//! `proj tree`: organizations → projects → environments → resources, as JSON or drawn.

use crate::model::{EnvKind, ProjectRole, ResourceType};
use crate::output::escape;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct OrgNode {
    pub slug: String,
    pub display_name: Option<String>,
    pub projects: Vec<ProjectNode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectNode {
    pub org: String,
    pub slug: String,
    pub display_name: Option<String>,
    /// In release-flow order, archived ones included (and marked).
    pub environments: Vec<EnvNode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvNode {
    pub org: String,
    pub project: String,
    pub slug: String,
    pub kind: EnvKind,
    pub protected: bool,
    pub archived: bool,
    pub resources: Vec<ResourceNode>,
    /// With `--access`: who holds which role here, members and teams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Vec<AccessNode>>,
}

/// One holder's role on an environment (`proj tree --access`): a member's own grant, or a
/// team's with the team's members.
#[derive(Debug, Clone, Serialize)]
pub struct AccessNode {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// A team's members (absent for a member's own grant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    pub role: ProjectRole,
}

impl AccessNode {
    /// `bo@acme.dev` or `team backend`.
    pub fn holder(&self) -> String {
        match (&self.member, &self.team) {
            (Some(m), _) => m.clone(),
            (None, Some(t)) => format!("team {t}"),
            (None, None) => String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceNode {
    pub org: String,
    pub project: String,
    pub environment: String,
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: ResourceType,
}

/// The characters branches are drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Box-drawing characters: what `proj tree` draws, on a terminal or not, like its tables.
    Unicode,
    /// Plain ASCII, for a caller that needs it.
    Ascii,
}

struct Glyphs {
    tee: &'static str,
    elbow: &'static str,
    pipe: &'static str,
    blank: &'static str,
}

impl Charset {
    fn glyphs(self) -> Glyphs {
        match self {
            Charset::Unicode => Glyphs {
                tee: "├── ",
                elbow: "└── ",
                pipe: "│   ",
                blank: "    ",
            },
            Charset::Ascii => Glyphs {
                tee: "|-- ",
                elbow: "`-- ",
                pipe: "|   ",
                blank: "    ",
            },
        }
    }
}

/// A node to draw: a label, an optional note in an aligned column, and children.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub label: String,
    pub note: Option<String>,
    pub children: Vec<Node>,
}

impl Node {
    fn leaf(label: &str, note: Option<String>) -> Node {
        Node {
            label: label.to_string(),
            note,
            children: Vec::new(),
        }
    }
}

impl From<&OrgNode> for Node {
    fn from(o: &OrgNode) -> Node {
        Node {
            label: o.slug.clone(),
            note: None,
            children: o.projects.iter().map(Node::from).collect(),
        }
    }
}

impl From<&ProjectNode> for Node {
    fn from(p: &ProjectNode) -> Node {
        Node {
            label: p.slug.clone(),
            note: p
                .environments
                .is_empty()
                .then(|| "(no environments)".to_string()),
            children: p.environments.iter().map(Node::from).collect(),
        }
    }
}

impl From<&EnvNode> for Node {
    fn from(e: &EnvNode) -> Node {
        let mut tags = vec![e.kind.to_string()];
        if e.protected {
            tags.push("protected".into());
        }
        if e.archived {
            tags.push("archived".into());
        }
        let mut children: Vec<Node> = e
            .resources
            .iter()
            .map(|r| Node::leaf(&r.slug, Some(r.kind.to_string())))
            .collect();
        if let Some(access) = &e.access {
            children.push(Node {
                label: "access".to_string(),
                note: access
                    .is_empty()
                    .then(|| "(organization owners and admins only)".to_string()),
                children: access
                    .iter()
                    .map(|a| {
                        let who = match &a.members {
                            Some(m) if m.is_empty() => " (no members)".to_string(),
                            Some(m) => format!(" ({})", m.join(", ")),
                            None => String::new(),
                        };
                        Node::leaf(&a.holder(), Some(format!("{}{who}", a.role)))
                    })
                    .collect(),
            });
        }
        Node {
            label: e.slug.clone(),
            note: Some(format!("({})", tags.join(", "))),
            children,
        }
    }
}

/// Draws trees one after another, notes aligned in one column three spaces past the
/// widest annotated label. Labels and notes are escaped (`output::escape`): a drawn tree is
/// one node a line whatever the file holds.
pub fn draw(roots: &[Node], charset: Charset) -> String {
    let g = charset.glyphs();
    let mut lines: Vec<(String, Option<&str>)> = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        if i > 0 {
            lines.push((String::new(), None));
        }
        lines.push((escape(&root.label).into_owned(), root.note.as_deref()));
        walk(&root.children, "", &g, &mut lines);
    }
    let column = lines
        .iter()
        .filter(|(_, note)| note.is_some())
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0)
        + 3;
    let mut out = String::new();
    for (label, note) in lines {
        match note {
            Some(n) => {
                let pad = column - label.chars().count();
                out.push_str(&format!("{label}{:pad$}{}\n", "", escape(n)));
            }
            None => {
                out.push_str(&label);
                out.push('\n');
            }
        }
    }
    out
}

fn walk<'a>(
    children: &'a [Node],
    prefix: &str,
    g: &Glyphs,
    lines: &mut Vec<(String, Option<&'a str>)>,
) {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let branch = if last { g.elbow } else { g.tee };
        lines.push((
            format!("{prefix}{branch}{}", escape(&child.label)),
            child.note.as_deref(),
        ));
        let deeper = format!("{prefix}{}", if last { g.blank } else { g.pipe });
        walk(&child.children, &deeper, g, lines);
    }
}

/// Tab-separated lines for scripts: `org project environment kind protected archived
/// resource type`, one per resource, and one per empty environment (resource and type empty).
pub fn plain(orgs: &[OrgNode]) -> String {
    let mut s = String::new();
    for o in orgs {
        for p in &o.projects {
            for e in &p.environments {
                let env = format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    escape(&o.slug),
                    escape(&p.slug),
                    escape(&e.slug),
                    e.kind,
                    crate::output::yes_no(e.protected),
                    crate::output::yes_no(e.archived)
                );
                if e.resources.is_empty() {
                    s.push_str(&format!("{env}\t\t\n"));
                }
                for r in &e.resources {
                    s.push_str(&format!("{env}\t{}\t{}\n", escape(&r.slug), r.kind));
                }
            }
        }
    }
    s
}

/// Tab-separated lines of `proj tree --access`: `org project environment holder role`, one
/// per holder with a role there (`holder` is an email or `team SLUG`).
pub fn plain_access(orgs: &[OrgNode]) -> String {
    let mut s = String::new();
    for o in orgs {
        for p in &o.projects {
            for e in &p.environments {
                for a in e.access.iter().flatten() {
                    s.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}\n",
                        o.slug,
                        p.slug,
                        e.slug,
                        a.holder(),
                        a.role
                    ));
                }
            }
        }
    }
    s
}

/// Draws one tree for a short preview inside other text (`proj init`'s summary): every line
/// behind `indent`, each note two spaces past the widest label among its siblings rather than
/// in one column for the whole tree.
pub fn draw_compact(root: &Node, charset: Charset, indent: &str) -> String {
    let mut out = String::new();
    compact_line(&mut out, indent, root, root.label.chars().count());
    compact_children(&root.children, indent, &charset.glyphs(), &mut out);
    out
}

fn compact_children(children: &[Node], prefix: &str, g: &Glyphs, out: &mut String) {
    let width = children
        .iter()
        .map(|n| n.label.chars().count())
        .max()
        .unwrap_or(0);
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let branch = if last { g.elbow } else { g.tee };
        compact_line(out, &format!("{prefix}{branch}"), child, width);
        let deeper = format!("{prefix}{}", if last { g.blank } else { g.pipe });
        compact_children(&child.children, &deeper, g, out);
    }
}

fn compact_line(out: &mut String, lead: &str, node: &Node, width: usize) {
    match &node.note {
        Some(n) => {
            let pad = width - node.label.chars().count();
            out.push_str(&format!("{lead}{}{:pad$}  {n}\n", node.label, ""));
        }
        None => out.push_str(&format!("{lead}{}\n", node.label)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> OrgNode {
        let env = |slug: &str, kind, protected| EnvNode {
            org: "acme".into(),
            project: "shop".into(),
            slug: slug.into(),
            kind,
            protected,
            archived: false,
            access: None,
            resources: vec![ResourceNode {
                org: "acme".into(),
                project: "shop".into(),
                environment: slug.into(),
                slug: "api".into(),
                kind: ResourceType::App,
            }],
        };
        OrgNode {
            slug: "acme".into(),
            display_name: None,
            projects: vec![ProjectNode {
                org: "acme".into(),
                slug: "shop".into(),
                display_name: None,
                environments: vec![
                    env("staging", EnvKind::Staging, false),
                    env("production", EnvKind::Production, true),
                ],
            }],
        }
    }

    #[test]
    fn draws_the_contract_example_with_box_characters() {
        let got = draw(&[Node::from(&shop())], Charset::Unicode);
        let want = "\
acme
└── shop
    ├── staging      (staging)
    │   └── api      app
    └── production   (production, protected)
        └── api      app
";
        assert_eq!(got, want);
    }

    #[test]
    fn draws_ascii_off_a_terminal() {
        let got = draw(&[Node::from(&shop())], Charset::Ascii);
        let want = "\
acme
`-- shop
    |-- staging      (staging)
    |   `-- api      app
    `-- production   (production, protected)
        `-- api      app
";
        assert_eq!(got, want);
    }

    #[test]
    fn separates_organizations_and_marks_empty_projects() {
        let mut other = shop();
        other.slug = "beta".into();
        other.projects[0].environments.clear();
        let got = draw(&[Node::from(&shop()), Node::from(&other)], Charset::Ascii);
        assert!(got.contains("\n\nbeta\n`-- shop"), "{got}");
        assert!(
            got.lines()
                .any(|l| l.starts_with("`-- shop ") && l.ends_with(" (no environments)")),
            "{got}"
        );
    }

    #[test]
    fn draws_a_compact_preview_with_notes_beside_each_sibling_group() {
        let got = draw_compact(&Node::from(&shop()), Charset::Unicode, "  ");
        let want = "  acme
  └── shop  (no environments)
";
        let mut empty = shop();
        empty.projects[0].environments.clear();
        assert_eq!(
            draw_compact(&Node::from(&empty), Charset::Unicode, "  "),
            want
        );
        let got_lines: Vec<&str> = got.lines().collect();
        assert_eq!(
            got_lines,
            [
                "  acme",
                "  └── shop",
                "      ├── staging     (staging)",
                "      │   └── api  app",
                "      └── production  (production, protected)",
                "          └── api  app",
            ]
        );
    }
}
