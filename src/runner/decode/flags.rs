//! Flag and constant names as strace prints them (`O_WRONLY|O_CREAT`, `AT_FDCWD`, `AF_INET`...).

/// Names the set bits of `value` from `table`; leftover bits in hex; `zero` when nothing is set.
fn bits(value: u64, table: &[(u64, &str)], zero: &str) -> String {
    let mut parts = Vec::new();
    let mut left = value;
    for &(bit, name) in table {
        if bit != 0 && left & bit == bit {
            parts.push(name.to_string());
            left &= !bit;
        }
    }
    if left != 0 {
        parts.push(format!("{left:#x}"));
    }
    if parts.is_empty() {
        zero.to_string()
    } else {
        parts.join("|")
    }
}

const OPEN_FLAGS: &[(u64, &str)] = &[
    (0o20200000, "O_TMPFILE"),
    (0o4010000, "O_SYNC"),
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
];

/// `O_RDONLY|O_CLOEXEC`.
pub fn open_flags(flags: u64) -> String {
    let access = match flags & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let rest = bits(flags & !3, OPEN_FLAGS, "");
    if rest.is_empty() {
        access.to_string()
    } else {
        format!("{access}|{rest}")
    }
}

/// Whether open's flags make it read a mode argument.
pub fn open_takes_mode(flags: u64) -> bool {
    flags & 0o100 != 0 || flags & 0o20000000 != 0
}

/// A mode as strace prints it: `0644`, `000`.
pub fn mode(mode: u64) -> String {
    format!("0{:02o}", mode & 0o7777)
}

/// A directory file descriptor: `AT_FDCWD` or its number.
pub fn dirfd(fd: u64) -> String {
    if fd as i32 == libc::AT_FDCWD {
        "AT_FDCWD".into()
    } else {
        (fd as i32).to_string()
    }
}

const AT_FLAGS: &[(u64, &str)] = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
];

pub fn at_flags(flags: u64) -> String {
    bits(flags & 0xffff_ffff, AT_FLAGS, "0")
}

/// statx's flags: the sync type first (`AT_STATX_SYNC_AS_STAT` is 0), then the rest.
pub fn statx_flags(flags: u64) -> String {
    let rest = bits(flags & 0xffff_ffff, AT_FLAGS, "");
    match (flags & 0x6000 == 0, rest.is_empty()) {
        (true, true) => "AT_STATX_SYNC_AS_STAT".into(),
        (true, false) => format!("AT_STATX_SYNC_AS_STAT|{rest}"),
        (false, _) => rest,
    }
}

/// renameat2's flags.
pub fn rename_flags(flags: u64) -> String {
    bits(
        flags,
        &[
            (1, "RENAME_NOREPLACE"),
            (2, "RENAME_EXCHANGE"),
            (4, "RENAME_WHITEOUT"),
        ],
        "0",
    )
}

/// access(2) modes: `F_OK`, `R_OK|X_OK`.
pub fn access_mode(mode: u64) -> String {
    bits(mode, &[(4, "R_OK"), (2, "W_OK"), (1, "X_OK")], "F_OK")
}

pub fn family(af: u64) -> String {
    match af {
        0 => "AF_UNSPEC".into(),
        1 => "AF_UNIX".into(),
        2 => "AF_INET".into(),
        10 => "AF_INET6".into(),
        16 => "AF_NETLINK".into(),
        17 => "AF_PACKET".into(),
        n => format!("{n} /* AF_??? */"),
    }
}

pub fn socket_type(ty: u64) -> String {
    let base = match ty & 0xf {
        1 => "SOCK_STREAM".to_string(),
        2 => "SOCK_DGRAM".into(),
        3 => "SOCK_RAW".into(),
        4 => "SOCK_RDM".into(),
        5 => "SOCK_SEQPACKET".into(),
        10 => "SOCK_PACKET".into(),
        n => format!("{n:#x}"),
    };
    let rest = bits(
        ty & !0xf,
        &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")],
        "",
    );
    if rest.is_empty() {
        base
    } else {
        format!("{base}|{rest}")
    }
}

pub fn protocol(family: u64, proto: u64) -> String {
    if family != 2 && family != 10 {
        return proto.to_string();
    }
    match proto {
        0 => "IPPROTO_IP".into(),
        1 => "IPPROTO_ICMP".into(),
        6 => "IPPROTO_TCP".into(),
        17 => "IPPROTO_UDP".into(),
        58 => "IPPROTO_ICMPV6".into(),
        n => n.to_string(),
    }
}

const CLONE_FLAGS: &[(u64, &str)] = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x400000, "CLONE_DETACHED"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
];

/// clone's flags with the exit signal in the low byte: `CLONE_VM|CLONE_VFORK|SIGCHLD`.
pub fn clone_flags(flags: u64) -> String {
    let mut s = bits(flags & !0xff, CLONE_FLAGS, "");
    let sig = flags & 0xff;
    if sig != 0 {
        if !s.is_empty() {
            s.push('|');
        }
        s.push_str(&signal_name(sig as i32));
    }
    if s.is_empty() {
        "0".into()
    } else {
        s
    }
}

/// `send`'s flags: `MSG_NOSIGNAL`, `MSG_DONTWAIT|MSG_NOSIGNAL`.
pub fn send_flags(flags: u64) -> String {
    bits(
        flags & 0xffff_ffff,
        &[
            (0x1, "MSG_OOB"),
            (0x4, "MSG_DONTROUTE"),
            (0x40, "MSG_DONTWAIT"),
            (0x80, "MSG_EOR"),
            (0x800, "MSG_CONFIRM"),
            (0x4000, "MSG_NOSIGNAL"),
            (0x8000, "MSG_MORE"),
            (0x2000_0000, "MSG_FASTOPEN"),
        ],
        "0",
    )
}

/// A `pollfd`'s events: `POLLIN`, `POLLOUT|POLLERR`.
pub fn poll_events(events: u64) -> String {
    bits(
        events & 0xffff,
        &[
            (0x1, "POLLIN"),
            (0x2, "POLLPRI"),
            (0x4, "POLLOUT"),
            (0x8, "POLLERR"),
            (0x10, "POLLHUP"),
            (0x20, "POLLNVAL"),
            (0x40, "POLLRDNORM"),
            (0x80, "POLLRDBAND"),
            (0x100, "POLLWRNORM"),
            (0x200, "POLLWRBAND"),
            (0x400, "POLLMSG"),
            (0x2000, "POLLRDHUP"),
        ],
        "0",
    )
}

/// `recv`'s flags: `MSG_DONTWAIT`, `MSG_PEEK|MSG_TRUNC`.
pub fn recv_flags(flags: u64) -> String {
    bits(
        flags & 0xffff_ffff,
        &[
            (0x1, "MSG_OOB"),
            (0x2, "MSG_PEEK"),
            (0x20, "MSG_TRUNC"),
            (0x40, "MSG_DONTWAIT"),
            (0x100, "MSG_WAITALL"),
            (0x2000, "MSG_ERRQUEUE"),
            (0x4000_0000, "MSG_CMSG_CLOEXEC"),
        ],
        "0",
    )
}

/// A resource limit's name as strace prints it (`RLIMIT_NOFILE`); else the number.
pub fn rlimit_resource(resource: u64) -> String {
    const NAMES: [&str; 16] = [
        "RLIMIT_CPU",
        "RLIMIT_FSIZE",
        "RLIMIT_DATA",
        "RLIMIT_STACK",
        "RLIMIT_CORE",
        "RLIMIT_RSS",
        "RLIMIT_NPROC",
        "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK",
        "RLIMIT_AS",
        "RLIMIT_LOCKS",
        "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE",
        "RLIMIT_RTPRIO",
        "RLIMIT_RTTIME",
    ];
    NAMES
        .get(resource as usize)
        .map_or_else(|| resource.to_string(), |n| n.to_string())
}

/// A limit's value as strace prints it: `RLIM64_INFINITY`, a multiple of 1024 as `64*1024`.
pub fn rlimit_value(value: u64) -> String {
    match value {
        u64::MAX => "RLIM64_INFINITY".into(),
        v if v >= 1024 && v % 1024 == 0 => format!("{}*1024", v / 1024),
        v => v.to_string(),
    }
}

/// `SIGTERM`, or `SIGRT_3`, or `SIG77`.
pub fn signal_name(sig: i32) -> String {
    match nix::sys::signal::Signal::try_from(sig) {
        Ok(s) => s.as_str().to_string(),
        Err(_) if (libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&sig) => {
            format!("SIGRT_{}", sig - libc::SIGRTMIN())
        }
        Err(_) => format!("SIG{sig}"),
    }
}

/// A signal's `si_code` as strace names it: who sent it (`SI_USER`, `SI_KERNEL`, `SI_TKILL`) or,
/// for a fault, what kind it was (`SEGV_MAPERR`, `BUS_ADRALN`, `FPE_INTDIV`); else the number.
pub fn si_code(sig: i32, code: i32) -> String {
    let general = match code {
        0 => Some("SI_USER"),
        0x80 => Some("SI_KERNEL"),
        -1 => Some("SI_QUEUE"),
        -2 => Some("SI_TIMER"),
        -3 => Some("SI_MESGQ"),
        -4 => Some("SI_ASYNCIO"),
        -5 => Some("SI_SIGIO"),
        -6 => Some("SI_TKILL"),
        _ => None,
    };
    let specific: &[&str] = match sig {
        libc::SIGSEGV => &["SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"],
        libc::SIGBUS => &[
            "BUS_ADRALN",
            "BUS_ADRERR",
            "BUS_OBJERR",
            "BUS_MCEERR_AR",
            "BUS_MCEERR_AO",
        ],
        libc::SIGILL => &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
            "ILL_PRVREG",
            "ILL_COPROC",
            "ILL_BADSTK",
        ],
        libc::SIGFPE => &[
            "FPE_INTDIV",
            "FPE_INTOVF",
            "FPE_FLTDIV",
            "FPE_FLTOVF",
            "FPE_FLTUND",
            "FPE_FLTRES",
            "FPE_FLTINV",
            "FPE_FLTSUB",
        ],
        libc::SIGTRAP => &["TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"],
        libc::SIGCHLD => &[
            "CLD_EXITED",
            "CLD_KILLED",
            "CLD_DUMPED",
            "CLD_TRAPPED",
            "CLD_STOPPED",
            "CLD_CONTINUED",
        ],
        libc::SIGSYS => &["SYS_SECCOMP"],
        _ => &[],
    };
    let numbered = usize::try_from(code)
        .ok()
        .and_then(|c| c.checked_sub(1))
        .and_then(|i| specific.get(i).copied());
    general
        .or(numbered)
        .map_or_else(|| code.to_string(), String::from)
}

/// `-1` for the "unchanged" id, else the number.
pub fn id(value: u64) -> String {
    match value as u32 {
        u32::MAX => "-1".into(),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn si_codes_are_named_as_strace_names_them() {
        use super::si_code;
        assert_eq!(si_code(libc::SIGSEGV, 1), "SEGV_MAPERR");
        assert_eq!(si_code(libc::SIGSEGV, 0x80), "SI_KERNEL");
        assert_eq!(si_code(libc::SIGCHLD, 1), "CLD_EXITED");
        assert_eq!(si_code(libc::SIGTERM, 0), "SI_USER");
        assert_eq!(si_code(libc::SIGABRT, -6), "SI_TKILL");
        assert_eq!(si_code(libc::SIGSEGV, 9), "9");
    }

    #[test]
    fn poll_events_are_named() {
        assert_eq!(super::poll_events(1), "POLLIN");
        assert_eq!(super::poll_events(0x2005), "POLLIN|POLLOUT|POLLRDHUP");
        assert_eq!(super::poll_events(0), "0");
    }

    #[test]
    fn receive_flags_are_their_own() {
        assert_eq!(super::recv_flags(0), "0");
        assert_eq!(super::recv_flags(0x22), "MSG_PEEK|MSG_TRUNC");
    }

    use super::*;

    #[test]
    fn names_like_strace() {
        assert_eq!(open_flags(0), "O_RDONLY");
        assert_eq!(open_flags(0o2000000), "O_RDONLY|O_CLOEXEC");
        assert_eq!(open_flags(0o1101), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(open_flags(0o20200002), "O_RDWR|O_TMPFILE");
        assert_eq!(mode(0o644), "0644");
        assert_eq!(mode(0), "000");
        assert_eq!(dirfd(-100i64 as u64), "AT_FDCWD");
        assert_eq!(at_flags(0x1100), "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
        assert_eq!(access_mode(0), "F_OK");
        assert_eq!(
            statx_flags(0x900),
            "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT"
        );
        assert_eq!(rename_flags(1), "RENAME_NOREPLACE");
        assert_eq!(access_mode(5), "R_OK|X_OK");
        assert_eq!(socket_type(0o2000001), "SOCK_STREAM|SOCK_CLOEXEC");
        assert_eq!(
            clone_flags(0x1200011),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
        );
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(id(u32::MAX as u64), "-1");
    }
}
