//! The core: organizations, projects, environments.

use crate::support::TestEnv;

#[test]
fn a_new_project_starts_with_production_only() {
    let t = TestEnv::with_shop();
    let envs = t.json(&["env", "list", "--project", "acme/shop"]);
    let slugs: Vec<_> = envs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["production"]);
    assert_eq!(envs[0]["protected"], true);
}

#[test]
fn debug_assert_the_command_tree() {
    proj::cli::command().debug_assert();
}
