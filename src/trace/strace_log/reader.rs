//! The reader's state across lines: which process a line belongs to, the halves of interrupted
//! calls, each process's working directory, the clock, the output tails, and at the end the
//! [`End`] of the main process. The lines come from [`super::lexer`], on a big log from two
//! more threads.

use std::collections::{BTreeSet, VecDeque};

use anyhow::bail;

use super::decode;
use super::lexer::{self, Batch, Call, Item, Lexer, Parts};
use super::prefix::{self, Decorations, Stamp};
use super::syntax::{self, Body, Outcome};
use super::{StraceLog, TAIL_LINES};
use crate::trace::{End, Event, EventKind, ExitFacts, Header, Trace, EVENTS_SCHEMA};

/// From how many bytes of input the lexer runs on a thread of its own (below, starting one
/// costs more than it saves).
const PIPELINE_FROM: usize = 1 << 20;
/// The bytes of a big log a lexer thread reads at a time and hands to the reader (about a
/// thousand lines).
const PART: usize = 128 << 10;
/// The threads that lex a big log's parts, besides the reader's.
const LEXERS: usize = 2;
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
    /// Where the processes' ends are among the events, so that [`Reader::end`] finds them
    /// without two passes over hundreds of megabytes.
    exits: Vec<usize>,
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
    pub fn read(self, input: &[u8]) -> anyhow::Result<StraceLog> {
        let parts = (input.len() >= PIPELINE_FROM).then_some(PART);
        self.read_lines(input, parts)
    }

    /// Reads the lines on this thread alone, or, with a part size, with [`LEXERS`] threads
    /// lexing parts of that size ahead of it.
    fn read_lines(mut self, input: &[u8], parts: Option<usize>) -> anyhow::Result<StraceLog> {
        // Real logs run about a hundred bytes a line.
        self.events.reserve(input.len() / 96);
        let (lines, skipped) = match parts {
            None => {
                let mut lexer = Lexer::new(input);
                // A line at a time, while it is in the cache: the lexer holds the item's event.
                while let Some(item) = lexer.next() {
                    self.item(item, &mut lexer.events.drain(..));
                }
                (lexer.read, lexer.skipped)
            }
            Some(size) => self.pipelined(input, size),
        };
        (self.lines, self.skipped) = (lines, skipped);
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

    /// Reads a big log with the lexers a few parts ahead, each on a core of its own and taking
    /// the parts in turn: finding, parsing and decoding the lines is about three quarters of
    /// the work, and needs nothing from earlier lines; one lexer alone left the reader waiting
    /// for it. Returns the lexers' line counts.
    fn pipelined(&mut self, input: &[u8], size: usize) -> (u64, u64) {
        let parts = Parts::new(input, size);
        // Room for a part's lines (real logs run 80 bytes a line or more): a growing batch would
        // be copied several times over.
        let lines = size / 64 + 1;
        std::thread::scope(|s| {
            let lanes: Vec<_> = (0..LEXERS)
                .map(|lane| {
                    let (batches, received) = std::sync::mpsc::sync_channel::<Batch<'_>>(2);
                    let lexer = s.spawn(move || {
                        let (mut read, mut skipped) = (0, 0);
                        for k in (lane..parts.len()).step_by(LEXERS) {
                            let mut batch = Batch::with_capacity(lines);
                            let mut lexer = parts.lexer(k);
                            lexer.fill(&mut batch);
                            (read, skipped) = (read + lexer.read, skipped + lexer.skipped);
                            if batches.send(batch).is_err() {
                                break;
                            }
                        }
                        (read, skipped)
                    });
                    (received, lexer)
                })
                .collect();
            // A lexer that panicked hangs up: the join below passes its panic on.
            for k in 0..parts.len() {
                let Ok(mut batch) = lanes[k % LEXERS].0.recv() else {
                    break;
                };
                self.batch(&mut batch);
            }
            let mut counts = (0, 0);
            for (received, lexer) in lanes {
                drop(received);
                let (read, skipped) = lexer
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                counts = (counts.0 + read, counts.1 + skipped);
            }
            counts
        })
    }

    /// Reads a batch's items, leaving it empty.
    fn batch(&mut self, batch: &mut Batch<'_>) {
        let mut events = batch.events.drain(..);
        for item in batch.items.drain(..) {
            self.item(item, &mut events);
        }
    }

    /// An item; `events` are the batch's events from the item's on.
    fn item(&mut self, item: Item<'_>, events: &mut impl Iterator<Item = Event>) {
        match item {
            Item::FileHeader(pid) => {
                self.file_pid = pid;
                self.segmented = true;
            }
            Item::Line { deco, body, call } => self.line(deco, body, call, events),
            Item::Text(text) => {
                let (deco, body) = prefix::strip(&text);
                // The lexer kept the text because it parses.
                if let Ok(body) = syntax::parse_body(body) {
                    self.line(deco, body, None, &mut std::iter::empty());
                }
            }
        }
    }

    /// A trace line; `call` is what the lexer read of a call, if it did, and then `events` hold
    /// its event next unless it is routine.
    fn line(
        &mut self,
        deco: Decorations,
        body: Body<'_>,
        call: Option<Call<'_>>,
        events: &mut impl Iterator<Item = Event>,
    ) {
        let time = self.clock.time(deco.stamp);
        let pid = self.pid_for(deco.pid, &body);
        match body {
            Body::Call { name, args, result } => match call {
                Some(call) => {
                    let event = if call.routine { None } else { events.next() };
                    self.call(pid, time, name, result, call, event)
                }
                None => {
                    let call = lexer::prepare(name, args, result);
                    self.call(pid, time, name, result, call, None)
                }
            },
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
                        let call = lexer::prepare(name, &args, result);
                        self.call(pid, time.or(first.time_us), name, result, call, None);
                    }
                    other => {
                        // The start is not in the log (it began mid-trace) or is another call's.
                        self.proc(pid).pending = other;
                        self.flush_pending(pid);
                        let args = match rest.trim_start() {
                            "" => "...".to_string(),
                            rest => format!("..., {rest}"),
                        };
                        let call = lexer::prepare(name, &args, result);
                        self.call(pid, time, name, result, call, None);
                    }
                }
            }
            Body::Signal { name, text } => self.push(Event {
                pid,
                time_us: time,
                kind: EventKind::Signal,
                call: text.to_string(),
                signal: Some(name.to_string()),
                sender: syntax::signal_sender(text),
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
        self.exits.push(self.events.len());
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
            let call = lexer::prepare(&p.name, &p.args, result);
            self.call(pid, p.time_us, &p.name, result, call, None);
        }
    }

    /// A call; `event` is the one the lexer decoded, if it did (relative paths not resolved).
    fn call(
        &mut self,
        pid: i32,
        time: Option<u64>,
        name: &str,
        result: Outcome<'_>,
        call: Call<'_>,
        event: Option<Event>,
    ) {
        if call.routine && !self.is_new(pid) {
            self.tally(pid, time);
            return;
        }
        let cwd = self.procs.get(&pid).and_then(|p| p.cwd.as_deref());
        let mut ev = match event {
            Some(ev) if cwd.is_none() || !lexer::needs_cwd(&ev) => ev,
            _ => lexer::event(name, call.args, result, cwd),
        };
        ev.pid = pid;
        ev.time_us = time;
        self.effects(&ev, call.args);
        if let Some(data) = &ev.data {
            match ev.fd {
                Some(1) => self.stdout.write(data),
                Some(2) => self.stderr.write(data),
                _ => {}
            }
        }
        self.push(ev);
    }

    /// What a call changes in the reader's picture of the processes.
    fn effects(&mut self, ev: &Event, args: &str) {
        let Some(ret) = ev.ret.filter(|r| *r >= 0) else {
            return;
        };
        // The name as the event has it, from the kernel's tables: the line's own text was read
        // on a lexer's core, and fetching it again cost the reader a cache miss on every call.
        let name = ev.syscall.as_deref().unwrap_or_default();
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
        crate::trace::dns::name_unanswered_waits(&mut self.events);
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
        let exits = self.exits.iter().map(|&at| &self.events[at]);
        let exit = exits.clone().find(|e| e.pid == main)?;
        let last_exit: PidMap<&Event> = exits.map(|e| (e.pid, e)).collect();
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
            predicted: 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts small enough that a test log is cut into many, wrapped calls among them.
    const TEST_PART: usize = 300;

    /// Every recorded and pasted log, each read on its own: the lexers on threads of their own,
    /// taking small parts in turn, give exactly what one lexer gives on the reader's thread.
    #[test]
    fn the_pipelined_reader_reads_as_the_plain_one() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/strace-logs");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if !matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("log" | "txt")
            ) {
                continue;
            }
            let input = std::fs::read(&path).unwrap();
            let plain = Reader::default().read_lines(&input, None).unwrap();
            let pipelined = Reader::default()
                .read_lines(&input, Some(TEST_PART))
                .unwrap();
            assert_eq!(plain, pipelined, "{}", path.display());
            read += 1;
        }
        assert!(read >= 20, "only {read} logs found in {dir}");
    }

    /// A log of many parts, with wrapped and non-UTF-8 lines: the same events, in order.
    #[test]
    fn a_log_of_many_parts_keeps_its_order() {
        let mut input = Vec::new();
        for i in 0..5000 {
            input.extend_from_slice(
                format!("{}  openat(AT_FDCWD, \"/etc/app/{i}.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n", 100 + i % 3).as_bytes(),
            );
            if i % 500 == 0 {
                input.extend_from_slice(b"101  openat(AT_FDCWD, \"/srv/\xe9t\xe9\",\n  O_RDONLY) = 3\nsome program output\n");
            }
        }
        let plain = Reader::default().read_lines(&input, None).unwrap();
        let pipelined = Reader::default()
            .read_lines(&input, Some(TEST_PART))
            .unwrap();
        assert_eq!(plain, pipelined);
        assert_eq!(plain.trace.events.len(), 5010);
        assert_eq!(plain.skipped_lines, 10);
        assert!(plain.trace.events[1]
            .path
            .as_deref()
            .unwrap()
            .starts_with("/srv/"));
    }
}
