//! The answers: flags checked once into [`Answers`], and the questions that ask for one value
//! (an email, a name) until it is usable.

use super::prompt::Prompter;
use crate::error::{Error, Result};
use crate::model::{normalize_email, slash, suggest_slug, validate_email, validate_slug};

/// Answers given as flags, as typed; [`Known::check`] turns them into [`Answers`].
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub user: Option<String>,
    pub name: Option<String>,
    pub org: Option<String>,
    pub project: Option<String>,
    /// `--env` values; `None` when none were given.
    pub envs: Option<Vec<String>>,
    /// `--yes`: skip the final confirmation.
    pub yes: bool,
}

/// Flag answers that passed [`Known::check`]: each one skips its question, and none is
/// checked again. Only `check` makes one.
#[derive(Debug, Clone)]
pub struct Answers {
    known: Known,
}

impl Known {
    /// Folds `--project ORG/PROJECT` into the organization (they must agree) and checks every
    /// given value, so a bad flag fails before anything is asked, read or written.
    pub fn check(mut self) -> Result<Answers> {
        if let Some((org, project)) = self
            .project
            .as_deref()
            .and_then(|p| p.split_once('/'))
            .map(|(o, p)| (o.to_string(), p.to_string()))
        {
            if let Some(given) = self.org.as_ref().filter(|g| **g != org) {
                return Err(Error::usage(format!(
                    "the organization `{given}` and the project `{}` disagree",
                    slash(&[&org, &project])
                ))
                .with_hint("give the organization once, in --org or as ORG/PROJECT"));
            }
            self.org = Some(org);
            self.project = Some(project);
        }
        self.name = self.name.filter(|n| !n.trim().is_empty());

        if let Some(u) = &self.user {
            validate_email(u)?;
        }
        if let Some(o) = &self.org {
            validate_slug("organization", o)?;
        }
        if let Some(p) = &self.project {
            validate_slug("project", p)?;
        }
        for (i, e) in self.envs.iter().flatten().enumerate() {
            validate_slug("environment", e)?;
            if self.envs.iter().flatten().take(i).any(|x| x == e) {
                return Err(Error::usage(format!("environment `{e}` is given twice")));
            }
        }
        Ok(Answers { known: self })
    }
}

impl Answers {
    pub fn user(&self) -> Option<&str> {
        self.known.user.as_deref()
    }
    pub fn name(&self) -> Option<&str> {
        self.known.name.as_deref()
    }
    pub fn org(&self) -> Option<&str> {
        self.known.org.as_deref()
    }
    pub fn project(&self) -> Option<&str> {
        self.known.project.as_deref()
    }
    pub fn envs(&self) -> Option<&[String]> {
        self.known.envs.as_deref()
    }
    pub fn yes(&self) -> bool {
        self.known.yes
    }

    /// The flags a run without a terminal still needs, in the order the wizard asks.
    pub fn missing_flags(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.known.user.is_none() {
            missing.push("--user");
        }
        if self.known.org.is_none() {
            missing.push("--org");
        }
        if self.known.project.is_none() {
            missing.push("--project");
        }
        if !self.known.yes {
            missing.push("--yes");
        }
        missing
    }
}

/// The error for answers that cannot be asked for: names every missing flag.
pub fn missing_error(missing: &[&str]) -> Error {
    Error::usage(format!(
        "`proj init` cannot prompt without a terminal (or with --no-input); missing {}",
        missing.join(", ")
    ))
    .with_hint(
        "pass them, e.g. `proj init --yes --user you@example.com --name \"Your Name\" --org ORG --project PROJECT`, or run `proj init` in a terminal",
    )
}

/// Asks for an email until it is valid. A rejected answer is not offered back: typing would
/// append to it (`badana@acme.dev`).
pub(super) fn ask_email(p: &mut dyn Prompter) -> Result<String> {
    loop {
        let answer = p.input("Your email", None, None)?;
        let answer = answer.trim().to_string();
        match validate_email(&answer) {
            // Emails compare without case and are stored lowercased.
            Ok(()) => return Ok(normalize_email(&answer)),
            Err(e) => p.say(&rejection(&e)),
        }
    }
}

/// A name as a person typed it: the slug, and the text as the display name when it differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Named {
    pub slug: String,
    pub display_name: Option<String>,
}

/// Asks for an organization or project name. A valid slug is taken as it is; anything else
/// a slug can be derived from (`Storefront`, `My Shop`) becomes the display name, with the
/// derived slug shown; what gives no slug (`!!!`, control characters) is asked again.
pub(super) fn ask_name(
    p: &mut dyn Prompter,
    noun: &str,
    prompt: &str,
    default: Option<&str>,
) -> Result<Named> {
    loop {
        let answer = p.input(prompt, None, default)?;
        let answer = answer.trim();
        if let Err(e) = crate::model::validate_name_text(&format!("{noun} name"), answer) {
            p.say(&rejection(&e));
            continue;
        }
        if let Err(e) = validate_slug(noun, answer) {
            match suggest_slug(answer) {
                Some(slug) => {
                    p.say(&format!("  {noun} slug: {slug} (display name: {answer})"));
                    let slug = ask_slug(p, noun, &slug)?;
                    return Ok(Named {
                        slug,
                        display_name: Some(answer.to_string()),
                    });
                }
                None => {
                    p.say(&rejection(&e));
                    continue;
                }
            }
        }
        return Ok(Named {
            slug: answer.to_string(),
            display_name: None,
        });
    }
}

/// Offers the slug derived from a name, editable: Enter keeps it, and what is typed instead
/// must be a slug.
fn ask_slug(p: &mut dyn Prompter, noun: &str, suggested: &str) -> Result<String> {
    let mut prompt: Vec<char> = format!("{noun} slug").chars().collect();
    prompt[0] = prompt[0].to_ascii_uppercase();
    let prompt: String = prompt.into_iter().collect();
    loop {
        let answer = p.input(&prompt, Some(suggested), None)?;
        let answer = answer.trim();
        match validate_slug(noun, answer) {
            Ok(()) => return Ok(answer.to_string()),
            Err(e) => p.say(&rejection(&e)),
        }
    }
}

/// A refusal as the wizard says it before asking again.
pub(super) fn rejection(e: &Error) -> String {
    match &e.hint {
        Some(h) => format!("  {} ({h})", e.message),
        None => format!("  {}", e.message),
    }
}

/// `ana.lopez@acme.dev` → `Ana Lopez`.
pub(super) fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    local
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ana@mail.acme.dev` → `acme`: the part of the domain before its top level, as a slug.
pub(super) fn org_from_email(email: &str) -> Option<String> {
    let domain = email.split_once('@')?.1;
    let labels: Vec<&str> = domain.split('.').collect();
    let label = labels.len().checked_sub(2).map(|i| labels[i])?;
    if crate::model::is_valid_slug(label) {
        Some(label.to_string())
    } else {
        suggest_slug(label)
    }
}
