//! The reader's state across lines: which process a line belongs to, the halves of interrupted
//! calls, each process's working directory, the clock, the output tails, and at the end the
//! [`End`] of the main process.

use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};

use anyhow::bail;

use super::decode::{self, Context};
use super::prefix::{self, Decorations, Stamp};
use super::syntax::{self, Body, NotACall, Outcome};
use super::{StraceLog, TAIL_LINES};
use crate::trace::{names, End, Event, EventKind, ExitFacts, Header, Trace, EVENTS_SCHEMA};

/// How many physical lines a wrapped call may span.
const MAX_WRAPPED: usize = 8;
/// The longest tail line kept, in bytes.
const MAX_TAIL_LINE: usize = 1000;

/// Pids are small integers chosen by the kernel, not by an attacker who could flood one bucket:
/// a multiplicative hash is enough and several times faster than SipHash, on every line.
type PidMap<V> = rustc_hash::FxHashMap<i32, V>;

#[derive(Debug, Default)]
struct Proc {
    cwd: Option<String>,
    thread: bool,
    exited: bool,
    exit_seq: Option<u64>,
    events: u64,
    /// Where its events start and end in the log.
    first_seq: Option<u64>,
    last_seq: u64,
    /// A fork, vfork or clone returned its pid.
    spawned: bool,
    /// The first half of a call that printed `<unfinished ...>`.
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    name: String,
    args: String,
    time_us: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Reader {
    /// The events kept (routine calls are only counted: see [`decode::is_routine`]).
    events: Vec<Event>,
    /// Events read, kept or not: the next event's `seq`.
    seen: u64,
    /// The process of the first event.
    first_pid: Option<i32>,
    /// The latest time of any event.
    last_time: Option<u64>,
    procs: PidMap<Proc>,
    /// The processes that have not ended and are not threads, lowest pid first.
    live: BTreeSet<i32>,
    /// The process undecorated lines belong to.
    implicit: Option<i32>,
    /// The pid named by the last `==> file.PID <==` header.
    file_pid: Option<i32>,
    /// Placeholder pids (negative) stand for processes the log has not named yet.
    placeholders: i32,
    /// The first placeholder, until the log names its process.
    unresolved: Option<i32>,
    alias: PidMap<i32>,
    /// The log is per-process files one after the other: line order is not time order.
    segmented: bool,
    clock: Clock,
    stdout: Tail,
    stderr: Tail,
    uid: Option<u32>,
    gid: Option<u32>,
    secrets: Vec<String>,
    lines: u64,
    skipped: u64,
}

impl Reader {
    pub fn read(mut self, input: &[u8]) -> anyhow::Result<StraceLog> {
        // Real logs run about a hundred bytes a line.
        self.events.reserve(input.len() / 96);
        let mut lines = Lines::new(input);
        while let Some(text) = lines.next() {
            self.lines += 1;
            self.physical_line(&text, &mut lines);
        }
        if self.seen == 0 {
            if input.iter().all(u8::is_ascii_whitespace) {
                bail!("the input is empty");
            }
            bail!(
                "none of its {} lines is strace output (expected lines like `openat(AT_FDCWD, \"/etc/app.conf\", O_RDONLY) = 3`)",
                self.lines
            );
        }
        Ok(self.finish())
    }

    fn physical_line(&mut self, text: &str, lines: &mut Lines<'_>) {
        if let Some(name) = file_header(text) {
            self.file_pid = name.rsplit_once('.').and_then(|(_, pid)| pid.parse().ok());
            self.segmented = true;
            return;
        }
        let (deco, body) = prefix::strip(text);
        match syntax::parse_body(body) {
            Ok(body) => self.line(deco, body),
            Err(NotACall::Foreign) => self.skipped += 1,
            Err(NotACall::Incomplete) => {
                let text = without_strace_notice(text);
                if !self.join_wrapped(&text, lines) {
                    self.skipped += 1;
                }
            }
        }
    }

    /// A call cut over several lines by a ticket system or an email client: joins the lines that
    /// follow until the call is complete. Returns whether it was.
    fn join_wrapped(&mut self, first: &str, lines: &mut Lines<'_>) -> bool {
        let mut joined = first.trim_end().to_string();
        let mut ahead = *lines;
        for _ in 0..MAX_WRAPPED {
            let Some(next) = ahead.next() else {
                return false;
            };
            let cont = prefix::unquote(&next).trim_end();
            if cont.is_empty() || starts_new_line(cont) {
                return false;
            }
            // A break after a comma ate the space; a break mid-word ate nothing.
            if joined.ends_with(',') {
                joined.push(' ');
            }
            joined.push_str(cont);
            let (deco, body) = prefix::strip(&joined);
            match syntax::parse_body(body) {
                Ok(body) => {
                    self.lines += ahead.consumed_since(lines);
                    *lines = ahead;
                    self.line(deco, body);
                    return true;
                }
                Err(NotACall::Incomplete) => {}
                Err(NotACall::Foreign) => return false,
            }
        }
        false
    }

    fn line(&mut self, deco: Decorations, body: Body<'_>) {
        let time = self.clock.time(deco.stamp);
        let pid = self.pid_for(deco.pid, &body);
        match body {
            Body::Call { name, args, result } => self.call(pid, time, name, args, result),
            Body::Unfinished { name, args } => {
                self.flush_pending(pid);
                self.proc(pid).pending = Some(Pending {
                    name: name.to_string(),
                    args: args.to_string(),
                    time_us: time,
                });
            }
            Body::Resumed { name, rest, result } => {
                let pending = self.proc(pid).pending.take();
                match pending {
                    Some(first) if first.name == name => {
                        let rest = match first.args.ends_with(' ') {
                            true => rest.strip_prefix(' ').unwrap_or(rest),
                            false => rest,
                        };
                        let args = format!("{}{rest}", first.args);
                        self.call(pid, time.or(first.time_us), name, &args, result);
                    }
                    other => {
                        // The start is not in the log (it began mid-trace) or is another call's.
                        self.proc(pid).pending = other;
                        self.flush_pending(pid);
                        let args = match rest.trim_start() {
                            "" => "...".to_string(),
                            rest => format!("..., {rest}"),
                        };
                        self.call(pid, time, name, &args, result);
                    }
                }
            }
            Body::Signal { name, text } => self.push(Event {
                pid,
                time_us: time,
                kind: EventKind::Signal,
                call: text.to_string(),
                signal: Some(name.to_string()),
                ..Event::default()
            }),
            Body::Exited { code, text } => self.end_of(pid, time, text, Some(code), None),
            Body::Killed { signal, text } => {
                self.end_of(pid, time, text, None, Some(signal.to_string()))
            }
        }
    }

    fn end_of(
        &mut self,
        pid: i32,
        time: Option<u64>,
        text: &str,
        code: Option<i32>,
        signal: Option<String>,
    ) {
        self.flush_pending(pid);
        let seq = self.seen;
        let proc = self.proc(pid);
        proc.exited = true;
        proc.exit_seq.get_or_insert(seq);
        self.live.remove(&pid);
        let kind = match signal {
            Some(_) => EventKind::Killed,
            None => EventKind::Exit,
        };
        self.push(Event {
            pid,
            time_us: time,
            kind,
            call: text.to_string(),
            signal,
            code,
            ..Event::default()
        });
    }

    /// A call whose second half never came (the process died in it, or the log ends): recorded
    /// without a result.
    fn flush_pending(&mut self, pid: i32) {
        if let Some(p) = self.procs.get_mut(&pid).and_then(|p| p.pending.take()) {
            let result = Outcome {
                text: "?",
                ret: None,
                errno: None,
            };
            self.call(pid, p.time_us, &p.name, &p.args, result);
        }
    }

    fn call(&mut self, pid: i32, time: Option<u64>, name: &str, args: &str, result: Outcome<'_>) {
        let args = decode::without_program_output(name, args);
        let succeeded = result.errno.is_none() && result.ret.is_some();
        if succeeded && decode::is_routine(name, args) && !self.is_new(pid) {
            self.tally(pid, time);
            return;
        }
        let mut ev = Event {
            pid,
            time_us: time,
            kind: EventKind::Syscall,
            ret: result.ret,
            errno: result.errno.map(names::name),
            ..Event::default()
        };
        let cwd = self.procs.get(&pid).and_then(|p| p.cwd.as_deref());
        decode::fill(&mut ev, name, args, &Context { cwd });
        self.effects(&ev, name, args);
        if let Some(data) = &ev.data {
            match ev.fd {
                Some(1) => self.stdout.write(data),
                Some(2) => self.stderr.write(data),
                _ => {}
            }
        }
        // The texts are built only for the events kept.
        let mut call = String::with_capacity(name.len() + args.len() + result.text.len() + 5);
        call.push_str(name);
        call.push('(');
        call.push_str(args);
        call.push_str(") = ");
        call.push_str(result.text);
        ev.call = call;
        ev.syscall = Some(names::name(name));
        self.push(ev);
    }

    /// What a call changes in the reader's picture of the processes.
    fn effects(&mut self, ev: &Event, name: &str, args: &str) {
        let Some(ret) = ev.ret.filter(|r| *r >= 0) else {
            return;
        };
        let pid = ev.pid;
        if ev.argv.is_some() {
            for secret in decode::secret_env_values(name, args) {
                if !self.secrets.contains(&secret) {
                    self.secrets.push(secret);
                }
            }
        }
        match name {
            "chdir" | "fchdir" | "getcwd" => {
                if let Some(dir) = ev.path.as_ref().filter(|p| p.starts_with('/')) {
                    self.proc(pid).cwd = Some(dir.clone());
                }
            }
            "wait4" | "waitpid" if ret > 0 => self.proc(ret as i32).spawned = true,
            "clone" | "clone3" | "fork" | "vfork" if ret > 0 => {
                let child = ret as i32;
                let cwd = self.proc(pid).cwd.clone();
                let proc = self.proc(child);
                proc.spawned = true;
                proc.thread = args.contains("CLONE_THREAD");
                if proc.cwd.is_none() {
                    proc.cwd = cwd;
                }
                if proc.thread {
                    self.live.remove(&child);
                }
            }
            "getpid" if pid < 0 && ret > 0 => self.resolve(pid, ret as i32),
            "getuid" | "geteuid" if self.is_first(pid) => {
                self.uid = self.uid.or(u32::try_from(ret).ok())
            }
            "getgid" | "getegid" if self.is_first(pid) => {
                self.gid = self.gid.or(u32::try_from(ret).ok())
            }
            _ => {}
        }
    }

    fn is_first(&self, pid: i32) -> bool {
        self.first_pid.is_none_or(|first| first == pid)
    }

    /// Whether `pid` has no event yet: its first is always kept, so that the order in which
    /// the processes appear (which names the main one) survives.
    fn is_new(&self, pid: i32) -> bool {
        let pid = self.alias.get(&pid).copied().unwrap_or(pid);
        self.procs.get(&pid).is_none_or(|p| p.events == 0)
    }

    fn push(&mut self, mut ev: Event) {
        (ev.pid, ev.seq) = self.tally(ev.pid, ev.time_us);
        self.events.push(ev);
    }

    /// Counts an event, kept or not: its process, its place in the log, the clock. Returns the
    /// event's process and number.
    fn tally(&mut self, mut pid: i32, time: Option<u64>) -> (i32, u64) {
        if !self.alias.is_empty() {
            if let Some(named) = self.alias.get(&pid) {
                pid = *named; // the call itself named its process (getpid)
            }
        }
        let seq = self.seen;
        self.seen += 1;
        self.first_pid.get_or_insert(pid);
        self.last_time = self.last_time.max(time);
        let proc = self.proc(pid);
        proc.events += 1;
        proc.first_seq.get_or_insert(seq);
        proc.last_seq = seq;
        (pid, seq)
    }

    fn proc(&mut self, pid: i32) -> &mut Proc {
        let live = &mut self.live;
        self.procs.entry(pid).or_insert_with(|| {
            live.insert(pid);
            Proc::default()
        })
    }

    /// The pid of a line: the one it names, else the process strace was following alone.
    fn pid_for(&mut self, named: Option<i32>, body: &Body<'_>) -> i32 {
        if let Some(pid) = named {
            if !self.procs.contains_key(&pid) {
                if self.resumes_unresolved(body) {
                    let placeholder = self.unresolved.take().unwrap_or(pid);
                    self.resolve(placeholder, pid);
                }
                self.proc(pid);
            }
            return pid;
        }
        if let Some(pid) = self.file_pid {
            self.proc(pid);
            return pid;
        }
        if let Some(pid) = self.implicit.filter(|p| !self.procs[p].exited) {
            return pid;
        }
        // The process that had the log to itself ended: the one left carries on.
        let next = self.live.first().copied();
        let pid = match next {
            Some(pid) => {
                // Its lines were never seen next to its parent's: per-process files, concatenated.
                if self.procs[&pid].events == 0 {
                    self.segmented = true;
                }
                pid
            }
            None => {
                self.placeholders -= 1;
                let pid = self.placeholders;
                if pid == -1 {
                    self.unresolved = Some(pid);
                }
                self.proc(pid);
                pid
            }
        };
        self.implicit = Some(pid);
        pid
    }

    /// Whether a line naming a pid never seen resumes the call the first placeholder's process
    /// left unfinished: then it is that process, now named. (strace prefixes every line once a
    /// second process exists, the first one's included; the second one's lines can come first,
    /// while the first is inside fork or wait.)
    fn resumes_unresolved(&self, body: &Body<'_>) -> bool {
        let Some(proc) = self.unresolved.and_then(|p| self.procs.get(&p)) else {
            return false;
        };
        match (&proc.pending, body) {
            (Some(p), Body::Resumed { name, .. }) => !proc.exited && p.name == *name,
            _ => false,
        }
    }

    /// Names the first placeholder's process after the fact: the one named process that could
    /// be it, i.e. that no fork returned, that did not end before the placeholder's last line,
    /// and before whose first line the placeholder did not end. The earliest seen, if several.
    fn resolve_by_lifetime(&mut self) {
        let Some(placeholder) = self.unresolved else {
            return;
        };
        let Some(ph) = self.procs.get(&placeholder) else {
            return;
        };
        let ph_end = ph.exit_seq.unwrap_or(u64::MAX);
        let ph_last = ph.last_seq;
        let candidate = self
            .procs
            .iter()
            .filter(|(pid, p)| **pid > 0 && !p.spawned && !p.thread)
            .filter_map(|(pid, p)| Some((p.first_seq?, p.exit_seq.unwrap_or(u64::MAX), *pid)))
            .filter(|&(first, end, _)| end >= ph_last && ph_end >= first)
            .min();
        if let Some((_, _, pid)) = candidate {
            self.resolve(placeholder, pid);
        }
    }

    /// The placeholder `from` is the process `to`.
    fn resolve(&mut self, from: i32, to: i32) {
        if from == to {
            return;
        }
        if let Some(old) = self.procs.remove(&from) {
            let new = self.proc(to);
            new.cwd = new.cwd.take().or(old.cwd);
            new.pending = new.pending.take().or(old.pending);
            new.exited |= old.exited;
            new.events += old.events;
            new.first_seq = new
                .first_seq
                .min(old.first_seq)
                .or(new.first_seq.or(old.first_seq));
            new.last_seq = new.last_seq.max(old.last_seq);
            new.exit_seq = new.exit_seq.max(old.exit_seq);
            let gone = new.exited || new.thread;
            self.live.remove(&from);
            if gone {
                self.live.remove(&to);
            }
        }
        self.alias.insert(from, to);
        if self.implicit == Some(from) {
            self.implicit = Some(to);
        }
        if self.unresolved == Some(from) {
            self.unresolved = None;
        }
    }

    fn finish(mut self) -> StraceLog {
        let open: Vec<i32> = self
            .procs
            .iter()
            .filter(|(_, p)| p.pending.is_some())
            .map(|(pid, _)| *pid)
            .collect();
        for pid in open {
            self.flush_pending(pid);
        }
        self.resolve_by_lifetime();
        self.name_placeholders();
        crate::trace::deferred::fold_deferred_connects(&mut self.events);
        let stdout_tail = std::mem::take(&mut self.stdout).finish();
        let stderr_tail = std::mem::take(&mut self.stderr).finish();
        let main = self.main_pid();
        let end = self.end(main, &stdout_tail, &stderr_tail);
        let argv = self
            .events
            .iter()
            .find(|e| e.pid == main && e.syscall.as_deref() == Some("execve"))
            .and_then(|e| e.argv.clone())
            .unwrap_or_default();
        let header = Header {
            schema: EVENTS_SCHEMA.to_string(),
            tool_version: format!(
                "strace log, read by docker-diagnose {}",
                env!("CARGO_PKG_VERSION")
            ),
            argv,
            main_pid: main,
            // strace stops on every call unless the log was filtered with -e.
            full: true,
            uid: self.uid,
            gid: self.gid,
        };
        StraceLog {
            trace: Trace {
                header: Some(header),
                omitted: self.seen - self.events.len() as u64,
                events: self.events,
                end,
            },
            stdout_tail,
            stderr_tail,
            skipped_lines: self.skipped,
            duration_ms: self.last_time.unwrap_or(0) / 1000,
            secrets: self.secrets,
        }
    }

    /// The process whose end decides: the first seen that no other process forked or reaped (a
    /// log that starts mid-trace can show a child first).
    fn main_pid(&self) -> i32 {
        self.events
            .iter()
            .map(|e| e.pid)
            .find(|pid| self.procs.get(pid).is_some_and(|p| !p.spawned && !p.thread))
            .unwrap_or(self.events[0].pid)
    }

    /// Gives the processes the log never named a pid: 1 if free (the program's pid in a
    /// container), else the next number after the highest pid seen.
    fn name_placeholders(&mut self) {
        let mut unnamed: Vec<i32> = self.procs.keys().copied().filter(|p| *p < 0).collect();
        unnamed.sort_unstable_by(|a, b| b.cmp(a));
        let mut highest = self.procs.keys().copied().max().unwrap_or(0).max(1);
        for placeholder in unnamed {
            let pid = if self.procs.contains_key(&1) {
                highest = highest.saturating_add(1);
                highest
            } else {
                1
            };
            self.resolve(placeholder, pid);
        }
        if self.alias.is_empty() {
            return;
        }
        for ev in &mut self.events {
            if let Some(pid) = self.alias.get(&ev.pid) {
                ev.pid = *pid;
            }
        }
    }

    /// The main process's end, when the log shows it.
    fn end(&self, main: i32, stdout_tail: &[String], stderr_tail: &[String]) -> Option<End> {
        let exit = self
            .events
            .iter()
            .find(|e| e.pid == main && matches!(e.kind, EventKind::Exit | EventKind::Killed))?;
        let last_exit: PidMap<&Event> = self
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Exit | EventKind::Killed))
            .map(|e| (e.pid, e))
            .collect();
        let mut alive: Vec<i32> = self
            .procs
            .iter()
            .filter(|(pid, p)| **pid != main && !p.thread)
            .filter(|(pid, _)| match last_exit.get(pid) {
                None => true,
                Some(end) => match (end.time_us, exit.time_us) {
                    (Some(t), Some(main_t)) => t > main_t,
                    _ => !self.segmented && end.seq > exit.seq,
                },
            })
            .map(|(pid, _)| *pid)
            .collect();
        alive.sort_unstable();
        Some(End {
            exit: ExitFacts {
                code: exit.code,
                signal: exit.signal.clone(),
                oom_killed: false,
            },
            events: self.seen,
            dropped: 0,
            processes: self.procs.values().filter(|p| !p.thread).count() as u64,
            alive,
            stdout_tail: stdout_tail.to_vec(),
            stderr_tail: stderr_tail.to_vec(),
            duration_ms: self.last_time.unwrap_or(0) / 1000,
        })
    }
}

/// Whether a continuation candidate is rather a trace line of its own.
fn starts_new_line(text: &str) -> bool {
    let (deco, body) = prefix::strip(text);
    deco.pid.is_some() || deco.stamp.is_some() || syntax::parse_body(body).is_ok()
}

/// Removes the `strace: Process 42 attached` that strace writes into the middle of a line when a
/// fork's child is attached while the parent's call is being printed.
fn without_strace_notice(text: &str) -> Cow<'_, str> {
    const NOTICE: &str = "strace: Process ";
    if let Some(at) = text.find(NOTICE) {
        let rest = &text[at + NOTICE.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &rest[digits..];
        if let Some(after) = rest
            .strip_prefix(" attached")
            .or_else(|| rest.strip_prefix(" detached"))
        {
            return format!("{}{after}", &text[..at]).into();
        }
    }
    text.into()
}

/// `==> trace.1234 <==`, the header `head` and `tail` print between files.
fn file_header(text: &str) -> Option<&str> {
    text.strip_prefix("==> ")?
        .trim_end()
        .strip_suffix(" <==")
        .map(str::trim)
}

/// Physical lines as text, split with memchr, without their `\n` or `\r\n`. Bytes that are not
/// UTF-8 (a path in Latin-1, binary noise) become U+FFFD.
#[derive(Clone, Copy)]
struct Lines<'a> {
    data: &'a [u8],
    /// The whole input, when it is UTF-8 (checked once, not line by line).
    text: Option<&'a str>,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn new(data: &'a [u8]) -> Self {
        Lines {
            data,
            text: std::str::from_utf8(data).ok(),
            pos: 0,
        }
    }

    /// How many lines `self` is past `earlier`.
    fn consumed_since(&self, earlier: &Lines<'_>) -> u64 {
        memchr::memchr_iter(b'\n', &self.data[earlier.pos..self.pos]).count() as u64
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Cow<'a, str>;

    fn next(&mut self) -> Option<Cow<'a, str>> {
        let start = self.pos;
        let rest = self.data.get(start..).filter(|r| !r.is_empty())?;
        let (mut len, used) = match memchr::memchr(b'\n', rest) {
            Some(nl) => (nl, nl + 1),
            None => (rest.len(), rest.len()),
        };
        self.pos += used;
        if rest[..len].ends_with(b"\r") {
            len -= 1;
        }
        Some(match self.text {
            // Cut at ASCII bytes, so at character boundaries.
            Some(text) => Cow::Borrowed(&text[start..start + len]),
            None => String::from_utf8_lossy(&rest[..len]),
        })
    }
}

/// Turns `-t`, `-ttt` and `-r` stamps into microseconds since the log's first line.
#[derive(Debug, Default)]
struct Clock {
    first: Option<u64>,
    relative_total: u64,
}

impl Clock {
    fn time(&mut self, stamp: Option<Stamp>) -> Option<u64> {
        const DAY_US: u64 = 86_400 * 1_000_000;
        match stamp? {
            Stamp::Relative(delta) => {
                self.relative_total = self.relative_total.saturating_add(delta);
                Some(self.relative_total)
            }
            Stamp::Clock(t) => {
                let first = *self.first.get_or_insert(t);
                // A log that runs past midnight starts the clock again.
                Some(match t.checked_sub(first) {
                    Some(since) => since,
                    None => t.saturating_add(DAY_US).saturating_sub(first),
                })
            }
            Stamp::Epoch(t) => {
                let first = *self.first.get_or_insert(t);
                Some(t.saturating_sub(first))
            }
        }
    }
}

/// The last lines written to one stream, rebuilt from the writes.
#[derive(Debug, Default)]
struct Tail {
    lines: VecDeque<String>,
    partial: String,
}

impl Tail {
    fn write(&mut self, data: &str) {
        let mut parts = data.split('\n').peekable();
        while let Some(part) = parts.next() {
            if self.partial.len() < MAX_TAIL_LINE {
                let room = MAX_TAIL_LINE - self.partial.len();
                self.partial.push_str(cut(part, room));
            }
            // strace's `...` closes a cut write: what was cut was almost surely the line's end.
            if parts.peek().is_some() || part.ends_with("...") {
                let line = std::mem::take(&mut self.partial);
                self.push(line);
            }
        }
    }

    fn push(&mut self, line: String) {
        let line = line.trim_end_matches('\r').to_string();
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    fn finish(mut self) -> Vec<String> {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.push(line);
        }
        self.lines.into()
    }
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
