use super::App;
use crate::doctor::{Report, Status, advise, gather};
use crate::error::{Error, Kind, Result};
use crate::output::Format;
use crate::store::Store;
use clap::Args;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Create the schema, or bring an older one up to date, then check (on a shared
    /// database: run once by the login that owns schema proj; see README, Team mode)
    #[arg(long)]
    pub upgrade: bool,
}

/// The store's health checks, then advice. Doctor only reads: a file that does not exist is
/// not created, and a file that cannot be opened (damaged, foreign, newer, not a file) still
/// gets its check list, with the checks that found it failed. With `--upgrade` it first opens
/// the store as a write would, which creates or migrates the schema.
pub fn run(app: &mut App, args: DoctorArgs) -> Result<()> {
    let (location, _) = app.location()?;
    if args.upgrade {
        Store::open(&location)?.finish_creation()?;
    }
    let path = location.display();
    let (checks, failure) = match app.reader() {
        Ok(store) => (store.health(), None),
        // Bad flags or variables, or a lock: not the file's health.
        Err(e) if matches!(e.kind, Kind::Usage | Kind::Busy) => return Err(e),
        Err(e) => (Store::examine(&location), Some(e)),
    };
    let advice = match failure {
        None => app.read(|db, actor, _| Ok(advise(&gather(db, actor)?)))?,
        Some(_) => Vec::new(),
    };
    let report = Report::new(&path, checks, advice);
    match app.out.format {
        Format::Json => app.out.json(&report)?,
        Format::Plain => app.out.text(&report.plain())?,
        Format::Table => app.out.text(&report.human())?,
    }
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id)
        .collect();
    if failed.is_empty() {
        return failure.map_or(Ok(()), Err);
    }
    // A newer schema keeps its own exit code (6); every other failure is 1.
    let kind = failure.as_ref().map_or(Kind::Internal, |e| e.kind);
    let fix = location.repair_hint();
    let mut err = Error::new(
        kind,
        format!(
            "{} failed {} check(s): {}",
            path,
            failed.len(),
            failed.join(", ")
        ),
    );
    err = match failure {
        Some(e) => {
            let hint = e.hint.clone();
            let err = err.caused_by(&e.message);
            match hint {
                Some(h) => err.with_hint(h),
                None => err.with_hint(fix),
            }
        }
        // Files a user cannot write are fixed by a chmod, not a restore.
        None if failed == ["writable"] => err.with_hint("fix the permissions the check names"),
        None => err.with_hint(fix),
    };
    Err(err)
}
