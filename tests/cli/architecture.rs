//! The layering docs/architecture.md describes, checked on the source: no import cycle
//! among the top-level modules of `src/`, every write of the store API called from
//! `src/ops/` only, and no code above `src/store/` that branches on the backend.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A file's code as the build sees it outside tests: line comments dropped, and nothing
/// from its `#[cfg(test)] mod tests` on (unit tests may reach anywhere).
fn code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level module → the top-level modules its code names as `crate::X`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            files.insert(name, rust_files(&path));
        } else if name != "lib" && name != "main" {
            files.insert(name, vec![path]);
        }
    }
    let mut graph = BTreeMap::new();
    for (module, paths) in &files {
        let mut uses = BTreeSet::new();
        for path in paths {
            let text = code(path);
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if name != *module && files.contains_key(&name) {
                    uses.insert(name);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A path of imports from `from` back to itself, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        goal: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in &graph[at] {
            if next == goal {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, goal, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_top_level_module_imports_itself_back() {
    let graph = imports();
    assert!(
        graph.contains_key("ops") && graph.contains_key("store"),
        "{graph:?}"
    );
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_store_is_written_from_the_operations_only() {
    let writes = [
        "org_insert",
        "org_update",
        "org_delete",
        "project_insert",
        "project_update",
        "project_delete",
        "env_insert",
        "env_update",
        "env_delete",
        "resource_insert",
        "resource_update",
        "resource_delete",
        "member_insert",
        "member_update",
        "member_set_email",
        "member_set_login",
        "member_delete",
        "grant_set",
        "grant_delete",
        "team_insert",
        "team_update",
        "team_delete",
        "team_join",
        "team_leave",
        "selection_save",
        "selection_move",
        "identity_save",
        "org_restore",
        "project_restore",
        "env_restore",
        "resource_restore",
        "member_restore",
        "team_restore",
        "grant_restore",
        "restore_begin",
    ];
    let root = src();
    let mut callers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for path in rust_files(&root) {
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        if shown.starts_with("store/") {
            continue;
        }
        let text = code(&path);
        for write in writes {
            let n = text.matches(&format!(".{write}(")).count();
            callers
                .entry(write)
                .or_default()
                .extend((0..n).map(|_| shown.clone()));
        }
    }
    for (write, at) in callers {
        assert!(
            at.len() == 1 && at[0].starts_with("ops/"),
            "`{write}` is called from {at:?}: every store write has one caller, in src/ops/"
        );
    }
    // The audit log is appended to by Tx alone.
    let events: Vec<_> = rust_files(&root)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("store")) && code(p).contains(".event_insert("))
        .collect();
    assert_eq!(events, [root.join("tx.rs")]);
}

#[test]
fn nothing_above_the_store_branches_on_the_backend() {
    let root = src();
    for path in rust_files(&root) {
        if path.starts_with(root.join("store")) {
            continue;
        }
        let text = code(&path);
        // The default location is a file: the one place that names a kind of location.
        let text = text.replace("Location::File(crate::paths::default_db()?)", "");
        for variant in [
            "Store::Sqlite",
            "Store::Postgres",
            "Db::Sqlite",
            "Db::Postgres",
            "Location::File",
            "Location::Server",
        ] {
            assert!(
                !text.contains(variant),
                "{} names {variant}: ask the store instead",
                path.display()
            );
        }
    }
}
