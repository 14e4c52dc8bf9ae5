//! The runner predicts a lookup's ENOENT, or a found path's successful stat, at the seccomp stop
//! and skips the exit stop (`runner::predict`): what it records must still be what the kernel
//! answered. A C program
//! prints the errno of each of its own calls; the runner's record must say the same, call by
//! call, for missing files (absolute, via a dirfd, from the cwd), for lookups that fail
//! otherwise first (ENOTDIR, ELOOP, EBADF, EINVAL, EACCES in a directory the program may not
//! search while the tracer may), a dangling link, a file that appears between two calls, a
//! file the call creates, and paths through `/proc/self` (which is the tracer for the tracer).

mod common;

use common::{program, run, scratch};

/// The calls the program prints, by name.
const CALLS: &[&str] = &[
    "openat",
    "newfstatat",
    "access",
    "readlink",
    "chdir",
    "mkdir",
];

fn check(extra: &[&str]) {
    let dir = scratch();
    let base = dir.path().to_str().unwrap().to_string();
    let prog = program("lookups");
    let r = run(extra, &[prog.to_str().unwrap(), &base]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let seen: Vec<String> = String::from_utf8(r.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    // The program's calls: a path under the directory, or a relative one (a bad dirfd).
    let recorded: Vec<String> = r
        .trace
        .events
        .iter()
        .filter(|e| e.syscall.as_deref().is_some_and(|s| CALLS.contains(&s)))
        .filter(|e| {
            e.path
                .as_deref()
                .is_some_and(|p| p.starts_with(&base) || !(p.is_empty() || p.starts_with('/')))
        })
        .map(|e| {
            format!(
                "{} {}",
                e.syscall.as_deref().unwrap(),
                e.errno.as_deref().unwrap_or("OK")
            )
        })
        .collect();
    assert_eq!(
        recorded, seen,
        "recorded (left) and seen by the program (right)"
    );
    // The cases that matter are there.
    for want in [
        "openat ENOENT",
        "openat ENOTDIR",
        "openat ELOOP",
        "openat EBADF",
        "access EINVAL",
        "newfstatat OK",
        "newfstatat EFAULT",
    ] {
        assert!(seen.iter().any(|l| l == want), "{want} in {seen:?}");
    }
    if nix::unistd::geteuid().is_root() {
        assert!(seen.iter().any(|l| l == "access EACCES"), "{seen:?}");
    }
}

#[test]
fn recorded_errno_is_the_programs_own() {
    check(&[]);
}

#[test]
fn recorded_errno_is_the_programs_own_with_full() {
    check(&["--full"]);
}

#[test]
fn each_predicted_failure_is_recorded_once_with_its_pid() {
    // Failing opens in several child processes: each recorded once, ENOENT, with evidence.
    let dir = scratch();
    let missing = dir.path().join("missing");
    let script = format!(
        "for i in 1 2 3; do cat {m} 2>/dev/null; done; (cat {m} 2>/dev/null); exit 0",
        m = missing.display()
    );
    let r = run(&[], &["/bin/busybox", "sh", "-c", &script]);
    assert_eq!(r.status.code(), Some(0));
    let fails: Vec<_> = r
        .trace
        .events
        .iter()
        .filter(|e| e.path.as_deref() == Some(missing.to_str().unwrap()))
        .collect();
    assert_eq!(fails.len(), 4, "{fails:?}");
    assert!(fails.iter().all(|e| e.errno.as_deref() == Some("ENOENT")));
    assert!(fails.iter().all(|e| e.evidence.is_some()), "{fails:?}");
    let pids: std::collections::HashSet<_> = fails.iter().map(|e| e.pid).collect();
    assert_eq!(pids.len(), 4, "one cat per call: {fails:?}");
}
