//! House rules from STYLE.md that a reader cannot see break: SQL lives only in
//! `src/store/`, and handlers and the store print only through `crate::output`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(file, line number, line)` of every non-comment line of every source file.
fn source_lines() -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut out = Vec::new();
    for f in files {
        let name = f.strip_prefix(root).unwrap().display().to_string();
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            if !line.trim_start().starts_with("//") {
                out.push((name.clone(), i + 1, line.to_string()));
            }
        }
    }
    out
}

#[test]
fn sql_only_under_src_store() {
    let sql = [
        "SELECT ",
        "INSERT INTO",
        "DELETE FROM",
        "UPDATE ",
        "PRAGMA ",
        "CREATE TABLE",
    ];
    let offenders: Vec<_> = source_lines()
        .into_iter()
        .filter(|(f, _, line)| !f.starts_with("src/store/") && sql.iter().any(|k| line.contains(k)))
        .map(|(f, n, line)| format!("{f}:{n}: {}", line.trim()))
        .collect();
    assert!(
        offenders.is_empty(),
        "SQL outside src/store/:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_print_macros_in_handlers_or_the_store() {
    let macros = ["println!", "print!(", "eprintln!", "eprint!(", "dbg!("];
    let offenders: Vec<_> = source_lines()
        .into_iter()
        .filter(|(f, _, line)| {
            (f.starts_with("src/cli/") || f.starts_with("src/store/"))
                && macros.iter().any(|m| line.contains(m))
        })
        .map(|(f, n, line)| format!("{f}:{n}: {}", line.trim()))
        .collect();
    assert!(
        offenders.is_empty(),
        "print through crate::output (stdout) or the error report (stderr):\n{}",
        offenders.join("\n")
    );
}
