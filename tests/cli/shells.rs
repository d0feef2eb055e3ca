//! The checked-in completion scripts and man pages, run by the real programs: bash, zsh,
//! fish and man. A missing program fails the test with how to install it (`.ci/run` does).

use crate::support::TestEnv;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A database with one organization and one project holding three environments, so a bare
/// `ENV` resolves without flags.
fn three_envs() -> TestEnv {
    let t = TestEnv::with_shop();
    t.ok(&["env", "add", "staging", "--project", "acme/shop"]);
    t.ok(&["env", "add", "dev", "--project", "acme/shop"]);
    t
}

/// `program` with a hermetic environment: the built `proj` first on `PATH`, `HOME` and the
/// database inside the test's directory.
fn shell(t: &TestEnv, program: &str) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("proj");
    let bin_dir = bin.parent().expect("binary directory");
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let home = t.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("PROJ_DB", &t.db)
        .env("TERM", "dumb")
        .env("LANG", "C.UTF-8")
        .current_dir(t.path());
    cmd
}

fn run(mut cmd: Command, program: &str, package: &str) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{program}` is not installed, and this test needs it: install it with \
             `apt-get install {package}` (.ci/run does that)"
        ),
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_clean(out: &Output, what: &str) {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn script(name: &str) -> PathBuf {
    let path = root().join("completions").join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// Drives bash's completion as TAB does: the function `complete -p proj` registered, with
/// COMP_WORDS/COMP_CWORD set, then prints COMPREPLY.
fn bash_complete(t: &TestEnv, words: &[&str]) -> Vec<String> {
    bash_complete_with(t, words, &[])
}

fn bash_complete_with(t: &TestEnv, words: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"
source "$1" || exit 1
spec=$(complete -p proj) || exit 1
fn=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
"$fn" proj "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" ")
    );
    let mut cmd = shell(t, "bash");
    cmd.envs(vars.iter().copied())
        .args(["--noprofile", "--norc", "-c", &program, "bash"])
        .arg(script("proj.bash"));
    let out = run(cmd, "bash", "bash");
    assert_clean(&out, "bash completion");
    text(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_environment_names() {
    let t = three_envs();
    let got = bash_complete(&t, &["proj", "env", "rm", ""]);
    for env in ["dev", "staging", "production"] {
        assert!(got.iter().any(|c| c == env), "{env} in {got:?}");
    }
    let got = bash_complete(&t, &["proj", "env", "rm", "st"]);
    assert_eq!(got, ["staging"]);
    let got = bash_complete(&t, &["proj", "org", "show", ""]);
    assert!(got.iter().any(|c| c == "acme"), "{got:?}");
    let got = bash_complete(&t, &["proj", "env", "add", "qa", "--kind", "st"]);
    assert_eq!(got, ["staging"]);
}

#[test]
fn completion_follows_the_db_and_project_of_the_line_and_environment() {
    let t = three_envs();
    let other = TestEnv::with_shop();
    other.ok(&["project", "add", "web", "--org", "acme", "--env", "qa"]);
    let db = other.db.to_str().unwrap();
    // Two projects and nothing selected: every environment, as ORG/PROJECT/ENV.
    let got = bash_complete(&t, &["proj", "--db", db, "env", "rm", ""]);
    assert!(got.iter().any(|c| c == "acme/web/qa"), "{got:?}");
    assert!(got.iter().any(|c| c == "acme/shop/production"), "{got:?}");
    assert!(!got.iter().any(|c| c == "staging"), "{got:?}");
    let got = bash_complete(&t, &["proj", "--db", db, "-p", "web", "env", "rm", ""]);
    assert!(got.iter().any(|c| c == "qa"), "{got:?}");
    assert!(!got.iter().any(|c| c.contains("production")), "{got:?}");
    let got = bash_complete_with(
        &t,
        &["proj", "env", "show", ""],
        &[("PROJ_DB", db), ("PROJ_PROJECT", "acme/web")],
    );
    assert!(got.iter().any(|c| c == "qa"), "{got:?}");
    let got = bash_complete(&t, &["proj", "--db", db, "project", "show", ""]);
    assert!(got.iter().any(|c| c == "web"), "{got:?}");
}

/// `three_envs` with two members and a resource in staging; commands act as ann, the owner.
fn team() -> TestEnv {
    let t = three_envs();
    t.ok(&["member", "add", "ann@acme.test", "--org", "acme"]);
    let ann = ["--as", "ann@acme.test", "--org", "acme"];
    t.ok(&[&["member", "add", "bob@acme.test"][..], &ann].concat());
    t.ok(&[
        &["resource", "add", "api", "-t", "app", "--env", "staging"][..],
        &ann,
    ]
    .concat());
    t
}

const ANN: (&str, &str) = ("PROJ_AS", "ann@acme.test");

/// The candidates that are values: a positional offers the flags beside them.
fn values(got: Vec<String>) -> Vec<String> {
    got.into_iter().filter(|c| !c.starts_with('-')).collect()
}

/// The values of `got` are `want`, in any order.
#[track_caller]
fn assert_all(got: &[String], want: &[&str]) {
    let mut got = values(got.to_vec());
    got.sort();
    let mut want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn environment_arguments_complete_environment_slugs() {
    let t = team();
    let envs = ["dev", "production", "staging"];
    for words in [
        &["proj", "env", "show", ""][..],
        &["proj", "env", "diff", ""],
        &["proj", "env", "diff", "staging", ""],
        &["proj", "env", "clone", ""],
        &["proj", "resource", "list", "--env", ""],
        &["proj", "resource", "show", "api", "-e", ""],
        &["proj", "member", "grant", "bob@acme.test", "--env", ""],
        &["proj", "member", "revoke", "bob@acme.test", "-e", ""],
    ] {
        let got = bash_complete_with(&t, words, &[ANN]);
        assert_all(&got, &envs);
    }
    // Paths complete too: PROJECT/ENV after a slash.
    let got = bash_complete_with(&t, &["proj", "env", "show", "shop/st"], &[ANN]);
    assert_eq!(got, ["shop/staging"]);
    // The name of a new environment is not an existing one.
    let got = bash_complete_with(&t, &["proj", "env", "clone", "staging", ""], &[ANN]);
    assert!(!got.iter().any(|c| envs.contains(&c.as_str())), "{got:?}");
    // Only unarchive offers archived environments.
    t.ok(&["env", "archive", "dev", "--as", "ann@acme.test"]);
    let got = bash_complete_with(&t, &["proj", "env", "rm", ""], &[ANN]);
    assert!(!got.iter().any(|c| c == "dev"), "{got:?}");
    let got = bash_complete_with(&t, &["proj", "env", "unarchive", "d"], &[ANN]);
    assert_eq!(got, ["dev"]);
}

#[test]
fn member_arguments_complete_member_emails() {
    let t = team();
    let emails = ["ann@acme.test", "bob@acme.test"];
    for words in [
        &["proj", "member", "show", ""][..],
        &["proj", "member", "rm", ""],
        &["proj", "member", "role", ""],
        &["proj", "member", "rename", ""],
        &["proj", "member", "grant", ""],
        &["proj", "member", "revoke", ""],
        &["proj", "access", "check", ""],
        &["proj", "env", "list", "--as", ""],
    ] {
        let got = bash_complete_with(&t, words, &[ANN]);
        assert_all(&got, &emails);
    }
    let got = bash_complete_with(&t, &["proj", "member", "show", "b"], &[ANN]);
    assert_eq!(got, ["bob@acme.test"]);
    // `--as` on the line decides who looks: an outsider sees no members.
    let got = values(bash_complete(
        &t,
        &["proj", "--as", "eve@else.test", "member", "show", ""],
    ));
    assert!(got.is_empty(), "{got:?}");
    // A new member's email and a new email are not existing ones.
    let got = bash_complete_with(&t, &["proj", "member", "add", ""], &[ANN]);
    assert!(!got.iter().any(|c| c.contains('@')), "{got:?}");
    let got = bash_complete_with(
        &t,
        &["proj", "member", "rename", "bob@acme.test", ""],
        &[ANN],
    );
    assert!(!got.iter().any(|c| c.contains('@')), "{got:?}");
}

#[test]
fn team_arguments_complete_team_slugs() {
    let t = team();
    let as_ann = ["--as", "ann@acme.test", "--org", "acme"];
    for name in ["backend", "frontend"] {
        t.ok(&[&["team", "add", name][..], &as_ann].concat());
    }
    for words in [
        &["proj", "team", "show", ""][..],
        &["proj", "team", "rm", ""],
        &["proj", "team", "rename", ""],
        &["proj", "team", "join", ""],
        &["proj", "team", "leave", ""],
        &["proj", "team", "grant", ""],
        &["proj", "team", "revoke", ""],
    ] {
        let got = bash_complete_with(&t, words, &[ANN]);
        assert_all(&got, &["backend", "frontend"]);
    }
    let got = bash_complete_with(&t, &["proj", "team", "show", "b"], &[ANN]);
    assert_eq!(got, ["backend"]);
    // After the team come members.
    let got = bash_complete_with(&t, &["proj", "team", "join", "backend", ""], &[ANN]);
    assert_all(&got, &["ann@acme.test", "bob@acme.test"]);
    // A new team's name is not an existing one; an outsider sees no teams.
    let got = bash_complete_with(&t, &["proj", "team", "add", ""], &[ANN]);
    assert!(!got.iter().any(|c| c == "backend"), "{got:?}");
    let got = values(bash_complete(
        &t,
        &["proj", "--as", "eve@else.test", "team", "show", ""],
    ));
    assert!(got.is_empty(), "{got:?}");
}

/// Each value completes as what it is, whatever the flag is called.
#[test]
fn arguments_complete_what_they_hold_not_what_they_are_named() {
    let t = team();
    // `resource move NAME --to ENV`: environments, not resources.
    let got = bash_complete_with(&t, &["proj", "resource", "mv", "api", "--to", ""], &[ANN]);
    assert_all(&got, &["dev", "production", "staging"]);
    let got = bash_complete_with(&t, &["proj", "resource", "mv", ""], &[ANN]);
    assert!(got.iter().any(|c| c == "api"), "{got:?}");
    assert!(!got.iter().any(|c| c == "staging"), "{got:?}");
    // Roles: project roles for a grant, organization roles for a member.
    let got = bash_complete_with(
        &t,
        &["proj", "member", "grant", "bob@acme.test", "--role", ""],
        &[ANN],
    );
    assert_all(&got, &["admin", "developer", "viewer"]);
    let got = bash_complete_with(&t, &["proj", "member", "role", "bob@acme.test", ""], &[ANN]);
    assert_all(&got, &["admin", "member", "owner", "viewer"]);
    // `access check EMAIL ACTION TARGET`.
    let got = bash_complete_with(
        &t,
        &["proj", "access", "check", "bob@acme.test", "env.r"],
        &[ANN],
    );
    assert_eq!(got, ["env.remove"]);
    let got = bash_complete_with(
        &t,
        &[
            "proj",
            "access",
            "check",
            "bob@acme.test",
            "read",
            "acme/shop/s",
        ],
        &[ANN],
    );
    assert_eq!(got, ["acme/shop/staging"]);
    // `restore EVENT_ID`: removal events only.
    t.ok(&["env", "rm", "dev", "--as", "ann@acme.test"]);
    let got = values(bash_complete_with(&t, &["proj", "restore", ""], &[ANN]));
    assert_eq!(got.len(), 1, "{got:?}");
    let id = &got[0];
    let log = t.ok(&["log", "-o", "plain", "--as", "ann@acme.test"]);
    assert!(
        log.lines()
            .any(|l| l.starts_with(&format!("{id}\t")) && l.contains("env.remove")),
        "{id} in\n{log}"
    );
}

#[test]
fn commands_complete_by_their_names_not_their_aliases() {
    let t = three_envs();
    for noun in ["org", "project", "env", "resource", "member"] {
        let got = bash_complete(&t, &["proj", noun, ""]);
        for name in ["add", "list", "remove"] {
            assert!(
                got.iter().any(|c| c == name),
                "{name} in proj {noun}: {got:?}"
            );
        }
        for alias in ["delete", "rm", "ls", "create", "new"] {
            assert!(
                !got.iter().any(|c| c == alias),
                "{alias} in proj {noun}: {got:?}"
            );
        }
    }
    let got = bash_complete(&t, &["proj", "env", "r"]);
    assert_all(&got, &["remove", "rename"]);
    let got = bash_complete(&t, &["proj", "resource", "m"]);
    assert_eq!(got, ["move"]);
    // An alias still completes when it is the only thing that matches.
    let got = bash_complete(&t, &["proj", "env", "de"]);
    assert_eq!(got, ["delete"]);

    let mut cmd = shell(&t, "fish");
    cmd.args([
        "--no-config",
        "-c",
        "source $argv[1]; and complete -C 'proj env '",
    ])
    .arg(script("proj.fish"));
    let out = run(cmd, "fish", "fish");
    assert_clean(&out, "fish completion");
    let stdout = text(&out.stdout);
    let got: Vec<&str> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert!(got.contains(&"remove"), "{got:?}");
    assert!(!got.contains(&"delete"), "{got:?}");
}

#[test]
fn bash_completion_with_bash_completion_loaded() {
    let t = three_envs();
    let program = r#"
source /usr/share/bash-completion/bash_completion || exit 1
source "$1" || exit 1
complete -p proj >/dev/null
"#;
    let mut cmd = shell(&t, "bash");
    cmd.args(["--noprofile", "--norc", "-c", program, "bash"])
        .arg(script("proj.bash"));
    let out = run(cmd, "bash", "bash-completion");
    assert_clean(&out, "bash with bash-completion");
}

#[test]
fn fish_completes_environment_names() {
    let t = three_envs();
    let mut cmd = shell(&t, "fish");
    cmd.args([
        "--no-config",
        "-c",
        "source $argv[1]; and complete -C 'proj env rm '",
    ])
    .arg(script("proj.fish"));
    let out = run(cmd, "fish", "fish");
    assert_clean(&out, "fish completion");
    let stdout = text(&out.stdout);
    let got: Vec<&str> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    for env in ["dev", "staging", "production"] {
        assert!(got.contains(&env), "{env} in {got:?}");
    }
    // Descriptions come along: fish shows the kind next to each name.
    assert!(
        stdout.contains("production\tproduction, protected"),
        "{stdout}"
    );
}

#[test]
fn completing_leaves_the_database_directory_as_it_was() {
    let t = three_envs();
    let dir = t.db.parent().unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let bytes = std::fs::read(&t.db).unwrap();
    let got = bash_complete(&t, &["proj", "env", "rm", ""]);
    assert!(got.iter().any(|c| c == "staging"), "{got:?}");
    assert_eq!(listing(), before);
    assert!(
        std::fs::read(&t.db).unwrap() == bytes,
        "the database changed"
    );
}

#[test]
fn zsh_loads_the_script() {
    let t = three_envs();
    let mut cmd = shell(&t, "zsh");
    cmd.args([
        "-f",
        "-c",
        "autoload -Uz compinit && compinit -u -d \"$HOME/.zcompdump\" && source \"$1\" && \
         print -r -- ${_comps[proj]}",
        "zsh",
    ])
    .arg(script("_proj"));
    let out = run(cmd, "zsh", "zsh");
    assert_clean(&out, "zsh");
    assert!(
        !text(&out.stdout).trim().is_empty(),
        "no completion function registered for proj"
    );
}

/// zsh completes only inside its line editor, so this types `proj env rm <TAB>` into an
/// interactive zsh on a pseudo-terminal (zsh's own zpty) and reads the listing.
#[test]
fn zsh_completes_environment_names() {
    let t = three_envs();
    let driver = r#"
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='> '; autoload -Uz compinit; compinit -u -d \$HOME/.zcompdump; source ${(q)1}; zstyle ':completion:*' menu no"
zpty -w -n z $'proj env rm \t'
out=''
for i in {1..100}; do
  zpty -r -t z chunk && out+=$chunk
  [[ $out == *production*staging* || $out == *staging*production* ]] && [[ $out == *dev* ]] && break
  sleep 0.1
done
zpty -d z
print -r -- $out
"#;
    let mut cmd = shell(&t, "zsh");
    cmd.env("TERM", "xterm")
        .args(["-f", "-c", driver, "zsh"])
        .arg(script("_proj"));
    let out = run(cmd, "zsh", "zsh");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "zsh: {}", text(&out.stderr));
    for env in ["dev", "staging", "production"] {
        assert!(stdout.contains(env), "{env} in zsh's listing:\n{stdout}");
    }
    assert!(stdout.contains("production, protected"), "{stdout}");
}

#[test]
fn completing_never_creates_the_database() {
    let t = TestEnv::new();
    let got = bash_complete(&t, &["proj", "env", "rm", ""]);
    assert!(!got.iter().any(|c| c == "production"), "{got:?}");
    assert!(!t.db.exists());
    assert!(!t.db.parent().unwrap().exists());
}

#[test]
fn man_renders_every_page_without_warnings() {
    let t = TestEnv::new();
    let dir = root().join("man");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("man/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "1"))
        .collect();
    pages.sort();
    assert!(pages.iter().any(|p| p.ends_with("proj.1")));
    for page in &pages {
        let mut cmd = shell(&t, "man");
        cmd.env("MANWIDTH", "80")
            .args(["--warnings", "-l"])
            .arg(page);
        let out = run(cmd, "man", "man-db");
        assert_clean(&out, &format!("man {}", relative(page)));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("EXIT STATUS"), "{}", relative(page));
    }
}

fn relative(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
