//! The reader's first stage: physical lines to trace lines, and each call to its event.
//!
//! Nothing here depends on an earlier line (which process a line belongs to, its working
//! directory, the halves of interrupted calls: that is [`super::reader`]'s state), so a big log
//! is cut into [`Parts`] that threads of their own lex ahead of the reader. It finds
//! the trace lines among program output and prompts, joins calls a ticket system wrapped,
//! parses each line, and decodes a call's arguments into an event. A call's relative paths are
//! left relative here: the reader completes them once it knows the process's directory.
//!
//! The events are kept apart from the items, in line order ([`Batch`]): an event is most of an
//! item's size, and an item is moved several times on its way from a lexer thread to the
//! reader, where the event needs moving only into the trace.

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
        /// For a call, what the lexer read of it.
        call: Option<Call<'a>>,
    },
    /// A trace line that is not the input's own text: joined from wrapped lines, or read from
    /// bytes that were not UTF-8. The reader parses it again.
    Text(String),
}

/// A call, read as far as a single line allows.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// Its arguments, without the program's output a write carried.
    pub args: &'a str,
    /// It succeeded and is routine (see [`decode::is_routine`]): kept only as a process's
    /// first event. The lexer decodes the event of a call that is not routine.
    pub routine: bool,
}

/// Items and the events of their calls that are not routine, one for each, in the same order.
pub struct Batch<'a> {
    pub items: Vec<Item<'a>>,
    /// Relative paths not yet resolved.
    pub events: Vec<Event>,
}

impl Batch<'_> {
    /// Room for `lines` items, which their events will not outgrow.
    pub fn with_capacity(lines: usize) -> Self {
        Batch {
            items: Vec::with_capacity(lines),
            events: Vec::with_capacity(lines),
        }
    }
}

/// Physical lines in, [`Item`]s out; counts the lines on the way.
pub struct Lexer<'a> {
    lines: Lines<'a>,
    /// Physical lines read.
    pub read: u64,
    /// Lines that were not trace lines (program output, prompts, garbage).
    pub skipped: u64,
    /// The events of the calls read so far that are not routine.
    pub events: Vec<Event>,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Lexer {
            lines: Lines::new(input),
            read: 0,
            skipped: 0,
            events: Vec::new(),
        }
    }

    /// Reads all the lines into `batch`, after what it holds.
    pub fn fill(&mut self, batch: &mut Batch<'a>) {
        self.events = std::mem::take(&mut batch.events);
        batch.items.extend(self.by_ref());
        batch.events = std::mem::take(&mut self.events);
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
            Ok(body) => Some(self.line(deco, body)),
            Err(why) => self.not_a_call(text, why),
        }
    }

    fn line(&mut self, deco: Decorations, body: Body<'a>) -> Item<'a> {
        let call = match body {
            Body::Call { name, args, result } => {
                let call = prepare(name, args, result);
                // The texts are built only for the events kept.
                if !call.routine {
                    self.events.push(event(name, call.args, result, None));
                }
                Some(call)
            }
            _ => None,
        };
        Item::Line { deco, body, call }
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

/// A big input cut into parts that are lexed each on its own, so that several threads can share
/// the lexing, and that give together the items the whole gives. Part `k` starts at a line in
/// the `k`th window of `size` bytes that no wrapped call reaches across (see [`starts_part`]);
/// a window with no such line among its first lines starts no part, and its lines end the part
/// before it. Where the parts start is worked out from the bytes of each window alone, so every
/// thread finds the same parts without telling the others.
#[derive(Clone, Copy)]
pub struct Parts<'a> {
    input: &'a [u8],
    size: usize,
}

/// How many lines of a window are tried as the start of its part.
const PART_PROBES: usize = 16;

impl<'a> Parts<'a> {
    pub fn new(input: &'a [u8], size: usize) -> Self {
        Parts {
            input,
            size: size.max(1),
        }
    }

    /// The number of windows, and so of parts (some of them empty).
    pub fn len(&self) -> usize {
        self.input.len().div_ceil(self.size)
    }

    /// The lexer of part `k`: empty when its window starts no part.
    pub fn lexer(&self, k: usize) -> Lexer<'a> {
        let Some(start) = self.start(k) else {
            return Lexer::new(&[]);
        };
        let end = (k + 1..self.len())
            .find_map(|j| self.start(j))
            .unwrap_or(self.input.len());
        Lexer::new(&self.input[start..end])
    }

    /// Where part `k` starts, if its window has a line to start it.
    fn start(&self, k: usize) -> Option<usize> {
        if k == 0 {
            return Some(0);
        }
        let from = k * self.size;
        let to = self.input.len().min(from + self.size);
        // The first line that starts in the window: the one after the first newline from the
        // byte before it.
        let mut at = from + memchr::memchr(b'\n', self.input.get(from - 1..to)?)?;
        for _ in 0..PART_PROBES {
            if at >= to {
                return None;
            }
            let end =
                memchr::memchr(b'\n', &self.input[at..]).map_or(self.input.len(), |n| at + n + 1);
            if starts_part(&String::from_utf8_lossy(&self.input[at..end])) {
                return Some(at);
            }
            at = end;
        }
        None
    }
}

/// Whether a part may start at this line: [`Lexer::join_wrapped`] stops before it whatever came
/// earlier, so the lines before it read the same without it and the lines from it on read the
/// same without those before.
fn starts_part(line: &str) -> bool {
    let cont = prefix::unquote(line).trim_end();
    !cont.is_empty() && starts_new_line(cont)
}

/// Reads a call as far as one line allows, short of decoding its event.
pub fn prepare<'a>(name: &str, args: &'a str, result: Outcome<'_>) -> Call<'a> {
    let args = decode::without_program_output(name, args);
    let succeeded = result.errno.is_none() && result.ret.is_some();
    // A `poll` that timed out may be a resolver that waited for its name server in vain.
    let timed_out = name == "poll" && result.ret == Some(0);
    let routine = succeeded && !timed_out && decode::is_routine(name, args);
    Call { args, routine }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts of any size give the whole's items and line counts: no wrapped call is cut at a
    /// part's start, and no line is read twice or lost.
    #[test]
    fn parts_give_the_items_of_the_whole() {
        let mut input = Vec::new();
        for i in 0..100 {
            input.extend_from_slice(
                format!("{i}  openat(AT_FDCWD, \"/etc/app/{i}.conf\",\n    O_RDONLY) = 3\n")
                    .as_bytes(),
            );
            input.extend_from_slice(b"some program output\n\n> 7  close(3) = 0\r\n");
            if i % 10 == 0 {
                input.extend_from_slice(b"8  openat(AT_FDCWD, \"/srv/\xe9t\xe9\", O_RDONLY) = 3\n");
            }
        }
        let items = |lexer: &mut Lexer<'_>| lexer.map(|i| format!("{i:?}")).collect::<Vec<_>>();
        let mut whole = Lexer::new(&input);
        let expected = items(&mut whole);
        for size in [1, 7, 50, 333, 4096, input.len() + 1] {
            let parts = Parts::new(&input, size);
            let (mut got, mut read, mut skipped) = (Vec::new(), 0, 0);
            for k in 0..parts.len() {
                let mut lexer = parts.lexer(k);
                got.extend(items(&mut lexer));
                (read, skipped) = (read + lexer.read, skipped + lexer.skipped);
            }
            assert_eq!(got, expected, "parts of {size} bytes");
            assert_eq!((read, skipped), (whole.read, whole.skipped), "{size}");
        }
    }

    #[test]
    fn a_part_starts_at_a_line_no_wrapped_call_reaches_across() {
        assert!(starts_part("42  close(3) = 0\n"));
        assert!(starts_part("> 42  openat(AT_FDCWD, \"/a\",\r\n"));
        assert!(starts_part("> close(3) = 0\r\n"));
        assert!(!starts_part("openat(AT_FDCWD, \"/a\",\n"));
        assert!(!starts_part("    O_RDONLY) = 3\n"));
        assert!(!starts_part("   \n"));
        // A window of program output alone starts no part: its lines end the part before.
        let input = b"1  close(3) = 0\nout\nout\nout\nout\nout\nout\n2  close(3) = 0\n";
        let parts = Parts::new(input, 20);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.lexer(1).count(), 0);
        assert_eq!(parts.lexer(0).count(), 1);
        assert_eq!(parts.lexer(2).count(), 1);
    }
}
