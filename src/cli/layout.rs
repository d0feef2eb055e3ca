//! `proj export` and `proj apply`: the layout as a file, and making the database match one
//! (README, "Layout files").

use super::App;
use crate::error::{Error, Kind, Result};
use crate::layout::plan::{Change, FieldChange, Op, Place, Plan, Refusal};
use crate::layout::{self, apply, current, desired, file, plan};
use crate::tx::Tx;
use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export every organization you can see (default: the current one, or the one of --org)
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Layout file to apply (TOML, or the JSON of `proj export -o json`); `-` reads stdin
    #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also remove what the named organizations hold and the file leaves out
    #[arg(long)]
    pub prune: bool,
}

pub fn export(app: &mut App, args: ExportArgs) -> Result<()> {
    if args.all && app.globals.org.is_some() {
        return Err(Error::usage("give --org ORG or --all, not both"));
    }
    let layout = app.read(|db, actor, ctx| {
        let orgs = if args.all {
            current::visible_orgs(db, actor)?
        } else {
            vec![ctx.require_org(db, actor).map_err(|e| match e.kind {
                Kind::Usage => e.with_hint("pass --org ORG, or --all for every organization"),
                _ => e,
            })?]
        };
        let loaded = orgs
            .into_iter()
            .map(|o| current::load(db, actor, o))
            .collect::<Result<Vec<_>>>()?;
        Ok(current::export(&loaded))
    })?;
    if app.out.quiet {
        return Ok(());
    }
    let text = if app.out.is_json() {
        file::to_json(&layout)
    } else {
        file::to_toml(&layout)
    };
    crate::output::write_stdout(&escape_in_strings(&text))
}

/// Characters that must not reach a terminal raw (a name stored before input refused them)
/// as `\uXXXX`, which TOML's and JSON's quoted strings both read back as the character.
/// Line breaks are the file's own (inside strings the printers escape them already).
fn escape_in_strings(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| crate::model::is_unsafe_char(c) && c != '\n';
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

pub fn apply(app: &mut App, args: ApplyArgs) -> Result<()> {
    let (name, text) = read(&args.file)?;
    let parsed = file::parse(&text).map_err(|e| layout::syntax_error(&name, &text, e))?;
    let wanted = desired::check(&parsed, &text)
        .map_err(|problems| layout::problems_error(&name, &text, &problems))?;
    drop(parsed);
    let refused = |r: Refusal| match r {
        Refusal::Problems(p) => layout::problems_error(&name, &text, &p),
        Refusal::Error(e) => e,
    };
    let prune = args.prune;
    // The plan and every check, with the denials kept apart: the plan is printed with them.
    let plan_and_check = |tx: &Tx| -> Result<(Plan, Option<Error>)> {
        let plan = plan::plan(tx.db, tx.actor, &wanted, prune).map_err(refused)?;
        match apply::check(tx, &plan) {
            Ok(()) => Ok((plan, None)),
            Err(e) if e.kind == Kind::Denied => Ok((plan, Some(e))),
            Err(e) => Err(e),
        }
    };
    let json = app.out.is_json();
    // A file that does not exist yet (or is empty), or a server without schema `proj`, is
    // planned on an empty stand-in first, so a refused apply creates nothing there.
    let location = app.location()?.0;
    let fresh = app.is_fresh()?;
    if app.globals.yes && !args.dry_run {
        // Nothing to ask: planned, checked and written in one transaction. A file that does
        // not exist yet (a server without schema `proj`) is first planned and checked on an
        // empty stand-in, so a refused apply does not leave a new file (schema) behind.
        let mut rehearsed = None;
        if fresh {
            let (planned, denied) = app.check(|tx| plan_and_check(tx))?;
            if let Some(e) = denied {
                show(app, &planned, false)?;
                return Err(e);
            }
            if planned.changes.is_empty() {
                return show(app, &planned, false);
            }
            rehearsed = Some(planned);
        }
        // Taken by the first attempt only: a retried transaction (a server's serialization
        // failure) plans again.
        let rehearsed = std::cell::Cell::new(rehearsed);
        let (planned, outcome) = app.mutate_planned(|tx| {
            // A plan made on the empty stand-in is the plan for a file that still holds no
            // organization (nothing else in a file changes a plan); it is checked again here.
            let (plan, denied) = match rehearsed.take() {
                Some(plan) if tx.db.orgs()?.is_empty() => match apply::check(tx, &plan) {
                    Ok(()) => (plan, None),
                    Err(e) if e.kind == Kind::Denied => (plan, Some(e)),
                    Err(e) => return Err(e),
                },
                _ => plan_and_check(tx)?,
            };
            let outcome = match denied {
                Some(e) => Err(e),
                None => {
                    let first = apply::is_first(tx)?;
                    let written = apply::write(tx, &plan)?;
                    let who = if first {
                        apply::adopt_identity(tx)?
                    } else {
                        apply::FirstIdentity::NotFirst
                    };
                    Ok((written, who))
                }
            };
            Ok((plan, outcome))
        })?;
        note_kept(app, &planned, prune);
        show(
            app,
            &planned,
            outcome.is_ok() && !planned.changes.is_empty(),
        )?;
        let (written, who) = outcome?;
        if written > 0 {
            applied(app, written);
        }
        note_identity(app, &who);
        return Ok(());
    }
    // Planned and checked in a read transaction, so nothing is asked or written before the
    // whole plan is known to be allowed.
    let (planned, denied) = app.check(|tx| plan_and_check(tx))?;
    note_kept(app, &planned, prune);
    let nothing = planned.changes.is_empty();
    if !json || nothing || denied.is_some() || args.dry_run {
        show(app, &planned, false)?;
    }
    if let Some(e) = denied {
        return Err(e);
    }
    if nothing || args.dry_run {
        return Ok(());
    }
    let n = planned.changes.len();
    app.confirm(
        &format!(
            "apply {n} change{} to {}?",
            if n == 1 { "" } else { "s" },
            location.display()
        ),
        Error::conflict("the plan was not applied: applying needs --yes without a terminal")
            .with_hint("pass --yes to apply it, or --dry-run to only print it"),
    )
    .inspect_err(|_| {
        if json {
            let _ = show(app, &planned, false);
        }
    })?;
    let shown = planned.lines();
    let written = app.mutate_planned(|tx| {
        let (plan, denied) = plan_and_check(tx)?;
        if plan.lines() != shown {
            return Err(Error::conflict(
                "the database changed after the plan was printed; nothing was applied",
            )
            .with_hint("run `proj apply` again to see the new plan"));
        }
        if let Some(e) = denied {
            return Err(e);
        }
        let first = apply::is_first(tx)?;
        let written = apply::write(tx, &plan)?;
        let who = if first {
            apply::adopt_identity(tx)?
        } else {
            apply::FirstIdentity::NotFirst
        };
        Ok((written, who))
    })?;
    if json {
        show(app, &planned, true)?;
    }
    applied(app, written.0);
    note_identity(app, &written.1);
    Ok(())
}

/// After a file's first apply: who the next commands act as, or exactly what to type to act
/// as someone (without an identity they would see nothing of what was just created).
fn note_identity(app: &App, who: &apply::FirstIdentity) {
    match who {
        apply::FirstIdentity::NotFirst => {}
        apply::FirstIdentity::Saved(email) => app.out.status(&format!(
            "you are now {email} in this file (saved as `proj init` would); `--as EMAIL` acts as another member"
        )),
        apply::FirstIdentity::Unsaved { owners } => {
            let example = owners.first().map_or("EMAIL", String::as_str);
            app.out.status(&format!(
                "note: no identity is saved in this file, so commands see nothing of it yet; act as a member with `proj --as {example} …` (or PROJ_AS), or save one: `proj init --yes --user {example} --org ORG --project PROJECT`{}",
                if owners.len() > 1 {
                    format!(" (owners: {})", crate::output::capped_list(owners, 10, ", "))
                } else {
                    String::new()
                }
            ))
        }
    }
}

/// `applied N changes`, for people.
fn applied(app: &App, written: usize) {
    app.out.status(&format!(
        "applied {written} change{}",
        if written == 1 { "" } else { "s" }
    ));
}

/// Says what of the named organizations the file leaves out and the apply keeps, by name (the
/// first few, then how many more).
fn note_kept(app: &App, plan: &Plan, prune: bool) {
    let n = plan.kept.len();
    if n == 0 || prune {
        return;
    }
    app.out.status(&format!(
        "note: {n} thing{} in these organizations the file leaves out stay{} (--prune removes them): {}",
        if n == 1 { "" } else { "s" },
        if n == 1 { "s" } else { "" },
        crate::output::capped_list(&plan.kept, 10, ", "),
    ));
}

/// The file's name in messages and its text: `-` is standard input.
fn read(path: &std::path::Path) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the layout from stdin")?;
        return Ok(("<stdin>".to_string(), utf8("<stdin>", bytes)?));
    }
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((name.clone(), utf8(&name, bytes)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::usage(format!("no layout file `{name}`"))
                .with_hint("`proj export > layout.toml` writes one"))
        }
        Err(e) => Err(Error::internal(format!("cannot read `{name}`")).caused_by(e)),
    }
}

fn utf8(name: &str, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = file::line_column(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        Error::usage(format!(
            "{name}:{line}:{column}: a layout file is UTF-8 text, and this byte is not"
        ))
    })
}

/// A change as `--json` gives it.
#[derive(Debug, Serialize)]
struct ChangeView<'a> {
    op: Op,
    entity: &'static str,
    target: String,
    event: &'static str,
    #[serde(flatten)]
    place: &'a Place,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    fields: Vec<FieldChange>,
}

impl<'a> ChangeView<'a> {
    fn new(c: &'a Change) -> Self {
        ChangeView {
            op: c.op,
            entity: c.entity.as_str(),
            target: c.target(),
            event: c.event.as_str(),
            place: &c.place,
            note: c.note(),
            fields: c.fields(),
        }
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    create: usize,
    update: usize,
    remove: usize,
    /// Left out of the file and kept (no --prune).
    kept: usize,
}

#[derive(Debug, Serialize)]
struct PlanView<'a> {
    changes: Vec<ChangeView<'a>>,
    summary: Summary,
    applied: bool,
}

/// Prints the plan: one line per change with a summary, or `no changes`; as JSON, one
/// document saying whether it was applied.
fn show(app: &App, plan: &Plan, applied: bool) -> Result<()> {
    let (create, update, remove) = plan.counts();
    if app.out.is_json() {
        return app.out.json(&PlanView {
            changes: plan.changes.iter().map(ChangeView::new).collect(),
            summary: Summary {
                create,
                update,
                remove,
                kept: plan.kept.len(),
            },
            applied,
        });
    }
    if app.out.quiet {
        return Ok(());
    }
    if plan.changes.is_empty() {
        return crate::output::write_stdout("no changes\n");
    }
    let mut text = String::new();
    for c in &plan.changes {
        let line = crate::output::escape(&c.describe()).into_owned();
        let (color, reset) = match (app.out.color, c.op) {
            (false, _) => ("", ""),
            (true, Op::Create) => ("\x1b[32m", "\x1b[0m"),
            (true, Op::Update) => ("\x1b[33m", "\x1b[0m"),
            (true, Op::Remove) => ("\x1b[31m", "\x1b[0m"),
        };
        text.push_str(&format!("{color}{} {line}{reset}\n", c.op.sign()));
    }
    text.push_str(&format!(
        "{create} to create, {update} to change, {remove} to remove\n"
    ));
    crate::output::write_stdout(&text)
}
