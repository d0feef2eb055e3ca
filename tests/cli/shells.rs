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
