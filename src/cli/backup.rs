//! `proj backup PATH`: a consistent copy of the database, safe while others write.

use super::App;
use crate::error::Result;
use crate::output::Record;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy; an existing file is replaced only with --yes
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct BackupView {
    /// The database that was copied.
    pub source: String,
    /// The copy.
    pub path: String,
    pub bytes: u64,
}

impl Record for BackupView {
    const PLURAL: &'static str = "backups";
    fn headers(&self) -> Vec<&'static str> {
        vec!["path", "bytes", "source"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.path.clone(),
            self.bytes.to_string(),
            self.source.clone(),
        ]
    }
}

/// The copy is made through the store, which refuses a destination that is the database
/// or one of its files, or not a regular file. Backup only reads the database: a file that
/// does not exist is not created (exit 3).
pub fn run(app: &mut App, args: BackupArgs) -> Result<()> {
    let dest = args.path;
    let replace = app.globals.yes;
    let store = app.reader()?;
    let source = store.location();
    let bytes = store.backup(&dest, replace)?;
    app.out
        .status(&format!("backed up {} to {}", source, dest.display()));
    app.out.one(&BackupView {
        source,
        path: dest.display().to_string(),
        bytes,
    })
}
