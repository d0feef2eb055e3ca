//! A state-machine property test: random sequences of org/project/env commands run
//! against the real binary and against a small model of the README's rules. After every step
//! the exit code is the one the model predicts, and the state `proj … --json` reports equals
//! the model's. What the binary prints is compared as printed: the model's expectations come
//! from fixed tables (the kind of each pooled name), never from a function the binary's
//! output is passed through.

use crate::support::TestEnv;
use proptest::prelude::*;
use std::collections::BTreeMap;

const ORGS: [&str; 2] = ["a", "b"];
const PROJECTS: [&str; 2] = ["p", "q"];
const ENVS: [&str; 4] = ["dev", "staging", "production", "qa"];
/// The kind `env add NAME` infers for each pooled name, as the README states it: `dev` →
/// development, `staging` → staging, `production` → production, anything else → custom.
const KINDS: [&str; 4] = ["development", "staging", "production", "custom"];

#[derive(Debug, Clone)]
enum Op {
    OrgAdd(usize),
    OrgRename(usize, usize),
    OrgRemove(usize, bool),
    ProjectAdd(usize, usize, bool),
    ProjectRename(usize, usize, usize),
    ProjectRemove(usize, usize, bool),
    EnvAdd(usize, usize, usize),
    EnvRename(usize, usize, usize, usize),
    EnvRemove(usize, usize, usize, bool),
    Archive(usize, usize, usize, bool),
    Protect(usize, usize, usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let (o, p, e) = (0..ORGS.len(), 0..PROJECTS.len(), 0..ENVS.len());
    prop_oneof![
        1 => o.clone().prop_map(Op::OrgAdd),
        1 => (o.clone(), o.clone()).prop_map(|(a, b)| Op::OrgRename(a, b)),
        1 => (o.clone(), any::<bool>()).prop_map(|(a, y)| Op::OrgRemove(a, y)),
        3 => (o.clone(), p.clone(), any::<bool>()).prop_map(|(a, b, n)| Op::ProjectAdd(a, b, n)),
        1 => (o.clone(), p.clone(), p.clone()).prop_map(|(a, b, c)| Op::ProjectRename(a, b, c)),
        1 => (o.clone(), p.clone(), any::<bool>()).prop_map(|(a, b, y)| Op::ProjectRemove(a, b, y)),
        4 => (o.clone(), p.clone(), e.clone()).prop_map(|(a, b, c)| Op::EnvAdd(a, b, c)),
        2 => (o.clone(), p.clone(), e.clone(), e.clone())
            .prop_map(|(a, b, c, d)| Op::EnvRename(a, b, c, d)),
        2 => (o.clone(), p.clone(), e.clone(), any::<bool>())
            .prop_map(|(a, b, c, y)| Op::EnvRemove(a, b, c, y)),
        2 => (o.clone(), p.clone(), e.clone(), any::<bool>())
            .prop_map(|(a, b, c, y)| Op::Archive(a, b, c, y)),
        2 => (o, p, e, any::<bool>()).prop_map(|(a, b, c, y)| Op::Protect(a, b, c, y)),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct Env {
    slug: String,
    kind: String,
    protected: bool,
    archived: bool,
}

/// (org, its projects) and (org/project, its active environments in release order).
type Summary = (Vec<(String, Vec<String>)>, Vec<(String, Vec<String>)>);

/// org → project → environments in creation order.
#[derive(Debug, Default, Clone)]
struct Model(BTreeMap<String, BTreeMap<String, Vec<Env>>>);

/// Release-flow rank of the model's kinds (which come from `KINDS` only).
fn rank(kind: &str) -> u8 {
    match kind {
        "development" => 0,
        "staging" => 1,
        "custom" => 2,
        "production" => 3,
        other => unreachable!("the model has no kind {other}"),
    }
}

/// Release-flow order: development, staging, custom, production; ties in creation order.
fn release_order(envs: &[Env]) -> Vec<Env> {
    let mut out = envs.to_vec();
    out.sort_by_key(|e| rank(&e.kind));
    out
}

impl Model {
    /// The command line for `op`, the exit code the contract predicts, and the project it
    /// touched; applies the change when it succeeds.
    fn apply(&mut self, op: &Op) -> (Vec<String>, i32, Option<(String, String)>) {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        match *op {
            Op::OrgAdd(o) => {
                let o = ORGS[o];
                let code = if self.0.contains_key(o) {
                    4
                } else {
                    self.0.insert(o.into(), BTreeMap::new());
                    0
                };
                (s(&["org", "add", o]), code, None)
            }
            Op::OrgRename(a, b) => {
                let (a, b) = (ORGS[a], ORGS[b]);
                let code = if !self.0.contains_key(a) {
                    3
                } else if a != b && self.0.contains_key(b) {
                    4
                } else {
                    let projects = self.0.remove(a).unwrap();
                    self.0.insert(b.into(), projects);
                    0
                };
                (s(&["org", "rename", a, b]), code, None)
            }
            Op::OrgRemove(o, yes) => {
                let o = ORGS[o];
                let code = match self.0.get(o) {
                    None => 3,
                    Some(projects) if !projects.is_empty() && !yes => 4,
                    Some(_) => {
                        self.0.remove(o);
                        0
                    }
                };
                let mut args = s(&["org", "remove", o]);
                if yes {
                    args.push("--yes".into());
                }
                (args, code, None)
            }
            Op::ProjectAdd(o, p, no_env) => {
                let (o, p) = (ORGS[o], PROJECTS[p]);
                let code = match self.0.get_mut(o) {
                    None => 3,
                    Some(projects) if projects.contains_key(p) => 4,
                    Some(projects) => {
                        let envs = if no_env {
                            vec![]
                        } else {
                            vec![Env {
                                slug: "production".into(),
                                kind: "production".into(),
                                protected: true,
                                archived: false,
                            }]
                        };
                        projects.insert(p.into(), envs);
                        0
                    }
                };
                let mut args = s(&["project", "add", p, "--org", o]);
                if no_env {
                    args.push("--no-env".into());
                }
                (args, code, Some((o.into(), p.into())))
            }
            Op::ProjectRename(o, a, b) => {
                let (o, a, b) = (ORGS[o], PROJECTS[a], PROJECTS[b]);
                let code = match self.0.get_mut(o) {
                    Some(projects) if projects.contains_key(a) => {
                        if a != b && projects.contains_key(b) {
                            4
                        } else {
                            let envs = projects.remove(a).unwrap();
                            projects.insert(b.into(), envs);
                            0
                        }
                    }
                    _ => 3,
                };
                let args = s(&["project", "rename", &format!("{o}/{a}"), b]);
                (args, code, Some((o.into(), b.into())))
            }
            Op::ProjectRemove(o, p, yes) => {
                let (o, p) = (ORGS[o], PROJECTS[p]);
                let code = match self.0.get_mut(o) {
                    Some(projects) => match projects.get(p) {
                        None => 3,
                        Some(envs) if !envs.is_empty() && !yes => 4,
                        Some(_) => {
                            projects.remove(p);
                            0
                        }
                    },
                    None => 3,
                };
                let mut args = s(&["project", "remove", &format!("{o}/{p}")]);
                if yes {
                    args.push("--yes".into());
                }
                (args, code, None)
            }
            Op::EnvAdd(o, p, e) => {
                let (o, p, kind, e) = (ORGS[o], PROJECTS[p], KINDS[e], ENVS[e]);
                let code = match self.envs(o, p) {
                    None => 3,
                    Some(envs) if envs.iter().any(|x| x.slug == e) => 4,
                    Some(envs) => {
                        envs.push(Env {
                            slug: e.into(),
                            kind: kind.into(),
                            protected: kind == "production",
                            archived: false,
                        });
                        0
                    }
                };
                let args = s(&["env", "add", e, "-p", &format!("{o}/{p}")]);
                (args, code, Some((o.into(), p.into())))
            }
            Op::EnvRename(o, p, a, b) => {
                let (o, p, a, b) = (ORGS[o], PROJECTS[p], ENVS[a], ENVS[b]);
                let code = match self.envs(o, p) {
                    None => 3,
                    Some(envs) => {
                        if !envs.iter().any(|x| x.slug == a) {
                            3
                        } else if a != b && envs.iter().any(|x| x.slug == b) {
                            4
                        } else {
                            envs.iter_mut().find(|x| x.slug == a).unwrap().slug = b.into();
                            0
                        }
                    }
                };
                let args = s(&["env", "rename", &format!("{o}/{p}/{a}"), b]);
                (args, code, Some((o.into(), p.into())))
            }
            Op::EnvRemove(o, p, e, yes) => {
                let (o, p, e) = (ORGS[o], PROJECTS[p], ENVS[e]);
                let code = match self.envs(o, p) {
                    None => 3,
                    Some(envs) => match envs.iter().position(|x| x.slug == e) {
                        None => 3,
                        Some(i) if envs[i].protected && !yes => 4,
                        Some(i) => {
                            envs.remove(i);
                            0
                        }
                    },
                };
                let mut args = s(&["env", "remove", &format!("{o}/{p}/{e}")]);
                if yes {
                    args.push("--yes".into());
                }
                (args, code, Some((o.into(), p.into())))
            }
            Op::Archive(o, p, e, on) | Op::Protect(o, p, e, on) => {
                let archive = matches!(op, Op::Archive(..));
                let (o, p, e) = (ORGS[o], PROJECTS[p], ENVS[e]);
                let code = match self
                    .envs(o, p)
                    .and_then(|v| v.iter_mut().find(|x| x.slug == e))
                {
                    None => 3,
                    Some(env) => {
                        if archive {
                            env.archived = on;
                        } else {
                            env.protected = on;
                        }
                        0
                    }
                };
                let verb = match (archive, on) {
                    (true, true) => "archive",
                    (true, false) => "unarchive",
                    (false, true) => "protect",
                    (false, false) => "unprotect",
                };
                let args = s(&["env", verb, &format!("{o}/{p}/{e}")]);
                (args, code, Some((o.into(), p.into())))
            }
        }
    }

    fn envs(&mut self, o: &str, p: &str) -> Option<&mut Vec<Env>> {
        self.0.get_mut(o)?.get_mut(p)
    }

    /// `org list` as (slug, projects), and `project list --all` as (org/slug, active envs).
    fn summary(&self) -> Summary {
        let orgs = self
            .0
            .iter()
            .map(|(o, ps)| (o.clone(), ps.keys().cloned().collect()))
            .collect();
        let mut projects = Vec::new();
        for (o, ps) in &self.0 {
            for (p, envs) in ps {
                let active = release_order(envs)
                    .into_iter()
                    .filter(|e| !e.archived)
                    .map(|e| e.slug)
                    .collect();
                projects.push((format!("{o}/{p}"), active));
            }
        }
        (orgs, projects)
    }
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// What proj reports, in the model's shapes.
fn observed(t: &TestEnv) -> Summary {
    let mut orgs: Vec<_> = t
        .json(&["org", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["slug"].as_str().unwrap().to_string(),
                strings(&o["projects"]),
            )
        })
        .collect();
    orgs.sort();
    let mut projects: Vec<_> = t
        .json(&["project", "list", "--all"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path = format!(
                "{}/{}",
                p["org"].as_str().unwrap(),
                p["slug"].as_str().unwrap()
            );
            (path, strings(&p["environments"]))
        })
        .collect();
    projects.sort();
    (orgs, projects)
}

fn observed_envs(t: &TestEnv, o: &str, p: &str) -> Vec<Env> {
    t.json(&["env", "list", "--archived", "-p", &format!("{o}/{p}")])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Env {
            slug: e["slug"].as_str().unwrap().to_string(),
            kind: e["kind"].as_str().unwrap().to_string(),
            protected: e["protected"].as_bool().unwrap(),
            archived: !e["archived_at"].is_null(),
        })
        .collect()
}

/// Sequences of 10–30 commands.
fn sequences() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 10..30)
}

/// What a seed promises: the same seed generates the same sequences, in the same order.
#[test]
fn a_seed_replays_the_same_cases() {
    let generated = |seed: u64| {
        let config = proptest::test_runner::Config {
            cases: 20,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
            ..Default::default()
        };
        let seen = std::cell::RefCell::new(Vec::new());
        proptest::test_runner::TestRunner::new(config)
            .run(&(sequences(), super::input::bad_command()), |case| {
                seen.borrow_mut().push(format!("{case:?}"));
                Ok(())
            })
            .unwrap();
        seen.into_inner()
    };
    assert_eq!(generated(42), generated(42));
    assert_ne!(generated(42), generated(43));
}

#[test]
fn random_command_sequences_match_the_model() {
    let (mut runner, seed) = super::seeded_runner("state machine", 12);
    let started = std::time::Instant::now();
    let steps = std::cell::Cell::new(0);
    let run = runner.run(&sequences(), |ops| {
        let t = TestEnv::new();
        let mut model = Model::default();
        // Start from one org with one project, so early steps have something to hit.
        for op in [Op::OrgAdd(0), Op::ProjectAdd(0, 0, false)] {
            let (args, _, _) = model.apply(&op);
            super::ok(&t, &args);
        }
        for op in &ops {
            steps.set(steps.get() + 1);
            let (args, code, touched) = model.apply(op);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = t.run(&argv);
            prop_assert_eq!(r.code, code, "proj {:?}: {}", argv, r.stderr);
            prop_assert_eq!(observed(&t), model.summary(), "after proj {:?}", argv);
            if let Some((o, p)) = touched
                && let Some(envs) = model.0.get(&o).and_then(|ps| ps.get(&p))
            {
                let want = release_order(envs);
                prop_assert_eq!(observed_envs(&t, &o, &p), want, "after proj {:?}", argv);
            }
        }
        Ok(())
    });
    super::replayable(run, "random_command_sequences_match_the_model", seed);
    eprintln!(
        "state machine: 12 sequences, {} steps in {:.1}s",
        steps.get(),
        started.elapsed().as_secs_f64()
    );
}
