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
            if let Some(given) = &self.org {
                if *given != org {
                    return Err(Error::usage(format!(
                        "the organization `{given}` and the project `{org}/{project}` disagree"
                    ))
                    .with_hint("give the organization once, in --org or as ORG/PROJECT"));
                }
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
    /// Every environment, archived ones included (their slugs are taken).
    pub envs: Vec<String>,
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
        "`proj init` cannot ask without a terminal; missing {}",
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
    let picked = p.select("Organization", &items, default)?;
    if picked < existing.orgs.len() {
        return Ok(existing.orgs[picked].slug.clone());
    }
    let suggested = suggested.filter(|s| existing.org(s).is_none());
    ask_slug(
        p,
        "organization",
        "New organization name",
        suggested.as_deref(),
    )
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
        .filter(|e| !have.envs.iter().any(|h| h == e))
        .map(str::to_string)
        .collect();
    p.say(&format!(
        "  `{org}/{}` exists with {}",
        have.slug,
        list_or_none(&have.envs)
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

    let mut envs: Vec<(String, bool)> = project
        .map(|p| p.envs.iter().map(|e| (e.clone(), true)).collect())
        .unwrap_or_default();
    for e in &plan.envs {
        if !envs.iter().any(|(s, _)| s == e) {
            envs.push((e.clone(), false));
        }
    }
    // Release-flow order, as `proj env list` shows them.
    envs.sort_by_key(|(s, _)| EnvKind::infer(s));

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
    let width = envs.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
    for (i, (slug, exists)) in envs.iter().enumerate() {
        let branch = if i + 1 == envs.len() {
            "└──"
        } else {
            "├──"
        };
        let kind = EnvKind::infer(slug);
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
/// write (the plan is applied only after the final confirmation). The handler only shows the
/// cursor again and re-raises the signal, so the shell still sees an interrupted command.
#[cfg(unix)]
mod interrupt {
    use std::os::raw::c_int;

    const SIGINT: c_int = 2;
    const SIG_DFL: usize = 0;

    unsafe extern "C" {
        fn signal(signum: c_int, handler: usize) -> usize;
        fn raise(sig: c_int) -> c_int;
        fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
    }

    extern "C" fn on_interrupt(_: c_int) {
        const MESSAGE: &[u8] = b"\x1b[?25h\ncancelled; nothing was changed\n";
        // SAFETY: write, signal and raise are async-signal-safe.
        unsafe {
            write(2, MESSAGE.as_ptr(), MESSAGE.len());
            signal(SIGINT, SIG_DFL);
            raise(SIGINT);
        }
    }

    pub fn restore_cursor_on_interrupt() {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            signal(SIGINT, on_interrupt as *const () as usize);
        }
    }

    pub fn default_on_interrupt() {
        // SAFETY: restores the default disposition.
        unsafe {
            signal(SIGINT, SIG_DFL);
        }
    }
}

#[cfg(not(unix))]
mod interrupt {
    pub fn restore_cursor_on_interrupt() {}
    pub fn default_on_interrupt() {}
}
