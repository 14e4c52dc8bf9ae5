//! Insider evidence tells apart the causes of `exec /app: no such file or directory` (file
//! absent, ELF interpreter absent, `#!` interpreter absent, `#!` with `\r`) and the other exec
//! failures, with Docker's exit codes.

mod common;

use std::path::Path;

use common::{program, run, scratch, write_file};
use docker_diagnose::trace::{Event, Evidence};

fn write_exec(path: &Path, body: &[u8], mode: u32) {
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
}

/// Runs `path` as the entrypoint; returns the exit code, the failed execve and its evidence.
fn exec_failure(path: &Path) -> (Option<i32>, Event, Evidence) {
    let p = path.to_str().unwrap();
    let r = run(&[], &[p]);
    let ev = r
        .event("execve", p)
        .expect("the execve is recorded")
        .clone();
    assert!(ev.errno.is_some(), "{}", ev.call);
    let evidence = *ev.evidence.clone().expect("exec failures carry evidence");
    assert_eq!(r.trace.end.as_ref().unwrap().exit.code, r.status.code());
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.starts_with(&format!("exec {p}: ")), "{stderr}");
    // runc's message is what the container printed: it is in the stderr tail.
    let tail = &r.trace.end.as_ref().unwrap().stderr_tail;
    assert_eq!(
        tail.last().map(String::as_str),
        stderr.lines().last(),
        "{tail:?}"
    );
    (r.status.code(), ev, evidence)
}

#[test]
fn absent_file() {
    let dir = scratch();
    let (code, ev, evidence) = exec_failure(&dir.path().join("sub/app"));
    assert_eq!(code, Some(127));
    assert_eq!(ev.errno.as_deref(), Some("ENOENT"));
    assert!(!evidence.exists);
    assert_eq!(
        evidence.nearest_parent.unwrap().path,
        dir.path().to_str().unwrap()
    );
    assert!(evidence.notes[0].ends_with("does not exist"));
}

#[test]
fn absent_elf_interpreter() {
    let dir = scratch();
    let app = dir.path().join("app");
    let mut bytes = std::fs::read(program("exit_with")).unwrap();
    let from = b"/lib64/ld-linux-x86-64.so.2";
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + from.len()].copy_from_slice(b"/lib64/ld-nolib-x86-64.so.2");
    write_exec(&app, &bytes, 0o755);
    let (code, _, evidence) = exec_failure(&app);
    // The file exists, so runc found it; Docker gives 1 for the refused exec.
    assert_eq!(code, Some(1));
    assert!(evidence.exists);
    assert_eq!(evidence.magic.as_deref(), Some("elf"));
    let elf = evidence.elf.unwrap();
    assert_eq!(
        (elf.class.as_str(), elf.machine.as_str()),
        ("ELF64", "x86_64")
    );
    assert!(elf.runnable_machine);
    assert_eq!(
        elf.interpreter.as_deref(),
        Some("/lib64/ld-nolib-x86-64.so.2")
    );
    assert_eq!(elf.interpreter_exists, Some(false));
    assert!(evidence
        .notes
        .contains(&"ELF interpreter /lib64/ld-nolib-x86-64.so.2 is absent".to_string()));
}

#[test]
fn working_elf_interpreter_is_seen_to_exist() {
    // The same facts for a runnable copy, through a failure that is not the loader's: no x bit.
    let dir = scratch();
    let app = dir.path().join("app");
    std::fs::copy(program("exit_with"), &app).unwrap();
    std::fs::set_permissions(&app, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (code, ev, evidence) = exec_failure(&app);
    assert_eq!((code, ev.errno.as_deref()), (Some(126), Some("EACCES")));
    assert_eq!(evidence.mode, Some(0o644));
    assert_eq!(evidence.elf.unwrap().interpreter_exists, Some(true));
    assert!(evidence.notes[0].contains("no execute permission"));
}

#[test]
fn absent_shebang_interpreter() {
    let dir = scratch();
    let app = dir.path().join("entrypoint.sh");
    write_exec(&app, b"#!/nonexistent-dd/bash -e\necho hi\n", 0o755);
    let (code, _, evidence) = exec_failure(&app);
    // The file exists, so runc found it; Docker gives 1 for the refused exec.
    assert_eq!(code, Some(1));
    assert_eq!(evidence.magic.as_deref(), Some("script"));
    let sb = evidence.shebang.unwrap();
    assert_eq!(sb.interpreter, "/nonexistent-dd/bash");
    assert!(!sb.interpreter_exists && !sb.trailing_cr);
    assert_eq!(sb.interpreter_link, None, "absent, not a link");
    assert_eq!(
        evidence.notes,
        ["#! interpreter /nonexistent-dd/bash is absent"]
    );
}

#[test]
fn shebang_interpreter_linked_to_nothing() {
    // A virtual environment's bin/python made where Python lived elsewhere.
    let dir = scratch();
    let python = dir.path().join("python");
    std::os::unix::fs::symlink("/nonexistent-dd/bin/python3", &python).unwrap();
    let app = dir.path().join("gunicorn");
    let script = format!("#!{}\nimport sys\n", python.display());
    write_exec(&app, script.as_bytes(), 0o755);
    let (code, _, evidence) = exec_failure(&app);
    assert_eq!(code, Some(1));
    let sb = evidence.shebang.unwrap();
    assert!(!sb.interpreter_exists);
    assert_eq!(
        sb.interpreter_link.as_deref(),
        Some("/nonexistent-dd/bin/python3")
    );
    assert!(
        evidence.notes[0].contains("is a symbolic link to /nonexistent-dd/bin/python3"),
        "{:?}",
        evidence.notes
    );
}

#[test]
fn crlf_shebang() {
    let dir = scratch();
    let app = dir.path().join("entrypoint.sh");
    write_exec(&app, b"#!/bin/sh\r\necho hi\r\n", 0o755);
    let (code, _, evidence) = exec_failure(&app);
    // The file exists, so runc found it; Docker gives 1 for the refused exec.
    assert_eq!(code, Some(1));
    let sb = evidence.shebang.unwrap();
    assert!(sb.trailing_cr);
    assert_eq!(sb.interpreter, "/bin/sh\r");
    assert_eq!(sb.line, r"/bin/sh\r");
    assert!(evidence.notes[0].contains(r#"looks for "/bin/sh\r""#));
}

#[test]
fn directory_and_bad_format() {
    let dir = scratch();
    let (code, ev, evidence) = exec_failure(dir.path());
    assert_eq!((code, ev.errno.as_deref()), (Some(126), Some("EACCES")));
    assert_eq!(evidence.file_type.as_deref(), Some("dir"));
    let junk = dir.path().join("junk");
    write_exec(&junk, &[0x00, 0x01, 0x02, 0xff, 0xfe], 0o755);
    let (code, ev, evidence) = exec_failure(&junk);
    assert_eq!((code, ev.errno.as_deref()), (Some(1), Some("ENOEXEC")));
    assert_eq!(evidence.magic.as_deref(), Some("binary"));
}

#[test]
fn name_not_in_path_is_a_recorded_note() {
    let r = run(&[], &["no-such-command-dd"]);
    assert_eq!(r.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains(r#"exec: "no-such-command-dd": executable file not found in $PATH"#));
    let note = r.note();
    assert_eq!(note.syscall.as_deref(), Some("execve"));
    assert_eq!(note.path.as_deref(), Some("no-such-command-dd"));
    assert_eq!(note.errno.as_deref(), Some("ENOENT"));
    assert!(note.call.contains("not found in PATH: "), "{}", note.call);
    assert_eq!(r.trace.end.unwrap().exit.code, Some(127));
}

#[test]
fn failed_open_gets_nearest_parent_and_process_ids() {
    let dir = scratch();
    let missing = dir.path().join("a/b/c.conf");
    let m = missing.to_str().unwrap();
    let r = run(&[], &["/bin/busybox", "cat", m]);
    assert_eq!(r.status.code(), Some(1));
    let ev = r.open(m).expect("the open");
    let evidence = ev.evidence.as_ref().unwrap();
    let parent = evidence.nearest_parent.as_ref().unwrap();
    assert_eq!(parent.path, dir.path().to_str().unwrap());
    assert_eq!(parent.mode, 0o777);
    assert_eq!(evidence.process_uid, Some(nix::unistd::geteuid().as_raw()));
    assert!(evidence.mount.is_some());
}

/// A task's ids are read once for all its failures, and again after it changes them: the
/// lookups program fails opens as root, drops to nobody (65534) and fails more.
#[test]
fn process_ids_follow_a_change_of_user() {
    let dir = scratch();
    let d = dir.path().to_str().unwrap();
    let r = run(&[], &[program("lookups").to_str().unwrap(), d]);
    assert_eq!(r.status.code(), Some(0));
    let uid_at = |name: &str| {
        let path = format!("{d}/{name}");
        let ev = r.event("openat", &path).expect("the open");
        ev.evidence.as_ref().and_then(|e| e.process_uid)
    };
    let me = nix::unistd::geteuid().as_raw();
    assert_eq!(uid_at("missing"), Some(me));
    assert_eq!(uid_at("missing-in-cwd"), Some(me));
    if me == 0 {
        assert_eq!(uid_at("missing-as-nobody"), Some(65534));
    }
}

/// `/proc/self` is the tracer when the tracer looks: evidence for a failure under it must
/// describe the program's own entry. `lookups`, run by root, drops to nobody and opens
/// `/proc/self/fd/99`: the existing parent is its own `/proc/self/fd`, owned by nobody (the
/// tracer's is root's).
#[test]
fn evidence_under_proc_self_describes_the_program() {
    if !common::root_for("dropping to nobody") {
        return;
    }
    let dir = scratch();
    let r = run(
        &[],
        &[
            program("lookups").to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(r.status.code(), Some(0));
    let ev = r.event("openat", "/proc/self/fd/99").expect("the open");
    assert_eq!(ev.errno.as_deref(), Some("ENOENT"), "{}", ev.call);
    let evidence = ev
        .evidence
        .as_ref()
        .expect("a failed open carries evidence");
    let parent = evidence
        .nearest_parent
        .as_ref()
        .expect("its existing parent");
    assert_eq!((parent.path.as_str(), parent.uid), ("/proc/self/fd", 65534));
}

#[test]
fn relative_paths_are_made_absolute() {
    let dir = scratch();
    let out = std::process::Command::new(common::bin())
        .current_dir(dir.path())
        .arg("__run")
        .arg("--events")
        .arg(dir.path().join("ev.jsonl"))
        .args(["--", "/bin/busybox", "cat", "missing.conf"])
        .output()
        .unwrap();
    let r = common::finish(out, &dir.path().join("ev.jsonl"));
    let want = format!("{}/missing.conf", dir.path().display());
    let ev = r.open(&want);
    assert!(ev.is_some_and(|e| e.call.contains(r#""missing.conf""#)));
}

#[test]
fn noexec_mount() {
    // Needs a mount namespace: root here and in CI.
    if !common::root_for("mounting a noexec tmpfs") {
        return;
    }
    let dir = scratch();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let events = dir.path().join("ev.jsonl");
    let prog = program("exit_with");
    let script = format!(
        "mount -t tmpfs -o noexec tmpfs {m} && cp {p} {m}/app && exec {b} __run --events {e} -- {m}/app code 0",
        m = mnt.display(),
        p = prog.display(),
        b = common::bin(),
        e = events.display()
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(126),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = common::finish(out, &events);
    let app = format!("{}/app", mnt.display());
    let ev = r.event("execve", &app).unwrap();
    let mount = ev.evidence.as_ref().unwrap().mount.as_ref().unwrap();
    assert!(mount.noexec);
    assert_eq!(mount.mount_point, mnt.to_str().unwrap());
}

#[test]
fn elf_interpreter_linked_to_nothing() {
    // A `scratch`-like root where the loader arrived as a link (`COPY` of
    // /lib64/ld-linux-x86-64.so.2 copies the link), without its target.
    if !common::root_for("chroot") {
        return;
    }
    let dir = scratch();
    let root = dir.path();
    std::fs::copy(program("exit_with"), root.join("app")).unwrap();
    std::fs::create_dir(root.join("lib64")).unwrap();
    let target = "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
    std::os::unix::fs::symlink(target, root.join("lib64/ld-linux-x86-64.so.2")).unwrap();
    let r = run(
        &[],
        &["/bin/busybox", "chroot", root.to_str().unwrap(), "/app"],
    );
    let exec = r.event("execve", "/app").expect("the exec");
    assert_eq!(exec.errno.as_deref(), Some("ENOENT"), "{}", exec.call);
    let evidence = exec.evidence.as_ref().expect("evidence");
    let elf = evidence.elf.as_ref().expect("ELF facts");
    assert_eq!(elf.interpreter_exists, Some(false));
    assert_eq!(elf.interpreter_link.as_deref(), Some(target));
}

#[test]
fn evidence_is_read_from_the_tracees_root() {
    // The program chroots, then execs /app: the facts must come from inside its root, where
    // /app exists and its loader too (an empty file the kernel refuses), not from ours.
    if !common::root_for("chroot") {
        return;
    }
    let dir = scratch();
    let root = dir.path();
    let mut bytes = std::fs::read(program("exit_with")).unwrap();
    let from = b"/lib64/ld-linux-x86-64.so.2";
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + from.len()].copy_from_slice(b"/lib64/ld-inroot-x86-64.so2");
    write_exec(&root.join("app"), &bytes, 0o755);
    std::fs::create_dir(root.join("lib64")).unwrap();
    write_exec(&root.join("lib64/ld-inroot-x86-64.so2"), b"", 0o755);
    let r = run(
        &[],
        &["/bin/busybox", "chroot", root.to_str().unwrap(), "/app"],
    );
    assert!(r
        .trace
        .events
        .iter()
        .any(|e| e.syscall.as_deref() == Some("chroot") && e.ret == Some(0)));
    let ev = r
        .event("execve", "/app")
        .expect("the execve inside the chroot");
    assert!(ev.errno.is_some(), "{}", ev.call);
    let evidence = ev.evidence.as_ref().unwrap();
    assert!(evidence.exists, "/app exists inside the root");
    let elf = evidence.elf.as_ref().unwrap();
    assert_eq!(
        elf.interpreter.as_deref(),
        Some("/lib64/ld-inroot-x86-64.so2")
    );
    assert_eq!(elf.interpreter_exists, Some(true));
}

#[test]
fn foreign_architecture() {
    // The same binary with its header's machine changed to aarch64 (e_machine at byte 18).
    let dir = scratch();
    let app = dir.path().join("app");
    let mut bytes = std::fs::read(program("exit_with")).unwrap();
    bytes[18..20].copy_from_slice(&183u16.to_le_bytes());
    write_exec(&app, &bytes, 0o755);
    let (code, ev, evidence) = exec_failure(&app);
    assert_eq!((code, ev.errno.as_deref()), (Some(1), Some("ENOEXEC")));
    let elf = evidence.elf.unwrap();
    assert_eq!(
        (elf.machine.as_str(), elf.runnable_machine),
        ("aarch64", false)
    );
    assert!(evidence
        .notes
        .contains(&"the file is built for aarch64, this machine runs x86_64".to_string()));
}

#[test]
fn strings_are_read_when_process_vm_readv_is_denied() {
    // Docker's default seccomp profile denies process_vm_readv without CAP_SYS_PTRACE.
    let dir = scratch();
    let events = dir.path().join("ev.jsonl");
    let out = std::process::Command::new(program("deny_vm_readv"))
        .arg(common::bin())
        .arg("__run")
        .arg("--events")
        .arg(&events)
        .args(["--", "/bin/busybox", "cat", "/nonexistent-dd/conf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = common::finish(out, &events);
    let ev = r
        .open("/nonexistent-dd/conf")
        .expect("the path was read from the tracee");
    assert!(ev.call.contains(r#""/nonexistent-dd/conf""#), "{}", ev.call);
    assert!(
        r.trace.events.iter().all(|e| e.signal.is_none()),
        "no signal"
    );
    let exec = r
        .trace
        .events
        .iter()
        .find(|e| e.syscall.as_deref() == Some("execve"))
        .unwrap();
    assert_eq!(
        exec.argv.as_deref(),
        Some(
            &[
                "/bin/busybox".to_string(),
                "cat".into(),
                "/nonexistent-dd/conf".into()
            ][..]
        ),
        "{:?}",
        r.trace
            .events
            .iter()
            .take(3)
            .map(|e| &e.call)
            .collect::<Vec<_>>()
    );
}

#[test]
fn failed_unix_connect_gets_the_socket_paths_parent() {
    let dir = scratch();
    let sock = dir.path().join("run/app.sock");
    let s = sock.to_str().unwrap();
    let prog = program("net");
    let r = run(&[], &[prog.to_str().unwrap(), "connect-unix", s]);
    assert_eq!(r.status.code(), Some(1));
    let ev = r
        .trace
        .events
        .iter()
        .find(|e| e.syscall.as_deref() == Some("connect"))
        .unwrap();
    assert_eq!(
        (
            ev.family.as_deref(),
            ev.addr.as_deref(),
            ev.errno.as_deref()
        ),
        (Some("AF_UNIX"), Some(s), Some("ENOENT"))
    );
    let evidence = ev.evidence.as_ref().expect("evidence for the socket path");
    assert_eq!(
        evidence.nearest_parent.as_ref().unwrap().path,
        dir.path().to_str().unwrap()
    );
}

/// Owners are named as the program's own account files name them: a root of its own whose
/// /etc/passwd and /etc/group know ids the host's do not.
#[test]
fn owners_are_named_from_the_tracees_accounts() {
    if !common::root_for("chroot and chown") {
        return;
    }
    let dir = scratch();
    let root = dir.path();
    for sub in ["bin", "etc", "data"] {
        std::fs::create_dir(root.join(sub)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0::/:/bin/sh\nappuser:x:4242:4243::/data:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\nappgroup:x:4243:\n").unwrap();
    std::os::unix::fs::chown(root.join("data"), Some(4242), Some(4243)).unwrap();
    let r = run(
        &[],
        &[
            "/bin/busybox",
            "chroot",
            root.to_str().unwrap(),
            "/bin/busybox",
            "cat",
            "/data/app.conf",
        ],
    );
    assert_eq!(r.status.code(), Some(1));
    let ev = r
        .open("/data/app.conf")
        .expect("the open inside the chroot");
    let notes = &ev.evidence.as_ref().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("/data is owned by appuser:appgroup (4242:4243)")),
        "{notes:?}"
    );
}

/// A symbolic link to nothing: `ls` lists it, every open or exec of it says ENOENT. The
/// evidence names where it points, for an exec, an open and a `PATH` search alike.
#[test]
fn a_link_to_nothing_is_named_with_its_target() {
    let dir = scratch();
    let link = dir.path().join("tool");
    std::os::unix::fs::symlink("/opt/gone/bin/tool", &link).unwrap();
    let (code, _, evidence) = exec_failure(&link);
    assert_eq!(code, Some(127));
    assert!(!evidence.exists);
    assert_eq!(
        evidence.dangling_link.as_deref(),
        Some("/opt/gone/bin/tool")
    );
    assert!(
        evidence.nearest_parent.is_none(),
        "the link's directory exists"
    );
    assert_eq!(
        evidence.notes,
        [format!(
            "{} is a symbolic link to /opt/gone/bin/tool, which does not exist",
            link.display()
        )]
    );

    let l = link.to_str().unwrap();
    let r = run(&[], &["/bin/busybox", "cat", l]);
    let open = r.open(l).expect("the open");
    let evidence = open.evidence.as_ref().unwrap();
    assert_eq!(
        evidence.dangling_link.as_deref(),
        Some("/opt/gone/bin/tool")
    );

    let events = dir.path().join("events.jsonl");
    let out = std::process::Command::new(common::bin())
        .args(["__run", "--events", events.to_str().unwrap(), "--", "tool"])
        .env("PATH", format!("/nonexistent:{}", dir.path().display()))
        .output()
        .unwrap();
    let r = common::finish(out, &events);
    assert_eq!(r.status.code(), Some(127));
    let note = r.note();
    let evidence = note.evidence.as_ref().expect("the search found the link");
    assert_eq!(evidence.path, l);
    assert_eq!(
        evidence.dangling_link.as_deref(),
        Some("/opt/gone/bin/tool")
    );
}

/// An open that expects a file and finds a directory succeeds (the read after it fails, which
/// is not traced), so the open carries the directory's evidence; an open for writing fails with
/// EISDIR and carries it too. An open that asks for a directory (`ls`) carries none: healthy
/// programs open directories all the time.
#[test]
fn a_directory_opened_as_a_file_is_named_as_one() {
    let dir = scratch();
    let config = dir.path().join("app.conf");
    std::fs::create_dir(&config).unwrap();
    let c = config.to_str().unwrap();
    let open_of = |r: &common::Run| r.open(c).cloned().expect("the open");

    let read = run(&[], &["/bin/busybox", "cat", c]);
    assert_eq!(read.status.code(), Some(1));
    let open = open_of(&read);
    assert_eq!(open.ret, Some(3), "the open itself succeeds: {}", open.call);
    let evidence = open.evidence.expect("evidence on the open");
    assert_eq!(evidence.file_type.as_deref(), Some("dir"));
    assert_eq!(evidence.notes, [format!("{c} is a directory")]);

    let append = run(
        &[],
        &["/bin/busybox", "sh", "-c", &format!("echo x >> {c}")],
    );
    let open = open_of(&append);
    assert_eq!(open.errno.as_deref(), Some("EISDIR"));
    let evidence = open.evidence.expect("evidence on the failed open");
    assert_eq!(evidence.file_type.as_deref(), Some("dir"));

    let listing = run(&[], &["/bin/busybox", "ls", c]);
    assert_eq!(listing.status.code(), Some(0));
    let open = open_of(&listing);
    assert!(open.evidence.is_none(), "{open:?}");
}

/// A path that goes on below a file (`/etc/app/config.yml` where /etc/app is a file) fails with
/// ENOTDIR; the evidence says the parent is a file, not who owns it.
#[test]
fn a_file_where_a_directory_should_be_is_named() {
    let dir = scratch();
    let file = dir.path().join("app");
    std::fs::write(&file, "").unwrap();
    let below = file.join("config.yml");
    let b = below.to_str().unwrap();
    let r = run(&[], &["/bin/busybox", "cat", b]);
    let open = r.open(b).expect("the open");
    assert_eq!(open.errno.as_deref(), Some("ENOTDIR"));
    let evidence = open.evidence.as_ref().expect("evidence");
    assert_eq!(
        evidence.notes,
        [format!(
            "{} is a file, not a directory: nothing can be inside it",
            file.display()
        )]
    );
}

/// A device node gets its type and numbers, as a device cgroup rule names them: a node of
/// `/dev/null`'s numbers, made root-only in a scratch directory, refused to nobody.
#[test]
fn a_device_node_is_named_with_its_numbers() {
    if !common::root_for("mknod and dropping to nobody") {
        return;
    }
    let dir = scratch();
    let node = dir.path().join("null");
    let n = node.to_str().unwrap();
    let made = std::process::Command::new("mknod")
        .args(["-m", "0600", n, "c", "1", "3"])
        .status()
        .unwrap();
    assert!(made.success());
    // The scratch directory is root's own (0700): open it to nobody, the node stays 0600.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let r = run(
        &[],
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/bin/busybox",
            "cat",
            n,
        ],
    );
    let open = r.open(n).expect("the open");
    assert_eq!(open.errno.as_deref(), Some("EACCES"), "{}", open.call);
    let evidence = open.evidence.as_ref().expect("evidence");
    assert_eq!(evidence.file_type.as_deref(), Some("char-device"));
    assert_eq!(evidence.device.as_deref(), Some("c 1:3"));
}

/// A file below a directory the user may not search: the evidence names that directory, for an
/// exec and for an open, whether the tracer can see past it (root, on a host) or not (the
/// container's user, as in `docker run --user`); a file refused for its own mode names none.
#[test]
fn a_directory_the_user_may_not_search_is_named() {
    if !common::root_for("dropping to nobody") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    // A directory of root's, mode 0700: nobody may not search it.
    let dir = scratch();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let closed = dir.path().to_str().unwrap().to_string();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    let script = write_file(&app, "run.sh", "#!/bin/sh\necho hi\n");
    let secret = write_file(&app, "secret", "s3cret\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (script, secret) = (script.to_str().unwrap(), secret.to_str().unwrap());
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];

    // The tracer is root and sees the file; the program, as nobody, cannot reach it. (A shell
    // execs it: setpriv's own exec still holds root's capabilities for the lookup.)
    let exec_it = format!("exec {script}");
    let r = run(
        &[],
        &[&nobody[..], &["/bin/busybox", "sh", "-c", &exec_it]].concat(),
    );
    let exec = r.event("execve", script).expect("the exec");
    assert_eq!(exec.errno.as_deref(), Some("EACCES"), "{}", exec.call);
    let ev = exec.evidence.as_ref().expect("evidence");
    let blocked = ev.unsearchable.as_ref().expect("the closed directory");
    assert_eq!(
        (blocked.path.as_str(), blocked.mode, blocked.uid),
        (closed.as_str(), 0o700, 0)
    );
    assert!(ev.exists, "root's tracer sees the script");
    let r = run(
        &[],
        &[&nobody[..], &["/bin/busybox", "cat", secret]].concat(),
    );
    let open = r.open(secret).expect("the open");
    let ev = open.evidence.as_ref().expect("evidence");
    assert_eq!(
        ev.unsearchable.as_ref().map(|d| d.path.as_str()),
        Some(closed.as_str())
    );

    // The whole runner as nobody, as in a container started with `--user`: it cannot see past
    // the directory either, so it says nothing about the script's existence.
    let out = scratch();
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let events = out.path().join("events.jsonl");
    let status = std::process::Command::new(nobody[0])
        .args(&nobody[1..])
        .arg(common::bin())
        .args(["__run", "--events", events.to_str().unwrap(), "--", script])
        .current_dir("/")
        .output()
        .unwrap();
    let r = common::finish(status, &events);
    let exec = r.event("execve", script).expect("the exec");
    let ev = exec.evidence.as_ref().expect("evidence");
    assert_eq!(
        ev.unsearchable.as_ref().map(|d| d.path.as_str()),
        Some(closed.as_str())
    );
    assert!(
        !ev.notes.iter().any(|n| n.contains("does not exist")),
        "{:?}",
        ev.notes
    );

    // Root itself, once its capabilities that override permissions are gone (`--cap-drop
    // ALL`), is held to the directory's mode like any other user: the directory goes to
    // another uid, and a shell without CAP_DAC_* reads the file.
    nix::unistd::chown(dir.path(), Some(5000.into()), Some(5000.into())).unwrap();
    let read_it = format!("cat {secret}");
    let r = run(
        &[],
        &[
            "setpriv",
            "--bounding-set=-dac_override,-dac_read_search",
            "/bin/busybox",
            "sh",
            "-c",
            &read_it,
        ],
    );
    let open = r.open(secret).expect("the open");
    assert_eq!(open.errno.as_deref(), Some("EACCES"), "{}", open.call);
    let ev = open.evidence.as_ref().expect("evidence");
    assert_eq!(ev.process_uid, Some(0));
    assert_eq!(
        ev.unsearchable.as_ref().map(|d| d.path.as_str()),
        Some(closed.as_str())
    );

    // Open to all, the directory is no longer the cause: the file's own mode is.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = run(
        &[],
        &[&nobody[..], &["/bin/busybox", "cat", secret]].concat(),
    );
    let open = r.open(secret).expect("the open");
    assert_eq!(open.errno.as_deref(), Some("EACCES"), "{}", open.call);
    assert_eq!(open.evidence.as_ref().expect("evidence").unsearchable, None);
}

/// A `bin` directory with python3 and python3.11 (programs), python3.9 (not executable),
/// python3-config and pythonista (other programs): only the first two are python's namesakes.
fn versioned_pythons() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = scratch();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for (name, mode) in [
        ("python3", 0o755),
        ("python3.11", 0o755),
        ("python3.9", 0o644),
        ("python3-config", 0o755),
        ("pythonista", 0o755),
    ] {
        write_exec(&bin.join(name), b"#!/bin/sh\n", mode);
    }
    (dir, bin)
}

/// Runs the bare `name` as the entrypoint in `cwd`, with `PATH` set to `path`.
fn run_with_path(cwd: &Path, path: &Path, name: &str) -> common::Run {
    let events = cwd.join("events.jsonl");
    let out = std::process::Command::new(common::bin())
        .args(["__run", "--events", events.to_str().unwrap(), "--", name])
        .env("PATH", path)
        .current_dir(cwd)
        .output()
        .unwrap();
    common::finish(out, &events)
}

fn namesakes_of_python(bin: &Path) -> Vec<String> {
    ["python3", "python3.11"]
        .map(|n| bin.join(n).to_str().unwrap().to_string())
        .to_vec()
}

#[test]
fn a_missing_program_names_its_versioned_namesakes() {
    let (_dir, bin) = versioned_pythons();
    let (code, _, evidence) = exec_failure(&bin.join("python"));
    assert_eq!(code, Some(127));
    assert_eq!(evidence.alternatives, namesakes_of_python(&bin));
    let said = format!("{} has python3, python3.11", bin.display());
    assert!(evidence.notes.contains(&said), "{:?}", evidence.notes);
    // A name with no namesake has none.
    let (_, _, evidence) = exec_failure(&bin.join("ruby"));
    assert!(evidence.alternatives.is_empty());
}

#[test]
fn a_missing_shebang_interpreter_names_its_namesakes() {
    let (dir, bin) = versioned_pythons();
    let app = dir.path().join("app.py");
    let script = format!("#!{}\nprint(1)\n", bin.join("python").display());
    write_exec(&app, script.as_bytes(), 0o755);
    let (_, _, evidence) = exec_failure(&app);
    assert!(!evidence.shebang.unwrap().interpreter_exists);
    assert_eq!(evidence.alternatives, namesakes_of_python(&bin));
}

#[test]
fn a_path_search_and_a_shell_lookup_name_the_namesakes() {
    let (dir, bin) = versioned_pythons();
    // The runner's own PATH search for the entrypoint, as Docker's.
    let r = run_with_path(dir.path(), &bin, "python");
    assert_eq!(r.status.code(), Some(127));
    let evidence = r.note().evidence.as_deref().expect("the note has evidence");
    assert_eq!(evidence.alternatives, namesakes_of_python(&bin));
    // A shell's lookup is a stat in each PATH directory.
    let missing = bin.join("python");
    let m = missing.to_str().unwrap();
    let r = run(&[], &["/bin/busybox", "stat", m]);
    let stat = r
        .failures()
        .into_iter()
        .find(|e| e.path.as_deref() == Some(m))
        .expect("the stat");
    let evidence = stat.evidence.as_deref().expect("the stat has evidence");
    assert_eq!(evidence.alternatives, namesakes_of_python(&bin));
}

#[test]
fn a_name_not_in_path_is_found_in_the_working_directory() {
    // `COPY start.sh /app/` with `WORKDIR /app` and `ENTRYPOINT ["start.sh"]`.
    let dir = scratch();
    write_exec(&dir.path().join("start-dd.sh"), b"#!/bin/sh\n", 0o755);
    let r = run_with_path(dir.path(), Path::new("/nonexistent-dd"), "start-dd.sh");
    assert_eq!(r.status.code(), Some(127));
    let note = r.note();
    assert_eq!(note.path.as_deref(), Some("start-dd.sh"));
    let evidence = note.evidence.as_deref().expect("the note has evidence");
    let found = dir.path().join("start-dd.sh");
    assert_eq!(evidence.path, found.to_str().unwrap());
    assert!(evidence.exists);
    // Not there either: no evidence at all.
    let r = run_with_path(dir.path(), Path::new("/nonexistent-dd"), "other-dd.sh");
    assert!(r.note().evidence.is_none());
}
