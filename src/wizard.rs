//! The quick-start wizard behind `proj init`: the questions, in the seed's "Start here" order,
//! and the plan they produce. Nothing here touches the database; `cli::init` reads what the
//! file already holds into [`Existing`], runs [`plan`] and applies the result in one write.
//!
//! Prompts go through [`Prompter`], so the whole conversation can be scripted in tests; the
//! real terminal uses [`TermPrompter`] (dialoguer).

use crate::error::{Error, Result};
use crate::model::{EnvKind, OrgRole, suggest_slug, validate_email, validate_slug};

/// Asks the user things. Implemented by dialoguer for terminals and by a script in tests.
pub trait Prompter {
    /// One line of text. `initial` is pre-filled and editable; `default` is taken when the
    /// answer is empty.
    fn input(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        default: Option<&str>,
    ) -> Result<String>;
    /// One item of `items`; returns its index.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    /// Any number of `items`; returns the chosen indexes in order.
    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
    /// Tells the user something (a rejected answer, the summary) without asking.
    fn say(&mut self, text: &str);
}

/// Answers already given as flags; each one skips its question.
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

impl Known {
    /// Folds `--project ORG/PROJECT` into the organization; they must agree.
    pub fn normalize(mut self) -> Result<Known> {
        if let Some((org, project)) = self
            .project
            .as_deref()
            .and_then(|p| p.split_once('/'))
            .map(|(o, p)| (o.to_string(), p.to_string()))
        {
            if let Some(given) = self.org.as_ref().filter(|g| **g != org) {
                return Err(Error::usage(format!(
                    "the organization `{given}` and the project `{org}/{project}` disagree"
                ))
                .with_hint("give the organization once, in --org or as ORG/PROJECT"));
            }
            self.org = Some(org);
            self.project = Some(project);
        }
        self.name = self.name.filter(|n| !n.trim().is_empty());
        Ok(self)
    }

    /// The flags a run without a terminal still needs, in the order the wizard asks.
    pub fn missing_flags(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.user.is_none() {
            missing.push("--user");
        }
        if self.org.is_none() {
            missing.push("--org");
        }
        if self.project.is_none() {
            missing.push("--project");
        }
        if !self.yes {
            missing.push("--yes");
        }
        missing
    }

    /// Checks every given value, so a bad flag fails before anything is asked or written.
    pub fn validate(&self) -> Result<()> {
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
        Ok(())
    }
}

/// What the file holds when the wizard starts.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub orgs: Vec<ExistingOrg>,
    /// The saved selection, to offer it first.
    pub selected_org: Option<String>,
    pub selected_project: Option<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct ExistingOrg {
    pub slug: String,
    pub members: Vec<ExistingMember>,
    pub projects: Vec<ExistingProject>,
}

#[derive(Debug, Clone)]
pub struct ExistingMember {
    pub email: String,
    pub name: Option<String>,
    pub role: OrgRole,
}

#[derive(Debug, Clone, Default)]
pub struct ExistingProject {
    pub slug: String,
    /// Every environment with its kind, archived ones included (their slugs are taken).
    pub envs: Vec<(String, EnvKind)>,
}

impl Existing {
    pub fn org(&self, slug: &str) -> Option<&ExistingOrg> {
        self.orgs.iter().find(|o| o.slug == slug)
    }

    /// A member with this email in any organization (to offer their name back).
    fn member_anywhere(&self, email: &str) -> Option<&ExistingMember> {
        self.orgs
            .iter()
            .flat_map(|o| &o.members)
            .find(|m| m.email == email)
    }
}

impl ExistingOrg {
    pub fn project(&self, slug: &str) -> Option<&ExistingProject> {
        self.projects.iter().find(|p| p.slug == slug)
    }

    pub fn member(&self, email: &str) -> Option<&ExistingMember> {
        self.members.iter().find(|m| m.email == email)
    }
}

/// Everything the wizard decided; applying it twice changes nothing the second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub email: String,
    pub name: Option<String>,
    pub org: String,
    pub project: String,
    /// Environments the project should have; the missing ones are created, none removed.
    pub envs: Vec<String>,
}

impl Plan {
    /// The non-interactive command that does the same thing.
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

/// Refuses an organization that already has members when `email` is not one of them:
/// joining it is `proj member add` for one of its owners or admins, not a side effect of init.
pub fn check_membership(existing: Option<&ExistingOrg>, email: &str) -> Result<()> {
    match existing {
        Some(org) if !org.members.is_empty() && org.member(email).is_none() => {
            Err(Error::denied(format!(
                "`{email}` is not a member of organization `{}`",
                org.slug
            ))
            .with_hint(format!(
                "ask one of its owners to run `proj member add {email} --org {}`, or pick another organization",
                org.slug
            )))
        }
        _ => Ok(()),
    }
}

/// The first thing the wizard says.
pub const INTRO: &str = "Set up proj: who you are, your organization and your first project.\n\
     Nothing is saved until you confirm at the end; Ctrl-C quits.\n";

/// The environments the wizard offers besides production.
const OFFERED: [&str; 2] = ["development", "staging"];

/// Runs the conversation: asks what `known` does not answer and returns the plan, or `None`
/// when the user declines the final confirmation. Nothing is written either way.
pub fn plan(p: &mut dyn Prompter, known: &Known, existing: &Existing) -> Result<Option<Plan>> {
    known.validate()?;

    // 1. Who are you.
    let email = match &known.user {
        Some(u) => u.clone(),
        None => ask_email(p)?,
    };
    let name = match &known.name {
        Some(n) => Some(n.clone()),
        None => {
            let default = existing
                .member_anywhere(&email)
                .and_then(|m| m.name.clone())
                .unwrap_or_else(|| name_from_email(&email));
            let answer = p.input("Your name", None, Some(&default))?;
            Some(answer.trim().to_string()).filter(|n| !n.is_empty())
        }
    };

    // 2. The organization.
    let org = match &known.org {
        Some(o) => o.clone(),
        None => ask_org(p, existing, &email)?,
    };
    let existing_org = existing.org(&org);
    check_membership(existing_org, &email)?;

    // 3. The first project.
    let project = match &known.project {
        Some(pr) => pr.clone(),
        None => {
            let default = existing_org.and_then(|o| {
                let saved = existing
                    .selected_project
                    .as_ref()
                    .filter(|(so, sp)| *so == o.slug && o.project(sp).is_some())
                    .map(|(_, sp)| sp.clone());
                saved.or_else(|| match o.projects.as_slice() {
                    [only] => Some(only.slug.clone()),
                    _ => None,
                })
            });
            ask_slug(p, "project", "Project name", default.as_deref())?
        }
    };
    let existing_project = existing_org.and_then(|o| o.project(&project));

    // 4. Its environments.
    let envs = match (&known.envs, existing_project) {
        (Some(envs), _) => envs.clone(),
        (None, None) => ask_new_project_envs(p, &project)?,
        (None, Some(have)) => ask_more_envs(p, &org, have)?,
    };

    let plan = Plan {
        email,
        name,
        org,
        project,
        envs,
    };

    // 5. The summary and the final word.
    p.say(&summary(&plan, existing));
    if !known.yes && !p.confirm("Go ahead?", true)? {
        return Ok(None);
    }
    Ok(Some(plan))
}

/// The plan for a run without a terminal: every answer is a flag.
pub fn plan_from_flags(known: &Known, existing: &Existing) -> Result<Plan> {
    known.validate()?;
    let missing = known.missing_flags();
    if !missing.is_empty() {
        return Err(missing_error(&missing));
    }
    let (Some(email), Some(org), Some(project)) = (&known.user, &known.org, &known.project) else {
        unreachable!("checked by missing_flags");
    };
    let existing_org = existing.org(org);
    check_membership(existing_org, email)?;
    let existing_project = existing_org.and_then(|o| o.project(project));
    let envs = match (&known.envs, existing_project) {
        (Some(envs), _) => envs.clone(),
        (None, None) => vec!["production".to_string()],
        // An existing project keeps the environments it has unless `--env` asks for more.
        (None, Some(_)) => Vec::new(),
    };
    Ok(Plan {
        email: email.clone(),
        name: known.name.clone(),
        org: org.clone(),
        project: project.clone(),
        envs,
    })
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

fn ask_email(p: &mut dyn Prompter) -> Result<String> {
    let mut initial: Option<String> = None;
    loop {
        let answer = p.input("Your email", initial.as_deref(), None)?;
        let answer = answer.trim().to_string();
        match validate_email(&answer) {
            Ok(()) => return Ok(answer),
            Err(e) => {
                p.say(&rejection(&e));
                initial = Some(answer).filter(|a| !a.is_empty());
            }
        }
    }
}

/// Asks for a slug until it is valid; a rejected answer comes back with the suggested slug
/// pre-filled, so Enter accepts it.
fn ask_slug(
    p: &mut dyn Prompter,
    noun: &str,
    prompt: &str,
    default: Option<&str>,
) -> Result<String> {
    let mut initial: Option<String> = None;
    loop {
        let answer = p.input(prompt, initial.as_deref(), default)?;
        let answer = answer.trim().to_string();
        match validate_slug(noun, &answer) {
            Ok(()) => return Ok(answer),
            Err(e) => {
                p.say(&rejection(&e));
                initial = suggest_slug(&answer);
            }
        }
    }
}

fn rejection(e: &Error) -> String {
    match &e.hint {
        Some(h) => format!("  {} ({h})", e.message),
        None => format!("  {}", e.message),
    }
}

fn ask_org(p: &mut dyn Prompter, existing: &Existing, email: &str) -> Result<String> {
    let suggested = org_from_email(email);
    if existing.orgs.is_empty() {
        return ask_slug(p, "organization", "Organization name", suggested.as_deref());
    }
    let mut items: Vec<String> = existing.orgs.iter().map(|o| o.slug.clone()).collect();
    items.push("a new organization…".to_string());
    let default = existing
        .selected_org
        .as_ref()
        .and_then(|s| existing.orgs.iter().position(|o| o.slug == *s))
        .unwrap_or(0);
    // An organization you cannot join is explained and the choice offered again.
    loop {
        let picked = p.select("Organization", &items, default)?;
        let slug = if picked < existing.orgs.len() {
            existing.orgs[picked].slug.clone()
        } else {
            let suggested = suggested.clone().filter(|s| existing.org(s).is_none());
            ask_slug(
                p,
                "organization",
                "New organization name",
                suggested.as_deref(),
            )?
        };
        match check_membership(existing.org(&slug), email) {
            Ok(()) => return Ok(slug),
            Err(e) => p.say(&rejection(&e)),
        }
    }
}

fn ask_new_project_envs(p: &mut dyn Prompter, project: &str) -> Result<Vec<String>> {
    loop {
        let production = p.confirm(
            &format!("Start `{project}` with a Production environment (protected)?"),
            true,
        )?;
        let offered: Vec<String> = OFFERED.iter().map(|s| s.to_string()).collect();
        let more = p.multi_select(
            "Add Development and/or Staging now? (space toggles, enter accepts)",
            &offered,
        )?;
        let mut envs = Vec::new();
        if production {
            envs.push("production".to_string());
        }
        envs.extend(more.into_iter().map(|i| offered[i].clone()));
        if !envs.is_empty() {
            return Ok(envs);
        }
        p.say("  a project starts with at least one environment; pick one");
    }
}

fn ask_more_envs(p: &mut dyn Prompter, org: &str, have: &ExistingProject) -> Result<Vec<String>> {
    let missing: Vec<String> = ["production", "development", "staging"]
        .into_iter()
        .filter(|e| !have.envs.iter().any(|(h, _)| h == e))
        .map(str::to_string)
        .collect();
    p.say(&format!(
        "  `{org}/{}` exists with {}",
        have.slug,
        list_or_none(&have.envs.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>())
    ));
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let picked = p.multi_select(
        "Add environments now? (space toggles, enter accepts)",
        &missing,
    )?;
    Ok(picked.into_iter().map(|i| missing[i].clone()).collect())
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "no environments".to_string()
    } else {
        items.join(", ")
    }
}

/// What the plan will do, as a tree marking what is new.
pub fn summary(plan: &Plan, existing: &Existing) -> String {
    let org = existing.org(&plan.org);
    let project = org.and_then(|o| o.project(&plan.project));
    let member = org.and_then(|o| o.member(&plan.email));
    let new = |exists: bool| if exists { "" } else { ", new" };

    let mut envs: Vec<(String, EnvKind, bool)> = project
        .map(|p| p.envs.iter().map(|(s, k)| (s.clone(), *k, true)).collect())
        .unwrap_or_default();
    for e in &plan.envs {
        if !envs.iter().any(|(s, _, _)| s == e) {
            envs.push((e.clone(), EnvKind::infer(e), false));
        }
    }
    // Release-flow order, as `proj env list` shows them.
    envs.sort_by_key(|(_, kind, _)| *kind);

    let mut out = String::from("\n");
    out.push_str(&format!(
        "  {}  (organization{})\n",
        plan.org,
        new(org.is_some())
    ));
    out.push_str(&format!(
        "  └── {}  (project{})\n",
        plan.project,
        new(project.is_some())
    ));
    let width = envs.iter().map(|(s, _, _)| s.len()).max().unwrap_or(0);
    for (i, (slug, kind, exists)) in envs.iter().enumerate() {
        let branch = if i + 1 == envs.len() {
            "└──"
        } else {
            "├──"
        };
        let protected = if kind.protected_by_default() && !exists {
            ", protected"
        } else {
            ""
        };
        out.push_str(&format!(
            "      {branch} {slug:<width$}  ({kind}{protected}{})\n",
            new(*exists)
        ));
    }
    let who = match &plan.name {
        Some(n) => format!("{} <{}>", n, plan.email),
        None => plan.email.clone(),
    };
    let role = match member {
        Some(m) => format!("{} of {}", m.role, plan.org),
        None => format!("owner of {}, new member", plan.org),
    };
    out.push_str(&format!("  you: {who}, {role}\n"));
    out
}

/// `ana.lopez@acme.dev` → `Ana Lopez`.
fn name_from_email(email: &str) -> String {
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
fn org_from_email(email: &str) -> Option<String> {
    let domain = email.split_once('@')?.1;
    let labels: Vec<&str> = domain.split('.').collect();
    let label = labels.len().checked_sub(2).map(|i| labels[i])?;
    if crate::model::is_valid_slug(label) {
        Some(label.to_string())
    } else {
        suggest_slug(label)
    }
}

/// Prompts on the user's terminal with dialoguer. Prompts and notes go to stderr, so
/// stdout carries only the result.
pub struct TermPrompter {
    theme: dialoguer::theme::ColorfulTheme,
}

impl TermPrompter {
    /// Also arranges for Ctrl-C to show the cursor again: dialoguer hides it during a
    /// selection, and the interrupt ends the process before dialoguer could restore it.
    pub fn new() -> Self {
        interrupt::restore_cursor_on_interrupt();
        TermPrompter {
            theme: dialoguer::theme::ColorfulTheme::default(),
        }
    }
}

impl Default for TermPrompter {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TermPrompter {
    fn drop(&mut self) {
        interrupt::default_on_interrupt();
    }
}

fn answer_error(e: dialoguer::Error) -> Error {
    Error::internal("cannot read the answer; nothing was changed").caused_by(e)
}

impl Prompter for TermPrompter {
    fn input(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        default: Option<&str>,
    ) -> Result<String> {
        let mut input = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(prompt)
            .allow_empty(true);
        if let Some(i) = initial {
            input = input.with_initial_text(i);
        }
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        input.interact_text().map_err(answer_error)
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()
            .map_err(answer_error)
    }

    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>> {
        dialoguer::MultiSelect::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .interact()
            .map_err(answer_error)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        dialoguer::Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact()
            .map_err(answer_error)
    }

    fn say(&mut self, text: &str) {
        let _ = dialoguer::console::Term::stderr().write_line(text);
    }
}

/// Ctrl-C during a prompt: console turns it into SIGINT, which ends the process before any
/// write (the plan is applied only after the final confirmation). While a prompter lives, the
/// handler shows the cursor again and says nothing was changed; either way the default action
/// follows, so the shell still sees an interrupted command. signal-hook keeps the handler: once
/// registered it stays, and outside the wizard it only does what the default would.
#[cfg(unix)]
mod interrupt {
    use signal_hook::consts::SIGINT;
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, Ordering};

    static PROMPTING: AtomicBool = AtomicBool::new(false);
    static REGISTER: Once = Once::new();

    fn on_interrupt() {
        const MESSAGE: &[u8] = b"\x1b[?25h\ncancelled; nothing was changed\n";
        if PROMPTING.load(Ordering::SeqCst) {
            use std::io::Write;
            use std::os::fd::FromRawFd;
            // One write(2) on stderr, bypassing std's lock: nothing else is safe in a handler.
            // SAFETY: fd 2 stays open for the life of the process and is never closed here.
            let mut stderr = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
            let _ = stderr.write(MESSAGE);
        }
        let _ = signal_hook::low_level::emulate_default_handler(SIGINT);
    }

    pub fn restore_cursor_on_interrupt() {
        REGISTER.call_once(|| {
            // SAFETY: the action only loads an atomic, writes once to fd 2 and resets and
            // re-raises the signal, all async-signal-safe.
            let _ = unsafe { signal_hook::low_level::register(SIGINT, on_interrupt) };
        });
        PROMPTING.store(true, Ordering::SeqCst);
    }

    pub fn default_on_interrupt() {
        PROMPTING.store(false, Ordering::SeqCst);
    }
}

#[cfg(not(unix))]
mod interrupt {
    pub fn restore_cursor_on_interrupt() {}
    pub fn default_on_interrupt() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// One scripted answer, in the order the wizard asks.
    #[derive(Debug)]
    enum A {
        Text(&'static str),
        /// Accept what is offered (the pre-filled text, else the default).
        Enter,
        Pick(usize),
        Picks(Vec<usize>),
        Yes,
        No,
        /// What Ctrl-C turns into when dialoguer reports it as an error.
        Interrupt,
    }

    /// A question as the wizard asked it, to check prompts, pre-filled text and defaults.
    #[derive(Debug, Clone, PartialEq)]
    enum Q {
        Input {
            prompt: String,
            initial: Option<String>,
            default: Option<String>,
        },
        Select {
            prompt: String,
            items: Vec<String>,
            default: usize,
        },
        Multi {
            prompt: String,
            items: Vec<String>,
        },
        Confirm {
            prompt: String,
        },
    }

    #[derive(Default)]
    struct Script {
        answers: VecDeque<A>,
        asked: Vec<Q>,
        said: Vec<String>,
    }

    impl Script {
        fn new(answers: Vec<A>) -> Self {
            Script {
                answers: answers.into(),
                ..Script::default()
            }
        }
        fn next(&mut self, q: Q) -> Result<A> {
            self.asked.push(q.clone());
            match self.answers.pop_front() {
                Some(A::Interrupt) => Err(Error::internal("interrupted")),
                Some(a) => Ok(a),
                None => panic!("no scripted answer for {q:?}"),
            }
        }
        fn inputs(&self) -> Vec<&Q> {
            self.asked
                .iter()
                .filter(|q| matches!(q, Q::Input { .. }))
                .collect()
        }
    }

    impl Prompter for Script {
        fn input(
            &mut self,
            prompt: &str,
            initial: Option<&str>,
            default: Option<&str>,
        ) -> Result<String> {
            let q = Q::Input {
                prompt: prompt.into(),
                initial: initial.map(Into::into),
                default: default.map(Into::into),
            };
            match self.next(q)? {
                A::Text(t) => Ok(t.to_string()),
                A::Enter => Ok(initial.or(default).unwrap_or_default().to_string()),
                a => panic!("input `{prompt}` got {a:?}"),
            }
        }
        fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
            let q = Q::Select {
                prompt: prompt.into(),
                items: items.to_vec(),
                default,
            };
            match self.next(q)? {
                A::Pick(i) => Ok(i),
                A::Enter => Ok(default),
                a => panic!("select `{prompt}` got {a:?}"),
            }
        }
        fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>> {
            let q = Q::Multi {
                prompt: prompt.into(),
                items: items.to_vec(),
            };
            match self.next(q)? {
                A::Picks(v) => Ok(v),
                A::Enter => Ok(Vec::new()),
                a => panic!("multi-select `{prompt}` got {a:?}"),
            }
        }
        fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
            match self.next(Q::Confirm {
                prompt: prompt.into(),
            })? {
                A::Yes => Ok(true),
                A::No => Ok(false),
                A::Enter => Ok(default),
                a => panic!("confirm `{prompt}` got {a:?}"),
            }
        }
        fn say(&mut self, text: &str) {
            self.said.push(text.to_string());
        }
    }

    fn run(answers: Vec<A>, known: &Known, existing: &Existing) -> (Result<Option<Plan>>, Script) {
        let mut s = Script::new(answers);
        let out = plan(&mut s, known, existing);
        assert!(
            s.answers.is_empty(),
            "unused answers: {:?}\nasked: {:#?}",
            s.answers,
            s.asked
        );
        (out, s)
    }

    fn plan_of(email: &str, name: Option<&str>, org: &str, project: &str, envs: &[&str]) -> Plan {
        Plan {
            email: email.into(),
            name: name.map(Into::into),
            org: org.into(),
            project: project.into(),
            envs: envs.iter().map(|e| e.to_string()).collect(),
        }
    }

    fn org(slug: &str, members: &[&str], projects: &[(&str, &[&str])]) -> ExistingOrg {
        ExistingOrg {
            slug: slug.into(),
            members: members
                .iter()
                .map(|e| ExistingMember {
                    email: e.to_string(),
                    name: Some("Ana Existing".into()),
                    role: OrgRole::Owner,
                })
                .collect(),
            projects: projects
                .iter()
                .map(|(p, envs)| ExistingProject {
                    slug: p.to_string(),
                    envs: envs
                        .iter()
                        .map(|e| (e.to_string(), EnvKind::infer(e)))
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_new_file_creates_everything_with_suggested_defaults() {
        let (out, s) = run(
            vec![
                A::Text("ana.lopez@acme.dev"),
                A::Enter, // name: Ana Lopez
                A::Enter, // organization: acme, from the email
                A::Text("shop"),
                A::Enter,         // production: yes
                A::Picks(vec![]), // nothing more
                A::Yes,
            ],
            &Known::default(),
            &Existing::default(),
        );
        assert_eq!(
            out.unwrap(),
            Some(plan_of(
                "ana.lopez@acme.dev",
                Some("Ana Lopez"),
                "acme",
                "shop",
                &["production"]
            ))
        );
        let inputs = s.inputs();
        assert_eq!(
            inputs[1],
            &Q::Input {
                prompt: "Your name".into(),
                initial: None,
                default: Some("Ana Lopez".into())
            }
        );
        assert_eq!(
            inputs[2],
            &Q::Input {
                prompt: "Organization name".into(),
                initial: None,
                default: Some("acme".into())
            }
        );
        // No organization to pick from: no select was shown.
        assert!(!s.asked.iter().any(|q| matches!(q, Q::Select { .. })));
        let summary = s.said.last().unwrap();
        assert!(summary.contains("acme  (organization, new)"), "{summary}");
        assert!(
            summary.contains("production  (production, protected, new)"),
            "{summary}"
        );
        assert!(summary.contains("owner of acme, new member"), "{summary}");
    }

    #[test]
    fn the_only_organization_is_the_default_and_can_be_picked() {
        let existing = Existing {
            orgs: vec![org("acme", &[], &[])],
            ..Existing::default()
        };
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Enter, // the default: acme
                A::Text("shop"),
                A::Yes,
                A::Enter,
                A::Enter, // Go ahead? default yes
            ],
            &Known::default(),
            &existing,
        );
        assert_eq!(
            out.unwrap(),
            Some(plan_of(
                "ana@acme.dev",
                Some("Ana"),
                "acme",
                "shop",
                &["production"]
            ))
        );
        assert_eq!(
            s.asked[2],
            Q::Select {
                prompt: "Organization".into(),
                items: vec!["acme".into(), "a new organization…".into()],
                default: 0
            }
        );
    }

    #[test]
    fn an_existing_organization_is_picked_among_several_with_the_saved_one_first() {
        let existing = Existing {
            orgs: vec![org("acme", &[], &[]), org("globex", &[], &[])],
            selected_org: Some("globex".into()),
            ..Existing::default()
        };
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Pick(0),
                A::Text("shop"),
                A::Yes,
                A::Picks(vec![0, 1]),
                A::Yes,
            ],
            &Known::default(),
            &existing,
        );
        assert!(matches!(&s.asked[2], Q::Select { default: 1, .. }));
        assert_eq!(
            out.unwrap(),
            Some(plan_of(
                "ana@acme.dev",
                Some("Ana"),
                "acme",
                "shop",
                &["production", "development", "staging"]
            ))
        );
    }

    #[test]
    fn a_new_organization_can_be_created_next_to_existing_ones() {
        let existing = Existing {
            orgs: vec![org("globex", &["x@globex.com"], &[])],
            ..Existing::default()
        };
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Pick(1),
                A::Enter, // acme, suggested from the email
                A::Text("shop"),
                A::Yes,
                A::Picks(vec![1]),
                A::Yes,
            ],
            &Known::default(),
            &existing,
        );
        assert_eq!(
            s.inputs()[2],
            &Q::Input {
                prompt: "New organization name".into(),
                initial: None,
                default: Some("acme".into())
            }
        );
        assert_eq!(
            out.unwrap(),
            Some(plan_of(
                "ana@acme.dev",
                Some("Ana"),
                "acme",
                "shop",
                &["production", "staging"]
            ))
        );
    }

    #[test]
    fn an_invalid_slug_is_asked_again_with_the_suggestion_prefilled() {
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Text("Acme Corp"),
                A::Enter, // accept the pre-filled `acme-corp`
                A::Text("My Shop!"),
                A::Text("shop"), // or type something else
                A::Yes,
                A::Enter,
                A::Yes,
            ],
            &Known::default(),
            &Existing::default(),
        );
        let plan = out.unwrap().unwrap();
        assert_eq!(
            (plan.org.as_str(), plan.project.as_str()),
            ("acme-corp", "shop")
        );
        let inputs = s.inputs();
        assert_eq!(
            inputs[3],
            &Q::Input {
                prompt: "Organization name".into(),
                initial: Some("acme-corp".into()),
                default: Some("acme".into())
            }
        );
        assert!(matches!(inputs[5], Q::Input { initial: Some(i), .. } if i == "my-shop"));
        assert!(
            s.said[0].contains("invalid organization name `Acme Corp`"),
            "{:?}",
            s.said
        );
        assert!(
            s.said[1].contains("invalid project name `My Shop!`"),
            "{:?}",
            s.said
        );
    }

    #[test]
    fn an_invalid_email_is_asked_again_with_the_answer_to_fix() {
        let (out, s) = run(
            vec![
                A::Text("ana at acme"),
                A::Text(""),
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Text("acme"),
                A::Text("shop"),
                A::Yes,
                A::Enter,
                A::Yes,
            ],
            &Known::default(),
            &Existing::default(),
        );
        assert_eq!(out.unwrap().unwrap().email, "ana@acme.dev");
        let inputs = s.inputs();
        assert!(matches!(inputs[1], Q::Input { initial: Some(i), .. } if i == "ana at acme"));
        assert!(matches!(inputs[2], Q::Input { initial: None, .. }));
        assert!(s.said[0].contains("invalid email `ana at acme`"));
        assert!(s.said[1].contains("invalid email ``"));
    }

    #[test]
    fn declining_the_final_confirmation_plans_nothing() {
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Text("acme"),
                A::Text("shop"),
                A::Yes,
                A::Enter,
                A::No,
            ],
            &Known::default(),
            &Existing::default(),
        );
        assert_eq!(out.unwrap(), None);
        assert_eq!(
            s.asked.last().unwrap(),
            &Q::Confirm {
                prompt: "Go ahead?".into()
            }
        );
    }

    #[test]
    fn an_interrupted_prompt_is_an_error_and_no_plan() {
        let (out, _) = run(
            vec![A::Text("ana@acme.dev"), A::Interrupt],
            &Known::default(),
            &Existing::default(),
        );
        assert!(out.is_err());
    }

    #[test]
    fn environment_choices() {
        // Production declined and nothing else picked: asked again.
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Text("acme"),
                A::Text("shop"),
                A::No,
                A::Picks(vec![]),
                A::No,
                A::Picks(vec![0]),
                A::Yes,
            ],
            &Known::default(),
            &Existing::default(),
        );
        assert_eq!(out.unwrap().unwrap().envs, ["development"]);
        assert!(
            s.said
                .iter()
                .any(|l| l.contains("at least one environment"))
        );
        let multi = s
            .asked
            .iter()
            .find(|q| matches!(q, Q::Multi { .. }))
            .unwrap();
        assert!(
            matches!(multi, Q::Multi { items, .. } if items == &["development", "staging"]),
            "{multi:?}"
        );
    }

    #[test]
    fn an_existing_project_offers_only_the_environments_it_lacks() {
        let existing = Existing {
            orgs: vec![org("acme", &["ana@acme.dev"], &[("shop", &["production"])])],
            selected_project: Some(("acme".into(), "shop".into())),
            ..Existing::default()
        };
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Enter, // name offered back from the membership
                A::Enter, // acme
                A::Enter, // shop, the saved project
                A::Picks(vec![1]),
                A::Yes,
            ],
            &Known::default(),
            &existing,
        );
        assert_eq!(
            out.unwrap(),
            Some(plan_of(
                "ana@acme.dev",
                Some("Ana Existing"),
                "acme",
                "shop",
                &["staging"]
            ))
        );
        assert!(
            s.asked.iter().any(
                |q| matches!(q, Q::Multi { items, .. } if items == &["development", "staging"])
            )
        );
        let summary = s.said.last().unwrap();
        assert!(summary.contains("shop  (project)"), "{summary}");
        assert!(summary.contains("staging     (staging, new)"), "{summary}");
        assert!(summary.contains("production  (production)"), "{summary}");
        assert!(summary.contains("owner of acme\n"), "{summary}");
    }

    #[test]
    fn flags_skip_their_questions() {
        let known = Known {
            user: Some("ana@acme.dev".into()),
            name: Some("Ana".into()),
            org: Some("acme".into()),
            project: Some("shop".into()),
            envs: Some(vec!["production".into(), "qa".into()]),
            yes: true,
        };
        let (out, s) = run(vec![], &known, &Existing::default());
        assert_eq!(
            out.unwrap(),
            Some(plan_of(
                "ana@acme.dev",
                Some("Ana"),
                "acme",
                "shop",
                &["production", "qa"]
            ))
        );
        assert!(s.asked.is_empty());
        // Without --yes only the final confirmation is left.
        let known = Known {
            yes: false,
            ..known
        };
        let (out, s) = run(vec![A::Yes], &known, &Existing::default());
        assert!(out.unwrap().is_some());
        assert_eq!(s.asked.len(), 1);
    }

    #[test]
    fn an_organization_with_other_members_is_explained_and_offered_again() {
        let existing = Existing {
            orgs: vec![org("acme", &["bo@acme.dev"], &[])],
            ..Existing::default()
        };
        let (out, s) = run(
            vec![
                A::Text("ana@acme.dev"),
                A::Text("Ana"),
                A::Enter, // acme: not a member
                A::Pick(1),
                A::Text("acme"), // typed, still acme
                A::Pick(1),
                A::Text("ana-co"),
                A::Text("shop"),
                A::Yes,
                A::Enter,
                A::Yes,
            ],
            &Known::default(),
            &existing,
        );
        assert_eq!(out.unwrap().unwrap().org, "ana-co");
        let refusals = s
            .said
            .iter()
            .filter(|l| l.contains("`ana@acme.dev` is not a member of organization `acme`"))
            .count();
        assert_eq!(refusals, 2, "{:?}", s.said);
        // Given as a flag it is an error: nothing to offer instead.
        let known = Known {
            org: Some("acme".into()),
            ..Known::default()
        };
        let (out, _) = run(
            vec![A::Text("ana@acme.dev"), A::Text("Ana")],
            &known,
            &existing,
        );
        assert_eq!(out.unwrap_err().exit_code(), 5);
    }

    #[test]
    fn without_a_terminal_every_missing_flag_is_named() {
        let err = plan_from_flags(&Known::default(), &Existing::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message
                .ends_with("missing --user, --org, --project, --yes"),
            "{}",
            err.message
        );
        let known = Known {
            user: Some("ana@acme.dev".into()),
            project: Some("acme/shop".into()),
            ..Known::default()
        }
        .normalize()
        .unwrap();
        assert_eq!(known.missing_flags(), ["--yes"]);
        let known = Known { yes: true, ..known };
        let plan = plan_from_flags(&known, &Existing::default()).unwrap();
        assert_eq!(
            plan,
            plan_of("ana@acme.dev", None, "acme", "shop", &["production"])
        );
        // An existing project keeps its environments unless --env asks for more.
        let existing = Existing {
            orgs: vec![org("acme", &[], &[("shop", &["staging"])])],
            ..Existing::default()
        };
        assert!(plan_from_flags(&known, &existing).unwrap().envs.is_empty());
    }

    #[test]
    fn flag_values_are_checked() {
        let bad = |k: Known| {
            k.normalize()
                .and_then(|k| k.validate())
                .unwrap_err()
                .exit_code()
        };
        let user = || Some("ana@acme.dev".to_string());
        assert_eq!(
            bad(Known {
                user: Some("ana".into()),
                ..Known::default()
            }),
            2
        );
        assert_eq!(
            bad(Known {
                user: user(),
                org: Some("Acme".into()),
                ..Known::default()
            }),
            2
        );
        assert_eq!(
            bad(Known {
                org: Some("acme".into()),
                project: Some("globex/shop".into()),
                ..Known::default()
            }),
            2
        );
        assert_eq!(
            bad(Known {
                envs: Some(vec!["qa".into(), "qa".into()]),
                ..Known::default()
            }),
            2
        );
    }

    #[test]
    fn the_equivalent_command_quotes_what_needs_it() {
        let plan = plan_of(
            "ana@acme.dev",
            Some("Ana O'Neil"),
            "acme",
            "shop",
            &["production"],
        );
        assert_eq!(
            plan.command(),
            r"proj init --yes --user ana@acme.dev --name 'Ana O'\''Neil' --org acme --project shop --env production"
        );
    }

    #[test]
    fn suggestions_from_the_email() {
        assert_eq!(name_from_email("ana.lopez+work@acme.dev"), "Ana Lopez");
        assert_eq!(org_from_email("ana@mail.acme.dev").as_deref(), Some("acme"));
        assert_eq!(org_from_email("ana@Big_Co.io").as_deref(), Some("big-co"));
        assert_eq!(org_from_email("ana@localhost"), None);
    }
}
