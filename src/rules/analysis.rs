//! Facts about a trace that every rule needs: which failures are probes (noise), which were
//! recovered from, which processes decide the exit, and what was written to stderr.

use std::cell::OnceCell;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::matcher::event_matches;
use super::pattern::Vars;
use super::spec::{EventCond, Noise, SentBy};
use super::Observation;
use crate::report::shell_quote;
use crate::report::{Exit, Outcome};
use crate::trace::{names::errno_description, Event, EventKind};

/// From how many events the annotation uses a second thread (below, starting one costs more
/// than it saves).
const PARALLEL_FROM: usize = 20_000;

/// The trace of an observation, annotated once for all rules.
pub struct Analysis<'a> {
    pub obs: &'a Observation,
    pub events: &'a [Event],
    /// Per event: it matches a noise pattern.
    pub noise: Vec<bool>,
    /// Per event: a failure that a later success on the same target cancelled.
    pub recovered: Vec<bool>,
    pub main_pid: Option<i32>,
    /// The processes whose fate decides the exit: the main one and children that died the
    /// same way.
    pub decisive: HashSet<i32>,
    /// stderr, line by line: the collected tail, else what the trace saw written to fd 2.
    pub stderr_lines: Vec<String>,
    /// stdout the same way: many programs (Java's loggers, Apache's control script) report
    /// their errors there.
    pub stdout_lines: Vec<String>,
    /// The path-like words of both.
    output_words: Words,
    /// The errnos of the trace whose text (`Permission denied`) either contains.
    errnos_said: HashSet<&'a str>,
    /// Per process: the indices of its writes to fd 2, in order.
    stderr_writes: HashMap<i32, Vec<usize>>,
    /// Per process: the index of its last failure worth blaming.
    last_failure: HashMap<i32, usize>,
    /// Paths of calls that did not succeed, on which some other call did.
    seen_paths: HashSet<&'a str>,
    /// Event indices by system call name and by errno, so that a rule looks only at the events
    /// it could match.
    by_syscall: HashMap<&'a str, Vec<usize>>,
    by_errno: HashMap<&'a str, Vec<usize>>,
    /// Per event: what stderr says about it, worked out the first time a rule asks (each rule
    /// scores the same failures again).
    said: Vec<OnceCell<Said>>,
    /// How often each call was made, by what makes two calls the same attempt; counted the
    /// first time a rule asks (few do).
    attempts: OnceCell<HashMap<Attempt<'a>, usize>>,
    /// How the main process ended: the producer's facts, completed from the trace when they
    /// are missing (a strace log recorded with `-qq` has no `+++ exited` line, only the
    /// `exit_group(N)` call).
    pub exit: Exit,
}

impl<'a> Analysis<'a> {
    pub fn new(obs: &'a Observation, noise: &[Noise]) -> Analysis<'a> {
        let events = obs.trace.events.as_slice();
        // The two passes over every event are independent: on a big log (a 100 MB strace -f
        // log has half a million events) the probes are matched on a second core meanwhile.
        // The indexes go with the probes: the recoveries take longer.
        let probes_and_index = || (noise_flags(events, noise), Index::new(events));
        let (
            (
                noise_flags,
                Index {
                    by_syscall,
                    by_errno,
                    stderr_writes,
                },
            ),
            Answered {
                recovered,
                seen_paths,
            },
        ) = if events.len() < PARALLEL_FROM {
            (probes_and_index(), answered(events))
        } else {
            std::thread::scope(|s| {
                let probes = s.spawn(probes_and_index);
                let answered = answered(events);
                let probes = probes
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (probes, answered)
            })
        };
        let main_pid = obs.trace.main_pid();
        let exit = completed_exit(obs, main_pid);
        // Every failure has an errno: the latest of each process is among those indexed.
        let mut last_failure: HashMap<i32, usize> = HashMap::default();
        for &i in by_errno.values().flatten() {
            if !noise_flags[i] && !recovered[i] {
                let latest = last_failure.entry(events[i].pid).or_insert(i);
                *latest = (*latest).max(i);
            }
        }
        let stderr_lines = output_lines(obs, &obs.stderr_tail, 2);
        let stdout_lines = output_lines(obs, &obs.stdout_tail, 1);
        let output = [stderr_lines.as_slice(), stdout_lines.as_slice()].concat();
        Analysis {
            obs,
            events,
            recovered,
            decisive: decisive_pids(obs, &exit, main_pid),
            main_pid,
            output_words: Words::new(&output.join("\n")),
            errnos_said: errnos_said(&by_errno, &output),
            stderr_lines,
            stdout_lines,
            stderr_writes,
            last_failure,
            seen_paths,
            by_syscall,
            by_errno,
            said: vec![OnceCell::new(); events.len()],
            attempts: OnceCell::new(),
            noise: noise_flags,
            exit,
        }
    }

    /// How many calls of the trace are the same attempt as event `i` (itself included).
    pub fn repeats(&self, i: usize) -> usize {
        let attempts = self.attempts.get_or_init(|| {
            let mut counts = HashMap::default();
            for e in self.events.iter().filter(|e| e.kind == EventKind::Syscall) {
                *counts.entry(Attempt::of(e)).or_insert(0) += 1;
            }
            counts
        });
        attempts
            .get(&Attempt::of(&self.events[i]))
            .copied()
            .unwrap_or(0)
    }

    /// The addresses the traced processes bound a socket to (`0.0.0.0:8080`, `[::]:8080`):
    /// where a server listens.
    pub fn listening(&self) -> Option<String> {
        let mut seen: Vec<String> = Vec::new();
        let bound = self
            .events
            .iter()
            .filter(|e| e.syscall.as_deref() == Some("bind") && e.errno.is_none());
        for e in bound {
            let (Some(addr), Some(port)) = (e.addr.as_deref(), e.port) else {
                continue;
            };
            let shown = match addr.contains(':') {
                true => format!("[{addr}]:{port}"),
                false => format!("{addr}:{port}"),
            };
            if !seen.contains(&shown) {
                seen.push(shown);
            }
        }
        (!seen.is_empty()).then(|| seen.join(", "))
    }

    /// A failure worth blaming: failed, not a probe, not recovered from.
    pub fn is_open_failure(&self, i: usize) -> bool {
        self.events[i].errno.is_some() && !self.noise[i] && !self.recovered[i]
    }

    /// The indices of the events `cond` could match, in order: those with one of its system
    /// calls or errnos when it names some, else every event.
    pub fn candidates(&self, cond: &EventCond) -> Vec<usize> {
        let pick = |index: &HashMap<&str, Vec<usize>>, names: &[String]| {
            let mut v: Vec<usize> = names
                .iter()
                .filter_map(|n| index.get(n.as_str()))
                .flatten()
                .copied()
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        match (&cond.syscall, &cond.errno) {
            (Some(set), _) => pick(&self.by_syscall, &set.0),
            (None, Some(set)) => pick(&self.by_errno, &set.0),
            (None, None) => (0..self.events.len()).collect(),
        }
    }

    /// The signal the main process died from: reported, or read from an exit status of 128 + N
    /// (how Docker and shells report a death by signal N).
    pub fn exit_signal(&self) -> Option<String> {
        if self.exit.signal.is_some() {
            return self.exit.signal.clone();
        }
        let n = self.exit.code.filter(|c| (129..=128 + 31).contains(c))? - 128;
        nix::sys::signal::Signal::try_from(n)
            .ok()
            .map(|s| s.as_str().to_string())
    }

    /// Who sent the signal of event `i`. (A thread that signals itself is seen as its process,
    /// which the trace does not tell from another traced process.)
    pub fn sent_by(&self, i: usize) -> SentBy {
        let e = &self.events[i];
        let Some(sender) = e.sender else {
            return SentBy::Unknown;
        };
        if sender == e.pid {
            SentBy::Itself
        } else if sender != 0
            && self
                .events
                .iter()
                .any(|o| o.pid == sender || creates(o, sender))
        {
            SentBy::Traced
        } else {
            SentBy::Outside
        }
    }

    /// Who sent the signal that ended the exit's deciding process: the last process of the
    /// decisive chain killed by the exit's signal, and its signal line before that.
    pub fn fatal_signal_sent_by(&self) -> SentBy {
        let signal = self.exit_signal();
        let killed = self.events.iter().enumerate().rev().find(|(_, e)| {
            e.kind == EventKind::Killed && e.signal == signal && self.decisive.contains(&e.pid)
        });
        let Some((k, victim)) = killed else {
            return SentBy::Unknown;
        };
        let signal_line = self.events[..k].iter().rposition(|e| {
            e.pid == victim.pid && e.kind == EventKind::Signal && e.signal == victim.signal
        });
        match (signal_line, self.kill_call_of(k)) {
            (Some(j), _) => self.sent_by(j),
            (None, Some(j)) if self.events[j].pid == victim.pid => SentBy::Itself,
            (None, Some(_)) => SentBy::Traced,
            (None, None) => SentBy::Unknown,
        }
    }

    /// The traced kill call that sent the signal the process of `killed` (a `killed` event) died
    /// from: a SIGKILL reaches no tracer as a signal, so the call is its only trace. The latest
    /// successful call of that signal aimed at the process itself, else at a group or at every
    /// process (the trace does not know the groups).
    fn kill_call_of(&self, killed: usize) -> Option<usize> {
        let victim = &self.events[killed];
        let kills = |exact: bool| {
            self.events[..killed].iter().rposition(|e| {
                is_kill_call(e)
                    && e.ret == Some(0)
                    && e.signal == victim.signal
                    && e.target
                        .is_some_and(|t| if exact { t == victim.pid } else { t <= 0 })
            })
        };
        kills(true).or_else(|| kills(false))
    }

    /// What process `pid` was running at event `i`: its last exec's argv before it, or, for a
    /// process that has not exec'd, what its creator ran when it forked (BusyBox's `timeout`
    /// watches from a child of the command it times).
    pub fn command_of(&self, pid: i32, i: usize) -> Option<String> {
        let mut pid = pid;
        let mut before = i;
        loop {
            let mine = self.events[..before]
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, e)| e.pid == pid);
            let mut created_at = None;
            for (j, e) in mine {
                if e.ret == Some(0) && matches!(e.syscall.as_deref(), Some("execve" | "execveat")) {
                    return e.argv.as_deref().map(command_line);
                }
                created_at = Some(j);
            }
            // The call that returned this pid to its creator, before the process's first event.
            let first = created_at.unwrap_or(before);
            let (j, creator) = self.events[..first]
                .iter()
                .enumerate()
                .rev()
                .find(|(_, e)| creates(e, pid))?;
            pid = creator.pid;
            before = j;
        }
    }

    /// Whether any failure worth blaming exists.
    pub fn has_open_failures(&self) -> bool {
        !self.last_failure.is_empty()
    }

    /// What the process of event `i` wrote to fd 2 next (its first few writes after `i`).
    pub fn stderr_after(&self, i: usize) -> String {
        const WRITES: usize = 16;
        let Some(writes) = self.stderr_writes.get(&self.events[i].pid) else {
            return String::new();
        };
        let from = writes.partition_point(|&w| w <= i);
        writes[from..]
            .iter()
            .take(WRITES)
            .filter_map(|&w| self.events[w].data.as_deref())
            .collect()
    }

    /// Whether event `i` is the last failure worth blaming in its process.
    pub fn is_last_failure_of_pid(&self, i: usize) -> bool {
        self.last_failure.get(&self.events[i].pid) == Some(&i)
    }

    /// Whether some call in the trace succeeded on event `i`'s path.
    pub fn path_seen(&self, i: usize) -> bool {
        let e = &self.events[i];
        e.path
            .as_deref()
            .is_some_and(|p| succeeded(e) || self.seen_paths.contains(p))
    }

    /// What the output (both tails, and what the process wrote to stderr right after event `i`)
    /// says about event `i`.
    pub fn said_about(&self, i: usize) -> Said {
        *self.said[i].get_or_init(|| self.work_out_said(i))
    }

    fn work_out_said(&self, i: usize) -> Said {
        let e = &self.events[i];
        let after = self.stderr_after(i);
        let mention = e.path.as_deref().and_then(|path| {
            match (self.output_words.mention(path), mention_in(&after, path)) {
                (Some(Mention::Path), _) | (_, Some(Mention::Path)) => Some(Mention::Path),
                (a, b) => a.or(b),
            }
        });
        let errno = e.errno.as_deref().is_some_and(|errno| {
            self.errnos_said.contains(errno)
                || errno_description(errno).is_some_and(|t| contains_ignore_case(&after, t))
        });
        Said {
            wrote_after: !after.trim().is_empty(),
            mention,
            errno,
        }
    }

    pub fn children_alive(&self) -> bool {
        self.obs
            .trace
            .end
            .as_ref()
            .is_some_and(|e| !e.alive.is_empty())
    }
}

/// What makes two calls the same attempt: the call, its outcome (errno, DNS answer code) and
/// its target (path, address and port, DNS query). Not the process: a retry loop in a shell
/// runs a new `nc` each time.
#[derive(PartialEq, Eq, Hash)]
struct Attempt<'a> {
    syscall: Option<&'a str>,
    errno: Option<&'a str>,
    rcode: Option<&'a str>,
    path: Option<&'a str>,
    addr: Option<&'a str>,
    port: Option<u16>,
    query: Option<&'a str>,
}

impl<'a> Attempt<'a> {
    fn of(e: &'a Event) -> Attempt<'a> {
        Attempt {
            syscall: e.syscall.as_deref(),
            errno: e.errno.as_deref(),
            rcode: e.rcode.as_deref(),
            path: e.path.as_deref(),
            addr: e.addr.as_deref(),
            port: e.port,
            query: e.query.as_deref(),
        }
    }
}

/// A call that sends a signal to a process it names (`kill`, `tkill`, `tgkill`).
fn is_kill_call(e: &Event) -> bool {
    e.kind == EventKind::Syscall
        && e.syscall
            .as_deref()
            .is_some_and(|s| matches!(s, "kill" | "tkill" | "tgkill"))
}

/// The process a kill call signals, when it names one (not a group, not every process).
pub fn kill_target(e: &Event) -> Option<i32> {
    e.target.filter(|&t| t > 0 && is_kill_call(e))
}

pub fn is_stderr_write(e: &Event) -> bool {
    is_write_to(e, 2)
}

fn is_write_to(e: &Event, fd: i32) -> bool {
    e.fd == Some(fd)
        && e.syscall
            .as_deref()
            .is_some_and(|s| matches!(s, "write" | "writev" | "pwrite64"))
}

/// The exit code an event reports: an exit event's, or an `exit_group(N)` call's argument.
pub fn exit_code(e: &Event) -> Option<i32> {
    if e.code.is_some() {
        return e.code;
    }
    let name = e.syscall.as_deref()?;
    if !matches!(name, "exit_group" | "exit") {
        return None;
    }
    let args = e.call.strip_prefix(name)?.strip_prefix('(')?;
    args.split(')').next()?.trim().parse().ok()
}

/// The family of calls whose success cancels an earlier failure on the same target.
fn family(syscall: &str) -> &str {
    match syscall {
        "execve" | "execveat" => "exec",
        "open" | "openat" | "openat2" | "creat" => "open",
        "stat" | "lstat" | "newfstatat" | "fstatat64" | "statx" | "access" | "faccessat"
        | "faccessat2" => "stat",
        "connect" | "sendto" | "sendmsg" | "sendmmsg" => "connect",
        other => other,
    }
}

/// Per event: a failure that matches a noise pattern (a probe).
fn noise_flags(events: &[Event], noise: &[Noise]) -> Vec<bool> {
    let empty = Vars::new();
    events
        .iter()
        .map(|e| {
            e.errno.is_some()
                && noise
                    .iter()
                    .any(|n| event_matches(&n.call, e, &empty).is_some())
        })
        .collect()
}

/// Event indices by system call name, by errno, and of each process's writes to fd 2, in order.
#[derive(Default)]
struct Index<'a> {
    by_syscall: HashMap<&'a str, Vec<usize>>,
    by_errno: HashMap<&'a str, Vec<usize>>,
    stderr_writes: HashMap<i32, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(events: &'a [Event]) -> Index<'a> {
        let mut index = Index::default();
        for (i, e) in events.iter().enumerate() {
            if let Some(name) = e.syscall.as_deref() {
                index.by_syscall.entry(name).or_default().push(i);
            }
            if let Some(errno) = e.errno.as_deref() {
                index.by_errno.entry(errno).or_default().push(i);
            }
            if is_stderr_write(e) {
                index.stderr_writes.entry(e.pid).or_default().push(i);
            }
        }
        index
    }
}

/// What the successful calls say about the others.
struct Answered<'a> {
    /// Per event: a failure cancelled by a later success: the same family of call on the same
    /// path (any process), or, in the same process, on the same file name elsewhere (a search
    /// along `PATH` or a list of config directories) or the same port (a retry on another
    /// address).
    recovered: Vec<bool>,
    /// The paths of calls that did not succeed, on which some other call did.
    seen_paths: HashSet<&'a str>,
}

/// Finds what [`Answered`] holds. Successes are most of a big trace and failures few, so the
/// failures' targets are indexed and each success only looks itself up there (once by path,
/// once by name): a small table that stays in the cache, where indexing every success would not.
fn answered(events: &[Event]) -> Answered<'_> {
    let mut by_path: HashMap<&str, Target<'_>> = HashMap::default();
    // The latest success on each file name or port a failure names, in its process.
    let mut by_name: HashMap<(i32, &str, &str), Option<usize>> = HashMap::default();
    let mut by_port: HashMap<(i32, &str, u16), Option<usize>> = HashMap::default();
    let mut failures = Vec::new();
    for (i, e) in events.iter().enumerate().filter(|(_, e)| !succeeded(e)) {
        let path = e.path.as_deref();
        let target = path.map(|p| by_path.entry(p).or_default());
        let (Some(sc), Some(_)) = (e.syscall.as_deref(), &e.errno) else {
            continue;
        };
        failures.push(i);
        let fam = family(sc);
        if let (Some(target), Some(p)) = (target, path) {
            if !target.latest.iter().any(|(f, _)| *f == fam) {
                target.latest.push((fam, None));
            }
            by_name.insert((e.pid, fam, basename(p)), None);
        }
        if let Some(port) = e.port {
            by_port.insert((e.pid, fam, port), None);
        }
    }
    for (j, e) in events.iter().enumerate().filter(|(_, e)| succeeded(e)) {
        let fam = e.syscall.as_deref().map(family);
        let path = e.path.as_deref();
        if let Some(target) = path.and_then(|p| by_path.get_mut(p)) {
            target.seen = true;
            for (failed, latest) in &mut target.latest {
                // Opening a file proves it exists: that answers a failed stat too.
                if Some(*failed) == fam || (*failed == "stat" && fam == Some("open")) {
                    *latest = Some(j);
                }
            }
        }
        let Some(fam) = fam else {
            continue;
        };
        if let Some(p) = path.filter(|_| !by_name.is_empty()) {
            if let Some(latest) = by_name.get_mut(&(e.pid, fam, basename(p))) {
                *latest = Some(j);
            }
        }
        if let Some(port) = e.port.filter(|_| !by_port.is_empty()) {
            if let Some(latest) = by_port.get_mut(&(e.pid, fam, port)) {
                *latest = Some(j);
            }
        }
    }
    let mut recovered = vec![false; events.len()];
    for i in failures {
        let e = &events[i];
        let fam = family(e.syscall.as_deref().unwrap_or_default());
        let later = |latest: Option<usize>| latest > Some(i);
        let path = e.path.as_deref();
        recovered[i] = path.and_then(|p| by_path.get(p)).is_some_and(|t| {
            t.latest
                .iter()
                .any(|&(failed, latest)| failed == fam && later(latest))
        }) || path
            .is_some_and(|p| later(by_name.get(&(e.pid, fam, basename(p))).copied().flatten()))
            || e.port
                .is_some_and(|port| later(by_port.get(&(e.pid, fam, port)).copied().flatten()));
    }
    let seen_paths = by_path
        .into_iter()
        .filter(|(_, t)| t.seen)
        .map(|(p, _)| p)
        .collect();
    Answered {
        recovered,
        seen_paths,
    }
}

/// A path some call that did not succeed named.
#[derive(Default)]
struct Target<'a> {
    /// Some call succeeded on it.
    seen: bool,
    /// Per family of call that failed on it: the latest success of that family on it.
    latest: Vec<(&'a str, Option<usize>)>,
}

/// Whether a call succeeded (it returned, without an error).
fn succeeded(e: &Event) -> bool {
    e.errno.is_none() && e.ret.is_some()
}

/// How a text names a path: in full, or by a file name distinctive enough not to be an
/// ordinary word (`config.yml`, `libpq.so.5`, `docker-entrypoint`, not `exec` or `data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mention {
    Path,
    Name,
}

/// What the program's stderr says about one event.
#[derive(Debug, Clone, Copy)]
pub struct Said {
    /// The process wrote to stderr after the event.
    pub wrote_after: bool,
    /// How it names the event's path.
    pub mention: Option<Mention>,
    /// It contains the text of the event's errno (`Permission denied`).
    pub errno: bool,
}

/// How a short text names a path (see [`Words::mention`]), without building an index.
fn mention_in(text: &str, path: &str) -> Option<Mention> {
    if text.contains(path) {
        return Some(Mention::Path);
    }
    let name = basename(path);
    if !is_distinctive(name) {
        return None;
    }
    let is_path_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-');
    text.match_indices(name)
        .any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_path_char) && !after.is_some_and(is_path_char)
        })
        .then_some(Mention::Name)
}

/// A file name unlikely to be an ordinary word.
fn is_distinctive(name: &str) -> bool {
    (name.contains('.') && name.len() >= 5) || name.len() >= 10
}

/// The path-like words of a text (split at anything a path rarely holds: spaces, quotes,
/// colons, brackets), and their file names, for looking paths up in it.
#[derive(Debug, Default)]
struct Words {
    paths: HashSet<String>,
    names: HashSet<String>,
}

impl Words {
    fn new(text: &str) -> Words {
        let is_path_char = |c: char| {
            c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | '@' | '~' | '%')
        };
        let mut words = Words::default();
        for word in text
            .split(|c: char| !is_path_char(c))
            .filter(|w| !w.is_empty())
        {
            let word = word.trim_end_matches('.');
            words.names.insert(basename(word).to_string());
            words.paths.insert(word.to_string());
            // `/var/run/app` names `/run/app` too: a path made absolute from the working
            // directory has its links resolved (`/var/run` is a link to `/run`). A tail of one
            // component is only a file name.
            let tails = word.match_indices('/').map(|(at, _)| &word[at..]).skip(1);
            for tail in tails.filter(|t| t[1..].contains('/')) {
                words.paths.insert(tail.to_string());
            }
        }
        words
    }

    fn mention(&self, path: &str) -> Option<Mention> {
        if self.paths.contains(path) {
            return Some(Mention::Path);
        }
        let name = basename(path);
        (is_distinctive(name) && self.names.contains(name)).then_some(Mention::Name)
    }
}

fn contains_ignore_case(text: &str, needle: &str) -> bool {
    !text.is_empty() && text.to_lowercase().contains(&needle.to_lowercase())
}

/// Whether `e` is the call that created process `pid` (its return value in the creator).
fn creates(e: &Event, pid: i32) -> bool {
    e.ret == Some(i64::from(pid))
        && matches!(
            e.syscall.as_deref(),
            Some("clone" | "clone3" | "fork" | "vfork")
        )
}

/// An argument vector as a shell would take it back: `sh -c 'kill $$'`.
pub fn command_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// The main process, plus children that died the way the main process did (the shell's child
/// whose exit status the shell passed on).
fn decisive_pids(obs: &Observation, exit: &Exit, main_pid: Option<i32>) -> HashSet<i32> {
    let mut out: HashSet<i32> = main_pid.into_iter().collect();
    let mut ends: HashMap<i32, (Option<i32>, Option<&str>)> = HashMap::default();
    for e in &obs.trace.events {
        match e.kind {
            EventKind::Exit | EventKind::Syscall if exit_code(e).is_some() => {
                ends.insert(e.pid, (exit_code(e), None));
            }
            EventKind::Killed => {
                ends.insert(e.pid, (None, e.signal.as_deref()));
            }
            _ => {}
        }
    }
    let main_end = (exit.code, exit.signal.as_deref());
    if main_end.0.is_some_and(|c| c != 0) || main_end.1.is_some() {
        // A shell passes a child's death by signal N on as exit status 128 + N.
        let passed_on = |signal: Option<&str>| {
            signal
                .and_then(signal_number)
                .is_some_and(|n| main_end.0 == Some(128 + n))
        };
        out.extend(
            ends.iter()
                .filter(|(_, end)| {
                    **end == main_end
                        || (end.0.is_some() && end.0 == main_end.0)
                        || passed_on(end.1)
                })
                .map(|(pid, _)| *pid),
        );
    }
    out
}

fn errnos_said<'a>(by_errno: &HashMap<&'a str, Vec<usize>>, lines: &[String]) -> HashSet<&'a str> {
    let text = lines.join("\n").to_lowercase();
    by_errno
        .keys()
        .filter(|name| errno_description(name).is_some_and(|t| text.contains(&t.to_lowercase())))
        .copied()
        .collect()
}

/// The producer's exit facts, or, when it knows neither a code nor a signal, the main process's
/// last exit or death in the trace.
fn completed_exit(obs: &Observation, main_pid: Option<i32>) -> Exit {
    let mut exit = obs.exit.clone();
    if exit.code.is_some() || exit.signal.is_some() || obs.outcome != Outcome::Exited {
        return exit;
    }
    let last = obs
        .trace
        .events
        .iter()
        .rev()
        .filter(|e| Some(e.pid) == main_pid)
        .find(|e| e.kind == EventKind::Killed || exit_code(e).is_some());
    if let Some(e) = last {
        match e.kind {
            EventKind::Killed => exit.signal = e.signal.clone(),
            _ => exit.code = exit_code(e),
        }
    }
    exit
}

fn signal_number(name: &str) -> Option<i32> {
    name.parse::<nix::sys::signal::Signal>()
        .ok()
        .map(|s| s as i32)
}

/// A stream as lines: the tail the producer collected, else the trace's writes to its fd.
fn output_lines(obs: &Observation, tail: &[String], fd: i32) -> Vec<String> {
    let source: Vec<String> = if tail.is_empty() {
        obs.trace
            .events
            .iter()
            .filter(|e| is_write_to(e, fd))
            .filter_map(|e| e.data.clone())
            .collect()
    } else {
        tail.to_vec()
    };
    // Only the end matters, and a strace log may hold millions of writes.
    const MAX_LINES: usize = 200;
    let start = source.len().saturating_sub(MAX_LINES);
    let text = source[start..].join("\n");
    let lines: Vec<String> = text
        .split('\n')
        .flat_map(|l| l.split("\\n"))
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(MAX_LINES)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_said_through_a_link_names_its_resolved_tail() {
        let words =
            Words::new("mkdir: cannot create directory '/var/run/apache2': Permission denied");
        assert_eq!(words.mention("/var/run/apache2"), Some(Mention::Path));
        assert_eq!(words.mention("/run/apache2"), Some(Mention::Path));
        // One component is only a file name, and this one is too plain to count.
        assert_eq!(words.mention("/apache2"), None);
        assert_eq!(words.mention("/srv/apache2"), None);
    }
}
