//! Rendering: tables for people, JSON for programs, tab-separated plain lines for `cut`.
//! Data goes to stdout; status lines and errors go to stderr.

use crate::error::{Error, Result};
use comfy_table::{Attribute, Cell, ContentArrangement, Table, presets};
use serde::Serialize;
use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned table for people
    Table,
    /// One JSON document
    Json,
    /// One tab-separated record a line, no header
    Plain,
}

/// Something that prints as a row of a table, a plain line, or a JSON object.
pub trait Record: Serialize {
    /// What a list of these is called (`environments`), for "no environments".
    const PLURAL: &'static str;
    fn headers(&self) -> Vec<&'static str>;
    fn cells(&self) -> Vec<String>;
    /// The plain line's fields; the table's cells unless a record says otherwise.
    fn plain(&self) -> Vec<String> {
        self.cells()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub quiet: bool,
    /// stdout is a terminal.
    pub tty: bool,
    /// Color and text attributes allowed (a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

impl Output {
    pub fn new(format: Format, quiet: bool) -> Self {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            format,
            quiet,
            tty,
            color: tty && !no_color,
        }
    }

    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Prints one object: the result of `show`, `add` and other mutations.
    pub fn one<T: Record>(&self, item: &T) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        match self.format {
            Format::Json => self.json(item),
            Format::Plain => write_stdout(&plain_line(item.plain())),
            Format::Table => write_stdout(&self.table(item.headers(), vec![item.cells()])),
        }
    }

    pub fn list<T: Record>(&self, items: &[T]) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        match self.format {
            Format::Json => self.json(&items),
            Format::Plain => {
                let mut s = String::new();
                for item in items {
                    s.push_str(&plain_line(item.plain()));
                }
                write_stdout(&s)
            }
            Format::Table => match items.first() {
                None => {
                    self.status(&format!("no {}", T::PLURAL));
                    Ok(())
                }
                Some(first) => write_stdout(
                    &self.table(first.headers(), items.iter().map(Record::cells).collect()),
                ),
            },
        }
    }

    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::internal("cannot encode JSON").caused_by(e))?;
        text.push('\n');
        write_stdout(&text)
    }

    /// Free-form text for people (`proj tree`, `proj context`); callers pick it per format.
    /// The line breaks and tabs are the caller's layout; every other control character is
    /// escaped.
    pub fn text(&self, text: &str) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        write_stdout(&escape_except(text, &['\n', '\t']))
    }

    /// A status line on stderr for people: only in table format and never with `--quiet`.
    pub fn status(&self, line: &str) {
        if self.quiet || self.format != Format::Table {
            return;
        }
        let _ = writeln!(std::io::stderr(), "{}", escape(line));
    }

    fn table(&self, headers: Vec<&'static str>, rows: Vec<Vec<String>>) -> String {
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners());
        if self.tty {
            table.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            table.force_no_tty();
        }
        let color = self.color;
        table.set_header(headers.into_iter().map(|h| {
            let cell = Cell::new(h);
            if color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in rows {
            // The cells move into the table; only one that needs escaping is copied.
            table.add_row(row.into_iter().map(|c| {
                match escape(&c) {
                    Cow::Borrowed(_) => None,
                    Cow::Owned(escaped) => Some(escaped),
                }
                .unwrap_or(c)
            }));
        }
        let text = format!("{table}\n");
        // A table is drawn once, just before the process ends: freeing its cells one by one
        // cost a tenth of a 200-row `project list`.
        std::mem::forget(table);
        text
    }
}

/// One plain record: fields joined by tabs. A tab or line break inside a free-text field
/// becomes a space, so every record stays one line of the same number of fields; any other
/// control character is escaped like in a table.
fn plain_line(fields: Vec<String>) -> String {
    let fields: Vec<String> = fields
        .into_iter()
        .map(|f| escape(&f.replace(['\t', '\n', '\r'], " ")).into_owned())
        .collect();
    fields.join("\t") + "\n"
}

/// Text as it may reach a terminal: every character `model::is_unsafe_char` refuses on input
/// (ESC, BEL, CR, LF, DEL, C1, bidirectional overrides) written as a Rust-style escape,
/// `\u{1b}`. Input refuses them, so only rows stored before that (or by another program)
/// and echoed input in error messages carry any. JSON needs none of this: serde escapes.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, &[])
}

/// [`escape`], leaving the layout characters `keep` (a drawn tree's line breaks) alone.
pub fn escape_except<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let unsafe_char = |c: char| crate::model::is_unsafe_char(c) && !keep.contains(&c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// stdout was closed when the process started (`proj … >&-`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// A write to stdout failed (see [`stdout_failed`]).
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Run first: a standard stream the process was started without (`>&-`) is opened on
/// `/dev/null`, so no file opened later takes its number (table output written into the
/// database, say), and a closed stdout is remembered: writing to it fails as a write to a full
/// disk does, instead of Rust's silently discarding the text.
pub fn guard_standard_streams() {
    #[cfg(unix)]
    for fd in 0..=2 {
        // SAFETY: F_GETFD only asks whether the descriptor is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1 {
            continue;
        }
        if fd == 1 {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        // SAFETY: a NUL-terminated path; the lowest free descriptor is `fd` (the lower ones
        // are open), and dup2 makes sure of it otherwise.
        unsafe {
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            if null >= 0 && null != fd {
                libc::dup2(null, fd);
                libc::close(null);
            }
        }
    }
}

/// Whether a write to stdout failed in this process: a command that committed a change
/// then reports that the change was made (`cli::run`).
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::Relaxed)
}

/// Writes to stdout; a closed pipe (`proj … | head`) ends the process quietly: the reader
/// had what it wanted. Any other failure (a full disk behind `>`, a closed stdout) is an
/// error (exit 1).
pub fn write_stdout(text: &str) -> Result<()> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        STDOUT_FAILED.store(true, Ordering::Relaxed);
        return Err(Error::internal("cannot write to stdout").caused_by("stdout is closed"));
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            STDOUT_FAILED.store(true, Ordering::Relaxed);
            Err(Error::internal("cannot write to stdout").caused_by(e))
        }
    }
}

/// `yes`/`no` for tables and plain lines.
pub fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// An empty cell for a missing value.
pub fn or_dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".to_string())
}

/// A cell listing `items`, comma-separated; `-` for none.
pub fn dash_if_empty(items: Vec<String>) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

/// Up to `max` of `items` joined by `sep`, then `and N more`: one line stays short however
/// many there are (`a, b, c and 1997 more`).
pub fn capped_list<S: AsRef<str>>(items: &[S], max: usize, sep: &str) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let mut out = shown.join(sep);
    if items.len() > max {
        out.push_str(&format!(" and {} more", items.len() - max));
    }
    out
}
