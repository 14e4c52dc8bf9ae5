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

use std::os::fd::OwnedFd;

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
    /// Only its exit tells (a link's target, a permission check, an open that asks for a
    /// directory).
    Unknown,
    /// An open that expects no directory (no `O_DIRECTORY`, no `O_PATH`): only its exit tells
    /// its descriptor, but a directory found there is worth evidence (a configuration file
    /// that is a directory fails the program's read, not the open).
    OpensFile,
    /// It returns 0 (`access(F_OK)`).
    Succeeds,
    /// It returns 0 once the kernel has written this many bytes at this address (a stat).
    Fills(u64, usize),
}

/// What a lookup will answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prediction {
    Missing,
    Succeeds,
    /// Found, and a directory where the open expects a file: the result is still the exit's.
    Directory,
}

/// Which calls can be predicted, from their arguments: a call that could create the file
/// (`O_CREAT`, `O_TMPFILE`), or whose arguments the kernel refuses before looking (EINVAL), is not.
pub fn lookup_of(sysno: Sysno, args: [u64; 6]) -> Option<Lookup> {
    let at = |fd: u64| Some(fd as i32).filter(|&fd| fd != libc::AT_FDCWD);
    let nofollow = libc::AT_SYMLINK_NOFOLLOW as u64;
    let stat_flags = nofollow | libc::AT_NO_AUTOMOUNT as u64 | libc::AT_EMPTY_PATH as u64;
    let access_ok = |mode: u64| mode & !7 == 0;
    let open = |dirfd, flags: u64| {
        let any_type = flags & (libc::O_DIRECTORY | libc::O_PATH) as u64 != 0;
        (flags & (libc::O_CREAT as u64 | O_TMPFILE_BIT) == 0).then_some(Lookup {
            dirfd,
            follow: flags & libc::O_NOFOLLOW as u64 == 0,
            found: match any_type {
                true => WhenFound::Unknown,
                false => WhenFound::OpensFile,
            },
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
    /// The effective capabilities (`CapEff`).
    caps: u64,
    mnt_ns: std::path::PathBuf,
    user_ns: std::path::PathBuf,
    root: std::path::PathBuf,
    label: Option<String>,
}

impl View {
    /// The view of `/proc/<who>` (`self` or a task id); `None` when any part is unreadable.
    pub fn of(who: &str) -> Option<View> {
        let status = read_proc(&format!("/proc/{who}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let ids: Vec<String> = ["Uid:", "Gid:", "Groups:"].map(field).into();
        let caps = u64::from_str_radix(field("CapEff:").trim_start_matches("CapEff: "), 16).ok()?;
        let link = |name: &str| std::fs::read_link(format!("/proc/{who}/{name}")).ok();
        Some(View {
            ids,
            caps,
            mnt_ns: link("ns/mnt")?,
            user_ns: link("ns/user")?,
            root: link("root")?,
            label: read_proc(&format!("/proc/{who}/attr/current")),
        })
    }

    /// The tracer's own view, when it can stand for a tracee's: its real, effective, saved and
    /// file-system ids agree (`access` checks with the real ones, `open` with the fs ones), and
    /// its root is the mount namespace's. `alone` are the capabilities only the tracer holds
    /// (`tracer_caps`: `CAP_SYS_PTRACE`, whose one say in a lookup, `/proc/PID` of another
    /// user, is never predicted, and `CAP_SETPCAP`, which has none).
    pub fn tracer(alone: u64) -> Option<View> {
        let mut me = View::of("self")?;
        me.caps &= !alone;
        let all_same = |line: &str| {
            let v: Vec<&str> = line.split_whitespace().skip(1).collect();
            v.len() == 4 && v.iter().all(|x| *x == v[0])
        };
        (all_same(&me.ids[0]) && all_same(&me.ids[1]) && me.root.as_os_str() == "/").then_some(me)
    }
}

/// What the call of the stopped task `tid` on `path` will answer, when the tracer can prove it:
/// ENOENT when our own lookup fails with ENOENT; success when it finds the path and the call
/// then succeeds for sure (see [`WhenFound`]); a directory that an open expecting a file finds.
/// The caller has checked that the task's view is the tracer's.
pub fn predict(tid: Pid, path: &[u8], lookup: Lookup) -> Option<Prediction> {
    match resolve(tid, path, lookup)? {
        Err(libc::ENOENT) => Some(Prediction::Missing),
        Err(_) => None,
        Ok(found) => match lookup.found {
            WhenFound::Unknown => None,
            WhenFound::OpensFile => nix::sys::stat::fstat(&found)
                .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFDIR)
                .then_some(Prediction::Directory),
            WhenFound::Succeeds => Some(Prediction::Succeeds),
            // A buffer that cannot be read is not mapped: the call's EFAULT is left to its exit.
            WhenFound::Fills(buf, len) => (super::decode::mem::read_bytes(tid, buf, len).len()
                == len)
                .then_some(Prediction::Succeeds),
        },
    }
}

/// Our own lookup of `path` as the task `tid` would make it: found (its `O_PATH` descriptor),
/// or the errno; `None` when it cannot be made the task's way (an empty path, a vanished task,
/// a bad descriptor) or when its answer may depend on who asks.
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
            Ok(fd) => (!on_procfs(&fd)?).then_some(Ok(fd)),
            Err(Errno::ENOENT) => None,
            Err(errno) => Some(Err(errno as i32)),
        },
        Err(errno) => Some(Err(errno as i32)),
    }
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
            found: WhenFound::OpensFile,
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
            lookup_of(Sysno::openat, [5, 0, libc::O_NOFOLLOW as u64, 0, 0, 0]),
            Some(Lookup {
                dirfd: Some(5),
                follow: false,
                found: WhenFound::OpensFile,
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
        // An open that asks for a directory (or any type) wants no note when it finds one.
        let directory = (libc::O_DIRECTORY | libc::O_RDONLY) as u64;
        assert_eq!(
            found(Sysno::openat, [cwd, 0, directory, 0, 0, 0]),
            Some(WhenFound::Unknown)
        );
        assert_eq!(
            found(Sysno::open, [0, libc::O_PATH as u64, 0, 0, 0, 0]),
            Some(WhenFound::Unknown)
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
        assert_eq!(predict(me, missing, stat), Some(Prediction::Missing));
        assert_eq!(predict(me, b"/", stat), Some(Prediction::Succeeds));
        assert_eq!(
            predict(me, b"/", l(WhenFound::Succeeds)),
            Some(Prediction::Succeeds)
        );
        // Found, but only the exit tells (an open), or the buffer is not mapped (EFAULT).
        assert_eq!(predict(me, b"/", l(WhenFound::Unknown)), None);
        assert_eq!(predict(me, b"/etc/passwd", l(WhenFound::OpensFile)), None);
        assert_eq!(
            predict(me, b"/", l(WhenFound::OpensFile)),
            Some(Prediction::Directory)
        );
        assert_eq!(predict(me, b"/", l(WhenFound::Fills(8, STAT_SIZE))), None);
        assert_eq!(predict(me, b"", stat), None);
        // ENOTDIR, not ENOENT: a regular file used as a directory.
        assert_eq!(predict(me, b"/proc/self/status/x", stat), None);
        // Who asks decides under /proc/self; behind another mount point, where an ENOENT
        // happened is unknown: no answer either way.
        assert_eq!(predict(me, b"/proc/self/status", stat), None);
        assert_eq!(predict(me, b"/proc/self/fd/999999", stat), None);
        assert_eq!(predict(me, b"/proc/no-such-entry", stat), None);
        // A descriptor that is not open: EBADF for the task, never a prediction.
        let bad = Lookup {
            dirfd: Some(999_999),
            ..stat
        };
        assert_eq!(predict(me, b"x", bad), None);
    }
}
