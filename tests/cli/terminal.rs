//! On a real terminal (a pseudo-terminal): confirmations ask and obey the answer, and
//! tables and errors get color unless `NO_COLOR` is set.
#![cfg(unix)]

use crate::support::TestEnv;
use expectrl::{Eof, Expect, Session};
use std::time::Duration;

fn spawn(t: &TestEnv, args: &[&str], color: bool) -> expectrl::session::OsSession {
    let mut cmd = t.std_cmd();
    cmd.args(args).env("TERM", "xterm");
    if color {
        cmd.env_remove("NO_COLOR");
    }
    let mut s = Session::spawn(cmd).expect("spawn proj on a pty");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s
}

/// Everything the program printed until it ended, and its exit code.
fn finish(mut s: expectrl::session::OsSession) -> (String, i32) {
    let out = s.expect(Eof).expect("end of output");
    let text = String::from_utf8_lossy(out.as_bytes()).into_owned();
    let status = format!("{:?}", s.get_process().wait().expect("wait"));
    // `Exited(Pid(123), 4)`
    let code = status
        .rsplit(", ")
        .next()
        .and_then(|c| c.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("not an exit: {status}"));
    (text, code)
}

#[test]
fn confirmation_no_changes_nothing_and_yes_removes() {
    let t = TestEnv::with_shop();
    let before = t.dump();
    let mut s = spawn(&t, &["env", "remove", "production"], false);
    s.expect("remove it?").expect("the question");
    s.send("n\r").unwrap();
    let (text, code) = finish(s);
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(before, t.dump());

    let mut s = spawn(&t, &["env", "remove", "production"], false);
    s.expect("remove it?").expect("the question");
    s.send("y\r").unwrap();
    let (text, code) = finish(s);
    assert_eq!(code, 0, "{text}");
    assert_eq!(t.json(&["env", "list"]), serde_json::json!([]));
}

#[test]
fn no_input_never_asks_even_on_a_terminal() {
    let t = TestEnv::with_shop();
    let before = t.dump();
    let s = spawn(&t, &["env", "remove", "production", "--no-input"], false);
    let (text, code) = finish(s);
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("hint: pass --yes"), "{text}");
    assert_eq!(before, t.dump());
}

#[test]
fn color_on_a_terminal_unless_no_color() {
    let t = TestEnv::with_shop();
    let (text, code) = finish(spawn(&t, &["env", "list"], true));
    assert_eq!(code, 0);
    assert!(text.contains("\x1b["), "no color on a terminal: {text:?}");
    let (text, code) = finish(spawn(&t, &["env", "list"], false));
    assert_eq!(code, 0);
    assert!(!text.contains("\x1b["), "color despite NO_COLOR: {text:?}");
    let (text, code) = finish(spawn(&t, &["env", "show", "nope"], true));
    assert_eq!(code, 3);
    assert!(text.contains("\x1b[1;31merror:\x1b[0m"), "{text:?}");
    let (text, _) = finish(spawn(&t, &["env", "show", "nope"], false));
    assert!(text.starts_with("error: "), "{text:?}");
}
