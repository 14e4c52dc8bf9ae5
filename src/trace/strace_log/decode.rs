//! Decoding a call's arguments into the event's fields: paths, socket addresses, flags, the file
//! descriptor, the bytes written, an exec's argv.
//!
//! Decoding is lazy: a call's arguments are only split when its name says a field can be found
//! in them, so the common `mmap`/`read`/`close` lines cost nothing past their name.

use super::syntax::{find_in_short, split_args, ArgIter};
use crate::trace::{dns, Event};

/// The most bytes kept from one write.
pub const MAX_DATA: usize = 4096;
/// The most argv entries kept from one exec.
pub const MAX_ARGV: usize = 256;

/// Where relative paths of a call are resolved.
pub struct Context<'a> {
    pub cwd: Option<&'a str>,
}

/// Fills the fields of `ev` that its syscall name and arguments carry.
pub fn fill(ev: &mut Event, name: &str, args: &str, cx: &Context<'_>) {
    match name {
        "write" | "pwrite64" | "writev" | "pwritev" | "pwritev2" => {
            let a = split_args(args);
            ev.fd = a.first().and_then(|s| fd_number(s));
            if matches!(ev.fd, Some(1 | 2)) {
                ev.data = a.get(1).map(|s| written_text(s));
            } else if name == "write" {
                // Go writes its DNS queries to a connected socket.
                ev.query = dns_query(name, a.get(1).copied().unwrap_or(""));
            }
            ev.path = a.first().and_then(|s| fd_path(s));
        }
        "read" | "pread64" | "readv" | "close" | "fstat" | "fsync" | "fdatasync" | "ftruncate"
        | "fchmod" | "fchown" | "fcntl" | "ioctl" | "lseek" | "dup" | "dup2" | "dup3"
        | "getdents64" | "fallocate" | "listen" | "shutdown" | "setsockopt" | "getsockopt"
        | "flock" | "fchdir" | "fstatfs" | "sendfile" | "splice" => {
            // Only the first arguments matter: the rest (a read's data) is never scanned.
            let mut a = ArgIter::new(args);
            let fd = a.next().unwrap_or("");
            ev.fd = fd_number(fd);
            ev.path = fd_path(fd);
            if name == "fchmod" {
                ev.mode = a.next().and_then(octal);
            }
        }
        "connect" | "bind" | "sendto" | "sendmsg" | "sendmmsg" | "recvfrom" | "recvmsg"
        | "accept" | "accept4" | "getsockname" | "getpeername" => {
            let a = split_args(args);
            ev.fd = a.first().and_then(|s| fd_number(s));
            if let Some(at) = args.find("sa_family=") {
                sockaddr(ev, &args[at..]);
            }
            if matches!(name, "sendto" | "sendmsg") && matches!(ev.fd, Some(1 | 2)) {
                ev.data = a.get(1).map(|s| written_text(s));
            }
            if name.starts_with("send") {
                ev.query = dns_query(name, a.get(1).copied().unwrap_or(""));
            }
            if name == "recvfrom" {
                if let Some(answer) = dns_answer(a.get(1).copied().unwrap_or("")) {
                    ev.rcode = Some(answer.rcode);
                    ev.answers = Some(answer.answers);
                    ev.query = answer.name;
                }
            }
        }
        "kill" | "tkill" | "tgkill" => {
            let a = split_args(args);
            ev.target = a.first().and_then(|s| s.trim().parse().ok());
            ev.signal = a
                .last()
                .map(|s| s.trim())
                .filter(|s| s.starts_with("SIG"))
                .map(String::from);
        }
        "socket" | "socketpair" => {
            ev.family = ArgIter::new(args)
                .next()
                .filter(|f| f.starts_with("AF_") || f.starts_with("PF_"))
                .map(String::from);
        }
        "execve" | "execveat" => {
            let a = split_args(args);
            let first_string = if name == "execve" { 0 } else { 1 };
            ev.path = a.get(first_string).and_then(|s| path_arg(s, cx.cwd));
            ev.argv = a.get(first_string + 1).and_then(|s| string_array(s));
        }
        _ if is_data_call(name) => {}
        _ => path_call(ev, name, args, cx),
    }
}

/// Whether a successful call is routine: no rule reads it, and its arguments carry nothing a
/// finding could quote (no path, address or output). Decided from the name and a glance at the
/// arguments, without decoding them: these calls are about half of a real log, and an event
/// costs far more to keep than to read. Mirrors what [`fill`] would find.
pub fn is_routine(name: &str, args: &str) -> bool {
    if !is_routine_name(name) {
        return false;
    }
    // The first argument: an fd, with its `-y` path, if any, before the first comma.
    let b = args.as_bytes();
    let first = args[..find_in_short(b, b',').unwrap_or(b.len())].trim();
    if first.as_bytes().contains(&b'<') && ArgIter::new(args).next().and_then(fd_path_str).is_some()
    {
        return false;
    }
    match name {
        "write" => !matches!(fd_number(first), Some(1 | 2)) && !may_be_dns_query(args),
        "pwrite64" | "writev" => !matches!(fd_number(first), Some(1 | 2)),
        // Only the first argument is read (see `fill`), and a getrandom's string is data.
        "read" | "pread64" | "readv" | "close" | "fstat" | "fcntl" | "ioctl" | "lseek" | "dup"
        | "dup2" | "dup3" | "getdents64" | "getrandom" => true,
        // The others name a path by a string; `""` (AT_EMPTY_PATH) names none.
        _ => only_empty_strings(args.as_bytes()),
    }
}

/// The calls [`is_routine`] may leave out: a program's loading, memory, I/O and clock.
fn is_routine_name(name: &str) -> bool {
    matches!(
        name,
        "read"
            | "pread64"
            | "readv"
            | "preadv"
            | "write"
            | "pwrite64"
            | "writev"
            | "close"
            | "mmap"
            | "munmap"
            | "mremap"
            | "mprotect"
            | "madvise"
            | "brk"
            | "futex"
            | "rt_sigaction"
            | "rt_sigprocmask"
            | "fstat"
            | "newfstatat"
            | "statx"
            | "lseek"
            | "ioctl"
            | "fcntl"
            | "getdents64"
            | "dup"
            | "dup2"
            | "dup3"
            | "poll"
            | "ppoll"
            | "select"
            | "pselect6"
            | "epoll_wait"
            | "epoll_pwait"
            | "epoll_ctl"
            | "nanosleep"
            | "clock_nanosleep"
            | "clock_gettime"
            | "gettimeofday"
            | "sched_yield"
            | "arch_prctl"
            | "set_tid_address"
            | "set_robust_list"
            | "rseq"
            | "prlimit64"
            | "getrandom"
    )
}

/// Whether every string literal in `b` is `""`.
fn only_empty_strings(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'"', &b[i..]) {
        let at = at + i;
        if b.get(at + 1) != Some(&b'"') {
            return false;
        }
        i = at + 2;
    }
    true
}

/// When strace and the program share a terminal, what the program prints lands between a write's
/// last argument and strace's closing parenthesis (`write(1, "hi\n", 3hi`). The last argument of
/// these calls is a number, so whatever follows its digits is the program's output.
pub fn without_program_output<'a>(name: &str, args: &'a str) -> &'a str {
    let arity = match name {
        "write" | "writev" => 3,
        "pwrite64" | "pwritev" | "sendfile" => 4,
        "copy_file_range" | "sendto" => 6,
        _ => return args,
    };
    let Some(last) = nth_arg_start(args, arity - 1) else {
        return args;
    };
    let value = args[last..].trim_start();
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return args;
    }
    &args[..args.len() - value.len() + digits]
}

/// The offset where the `n`th (from 0) top-level argument starts.
fn nth_arg_start(args: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return Some(0);
    }
    let b = args.as_bytes();
    let (mut depth, mut seen, mut i) = (0usize, 0, 0);
    while i < b.len() {
        match b[i] {
            b'"' => i = super::syntax::skip_string(b, i)?,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                seen += 1;
                if seen == n {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Calls whose string arguments are data, not paths.
fn is_data_call(name: &str) -> bool {
    matches!(
        name,
        "recv"
            | "send"
            | "recvmmsg"
            | "getrandom"
            | "sethostname"
            | "setdomainname"
            | "uname"
            | "add_key"
            | "request_key"
            | "keyctl"
            | "prctl"
            | "memfd_create"
            | "process_vm_readv"
            | "process_vm_writev"
            | "init_module"
            | "bpf"
            | "setxattr"
            | "lsetxattr"
            | "fsetxattr"
            | "fgetxattr"
    )
}

/// Calls that name paths: the first string argument is `path`, the second `path2`. For the
/// `*at` calls a relative path is resolved against the directory argument before it.
fn path_call(ev: &mut Event, name: &str, args: &str, cx: &Context<'_>) {
    if memchr::memchr(b'"', args.as_bytes()).is_none() {
        // No string: at most a `-y` path on the first argument (fstat(3</etc/passwd>, ...)).
        if memchr::memchr(b'<', args.as_bytes()).is_some() {
            ev.path = ArgIter::new(args).next().and_then(fd_path);
        }
        return;
    }
    let a = split_args(args);
    let at_call = name.ends_with("at") || name.ends_with("at2") || name == "statx";
    let mut strings = a
        .iter()
        .enumerate()
        .filter(|(_, s)| s.starts_with('"'))
        .map(|(i, s)| {
            // symlink's first string is the link's content, never resolved.
            if i == 0 && name.starts_with("symlink") {
                return decode_text(s);
            }
            let base = match (at_call, i.checked_sub(1).and_then(|p| a.get(p))) {
                (true, Some(dirfd)) if *dirfd != "AT_FDCWD" => fd_path_str(dirfd),
                _ => cx.cwd,
            };
            path_arg(s, base).unwrap_or_default()
        });
    let first = strings.next().filter(|p| !p.is_empty());
    let second = strings.next().filter(|p| !p.is_empty());
    if name == "mount" {
        // mount(source, target, ...): the target is where the failure shows.
        ev.path = second.or(first.clone());
        ev.path2 = first;
    } else {
        ev.path = first.or_else(|| a.first().and_then(|s| fd_path(s)));
        ev.path2 = second;
    }
    if let Some(flags_at) = a.iter().position(|s| s.starts_with("O_")) {
        ev.flags = Some(a[flags_at].to_string());
        ev.mode = a.get(flags_at + 1).and_then(|s| octal(s));
    } else if let Some(flags) = a.iter().find_map(|s| {
        s.strip_prefix("{flags=")
            .map(|f| f.split([',', '}']).next())
    }) {
        ev.flags = flags.map(String::from); // openat2's struct open_how
    } else if matches!(name, "mkdir" | "mkdirat" | "chmod" | "fchmodat" | "creat") {
        let after_path = a
            .iter()
            .position(|s| s.starts_with('"'))
            .map_or(0, |p| p + 1);
        ev.mode = a.get(after_path).and_then(|s| octal(s));
    }
}

/// `3`, `3</etc/passwd>`, `3<TCP:[1234]>` → 3.
pub fn fd_number(arg: &str) -> Option<i32> {
    let digits = arg
        .bytes()
        .enumerate()
        .take_while(|&(i, c)| c.is_ascii_digit() || i == 0 && c == b'-')
        .count();
    arg[..digits].parse().ok()
}

/// The path of a `-y` decoration: `3</etc/passwd>` → `/etc/passwd`.
pub fn fd_path(arg: &str) -> Option<String> {
    fd_path_str(arg).map(String::from)
}

fn fd_path_str(arg: &str) -> Option<&str> {
    let open = find_in_short(arg.as_bytes(), b'<')?;
    fd_number(&arg[..open])?;
    let inner = arg[open + 1..].strip_suffix('>')?;
    // `-yy` adds the device: `</dev/null<char 1:3>>`.
    let inner = &inner[..find_in_short(inner.as_bytes(), b'<').unwrap_or(inner.len())];
    inner.starts_with('/').then_some(inner)
}

/// Values of secret-looking variables in an exec's environment (printed with `strace -v`), so
/// that no report shows them, even where the program printed them itself.
pub fn secret_env_values(name: &str, args: &str) -> Vec<String> {
    let env_at = match name {
        "execve" => 2,
        "execveat" => 3,
        _ => return Vec::new(),
    };
    if !args.contains("=") {
        return Vec::new();
    }
    let a = split_args(args);
    let Some(env) = a.get(env_at).and_then(|s| string_array(s)) else {
        return Vec::new();
    };
    crate::report::redact::secret_values(&env)
}

/// An octal mode argument such as `0644`.
fn octal(arg: &str) -> Option<u32> {
    let digits = arg.strip_prefix('0')?;
    if digits.is_empty() {
        return Some(0);
    }
    u32::from_str_radix(digits, 8).ok()
}

/// A string argument as a path, made absolute against `base` when that is known.
pub fn path_arg(arg: &str, base: Option<&str>) -> Option<String> {
    if !arg.starts_with('"') {
        return None;
    }
    let path = decode_text(arg);
    if path.is_empty() {
        return None;
    }
    Some(match base {
        Some(dir) if !path.starts_with('/') => join(dir, &path),
        _ => crate::trace::path::tidy(path),
    })
}

/// `dir` + `rel`, with `.` and `..` folded.
pub fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A strace string literal as text (bytes that are not UTF-8 become U+FFFD).
pub fn decode_text(lit: &str) -> String {
    let body = lit.get(1..).unwrap_or("");
    match memchr::memchr2(b'"', b'\\', body.as_bytes()) {
        // No escapes: the literal is its own text.
        Some(end) if body.as_bytes()[end] == b'"' => body[..end].to_string(),
        _ => String::from_utf8_lossy(&decode_string(lit).0).into_owned(),
    }
}

/// Decodes a strace string literal (`"a\n\33[0m"...`): its bytes, and whether strace cut it.
pub fn decode_string(lit: &str) -> (Vec<u8>, bool) {
    let b = lit.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 1; // past the opening quote
    while i < b.len() {
        match b[i] {
            b'"' => return (out, lit[i + 1..].starts_with("...")),
            b'\\' if i + 1 < b.len() => {
                i += 1;
                let (byte, used) = escape(&b[i..]);
                out.push(byte);
                i += used;
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    (out, true) // no closing quote: the line itself was cut
}

/// One escape after the backslash: the byte it stands for and how many bytes it used.
fn escape(b: &[u8]) -> (u8, usize) {
    match b[0] {
        b'n' => (b'\n', 1),
        b't' => (b'\t', 1),
        b'r' => (b'\r', 1),
        b'v' => (0x0b, 1),
        b'f' => (0x0c, 1),
        b'a' => (0x07, 1),
        b'b' => (0x08, 1),
        b'e' => (0x1b, 1),
        b'x' => {
            let hex = b[1..].iter().take(2).take_while(|c| c.is_ascii_hexdigit());
            let (value, n) = hex.fold((0u32, 0), |(v, n), &c| {
                (v * 16 + (c as char).to_digit(16).unwrap_or(0), n + 1)
            });
            if n == 0 {
                (b'x', 1)
            } else {
                (value as u8, 1 + n)
            }
        }
        b'0'..=b'7' => {
            let oct = b.iter().take(3).take_while(|c| (b'0'..=b'7').contains(c));
            let (value, n) = oct.fold((0u32, 0), |(v, n), &c| (v * 8 + u32::from(c - b'0'), n + 1));
            (value as u8, n)
        }
        other => (other, 1),
    }
}

/// The text of a write: a string, or the `iov_base` strings of a `writev` vector.
fn written_text(arg: &str) -> String {
    let mut bytes = Vec::new();
    let mut truncated = false;
    if arg.starts_with('"') {
        let (b, t) = decode_string(arg);
        bytes = b;
        truncated = t;
    } else {
        let mut rest = arg;
        while let Some(at) = rest.find("iov_base=\"") {
            let lit = &rest[at + "iov_base=".len()..];
            let (b, t) = decode_string(lit);
            bytes.extend_from_slice(&b);
            truncated |= t;
            rest = &lit[1..];
            match rest.find("iov_len=") {
                Some(next) => rest = &rest[next..],
                None => break,
            }
        }
    }
    bytes.truncate(MAX_DATA);
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if truncated {
        text.push_str("...");
    }
    text
}

/// Whether a write's data may be a DNS query, from a glance at strace's escapes: a query's header
/// counts one question and no answers (`\0\1\0\0\0\0`) right after its id and flags.
fn may_be_dns_query(args: &str) -> bool {
    let head = &args.as_bytes()[..args.len().min(64)];
    memchr::memmem::find(head, br"\0\1\0\0\0\0").is_some()
}

/// The host name a send's data asks for, if it is a DNS query: `sendto`'s or `write`'s buffer,
/// or the first `iov_base` of a message.
fn dns_query(name: &str, data: &str) -> Option<String> {
    let lit = match name {
        "sendto" | "write" => data,
        _ => &data[data.find("iov_base=\"")? + "iov_base=".len()..],
    };
    if !lit.starts_with('"') {
        return None;
    }
    let (bytes, cut) = decode_string(lit);
    dns::query_name(&bytes, cut)
}

/// What a received datagram answers, if it is a DNS answer (its header is in strace's 32 bytes).
fn dns_answer(data: &str) -> Option<dns::Answer> {
    if !data.starts_with('"') {
        return None;
    }
    let (bytes, cut) = decode_string(data);
    dns::answer(&bytes, cut)
}

/// `["sh", "-c", "x"]` → its strings (an abbreviated `...` entry ends the list).
fn string_array(arg: &str) -> Option<Vec<String>> {
    let inner = arg.strip_prefix('[')?;
    let mut out = Vec::new();
    for item in ArgIter::new(inner.strip_suffix(']').unwrap_or(inner)) {
        if out.len() == MAX_ARGV || !item.starts_with('"') {
            break;
        }
        // A string strace cut keeps its `...`: `python3 -c 'import socket; socket.create_con'`
        // would read as the whole command.
        let (bytes, cut) = decode_string(item);
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if cut {
            text.push_str("...");
        }
        out.push(text);
    }
    Some(out)
}

/// Reads `{sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr("127.0.0.1")}` and its
/// IPv6 and unix-socket cousins.
fn sockaddr(ev: &mut Event, text: &str) {
    let family = text["sa_family=".len()..]
        .split([',', '}'])
        .next()
        .unwrap_or("")
        .trim();
    if family.is_empty() {
        return;
    }
    ev.family = Some(family.to_string());
    let port = |key: &str| {
        let at = text.find(key)? + key.len();
        let digits = &text[at..];
        digits[..digits.find(')')?].parse().ok()
    };
    match family {
        "AF_INET" => {
            ev.port = port("sin_port=htons(");
            ev.addr = quoted_after(text, "inet_addr(");
        }
        "AF_INET6" => {
            ev.port = port("sin6_port=htons(");
            ev.addr = text
                .find("inet_pton(AF_INET6, ")
                .and_then(|at| quoted_after(&text[at..], ", "));
        }
        "AF_UNIX" | "AF_LOCAL" => {
            if let Some(at) = text.find("sun_path=") {
                let value = &text[at + "sun_path=".len()..];
                let (abstract_ns, value) = match value.strip_prefix('@') {
                    Some(v) => ("@", v),
                    None => ("", value),
                };
                if value.starts_with('"') {
                    let path = decode_text(value);
                    ev.addr = Some(format!("{abstract_ns}{path}"));
                }
            }
        }
        _ => {}
    }
}

/// The string literal that follows `key` in `text`.
fn quoted_after(text: &str, key: &str) -> Option<String> {
    let lit = &text[text.find(key)? + key.len()..];
    lit.starts_with('"').then(|| decode_text(lit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(name: &str, args: &str, cwd: Option<&str>) -> Event {
        let mut ev = Event::default();
        fill(&mut ev, name, args, &Context { cwd });
        ev
    }

    #[test]
    fn strings() {
        let (b, cut) = decode_string(r#""a\nb\t\"c\\\x41\101\0""#);
        assert_eq!(b, b"a\nb\t\"c\\AA\0");
        assert!(!cut);
        assert!(decode_string(r#""abc"..."#).1);
        assert_eq!(decode_string(r#""\33[0m""#).0, b"\x1b[0m");
    }

    #[test]
    fn paths() {
        let ev = filled(
            "openat",
            r#"AT_FDCWD, "conf/app.toml", O_RDONLY|O_CLOEXEC"#,
            Some("/srv"),
        );
        assert_eq!(ev.path.as_deref(), Some("/srv/conf/app.toml"));
        assert_eq!(ev.flags.as_deref(), Some("O_RDONLY|O_CLOEXEC"));
        let ev = filled("openat", r#"3</etc>, "../x", O_WRONLY|O_CREAT, 0644"#, None);
        assert_eq!(ev.path.as_deref(), Some("/x"));
        assert_eq!(ev.mode, Some(0o644));
        let ev = filled(
            "newfstatat",
            r#"3</etc/passwd>, "", {st_mode=S_IFREG}, AT_EMPTY_PATH"#,
            None,
        );
        assert_eq!(ev.path.as_deref(), Some("/etc/passwd"));
        let ev = filled("rename", r#""a", "/b""#, Some("/w"));
        assert_eq!(
            (ev.path.as_deref(), ev.path2.as_deref()),
            (Some("/w/a"), Some("/b"))
        );
        let ev = filled("mkdir", r#""/data", 0755"#, None);
        assert_eq!(ev.mode, Some(0o755));
        let ev = filled("mount", r#""proc", "/proc", "proc", 0, NULL"#, None);
        assert_eq!(ev.path.as_deref(), Some("/proc"));
    }

    #[test]
    fn kills() {
        let ev = filled("kill", "7, SIGKILL", None);
        assert_eq!(
            (ev.target, ev.signal.as_deref()),
            (Some(7), Some("SIGKILL"))
        );
        let ev = filled("tgkill", "-1, 14, SIGKILL", None);
        assert_eq!(
            (ev.target, ev.signal.as_deref()),
            (Some(-1), Some("SIGKILL"))
        );
        let ev = filled("kill", "7, 0", None);
        assert_eq!((ev.target, ev.signal), (Some(7), None));
    }

    #[test]
    fn sockets() {
        let ev = filled(
            "connect",
            r#"3<TCP:[10066]>, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr("127.0.0.1")}, 16"#,
            None,
        );
        assert_eq!((ev.fd, ev.port), (Some(3), Some(5432)));
        assert_eq!(ev.addr.as_deref(), Some("127.0.0.1"));
        assert_eq!(ev.family.as_deref(), Some("AF_INET"));
        let ev = filled(
            "bind",
            r#"3, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28"#,
            None,
        );
        assert_eq!((ev.addr.as_deref(), ev.port), (Some("::1"), Some(80)));
        let ev = filled(
            "connect",
            r#"3, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110"#,
            None,
        );
        assert_eq!(ev.addr.as_deref(), Some("/run/x.sock"));
        let ev = filled("socket", "AF_INET6, SOCK_STREAM, IPPROTO_TCP", None);
        assert_eq!(ev.family.as_deref(), Some("AF_INET6"));
    }

    #[test]
    fn secrets_in_the_environment() {
        let args = r#""/app", ["/app"], ["HOME=/root", "DB_PASSWORD=hunter2", "api_key=k1", "EMPTY_TOKEN="]"#;
        assert_eq!(secret_env_values("execve", args), vec!["hunter2", "k1"]);
        assert!(secret_env_values("execve", r#""/app", ["/app"], 0x7ff /* 3 vars */"#).is_empty());
    }

    #[test]
    fn routine_calls_are_those_that_carry_nothing() {
        let carries_nothing = |name: &str, args: &str| {
            let ev = filled(name, args, Some("/w"));
            ev.path.is_none() && ev.path2.is_none() && ev.data.is_none()
        };
        let calls = [
            ("close", "3", true),
            ("close", "3</etc/passwd>", false),
            ("read", "3<pipe:[123]>, \"x\", 1", true),
            ("write", "5, \"x\", 1", true),
            ("write", "2, \"x\", 1", false),
            ("write", "4</tmp/log>, \"x\", 1", false),
            // A DNS query written to a connected socket (Go's resolver).
            (
                "write",
                r#"5, "\22\64\1\0\0\1\0\0\0\0\0\0\2db\0\0\1\0\1", 20"#,
                false,
            ),
            (
                "mmap",
                "NULL, 8192, PROT_READ, MAP_PRIVATE, 3</lib/libc.so.6>, 0",
                true,
            ),
            (
                "newfstatat",
                "3, \"\", {st_mode=S_IFREG|0644}, AT_EMPTY_PATH",
                true,
            ),
            (
                "newfstatat",
                "3</etc/hosts>, \"\", {st_mode=S_IFREG}, AT_EMPTY_PATH",
                false,
            ),
            ("newfstatat", "AT_FDCWD, \"app.toml\", 0x7ffd, 0", false),
            ("getrandom", "\"\\x12\\x34\", 2, GRND_NONBLOCK", true),
            ("openat", "AT_FDCWD, \"/etc/hosts\", O_RDONLY", false),
            ("getpid", "", false),
        ];
        for (name, args, routine) in calls {
            assert_eq!(is_routine(name, args), routine, "{name}({args})");
            if routine {
                assert!(carries_nothing(name, args), "{name}({args})");
            }
        }
    }

    #[test]
    fn program_output_inside_a_call() {
        assert_eq!(
            without_program_output("write", r#"2, "ls: ", 4ls: "#),
            r#"2, "ls: ", 4"#
        );
        assert_eq!(
            without_program_output("copy_file_range", "3, NULL, 1, NULL, 92233, 0vm"),
            "3, NULL, 1, NULL, 92233, 0"
        );
        assert_eq!(
            without_program_output("write", r#"1, "a, b", 4"#),
            r#"1, "a, b", 4"#
        );
        assert_eq!(
            without_program_output("openat", "AT_FDCWD, 3x"),
            "AT_FDCWD, 3x"
        );
    }

    #[test]
    fn writes_and_exec() {
        let ev = filled("write", r#"2</dev/pts/0>, "bash: oops\n", 11"#, None);
        assert_eq!((ev.fd, ev.data.as_deref()), (Some(2), Some("bash: oops\n")));
        let ev = filled(
            "writev",
            r#"2, [{iov_base="./app", iov_len=5}, {iov_base=": error", iov_len=7}], 2"#,
            None,
        );
        assert_eq!(ev.data.as_deref(), Some("./app: error"));
        let ev = filled("write", r#"5, "secret", 6"#, None);
        assert_eq!(ev.data, None);
        let ev = filled(
            "execve",
            r#""./run.sh", ["./run.sh", "a b"], 0x7ffd /* 3 vars */"#,
            Some("/app"),
        );
        assert_eq!(ev.path.as_deref(), Some("/app/run.sh"));
        assert_eq!(
            ev.argv,
            Some(vec!["./run.sh".to_string(), "a b".to_string()])
        );
    }
}
