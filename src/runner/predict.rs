//! Predicting a lookup's result at the seccomp stop, so that the call needs no syscall-exit stop.
//!
//! An open or stat costs two ptrace stops: the seccomp stop at entry and the exit stop for the
//! result. When the tracer sees the tracee exactly as the kernel will (same credentials, same
//! mount and user namespace, same root, same security label), it resolves the path itself
//! (`O_PATH`, no side effect) from the tracee's cwd or dirfd. An ENOENT there is the ENOENT the
//! tracee gets. A path found there makes a stat (or an `access(F_OK)`) return 0, once the kernel
//! can fill the stat buffer: the tracer checks that the buffer is mapped by reading it. Either
//! way the call is recorded without waiting for it. Anything else (an open of a file that
//! exists, whose descriptor only the exit tells; another errno; a doubt about the view) leaves
//! the exit stop in place.
//!
//! What it cannot see: the future (a file created or removed by another process between our
//! lookup and the tracee's call is recorded as it was at our lookup), and a stat buffer that is
//! mapped but read-only (EFAULT for the program, recorded as a success). The program itself is
//! never affected: only what we record is.

use std::os::fd::{AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{openat2, OFlag, OpenHow, ResolveFlag, AT_FDCWD};
use nix::sys::stat::Mode;
use nix::unistd::Pid;
use syscalls::Sysno;

use super::evidence::read_proc;

/// `__O_TMPFILE` (O_TMPFILE without O_DIRECTORY): such an open makes a file.
const O_TMPFILE_BIT: u64 = 0o20000000;
/// statx's sync-type bits (`AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC`); both set is EINVAL.
const AT_STATX_SYNC_TYPE: u64 = 0x6000;
/// `STATX__RESERVED`: a mask with it is EINVAL.
const STATX_RESERVED: u64 = 0x8000_0000;

/// The flags of an open whose outcome, once the file is found, the tracer can foresee: `O_RDONLY`
/// (0) with these.
const READ_ONLY_OPEN: u64 = (libc::O_CLOEXEC
    | libc::O_NONBLOCK
    | libc::O_NOCTTY
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_LARGEFILE) as u64;
/// Descriptors looked at for the lowest free one: a task with all of these open is not predicted.
const FDS_SCANNED: usize = 1024;

/// Bytes the kernel writes for a stat and a statx.
const STAT_SIZE: usize = std::mem::size_of::<libc::stat>();
const STATX_SIZE: usize = 256;

/// The lookup a call makes, when its only possible errno for a missing path is ENOENT.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lookup {
    /// The directory a relative path starts from: `None` for the cwd.
    pub dirfd: Option<i32>,
    /// Whether a symbolic link as the last component is followed.
    pub follow: bool,
    /// What the call returns when the path is found.
    pub found: WhenFound,
}

/// What a call does when its path exists, as far as the tracer can tell beforehand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WhenFound {
    /// Only its exit tells (an open's descriptor, a link's target).
    Unknown,
    /// It returns 0 (`access(F_OK)`).
    Succeeds,
    /// It returns 0 once the kernel has written this many bytes at this address (a stat).
    Fills(u64, usize),
    /// A read-only open (`directory`: with `O_DIRECTORY`): it returns the task's lowest free
    /// descriptor, when the file is one the tracer may open so too ([`opens`]).
    Opens { directory: bool },
}

/// What a lookup will answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prediction {
    Missing,
    Succeeds,
    /// An open that returns this descriptor.
    Opens(i32),
}

/// Which calls can be predicted, from their arguments: a call that could create the file
/// (`O_CREAT`, `O_TMPFILE`), or whose arguments the kernel refuses before looking (EINVAL), is not.
pub fn lookup_of(sysno: Sysno, args: [u64; 6]) -> Option<Lookup> {
    let at = |fd: u64| Some(fd as i32).filter(|&fd| fd != libc::AT_FDCWD);
    let nofollow = libc::AT_SYMLINK_NOFOLLOW as u64;
    let stat_flags = nofollow | libc::AT_NO_AUTOMOUNT as u64 | libc::AT_EMPTY_PATH as u64;
    let access_ok = |mode: u64| mode & !7 == 0;
    let open = |dirfd, flags: u64| {
        // Read-only, and nothing that could refuse or block a file the tracer opened
        // (`O_NOATIME`, `O_DIRECT`, `O_TRUNC`, `O_PATH`...).
        let found = match flags & !READ_ONLY_OPEN == 0 {
            true => WhenFound::Opens {
                directory: flags & libc::O_DIRECTORY as u64 != 0,
            },
            false => WhenFound::Unknown,
        };
        (flags & (libc::O_CREAT as u64 | O_TMPFILE_BIT) == 0).then_some(Lookup {
            dirfd,
            follow: flags & libc::O_NOFOLLOW as u64 == 0,
            found,
        })
    };
    let plain = |dirfd, follow, found| {
        Some(Lookup {
            dirfd,
            follow,
            found,
        })
    };
    let stat = |buf| WhenFound::Fills(buf, STAT_SIZE);
    // `access` with F_OK asks only whether the path resolves; other modes check permissions.
    let exists = |mode: u64| match mode {
        0 => WhenFound::Succeeds,
        _ => WhenFound::Unknown,
    };
    match sysno {
        Sysno::open => open(None, args[1]),
        Sysno::openat => open(at(args[0]), args[2]),
        Sysno::stat => plain(None, true, stat(args[1])),
        Sysno::lstat => plain(None, false, stat(args[1])),
        Sysno::newfstatat if args[3] & !stat_flags == 0 => {
            plain(at(args[0]), args[3] & nofollow == 0, stat(args[2]))
        }
        Sysno::statx
            if args[2] & !(stat_flags | AT_STATX_SYNC_TYPE) == 0
                && args[2] & AT_STATX_SYNC_TYPE != AT_STATX_SYNC_TYPE
                && args[3] & STATX_RESERVED == 0 =>
        {
            let found = WhenFound::Fills(args[4], STATX_SIZE);
            plain(at(args[0]), args[2] & nofollow == 0, found)
        }
        Sysno::access if access_ok(args[1]) => plain(None, true, exists(args[1])),
        Sysno::faccessat if access_ok(args[2]) => plain(at(args[0]), true, exists(args[2])),
        Sysno::faccessat2
            if access_ok(args[2])
                && args[3] & !(libc::AT_EACCESS as u64 | nofollow | libc::AT_EMPTY_PATH as u64)
                    == 0 =>
        {
            plain(at(args[0]), args[3] & nofollow == 0, exists(args[2]))
        }
        // readlink never follows its last component; a size of 0 or less is EINVAL first.
        Sysno::readlink if args[2] as i32 > 0 => plain(None, false, WhenFound::Unknown),
        Sysno::readlinkat if args[3] as i32 > 0 => plain(at(args[0]), false, WhenFound::Unknown),
        _ => None,
    }
}

/// Calls that change how a task sees the file system (credentials, namespaces, root): after
/// one, every task's view is checked again before the next prediction.
pub fn changes_view(sysno: Sysno) -> bool {
    matches!(
        sysno,
        Sysno::setuid
            | Sysno::setgid
            | Sysno::setreuid
            | Sysno::setregid
            | Sysno::setresuid
            | Sysno::setresgid
            | Sysno::setgroups
            | Sysno::setfsuid
            | Sysno::setfsgid
            | Sysno::capset
            | Sysno::chroot
            | Sysno::pivot_root
            | Sysno::unshare
            | Sysno::setns
    )
}

/// What decides a path lookup's outcome for a task: its credentials, namespaces, root and
/// security label. Two tasks with the same view resolve every path alike.
#[derive(Debug, PartialEq)]
pub struct View {
    ids: Vec<String>,
    mnt_ns: std::path::PathBuf,
    user_ns: std::path::PathBuf,
    root: std::path::PathBuf,
    label: Option<String>,
}

impl View {
    /// The view of `/proc/<who>` (`self` or a task id); `None` when any part is unreadable.
    pub fn of(who: &str) -> Option<View> {
        let status = read_proc(&format!("/proc/{who}/status"))?;
        let ids: Vec<String> = ["Uid:", "Gid:", "Groups:", "CapEff:"]
            .iter()
            .map(|f| {
                status
                    .lines()
                    .find(|l| l.starts_with(f))
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let link = |name: &str| std::fs::read_link(format!("/proc/{who}/{name}")).ok();
        Some(View {
            ids,
            mnt_ns: link("ns/mnt")?,
            user_ns: link("ns/user")?,
            root: link("root")?,
            label: read_proc(&format!("/proc/{who}/attr/current")),
        })
    }

    /// The tracer's own view, when it can stand for a tracee's: its real, effective, saved and
    /// file-system ids agree (`access` checks with the real ones, `open` with the fs ones), and
    /// its root is the mount namespace's.
    pub fn tracer() -> Option<View> {
        let me = View::of("self")?;
        let all_same = |line: &str| {
            let v: Vec<&str> = line.split_whitespace().skip(1).collect();
            v.len() == 4 && v.iter().all(|x| *x == v[0])
        };
        (all_same(&me.ids[0]) && all_same(&me.ids[1]) && me.root.as_os_str() == "/").then_some(me)
    }
}

/// What the call of the stopped task `tid` on `path` will answer, when the tracer can prove it:
/// ENOENT when our own lookup fails with ENOENT; success when it finds the path and the call
/// then succeeds for sure (see [`WhenFound`]). The caller has checked that the task's view is
/// the tracer's, and says whether no other task shares its descriptor table (`own_fds`):
/// only then is the descriptor an open returns foreseeable.
pub fn predict(tid: Pid, path: &[u8], lookup: Lookup, own_fds: bool) -> Option<Prediction> {
    match resolve(tid, path, lookup)? {
        Err(libc::ENOENT) => Some(Prediction::Missing),
        Err(_) => None,
        Ok(found) => match lookup.found {
            WhenFound::Unknown => None,
            WhenFound::Opens { directory } => match own_fds {
                true => opens(tid, &found, directory).map(Prediction::Opens),
                false => None,
            },
            WhenFound::Succeeds => Some(Prediction::Succeeds),
            // A buffer that cannot be read is not mapped: the call's EFAULT is left to its exit.
            WhenFound::Fills(buf, len) => (super::decode::mem::read_bytes(tid, buf, len).len()
                == len)
                .then_some(Prediction::Succeeds),
        },
    }
}

/// Our own lookup of `path` as the task `tid` would make it: found, or the errno; `None` when
/// it cannot be made the task's way (an empty path, a vanished task, a bad descriptor) or when
/// its answer may depend on who asks.
///
/// Part of /proc answers each reader differently: `/proc/self` (and `/dev/fd`, `/dev/stdin`,
/// `/etc/mtab`, which lead to it) is the tracer when the tracer looks, and magic links
/// (`/proc/PID/fd/N`, `cwd`, `root`) jump anywhere. So the lookup follows no magic link and
/// first stays on the mount it starts on: a path that never leaves it never reaches /proc, so
/// its answer is the task's. A path that crosses a mount point is looked up again, and answered
/// only when found outside procfs: where its ENOENT happened, we cannot tell.
fn resolve(tid: Pid, path: &[u8], lookup: Lookup) -> Option<Result<OwnedFd, i32>> {
    if path.is_empty() {
        return None; // ENOENT, unless AT_EMPTY_PATH: not worth telling apart
    }
    let flags = OFlag::O_PATH
        | OFlag::O_CLOEXEC
        | if lookup.follow {
            OFlag::empty()
        } else {
            OFlag::O_NOFOLLOW
        };
    // The start: our root for an absolute path (the same as the task's), else the task's cwd or
    // dirfd, held open so that a vanished task or a bad descriptor is not mistaken for ENOENT.
    let base = if path[0] == b'/' {
        None
    } else {
        let start = match lookup.dirfd {
            Some(fd) => format!("/proc/{tid}/fd/{fd}"),
            None => format!("/proc/{tid}/cwd"),
        };
        let base = nix::fcntl::open(
            start.as_str(),
            OFlag::O_PATH | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        // Inside /proc, `self` would be looked up as the tracer.
        if on_procfs(&base)? {
            return None;
        }
        Some(base)
    };
    let lookup_how = |resolve| OpenHow::new().flags(flags).resolve(resolve);
    let open = |resolve| match &base {
        Some(base) => openat2(base, path, lookup_how(resolve)),
        None => openat2(AT_FDCWD, path, lookup_how(resolve)),
    };
    let no_magic = ResolveFlag::RESOLVE_NO_MAGICLINKS;
    match open(no_magic | ResolveFlag::RESOLVE_NO_XDEV) {
        Ok(found) => Some(Ok(found)),
        Err(Errno::EXDEV) => match open(no_magic) {
            Ok(found) => (!on_procfs(&found)?).then_some(Ok(found)),
            Err(Errno::ENOENT) => None,
            Err(errno) => Some(Err(errno as i32)),
        },
        Err(errno) => Some(Err(errno as i32)),
    }
}

/// The descriptor a read-only open of `found` (held `O_PATH`) returns to the task `tid`, when
/// nothing can make it fail: the file is a regular file or a directory (only a directory with
/// `O_DIRECTORY`: no device, FIFO or socket, whose open may block or act); the tracer, which has
/// the task's view, may open it itself (the permission bits, ACLs and the security module
/// decide as they will for the task; the only trace it leaves is an inotify or fanotify open and
/// close event); and the task's lowest free descriptor is below its `RLIMIT_NOFILE`.
fn opens(tid: Pid, found: &OwnedFd, directory: bool) -> Option<i32> {
    let kind = nix::sys::stat::fstat(found).ok()?.st_mode & libc::S_IFMT;
    if !(kind == libc::S_IFDIR || (kind == libc::S_IFREG && !directory)) {
        return None;
    }
    // `O_PATH` checked no permission: this open does, as the task's will.
    let again = format!("/proc/self/fd/{}", found.as_raw_fd());
    let read = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK | OFlag::O_NOCTTY;
    drop(nix::fcntl::open(again.as_str(), read, Mode::empty()).ok()?);
    let lowest = lowest_free_fd(tid)?;
    let mut limit = libc::rlimit64 {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reads the task's limit into a valid struct; sets nothing.
    let got = unsafe {
        libc::prlimit64(
            tid.as_raw(),
            libc::RLIMIT_NOFILE,
            std::ptr::null(),
            &mut limit,
        )
    };
    (got == 0 && (lowest as u64) < limit.rlim_cur).then_some(lowest as i32)
}

/// The lowest descriptor number the task `tid` has free, from `/proc/TID/fd`; `None` when it
/// cannot be read or the first [`FDS_SCANNED`] are all taken.
fn lowest_free_fd(tid: Pid) -> Option<usize> {
    let dir = format!("/proc/{tid}/fd");
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let mut dir = nix::dir::Dir::open(dir.as_str(), flags, Mode::empty()).ok()?;
    let mut taken = [0u64; FDS_SCANNED / 64];
    for entry in dir.iter() {
        let entry = entry.ok()?;
        // `.` and `..` are no numbers.
        let Some(fd) = entry
            .file_name()
            .to_str()
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if fd < FDS_SCANNED {
            taken[fd / 64] |= 1 << (fd % 64);
        }
    }
    let (word, bits) = taken
        .iter()
        .enumerate()
        .find(|(_, bits)| **bits != u64::MAX)?;
    Some(word * 64 + bits.trailing_ones() as usize)
}

/// Whether `fd` is on a procfs mount; `None` when that cannot be told.
fn on_procfs(fd: &OwnedFd) -> Option<bool> {
    let fs = nix::sys::statfs::fstatfs(fd).ok()?;
    Some(fs.filesystem_type() == nix::sys::statfs::PROC_SUPER_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lookups_that_cannot_create_or_refuse_first() {
        let cwd = libc::AT_FDCWD as u64;
        let open = Some(Lookup {
            dirfd: None,
            follow: true,
            found: WhenFound::Opens { directory: false },
        });
        assert_eq!(lookup_of(Sysno::openat, [cwd, 0, 0, 0, 0, 0]), open);
        assert_eq!(
            lookup_of(Sysno::openat, [cwd, 0, libc::O_CREAT as u64, 0, 0, 0]),
            None
        );
        assert_eq!(
            lookup_of(Sysno::openat, [cwd, 0, O_TMPFILE_BIT | 2, 0, 0, 0]),
            None
        );
        assert_eq!(
            lookup_of(Sysno::openat, [5, 0, libc::O_NOFOLLOW as u64 | 2, 0, 0, 0]),
            Some(Lookup {
                dirfd: Some(5),
                follow: false,
                found: WhenFound::Unknown,
            })
        );
        assert_eq!(lookup_of(Sysno::access, [0, 8, 0, 0, 0, 0]), None);
        assert_eq!(lookup_of(Sysno::readlink, [0, 0, 0, 0, 0, 0]), None);
        assert_eq!(
            lookup_of(Sysno::newfstatat, [cwd, 0, 0, 0x8000, 0, 0]),
            None
        );
        assert_eq!(lookup_of(Sysno::statx, [cwd, 0, 0x6000, 0, 0, 0]), None);
        assert_eq!(lookup_of(Sysno::mkdir, [0; 6]), None);
    }

    #[test]
    fn found_paths_predict_only_what_cannot_differ() {
        let cwd = libc::AT_FDCWD as u64;
        let found = |sysno, args| lookup_of(sysno, args).map(|l| l.found);
        assert_eq!(
            found(Sysno::newfstatat, [cwd, 0, 0x7000, 0, 0, 0]),
            Some(WhenFound::Fills(0x7000, STAT_SIZE))
        );
        assert_eq!(
            found(Sysno::statx, [cwd, 0, 0, 0xfff, 0x9000, 0]),
            Some(WhenFound::Fills(0x9000, STATX_SIZE))
        );
        assert_eq!(
            found(Sysno::access, [0, 0, 0, 0, 0, 0]),
            Some(WhenFound::Succeeds)
        );
        // Whether R_OK holds is the kernel's permission check, not a lookup.
        assert_eq!(
            found(Sysno::access, [0, 4, 0, 0, 0, 0]),
            Some(WhenFound::Unknown)
        );
    }

    #[test]
    fn predictions_on_what_the_tracer_finds() {
        let me = Pid::this();
        let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
        let buf = st.as_mut_ptr() as u64;
        let l = |found| Lookup {
            dirfd: None,
            follow: true,
            found,
        };
        let stat = l(WhenFound::Fills(buf, STAT_SIZE));
        let missing = b"/nonexistent/docker-diagnose-predict";
        assert_eq!(predict(me, missing, stat, true), Some(Prediction::Missing));
        assert_eq!(predict(me, b"/", stat, true), Some(Prediction::Succeeds));
        assert_eq!(
            predict(me, b"/", l(WhenFound::Succeeds), true),
            Some(Prediction::Succeeds)
        );
        // Found, but only the exit tells (an open), or the buffer is not mapped (EFAULT).
        assert_eq!(predict(me, b"/", l(WhenFound::Unknown), true), None);
        assert_eq!(
            predict(me, b"/", l(WhenFound::Fills(8, STAT_SIZE)), true),
            None
        );
        assert_eq!(predict(me, b"", stat, true), None);
        // ENOTDIR, not ENOENT: a regular file used as a directory.
        assert_eq!(predict(me, b"/proc/self/status/x", stat, true), None);
        // Who asks decides under /proc/self; behind another mount point, where an ENOENT
        // happened is unknown: no answer either way.
        assert_eq!(predict(me, b"/proc/self/status", stat, true), None);
        assert_eq!(predict(me, b"/proc/self/fd/999999", stat, true), None);
        assert_eq!(predict(me, b"/proc/no-such-entry", stat, true), None);
        // A descriptor that is not open: EBADF for the task, never a prediction.
        let bad = Lookup {
            dirfd: Some(999_999),
            ..stat
        };
        assert_eq!(predict(me, b"x", bad, true), None);
    }

    /// A child that sleeps with `/dev/null` on these descriptors besides 0, 1 and 2: its
    /// descriptor table is what the predictions look at (ours changes as the tests run).
    fn sleeper(fds: impl Iterator<Item = i32>) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        let fds: Vec<i32> = fds.collect();
        let mut command = std::process::Command::new("sleep");
        command.arg("30");
        // SAFETY: only open, dup2 and close, async-signal-safe, between fork and exec. The
        // descriptor is opened there, without O_CLOEXEC, as dup2 onto itself would keep the flag.
        unsafe {
            command.pre_exec(move || {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
                for &fd in &fds {
                    if fd != null {
                        libc::dup2(null, fd);
                    }
                }
                if !fds.contains(&null) {
                    libc::close(null);
                }
                Ok(())
            });
        }
        command.spawn().unwrap()
    }

    #[test]
    fn a_read_only_open_returns_the_lowest_free_descriptor() {
        let mut child = sleeper([3, 5].into_iter());
        let pid = Pid::from_raw(child.id() as i32);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let path = file.to_str().unwrap().as_bytes();
        let with = |flags: i32| {
            let flags = (libc::O_RDONLY | libc::O_CLOEXEC | flags) as u64;
            lookup_of(Sysno::openat, [libc::AT_FDCWD as u64, 0, flags, 0, 0, 0]).unwrap()
        };
        // The hole between 3 and 5.
        assert_eq!(
            predict(pid, path, with(0), true),
            Some(Prediction::Opens(4))
        );
        // Another task may share the table: the descriptor is unknown.
        assert_eq!(predict(pid, path, with(0), false), None);
        // A file with O_DIRECTORY is ENOTDIR; a directory opens; a device is never opened.
        assert_eq!(predict(pid, path, with(libc::O_DIRECTORY), true), None);
        let dir_path = dir.path().to_str().unwrap().as_bytes();
        let opened = predict(pid, dir_path, with(libc::O_DIRECTORY), true);
        assert_eq!(opened, Some(Prediction::Opens(4)));
        assert_eq!(predict(pid, b"/dev/null", with(0), true), None);
        // Writing, truncating, not updating atime: only the exit tells.
        for extra in [libc::O_WRONLY, libc::O_RDWR, libc::O_TRUNC, libc::O_NOATIME] {
            assert_eq!(with(extra).found, WhenFound::Unknown, "{extra:#o}");
        }
        // A file the tracer may not read (unless it may read anything).
        if !nix::unistd::geteuid().is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o200)).unwrap();
            assert_eq!(predict(pid, path, with(0), true), None);
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn lowest_free_descriptor_looks_past_the_first_word() {
        let mut child = sleeper((3..70).filter(|&fd| fd != 66));
        assert_eq!(lowest_free_fd(Pid::from_raw(child.id() as i32)), Some(66));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
