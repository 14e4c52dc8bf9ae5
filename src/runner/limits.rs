//! Which limit refused a new process or thread: read when a `clone`, `fork` or `vfork` fails
//! with `EAGAIN`, from inside, where the container's own pids cgroup and the caller's rlimits
//! show.
//!
//! Two limits say `EAGAIN` to a fork: the pids cgroup (`--pids-limit`, every task of the
//! container, threads included) and `RLIMIT_NPROC` (`--ulimit nproc`), which counts every task
//! of the caller's real uid on the whole host and never binds root. The cgroup's own counters
//! tell the first; the second can only be inferred (other containers' tasks are out of sight),
//! so it is named when the cgroup had room and the caller is not root.

use nix::unistd::Pid;

use super::evidence::read_proc;
use super::TRACER_TASKS;
use crate::trace::ProcessLimits;

/// Where the cgroup hierarchies are mounted.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// `RLIMIT_NPROC`'s line in `/proc/PID/limits`.
const MAX_PROCESSES: &str = "Max processes";

/// The limits as they stood for task `pid` when its fork or new thread was refused.
pub fn of(pid: Pid) -> ProcessLimits {
    let pids = read_proc(&format!("/proc/{pid}/cgroup")).and_then(|c| pids_cgroup(CGROUP_ROOT, &c));
    let status = read_proc(&format!("/proc/{pid}/status")).unwrap_or_default();
    let uid = field(&status, "Uid:");
    let nproc = read_proc(&format!("/proc/{pid}/limits")).and_then(|l| field(&l, MAX_PROCESSES));
    let pids_reached = pids.as_ref().is_some_and(PidsCgroup::reached);
    let reached = match (pids_reached, nproc, uid) {
        (true, _, _) => "pids",
        (false, Some(_), Some(uid)) if uid != 0 => "nproc",
        _ => "unknown",
    };
    let uid_tasks = (reached == "nproc")
        .then(|| uid.map(tasks_of_uid))
        .flatten();
    ProcessLimits {
        reached: reached.into(),
        pids_max: pids.as_ref().map(|p| p.max.saturating_sub(TRACER_TASKS)),
        pids_current: pids
            .as_ref()
            .map(|p| p.current.saturating_sub(TRACER_TASKS)),
        nproc,
        uid,
        uid_tasks,
    }
}

/// The nearest pids cgroup with a limit, from the task's own up.
#[derive(Debug, PartialEq)]
struct PidsCgroup {
    max: u64,
    current: u64,
    /// Forks it has refused so far (`pids.events`' `max`).
    refused: u64,
}

impl PidsCgroup {
    /// A refusal counted, or no room left (the count may have dropped since by one exit).
    fn reached(&self) -> bool {
        self.refused > 0 || self.current >= self.max
    }
}

/// Reads the limit under `root` (`/sys/fs/cgroup`), given `/proc/PID/cgroup`. A container sees its own
/// cgroup at the hierarchy's top (a cgroup namespace, or Docker's bind mount under cgroup v1
/// while the file still names the host's path), a host task below it: so each directory from
/// the named path up to the top is tried.
fn pids_cgroup(root: &str, cgroup: &str) -> Option<PidsCgroup> {
    let (base, path) = cgroup.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        match (id, controllers) {
            ("0", "") => Some((root.to_string(), path)),
            (_, c) if c.split(',').any(|c| c == "pids") => Some((format!("{root}/pids"), path)),
            _ => None,
        }
    })?;
    let mut dir = path.trim_end_matches('/');
    loop {
        if let Some(found) = read_pids(&format!("{base}{dir}")) {
            return Some(found);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
}

/// A cgroup directory's pids files, when it has a limit (`pids.max` is not `max`).
fn read_pids(dir: &str) -> Option<PidsCgroup> {
    let number = |name: &str| read_proc(&format!("{dir}/{name}"))?.trim().parse().ok();
    let events = read_proc(&format!("{dir}/pids.events")).unwrap_or_default();
    Some(PidsCgroup {
        max: number("pids.max")?,
        current: number("pids.current")?,
        refused: field(&events, "max").unwrap_or(0),
    })
}

/// The first number after `name` on its line (`Uid:\t1000\t1000...`, `max 3`; the soft
/// value of `Max processes` in `/proc/PID/limits`, none when `unlimited`).
fn field<T: std::str::FromStr>(text: &str, name: &str) -> Option<T> {
    let rest = text.lines().find_map(|l| l.strip_prefix(name))?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Tasks (threads included, as `RLIMIT_NPROC` counts) whose real uid is `uid`, among the
/// processes this pid namespace shows.
fn tasks_of_uid(uid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| read_proc(&format!("/proc/{}/status", e.file_name().to_str()?)))
        .filter(|status| field::<u32>(status, "Uid:") == Some(uid))
        .map(|status| field::<u64>(&status, "Threads:").unwrap_or(1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_process_limit_is_read_and_unlimited_is_none() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max cpu time              unlimited            unlimited            seconds   \n\
                      Max processes             96365                96365                processes \n";
        assert_eq!(field(limits, MAX_PROCESSES), Some(96365));
        let unlimited = limits.replace("96365                96365", "unlimited   unlimited");
        assert_eq!(field::<u64>(&unlimited, MAX_PROCESSES), None);
    }

    #[test]
    fn a_refused_fork_counts_even_after_the_count_dropped() {
        let cgroup = |max, current, refused| PidsCgroup {
            max,
            current,
            refused,
        };
        assert!(cgroup(5, 5, 0).reached());
        assert!(cgroup(5, 4, 1).reached());
        assert!(!cgroup(5, 4, 0).reached());
    }

    /// A cgroup tree under a temp dir: `dirs` are (path, pids.max, pids.current).
    fn tree(name: &str, dirs: &[(&str, &str, &str)]) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("dd-limits-{}-{name}", std::process::id()));
        for (dir, max, current) in dirs {
            let d = root.join(dir.trim_start_matches('/'));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("pids.max"), format!("{max}\n")).unwrap();
            std::fs::write(d.join("pids.current"), format!("{current}\n")).unwrap();
            std::fs::write(d.join("pids.events"), "max 0\n").unwrap();
        }
        root
    }

    #[test]
    fn the_nearest_limited_cgroup_up_from_the_tasks_own_is_found() {
        // cgroup v2 on a host: the session has no limit, its slice has one.
        let root = tree(
            "v2",
            &[
                ("user.slice/user-1000.slice", "9000", "12"),
                ("user.slice/user-1000.slice/session-1.scope", "max", "3"),
            ],
        );
        let found = pids_cgroup(
            root.to_str().unwrap(),
            "0::/user.slice/user-1000.slice/session-1.scope\n",
        );
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            found,
            Some(PidsCgroup {
                max: 9000,
                current: 12,
                refused: 0
            })
        );
    }

    #[test]
    fn a_v1_container_sees_its_cgroup_at_the_top_whatever_path_the_file_names() {
        let root = tree("v1", &[("pids", "5", "5")]);
        let v1 = "9:name=systemd:/docker/abc\n8:pids:/docker/abc\n7:blkio:/docker/abc\n";
        let found = pids_cgroup(root.to_str().unwrap(), v1);
        let blkio_only = pids_cgroup(root.to_str().unwrap(), "7:blkio:/docker/abc\n");
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(found.map(|p| (p.max, p.current)), Some((5, 5)));
        assert_eq!(blkio_only, None);
    }
}
