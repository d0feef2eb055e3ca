use super::App;
use crate::doctor::{Report, advise, check_file, gather};
use crate::error::{Error, Result};
use crate::output::Format;

pub fn run(app: &mut App) -> Result<()> {
    let path = app.store()?.path().to_path_buf();
    let report = app.read(|db, actor, _| {
        let checks = check_file(db, &path)?;
        let advice = advise(&gather(db, actor)?);
        Ok(Report::new(&path, checks, advice))
    })?;
    match app.out.format {
        Format::Json => app.out.json(&report)?,
        Format::Plain => app.out.text(&report.plain())?,
        Format::Table => app.out.text(&report.human())?,
    }
    if report.healthy {
        return Ok(());
    }
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == crate::doctor::Status::Fail)
        .map(|c| c.id)
        .collect();
    Err(Error::internal(format!(
        "{} failed {} check(s): {}",
        path.display(),
        failed.len(),
        failed.join(", ")
    ))
    .with_hint("restore the file from a backup, or fix what the checks name"))
}
