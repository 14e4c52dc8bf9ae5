//! The reader's first stage: physical lines to trace lines, and each call to its event.
//!
//! Nothing here depends on an earlier line (which process a line belongs to, its working
//! directory, the halves of interrupted calls: that is [`super::reader`]'s state), so on a big
//! log this stage runs on a thread of its own, a batch of lines ahead of the reader. It finds
//! the trace lines among program output and prompts, joins calls a ticket system wrapped,
//! parses each line, and decodes a call's arguments into an event. A call's relative paths are
//! left relative here: the reader completes them once it knows the process's directory.

use std::borrow::Cow;

use super::decode::{self, Context};
use super::prefix::{self, Decorations};
use super::syntax::{self, Body, NotACall, Outcome};
use crate::trace::{names, Event, EventKind};

/// How many physical lines a wrapped call may span.
const MAX_WRAPPED: usize = 8;

/// One trace line, or what the reader must know about a line that is not one.
// Lines dominate; boxing them would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Item<'a> {
    /// `==> trace.1234 <==`: the lines that follow are that process's (the pid, when the file
    /// name ends in one).
    FileHeader(Option<i32>),
    /// A trace line, as it stands in the input.
    Line {
        deco: Decorations,
        body: Body<'a>,
        /// For a call, its arguments decoded.
        call: Option<Call<'a>>,
    },
    /// A trace line that is not the input's own text: joined from wrapped lines, or read from
    /// bytes that were not UTF-8. The reader parses it again.
    Text(String),
}

/// A call, read as far as a single line allows.
#[derive(Debug)]
pub struct Call<'a> {
    /// Its arguments, without the program's output a write carried.
    pub args: &'a str,
    /// It succeeded and is routine (see [`decode::is_routine`]): kept only as a process's
    /// first event.
    pub routine: bool,
    /// Its event, for a call that is not routine; relative paths not yet resolved.
    pub event: Option<Event>,
}

/// Physical lines in, [`Item`]s out; counts the lines on the way.
pub struct Lexer<'a> {
    lines: Lines<'a>,
    /// Physical lines read.
    pub read: u64,
    /// Lines that were not trace lines (program output, prompts, garbage).
    pub skipped: u64,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Lexer {
            lines: Lines::new(input),
            read: 0,
            skipped: 0,
        }
    }

    /// The item of one physical line, if it is a trace line (or starts a wrapped one).
    fn physical_line(&mut self, text: Cow<'a, str>) -> Option<Item<'a>> {
        let text = match text {
            Cow::Borrowed(text) => text,
            Cow::Owned(text) => return self.owned_line(text),
        };
        if let Some(name) = file_header(text) {
            return Some(Item::FileHeader(pid_of_file(name)));
        }
        let (deco, body) = prefix::strip(text);
        match syntax::parse_body(body) {
            Ok(body) => Some(line(deco, body)),
            Err(why) => self.not_a_call(text, why),
        }
    }

    /// A line that had bytes that are not UTF-8: the reader parses the lossy text itself.
    fn owned_line(&mut self, text: String) -> Option<Item<'a>> {
        if let Some(name) = file_header(&text) {
            return Some(Item::FileHeader(pid_of_file(name)));
        }
        let parsed = syntax::parse_body(prefix::strip(&text).1).map(|_| ());
        match parsed {
            Ok(()) => Some(Item::Text(text)),
            Err(why) => self.not_a_call(&text, why),
        }
    }

    fn not_a_call(&mut self, text: &str, why: NotACall) -> Option<Item<'a>> {
        let joined = match why {
            NotACall::Foreign => None,
            NotACall::Incomplete => self.join_wrapped(&without_strace_notice(text)),
        };
        if joined.is_none() {
            self.skipped += 1;
        }
        joined.map(Item::Text)
    }

    /// A call cut over several lines by a ticket system or an email client: joins the lines that
    /// follow until the call is complete, and returns it.
    fn join_wrapped(&mut self, first: &str) -> Option<String> {
        let mut joined = first.trim_end().to_string();
        let mut ahead = self.lines;
        for _ in 0..MAX_WRAPPED {
            let next = ahead.next()?;
            let cont = prefix::unquote(&next).trim_end();
            if cont.is_empty() || starts_new_line(cont) {
                return None;
            }
            // A break after a comma ate the space; a break mid-word ate nothing.
            if joined.ends_with(',') {
                joined.push(' ');
            }
            joined.push_str(cont);
            match syntax::parse_body(prefix::strip(&joined).1).map(|_| ()) {
                Ok(()) => {
                    self.read += ahead.consumed_since(&self.lines);
                    self.lines = ahead;
                    return Some(joined);
                }
                Err(NotACall::Incomplete) => {}
                Err(NotACall::Foreign) => return None,
            }
        }
        None
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            let text = self.lines.next()?;
            self.read += 1;
            if let Some(item) = self.physical_line(text) {
                return Some(item);
            }
        }
    }
}

fn line<'a>(deco: Decorations, body: Body<'a>) -> Item<'a> {
    let call = match body {
        Body::Call { name, args, result } => Some(prepare(name, args, result)),
        _ => None,
    };
    Item::Line { deco, body, call }
}

/// Reads a call as far as one line allows.
pub fn prepare<'a>(name: &str, args: &'a str, result: Outcome<'_>) -> Call<'a> {
    let args = decode::without_program_output(name, args);
    let succeeded = result.errno.is_none() && result.ret.is_some();
    let routine = succeeded && decode::is_routine(name, args);
    // The texts are built only for the events kept.
    let event = (!routine).then(|| event(name, args, result, None));
    Call {
        args,
        routine,
        event,
    }
}

/// A call's event: its result, its arguments decoded (relative paths resolved against `cwd`
/// when it is known) and its text. The pid and time are the reader's to set.
pub fn event(name: &str, args: &str, result: Outcome<'_>, cwd: Option<&str>) -> Event {
    let mut ev = Event {
        kind: EventKind::Syscall,
        ret: result.ret,
        errno: result.errno.map(names::name),
        ..Event::default()
    };
    decode::fill(&mut ev, name, args, &Context { cwd });
    let mut call = String::with_capacity(name.len() + args.len() + result.text.len() + 5);
    call.push_str(name);
    call.push('(');
    call.push_str(args);
    call.push_str(") = ");
    call.push_str(result.text);
    ev.call = call;
    ev.syscall = Some(names::name(name));
    ev
}

/// Whether an event built without a working directory has a path that needs one.
pub fn needs_cwd(ev: &Event) -> bool {
    let relative = |p: &Option<String>| p.as_deref().is_some_and(|p| !p.starts_with('/'));
    relative(&ev.path) || relative(&ev.path2)
}

/// The pid a `-ff -o trace` file's name ends in (`trace.1234`).
fn pid_of_file(name: &str) -> Option<i32> {
    name.rsplit_once('.').and_then(|(_, pid)| pid.parse().ok())
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
