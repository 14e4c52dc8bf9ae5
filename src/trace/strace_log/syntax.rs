//! The grammar of one strace line, after its pid and time decorations are gone: a call with its
//! result, the two halves of an interrupted call, a signal, or a process's end.
//!
//! Everything here works on byte offsets and borrows from the line: the reader runs this on every
//! line of logs that can be hundreds of megabytes, so nothing allocates and nothing backtracks.

use crate::trace::names;

/// What the body of a trace line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    /// `name(args) = result`.
    Call {
        name: &'a str,
        args: &'a str,
        result: Outcome<'a>,
    },
    /// `name(args <unfinished ...>`: the call blocked and another process printed meanwhile.
    Unfinished { name: &'a str, args: &'a str },
    /// `<... name resumed>rest) = result`: the end of an unfinished call.
    Resumed {
        name: &'a str,
        rest: &'a str,
        result: Outcome<'a>,
    },
    /// `--- SIGSEGV {si_signo=SIGSEGV, ...} ---`.
    Signal { name: &'a str, text: &'a str },
    /// `+++ exited with 3 +++`.
    Exited { code: i32, text: &'a str },
    /// `+++ killed by SIGKILL (core dumped) +++`.
    Killed { signal: &'a str, text: &'a str },
}

/// The part after ` = `.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome<'a> {
    /// The whole result as strace prints it, without a `-T` duration (`-1 ENOENT (No such file)`).
    pub text: &'a str,
    /// `None` for `?` (the call never returned).
    pub ret: Option<i64>,
    /// The error's name, never its (possibly translated) description.
    pub errno: Option<&'a str>,
}

/// Why a line is not (yet) a trace line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotACall {
    /// The line starts like a call but its closing parenthesis or result is missing: a call wrapped
    /// onto the next line.
    Incomplete,
    /// Anything else: program output, a shell prompt, a comment.
    Foreign,
}

const UNFINISHED: &str = "<unfinished ...>";

/// Classifies a line body (decorations already stripped).
pub fn parse_body(body: &str) -> Result<Body<'_>, NotACall> {
    let b = body.as_bytes();
    match b.first() {
        Some(b'+') => return exit_line(body).ok_or(NotACall::Foreign),
        Some(b'-') => return signal_line(body).ok_or(NotACall::Foreign),
        Some(b'<') => return resumed_line(body),
        _ => {}
    }
    let name_len = b.iter().position(|&c| !is_name_byte(c)).unwrap_or(b.len());
    if name_len == 0 || !b[0].is_ascii_lowercase() && b[0] != b'_' || b.get(name_len) != Some(&b'(')
    {
        return Err(NotACall::Foreign);
    }
    let name = &body[..name_len];
    let inner = &body[name_len + 1..];
    if let Some(args) = inner.trim_end().strip_suffix(UNFINISHED) {
        let args = args.strip_suffix(' ').unwrap_or(args);
        return Ok(Body::Unfinished { name, args });
    }
    let (args, result) = split_result(inner, 1)?;
    Ok(Body::Call { name, args, result })
}

/// Where `byte` first is in a word or a field: a plain loop, for the few bytes that memchr takes
/// longer to set up for than to search.
#[inline]
pub fn find_in_short(b: &[u8], byte: u8) -> Option<usize> {
    b.iter().position(|&c| c == byte)
}

/// `s` without its leading spaces.
pub fn skip_spaces(s: &str) -> &str {
    let n = s.bytes().take_while(|&c| c == b' ').count();
    &s[n..]
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'
}

/// `<... name resumed>rest) = result`.
fn resumed_line(body: &str) -> Result<Body<'_>, NotACall> {
    let after = body.strip_prefix("<... ").ok_or(NotACall::Foreign)?;
    let end = after.find(" resumed>").ok_or(NotACall::Foreign)?;
    let name = &after[..end];
    if name.is_empty() || !name.bytes().all(is_name_byte) {
        return Err(NotACall::Foreign);
    }
    let rest = &after[end + " resumed>".len()..];
    let (rest, result) = split_result(rest, 1)?;
    Ok(Body::Resumed { name, rest, result })
}

/// Splits `args) = result` at the parenthesis that closes the call (`depth` open at start).
fn split_result(text: &str, depth: usize) -> Result<(&str, Outcome<'_>), NotACall> {
    let close = find_close(text.as_bytes(), depth).ok_or(NotACall::Incomplete)?;
    let after = skip_spaces(&text[close + 1..]);
    let result = after.strip_prefix('=').ok_or(NotACall::Incomplete)?;
    let result = skip_spaces(result);
    if result.is_empty() {
        return Err(NotACall::Incomplete);
    }
    Ok((&text[..close], outcome(result)))
}

/// The offset of the `)` that brings the nesting from `depth` to zero, skipping string literals.
pub fn find_close(b: &[u8], mut depth: usize) -> Option<usize> {
    let mut i = 0;
    while let Some(at) = memchr::memchr3(b'"', b'(', b')', &b[i..]) {
        let at = at + i;
        match b[at] {
            b'"' => i = skip_string(b, at)? + 1,
            b'(' => {
                depth += 1;
                i = at + 1;
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
                i = at + 1;
            }
        }
    }
    None
}

/// Given the offset of an opening `"`, the offset of its closing `"`.
pub fn skip_string(b: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    loop {
        let at = memchr::memchr2(b'"', b'\\', b.get(i..)?)? + i;
        if b[at] == b'\\' {
            i = at + 2;
        } else {
            return Some(at);
        }
    }
}

/// Parses `-1 ENOENT (No such file or directory) <0.000012>` and the like.
fn outcome(text: &str) -> Outcome<'_> {
    let text = strip_duration(text.trim_end());
    let (ret_word, rest) = match find_in_short(text.as_bytes(), b' ') {
        Some(space) => (&text[..space], &text[space + 1..]),
        None => (text, ""),
    };
    let ret = parse_ret(ret_word);
    let errno_word = match find_in_short(rest.as_bytes(), b' ') {
        Some(space) => &rest[..space],
        None => rest,
    };
    let errno = (errno_word.len() > 1
        && errno_word.starts_with('E')
        && errno_word.bytes().all(is_errno_byte))
    .then_some(errno_word);
    Outcome { text, ret, errno }
}

fn is_errno_byte(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'
}

/// Removes a trailing `-T` duration (`<0.000012>`).
fn strip_duration(text: &str) -> &str {
    if let Some(head) = text.strip_suffix('>') {
        if let Some(open) = memchr::memrchr(b'<', head.as_bytes()) {
            let inner = &head[open + 1..];
            if !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
                return head[..open].trim_end();
            }
        }
    }
    text
}

/// A return value: decimal, negative, or hexadecimal (pointers); a `-y` decoration after the
/// number (`3</etc/passwd>`) is ignored.
pub fn parse_ret(word: &str) -> Option<i64> {
    if let Some(hex) = word.strip_prefix("0x") {
        let digits = hex.split(|c: char| !c.is_ascii_hexdigit()).next()?;
        return u64::from_str_radix(digits, 16).ok().map(|v| v as i64);
    }
    let end = word
        .bytes()
        .enumerate()
        .position(|(i, c)| !(c.is_ascii_digit() || i == 0 && c == b'-'))
        .unwrap_or(word.len());
    word[..end].parse().ok()
}

/// `+++ exited with 3 +++`, `+++ killed by SIGKILL (core dumped) +++`.
fn exit_line(body: &str) -> Option<Body<'_>> {
    let inner = body.strip_prefix("+++ ")?.trim_end().strip_suffix(" +++")?;
    if let Some(code) = inner.strip_prefix("exited with ") {
        return Some(Body::Exited {
            code: code.trim().parse().ok()?,
            text: body.trim_end(),
        });
    }
    let signal = inner.strip_prefix("killed by ")?;
    let signal = signal.split(' ').next()?;
    signal.starts_with("SIG").then_some(Body::Killed {
        signal,
        text: body.trim_end(),
    })
}

/// `--- SIGCHLD {si_signo=SIGCHLD, ...} ---` and `--- stopped by SIGSTOP ---`.
fn signal_line(body: &str) -> Option<Body<'_>> {
    let inner = body.strip_prefix("--- ")?;
    let name = inner.split(' ').next()?;
    let name = if name == "stopped" {
        inner.strip_prefix("stopped by ")?.split(' ').next()?
    } else {
        name
    };
    name.starts_with("SIG").then_some(Body::Signal {
        name,
        text: body.trim_end(),
    })
}

/// The process that sent a signal, from a signal line's `si_code` and `si_pid` (see
/// [`names::si_code_names_a_sender`]).
pub fn signal_sender(text: &str) -> Option<i32> {
    let field = |name: &str| {
        let at = text.find(name)? + name.len();
        let rest = &text[at..];
        Some(&rest[..rest.find([',', '}']).unwrap_or(rest.len())])
    };
    let sent = names::si_code_names_a_sender(field("si_code=")?);
    sent.then(|| field("si_pid=")?.parse().ok()).flatten()
}

/// The most top-level arguments [`split_args`] keeps (system calls take six).
const MAX_ARGS: usize = 8;

/// A call's top-level arguments, kept on the stack.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    items: [&'a str; MAX_ARGS],
    len: usize,
}

impl<'a> std::ops::Deref for Args<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        &self.items[..self.len]
    }
}

/// Splits an argument list at its top-level commas (the first [`MAX_ARGS`]).
pub fn split_args(args: &str) -> Args<'_> {
    let mut out = Args {
        items: [""; MAX_ARGS],
        len: 0,
    };
    for item in ArgIter::new(args).take(MAX_ARGS) {
        out.items[out.len] = item;
        out.len += 1;
    }
    out
}

/// The bytes [`ArgIter`] acts on: quotes, brackets and commas.
static ARG_SYNTAX: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let special = b"\"()[]{},";
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// The items of a list at its top-level commas, keeping strings and nested `()[]{}` whole.
pub struct ArgIter<'a> {
    text: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> ArgIter<'a> {
    pub fn new(text: &'a str) -> Self {
        ArgIter {
            text,
            pos: 0,
            done: text.trim().is_empty(),
        }
    }
}

impl<'a> Iterator for ArgIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let b = self.text.as_bytes();
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = start;
        while i < b.len() {
            // Most bytes are none of these: passing over them in a tight loop first is about
            // twice as fast as matching each (a stat's struct alone is a hundred bytes).
            match b[i..].iter().position(|&c| ARG_SYNTAX[usize::from(c)]) {
                Some(skip) => i += skip,
                None => break,
            }
            match b[i] {
                b'"' => match skip_string(b, i) {
                    Some(end) => i = end,
                    None => break,
                },
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    self.pos = i + 1;
                    return Some(self.text[start..i].trim());
                }
                _ => {}
            }
            i += 1;
        }
        self.done = true;
        Some(self.text[start..].trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_call() {
        let body = r#"openat(AT_FDCWD, "/etc/a(b\")", O_RDONLY) = -1 ENOENT (Aucun fichier ou dossier de ce type) <0.000012>"#;
        let Ok(Body::Call { name, args, result }) = parse_body(body) else {
            panic!("not a call: {body}")
        };
        assert_eq!(name, "openat");
        assert_eq!(args, r#"AT_FDCWD, "/etc/a(b\")", O_RDONLY"#);
        assert_eq!(result.ret, Some(-1));
        assert_eq!(result.errno, Some("ENOENT"));
        assert_eq!(
            result.text,
            "-1 ENOENT (Aucun fichier ou dossier de ce type)"
        );
    }

    #[test]
    fn results() {
        assert_eq!(outcome("?").ret, None);
        assert_eq!(outcome("0x55d4c000").ret, Some(0x55d4c000));
        assert_eq!(outcome("3</etc/passwd>").ret, Some(3));
        assert_eq!(outcome("3</etc/passwd>").text, "3</etc/passwd>");
        assert_eq!(outcome("0 (Timeout)").errno, None);
        let r = outcome("? ERESTARTSYS (To be restarted if SA_RESTART is set)");
        assert_eq!((r.ret, r.errno), (None, Some("ERESTARTSYS")));
    }

    #[test]
    fn halves_and_ends() {
        assert_eq!(
            parse_body("wait4(-1,  <unfinished ...>"),
            Ok(Body::Unfinished {
                name: "wait4",
                args: "-1, "
            })
        );
        let Ok(Body::Resumed { name, rest, result }) = parse_body(
            "<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 2}], 0, NULL) = 9473",
        ) else {
            panic!()
        };
        assert_eq!((name, result.ret), ("wait4", Some(9473)));
        assert_eq!(rest, "[{WIFEXITED(s) && WEXITSTATUS(s) == 2}], 0, NULL");
        assert!(matches!(
            parse_body("+++ killed by SIGKILL (core dumped) +++"),
            Ok(Body::Killed {
                signal: "SIGKILL",
                ..
            })
        ));
        assert!(matches!(
            parse_body("+++ exited with 127 +++"),
            Ok(Body::Exited { code: 127, .. })
        ));
        assert!(matches!(
            parse_body("--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---"),
            Ok(Body::Signal {
                name: "SIGSEGV",
                ..
            })
        ));
    }

    #[test]
    fn a_signal_s_sender_is_read_only_where_a_process_sent_it() {
        assert_eq!(
            signal_sender(
                "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=0, si_uid=0} ---"
            ),
            Some(0)
        );
        assert_eq!(
            signal_sender(
                "--- SIGABRT {si_signo=SIGABRT, si_code=SI_TKILL, si_pid=12, si_uid=0} ---"
            ),
            Some(12)
        );
        assert_eq!(
            signal_sender("--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=43, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---"),
            None
        );
        assert_eq!(
            signal_sender("--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---"),
            None
        );
        assert_eq!(signal_sender("--- stopped by SIGSTOP ---"), None);
    }

    #[test]
    fn wrapped_and_foreign() {
        assert_eq!(
            parse_body(r#"openat(AT_FDCWD, "/etc/very"#),
            Err(NotACall::Incomplete)
        );
        assert_eq!(
            parse_body(r#"openat(AT_FDCWD, "/x", O_RDONLY)"#),
            Err(NotACall::Incomplete)
        );
        assert_eq!(parse_body("Hello, world"), Err(NotACall::Foreign));
        assert_eq!(parse_body("$ strace -f ./app"), Err(NotACall::Foreign));
        assert_eq!(parse_body("Main(x) = 1"), Err(NotACall::Foreign));
    }

    #[test]
    fn arguments() {
        assert_eq!(
            *split_args(r#"3, {sa_family=AF_INET, sin_port=htons(80)}, 16"#),
            ["3", "{sa_family=AF_INET, sin_port=htons(80)}", "16"]
        );
        assert_eq!(
            *split_args(r#""a,b", ["x", "y"]"#),
            [r#""a,b""#, r#"["x", "y"]"#]
        );
        assert!(split_args("").is_empty());
        assert_eq!(split_args("1,2,3,4,5,6,7,8,9,10").len(), MAX_ARGS);
        assert_eq!(ArgIter::new("1,2,3,4,5,6,7,8,9,10").count(), 10);
        assert_eq!(*split_args("a, "), ["a", ""]);
    }
}
