//! The layout file as written: the contract's TOML shape (JSON has the same nesting) as serde
//! types, read with the `toml` crate, every value with where it was written.
//!
//! Nothing here knows the database. [`Layout`] is what a file says, unchecked;
//! [`super::check`] turns it into a [`super::Desired`] with parsed kinds and roles, or the
//! problems with their positions.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::Cell;
use std::ops::Range;

/// A value read from a layout file and the bytes of the file it was read from; values made in
/// code (an export) and values read from JSON have no position. Prints as the value alone.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub span: Option<Range<usize>>,
}

impl<T> Located<T> {
    pub fn new(value: T) -> Self {
        Located { value, span: None }
    }
}

impl<T> From<T> for Located<T> {
    fn from(value: T) -> Self {
        Located::new(value)
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

thread_local! {
    /// While the TOML deserializer is at work (it hands out spans; JSON's does not): where
    /// the text it reads starts in the whole file.
    static READING_TOML_AT: Cell<Option<usize>> = const { Cell::new(None) };
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match READING_TOML_AT.with(Cell::get) {
            Some(offset) => {
                let spanned = toml::Spanned::<T>::deserialize(d)?;
                let span = spanned.span();
                Ok(Located {
                    value: spanned.into_inner(),
                    span: Some(span.start + offset..span.end + offset),
                })
            }
            None => T::deserialize(d).map(Located::new),
        }
    }
}

type Text = Option<Located<String>>;

/// A whole layout file: the organizations it names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub org: Vec<Org>,
}

// Field order is print order: plain keys first, then the arrays of tables (TOML needs a
// table's own keys before its sub-tables).

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub slug: Located<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team: Vec<Team>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub project: Vec<Project>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub email: Located<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Text,
    /// The organization role; `member` when left out (as `proj member add`). Exports always
    /// write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Text,
    /// The database login of team mode (a shared server); a file database has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub slug: Located<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Text,
    /// Emails of its members, each a member of the organization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Located<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub slug: Located<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<Env>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant: Vec<Grant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Env {
    pub slug: Located<String>,
    /// Left out: the default from the slug (`staging` → `Staging`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Text,
    /// Left out: inferred from the slug, as `proj env add` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Text,
    /// Left out: protected if and only if the kind is production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<Located<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<Located<bool>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Resource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub slug: Located<String>,
    #[serde(rename = "type")]
    pub kind: Located<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Text,
}

/// A project role held by a member (`member = EMAIL`) or a team (`team = SLUG`), on the whole
/// project or on one environment (`env = SLUG`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Text,
    pub role: Located<String>,
}

/// A layout file that does not parse: the byte offset of the problem, if known, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: Option<usize>,
    pub message: String,
}

/// Which of the two shapes a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Toml,
    Json,
}

impl Syntax {
    /// A JSON layout is one object, so it starts with `{`; a TOML file never does.
    pub fn of(text: &str) -> Syntax {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            Syntax::Json
        } else {
            Syntax::Toml
        }
    }
}

/// Reads a layout file (TOML, or the JSON of `proj export -o json`). Unknown keys are errors.
pub fn parse(text: &str) -> Result<Layout, SyntaxError> {
    match Syntax::of(text) {
        Syntax::Toml => match parse_in_pieces(text) {
            Some(layout) => Ok(layout),
            // The whole file at once decides: it reports the first problem where it is.
            None => parse_toml(text, 0),
        },
        Syntax::Json => serde_json::from_str::<Layout>(text).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the position is given separately.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            SyntaxError {
                at: offset_of(text, e.line(), e.column()),
                message,
            }
        }),
    }
}

/// One TOML text (all of a file, or a piece of it starting at `offset`).
fn parse_toml(text: &str, offset: usize) -> Result<Layout, SyntaxError> {
    READING_TOML_AT.with(|r| r.set(Some(offset)));
    let parsed = toml::from_str::<Layout>(text);
    READING_TOML_AT.with(|r| r.set(None));
    parsed.map_err(|e| SyntaxError {
        at: e.span().map(|s| s.start + offset),
        message: e.message().trim_end().to_string(),
    })
}

/// Below this size a file is read in one piece.
const PIECE_BYTES: usize = 1 << 20;

/// A large file read as pieces, one organization each, on a few threads: the `toml` crate
/// holds a document's whole syntax tree (about 40 bytes for each byte of a layout file), so
/// one piece at a time keeps a 100,000-environment file in tens of megabytes instead of
/// hundreds, and the pieces parse in parallel.
///
/// A piece starts at a line that is exactly `[[org]]`, which (outside a multi-line string)
/// opens the next element of `org`; every piece is then a document of its own. A split inside
/// a multi-line string leaves the piece before it unterminated, so every piece parsing is the
/// proof the splits were right. `None`: read the whole file at once (small, not split, or a
/// piece failed, in which case the whole file reports the problem where it is).
fn parse_in_pieces(text: &str) -> Option<Layout> {
    if text.len() < PIECE_BYTES {
        return None;
    }
    // The text before the first `[[org]]` (often nothing), then one piece per organization.
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "[[org]]" {
            starts.push(at);
        }
        at += line.len();
    }
    if starts.len() < 3 {
        return None;
    }
    starts.push(text.len());
    let pieces: Vec<(usize, &str)> = starts
        .windows(2)
        .map(|w| (w[0], &text[w[0]..w[1]]))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let per_thread = pieces.len().div_ceil(threads);
    let parsed: Vec<Option<Vec<Layout>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = pieces
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(offset, piece)| parse_toml(piece, *offset).ok())
                        .collect::<Option<Vec<Layout>>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().ok().flatten())
            .collect()
    });
    let mut layouts = parsed
        .into_iter()
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .flatten();
    let mut whole = layouts.next()?;
    // Only the pieces may hold organizations: `org` in the text before the first `[[org]]`
    // would make the file, read at once, something else (or invalid).
    if !whole.org.is_empty() {
        return None;
    }
    for piece in layouts {
        whole.org.extend(piece.org);
    }
    Some(whole)
}

/// Prints a layout as TOML.
pub fn to_toml(layout: &Layout) -> String {
    toml::to_string(layout).expect("a layout always prints as TOML")
}

/// Prints a layout as JSON, the same nesting.
pub fn to_json(layout: &Layout) -> String {
    let mut text = serde_json::to_string_pretty(layout).expect("a layout always prints as JSON");
    text.push('\n');
    text
}

/// 1-based line and column (in characters) of a byte offset into `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    Some((start + column.saturating_sub(1)).min(text.len()))
}

/// Where the key of a `key = value` pair starts, given where its value starts: problems with
/// a value are reported at its key. Falls back to the value when the text is not `key =`.
pub fn key_start(text: &str, value_start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = value_start.min(bytes.len());
    let skip_blanks = |mut i: usize| {
        while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        i
    };
    i = skip_blanks(i);
    if i == 0 || bytes[i - 1] != b'=' {
        return value_start;
    }
    i = skip_blanks(i - 1);
    let end = i;
    match bytes.get(i.wrapping_sub(1)) {
        Some(q @ (b'"' | b'\'')) => match text[..i - 1].rfind(*q as char) {
            Some(open) => open,
            None => value_start,
        },
        Some(_) => {
            while i > 0
                && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b'-'))
            {
                i -= 1;
            }
            if i == end { value_start } else { i }
        }
        None => value_start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_contract_example_with_positions() {
        let text = "[[org]]\nslug = \"acme\"\n\n[[org.project]]\nslug = \"shop\"\n\n\
                    [[org.project.env]]\nslug = \"production\"\n";
        let layout = parse(text).unwrap();
        let env = &layout.org[0].project[0].env[0];
        assert_eq!(env.slug.value, "production");
        let at = env.slug.span.clone().unwrap().start;
        assert_eq!(line_column(text, at), (8, 8));
        assert_eq!(line_column(text, key_start(text, at)), (8, 1));
    }

    #[test]
    fn unknown_keys_are_errors_with_a_position() {
        let text = "[[org]]\nslug = \"acme\"\ncolour = \"red\"\n";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("unknown field `colour`"), "{err:?}");
        assert_eq!(line_column(text, err.at.unwrap()), (3, 1));
    }

    #[test]
    fn json_reads_the_same_shape() {
        let layout = parse("{\"org\": [{\"slug\": \"acme\"}]}").unwrap();
        assert_eq!(layout.org[0].slug.value, "acme");
        assert!(layout.org[0].slug.span.is_none());
        let err = parse("{\"org\": [{\"slug\": \"acme\", \"x\": 1}]}").unwrap_err();
        assert!(err.message.contains("unknown field `x`"), "{err:?}");
        // serde_json points at the end of the unknown key.
        assert_eq!(err.at, Some(28));
    }

    #[test]
    fn key_start_finds_bare_and_quoted_keys() {
        let t = "a = 1\n  \"my key\"\t=  2\nx=3";
        assert_eq!(key_start(t, 4), 0);
        assert_eq!(key_start(t, t.find('2').unwrap()), 8);
        assert_eq!(key_start(t, t.len() - 1), t.len() - 3);
        assert_eq!(key_start("[1, 2]", 4), 4);
    }

    #[test]
    fn large_files_read_in_pieces_read_as_a_whole() {
        let mut text = String::from("# a layout\n\n");
        for i in 0..20_000 {
            text.push_str(&format!(
                "[[org]]\nslug = \"o{i}\"\n\n[[org.project]]\nslug = \"p\"\n\n"
            ));
        }
        assert!(text.len() > PIECE_BYTES);
        let pieces = parse_in_pieces(&text).expect("split");
        READING_TOML_AT.with(|r| r.set(Some(0)));
        let whole = toml::from_str::<Layout>(&text).unwrap();
        READING_TOML_AT.with(|r| r.set(None));
        assert_eq!(pieces, whole);
        let last = pieces.org.last().unwrap();
        assert_eq!(last.slug.span, whole.org.last().unwrap().slug.span);
        assert_eq!(&text[last.slug.span.clone().unwrap()], "\"o19999\"");
        // As `proj export` prints it: nothing before the first `[[org]]`.
        let bare = text.trim_start_matches("# a layout\n\n");
        assert_eq!(parse_in_pieces(bare).expect("split").org.len(), 20_000);

        // A split inside a multi-line string: the file is read whole, and right.
        let tricky = text.replacen(
            "slug = \"p\"",
            "slug = \"p\"\ndescription = \"\"\"\n[[org]]\n\"\"\"",
            1,
        );
        assert!(parse_in_pieces(&tricky).is_none());
        let read = parse(&tricky).unwrap();
        assert_eq!(read.org.len(), 20_000);
        assert_eq!(
            read.org[0].project[0].description.as_ref().unwrap().value,
            "[[org]]\n"
        );

        // A syntax error in a piece is reported where it is in the whole file.
        let broken = text.replacen("slug = \"o7\"", "slug = o7", 1);
        let err = parse(&broken).unwrap_err();
        assert_eq!(err.at, Some(broken.find("o7\n").unwrap()));
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("é = 1", 5), (1, 5));
        assert_eq!(line_column("a\nb", 2), (2, 1));
    }
}
