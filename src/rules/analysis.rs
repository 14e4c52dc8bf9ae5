//! Facts about a trace that every rule needs: which failures are probes (noise), which were
//! recovered from, which processes decide the exit, and what was written to stderr.

use std::collections::{HashMap, HashSet};

use super::matcher::event_matches;
use super::pattern::Vars;
use super::spec::Noise;
use super::Observation;
use crate::report::{Exit, Outcome};
use crate::trace::{Event, EventKind};

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
    /// How the main process ended: the producer's facts, completed from the trace when they
    /// are missing (a strace log recorded with `-qq` has no `+++ exited` line, only the
    /// `exit_group(N)` call).
    pub exit: Exit,
}

impl<'a> Analysis<'a> {
    pub fn new(obs: &'a Observation, noise: &[Noise]) -> Analysis<'a> {
        let events = obs.trace.events.as_slice();
        let empty = Vars::new();
        let noise_flags: Vec<bool> = events
            .iter()
            .map(|e| {
                e.errno.is_some()
                    && noise
                        .iter()
                        .any(|n| event_matches(&n.call, e, &empty).is_some())
            })
            .collect();
        let main_pid = obs.trace.main_pid();
        let exit = completed_exit(obs, main_pid);
        Analysis {
            obs,
            events,
            recovered: recovered_failures(events),
            decisive: decisive_pids(obs, &exit, main_pid),
            main_pid,
            stderr_lines: stderr_lines(obs),
            noise: noise_flags,
            exit,
        }
    }

    /// A failure worth blaming: failed, not a probe, not recovered from.
    pub fn is_open_failure(&self, i: usize) -> bool {
        self.events[i].errno.is_some() && !self.noise[i] && !self.recovered[i]
    }

    /// Whether any failure worth blaming exists.
    pub fn has_open_failures(&self) -> bool {
        (0..self.events.len()).any(|i| self.is_open_failure(i))
    }

    /// The last failures worth blaming, oldest first.
    pub fn last_open_failures(&self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.events.len())
            .rev()
            .filter(|&i| self.is_open_failure(i))
            .take(n)
            .collect();
        v.reverse();
        v
    }

    /// The text written to fd 2 by `pid` after event `i`.
    pub fn stderr_after(&self, i: usize) -> String {
        let pid = self.events[i].pid;
        self.events[i + 1..]
            .iter()
            .filter(|e| e.pid == pid && is_stderr_write(e))
            .filter_map(|e| e.data.as_deref())
            .collect::<Vec<_>>()
            .join("")
    }

    /// Whether event `i` is the last failure worth blaming in its process.
    pub fn is_last_failure_of_pid(&self, i: usize) -> bool {
        let pid = self.events[i].pid;
        !(i + 1..self.events.len()).any(|j| self.events[j].pid == pid && self.is_open_failure(j))
    }

    /// Whether another call in the trace succeeded on event `i`'s path.
    pub fn path_seen(&self, i: usize) -> bool {
        let Some(path) = self.events[i].path.as_deref() else {
            return false;
        };
        self.events
            .iter()
            .any(|e| e.errno.is_none() && e.ret.is_some() && e.path.as_deref() == Some(path))
    }

    /// Whether stderr names event `i`'s path or its file name.
    pub fn mentioned(&self, i: usize) -> bool {
        let Some(path) = self.events[i].path.as_deref() else {
            return false;
        };
        let said = |l: &str| mention(l, path).is_some();
        self.stderr_lines.iter().any(|l| said(l)) || said(&self.stderr_after(i))
    }

    pub fn children_alive(&self) -> bool {
        self.obs
            .trace
            .end
            .as_ref()
            .is_some_and(|e| !e.alive.is_empty())
    }
}

pub fn is_stderr_write(e: &Event) -> bool {
    e.fd == Some(2)
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
        "connect" | "sendto" | "sendmsg" => "connect",
        other => other,
    }
}

/// Marks failures cancelled by a later success: the same family of call on the same path (any
/// process), or, in the same process, on the same file name elsewhere (a search along `PATH` or
/// a list of config directories) or the same port (a retry on another address).
fn recovered_failures(events: &[Event]) -> Vec<bool> {
    let mut by_path: HashSet<(&str, &str)> = HashSet::new();
    let mut by_name: HashSet<(i32, &str, &str)> = HashSet::new();
    let mut by_port: HashSet<(i32, &str, u16)> = HashSet::new();
    let mut out = vec![false; events.len()];
    for (i, e) in events.iter().enumerate().rev() {
        let Some(sc) = e.syscall.as_deref() else {
            continue;
        };
        let fam = family(sc);
        let path = e.path.as_deref();
        let name = path.map(basename);
        if e.errno.is_none() && e.ret.is_some() {
            if let Some(p) = path {
                by_path.insert((fam, p));
                // Opening a file proves it exists: that cancels a failed stat too.
                if fam == "open" {
                    by_path.insert(("stat", p));
                }
            }
            if let Some(n) = name {
                by_name.insert((e.pid, fam, n));
            }
            if let Some(port) = e.port {
                by_port.insert((e.pid, fam, port));
            }
            continue;
        }
        if e.errno.is_some() {
            out[i] = path.is_some_and(|p| by_path.contains(&(fam, p)))
                || name.is_some_and(|n| by_name.contains(&(e.pid, fam, n)))
                || e.port.is_some_and(|p| by_port.contains(&(e.pid, fam, p)));
        }
    }
    out
}

/// How a text names a path: in full, or by a file name distinctive enough not to be an
/// ordinary word (`config.yml`, `libpq.so.5`, `docker-entrypoint`, not `exec` or `data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mention {
    Path,
    Name,
}

pub fn mention(text: &str, path: &str) -> Option<Mention> {
    if text.contains(path) {
        return Some(Mention::Path);
    }
    let name = basename(path);
    let distinctive = (name.contains('.') && name.len() >= 5) || name.len() >= 10;
    if !distinctive {
        return None;
    }
    let is_word_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(name)
        .any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
        })
        .then_some(Mention::Name)
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
    let mut ends: HashMap<i32, (Option<i32>, Option<&str>)> = HashMap::new();
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

/// stderr as lines: the tail the producer collected, else the trace's writes to fd 2.
fn stderr_lines(obs: &Observation) -> Vec<String> {
    let source: Vec<String> = if obs.stderr_tail.is_empty() {
        obs.trace
            .events
            .iter()
            .filter(|e| is_stderr_write(e))
            .filter_map(|e| e.data.clone())
            .collect()
    } else {
        obs.stderr_tail.clone()
    };
    let text = source.join("\n");
    text.split('\n')
        .flat_map(|l| l.split("\\n"))
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.trim().is_empty())
        .collect()
}
