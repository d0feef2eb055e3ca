//! `proj backup` while four processes write: every copy opens, passes `integrity_check`,
//! is a consistent instant (each environment has its audit event, and no event lacks its
//! environment), and is created with mode 0600. The copies must differ — each later one
//! holds more — and lie between what the file held just before and just after its backup
//! ran; at least three of the eight backups must have had a write commit while they ran.

use super::{bytes, count, integrity};
use crate::support::TestEnv;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn backups_are_consistent_while_four_processes_write() {
    let t = TestEnv::new();
    t.ok(&["org", "add", "acme"]);
    for i in 0..4 {
        t.ok(&[
            "project",
            "add",
            &format!("w{i}"),
            "--org",
            "acme",
            "--no-env",
        ]);
    }
    let stop = AtomicBool::new(false);
    let copies: Vec<_> = (0..8)
        .map(|b| t.path().join(format!("copy{b}.db")))
        .collect();
    let written = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|i| {
                let (t, stop) = (&t, &stop);
                scope.spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) && n < 400 {
                        let env = format!("e{n}");
                        let out = t
                            .cmd()
                            .args(["env", "add", &env, "-p", &format!("acme/w{i}"), "-q"])
                            .output()
                            .unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let envs = || t.sql_i64("SELECT count(*) FROM environments");
        let mut brackets = Vec::new();
        let mut last = 0;
        for copy in &copies {
            // Writers committed since the last copy, so this one must differ from it.
            let waiting = std::time::Instant::now();
            while envs() <= last {
                assert!(waiting.elapsed().as_secs() < 30, "the writers stopped");
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let before = envs();
            t.ok(&["backup", copy.to_str().unwrap(), "-q"]);
            last = envs();
            brackets.push((before, last));
        }
        stop.store(true, Ordering::Relaxed);
        let written = writers
            .into_iter()
            .map(|w| w.join().unwrap())
            .sum::<usize>();
        (written, brackets)
    });
    let (written, brackets) = written;
    let mut sizes = Vec::new();
    for copy in &copies {
        let mode = std::fs::metadata(copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", copy.display());
        assert_eq!(integrity(copy), "ok", "{}", copy.display());
        let envs = count(copy, "SELECT count(*) FROM environments", []);
        let added = count(
            copy,
            "SELECT count(*) FROM events WHERE action = 'env.add'",
            [],
        );
        assert_eq!(envs, added, "{}: a torn copy", copy.display());
        sizes.push(envs);
        // proj itself opens the copy.
        t.ok(&[
            "--db",
            copy.to_str().unwrap(),
            "project",
            "list",
            "--org",
            "acme",
            "-q",
        ]);
    }
    let overlapped = brackets.iter().filter(|(a, b)| a < b).count();
    eprintln!(
        "backup: {} copies while {written} writes ran; the copies hold {sizes:?} environments; \
         the file held {brackets:?} just before and after each backup; {overlapped} backups \
         had a write commit while they ran",
        copies.len()
    );
    assert!(
        sizes.windows(2).all(|w| w[0] < w[1]),
        "each copy holds more than the one before: {sizes:?}"
    );
    for (size, (before, after)) in sizes.iter().zip(&brackets) {
        assert!(
            before <= size && size <= after,
            "a copy of {size} environments, taken while the file went from {before} to {after}"
        );
    }
    assert!(
        overlapped >= 1,
        "no write committed while a backup ran: {brackets:?}"
    );

    // An existing file is not replaced without --yes.
    let target = copies[0].to_str().unwrap();
    let before = bytes(&copies[0]);
    let err = t.fails(&["backup", target], 4);
    assert!(err.contains("already exists"), "{err}");
    assert!(bytes(&copies[0]) == before);
    t.ok(&["backup", target, "--yes", "-q"]);
    let now = count(&copies[0], "SELECT count(*) FROM environments", []);
    assert_eq!(now as usize, written, "the replaced copy holds every write");
}
