//! The tracer: the waitpid loop that follows every process and thread of the program, decodes
//! the calls that stop, resumes everything unchanged (signals re-injected, group-stops listened
//! to), and writes the `End` record before the main process may go.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::time::Instant;

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;
use syscalls::Sysno;

use super::decode::{self, flags::signal_name, siginfo::SigInfo, Entry};
use super::evidence;
use super::limits;
use super::predict::{self, Prediction};
use super::spin::Spin;
use super::tails::Tail;
use super::writer::Writer;
use crate::trace::{End, Event, EventKind, ExitFacts, Record};

/// Failed calls that get file-system evidence, at most (exec failures always do).
const EVIDENCE_BUDGET: u32 = 500;

/// Refused forks whose limits are read, at most: a budget of their own, so that the loader's
/// and the `PATH` search's misses before them cannot spend it; a shell retrying its fork (bash
/// tries five times) stays within it.
const LIMITS_BUDGET: u32 = 16;

/// The ptrace options of every task other than the main process: its forks, execs and clones
/// come as events, and its death as the wait status that reaps it.
fn task_options() -> ptrace::Options {
    ptrace::Options::PTRACE_O_TRACESYSGOOD
        | ptrace::Options::PTRACE_O_TRACEFORK
        | ptrace::Options::PTRACE_O_TRACEVFORK
        | ptrace::Options::PTRACE_O_TRACECLONE
        | ptrace::Options::PTRACE_O_TRACEEXEC
        | ptrace::Options::PTRACE_O_TRACESECCOMP
}

/// The main process also stops at its exit (`PTRACE_EVENT_EXIT`): the trace must be complete
/// in the file before it is gone, since in a container its death kills the tracer too. Any
/// other task's exit would cost a stop for what its wait status says anyway.
pub fn main_options() -> ptrace::Options {
    task_options() | ptrace::Options::PTRACE_O_TRACEEXIT
}

/// One traced thread.
#[derive(Debug, Default)]
struct Task {
    /// A call decoded at entry whose result is awaited.
    pending: Option<Entry>,
    /// A thread of another process (not a thread-group leader).
    thread: bool,
    /// The process (thread-group leader) a thread belongs to.
    leader: Option<Pid>,
    /// Its first (attach) stop has been seen.
    started: bool,
    /// Its creator's fork/vfork/clone event has said whether it is a thread.
    kind_known: bool,
    /// Whether it resolves paths as the tracer does (`predict`); `None`: not checked since its
    /// start, its exec or the last call that changes a view.
    same_view: Option<bool>,
    /// What evidence knows of it (root, mount view, ids); `None`: not read since the same.
    facts: Option<evidence::TaskFacts>,
    /// A socket it connected to a name server, whose query or answer is still to come.
    dns: Option<DnsFollow>,
}

/// A task followed call by call after it connected a socket to port 53 (or sent a query to an
/// address), until it has sent its query there and received the answer. The query names the
/// host a failed lookup was for, and the answer says why it failed (`NXDOMAIN`, `SERVFAIL`);
/// a resolver sends on the connected socket with `send` (glibc, one address family) or `write`
/// (Go), and receives with `recvfrom` or `read`, which the prefilter cannot tell from a
/// program's other traffic (sendmmsg, glibc's for both families, stops anyway).
#[derive(Debug)]
struct DnsFollow {
    /// The socket and the name server it reaches (`fd`, `addr`, `port`, `family`).
    server: Event,
    /// The query has gone out: the answer is awaited.
    sent: bool,
    /// Calls the task may still make before the next step; a resolver takes a few.
    calls_left: u8,
}

/// How many calls a task is followed for, after its connect and after its query.
const DNS_FOLLOW_CALLS: u8 = 12;

pub struct Tracer {
    main: Pid,
    full: bool,
    writer: Writer,
    start: Instant,
    tasks: HashMap<Pid, Task>,
    processes: u64,
    ended: bool,
    stdout: Tail,
    stderr: Tail,
    evidence_budget: u32,
    limits_budget: u32,
    /// The mount tables evidence has read, kept until a traced mount or chroot.
    mounts: evidence::Mounts,
    /// What the launching process has to say (a name not found in `PATH`).
    notes: Option<File>,
    /// Device and inode of the runner's stdout and stderr, to tell which one a write reaches.
    streams: [Option<(u64, u64)>; 2],
    /// Whether the next wait polls before it sleeps.
    spin: Spin,
    /// The main process has exec'd the program (before, it is the runner itself).
    main_execd: bool,
    /// The tracer's own view of the file system, when tasks with the same one may have their
    /// ENOENTs predicted (`predict`).
    view: Option<predict::View>,
    /// Calls whose result was predicted (for the `End` record).
    predicted: u64,
}

impl Tracer {
    /// `alone`: the capabilities only the tracer holds (`tracer_caps`), left out of its view.
    pub fn new(
        main: Pid,
        full: bool,
        spin: Spin,
        alone: u64,
        writer: Writer,
        notes: Option<File>,
    ) -> Tracer {
        let mut tasks = HashMap::new();
        tasks.insert(
            main,
            Task {
                started: true,
                ..Task::default()
            },
        );
        Tracer {
            main,
            full,
            writer,
            start: Instant::now(),
            tasks,
            processes: 1,
            ended: false,
            stdout: Tail::default(),
            stderr: Tail::default(),
            evidence_budget: EVIDENCE_BUDGET,
            limits_budget: LIMITS_BUDGET,
            mounts: evidence::Mounts::default(),
            notes,
            streams: [file_id("/proc/self/fd/1"), file_id("/proc/self/fd/2")],
            spin,
            main_execd: false,
            view: predict::View::tracer(alone),
            predicted: 0,
        }
    }

    /// Runs until no traced task is left.
    pub fn run(mut self) {
        loop {
            let status = self.next_status();
            match status {
                // nix names only the classic signals: a real-time one is handled by number.
                Ok(Some((pid, raw))) => match WaitStatus::from_raw(pid, raw) {
                    Ok(status) => self.on_status(status),
                    Err(_) => self.on_numbered_signal(pid, raw),
                },
                Ok(None) | Err(Errno::EINTR) => continue,
                Err(_) => break,
            }
        }
        if !self.ended {
            self.end(ExitFacts::default());
        }
    }

    /// The next stop or exit of any task. It may poll for a while first (`spin`). Before
    /// sleeping, whatever is recorded must be in the file, so a trace survives a later SIGKILL;
    /// with nothing buffered and no polling, one blocking `waitpid` is enough.
    fn next_status(&mut self) -> Result<Option<(Pid, i32)>, Errno> {
        // Timed only for the policy's trials: a tracer that never polls times nothing.
        if !self.spin.enabled() {
            return self.poll_then_sleep();
        }
        let called = Instant::now();
        let status = self.poll_then_sleep();
        self.spin.waited(called.elapsed());
        status
    }

    fn poll_then_sleep(&mut self) -> Result<Option<(Pid, i32)>, Errno> {
        let window = self.spin.window();
        if window.is_some() || self.writer.dirty() {
            let deadline = window.map(|window| Instant::now() + window);
            loop {
                if let status @ (Ok(Some(_)) | Err(_)) = wait_any(true) {
                    return status;
                }
                if deadline.is_none_or(|deadline| Instant::now() >= deadline) {
                    break;
                }
                // Polling must not keep a task that is ready to run off this CPU.
                // SAFETY: no arguments, no memory.
                unsafe { libc::sched_yield() };
            }
            self.writer.flush();
        }
        wait_any(false)
    }

    fn on_status(&mut self, status: WaitStatus) {
        match status {
            WaitStatus::PtraceEvent(pid, sig, event) => self.on_event(pid, sig, event),
            WaitStatus::PtraceSyscall(pid) => {
                self.on_syscall(pid);
                self.resume(pid, 0);
            }
            WaitStatus::Stopped(pid, sig) => {
                // A signal-delivery-stop: record it and deliver it unchanged.
                self.record_signal(pid, sig as i32);
                if self.init_fault_is_fatal(pid, sig) {
                    self.let_init_die(pid, sig);
                } else {
                    self.resume(pid, sig as i32);
                }
            }
            WaitStatus::Exited(pid, code) => self.gone(pid, exit_facts(code, None), false),
            WaitStatus::Signaled(pid, sig, core) => {
                self.gone(pid, exit_facts(0, Some(sig as i32)), core)
            }
            _ => {}
        }
    }

    /// A stop or death by a signal nix has no name for (`SIGRTMIN+n`).
    fn on_numbered_signal(&mut self, pid: Pid, raw: i32) {
        if libc::WIFSTOPPED(raw) {
            let sig = libc::WSTOPSIG(raw);
            self.record_signal(pid, sig);
            self.resume(pid, sig);
        } else if libc::WIFSIGNALED(raw) {
            self.gone(
                pid,
                exit_facts(0, Some(libc::WTERMSIG(raw))),
                libc::WCOREDUMP(raw),
            );
        }
    }

    fn on_event(&mut self, pid: Pid, sig: Signal, event: i32) {
        let task = self.tasks.entry(pid).or_default();
        if event == libc::PTRACE_EVENT_STOP {
            if !task.started {
                // A new task's attach stop (it may come before its creator's clone event, which
                // never comes if the creator dies first): let it run.
                task.started = true;
                // It inherited its creator's options; only the main process stops at its exit.
                let _ = ptrace::setoptions(pid, task_options());
                // Before its creator's event: only /proc can tell a thread from a process.
                if !task.kind_known {
                    if let Some(leader) = tgid_of(pid).filter(|l| *l != pid) {
                        task.thread = true;
                        task.leader = Some(leader);
                    }
                }
            } else if matches!(
                sig,
                Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU
            ) {
                // A group-stop: stay stopped, as without a tracer, but keep seeing events.
                // SAFETY: a plain ptrace request on a stopped tracee.
                unsafe { libc::ptrace(libc::PTRACE_LISTEN, pid.as_raw(), 0, 0) };
                return;
            }
            self.resume(pid, 0);
            return;
        }
        match event {
            libc::PTRACE_EVENT_SECCOMP => self.on_syscall(pid),
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                if let Ok(new) = ptrace::getevent(pid) {
                    let new = Pid::from_raw(new as i32);
                    // A fork or vfork makes a process; only a clone event may be a thread
                    // (a clone without CLONE_THREAD is a process too), which /proc tells.
                    let leader = (event == libc::PTRACE_EVENT_CLONE)
                        .then(|| tgid_of(new).filter(|l| *l != new))
                        .flatten();
                    let thread = leader.is_some();
                    let task = self.tasks.entry(new).or_default();
                    task.thread = thread;
                    task.leader = leader;
                    task.kind_known = true;
                    if !thread {
                        self.processes += 1;
                    }
                    // The call succeeded (a failure brings no event): record it now and let
                    // the creator run on without a syscall-exit stop.
                    self.finish_pending(pid, new.as_raw() as i64);
                }
            }
            libc::PTRACE_EVENT_EXEC => {
                self.main_execd |= pid == self.main;
                // A thread that execs takes over the leader's pid; its pending execve moves.
                if let Ok(former) = ptrace::getevent(pid) {
                    let former = Pid::from_raw(former as i32);
                    if former != pid {
                        if let Some(old) = self.tasks.remove(&former) {
                            self.tasks.entry(pid).or_default().pending = old.pending;
                        }
                        if pid == self.main {
                            // The main process is now that thread, with a thread's options.
                            let _ = ptrace::setoptions(pid, main_options());
                        }
                    }
                }
                // The execve succeeded: record it now, without waiting for its exit stop.
                self.finish_pending(pid, 0);
                // Credentials and security label may change at an exec.
                let task = self.task(pid);
                task.same_view = None;
                task.facts = None;
                task.dns = None;
                // A set-user-ID (or -group-ID, or file-capability) program ran without its
                // privilege under us: say so, before any refusal it meets as a result.
                let exe = (!self.ended)
                    .then(|| evidence::privileged_exe(pid))
                    .flatten();
                if let Some(exe) = exe {
                    let (facts, mounts) = self.facts(pid);
                    if let Some(note) = evidence::privilege_not_gained(mounts, facts, exe) {
                        self.writer.event(self.stamp(note));
                    }
                }
            }
            libc::PTRACE_EVENT_EXIT => {
                if let Ok(raw) = ptrace::getevent(pid) {
                    self.on_exit(pid, raw as i32);
                }
            }
            _ => {}
        }
        self.resume(pid, 0);
    }

    /// A syscall stop of any kind: seccomp, entry (`--full`) or exit.
    fn on_syscall(&mut self, pid: Pid) {
        let Some(info) = syscall_info(pid) else {
            return;
        };
        if info.arch != AUDIT_ARCH_NATIVE {
            return;
        }
        match info.op {
            libc::PTRACE_SYSCALL_INFO_SECCOMP | libc::PTRACE_SYSCALL_INFO_ENTRY => {
                // SAFETY: the union member matching `op`.
                let (nr, args) = unsafe {
                    if info.op == libc::PTRACE_SYSCALL_INFO_SECCOMP {
                        (info.u.seccomp.nr, info.u.seccomp.args)
                    } else {
                        (info.u.entry.nr, info.u.entry.args)
                    }
                };
                if self.ended {
                    return;
                }
                if self.follow_dns(pid, info.op, nr, args) {
                    return;
                }
                let sysno = Sysno::new(nr as usize);
                if sysno.is_some_and(predict::changes_view) {
                    // Again at its exit: another thread may check its view in between.
                    self.views_changed();
                }
                // The hot path of a program that prints: a write to fd 1 or 2 only feeds the
                // tails (no event, no result awaited), so it is not decoded into a call.
                if !self.full {
                    if let Some((fd, data)) = decode::written(pid, nr, args) {
                        self.keep_output(pid, fd, &data);
                        return;
                    }
                }
                let mut entry = decode::entry(pid, nr, args);
                if let Some((fd, data)) = entry.output.take() {
                    self.keep_output(pid, fd, &data);
                }
                // Until its exec the main process is the runner: only the execve is the
                // program's (its failure message still counts for the stderr tail).
                let runner_own = pid == self.main
                    && !self.main_execd
                    && !matches!(entry.sysno, Some(Sysno::execve | Sysno::execveat));
                if runner_own {
                    return;
                }
                let predicted = match self.full {
                    false => self.predict(pid, &entry, args),
                    true => None,
                };
                // Recorded now, with no exit stop (`resume` sees nothing pending), or at the exit.
                let result = match predicted {
                    Some(Prediction::Missing) => Some((-(libc::ENOENT as i64), true)),
                    Some(Prediction::Succeeds) => Some((0, false)),
                    Some(Prediction::Directory) => {
                        entry.found_directory = true;
                        None
                    }
                    None => None,
                };
                if let Some((ret, is_error)) = result {
                    self.predicted += 1;
                    self.task(pid).pending = Some(entry);
                    self.on_exit_stop(pid, ret, is_error);
                } else if entry.wants_result() || self.full {
                    self.task(pid).pending = Some(entry);
                } else if !matches!(entry.sysno, Some(Sysno::write | Sysno::writev)) {
                    self.writer.event(self.stamp(entry.finish(None)));
                }
            }
            libc::PTRACE_SYSCALL_INFO_EXIT => {
                let pending = self.tasks.get(&pid).and_then(|t| t.pending.as_ref());
                if pending.is_some_and(|e| e.sysno.is_some_and(predict::changes_view)) {
                    self.views_changed();
                }
                // SAFETY: the union member matching `op`.
                let (sval, is_error) = unsafe { (info.u.exit.sval, info.u.exit.is_error != 0) };
                self.on_exit_stop(pid, sval, is_error);
            }
            _ => {}
        }
    }

    /// A stop of a task that follows its DNS socket (`DnsFollow`). A send on the socket moves
    /// the follow on to the answer; one that no seccomp stop will show (a `write`, an
    /// address-less `sendto`) is decoded here for its query, and so is the receive after it
    /// (its exit ends the follow). Returns whether the stop is dealt with: outside `--full`, a
    /// syscall-entry stop is there only for the follow.
    fn follow_dns(&mut self, pid: Pid, op: u8, nr: u64, args: [u64; 6]) -> bool {
        let Some(follow) = self.tasks.get_mut(&pid).and_then(|t| t.dns.as_mut()) else {
            return false;
        };
        let entry_stop = op == libc::PTRACE_SYSCALL_INFO_ENTRY;
        let sysno = Sysno::new(nr as usize);
        let on_socket = Some(args[0] as i32) == follow.server.fd;
        let sends = on_socket
            && matches!(
                sysno,
                Some(
                    Sysno::write | Sysno::writev | Sysno::sendto | Sysno::sendmsg | Sysno::sendmmsg
                )
            );
        let receives =
            on_socket && follow.sent && matches!(sysno, Some(Sysno::read | Sysno::recvfrom));
        if entry_stop {
            follow.calls_left = follow.calls_left.saturating_sub(1);
        }
        if sends {
            follow.sent = true;
            follow.calls_left = DNS_FOLLOW_CALLS;
        }
        // A wait for the answer that times out says the server never answered.
        let wait = (entry_stop && follow.sent && sysno == Some(Sysno::poll))
            .then(|| decode::dns_wait(pid, args, &follow.server))
            .flatten();
        if follow.calls_left == 0 || (on_socket && sysno == Some(Sysno::close)) {
            self.task(pid).dns = None;
        }
        if let Some(wait) = wait {
            self.task(pid).pending = Some(wait);
            return true;
        }
        let unfiltered =
            sysno == Some(Sysno::write) || (sysno == Some(Sysno::sendto) && args[4] == 0);
        if (entry_stop || self.full) && (receives || (sends && unfiltered)) {
            let entry = match receives {
                true => decode::dns_receive(pid, nr, args),
                false => decode::dns_send(pid, nr, args),
            };
            self.task(pid).pending = Some(entry);
            return true;
        }
        entry_stop && !self.full
    }

    /// Starts following a task's DNS socket after the call just recorded, when it reached a name
    /// server: a connect (the query comes next), or a query sent to an address (the answer).
    fn follow_after(&mut self, pid: Pid, sysno: Option<Sysno>, event: &Event, result: i64) {
        let reached = event.port == Some(53)
            && match sysno {
                Some(Sysno::connect) => result >= 0 || result == -(libc::EINPROGRESS as i64),
                Some(Sysno::sendto) => result >= 0 && event.query.is_some(),
                _ => false,
            };
        if reached && event.fd.is_some() {
            let server = Event {
                fd: event.fd,
                addr: event.addr.clone(),
                port: event.port,
                family: event.family.clone(),
                ..Event::default()
            };
            self.task(pid).dns = Some(DnsFollow {
                server,
                sent: sysno == Some(Sysno::sendto),
                calls_left: DNS_FOLLOW_CALLS,
            });
        }
    }

    /// What the call at `pid`'s seccomp stop will answer, as far as the tracer can prove it
    /// (`predict`): a lookup that cannot create, a task that sees the file system as the tracer
    /// does, and a path the tracer finds missing, or finds for a call that then cannot fail.
    fn predict(&mut self, pid: Pid, entry: &decode::Entry, args: [u64; 6]) -> Option<Prediction> {
        let lookup = entry.sysno.and_then(|s| predict::lookup_of(s, args))?;
        let path = entry.raw_path.as_deref()?;
        let same = match self.tasks.get(&pid).and_then(|t| t.same_view) {
            Some(same) => same,
            None => {
                let same = self.view.is_some()
                    && predict::View::of(&pid.to_string()).as_ref() == self.view.as_ref();
                self.task(pid).same_view = Some(same);
                same
            }
        };
        if !same {
            return None;
        }
        predict::predict(pid, path, lookup)
    }

    /// Records a pending call that a ptrace event showed to succeed with `ret`.
    fn finish_pending(&mut self, pid: Pid, ret: i64) {
        if self.tasks.get(&pid).is_some_and(|t| t.pending.is_some()) {
            self.on_exit_stop(pid, ret, false);
        }
    }

    fn on_exit_stop(&mut self, pid: Pid, sval: i64, is_error: bool) {
        let Some(mut entry) = self.task(pid).pending.take() else {
            return;
        };
        // A non-blocking connect's outcome: kept when it is an error (or with `--full`).
        let so_error = if is_error {
            None
        } else {
            entry.read_so_error(pid)
        };
        let failed_later = so_error.is_some_and(|e| e != 0);
        // A receive on a name server's socket counts only when it brought the answer; one that
        // found nothing yet (EAGAIN) leaves the follow on.
        if entry.is_dns_receive() {
            if is_error || !entry.read_received(pid, sval) {
                return;
            }
            self.task(pid).dns = None;
        }
        // A wait for the answer counts only when it timed out.
        if entry.is_dns_wait() && (is_error || sval != 0) {
            return;
        }
        // `--full` keeps other calls only when they fail; so do the calls the prefilter stops on
        // only to watch for a change of view (`unshare`, `setns`, `pivot_root`...): a refused
        // `unshare` is a missing capability.
        let wanted = is_error || failed_later || recorded_on_success(&entry);
        if self.ended || !wanted {
            return;
        }
        // A unix socket's path is a path too (connect to a missing /run/app.sock).
        let abs = entry.abs_path.clone().or_else(|| {
            let addr = entry.event.addr.as_ref()?;
            addr.starts_with('/').then(|| addr.as_bytes().to_vec())
        });
        let sysno = entry.sysno;
        let found_directory = entry.found_directory;
        if !is_error && matches!(sysno, Some(Sysno::mount | Sysno::chroot)) {
            self.mounts.forget();
        }
        let mut event = entry.finish(Some((sval, is_error)));
        self.follow_after(pid, sysno, &event, sval);
        if found_directory {
            event.evidence = self.directory_evidence(pid, abs.as_deref());
        } else if is_error && sval == -(libc::EAGAIN as i64) && creates_task(sysno) {
            event.limits = self.limits(pid);
        } else if is_error {
            event.evidence = self.evidence(pid, sysno, abs.as_deref(), -sval as i32);
        }
        self.writer.event(self.stamp(event));
    }

    fn evidence(
        &mut self,
        pid: Pid,
        sysno: Option<Sysno>,
        path: Option<&[u8]>,
        errno: i32,
    ) -> Option<Box<crate::trace::Evidence>> {
        let path = path.filter(|p| p.first() == Some(&b'/'))?;
        match sysno? {
            Sysno::execve | Sysno::execveat => {
                let (facts, mounts) = self.facts(pid);
                Some(Box::new(evidence::for_exec(mounts, facts, path, errno)))
            }
            // An open for writing (a log file) that found a directory.
            _ if errno == libc::EISDIR => self.directory_evidence(pid, Some(path)),
            _ if self.evidence_budget > 0
                && matches!(
                    errno,
                    libc::ENOENT | libc::EACCES | libc::EPERM | libc::EROFS | libc::ENOTDIR
                ) =>
            {
                self.evidence_budget -= 1;
                let (facts, mounts) = self.facts(pid);
                Some(Box::new(evidence::for_path(mounts, facts, path, errno)))
            }
            _ => None,
        }
    }

    /// Which limit refused a new process or thread.
    fn limits(&mut self, pid: Pid) -> Option<Box<crate::trace::ProcessLimits>> {
        if self.limits_budget == 0 {
            return None;
        }
        self.limits_budget -= 1;
        Some(Box::new(limits::of(pid)))
    }

    /// Evidence for a directory that an open expecting a file found: the read that fails on it
    /// (`EISDIR`) is not traced, so the open carries it.
    fn directory_evidence(
        &mut self,
        pid: Pid,
        path: Option<&[u8]>,
    ) -> Option<Box<crate::trace::Evidence>> {
        let path = path.filter(|p| p.first() == Some(&b'/'))?;
        if self.evidence_budget == 0 {
            return None;
        }
        self.evidence_budget -= 1;
        let (facts, mounts) = self.facts(pid);
        Some(Box::new(evidence::for_opened_directory(
            mounts, facts, path,
        )))
    }

    /// `PTRACE_EVENT_EXIT`, which only the main process stops at (`main_options`): the trace
    /// ends here, in the file, before it is let go (in a container its exit kills us). Not when
    /// a thread's exec is taking the process over.
    fn on_exit(&mut self, pid: Pid, raw: i32) {
        if pid != self.main || self.ended || self.thread_execs(pid) {
            return;
        }
        let facts = if libc::WIFSIGNALED(raw) {
            exit_facts(0, Some(libc::WTERMSIG(raw)))
        } else {
            exit_facts(libc::WEXITSTATUS(raw), None)
        };
        self.record_death(pid, &facts, libc::WCOREDUMP(raw));
        self.end(facts);
    }

    /// Whether a thread of `leader`'s process is in an execve: then the leader's exit stop is
    /// the exec taking the process over (the thread becomes the leader), not the end.
    fn thread_execs(&self, leader: Pid) -> bool {
        self.tasks.values().any(|t| {
            t.leader == Some(leader)
                && t.pending
                    .as_ref()
                    .is_some_and(|e| matches!(e.sysno, Some(Sysno::execve | Sysno::execveat)))
        })
    }

    /// A call that may change how tasks see the file system (and who they are) is under way:
    /// what was learnt about any task's view is learnt again.
    fn views_changed(&mut self) {
        for task in self.tasks.values_mut() {
            task.same_view = None;
            task.facts = None;
        }
    }

    /// The task is gone. A process other than the main one is recorded here, from the status
    /// that reaps it (it has no exit stop); the main process was at its exit stop, unless that
    /// never came (SIGKILL): then it ends the trace now.
    fn gone(&mut self, pid: Pid, facts: ExitFacts, core: bool) {
        let thread = self.tasks.remove(&pid).is_some_and(|t| t.thread);
        if pid == self.main {
            if !self.ended {
                self.record_exit(pid, &facts, core);
                self.end(facts);
            }
        } else if !thread && !self.ended {
            self.record_death(pid, &facts, core);
        }
    }

    /// A process's end: its `exit_group(N)` call when it exited, then how it ended.
    fn record_death(&mut self, pid: Pid, facts: &ExitFacts, core: bool) {
        if let (Some(code), None) = (facts.code, &facts.signal) {
            self.record_exit_call(pid, code);
        }
        self.record_exit(pid, facts, core);
    }

    /// The `exit_group(N)` call of a process that exited, recorded from the exit event: the
    /// call has no result to wait for, so it need not stop. The runner's own exit (after a
    /// failed exec) is not the program's.
    fn record_exit_call(&mut self, pid: Pid, code: i32) {
        if pid == self.main && !self.main_execd {
            return;
        }
        let args = [code as u64, 0, 0, 0, 0, 0];
        let event = decode::entry(pid, Sysno::exit_group as u64, args).finish(None);
        self.writer.event(self.stamp(event));
    }

    fn record_exit(&mut self, pid: Pid, facts: &ExitFacts, core: bool) {
        let event = match &facts.signal {
            Some(sig) => Event {
                pid: pid.as_raw(),
                kind: EventKind::Killed,
                call: format!(
                    "+++ killed by {sig}{} +++",
                    if core { " (core dumped)" } else { "" }
                ),
                signal: Some(sig.clone()),
                ..Event::default()
            },
            None => Event {
                pid: pid.as_raw(),
                kind: EventKind::Exit,
                call: format!("+++ exited with {} +++", facts.code.unwrap_or(0)),
                code: facts.code,
                ..Event::default()
            },
        };
        self.writer.event(self.stamp(event));
    }

    fn record_signal(&mut self, pid: Pid, sig: i32) {
        // Before its first exec the main process is still the runner (its own SIGCHLD from the
        // tracer's launch is not the program's).
        if self.ended || (pid == self.main && !self.main_execd) {
            return;
        }
        let name = signal_name(sig);
        let info = ptrace::getsiginfo(pid).ok().map(|si| SigInfo::read(&si));
        let detail = info.as_ref().map(SigInfo::text).unwrap_or_default();
        let event = Event {
            pid: pid.as_raw(),
            kind: EventKind::Signal,
            call: format!("--- {name} {detail} ---"),
            signal: Some(name),
            sender: info.and_then(|i| i.sender()),
            ..Event::default()
        };
        self.writer.event(self.stamp(event));
    }

    /// Whether `sig` is a fault (SIGSEGV from a bad access, SIGILL...) that kills a namespace's
    /// init only when nobody traces it. The kernel keeps a traced init unkillable by its own
    /// faults (the tracer might handle them), so re-injecting would fault forever.
    fn init_fault_is_fatal(&self, pid: Pid, sig: Signal) -> bool {
        if self.main.as_raw() != 1
            || !matches!(
                sig,
                Signal::SIGSEGV | Signal::SIGBUS | Signal::SIGILL | Signal::SIGFPE
            )
        {
            return false;
        }
        let kernel_sent = ptrace::getsiginfo(pid).is_ok_and(|si| si.si_code > 0);
        let status = evidence::read_proc(&format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        let caught = u64::from_str_radix(&field("SigCgt:"), 16)
            .is_ok_and(|mask| mask & (1 << (sig as u32 - 1)) != 0);
        kernel_sent && field("Tgid:") == "1" && !caught
    }

    /// Ends the trace for an init that dies of its own fault, then lets go of the faulting
    /// thread: untraced, the instruction faults again and the kernel kills it as without us.
    fn let_init_die(&mut self, pid: Pid, sig: Signal) {
        if !self.ended {
            let facts = exit_facts(0, Some(sig as i32));
            self.record_exit(self.main, &facts, false);
            self.end(facts);
        }
        let _ = ptrace::detach(pid, None);
        self.tasks.remove(&pid);
    }

    /// Writes the notes and the `End` record, and flushes them to the file.
    fn end(&mut self, exit: ExitFacts) {
        self.ended = true;
        self.record_notes();
        let alive = self
            .tasks
            .iter()
            .filter(|(pid, t)| **pid != self.main && !t.thread && still_running(**pid))
            .map(|(pid, _)| pid.as_raw())
            .collect();
        let end = End {
            exit,
            events: self.writer.events(),
            dropped: self.writer.dropped(),
            processes: self.processes,
            alive,
            stdout_tail: self.stdout.lines(),
            stderr_tail: self.stderr.lines(),
            duration_ms: self.start.elapsed().as_millis() as u64,
            predicted: self.predicted,
        };
        self.writer.record(&Record::End(end));
        self.writer.flush();
    }

    /// The launcher's notes: `execve` of a name that is not in `PATH`.
    fn record_notes(&mut self) {
        let Some(mut pipe) = self.notes.take() else {
            return;
        };
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        for note in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let mut parts = note.splitn(3, |&b| b == 0);
            let name = parts.next().unwrap_or_default();
            let path_bytes = parts.next().unwrap_or_default();
            let cwd = parts.next().unwrap_or(b"/");
            let path_var = String::from_utf8_lossy(path_bytes);
            let (facts, mounts) = self.facts(self.main);
            let evidence = evidence::for_path_search(mounts, facts, name, path_bytes, cwd);
            let event = Event {
                pid: self.main.as_raw(),
                kind: EventKind::Note,
                syscall: Some("execve".into()),
                call: format!(
                    "execve({}, ...) = -1 ENOENT (not found in PATH: {path_var})",
                    decode::text::quote(name, false)
                ),
                path: Some(decode::text::lossless(name)),
                ret: Some(-1),
                errno: Some("ENOENT".into()),
                evidence: evidence.map(Box::new),
                ..Event::default()
            };
            self.writer.event(self.stamp(event));
        }
    }

    /// Adds what a write to `fd` carried to the tail of the stream it reaches.
    fn keep_output(&mut self, pid: Pid, fd: i32, data: &[u8]) {
        match self.stream_of(pid, fd) {
            Some(1) => self.stdout.push(data),
            Some(2) => self.stderr.push(data),
            _ => {}
        }
    }

    /// Which of the runner's own streams a write to `fd` reaches: a script's `>&2` writes fd 1
    /// to stderr, an `exec >log` sends fd 1 elsewhere.
    fn stream_of(&self, pid: Pid, fd: i32) -> Option<i32> {
        let [out, err] = self.streams;
        if out == err || !matches!(fd, 1 | 2) {
            return Some(fd).filter(|fd| matches!(fd, 1 | 2));
        }
        let id = file_id(&format!("/proc/{pid}/fd/{fd}"));
        match id {
            Some(id) if Some(id) == out => Some(1),
            Some(id) if Some(id) == err => Some(2),
            Some(_) => None,
            None => Some(fd),
        }
    }

    fn stamp(&self, mut event: Event) -> Event {
        event.time_us = Some(self.start.elapsed().as_micros() as u64);
        event
    }

    fn task(&mut self, pid: Pid) -> &mut Task {
        self.tasks.entry(pid).or_default()
    }

    /// What evidence knows of a task (read now if not yet), and the mount tables beside it.
    fn facts(&mut self, pid: Pid) -> (&evidence::TaskFacts, &mut evidence::Mounts) {
        let task = self.tasks.entry(pid).or_default();
        let facts = task
            .facts
            .get_or_insert_with(|| evidence::TaskFacts::of(pid));
        (facts, &mut self.mounts)
    }

    /// Lets a task run on, stopping at its next syscall exit when a result is awaited, at every
    /// syscall while it follows its DNS socket, or at every syscall with `--full`.
    fn resume(&mut self, pid: Pid, sig: i32) {
        let step = self.full
            || self
                .tasks
                .get(&pid)
                .is_some_and(|t| t.pending.is_some() || t.dns.is_some());
        let request = if step {
            libc::PTRACE_SYSCALL
        } else {
            libc::PTRACE_CONT
        };
        // A task that vanished meanwhile (ESRCH) is reported by waitpid later.
        // SAFETY: a plain ptrace request; `data` is the signal to deliver (0 for none).
        unsafe { libc::ptrace(request, pid.as_raw(), 0, sig as libc::c_long) };
        // What the stop recorded is serialised now, while the task runs.
        self.writer.release();
    }
}

/// The audit architecture of native calls (`AUDIT_ARCH_X86_64` and friends).
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH_NATIVE: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH_NATIVE: u32 = 0xc000_00b7;

/// Whether a call that succeeded is recorded: the prefiltered set (also under `--full`; writes
/// are only read for the tails), but of the sends only DNS queries (a UDP program's other
/// datagrams say nothing about its start), a `write` on a name server's socket included, and
/// kill calls (the prefilter stops only those that send SIGKILL).
fn recorded_on_success(entry: &decode::Entry) -> bool {
    match entry.sysno {
        Some(Sysno::kill | Sysno::tkill | Sysno::tgkill) => true,
        Some(Sysno::sendto | Sysno::sendmmsg | Sysno::write) => entry.event.query.is_some(),
        Some(Sysno::read | Sysno::recvfrom) => entry.event.rcode.is_some(),
        Some(Sysno::poll) => entry.is_dns_wait(),
        Some(s) => {
            super::filter::TRACED.contains(&s) || matches!(s, Sysno::newfstatat | Sysno::statx)
        }
        None => false,
    }
}

/// The calls that make a process or a thread, which a process limit refuses with `EAGAIN`.
fn creates_task(sysno: Option<Sysno>) -> bool {
    matches!(
        sysno,
        Some(Sysno::clone | Sysno::clone3 | Sysno::fork | Sysno::vfork)
    )
}

/// `waitpid(-1, __WALL)` with the raw status; `None` when nothing is ready (`nohang`).
fn wait_any(nohang: bool) -> Result<Option<(Pid, i32)>, Errno> {
    let mut status = 0;
    let flags = libc::__WALL | if nohang { libc::WNOHANG } else { 0 };
    // SAFETY: `status` is a valid out-pointer.
    match unsafe { libc::waitpid(-1, &mut status, flags) } {
        -1 => Err(Errno::last()),
        0 => Ok(None),
        pid => Ok(Some((Pid::from_raw(pid), status))),
    }
}

/// `PTRACE_GET_SYSCALL_INFO`, with the buffer size the kernel needs (nix passes none).
fn syscall_info(pid: Pid) -> Option<libc::ptrace_syscall_info> {
    let mut info = std::mem::MaybeUninit::<libc::ptrace_syscall_info>::zeroed();
    // SAFETY: the kernel writes at most `size_of` bytes into the buffer.
    let n = unsafe {
        libc::ptrace(
            libc::PTRACE_GET_SYSCALL_INFO,
            pid.as_raw(),
            std::mem::size_of::<libc::ptrace_syscall_info>(),
            info.as_mut_ptr(),
        )
    };
    // SAFETY: zero-initialised, then filled by the kernel.
    (n > 0).then(|| unsafe { info.assume_init() })
}

/// Device and inode of a file (the target of a `/proc/PID/fd/N` link).
fn file_id(path: &str) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Whether a process is alive and stays so: not a zombie, not exiting, and no SIGKILL pending.
/// Its death may not have been reported to us yet: a `kill -9` just before the main process
/// ended leaves the child running for a moment, with the signal pending (`SigPnd` or `ShdPnd`),
/// then exiting (`PF_EXITING` in its flags) until it is a zombie.
fn still_running(pid: Pid) -> bool {
    const SIGKILL_BIT: u64 = 1 << (libc::SIGKILL - 1);
    const PF_EXITING: u64 = 0x4;
    // /proc/PID/stat after the command's ") ": state, ppid, pgrp, session, tty, tpgid, flags.
    let running = evidence::read_proc(&format!("/proc/{pid}/stat")).is_some_and(|stat| {
        let mut fields = stat
            .rsplit_once(") ")
            .map_or("", |(_, rest)| rest)
            .split(' ');
        let state = fields.next().unwrap_or_default();
        let flags = fields
            .nth(5)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        !state.is_empty() && !state.starts_with(['Z', 'X']) && flags & PF_EXITING == 0
    });
    // Pending signals are in `status` only as masks (per thread and shared).
    let killed = || {
        evidence::read_proc(&format!("/proc/{pid}/status")).is_some_and(|status| {
            status
                .lines()
                .filter_map(|l| {
                    l.strip_prefix("SigPnd:")
                        .or_else(|| l.strip_prefix("ShdPnd:"))
                })
                .filter_map(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .any(|mask| mask & SIGKILL_BIT != 0)
        })
    };
    running && !killed()
}

/// The process (thread group) a task belongs to: itself for a process, the leader for a thread.
fn tgid_of(pid: Pid) -> Option<Pid> {
    evidence::read_proc(&format!("/proc/{pid}/status"))
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Tgid:"))
                .and_then(|v| v.trim().parse::<i32>().ok())
        })
        .map(Pid::from_raw)
}

fn exit_facts(code: i32, sig: Option<i32>) -> ExitFacts {
    ExitFacts {
        code: sig.is_none().then_some(code),
        signal: sig.map(signal_name),
        oom_killed: false,
    }
}
