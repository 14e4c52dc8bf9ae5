//! Decoding a system call the way strace prints it: the call text, and the event's structured
//! fields (path made absolute, flags, mode, address and port, argv).

pub mod flags;
pub mod mem;
pub mod siginfo;
pub mod sockaddr;
pub mod text;

use std::os::unix::ffi::OsStrExt;

use nix::unistd::Pid;
use syscalls::Sysno;

use crate::trace::{dns, Event, EventKind, Name};

/// Longest path read from a tracee.
const PATH_MAX: usize = 4096;
/// Longest argv string kept, and how many argv entries.
pub(crate) const ARG_MAX: usize = 256;
pub(crate) const ARGV_MAX: usize = 32;
/// Bytes of a write kept for the output tails.
pub const WRITE_MAX: usize = 4096;
/// Bytes of a datagram read for its DNS query (a query over UDP fits in 512).
const DATAGRAM_MAX: usize = 512;
/// How many of `sendmmsg`'s messages are shown.
const MESSAGES_MAX: usize = 4;

/// A call decoded at its entry, waiting for its result.
#[derive(Debug, Clone)]
pub struct Entry {
    pub sysno: Option<Sysno>,
    /// The call text up to (not including) the closing parenthesis.
    head: String,
    pub event: Event,
    /// The path as the tracee named it, made absolute: what evidence looks at.
    pub abs_path: Option<Vec<u8>>,
    /// The path exactly as the tracee passed it, when it was read whole (for `predict`).
    pub raw_path: Option<Vec<u8>>,
    /// Bytes written to fd 1 or 2.
    pub output: Option<(i32, Vec<u8>)>,
    /// An open that expects a file found a directory at entry (`predict`): its event gets the
    /// directory's evidence, whatever it returns.
    pub found_directory: bool,
    /// A `getsockopt(fd, SOL_SOCKET, SO_ERROR, ...)`'s value and length pointers: its result is
    /// the outcome of a non-blocking connect (see [`crate::trace::deferred`]).
    so_error_at: Option<(u64, u64)>,
    /// A receive on a name server's socket, whose arguments are shown once its data is there.
    receive: Option<Receive>,
    /// A `poll` for a name server's answer: recorded only when it timed out.
    dns_wait: bool,
}

/// The arguments of a `read` or `recvfrom` that only its exit fills.
#[derive(Debug, Clone)]
struct Receive {
    from: bool,
    buf: u64,
    size: u64,
    flags: u64,
    addr: u64,
    addr_len_at: u64,
    /// The address room the caller offered (`[28 => 16]` after the call).
    addr_room: Option<u32>,
}

impl Entry {
    /// Whether the call's result matters (a write's or exit's does not: they are recorded at
    /// entry, without a second stop).
    pub fn wants_result(&self) -> bool {
        !matches!(
            self.sysno,
            Some(Sysno::write | Sysno::writev | Sysno::exit_group | Sysno::exit)
        )
    }

    /// After a successful `getsockopt(SO_ERROR)`: reads the error it reported into the call text
    /// and returns it (0: the connection was made). `None` for any other call.
    pub fn read_so_error(&mut self, pid: Pid) -> Option<i32> {
        let (value_at, len_at) = self.so_error_at.take()?;
        let int_at = |addr| {
            let b = mem::read_bytes(pid, addr, 4);
            b.try_into().map(i32::from_ne_bytes).ok()
        };
        let error = int_at(value_at)?;
        let shown = if error == 0 {
            "0".to_string()
        } else {
            errno_text(error).0.into_owned()
        };
        let len = int_at(len_at).map_or_else(|| ptr(len_at), |n| n.to_string());
        self.head.push_str(&format!(", [{shown}], [{len}]"));
        Some(error)
    }

    /// Whether it is a `poll` for a name server's answer ([`dns_wait`]).
    pub fn is_dns_wait(&self) -> bool {
        self.dns_wait
    }

    /// Whether it is a receive on a name server's socket ([`dns_receive`]).
    pub fn is_dns_receive(&self) -> bool {
        self.receive.is_some()
    }

    /// After a receive of `len` bytes on a name server's socket: reads the datagram into the call
    /// text, as strace shows it, and the answer it carries into the event. Returns whether it
    /// was a DNS answer.
    pub fn read_received(&mut self, pid: Pid, len: i64) -> bool {
        let Some(r) = self.receive.take() else {
            return false;
        };
        let data = mem::read_bytes(pid, r.buf, (len.max(0) as usize).min(DATAGRAM_MAX));
        let answer = dns::answer(&data, false);
        self.head.push_str(&format!(
            ", {}, {}",
            text::quote(&data[..data.len().min(32)], len > 32),
            r.size
        ));
        if r.from {
            let room_after = mem::read_u32(pid, r.addr_len_at);
            let addr = match (r.addr, room_after) {
                (0, _) => "NULL".to_string(),
                (at, Some(n)) => {
                    let a = sockaddr::decode(&mem::read_bytes(pid, at, (n as usize).min(128)));
                    (self.event.family, self.event.addr, self.event.port) =
                        (a.family, a.addr, a.port);
                    a.text
                }
                (at, None) => ptr(at),
            };
            let room = match (r.addr_room, room_after) {
                _ if r.addr_len_at == 0 => "NULL".to_string(),
                (Some(before), Some(after)) if before != after => format!("[{before} => {after}]"),
                (_, Some(after)) => format!("[{after}]"),
                _ => ptr(r.addr_len_at),
            };
            self.head
                .push_str(&format!(", {}, {addr}, {room}", flags::recv_flags(r.flags)));
        }
        let Some(answer) = answer else {
            return false;
        };
        self.event.rcode = Some(answer.rcode);
        self.event.answers = Some(answer.answers);
        self.event.query = answer.name;
        true
    }

    /// Completes the event with the call's result (`None`: the call never returned).
    pub fn finish(mut self, result: Option<(i64, bool)>) -> Event {
        if let Some((value_at, len_at)) = self.so_error_at.take() {
            self.head
                .push_str(&format!(", {}, {}", ptr(value_at), ptr(len_at)));
        }
        if let Some(r) = self.receive.take() {
            self.head.push_str(&format!(", {}, {}", ptr(r.buf), r.size));
            if r.from {
                self.head.push_str(&format!(
                    ", {}, {}, {}",
                    flags::recv_flags(r.flags),
                    ptr(r.addr),
                    ptr(r.addr_len_at)
                ));
            }
        }
        let ret = match result {
            None => "?".to_string(),
            Some((val, true)) => {
                let errno = (-val) as i32;
                let (name, desc) = errno_text(errno);
                self.event.ret = Some(-1);
                self.event.errno = Some(name.clone());
                let shown = if errno >= 512 { "?" } else { "-1" };
                format!("{shown} {name} ({desc})")
            }
            Some((val, false)) => {
                self.event.ret = Some(val);
                if val == 0 && self.dns_wait {
                    "0 (Timeout)".to_string()
                } else {
                    val.to_string()
                }
            }
        };
        self.event.call = format!("{}) = {ret}", self.head);
        self.event
    }
}

/// The name and description of an errno, as strace gives them.
pub fn errno_text(errno: i32) -> (Name, &'static str) {
    let kernel_only = match errno {
        512 => Some(("ERESTARTSYS", "To be restarted if SA_RESTART is set")),
        513 => Some(("ERESTARTNOINTR", "To be restarted")),
        514 => Some(("ERESTARTNOHAND", "To be restarted if no handler")),
        516 => Some(("ERESTART_RESTARTBLOCK", "Interrupted by signal")),
        _ => None,
    };
    if let Some((n, d)) = kernel_only {
        return (Name::Borrowed(n), d);
    }
    let e = syscalls::Errno::new(errno);
    (
        e.name()
            .map_or_else(|| Name::Owned(format!("E{errno}")), Name::Borrowed),
        e.description().unwrap_or("Unknown error"),
    )
}

/// `getsockopt`'s level and option for a socket's pending error.
const SOL_SOCKET: u64 = libc::SOL_SOCKET as u64;
const SO_ERROR: u64 = libc::SO_ERROR as u64;

/// How one argument is shown.
#[derive(Clone, Copy)]
enum Arg {
    Path,
    Path2,
    DirFd,
    OpenFlags,
    /// open's mode, shown only with `O_CREAT`/`O_TMPFILE` (the flags are the previous argument).
    OpenMode,
    Mode,
    Access,
    At,
    StatxAt,
    Fd,
    Int,
    Id,
    Ptr,
    Hex,
    Str,
    Argv,
    Envp,
    Sockaddr,
    SockLevel,
    SockOpt,
    Domain,
    SockType,
    Proto,
    OpenHow,
    Clone3,
    RenameFlags,
    Buf,
    Iov,
    /// A datagram sent (`sendto`): shown like a write, read for a DNS query.
    Datagram,
    /// `sendmmsg`'s vector of messages.
    Mmsg,
    SendFlags,
    /// The process a kill call signals.
    Target,
    /// A signal number, shown by name.
    Signal,
    /// A resource limit's name (`RLIMIT_NOFILE`).
    Resource,
    /// A `struct rlimit` to set (`{rlim_cur=64*1024, rlim_max=64*1024}`), or NULL.
    Rlimit,
}

fn layout(sysno: Sysno) -> Option<&'static [Arg]> {
    use Arg::*;
    use Sysno as S;
    Some(match sysno {
        S::execve => &[Path, Argv, Envp],
        S::execveat => &[DirFd, Path, Argv, Envp, At],
        S::open => &[Path, OpenFlags, OpenMode],
        S::openat => &[DirFd, Path, OpenFlags, OpenMode],
        S::openat2 => &[DirFd, Path, OpenHow, Int],
        S::creat | S::mkdir | S::chmod => &[Path, Mode],
        S::stat | S::lstat => &[Path, Ptr],
        S::newfstatat => &[DirFd, Path, Ptr, At],
        S::statx => &[DirFd, Path, StatxAt, Hex, Ptr],
        S::access => &[Path, Access],
        S::faccessat => &[DirFd, Path, Access],
        S::faccessat2 => &[DirFd, Path, Access, At],
        S::readlink => &[Path, Ptr, Int],
        S::readlinkat => &[DirFd, Path, Ptr, Int],
        S::mkdirat | S::fchmodat => &[DirFd, Path, Mode],
        S::fchmodat2 => &[DirFd, Path, Mode, At],
        S::unlink | S::chdir | S::chroot => &[Path],
        S::unlinkat => &[DirFd, Path, At],
        S::rename => &[Path, Path2],
        S::renameat => &[DirFd, Path, DirFd, Path2],
        S::renameat2 => &[DirFd, Path, DirFd, Path2, RenameFlags],
        S::chown | S::lchown => &[Path, Id, Id],
        S::fchownat => &[DirFd, Path, Id, Id, At],
        S::socket => &[Domain, SockType, Proto],
        S::connect | S::bind => &[Fd, Sockaddr, Int],
        S::listen => &[Fd, Int],
        S::getsockopt => &[Fd, SockLevel, SockOpt],
        S::sendto => &[Fd, Datagram, Int, SendFlags, Sockaddr, Int],
        S::sendmmsg => &[Fd, Mmsg, Int, SendFlags],
        S::setuid | S::setgid => &[Id],
        S::setreuid | S::setregid => &[Id, Id],
        S::setresuid | S::setresgid => &[Id, Id, Id],
        S::setgroups => &[Int, Ptr],
        S::capset => &[Ptr, Ptr],
        S::mount => &[Str, Path, Str, Hex, Ptr],
        S::clone3 => &[Clone3, Int],
        S::fork | S::vfork => &[],
        S::write => &[Fd, Buf, Int],
        S::writev => &[Fd, Iov, Int],
        S::exit_group | S::exit => &[Int],
        S::kill | S::tkill => &[Target, Signal],
        S::tgkill => &[Target, Int, Signal],
        S::setrlimit => &[Resource, Rlimit],
        S::prlimit64 => &[Int, Resource, Rlimit, Ptr],
        _ => return None,
    })
}

/// Decodes a call at its entry (or seccomp) stop.
pub fn entry(pid: Pid, nr: u64, args: [u64; 6]) -> Entry {
    entry_as(pid, nr, args, Sysno::new(nr as usize).and_then(layout))
}

/// Decodes a send on a socket connected to a name server (`tracer`'s DNS follow): a `write`'s
/// buffer is read as the datagram it is, for its query, as `sendto`'s is.
pub fn dns_send(pid: Pid, nr: u64, args: [u64; 6]) -> Entry {
    let layout = match Sysno::new(nr as usize) {
        Some(Sysno::write) => Some(&[Arg::Fd, Arg::Datagram, Arg::Int][..]),
        sysno => sysno.and_then(layout),
    };
    entry_as(pid, nr, args, layout)
}

/// Decodes a receive (`read`, `recvfrom`) on a socket connected to a name server at its entry:
/// only the socket is known then; [`Entry::read_received`] reads the rest at its exit.
pub fn dns_receive(pid: Pid, nr: u64, args: [u64; 6]) -> Entry {
    let from = nr == Sysno::recvfrom.id() as u64;
    let mut entry = entry_as(pid, nr, args, Some(&[Arg::Fd]));
    let addr_room = (from && args[5] != 0)
        .then(|| mem::read_u32(pid, args[5]))
        .flatten();
    entry.receive = Some(Receive {
        from,
        buf: args[1],
        size: args[2],
        flags: if from { args[3] } else { 0 },
        addr: if from { args[4] } else { 0 },
        addr_len_at: if from { args[5] } else { 0 },
        addr_room,
    });
    entry
}

/// Decodes a `poll` of a task waiting for a name server's answer, at its entry
/// (`poll([{fd=3, events=POLLIN}], 1, 5000)`), for the server it waits for: if it times out,
/// the server never answered. `None` when the poll is not for the server's socket.
pub fn dns_wait(pid: Pid, args: [u64; 6], server: &Event) -> Option<Entry> {
    /// How many of the descriptors polled are shown.
    const POLLFDS_MAX: u64 = 4;
    let count = args[1].min(POLLFDS_MAX);
    let raw = mem::read_bytes(pid, args[0], (count * 8) as usize);
    let polled: Vec<(i32, u16)> = raw
        .chunks_exact(8)
        .map(|p| {
            let fd = i32::from_ne_bytes([p[0], p[1], p[2], p[3]]);
            (fd, u16::from_ne_bytes([p[4], p[5]]))
        })
        .collect();
    if !polled.iter().any(|&(fd, _)| Some(fd) == server.fd) {
        return None;
    }
    let mut fds: Vec<String> = polled
        .iter()
        .map(|&(fd, events)| format!("{{fd={fd}, events={}}}", flags::poll_events(events.into())))
        .collect();
    if args[1] > count {
        fds.push("...".into());
    }
    let mut entry = entry_as(pid, Sysno::poll.id() as u64, args, Some(&[]));
    entry.head.push_str(&format!(
        "[{}], {}, {}",
        fds.join(", "),
        args[1],
        args[2] as i32
    ));
    entry.dns_wait = true;
    entry.event.fd = server.fd;
    entry.event.addr = server.addr.clone();
    entry.event.port = server.port;
    entry.event.family = server.family.clone();
    Some(entry)
}

fn entry_as(pid: Pid, nr: u64, args: [u64; 6], layout: Option<&[Arg]>) -> Entry {
    let sysno = Sysno::new(nr as usize);
    let name: Name = sysno.map_or_else(|| format!("syscall_{nr:#x}").into(), |s| s.name().into());
    let mut d = Decoder {
        pid,
        args,
        parts: Vec::new(),
        event: Event {
            pid: pid.as_raw(),
            kind: EventKind::Syscall,
            syscall: Some(name.clone()),
            ..Event::default()
        },
        abs_path: None,
        raw_path: None,
        output: None,
        dirfd: None,
    };
    match (sysno, layout) {
        (Some(Sysno::clone), _) => d.clone_args(),
        (_, Some(layout)) => {
            for (i, arg) in layout.iter().enumerate() {
                d.arg(i, *arg);
            }
        }
        // Outside the prefiltered set (`--full`): the raw arguments.
        _ => d.parts = args.iter().map(|a| format!("{a:#x}")).collect(),
    }
    let so_error_at = (sysno == Some(Sysno::getsockopt)
        && (args[1], args[2]) == (SOL_SOCKET, SO_ERROR))
        .then_some((args[3], args[4]));
    if sysno == Some(Sysno::getsockopt) && so_error_at.is_none() {
        d.parts.extend([ptr(args[3]), ptr(args[4])]);
    }
    Entry {
        sysno,
        head: format!("{name}({}", d.parts.join(", ")),
        so_error_at,
        receive: None,
        dns_wait: false,
        event: d.event,
        abs_path: d.abs_path,
        raw_path: d.raw_path,
        output: d.output,
        found_directory: false,
    }
}

/// The bytes a `write` or `writev` carries (bounded), without decoding the call: for the output
/// tails, the only use of a write in prefiltered mode. `None` for any other call.
pub fn written(pid: Pid, nr: u64, args: [u64; 6]) -> Option<(i32, Vec<u8>)> {
    let sysno = Sysno::new(nr as usize).filter(|s| matches!(s, Sysno::write | Sysno::writev))?;
    let fd = args[0] as i32;
    if !matches!(fd, 1 | 2) {
        return Some((fd, Vec::new()));
    }
    let data = match sysno {
        Sysno::write => mem::read_bytes(pid, args[1], (args[2] as usize).min(WRITE_MAX)),
        Sysno::writev => iov_data(pid, args[1], args[2] as usize).0,
        _ => return None,
    };
    Some((fd, data))
}

/// An iovec array as strace shows it: each entry's first 32 bytes and its length.
fn iov_text(data: &[u8], parts: &[(usize, usize)]) -> String {
    let shown: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, &(start, len))| {
            let end = parts.get(i + 1).map_or(data.len(), |p| p.0);
            let part = &data[start..end];
            format!(
                "{{iov_base={}, iov_len={len}}}",
                text::quote(&part[..part.len().min(32)], len > 32)
            )
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

/// The bytes of an iovec array (up to 64 entries and [`WRITE_MAX`] bytes), and each entry as
/// (the bytes read from it, its length).
fn iov_data(pid: Pid, addr: u64, count: usize) -> (Vec<u8>, Vec<(usize, usize)>) {
    let raw = mem::read_bytes(pid, addr, count.min(64) * 16);
    let mut data = Vec::new();
    let mut parts = Vec::new();
    for pair in raw.chunks_exact(16) {
        let base = u64::from_ne_bytes(pair[..8].try_into().expect("8 bytes"));
        let len = u64::from_ne_bytes(pair[8..].try_into().expect("8 bytes")) as usize;
        let room = WRITE_MAX.saturating_sub(data.len());
        let part = mem::read_bytes(pid, base, len.min(room));
        parts.push((data.len(), len));
        data.extend_from_slice(&part);
    }
    (data, parts)
}

struct Decoder {
    pid: Pid,
    args: [u64; 6],
    parts: Vec<String>,
    event: Event,
    abs_path: Option<Vec<u8>>,
    raw_path: Option<Vec<u8>>,
    output: Option<(i32, Vec<u8>)>,
    /// The directory the next path argument is relative to.
    dirfd: Option<u64>,
}

impl Decoder {
    fn arg(&mut self, i: usize, arg: Arg) {
        let v = self.args[i];
        let part = match arg {
            Arg::Path | Arg::Path2 => {
                let dirfd = self.dirfd.take();
                self.path(v, dirfd, matches!(arg, Arg::Path2))
            }
            Arg::DirFd => {
                self.dirfd = Some(v);
                flags::dirfd(v)
            }
            Arg::OpenFlags => {
                let f = flags::open_flags(v);
                self.event.flags = Some(f.clone());
                f
            }
            Arg::OpenMode => {
                if !flags::open_takes_mode(self.args[i - 1]) {
                    return;
                }
                self.event.mode = Some(v as u32 & 0o7777);
                flags::mode(v)
            }
            Arg::Mode => {
                self.event.mode = Some(v as u32 & 0o7777);
                flags::mode(v)
            }
            Arg::Access => flags::access_mode(v),
            Arg::At => flags::at_flags(v),
            Arg::StatxAt => flags::statx_flags(v),
            Arg::Fd => {
                self.event.fd = Some(v as i32);
                (v as i32).to_string()
            }
            Arg::Int => (v as i64).to_string(),
            Arg::Target => {
                self.event.target = Some(v as i32);
                (v as i32).to_string()
            }
            Arg::Signal => {
                let name = flags::signal_name(v as i32);
                self.event.signal = Some(name.clone());
                name
            }
            Arg::Id => flags::id(v),
            Arg::Resource => flags::rlimit_resource(v),
            Arg::Rlimit if v == 0 => ptr(v),
            Arg::Rlimit => match (
                mem::read_u64(self.pid, v),
                mem::read_u64(self.pid, v.wrapping_add(8)),
            ) {
                (Some(cur), Some(max)) => format!(
                    "{{rlim_cur={}, rlim_max={}}}",
                    flags::rlimit_value(cur),
                    flags::rlimit_value(max)
                ),
                _ => ptr(v),
            },
            Arg::Ptr => ptr(v),
            Arg::Hex => format!("{v:#x}"),
            Arg::Str => match mem::read_cstr(self.pid, v, ARG_MAX) {
                Some((s, cut)) => text::quote(&s, cut),
                None => ptr(v),
            },
            Arg::Argv => self.argv(v),
            Arg::Envp => {
                let (vars, more) = mem::read_ptr_array(self.pid, v, 4096);
                format!(
                    "{} /* {}{} vars */",
                    ptr(v),
                    vars.len(),
                    if more { "+" } else { "" }
                )
            }
            Arg::Sockaddr if v == 0 => "NULL".into(),
            Arg::Sockaddr => {
                let len = (self.args[i + 1] as usize).min(128);
                let a = sockaddr::decode(&mem::read_bytes(self.pid, v, len));
                self.event.family = a.family;
                self.event.addr = a.addr;
                self.event.port = a.port;
                a.text
            }
            Arg::SockLevel if v == SOL_SOCKET => "SOL_SOCKET".into(),
            Arg::SockOpt if (self.args[1], v) == (SOL_SOCKET, SO_ERROR) => "SO_ERROR".into(),
            Arg::SockLevel | Arg::SockOpt => (v as i32).to_string(),
            Arg::Domain => {
                let f = flags::family(v);
                self.event.family = Some(f.clone());
                f
            }
            Arg::SockType => flags::socket_type(v),
            Arg::Proto => flags::protocol(self.args[0], v),
            Arg::OpenHow => {
                let how = mem::read_bytes(self.pid, v, 24);
                let word = |k: usize| {
                    how.get(k * 8..k * 8 + 8)
                        .map_or(0, |b| u64::from_ne_bytes(b.try_into().expect("8 bytes")))
                };
                let f = flags::open_flags(word(0));
                self.event.flags = Some(f.clone());
                format!(
                    "{{flags={f}, mode={}, resolve={:#x}}}",
                    flags::mode(word(1)),
                    word(2)
                )
            }
            Arg::Clone3 => match mem::read_u64(self.pid, v) {
                Some(f) => format!("{{flags={}, ...}}", flags::clone_flags(f)),
                None => ptr(v),
            },
            Arg::RenameFlags => flags::rename_flags(v),
            // Only the output streams are read (for the tails); other writes show the pointer.
            Arg::Buf if !matches!(self.args[0], 1 | 2) => ptr(v),
            Arg::Iov if !matches!(self.args[0], 1 | 2) => ptr(v),
            Arg::Buf => {
                let len = (self.args[2] as usize).min(WRITE_MAX);
                let data = mem::read_bytes(self.pid, v, len);
                let shown = text::quote(&data[..data.len().min(32)], self.args[2] > 32);
                self.output = Some((self.args[0] as i32, data));
                shown
            }
            Arg::Iov => {
                let (data, parts) = iov_data(self.pid, v, self.args[2] as usize);
                let shown = iov_text(&data, &parts);
                self.output = Some((self.args[0] as i32, data));
                shown
            }
            Arg::Datagram => {
                let len = self.args[2] as usize;
                let data = mem::read_bytes(self.pid, v, len.min(DATAGRAM_MAX));
                self.event.query = dns::query_name(&data, false);
                text::quote(&data[..data.len().min(32)], len > 32)
            }
            Arg::Mmsg => self.messages(v, self.args[2] as usize),
            Arg::SendFlags => flags::send_flags(v),
        };
        self.parts.push(part);
    }

    fn path(&mut self, addr: u64, dirfd: Option<u64>, second: bool) -> String {
        let Some((raw, cut)) = mem::read_cstr(self.pid, addr, PATH_MAX) else {
            return ptr(addr);
        };
        let abs = absolute(self.pid, &raw, dirfd);
        // The lookups of evidence and prediction use the spelling the kernel got.
        let shown = crate::trace::path::tidy(text::lossless(&abs));
        if second {
            self.event.path2 = Some(shown);
        } else {
            self.event.path = Some(shown);
            self.abs_path = Some(abs);
        }
        let quoted = text::quote(&raw, cut);
        if !second && !cut {
            self.raw_path = Some(raw);
        }
        quoted
    }

    fn argv(&mut self, addr: u64) -> String {
        let (ptrs, more) = mem::read_ptr_array(self.pid, addr, ARGV_MAX);
        let mut shown = Vec::new();
        let mut argv = Vec::new();
        for p in ptrs {
            let (s, cut) = mem::read_cstr(self.pid, p, ARG_MAX).unwrap_or_default();
            shown.push(text::quote(&s, cut));
            argv.push(text::lossless(&s));
        }
        if more {
            shown.push("...".into());
        }
        self.event.argv = Some(argv);
        format!("[{}]", shown.join(", "))
    }

    /// `sendmmsg`'s messages (the first few), as strace shows them at entry; the first
    /// message's address and DNS query fill the event.
    fn messages(&mut self, addr: u64, count: usize) -> String {
        const MMSGHDR: usize = 64;
        let raw = mem::read_bytes(self.pid, addr, count.min(MESSAGES_MAX) * MMSGHDR);
        let mut shown = Vec::new();
        for (i, m) in raw.chunks_exact(MMSGHDR).enumerate() {
            let word = |k: usize| u64::from_ne_bytes(m[k..k + 8].try_into().expect("8 bytes"));
            let (name_at, name_len) = (word(0), word(8) as u32 as usize);
            let (iov_at, iov_len) = (word(16), word(24) as usize);
            let name = if name_at == 0 {
                "NULL".to_string()
            } else {
                let a = sockaddr::decode(&mem::read_bytes(self.pid, name_at, name_len.min(128)));
                if i == 0 {
                    (self.event.family, self.event.addr, self.event.port) =
                        (a.family, a.addr, a.port);
                }
                a.text
            };
            let (data, parts) = iov_data(self.pid, iov_at, iov_len);
            if i == 0 {
                self.event.query = dns::query_name(&data, false);
            }
            shown.push(format!(
                "{{msg_hdr={{msg_name={name}, msg_namelen={name_len}, msg_iov={}, msg_iovlen={iov_len}, msg_controllen={}, msg_flags=0}}}}",
                iov_text(&data, &parts),
                word(40)
            ));
        }
        if count > shown.len() {
            shown.push("...".into());
        }
        format!("[{}]", shown.join(", "))
    }

    /// x86-64 clone: flags, stack, parent_tid, child_tid, tls.
    fn clone_args(&mut self) {
        let a = self.args;
        self.parts = vec![
            format!("child_stack={}", ptr(a[1])),
            format!("flags={}", flags::clone_flags(a[0])),
        ];
        if a[0] & 0x0100_0000 != 0 || a[0] & 0x0020_0000 != 0 {
            self.parts.push(format!("child_tidptr={}", ptr(a[3])));
        }
        if a[0] & 0x0010_0000 != 0 {
            self.parts.push(format!("parent_tid={}", ptr(a[2])));
        }
        if a[0] & 0x0008_0000 != 0 {
            self.parts.push(format!("tls={}", ptr(a[4])));
        }
    }
}

fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

/// The path made absolute against the dirfd (or the cwd) as the tracee sees them.
fn absolute(pid: Pid, raw: &[u8], dirfd: Option<u64>) -> Vec<u8> {
    if raw.first() == Some(&b'/') || raw.is_empty() {
        return raw.to_vec();
    }
    let base = match dirfd {
        Some(fd) if fd as i32 != libc::AT_FDCWD => format!("/proc/{pid}/fd/{}", fd as i32),
        _ => format!("/proc/{pid}/cwd"),
    };
    match std::fs::read_link(base) {
        Ok(dir) => {
            let mut out = dir.as_os_str().as_bytes().to_vec();
            if out.last() != Some(&b'/') {
                out.push(b'/');
            }
            out.extend_from_slice(raw.strip_prefix(b"./").unwrap_or(raw));
            out
        }
        Err(_) => raw.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_own_openat() {
        let me = Pid::this();
        let path = b"rel/file\0";
        let e = entry(
            me,
            Sysno::openat as u64,
            [-100i64 as u64, path.as_ptr() as u64, 0o101, 0o644, 0, 0],
        );
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            e.event.path.as_deref(),
            Some(format!("{}/rel/file", cwd.display()).as_str())
        );
        let ev = e.finish(Some((-2, true)));
        assert_eq!(
            ev.call,
            r#"openat(AT_FDCWD, "rel/file", O_WRONLY|O_CREAT, 0644) = -1 ENOENT (No such file or directory)"#
        );
        assert_eq!((ev.ret, ev.errno.as_deref()), (Some(-1), Some("ENOENT")));
        assert_eq!(ev.mode, Some(0o644));
    }

    #[test]
    fn decodes_execve_argv() {
        let me = Pid::this();
        let (p, a1) = (b"/bin/x\0", b"-v\0");
        let argv: [u64; 3] = [p.as_ptr() as u64, a1.as_ptr() as u64, 0];
        let e = entry(
            me,
            Sysno::execve as u64,
            [p.as_ptr() as u64, argv.as_ptr() as u64, 0, 0, 0, 0],
        );
        let ev = e.finish(Some((0, false)));
        assert!(
            ev.call
                .starts_with(r#"execve("/bin/x", ["/bin/x", "-v"], NULL /* 0 vars */) = 0"#),
            "{}",
            ev.call
        );
        assert_eq!(ev.argv, Some(vec!["/bin/x".to_string(), "-v".to_string()]));
    }
}
