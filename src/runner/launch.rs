//! The process layout: the program keeps the runner's pid (PID 1 in a container) and a forked
//! tracer seizes it.
//!
//! ```text
//!   runner (pid P) ──fork──▶ middle ──fork──▶ tracer: setsid, PTRACE_SEIZE(P), "ready" ──▶ loop
//!      │  PR_SET_PTRACER, wait for "ready"      └─ exits at once, reaped by P
//!      │  resolve argv[0] in PATH, no_new_privs + seccomp prefilter
//!      └─ execve(program)  (pid P, same stdio, same signals, same exit status)
//! ```
//!
//! The double fork keeps the tracer from being a child the program could wait for (outside a
//! container; inside, orphans go to PID 1 anyway). If the tracer cannot attach, the program runs
//! untraced: with no tracer a `SECCOMP_RET_TRACE` filter would fail every call with ENOSYS, so
//! the filter is only installed once the seize is confirmed.

use std::ffi::{CString, OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::sys::ptrace;
use nix::sys::signal::{signal, SigHandler, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::{fork, getgid, getpid, getuid, pipe2, setsid, ForkResult, Pid};

use super::{filter, spin::Spin, tracer::Tracer, tracer_caps, writer::Writer, Options};
use crate::trace::{Event, EventKind, Header, Record, EVENTS_SCHEMA};

/// Whether SIGPIPE was ignored when this process started. Rust's runtime sets SIGPIPE to
/// ignored before `main`, and an ignored signal stays ignored across `execve`: the program
/// would get EPIPE where it would have died of SIGPIPE (`yes | head -1` ends with 141, not 1).
/// So the disposition is read before the runtime's init, from `.init_array` (run by the C
/// start-up code before `main`), and restored before the exec.
static SIGPIPE_IGNORED_AT_START: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

#[used]
#[link_section = ".init_array"]
static READ_SIGPIPE_AT_START: extern "C" fn() = read_sigpipe_at_start;

extern "C" fn read_sigpipe_at_start() {
    // SAFETY: sigaction only reads the current disposition into a zeroed struct.
    let ignored = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    };
    SIGPIPE_IGNORED_AT_START.store(ignored, std::sync::atomic::Ordering::Relaxed);
}

/// Gives SIGPIPE back the disposition the runner was started with (see above).
fn restore_sigpipe() {
    let handler = if SIGPIPE_IGNORED_AT_START.load(std::sync::atomic::Ordering::Relaxed) {
        SigHandler::SigIgn
    } else {
        SigHandler::SigDfl
    };
    // SAFETY: installs SIG_DFL or SIG_IGN, no handler code.
    let _ = unsafe { signal(Signal::SIGPIPE, handler) };
}

/// Docker's default `PATH`, used when the environment has none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs the program; returns only when it could not be started.
pub fn run(opts: &Options) -> u8 {
    // Everything that allocates or may fail is done before the fork.
    let program = filter_program(opts);
    let deny = (!opts.deny.is_empty()).then(|| filter::deny(&opts.deny));
    let notes = match open_events(&opts.events) {
        Ok(file) => start_tracer(file, opts),
        Err(e) => {
            eprintln!(
                "docker-diagnose: cannot write {}: {e}; running untraced",
                opts.events.display()
            );
            None
        }
    };
    let name = &opts.argv[0];
    let Some(path) = resolve(name) else {
        if let Some(mut pipe) = notes {
            let path_var = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.into());
            // The working directory too: the program may be there, where no PATH search looks.
            let cwd = std::env::current_dir().unwrap_or_default();
            let note = [
                name.as_bytes(),
                b"\0",
                path_var.as_bytes(),
                b"\0",
                cwd.as_os_str().as_encoded_bytes(),
                b"\n",
            ];
            let _ = pipe.write_all(&note.concat());
        }
        eprintln!("exec: {:?}: executable file not found in $PATH", name);
        return 127;
    };
    // After the fork: the tracer keeps what the program gives up here.
    if let Err(e) = tracer_caps::drop_for_program(&opts.tracer_caps) {
        eprintln!("docker-diagnose: {e}; the program keeps it");
    }
    if let Some(Err(e)) = deny.map(|p| p.and_then(|p| filter::install(&p))) {
        eprintln!("docker-diagnose: {e:#}");
    }
    if let (Some(_), Some(program)) = (&notes, &program) {
        // Only with a tracer attached: without one every filtered call would fail.
        let _ = filter::install(program);
    }
    drop(notes);
    restore_sigpipe();
    exec(&path, &opts.argv)
}

fn filter_program(opts: &Options) -> Option<seccompiler::BpfProgram> {
    if opts.full {
        return None;
    }
    filter::build().ok()
}

/// Creates the events file, 0644 whatever the umask (the host side may read it as another user).
fn open_events(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(path)?;
    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
    Ok(file)
}

/// Forks the tracer and waits until it has seized us; returns the pipe for launch notes, or
/// `None` when the program runs untraced.
fn start_tracer(file: File, opts: &Options) -> Option<File> {
    let (ready_r, ready_w) = pipe2(nix::fcntl::OFlag::O_CLOEXEC).ok()?;
    let (notes_r, notes_w) = pipe2(nix::fcntl::OFlag::O_CLOEXEC).ok()?;
    let me = getpid();
    // Yama (ptrace_scope 1) lets only ancestors trace; allow our own tracer for this window.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PTRACER, libc::PR_SET_PTRACER_ANY, 0, 0, 0) };
    // SAFETY: runner mode is single-threaded; the children only call async-signal-safe code
    // before the tracer proper starts, and never return.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            drop(ready_r);
            drop(notes_w);
            // SAFETY: as above.
            if let Ok(ForkResult::Child) = unsafe { fork() } {
                tracer_main(me, file, ready_w, notes_r, opts);
            }
            // SAFETY: leave the middle child without running exit handlers.
            unsafe { libc::_exit(0) }
        }
        Ok(ForkResult::Parent { child }) => {
            drop(ready_w);
            drop(notes_r);
            drop(file);
            let _ = waitpid(child, None);
            let mut byte = [0u8; 1];
            let seized = loop {
                match File::from(ready_r.try_clone().ok()?).read(&mut byte) {
                    Ok(n) => break n == 1,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break false,
                }
            };
            // SAFETY: prctl with integer arguments.
            unsafe { libc::prctl(libc::PR_SET_PTRACER, 0, 0, 0, 0) };
            seized.then(|| File::from(notes_w))
        }
        Err(_) => None,
    }
}

/// The tracer process: never returns.
fn tracer_main(main: Pid, file: File, ready: OwnedFd, notes: OwnedFd, opts: &Options) -> ! {
    // Out of the program's session and process group: a Ctrl-C or `kill 0` is for the program.
    let _ = setsid();
    for sig in [
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGPIPE,
        Signal::SIGALRM,
        Signal::SIGTERM,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGTSTP,
        Signal::SIGTTIN,
        Signal::SIGTTOU,
        Signal::SIGWINCH,
        Signal::SIGURG,
        Signal::SIGIO,
        Signal::SIGVTALRM,
        Signal::SIGPROF,
        Signal::SIGXCPU,
        Signal::SIGXFSZ,
    ] {
        // SAFETY: ignoring a signal installs no handler.
        let _ = unsafe { signal(sig, SigHandler::SigIgn) };
    }
    let mut writer = Writer::new(file);
    writer.record(&Record::Header(Header {
        schema: EVENTS_SCHEMA.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        argv: super::bounded_argv(&opts.argv),
        main_pid: main.as_raw(),
        full: opts.full,
        uid: Some(getuid().as_raw()),
        gid: Some(getgid().as_raw()),
    }));
    if let Err(e) = ptrace::seize(main, super::tracer::main_options()) {
        writer.event(Event {
            pid: main.as_raw(),
            kind: EventKind::Note,
            syscall: Some("ptrace".into()),
            call: format!(
                "ptrace(PTRACE_SEIZE, {main}) = -1 {e:?} ({}): the program runs untraced",
                e.desc()
            ),
            ret: Some(-1),
            errno: Some(format!("{e:?}").into()),
            ..Event::default()
        });
        writer.flush();
        // SAFETY: exit without unwinding; the launcher sees the pipe close.
        unsafe { libc::_exit(1) }
    }
    if opts.full {
        // No filter stops the program before its first execve: stop it now, then step.
        let _ = ptrace::interrupt(main);
    }
    let _ = nix::unistd::write(&ready, &[1]);
    drop(ready);
    let notes = File::from(notes);
    let _ = nix::fcntl::fcntl(
        &notes,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    let spin = Spin::for_this_process(opts.spin);
    let alone = tracer_caps::mask(&opts.tracer_caps);
    let tracer = Tracer::new(main, opts.full, spin, alone, writer, Some(notes));
    quiet_stdio();
    tracer.run();
    // SAFETY: exit without unwinding or flushing inherited stdio.
    unsafe { libc::_exit(0) }
}

/// The tracer must not hold the program's stdio open (a pipe reader would wait for us).
fn quiet_stdio() {
    let null = OpenOptions::new().read(true).write(true).open("/dev/null");
    for fd in 0..3 {
        match &null {
            // SAFETY: replacing our own standard descriptors.
            Ok(null) => unsafe { libc::dup2(null.as_raw_fd(), fd) },
            // SAFETY: as above (no /dev/null in a `FROM scratch` image).
            Err(_) => unsafe { libc::close(fd) },
        };
    }
}

/// Finds the program like runc (Go's `exec.LookPath`): a name with a `/` as is, else the first
/// regular file with an execute bit in `PATH`.
pub fn resolve(name: &OsStr) -> Option<PathBuf> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    if bytes.contains(&b'/') {
        return Some(PathBuf::from(name));
    }
    let path_var = std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into());
    path_var.as_bytes().split(|&b| b == b':').find_map(|dir| {
        let dir = if dir.is_empty() { &b"."[..] } else { dir };
        let candidate = Path::new(OsStr::from_bytes(dir)).join(name);
        let meta = std::fs::metadata(&candidate).ok()?;
        (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then_some(candidate)
    })
}

/// Execs the program; on failure says so like runc and returns Docker's exit code.
fn exec(path: &Path, argv: &[OsString]) -> u8 {
    let c = |s: &OsStr| CString::new(s.as_bytes().to_vec());
    let (Ok(cpath), Ok(cargv)) = (
        c(path.as_os_str()),
        argv.iter().map(|a| c(a)).collect::<Result<Vec<_>, _>>(),
    ) else {
        eprintln!("exec {}: invalid argument (a NUL byte)", path.display());
        return 1;
    };
    let Err(errno) = nix::unistd::execv(&cpath, &cargv);
    let desc = errno.desc();
    let mut chars = desc.chars();
    let lower: String = chars
        .next()
        .map(|f| f.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    eprintln!(
        "exec {}: {lower}",
        String::from_utf8_lossy(&OsString::from(path).into_vec())
    );
    exec_failure_code(errno as i32, path.exists())
}

/// Docker's exit code for an entrypoint that could not be executed: 127 when the file is not
/// found, 126 when it may not be executed, and 1 when the kernel refuses a file that exists
/// (an absent ELF or `#!` interpreter also says ENOENT, but runc had found the file).
pub fn exec_failure_code(errno: i32, file_exists: bool) -> u8 {
    match errno {
        libc::ENOENT if !file_exists => 127,
        libc::EACCES | libc::EPERM | libc::EISDIR | libc::ETXTBSY => 126,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_lookpath() {
        assert_eq!(resolve(OsStr::new("./x")), Some(PathBuf::from("./x")));
        assert_eq!(resolve(OsStr::new("")), None);
        assert_eq!(resolve(OsStr::new("no-such-command-xyz")), None);
        let sh = resolve(OsStr::new("sh")).unwrap();
        assert!(sh.is_absolute() && sh.ends_with("sh"));
        assert_eq!(exec_failure_code(libc::ENOENT, false), 127);
        assert_eq!(exec_failure_code(libc::ENOENT, true), 1);
        assert_eq!(exec_failure_code(libc::EACCES, true), 126);
        assert_eq!(exec_failure_code(libc::ENOEXEC, true), 1);
    }
}
