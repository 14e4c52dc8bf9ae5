//! The runner's volume reached directly, when the engine runs on this host and its volume
//! directory is ours to write (root on the engine's host, as in CI): the runner is written into
//! it and the trace read from it, instead of the two archive requests, each of which has the
//! engine mount the container and run its tar helper (about 150 ms for the upload and most of
//! the collect step's 90 ms here). Anything else — a remote engine, a directory we cannot open,
//! a volume that is not empty — falls back to the archive API, and so does
//! `DOCKER_DIAGNOSE_TRANSFER=archive`.
//!
//! The volume's content is the container's (and, before the start, the image's: a fresh volume
//! gets the image's files at its path), so nothing in it is trusted: every name is opened beneath
//! the volume's directory with no symlink followed (`openat2`, `RESOLVE_BENEATH |
//! RESOLVE_NO_SYMLINKS`), files are created exclusively, and the trace is read only when it is a
//! regular file of bounded size, checked on an `O_PATH` handle before it is opened for reading.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use anyhow::{bail, Context, Result};
use bollard::Docker;
use nix::errno::Errno;
use nix::fcntl::{openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::Mode;

use super::inject;

/// Set to `archive` to always use the archive API (the tests compare both ways).
pub const TRANSFER_ENV: &str = "DOCKER_DIAGNOSE_TRANSFER";

/// The runner's volume, opened on this host.
#[derive(Debug)]
pub struct Volume {
    dir: OwnedFd,
}

impl Volume {
    /// The volume mounted at [`inject::DIR`] in the created container, when its directory is
    /// reachable here; `None` means: use the archive API.
    pub async fn open(docker: &Docker, container: &str) -> Option<Volume> {
        if std::env::var(TRANSFER_ENV).is_ok_and(|v| v == "archive") {
            return None;
        }
        let info = docker.inspect_container(container, None).await.ok()?;
        let source = info.mounts?.into_iter().find_map(|m| {
            (m.destination.as_deref() == Some(inject::DIR) && m.typ.as_deref() == Some("volume"))
                .then_some(m.source)
                .flatten()
        })?;
        // The path names a volume created a moment ago under a random name: found here, it is
        // the engine's own directory (a remote engine's path does not exist on this host).
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
            .open(&source)
            .ok()?;
        Some(Volume { dir: dir.into() })
    }

    /// Writes the runner (0755) and `out/` (1777, so any `-u` user can write its trace), as
    /// the archive upload would. Fails (and the caller falls back) when either name is taken.
    pub fn fill(&self, exe: &[u8]) -> Result<()> {
        nix::sys::stat::mkdirat(&self.dir, "out", Mode::from_bits_truncate(0o700))
            .context("cannot create out/ in the runner's volume")?;
        let out = self.beneath("out", OFlag::O_DIRECTORY | OFlag::O_RDONLY, 0)?;
        set_mode(out, 0o1777)?;
        let flags = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL;
        let mut file = File::from(self.beneath("docker-diagnose", flags, 0o700)?);
        file.write_all(exe)
            .context("cannot write the runner into its volume")?;
        set_mode(file.into(), 0o755)
    }

    /// The trace file's bytes: `None` when the runner wrote none; an error when the name is a
    /// link, a FIFO, a device or a directory, or holds more than `max` bytes.
    pub fn events(&self, max: u64) -> Result<Option<Vec<u8>>> {
        let handle = match self.beneath(inject::EVENTS, OFlag::O_PATH, 0) {
            Ok(fd) => fd,
            Err(e) if e.downcast_ref::<Errno>() == Some(&Errno::ENOENT) => return Ok(None),
            Err(e) if e.downcast_ref::<Errno>() == Some(&Errno::ELOOP) => {
                bail!("the trace is a link: {}", inject::EVENTS)
            }
            Err(e) => return Err(e),
        };
        let stat = nix::sys::stat::fstat(&handle).context("cannot stat the trace")?;
        match stat.st_mode & libc::S_IFMT {
            libc::S_IFREG => {}
            // O_PATH with O_NOFOLLOW opens a final symlink itself.
            libc::S_IFLNK => bail!("the trace is a link: {}", inject::EVENTS),
            _ => bail!("the trace is not a regular file: {}", inject::EVENTS),
        }
        if stat.st_size as u64 > max {
            bail!("the trace is larger than {} MB", max >> 20);
        }
        // Reopened through the handle itself: the same inode, no name looked up again.
        let mut file = File::open(format!("/proc/self/fd/{}", handle.as_raw_fd()))
            .context("cannot open the trace")?;
        let mut bytes = Vec::with_capacity(stat.st_size as usize);
        Read::by_ref(&mut file)
            .take(max + 1)
            .read_to_end(&mut bytes)
            .context("cannot read the trace")?;
        if bytes.len() as u64 > max {
            bail!("the trace is larger than {} MB", max >> 20);
        }
        Ok(Some(bytes))
    }

    /// Opens `path` beneath the volume's directory, following no symlink.
    fn beneath(&self, path: &str, flags: OFlag, mode: u32) -> Result<OwnedFd> {
        let how = OpenHow::new()
            .flags(flags | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW)
            .mode(Mode::from_bits_truncate(mode))
            .resolve(
                ResolveFlag::RESOLVE_BENEATH
                    | ResolveFlag::RESOLVE_NO_SYMLINKS
                    | ResolveFlag::RESOLVE_NO_MAGICLINKS
                    | ResolveFlag::RESOLVE_NO_XDEV,
            );
        openat2(self.dir.as_fd(), path, how)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot open {path} in the runner's volume"))
    }
}

/// Sets an exact mode (the umask applied at creation).
fn set_mode(fd: OwnedFd, mode: u32) -> Result<()> {
    File::from(fd)
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .context("cannot set a mode in the runner's volume")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn volume(dir: &std::path::Path) -> Volume {
        Volume {
            dir: File::open(dir).unwrap().into(),
        }
    }

    #[test]
    fn fills_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let v = volume(dir.path());
        v.fill(b"runner").unwrap();
        let runner = dir.path().join("docker-diagnose");
        assert_eq!(std::fs::read(&runner).unwrap(), b"runner");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&runner) & 0o7777, 0o755);
        assert_eq!(mode(&dir.path().join("out")) & 0o7777, 0o1777);
        assert_eq!(v.events(100).unwrap(), None);
        std::fs::write(dir.path().join(inject::EVENTS), b"x\n").unwrap();
        assert_eq!(v.events(100).unwrap().as_deref(), Some(&b"x\n"[..]));
        assert!(v.events(1).is_err(), "over the bound");
    }

    #[test]
    fn never_writes_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim");
        symlink(&target, dir.path().join("docker-diagnose")).unwrap();
        std::fs::create_dir(dir.path().join("x")).unwrap();
        let v = volume(dir.path());
        assert!(v.fill(b"runner").is_err());
        assert!(!target.exists());
        // And a linked out/ directory is refused too.
        let dir = tempfile::tempdir().unwrap();
        symlink(outside.path(), dir.path().join("out")).unwrap();
        assert!(volume(dir.path()).fill(b"runner").is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn never_reads_through_a_link_or_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, b"secret\n").unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let events = dir.path().join(inject::EVENTS);
        symlink(&secret, &events).unwrap();
        let v = volume(dir.path());
        assert!(v.events(100).unwrap_err().to_string().contains("link"));
        std::fs::remove_file(&events).unwrap();
        symlink("../secret", &events).unwrap();
        assert!(v.events(100).is_err());
        std::fs::remove_file(&events).unwrap();
        nix::unistd::mkfifo(&events, Mode::from_bits_truncate(0o644)).unwrap();
        assert!(v
            .events(100)
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
        std::fs::remove_file(&events).unwrap();
        std::fs::remove_dir(dir.path().join("out")).unwrap();
        symlink(dir.path(), dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("events.jsonl"), b"x\n").unwrap();
        assert!(v.events(100).is_err(), "out/ itself a link");
    }
}
