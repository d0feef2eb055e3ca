//! The domain vocabulary: names, kinds and roles, with their parsing and validation.

use crate::error::{Error, Result};

/// `a/b/c`: how every path of slugs is written.
pub fn slash(parts: &[&str]) -> String {
    parts.join("/")
}

/// The ways to write a project on the command line.
pub const PROJECT_FORMS: &[&str] = &["PROJECT", "ORG/PROJECT"];
/// The ways to write an environment.
pub const ENV_FORMS: &[&str] = &["ENV", "PROJECT/ENV", "ORG/PROJECT/ENV"];
/// The ways to write an access-check target.
pub const TARGET_FORMS: &[&str] = &["ORG", "ORG/PROJECT", "ORG/PROJECT/ENV"];

/// The one parser of slug paths written on the command line: splits `arg` at `/` into as many
/// parts as `forms` has (at most), none of them empty. A path that does not fit is usage
/// (exit 2), never "not found": `/staging`, `acme/shop/` and `a//b` name nothing.
pub fn segments<'a>(arg: &'a str, what: &str, forms: &[&str]) -> Result<Vec<&'a str>> {
    let parts: Vec<&str> = arg.split('/').collect();
    let hint = || match forms {
        [one] => format!("write {one}"),
        [rest @ .., last] => format!("write {} or {last}", rest.join(", ")),
        [] => String::new(),
    };
    if parts.iter().any(|p| p.is_empty()) {
        return Err(Error::usage(format!(
            "invalid {what} `{arg}`: a name between slashes is empty"
        ))
        .with_hint(hint()));
    }
    if parts.len() > forms.len() {
        return Err(Error::usage(format!("invalid {what} `{arg}`")).with_hint(hint()));
    }
    Ok(parts)
}

/// Longest slug allowed by `^[a-z][a-z0-9-]{0,62}$`.
pub const MAX_SLUG: usize = 63;

/// Checks a slug against the slug rule (README.md, "A tour": slugs) and explains a rejection with a suggestion.
pub fn validate_slug(noun: &str, name: &str) -> Result<()> {
    let problem = slug_problem(name);
    match problem {
        None => Ok(()),
        Some(problem) => {
            let mut err = Error::usage(format!("invalid {noun} name `{}`: {problem}", shown(name)));
            if let Some(s) = suggest_slug(name) {
                err = err.with_hint(format!("try `{s}`"));
            }
            Err(err)
        }
    }
}

/// [`validate_slug`] for `proj NOUN add NAME` (`noun` as errors say it, `command` as typed):
/// a name that is not a slug but gives one (`Web Frontend`) reads as a display name, so the
/// hint is the whole command that keeps it (`proj project add web-frontend --display-name
/// "Web Frontend"`), as the wizard does with such a name.
pub fn validate_new_slug(noun: &str, command: &str, name: &str) -> Result<()> {
    let Err(mut err) = validate_slug(noun, name) else {
        return Ok(());
    };
    if let Some(slug) = suggest_slug(name)
        && name.chars().count() <= 200
        && text_problem(name).is_none()
    {
        let quoted = if name.contains(['"', '$', '`', '\\', '!']) {
            format!("'{}'", name.replace('\'', r"'\''"))
        } else {
            format!("\"{name}\"")
        };
        err = err.with_hint(format!(
            "try `proj {command} add {slug} --display-name {quoted}`"
        ));
    }
    Err(err)
}

fn slug_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if name.is_empty() {
        return Some("a name cannot be empty");
    }
    if name.len() > MAX_SLUG {
        return Some("use at most 63 characters");
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    {
        return Some("use lowercase letters, digits and '-'");
    }
    if !bytes[0].is_ascii_lowercase() {
        return Some("start with a lowercase letter");
    }
    if name.ends_with('-') {
        return Some("do not end with '-'");
    }
    if name.contains("--") {
        return Some("do not use '--'");
    }
    None
}

pub fn is_valid_slug(name: &str) -> bool {
    slug_problem(name).is_none()
}

/// The nearest valid slug to what the user typed, if there is a sensible one. Letters with
/// accents and the common Latin ligatures become their ASCII spelling (`Café Über` →
/// `cafe-uber`, `Straße` → `strasse`, `İstanbul` → `istanbul`, `ÆON` → `aeon`); anything
/// else that is not a letter or digit separates words.
pub fn suggest_slug(name: &str) -> Option<String> {
    let mut out = String::new();
    let push = |piece: &str, out: &mut String| {
        for c in piece.chars() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
    };
    for c in name.chars() {
        // `İ` lowercases to `i` and a combining dot; the dot is dropped below anyway.
        for lower in c.to_lowercase() {
            if is_combining_mark(lower) {
                continue;
            }
            match ascii_spelling(lower) {
                Some(ascii) => push(ascii, &mut out),
                None => push(lower.encode_utf8(&mut [0; 4]), &mut out),
            }
        }
    }
    let mut out = out.trim_matches('-').to_string();
    if out.is_empty() {
        return None;
    }
    if !out.as_bytes()[0].is_ascii_lowercase() {
        out.insert_str(0, "x-");
    }
    if out.len() > MAX_SLUG {
        out.truncate(MAX_SLUG);
        out = out.trim_end_matches('-').to_string();
    }
    (out != name && is_valid_slug(&out)).then_some(out)
}

/// Accents written as separate combining characters (`e` + U+0301): part of the letter.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// The ASCII spelling of a lowercase Latin letter with an accent, or of a ligature; `None`
/// for everything else (ASCII included).
fn ascii_spelling(c: char) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("àáâãäåāăąǎ", "a"),
        ("çćĉċč", "c"),
        ("ďđð", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"),
        ("ĵ", "j"),
        ("ķ", "k"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏőǒ", "o"),
        ("ŕŗř", "r"),
        ("śŝşšș", "s"),
        ("ţťŧț", "t"),
        ("ùúûüũūŭůűųǔ", "u"),
        ("ŵ", "w"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("æ", "ae"),
        ("œ", "oe"),
        ("ß", "ss"),
        ("þ", "th"),
    ];
    TABLE
        .iter()
        .find(|(letters, _)| letters.contains(c))
        .map(|(_, ascii)| *ascii)
}

/// `staging` → `Staging`, `client-demo` → `Client Demo`.
pub fn default_display_name(slug: &str) -> String {
    slug.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as an error message repeats it: at most 80 characters, so a huge invalid value
/// is not echoed back whole.
pub fn shown(value: &str) -> String {
    const MAX: usize = 80;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

/// The one email syntax proj takes (README.md, "Names"): `LOCAL@DOMAIN`, at most 254
/// characters. LOCAL is 1-64 letters, digits and ``.!#$%&'*+/=?^_`{|}~-`` (RFC 5322's
/// dot-atom: no dot first, last or twice in a row). DOMAIN is two or more labels joined by
/// dots, each 1-63 letters, digits and `-`, not starting or ending with `-`, the last not all
/// digits. Letters may be any script's (RFC 6531); no quoted local parts, comments or
/// address literals.
pub fn validate_email(email: &str) -> Result<()> {
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let dot_atom = |s: &str, max: usize, ok: &dyn Fn(char) -> bool| {
        !s.is_empty()
            && s.chars().count() <= max
            && s.split('.')
                .all(|part| !part.is_empty() && part.chars().all(ok))
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let ok = email.chars().count() <= 254
        && match email.split_once('@') {
            Some((local, domain)) => {
                dot_atom(local, 64, &atext)
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(label)
                    && !domain
                        .rsplit('.')
                        .next()
                        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!("invalid email `{}`", shown(email))).with_hint(
            "use an address like ana@example.com: letters, digits and .+-_ before the @, a domain of labels joined by dots after it",
        ))
    }
}

/// The one spelling of an email that is stored and compared: lowercased, so `Bo@Acme.dev` is
/// `bo@acme.dev` (Unicode lowercase, the same as migration 3 applies to older files).
pub fn normalize_email(email: &str) -> String {
    email.to_lowercase()
}

/// Characters that must never reach a terminal raw: C0 controls (ESC, BEL, CR, LF, TAB, …),
/// DEL, C1 controls, and the bidirectional embeddings, overrides and isolates that reorder
/// what a reader sees. Free text with one is refused; stored text with one is escaped.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The longest display name or member name, in characters.
pub const MAX_NAME_TEXT: usize = 200;
/// The longest description (or any other free text), in characters.
pub const MAX_TEXT: usize = 4000;

/// Why a free-text value (a description) is refused, if it is: the first unsafe character, as
/// `U+001B`, or a length past [`MAX_TEXT`].
pub fn text_problem(value: &str) -> Option<String> {
    if let Some(c) = value.chars().find(|c| is_unsafe_char(*c)) {
        return Some(format!(
            "it contains the control character U+{:04X}",
            c as u32
        ));
    }
    let n = value.chars().count();
    (n > MAX_TEXT).then(|| format!("it is {n} characters long; at most {MAX_TEXT} are kept"))
}

/// [`text_problem`] for a name people read (a display name, a member's name): also at most
/// [`MAX_NAME_TEXT`] characters, and not blank: one made only of spaces or characters that
/// show nothing (zero-width spaces and joiners, soft hyphens, fillers) is refused. Empty is
/// not blank: it clears the name where a command allows that.
pub fn name_text_problem(value: &str) -> Option<String> {
    if let Some(problem) = text_problem(value) {
        return Some(problem);
    }
    let n = value.chars().count();
    if n > MAX_NAME_TEXT {
        return Some(format!(
            "it is {n} characters long; a name is at most {MAX_NAME_TEXT}"
        ));
    }
    (!value.is_empty() && value.chars().all(is_invisible))
        .then(|| "it is blank: it shows nothing".to_string())
}

/// Characters that show nothing by themselves.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || is_combining_mark(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Checks a name people read; the error names the field.
pub fn validate_name_text(field: &str, value: &str) -> Result<()> {
    match name_text_problem(value) {
        None => Ok(()),
        Some(problem) => Err(Error::usage(format!("invalid {field}: {problem}"))
            .with_hint("use printable text that shows something, without escape sequences, tabs or line breaks")),
    }
}

/// Checks a free-text value; the error names the field.
pub fn validate_text(field: &str, value: &str) -> Result<()> {
    match text_problem(value) {
        None => Ok(()),
        Some(problem) => Err(Error::usage(format!("invalid {field}: {problem}"))
            .with_hint("use printable text: no escape sequences, tabs or line breaks")),
    }
}

/// Declares an enum of names, each spelled once: the variants in order, `ALL` in that order,
/// `as_str`, `names` (the spellings joined by commas), `Display`, `Serialize` (the spelling as a
/// string) and `FromStr`. `FromStr` refuses an unknown name as usage naming `what` it is
/// (`invalid environment kind `x``, with the names as the hint); `unknown = |s| ERROR` gives
/// the error for an unknown `s` instead.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        string_enum!(
            $(#[$meta])* $name,
            unknown = |s| $crate::error::Error::usage(format!("invalid {} `{}`", $what, s))
                .with_hint(format!("use one of: {}", $name::names())),
            { $($variant => $text),+ }
        );
    };
    ($(#[$meta:meta])* $name:ident, unknown = |$s:ident| $unknown:expr,
     { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        // Read back from what Serialize wrote (audit snapshots): the same spelling.
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                s.parse()
                    .map_err(|e: $crate::error::Error| ::serde::de::Error::custom(e.message))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    $s => Err($unknown),
                }
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// The stage an environment plays in the release flow.
    EnvKind, "environment kind", {
    Development => "development",
    Staging => "staging",
    Custom => "custom",
    Production => "production",
});

impl EnvKind {
    /// Kind from a well-known environment name; anything else is custom.
    pub fn infer(slug: &str) -> EnvKind {
        match slug {
            "dev" | "development" => EnvKind::Development,
            "stage" | "staging" | "stg" => EnvKind::Staging,
            "prod" | "production" => EnvKind::Production,
            _ => EnvKind::Custom,
        }
    }
    /// Production environments are protected from the day they are created.
    pub fn protected_by_default(self) -> bool {
        self == EnvKind::Production
    }

    /// The one rule for kind and protection: an environment of this kind with `protected`
    /// becomes kind `to`. Protection that was the kind's default follows the new kind's (into
    /// production protects, out of it unprotects); protection set apart from the default
    /// (`env protect` on staging, `env unprotect` on production) stays as it was set. A
    /// change it makes is `env.protect`'s to allow, whichever road changes the kind (a layout
    /// file says `protected` itself; what `proj export` writes agrees with this rule).
    pub fn protection_after_change(self, protected: bool, to: EnvKind) -> bool {
        if protected == self.protected_by_default() {
            to.protected_by_default()
        } else {
            protected
        }
    }
}

string_enum!(
    /// A member's role in an organization, strongest first.
    OrgRole, "organization role", {
    Owner => "owner",
    Admin => "admin",
    Member => "member",
    Viewer => "viewer",
});

string_enum!(
    /// A member's role in one project (or one environment of it), strongest first.
    ProjectRole, "project role", {
    Admin => "admin",
    Developer => "developer",
    Viewer => "viewer",
});

string_enum!(
    /// What a resource is: the kinds of deployable thing an environment holds.
    ResourceType, "resource type", {
    App => "app",
    Worker => "worker",
    Queue => "queue",
    Database => "database",
    Server => "server",
    Cron => "cron",
    Daemon => "daemon",
    Service => "service",
    Credential => "credential",
    VirtualHost => "virtual-host",
    SslCertificate => "ssl-certificate",
    Network => "network",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_slugs_spell_accented_letters_in_ascii() {
        for (name, slug) in [
            ("Café Über", "cafe-uber"),
            ("Straße", "strasse"),
            ("İstanbul", "istanbul"),
            ("ÆON", "aeon"),
            ("Øresund Bro", "oresund-bro"),
            ("Ærøskøbing", "aeroskobing"),
            ("Łódź", "lodz"),
            ("Cafe\u{301}", "cafe"),
            ("Web Frontend", "web-frontend"),
            ("東京 shop", "shop"),
        ] {
            assert_eq!(suggest_slug(name).as_deref(), Some(slug), "{name}");
        }
        assert_eq!(suggest_slug("東京"), None);
    }

    #[test]
    fn slugs() {
        for ok in ["a", "staging", "client-demo", "a1", &"a".repeat(63)] {
            assert!(is_valid_slug(ok), "{ok}");
        }
        for bad in [
            "",
            "A",
            "1a",
            "-a",
            "a-",
            "a--b",
            "a b",
            "é",
            &"a".repeat(64),
            "a;b",
            "a'b",
        ] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_slug("QA Env").as_deref(), Some("qa-env"));
        assert_eq!(
            suggest_slug("  Client--Demo! ").as_deref(),
            Some("client-demo")
        );
        assert_eq!(suggest_slug("2fa").as_deref(), Some("x-2fa"));
        assert_eq!(suggest_slug("ééé").as_deref(), Some("eee"));
        assert_eq!(suggest_slug(&"a".repeat(70)).unwrap().len(), 63);
        assert_eq!(suggest_slug("staging"), None);
    }

    #[test]
    fn kinds_and_names() {
        assert_eq!(EnvKind::infer("stg"), EnvKind::Staging);
        assert_eq!(EnvKind::infer("dev"), EnvKind::Development);
        assert_eq!(EnvKind::infer("prod"), EnvKind::Production);
        assert_eq!(EnvKind::infer("hotfix"), EnvKind::Custom);
        assert_eq!(default_display_name("client-demo"), "Client Demo");
        assert_eq!(
            "virtual-host".parse::<ResourceType>().unwrap(),
            ResourceType::VirtualHost
        );
        assert!("boss".parse::<OrgRole>().is_err());
    }

    #[test]
    fn free_text() {
        assert!(validate_text("display name", "Hotfix 1.2 · ünïcode").is_ok());
        for bad in [
            "\x1b[31m", "a\x07", "a\tb", "a\nb", "a\rb", "\x7f", "\u{9b}", "\u{202e}",
        ] {
            assert!(validate_text("display name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(normalize_email("Bo@Acme.DEV"), "bo@acme.dev");
    }

    #[test]
    fn emails() {
        assert!(validate_email("ana@acme.dev").is_ok());
        for bad in [
            "",
            "ana",
            "ana@",
            "@acme.dev",
            "ana@acme",
            "a b@c.d",
            "a@b@c.d",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }
}
