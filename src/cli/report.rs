//! How a failed command is told: clap's own errors (usage, help, version) as `proj` prints
//! them, and every other error as `error:`/`caused by:`/`hint:` lines or one JSON object.

use crate::error::Error;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

/// Whether the user asked for JSON, read from the line clap refused so its error can be
/// JSON too.
/// Mirrors `App::new`: `--json` wins, else the last `-o`/`--output`, else `PROJ_OUTPUT`.
pub fn wants_json(args: &[OsString]) -> bool {
    let mut format = std::env::var("PROJ_OUTPUT").unwrap_or_default();
    let mut json_flag = false;
    let mut prev_o = false;
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if prev_o {
            format = a.to_string();
        } else if a == "--json" {
            json_flag = true;
        } else if let Some(v) = a.strip_prefix("--output=") {
            format = v.to_string();
        } else if let Some(v) = a.strip_prefix("-o").filter(|v| !v.is_empty()) {
            format = v.trim_start_matches('=').to_string();
        }
        prev_o = !prev_o && (a == "-o" || a == "--output");
    }
    json_flag || format == "json"
}

/// Whether an argument (or a variable clap reads) holds a character that must not reach a
/// terminal raw: clap echoes the offending value in its errors.
pub fn echoes_control_characters(args: &[OsString]) -> bool {
    let vars = ["PROJ_DB", "PROJ_OUTPUT", "PROJ_AS"].map(std::env::var_os);
    args.iter().chain(vars.iter().flatten()).any(|a| {
        a.to_string_lossy()
            .chars()
            .any(crate::model::is_unsafe_char)
    })
}

/// Reports a clap error. With `raw` (see [`echoes_control_characters`]) the command was
/// built unstyled, and its text is escaped rather than printed as is: clap would print the
/// user's escape sequences to the terminal, or (uncolored) silently drop them.
pub fn report_clap(e: clap::Error, json: bool, raw: bool) -> u8 {
    use clap::error::ErrorKind as K;
    let text = if raw {
        e.render().ansi().to_string()
    } else {
        e.render().to_string()
    };
    let unstyled = without_option_values_in_usage(&text);
    let restyle = unstyled != text;
    let text = unstyled;
    match e.kind() {
        K::DisplayHelp | K::DisplayVersion => {
            match crate::output::write_stdout(&e.render().to_string()) {
                Ok(()) => 0,
                Err(e) => {
                    report(&e, json);
                    e.exit_code()
                }
            }
        }
        _ if json => {
            report(&clap_error(&text), true);
            2
        }
        _ if raw => {
            let text = shorten_values(&text);
            let safe = crate::output::escape_except(&text, &['\n']);
            let _ = std::io::stderr().lock().write_all(safe.as_bytes());
            2
        }
        // A huge value clap would repeat whole, or a usage line clap would have shown global
        // options in: printed plain, as fixed.
        _ if restyle || text.len() > 1000 => {
            let _ = std::io::stderr()
                .lock()
                .write_all(shorten_values(&text).as_bytes());
            2
        }
        _ => {
            let _ = e.print();
            2
        }
    }
}

/// clap's rendered error as one of ours: its whole message on one line (the missing or
/// invalid arguments included), its tips and usage line as the hint.
fn clap_error(text: &str) -> Error {
    let text = text.trim_start_matches("error: ");
    let mut message: Vec<String> = Vec::new();
    let mut hints: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(tip) = line.strip_prefix("tip: ") {
            hints.push(tip.to_string());
        } else if let Some(usage) = line.strip_prefix("Usage: ") {
            hints.push(format!("usage: {usage}"));
        } else if line.starts_with("For more information") {
            continue;
        } else {
            message.push(shorten_value(line));
        }
    }
    let message = match message.split_first() {
        None => "invalid arguments".to_string(),
        Some((first, [])) => first.clone(),
        Some((first, rest)) => format!("{first} {}", rest.join(", ")),
    };
    hints.push("see `proj --help`".into());
    Error::usage(message).with_hint(hints.join("; "))
}

/// clap's `invalid value 'VALUE' for '--flag <X>': why` with VALUE as long as model::shown
/// lets it be: a huge invalid value is not echoed back whole.
fn shorten_value(line: &str) -> String {
    const OPEN: &str = "invalid value '";
    const CLOSE: &str = "' for '";
    if let Some(start) = line.find(OPEN).map(|i| i + OPEN.len())
        && let Some(end) = line.rfind(CLOSE).filter(|e| *e >= start)
    {
        return format!(
            "{}{}{}",
            &line[..start],
            crate::model::shown(&line[start..end]),
            &line[end..]
        );
    }
    line.to_string()
}

/// clap's usage line without the global options that take a value (`--db <PATH|URL>`, `--as
/// <EMAIL>`, `--output <FORMAT>`): clap lists every option that has a value, and one set by
/// `PROJ_DB`, `PROJ_AS` or `PROJ_OUTPUT` has one, so the line read as if they were required.
fn without_option_values_in_usage(text: &str) -> String {
    const GLOBALS: [&str; 3] = [" --db <PATH|URL>", " --as <EMAIL>", " --output <FORMAT>"];
    text.split_inclusive('\n')
        .map(|line| {
            if line.trim_start().starts_with("Usage: ") {
                GLOBALS
                    .iter()
                    .fold(line.to_string(), |l, option| l.replace(option, ""))
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// [`shorten_value`] on every line of clap's rendered error.
fn shorten_values(text: &str) -> String {
    text.split_inclusive('\n').map(shorten_value).collect()
}

/// A line of an error as printed: one past 1,000 characters (a huge value a message repeats)
/// keeps its start and end.
fn clipped(line: &str) -> std::borrow::Cow<'_, str> {
    const HEAD: usize = 600;
    const TAIL: usize = 200;
    let n = line.chars().count();
    if n <= 1000 {
        return line.into();
    }
    let head: String = line.chars().take(HEAD).collect();
    let tail: String = line.chars().skip(n - TAIL).collect();
    format!("{head}… ({} characters left out) …{tail}", n - HEAD - TAIL).into()
}

/// Prints an error to stderr: `error:`/`caused by:`/`hint:` lines, or one JSON object.
pub fn report(e: &Error, json: bool) {
    if e.is_silent() {
        return;
    }
    let e = &Error {
        kind: e.kind,
        message: clipped(&e.message).into_owned(),
        hint: e.hint.as_deref().map(|h| clipped(h).into_owned()),
        causes: e.causes.iter().map(|c| clipped(c).into_owned()).collect(),
    };
    // One write: stderr is unbuffered, and a message in pieces can interleave with others.
    let text = if json {
        let value = serde_json::json!({
            "error": {
                "code": e.kind.code(),
                "message": e.message,
                "hint": e.hint,
                "causes": e.causes,
            }
        });
        format!("{value}\n")
    } else {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let (red, yellow, reset) = if color {
            ("\x1b[1;31m", "\x1b[1;33m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        // Messages and hints echo what the user typed and what the file holds: a control
        // character in either is escaped, never sent to the terminal.
        let esc = crate::output::escape;
        let mut text = format!("{red}error:{reset} {}\n", esc(&e.message));
        for cause in &e.causes {
            text.push_str(&format!("caused by: {}\n", esc(cause)));
        }
        if let Some(hint) = &e.hint {
            text.push_str(&format!("{yellow}hint:{reset} {}\n", esc(hint)));
        }
        text
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
