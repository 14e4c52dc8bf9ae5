//! Predicting a lookup's ENOENT at the seccomp stop, so that the call needs no syscall-exit stop.
//!
//! A failing open or stat costs two ptrace stops: the seccomp stop at entry and the exit stop for
//! the result. When the tracer sees the tracee exactly as the kernel will (same credentials,
//! same mount and user namespace, same root, same security label), it resolves the path itself
//! (`O_PATH`, no side effect) from the tracee's cwd or dirfd; an ENOENT there is the ENOENT the
//! tracee gets, and the call is recorded as failed without waiting for it. Anything else (the
//! path exists, another errno, a doubt about the view) leaves the exit stop in place.
//!
//! The one thing it cannot see is the future: a file created by another process between our
//! lookup and the tracee's call is recorded as missing although the call found it. The program
//! itself is never affected: only what we record is.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use nix::unistd::Pid;
use syscalls::Sysno;

use super::evidence::read_proc;

/// `__O_TMPFILE` (O_TMPFILE without O_DIRECTORY): such an open makes a file.
const O_TMPFILE_BIT: u64 = 0o20000000;
/// statx's sync-type bits (`AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC`); both set is EINVAL.
const AT_STATX_SYNC_TYPE: u64 = 0x6000;
/// `STATX__RESERVED`: a mask with it is EINVAL.
const STATX_RESERVED: u64 = 0x8000_0000;

/// The lookup a call makes, when its only possible errno for a missing path is ENOENT.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lookup {
    /// The directory a relative path starts from: `None` for the cwd.
    pub dirfd: Option<i32>,
    /// Whether a symbolic link as the last component is followed.
    pub follow: bool,
}

/// Which calls can be predicted, from their arguments: a call that could create the file
/// (`O_CREAT`, `O_TMPFILE`), or whose arguments the kernel refuses before looking (EINVAL), is not.
pub fn lookup_of(sysno: Sysno, args: [u64; 6]) -> Option<Lookup> {
    let at = |fd: u64| Some(fd as i32).filter(|&fd| fd != libc::AT_FDCWD);
    let nofollow = libc::AT_SYMLINK_NOFOLLOW as u64;
    let stat_flags = nofollow | libc::AT_NO_AUTOMOUNT as u64 | libc::AT_EMPTY_PATH as u64;
    let access_ok = |mode: u64| mode & !7 == 0;
    let open = |dirfd, flags: u64| {
        (flags & (libc::O_CREAT as u64 | O_TMPFILE_BIT) == 0).then_some(Lookup {
            dirfd,
            follow: flags & libc::O_NOFOLLOW as u64 == 0,
        })
    };
    let plain = |dirfd, follow| Some(Lookup { dirfd, follow });
    match sysno {
        Sysno::open => open(None, args[1]),
        Sysno::openat => open(at(args[0]), args[2]),
        Sysno::stat => plain(None, true),
        Sysno::lstat => plain(None, false),
        Sysno::newfstatat if args[3] & !stat_flags == 0 => {
            plain(at(args[0]), args[3] & nofollow == 0)
        }
        Sysno::statx
            if args[2] & !(stat_flags | AT_STATX_SYNC_TYPE) == 0
                && args[2] & AT_STATX_SYNC_TYPE != AT_STATX_SYNC_TYPE
                && args[3] & STATX_RESERVED == 0 =>
        {
            plain(at(args[0]), args[2] & nofollow == 0)
        }
        Sysno::access if access_ok(args[1]) => plain(None, true),
        Sysno::faccessat if access_ok(args[2]) => plain(at(args[0]), true),
        Sysno::faccessat2
            if access_ok(args[2])
                && args[3] & !(libc::AT_EACCESS as u64 | nofollow | libc::AT_EMPTY_PATH as u64)
                    == 0 =>
        {
            plain(at(args[0]), args[3] & nofollow == 0)
        }
        // readlink never follows its last component; a size of 0 or less is EINVAL first.
        Sysno::readlink if args[2] as i32 > 0 => plain(None, false),
        Sysno::readlinkat if args[3] as i32 > 0 => plain(at(args[0]), false),
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

/// Whether `path`, looked up as the stopped task `tid` would, provably does not exist: our own
/// lookup fails with ENOENT. The caller has checked that the task's view is the tracer's.
pub fn missing(tid: Pid, path: &[u8], lookup: Lookup) -> bool {
    if path.is_empty() {
        return false; // ENOENT, unless AT_EMPTY_PATH: not worth telling apart
    }
    let Ok(c_path) = CString::new(path) else {
        return false;
    };
    let flags = libc::O_PATH | libc::O_CLOEXEC | if lookup.follow { 0 } else { libc::O_NOFOLLOW };
    // The start: our root for an absolute path (the same as the task's), else the task's cwd or
    // dirfd, held open so that a vanished task or a bad descriptor is not mistaken for ENOENT.
    let base = if path[0] == b'/' {
        None
    } else {
        let start = match lookup.dirfd {
            Some(fd) => format!("/proc/{tid}/fd/{fd}"),
            None => format!("/proc/{tid}/cwd"),
        };
        match open_at(
            libc::AT_FDCWD,
            &CString::new(start).expect("no NUL"),
            libc::O_PATH | libc::O_CLOEXEC,
        ) {
            Ok(fd) => Some(fd),
            Err(_) => return false,
        }
    };
    let dir = base.as_ref().map_or(libc::AT_FDCWD, |fd| fd.as_raw_fd());
    matches!(open_at(dir, &c_path, flags), Err(libc::ENOENT))
}

/// `openat(2)`, with the errno of a failure.
fn open_at(dir: i32, path: &CString, flags: i32) -> Result<OwnedFd, i32> {
    // SAFETY: a plain openat on a NUL-terminated path; the descriptor is owned from here.
    let fd = unsafe { libc::openat(dir, path.as_ptr(), flags) };
    if fd < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        // SAFETY: a fresh descriptor nobody else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lookups_that_cannot_create_or_refuse_first() {
        let cwd = libc::AT_FDCWD as u64;
        let follow = Some(Lookup {
            dirfd: None,
            follow: true,
        });
        assert_eq!(lookup_of(Sysno::openat, [cwd, 0, 0, 0, 0, 0]), follow);
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
                follow: false
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
    fn missing_only_on_enoent() {
        let me = Pid::this();
        let l = Lookup {
            dirfd: None,
            follow: true,
        };
        assert!(missing(me, b"/nonexistent/docker-diagnose-predict", l));
        assert!(!missing(me, b"/", l));
        assert!(!missing(me, b"", l));
        // ENOTDIR, not ENOENT: a regular file used as a directory.
        assert!(!missing(me, b"/proc/self/status/x", l));
        // A descriptor that is not open: EBADF for the task, never a prediction.
        let bad = Lookup {
            dirfd: Some(999_999),
            follow: true,
        };
        assert!(!missing(me, b"x", bad));
    }
}
