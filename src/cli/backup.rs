//! `proj backup PATH`: a consistent copy of the database, safe while others write.

use super::App;
use crate::error::{Error, Result};
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

pub fn run(app: &mut App, args: BackupArgs) -> Result<()> {
    let dest = args.path;
    let replace = app.globals.yes;
    if dest.exists() && !replace {
        return Err(crate::store::backup::exists(&dest));
    }
    let store = app.store()?;
    let source = store.path().to_path_buf();
    if same_file(&source, &dest) {
        return Err(
            Error::usage(format!("`{}` is the database itself", dest.display()))
                .with_hint("write the backup to another path"),
        );
    }
    let bytes = store.backup(&dest, replace)?;
    app.out.status(&format!(
        "backed up {} to {}",
        source.display(),
        dest.display()
    ));
    app.out.one(&BackupView {
        source: source.display().to_string(),
        path: dest.display().to_string(),
        bytes,
    })
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
