//! The seccomp prefilter: which system calls stop in the tracer (`SECCOMP_RET_TRACE`) and which
//! run at full speed.
//!
//! Built with `seccompiler` from a list of names. Argument checks keep the hot paths out of the
//! tracer: writes stop only for fd 1 and 2 (the output tails), and fd-based stats
//! (`AT_EMPTY_PATH`) pass inside the kernel, of socket options only `SO_ERROR` (a non-blocking
//! connect's outcome) stops, of `sendto`s only those to an address (a DNS query), of
//! `prlimit64`s only those that set a limit, and of kill calls only those that send SIGKILL.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};
use syscalls::Sysno;

/// The calls that stop unconditionally.
pub const TRACED: &[Sysno] = &[
    Sysno::execve,
    Sysno::execveat,
    Sysno::open,
    Sysno::openat,
    Sysno::openat2,
    Sysno::creat,
    Sysno::stat,
    Sysno::lstat,
    Sysno::access,
    Sysno::faccessat,
    Sysno::faccessat2,
    Sysno::readlink,
    Sysno::readlinkat,
    Sysno::mkdir,
    Sysno::mkdirat,
    Sysno::unlink,
    Sysno::unlinkat,
    Sysno::rename,
    Sysno::renameat,
    Sysno::renameat2,
    Sysno::chdir,
    Sysno::chmod,
    Sysno::fchmodat,
    Sysno::fchmodat2,
    Sysno::chown,
    Sysno::lchown,
    Sysno::fchownat,
    Sysno::socket,
    Sysno::connect,
    Sysno::bind,
    Sysno::listen,
    // glibc's resolver sends its queries with sendmmsg: the host name a failed lookup asked for.
    Sysno::sendmmsg,
    Sysno::setuid,
    Sysno::setgid,
    Sysno::setreuid,
    Sysno::setregid,
    Sysno::setresuid,
    Sysno::setresgid,
    Sysno::setgroups,
    Sysno::capset,
    Sysno::mount,
    Sysno::chroot,
    Sysno::clone,
    Sysno::clone3,
    Sysno::fork,
    Sysno::vfork,
    // A program that uses ptrace itself (anti-debugging, a crash reporter) finds itself
    // already traced: its EPERM is ours to explain. Rare, so no cost.
    Sysno::ptrace,
    // An entrypoint's `ulimit -n 65536` above the container's hard limit. (prlimit64 stops
    // only when it sets a limit: programs read theirs at every start.)
    Sysno::setrlimit,
];

/// Calls that stop only so that the tracer knows a task's view of the file system changed
/// (`predict`): rare, and recorded only when they fail.
pub const WATCHED: &[Sysno] = &[
    Sysno::setfsuid,
    Sysno::setfsgid,
    Sysno::pivot_root,
    Sysno::unshare,
    Sysno::setns,
];

/// Stats that stop unless they only name a file descriptor: (call, index of the flags argument).
const PATH_STATS: &[(Sysno, u8)] = &[(Sysno::newfstatat, 3), (Sysno::statx, 2)];

/// Kill calls that stop only with SIGKILL, which reaches no tracer as a signal: the call is the
/// only trace of who sent it. (call, index of the signal argument)
const KILLS: &[(Sysno, u8)] = &[(Sysno::kill, 1), (Sysno::tkill, 1), (Sysno::tgkill, 2)];

/// Writes that stop only for standard output and standard error.
const OUTPUT_WRITES: &[Sysno] = &[Sysno::write, Sysno::writev];

/// Every call name the prefilter stops on, for `strace -e trace=` in tests and docs.
pub fn traced_names() -> Vec<&'static str> {
    TRACED
        .iter()
        .chain(PATH_STATS.iter().map(|(s, _)| s))
        .chain(OUTPUT_WRITES)
        .chain(KILLS.iter().map(|(s, _)| s))
        .chain([&Sysno::getsockopt, &Sysno::sendto, &Sysno::prlimit64])
        .map(|s| s.name())
        .collect()
}

/// Compiles the prefilter to BPF.
pub fn build() -> Result<BpfProgram> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for sysno in TRACED.iter().chain(WATCHED) {
        rules.insert(sysno.id() as i64, Vec::new());
    }
    for &(sysno, flags_arg) in PATH_STATS {
        let no_empty_path = SeccompCondition::new(
            flags_arg,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::MaskedEq(libc::AT_EMPTY_PATH as u64),
            0,
        )?;
        rules.insert(
            sysno.id() as i64,
            vec![SeccompRule::new(vec![no_empty_path])?],
        );
    }
    // A non-blocking connect's outcome, and no other socket option.
    let so_error = vec![
        SeccompCondition::new(
            1,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Eq,
            libc::SOL_SOCKET as u64,
        )?,
        SeccompCondition::new(
            2,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Eq,
            libc::SO_ERROR as u64,
        )?,
    ];
    rules.insert(
        Sysno::getsockopt.id() as i64,
        vec![SeccompRule::new(so_error)?],
    );
    // A datagram sent to an address (musl's resolver queries this way); not a connected
    // socket's stream of sends.
    let to_an_address = SeccompCondition::new(4, SeccompCmpArgLen::Qword, SeccompCmpOp::Ne, 0)?;
    rules.insert(
        Sysno::sendto.id() as i64,
        vec![SeccompRule::new(vec![to_an_address])?],
    );
    // A limit set, not only read (the new limit's pointer is not NULL).
    let sets_a_limit = SeccompCondition::new(2, SeccompCmpArgLen::Qword, SeccompCmpOp::Ne, 0)?;
    rules.insert(
        Sysno::prlimit64.id() as i64,
        vec![SeccompRule::new(vec![sets_a_limit])?],
    );
    for &(sysno, signal_arg) in KILLS {
        let sigkill = SeccompCondition::new(
            signal_arg,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Eq,
            libc::SIGKILL as u64,
        )?;
        rules.insert(sysno.id() as i64, vec![SeccompRule::new(vec![sigkill])?]);
    }
    for sysno in OUTPUT_WRITES {
        let fd_is = |fd| -> Result<SeccompRule> {
            Ok(SeccompRule::new(vec![SeccompCondition::new(
                0,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                fd,
            )?])?)
        };
        rules.insert(sysno.id() as i64, vec![fd_is(1)?, fd_is(2)?]);
    }
    compile(rules, SeccompAction::Trace(0))
}

/// A filter that refuses `calls` with EPERM, as a seccomp profile of the container's would have
/// (`tracer_caps`), and lets every other call through.
pub fn deny(calls: &[Sysno]) -> Result<BpfProgram> {
    let rules = calls.iter().map(|s| (s.id() as i64, Vec::new())).collect();
    compile(rules, SeccompAction::Errno(libc::EPERM as u32))
}

/// BPF for this architecture that takes `on_match` for the calls `rules` match and lets every
/// other call through.
fn compile(rules: BTreeMap<i64, Vec<SeccompRule>>, on_match: SeccompAction) -> Result<BpfProgram> {
    let arch = std::env::consts::ARCH
        .try_into()
        .context("no seccomp support for this architecture")?;
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, on_match, arch)?;
    let mut program: BpfProgram = filter.try_into()?;
    allow_foreign_arch(&mut program);
    Ok(program)
}

/// seccompiler kills a process that makes a call of another architecture (an i386 `int 0x80`);
/// a program must not notice us, so such calls are let through untraced instead.
fn allow_foreign_arch(program: &mut BpfProgram) {
    const RET: u16 = 0x06; // BPF_RET | BPF_K
    if let Some(insn) = program
        .iter_mut()
        .take(3)
        .find(|i| i.code == RET && i.k == libc::SECCOMP_RET_KILL_PROCESS)
    {
        insn.k = libc::SECCOMP_RET_ALLOW;
    }
}

/// Installs the filter on the calling thread (sets `no_new_privs`, which an unprivileged
/// filter needs).
pub fn install(program: &BpfProgram) -> Result<()> {
    seccompiler::apply_filter(program).context("cannot install a seccomp filter")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_lets_foreign_arch_pass() {
        let program = build().unwrap();
        assert!(program.len() > TRACED.len());
        assert_eq!(program[2].k, libc::SECCOMP_RET_ALLOW);
        assert!(!program
            .iter()
            .any(|i| i.code == 0x06 && i.k == libc::SECCOMP_RET_KILL_PROCESS));
    }

    #[test]
    fn names_cover_the_set() {
        let names = traced_names();
        for n in [
            "execve",
            "openat",
            "newfstatat",
            "statx",
            "connect",
            "write",
        ] {
            assert!(names.contains(&n), "{n}");
        }
    }
}
