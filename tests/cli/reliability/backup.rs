//! `proj backup` while four processes write: every copy opens, passes `integrity_check`,
//! is a consistent instant (each environment has its audit event, and no event lacks its
//! environment), and is created with mode 0600.

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
    let copies: Vec<_> = (0..5)
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
        std::thread::sleep(std::time::Duration::from_millis(200));
        for copy in &copies {
            t.ok(&["backup", copy.to_str().unwrap(), "-q"]);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
        writers
            .into_iter()
            .map(|w| w.join().unwrap())
            .sum::<usize>()
    });
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
    eprintln!("backup: {written} writes meanwhile; the copies hold {sizes:?} environments");
    assert!(
        sizes.windows(2).all(|w| w[0] <= w[1]),
        "later copies hold more"
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
