//! What the wizard shows: the preview of a plan as a tree (drawn by `crate::tree`), and the
//! one command that does the same without questions.

use super::{Outline, Plan};
use crate::model::slash;
use crate::tree::{self, Charset, Node};

/// What the plan will do, as a tree marking what is new, and who you will be.
pub fn summary(plan: &Plan, outline: &Outline) -> String {
    let new = |exists: bool| if exists { "" } else { ", new" };
    let envs = outline
        .envs
        .iter()
        .map(|e| {
            // Protection is news only for an environment that will be created.
            let protected = if e.kind.protected_by_default() && !e.exists {
                ", protected"
            } else {
                ""
            };
            Node {
                label: e.slug.clone(),
                note: Some(format!("({}{protected}{})", e.kind, new(e.exists))),
                children: Vec::new(),
            }
        })
        .collect();
    let project = Node {
        label: plan.project.clone(),
        note: Some(format!(
            "(project{}{})",
            shown_as(&plan.project_display_name),
            new(outline.project_exists)
        )),
        children: envs,
    };
    let org = Node {
        label: plan.org.clone(),
        note: Some(format!(
            "(organization{}{})",
            shown_as(&plan.org_display_name),
            new(outline.org_exists)
        )),
        children: vec![project],
    };

    let mut out = String::from("\n");
    out.push_str(&tree::draw_compact(&org, Charset::Unicode, "  "));
    let who = match &plan.name {
        Some(n) => format!("{} <{}>", n, plan.email),
        None => plan.email.clone(),
    };
    let role = match outline.role {
        Some(role) => format!("{role} of {}", plan.org),
        None => format!("owner of {}, new member", plan.org),
    };
    out.push_str(&format!("  you: {who}, {role}\n"));
    out
}

/// ` "Storefront"` after the noun in a preview note, when a display name was typed.
fn shown_as(display_name: &Option<String>) -> String {
    display_name
        .as_ref()
        .map(|d| format!(" \"{d}\""))
        .unwrap_or_default()
}

impl Plan {
    /// The non-interactive command that does the same thing. init has no flag for display
    /// names, so a typed one is set by the rename that follows it.
    pub fn command(&self) -> String {
        let mut words = vec![
            "proj".to_string(),
            "init".into(),
            "--yes".into(),
            "--user".into(),
            shell_quote(&self.email),
        ];
        if let Some(name) = &self.name {
            words.push("--name".into());
            words.push(shell_quote(name));
        }
        words.extend([
            "--org".into(),
            shell_quote(&self.org),
            "--project".into(),
            shell_quote(&self.project),
        ]);
        for env in &self.envs {
            words.push("--env".into());
            words.push(shell_quote(env));
        }
        if let Some(d) = &self.org_display_name {
            words.extend(["&&", "proj", "org", "rename"].map(String::from));
            words.extend([
                shell_quote(&self.org),
                "--display-name".into(),
                shell_quote(d),
            ]);
        }
        if let Some(d) = &self.project_display_name {
            words.extend(["&&", "proj", "project", "rename"].map(String::from));
            words.extend([
                shell_quote(&slash(&[&self.org, &self.project])),
                "--display-name".into(),
                shell_quote(d),
            ]);
        }
        words.join(" ")
    }
}

/// Quotes a word for a POSIX shell only when it needs it.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Environment slugs joined by commas, or `no environments`.
pub fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "no environments".to_string()
    } else {
        items.join(", ")
    }
}
