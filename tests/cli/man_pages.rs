//! Man pages, generated here and not in the shipped binary: `proj.1` and one page per subcommand (`proj-env-add.1`, …), rendered from the
//! clap tree by clap_mangen, plus the sections clap does not know about: examples, exit
//! status, environment and files (README.md, "Exit codes" and "Environment variables"). The
//! checked-in `man/` is refreshed with `UPDATE_GENERATED=1 cargo test --test cli generated`.

use std::fmt::Write as _;

/// Every page: file name and roff source, the root first.
pub fn pages() -> Vec<(String, String)> {
    let mut cmd = proj::cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, &[], &mut out);
    out
}

fn collect(cmd: &clap::Command, path: &[&str], out: &mut Vec<(String, String)>) {
    out.push(page(cmd, path));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name());
        collect(sub, &sub_path, out);
    }
}

fn page(cmd: &clap::Command, path: &[&str]) -> (String, String) {
    let version = cmd.get_version().unwrap_or_default();
    let mut cmd = cmd.clone();
    if path.is_empty() {
        // Only the page gets the long story; `proj --help` stays short.
        cmd = cmd.long_about(OVERVIEW);
    }
    let aliases: Vec<String> = cmd
        .get_visible_aliases()
        .map(|a| {
            let mut words = vec!["proj"];
            words.extend(&path[..path.len() - 1]);
            words.push(a);
            words.join(" ")
        })
        .collect();
    if !aliases.is_empty() {
        let about = cmd
            .get_long_about()
            .or(cmd.get_about())
            .map(|s| s.to_string())
            .unwrap_or_default();
        let also = format!("{about}\n\nAlso available as {}.", aliases.join(", "));
        cmd = cmd.long_about(also);
    }
    let cmd = &cmd;
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("proj {version}"))
        .manual("proj manual");
    let name = man.get_filename();
    let mut roff = Vec::new();
    let render = |roff: &mut Vec<u8>, f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        f(roff).expect("rendering to memory cannot fail")
    };
    render(&mut roff, &|w| man.render_title(w));
    // Paths and flags read badly when hyphenated at the end of a line.
    roff.extend_from_slice(b".nh\n");
    render(&mut roff, &|w| man.render_name_section(w));
    render(&mut roff, &|w| man.render_synopsis_section(w));
    render(&mut roff, &|w| man.render_description_section(w));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        render(&mut roff, &|w| man.render_options_section(w));
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        render(&mut roff, &|w| man.render_subcommands_section(w));
    }
    let mut text = String::from_utf8(roff).expect("clap_mangen writes UTF-8");
    text.push_str(&common_sections(path, &examples_section(&path.join(" "))));
    (name, text)
}

/// Escapes text for a roff line: backslashes, hyphens (so they stay ASCII in copy-paste) and
/// a leading control character.
fn escape(text: &str) -> String {
    let s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

fn examples_section(path: &str) -> String {
    let examples: Vec<_> = EXAMPLES.iter().filter(|(p, _, _)| *p == path).collect();
    if examples.is_empty() {
        return String::new();
    }
    let mut out = String::from(".SH EXAMPLES\n");
    for (_, what, lines) in examples {
        let _ = writeln!(out, ".PP\n{}\n.PP\n.RS 4\n.nf", escape(what));
        for line in lines.lines() {
            let _ = writeln!(out, "{}", escape(line));
        }
        out.push_str(".fi\n.RE\n");
    }
    out
}

/// EXIT STATUS, ENVIRONMENT, FILES, then `examples`, then SEE ALSO (the order of man-pages(7)).
fn common_sections(path: &[&str], examples: &str) -> String {
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_CODES {
        let _ = writeln!(out, ".TP\n\\fB{code}\\fR\n{}", escape(meaning));
    }
    out.push_str(".SH ENVIRONMENT\n");
    for (var, meaning) in ENVIRONMENT {
        let _ = writeln!(out, ".TP\n\\fB{}\\fR\n{}", escape(var), escape(meaning));
    }
    out.push_str(".SH FILES\n");
    for (file, meaning) in FILES {
        let _ = writeln!(out, ".TP\n\\fI{}\\fR\n{}", escape(file), escape(meaning));
    }
    out.push_str(examples);
    out.push_str(".SH \"SEE ALSO\"\n");
    let mut see = Vec::new();
    if !path.is_empty() {
        see.push("proj".to_string());
    }
    if path.len() > 1 {
        see.push(format!("proj-{}", path[..path.len() - 1].join("-")));
    }
    if path != ["completions"] {
        see.push("proj-completions".to_string());
    }
    let refs: Vec<String> = see
        .iter()
        .map(|p| format!(".BR {} (1)", escape(p)))
        .collect();
    let _ = writeln!(out, "{}", refs.join(",\n"));
    out
}

const OVERVIEW: &str = "\
proj keeps a company's software layout in one SQLite file: organizations own projects, \
projects hold environments (production from day one, then development, staging and custom \
ones), environments hold deployable resources, and members get organization roles and \
project grants.

Each noun has the same verbs: add (create, new), list (ls), show, rename and remove (rm, \
delete). An environment is named ENV, PROJECT/ENV or ORG/PROJECT/ENV; a project PROJECT or \
ORG/PROJECT.

The organization and project a command works on come from, first match wins: the --org and \
--project flags, the PROJ_ORG and PROJ_PROJECT variables, a .proj.json link file written by \
proj link in this directory or the nearest ancestor, the selection saved by proj org use or \
proj project use, and finally the only organization or project there is. proj context shows \
the result and where each part came from.

Results print as a table, as JSON (--json) or as tab-separated lines (-o plain). Errors go \
to stderr as error: and hint: lines, or as one JSON object with --json.";

const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success"),
    (
        1,
        "unexpected failure: I/O, a file that is not a proj database, a corrupt file, a bug",
    ),
    (
        2,
        "usage: bad flags, an invalid name, nothing selected, a prompt needed but no terminal",
    ),
    (
        3,
        "not found, including projects the acting member may not see",
    ),
    (
        4,
        "conflict: already exists, or not empty or protected without --yes",
    ),
    (5, "permission denied"),
    (
        6,
        "the file is busy past the timeout, or its schema is newer than this binary",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    ("PROJ_DB", "The database file, as --db."),
    ("PROJ_ORG", "The organization to work in, as --org."),
    (
        "PROJ_PROJECT",
        "The project to work in, as --project (PROJECT or ORG/PROJECT).",
    ),
    ("PROJ_AS", "Act as this member, as --as."),
    ("PROJ_OUTPUT", "table, json or plain, as --output."),
    (
        "NO_COLOR",
        "When set, never color the output, even on a terminal.",
    ),
    (
        "PROJ_BUSY_TIMEOUT_MS",
        "How long to wait for another writer before giving up with exit 6 (default 5000).",
    ),
    (
        "PROJ_NOW",
        "Pin the clock (RFC 3339) for reproducible output in tests and demos.",
    ),
    (
        "COMPLETE",
        "Set by the completion scripts: proj then prints completion candidates for the words \
         after -- instead of running a command.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_DATA_HOME/proj/proj.db",
        "The database when neither --db nor PROJ_DB says otherwise; usually \
         ~/.local/share/proj/proj.db on Linux and ~/Library/Application Support/proj/proj.db \
         on macOS. One SQLite file in WAL mode, created 0600 in a 0700 directory.",
    ),
    (
        ".proj.json",
        "The link file written by proj link: commands run in that directory or below it use \
         its organization and project.",
    ),
];

/// Examples per command path (`""` is `proj` itself): what it shows, then the lines.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "",
        "Set up a file with you as owner, an organization and a first project:",
        "proj init --yes --user ana@acme.dev --name Ana --org acme --project shop",
    ),
    (
        "",
        "Add environments and list them in release-flow order:",
        "proj env add staging\nproj env add dev\nproj env list",
    ),
    (
        "",
        "Pin a checkout to a project, then see what commands will use:",
        "cd ~/src/shop && proj link acme/shop\nproj context",
    ),
    (
        "",
        "Feed names to a script:",
        "proj env list -o plain | cut -f1",
    ),
    (
        "",
        "Enable shell completion for bash:",
        "echo 'source <(proj completions bash)' >> ~/.bashrc",
    ),
    (
        "org add",
        "Create an organization:",
        "proj org add acme --display-name \"Acme Inc\"",
    ),
    (
        "org list",
        "List organizations as JSON:",
        "proj org list --json",
    ),
    (
        "org show",
        "Show an organization and its projects:",
        "proj org show acme",
    ),
    (
        "org rename",
        "Rename an organization:",
        "proj org rename acme acme-eu",
    ),
    (
        "org remove",
        "Remove an organization with everything in it, without a prompt:",
        "proj org remove acme --yes",
    ),
    (
        "org use",
        "Make an organization the current one:",
        "proj org use acme",
    ),
    (
        "project add",
        "Create a project; it starts with a protected production environment:",
        "proj project add shop --org acme",
    ),
    (
        "project add",
        "Start a project with development and production instead:",
        "proj project add client-b --env development --env production",
    ),
    (
        "project list",
        "List the projects of every organization:",
        "proj project list --all",
    ),
    (
        "project show",
        "Show a project:",
        "proj project show acme/shop",
    ),
    (
        "project rename",
        "Rename a project:",
        "proj project rename shop store",
    ),
    (
        "project remove",
        "Remove a project:",
        "proj project remove acme/shop --yes",
    ),
    (
        "project use",
        "Make a project the current one:",
        "proj project use acme/shop",
    ),
    (
        "env add",
        "Add a staging environment (the kind is inferred from the name):",
        "proj env add staging",
    ),
    (
        "env add",
        "Add a custom environment with a display name:",
        "proj env add hotfix --display-name \"Hotfix 1.2\"",
    ),
    (
        "env add",
        "Add an environment to another project, overriding the kind:",
        "proj env add qa --kind staging --project acme/shop",
    ),
    (
        "env list",
        "List environments, archived ones too:",
        "proj env list --archived",
    ),
    (
        "env list",
        "Print slugs only:",
        "proj env list -o plain | cut -f1",
    ),
    (
        "env show",
        "Show an environment of another project:",
        "proj env show acme/shop/staging",
    ),
    (
        "env rename",
        "Rename an environment, or only change its display name:",
        "proj env rename staging qa\nproj env rename qa --display-name \"QA\"",
    ),
    (
        "env remove",
        "Remove a protected environment without a prompt:",
        "proj env remove production --yes",
    ),
    (
        "env clone",
        "Copy staging with its resources:",
        "proj env clone staging staging-2",
    ),
    (
        "env archive",
        "Hide an environment from lists:",
        "proj env archive hotfix",
    ),
    (
        "env unarchive",
        "Bring it back:",
        "proj env unarchive hotfix",
    ),
    (
        "env protect",
        "Let only project admins change staging:",
        "proj env protect staging",
    ),
    (
        "env unprotect",
        "Lift the protection:",
        "proj env unprotect staging",
    ),
    (
        "member add",
        "Add a member with an organization role:",
        "proj member add bo@acme.dev --name Bo --role admin",
    ),
    (
        "member role",
        "Change a member's organization role:",
        "proj member role bo@acme.dev viewer",
    ),
    (
        "member grant",
        "Make a member a developer on a project, but a viewer on production:",
        "proj member grant bo@acme.dev --project shop --role developer\n\
         proj member grant bo@acme.dev --project shop --env production --role viewer",
    ),
    (
        "member revoke",
        "Take back a project grant:",
        "proj member revoke bo@acme.dev --project shop",
    ),
    (
        "resource add",
        "Add an app to staging:",
        "proj resource add api --type app --env staging",
    ),
    (
        "access check",
        "Ask whether a member may remove production, and which rule decides:",
        "proj access check bo@acme.dev env.remove acme/shop/production",
    ),
    (
        "link",
        "Pin the current directory to a project:",
        "proj link acme/shop",
    ),
    ("unlink", "Remove the pin:", "proj unlink"),
    (
        "context",
        "See what commands here will use, and why:",
        "proj context --json",
    ),
    ("log", "Show the last five changes:", "proj log --limit 5"),
    (
        "export",
        "Write the current organization's layout to a file, or every organization's as JSON:",
        "proj export > layout.toml\nproj export --all -o json",
    ),
    (
        "apply",
        "Print the plan (+ create, ~ change, - remove) without changing anything, then apply it:",
        "proj apply --dry-run layout.toml\nproj apply --yes layout.toml",
    ),
    (
        "apply",
        "Also remove what the file leaves out of the organizations it names:",
        "proj apply --prune layout.toml",
    ),
    (
        "apply",
        "Move every organization you can see to another database file:",
        "proj export --all | proj --db team.db apply --yes -",
    ),
    (
        "completions",
        "Enable completion in bash, zsh, fish, PowerShell or elvish:",
        "echo 'source <(proj completions bash)' >> ~/.bashrc\n\
         echo 'source <(proj completions zsh)' >> ~/.zshrc\n\
         proj completions fish > ~/.config/fish/completions/proj.fish\n\
         proj completions powershell | Out-String | Invoke-Expression\n\
         eval (proj completions elvish | slurp)",
    ),
];
