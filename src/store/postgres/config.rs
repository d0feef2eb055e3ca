//! Where a `postgres://` URL leads: the URL, then the libpq variables (`PGHOST`, `PGPORT`,
//! `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGPASSFILE`) and `~/.pgpass` for what it
//! leaves out, as `psql` would read them (rust-postgres reads none of them), and how to show
//! it without its password.

use crate::error::{Error, Result};
use postgres::config::{Host, SslMode};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connection may take before the server counts as unreachable (exit 6).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// libpq's `sslmode`, all six of them (rust-postgres knows three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Disable,
    Allow,
    /// libpq's default: TLS when the server offers it, unverified.
    Prefer,
    /// TLS or nothing; the certificate is not checked (as libpq without a root certificate).
    Require,
    /// TLS with a certificate that chains to a trusted root, whatever name it carries.
    VerifyCa,
    /// TLS with a certificate that chains to a trusted root and names the host.
    VerifyFull,
}

impl Tls {
    fn parse(s: &str) -> Result<Tls> {
        Ok(match s {
            "disable" => Tls::Disable,
            "allow" => Tls::Allow,
            "prefer" => Tls::Prefer,
            "require" => Tls::Require,
            "verify-ca" => Tls::VerifyCa,
            "verify-full" => Tls::VerifyFull,
            other => {
                return Err(Error::usage(format!("invalid sslmode `{other}`"))
                    .with_hint("use disable, allow, prefer, require, verify-ca or verify-full"));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tls::Disable => "disable",
            Tls::Allow => "allow",
            Tls::Prefer => "prefer",
            Tls::Require => "require",
            Tls::VerifyCa => "verify-ca",
            Tls::VerifyFull => "verify-full",
        }
    }

    pub fn verifies(self) -> bool {
        matches!(self, Tls::VerifyCa | Tls::VerifyFull)
    }
}

/// Everything needed to connect, resolved.
#[derive(Debug, Clone)]
pub struct Target {
    pub config: postgres::Config,
    pub tls: Tls,
    /// `sslrootcert`/`PGSSLROOTCERT`: trusted roots instead of the platform's.
    pub root_cert: Option<PathBuf>,
    /// The URL as given, without its password: what messages, `context` and `doctor` show.
    pub shown: String,
}

/// What the process environment says, gathered once so tests can give their own.
#[derive(Debug, Default, Clone)]
pub struct Environment {
    pub vars: std::collections::HashMap<String, String>,
    pub home: Option<PathBuf>,
    pub os_user: Option<String>,
}

impl Environment {
    pub fn from_process() -> Environment {
        let vars = std::env::vars()
            .filter(|(k, v)| (k.starts_with("PG") || k == "PROJ_CONNECT_TIMEOUT") && !v.is_empty())
            .collect();
        Environment {
            vars,
            home: std::env::var_os("HOME").map(PathBuf::from),
            os_user: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .ok(),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// Whether `--db`/`PROJ_DB` names a server rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// The URL without a password, in the user part or the query.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority_end, _) = rest
        .char_indices()
        .find(|(_, c)| *c == '/' || *c == '?')
        .unwrap_or((rest.len(), ' '));
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}@{hosts}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Takes `name=value` out of the URL's query (rust-postgres refuses parameters it does not
/// know, such as `sslmode=verify-full`), percent-decoded.
fn take_param(url: &mut String, name: &str) -> Option<String> {
    let (base, query) = url.split_once('?')?;
    let mut found = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(
            |p| match p.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
                Some(v) => {
                    found = Some(percent_decode(v));
                    false
                }
                None => true,
            },
        )
        .collect();
    *url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    found
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where libpq looks for a socket when nothing names a host.
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/tmp"];

/// Resolves `url` with `env` filling the gaps, as libpq does.
pub fn resolve(url: &str, env: &Environment) -> Result<Target> {
    let shown = redact(url);
    let invalid = |e: &dyn std::fmt::Display| {
        Error::usage(format!("invalid database URL `{shown}`"))
            .caused_by(e.to_string())
            .with_hint("write postgres://[USER@]HOST[:PORT]/DATABASE[?sslmode=require]")
    };
    let mut rest = url.to_string();
    let tls = match take_param(&mut rest, "sslmode").or(env.var("PGSSLMODE").map(str::to_string)) {
        Some(mode) => Tls::parse(&mode)?,
        None => Tls::Prefer,
    };
    let root_cert = take_param(&mut rest, "sslrootcert")
        .or(env.var("PGSSLROOTCERT").map(str::to_string))
        .map(PathBuf::from);
    let mut config: postgres::Config = rest.parse().map_err(|e| invalid(&e))?;

    if config.get_hosts().is_empty() {
        match env.var("PGHOST") {
            Some(hosts) => {
                for h in hosts.split(',') {
                    if h.starts_with('/') {
                        config.host_path(h);
                    } else {
                        config.host(h);
                    }
                }
            }
            None => {
                let port = config
                    .get_ports()
                    .first()
                    .copied()
                    .or_else(|| env.var("PGPORT").and_then(|p| p.parse().ok()))
                    .unwrap_or(5432);
                let socket = DEFAULT_SOCKET_DIRS
                    .iter()
                    .find(|d| Path::new(d).join(format!(".s.PGSQL.{port}")).exists());
                match socket {
                    Some(d) => config.host_path(d),
                    None => config.host("localhost"),
                };
            }
        }
    }
    if config.get_ports().is_empty()
        && let Some(p) = env.var("PGPORT")
    {
        let port: u16 = p
            .parse()
            .map_err(|_| Error::usage(format!("PGPORT must be a port number, not `{p}`")))?;
        config.port(port);
    }
    if config.get_user().is_none() {
        let user = env
            .var("PGUSER")
            .map(str::to_string)
            .or_else(|| env.os_user.clone())
            .ok_or_else(|| {
                Error::usage(format!("no user to connect to `{shown}` as"))
                    .with_hint("put it in the URL (postgres://USER@HOST/DB) or set PGUSER")
            })?;
        config.user(&user);
    }
    if config.get_dbname().is_none() {
        let db = env
            .var("PGDATABASE")
            .map(str::to_string)
            .unwrap_or_else(|| config.get_user().unwrap_or_default().to_string());
        config.dbname(&db);
    }
    if config.get_password().is_none() {
        if let Some(p) = env.var("PGPASSWORD") {
            config.password(p);
        } else if let Some(p) = pgpass_password(&config, env) {
            config.password(p);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(connect_timeout(env)?);
    }
    // libpq ignores sslmode on a Unix socket (the server offers no TLS there): asking would
    // cost a round trip, and `require` would fail.
    let unix_only = config
        .get_hosts()
        .iter()
        .all(|h| matches!(h, Host::Unix(_)));
    config.ssl_mode(match tls {
        _ if unix_only => SslMode::Disable,
        Tls::Disable => SslMode::Disable,
        Tls::Allow | Tls::Prefer => SslMode::Prefer,
        Tls::Require | Tls::VerifyCa | Tls::VerifyFull => SslMode::Require,
    });
    config.application_name("proj");
    Ok(Target {
        config,
        tls,
        root_cert,
        shown,
    })
}

/// `PROJ_CONNECT_TIMEOUT` in seconds (fractions allowed), or the default.
fn connect_timeout(env: &Environment) -> Result<Duration> {
    match env.var("PROJ_CONNECT_TIMEOUT") {
        None => Ok(DEFAULT_CONNECT_TIMEOUT),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                Error::usage(format!(
                    "PROJ_CONNECT_TIMEOUT must be a number of seconds, not `{}`",
                    v.escape_debug()
                ))
                .with_hint("for example PROJ_CONNECT_TIMEOUT=5, or unset it")
            }),
    }
}

/// The first host, as a person would name it: `db.internal` or the socket directory.
pub fn host_name(config: &postgres::Config) -> String {
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    }
}

/// The password `~/.pgpass` (or `PGPASSFILE`) holds for this connection. As libpq, a file
/// that others may read is ignored, and `localhost` matches a Unix socket.
fn pgpass_password(config: &postgres::Config, env: &Environment) -> Option<String> {
    let path = match env.var("PGPASSFILE") {
        Some(p) => PathBuf::from(p),
        None => env.home.as_ref()?.join(".pgpass"),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let (host, socket) = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => (h.clone(), false),
        Some(Host::Unix(p)) => (p.display().to_string(), true),
        None => ("localhost".to_string(), true),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or_default();
    let user = config.get_user().unwrap_or_default();
    pgpass_lookup(&text, &host, socket, &port, db, user)
}

/// The password of the first line of a `.pgpass` text that matches.
pub fn pgpass_lookup(
    text: &str,
    host: &str,
    socket: bool,
    port: &str,
    db: &str,
    user: &str,
) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        let [h, p, d, u, pw] = fields.as_slice() else {
            continue;
        };
        let host_ok = h == "*" || h == host || (socket && h == "localhost");
        if host_ok && (p == "*" || p == port) && (d == "*" || d == db) && (u == "*" || u == user) {
            return Some(pw.clone());
        }
    }
    None
}

/// Splits a `.pgpass` line on `:`, where `\:` and `\\` stand for themselves.
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().expect("one field").push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: None,
            os_user: Some("osuser".into()),
        }
    }

    #[test]
    fn redact_removes_passwords_only() {
        assert_eq!(
            redact("postgres://bo:s3cret@db.internal:5433/platform?sslmode=require"),
            "postgres://bo@db.internal:5433/platform?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://db/x?password=pw&sslmode=require"),
            "postgresql://db/x?sslmode=require"
        );
        assert_eq!(redact("postgres://db/x?password=pw"), "postgres://db/x");
        assert_eq!(redact("postgres://a:b@c@h/x"), "postgres://a@h/x");
        assert_eq!(redact("postgres:///x?host=/tmp"), "postgres:///x?host=/tmp");
    }

    #[test]
    fn url_wins_over_the_variables() {
        let t = resolve(
            "postgres://ana:pw@db.internal:6000/platform",
            &env(&[
                ("PGHOST", "other"),
                ("PGPORT", "7000"),
                ("PGUSER", "bo"),
                ("PGDATABASE", "elsewhere"),
                ("PGPASSWORD", "nope"),
            ]),
        )
        .unwrap();
        assert_eq!(host_name(&t.config), "db.internal");
        assert_eq!(t.config.get_ports(), &[6000]);
        assert_eq!(t.config.get_user(), Some("ana"));
        assert_eq!(t.config.get_dbname(), Some("platform"));
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
        assert!(!t.shown.contains("pw"));
    }

    #[test]
    fn variables_fill_what_the_url_leaves_out() {
        let t = resolve(
            "postgres://",
            &env(&[
                ("PGHOST", "db.internal"),
                ("PGPORT", "6000"),
                ("PGUSER", "bo"),
                ("PGDATABASE", "platform"),
                ("PGPASSWORD", "pw"),
                ("PGSSLMODE", "verify-full"),
                ("PROJ_CONNECT_TIMEOUT", "1.5"),
            ]),
        )
        .unwrap();
        assert_eq!(host_name(&t.config), "db.internal");
        assert_eq!(t.config.get_ports(), &[6000]);
        assert_eq!(t.config.get_user(), Some("bo"));
        assert_eq!(t.config.get_dbname(), Some("platform"));
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(t.tls, Tls::VerifyFull);
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&Duration::from_millis(1500))
        );
    }

    #[test]
    fn defaults_are_libpqs() {
        let t = resolve("postgres://db.internal", &env(&[])).unwrap();
        assert_eq!(t.config.get_user(), Some("osuser"));
        assert_eq!(t.config.get_dbname(), Some("osuser"));
        assert_eq!(t.tls, Tls::Prefer);
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&DEFAULT_CONNECT_TIMEOUT)
        );
    }

    #[test]
    fn sslmode_in_the_url_and_on_a_socket() {
        let t = resolve(
            "postgres://h/d?sslmode=verify-ca&application_name=x",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(t.tls, Tls::VerifyCa);
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        let t = resolve("postgres:///d?host=/run/pg&sslmode=require", &env(&[])).unwrap();
        assert_eq!(t.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(host_name(&t.config), "/run/pg");
        assert!(resolve("postgres://h/d?sslmode=sometimes", &env(&[])).is_err());
        assert!(resolve("postgres://h/d", &env(&[("PROJ_CONNECT_TIMEOUT", "soon")])).is_err());
    }

    #[test]
    fn pgpass_lines_match_as_in_libpq() {
        let text = "# comment\n\
                    other:5432:*:bo:wrong\n\
                    db.internal:5432:platform:bo:first\n\
                    *:*:*:bo:any\n\
                    localhost:*:*:ana:pa\\:ss\n";
        let hit = |h, s, d, u| pgpass_lookup(text, h, s, "5432", d, u);
        assert_eq!(
            hit("db.internal", false, "platform", "bo").as_deref(),
            Some("first")
        );
        assert_eq!(
            hit("db.internal", false, "other", "bo").as_deref(),
            Some("any")
        );
        assert_eq!(hit("/run/pg", true, "x", "ana").as_deref(), Some("pa:ss"));
        assert_eq!(hit("db.internal", false, "x", "ana"), None);
    }

    #[test]
    fn pgpass_file_is_read_only_when_private() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".pgpass");
        std::fs::write(&file, "*:*:*:bo:secret\n").unwrap();
        let mut e = env(&[("PGUSER", "bo")]);
        e.home = Some(dir.path().to_path_buf());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let t = resolve("postgres://h/d", &e).unwrap();
            assert_eq!(
                t.config.get_password(),
                None,
                "a readable .pgpass is ignored"
            );
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let t = resolve("postgres://h/d", &e).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"secret"[..]));
    }
}
