//! A delivered signal's `siginfo_t` printed the way strace prints it
//! (`{si_signo=SIGTERM, si_code=SI_USER, si_pid=0, si_uid=0}`), and who sent it.
//!
//! The sender is what tells "asked to stop from outside" (`docker stop`: a process outside the
//! container's pid namespace, seen as pid 0) from a process in the container killing another,
//! and a fault's address tells a null pointer from a wild one.

use super::flags::{si_code, signal_name};

/// The fields of a `siginfo_t` that strace shows, read once from the kernel's copy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SigInfo {
    pub signo: i32,
    pub code: i32,
    /// The sender (kill, tgkill, sigqueue) or, for SIGCHLD, the child.
    pub pid: i32,
    pub uid: u32,
    /// SIGCHLD: the exit code or the signal; the child's CPU time in clock ticks.
    pub status: i32,
    pub utime: i64,
    pub stime: i64,
    /// Faults: the address that faulted.
    pub addr: u64,
    /// `sigqueue`'s value.
    pub value: u64,
    /// SIGSYS from seccomp: where the call was made, which call, for which architecture.
    pub call_addr: u64,
    pub syscall: i32,
    pub arch: u32,
}

impl SigInfo {
    /// Copies the fields out of the kernel's `siginfo_t` (its union is read by `signo` and
    /// `code`, as the kernel filled it).
    pub fn read(si: &libc::siginfo_t) -> SigInfo {
        let mut info = SigInfo {
            signo: si.si_signo,
            code: si.si_code,
            ..SigInfo::default()
        };
        // SAFETY: each union member is read only for the signal and code the kernel fills it
        // for; the SIGSYS fields sit at fixed offsets of x86-64's 128-byte `siginfo_t` (the
        // libc crate has no accessor for them).
        unsafe {
            if sent_by_a_process(info.code) || (info.signo == libc::SIGCHLD && info.code > 0) {
                info.pid = si.si_pid();
                info.uid = si.si_uid();
            }
            if info.code == libc::SI_QUEUE {
                info.value = si.si_value().sival_ptr as u64;
            }
            if info.signo == libc::SIGCHLD && info.code > 0 {
                info.status = si.si_status();
                info.utime = si.si_utime();
                info.stime = si.si_stime();
            }
            if is_fault(info.signo) && info.code > 0 {
                info.addr = si.si_addr() as u64;
            }
            if info.signo == libc::SIGSYS && info.code == SYS_SECCOMP {
                let raw = (si as *const libc::siginfo_t).cast::<u8>();
                info.call_addr = raw.add(16).cast::<u64>().read_unaligned();
                info.syscall = raw.add(24).cast::<i32>().read_unaligned();
                info.arch = raw.add(28).cast::<u32>().read_unaligned();
            }
        }
        info
    }

    /// The process that sent the signal, as the receiver's pid namespace numbers it (0: from
    /// outside it), for a signal a process sent; `None` for one the kernel raised.
    pub fn sender(&self) -> Option<i32> {
        sent_by_a_process(self.code).then_some(self.pid)
    }

    /// strace's braces: `{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10}`.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{{si_signo={}, si_code={}",
            signal_name(self.signo),
            si_code(self.signo, self.code)
        );
        if sent_by_a_process(self.code) {
            out += &format!(", si_pid={}, si_uid={}", self.pid, self.uid);
            if self.code == libc::SI_QUEUE && self.value != 0 {
                out += &format!(", si_int={}, si_ptr={:#x}", self.value as i32, self.value);
            }
        } else if self.signo == libc::SIGCHLD {
            let status = if self.code == CLD_EXITED {
                self.status.to_string()
            } else {
                signal_name(self.status)
            };
            out += &format!(
                ", si_pid={}, si_uid={}, si_status={status}, si_utime={}, si_stime={}",
                self.pid, self.uid, self.utime, self.stime
            );
        } else if is_fault(self.signo) {
            out += &format!(", si_addr={}", address(self.addr));
        } else if self.signo == libc::SIGSYS && self.code == SYS_SECCOMP {
            let call = syscalls::Sysno::new(self.syscall as usize).map_or_else(
                || self.syscall.to_string(),
                |s| format!("__NR_{}", s.name()),
            );
            out += &format!(
                ", si_call_addr={}, si_syscall={call}, si_arch={}",
                address(self.call_addr),
                arch_name(self.arch)
            );
        }
        out + "}"
    }
}

const CLD_EXITED: i32 = 1;
const SYS_SECCOMP: i32 = 1;

/// Whether `code` says a process sent the signal (its `si_pid` is the sender): the same list of
/// names the log reader goes by. Signals are few, so naming the code costs nothing that counts.
fn sent_by_a_process(code: i32) -> bool {
    crate::trace::names::si_code_names_a_sender(&si_code(0, code))
}

fn is_fault(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
    )
}

fn address(a: u64) -> String {
    if a == 0 {
        "NULL".into()
    } else {
        format!("{a:#x}")
    }
}

fn arch_name(arch: u32) -> String {
    match arch {
        0xc000_003e => "AUDIT_ARCH_X86_64".into(),
        0x4000_0003 => "AUDIT_ARCH_I386".into(),
        other => format!("{other:#x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(signo: i32, code: i32) -> SigInfo {
        SigInfo {
            signo,
            code,
            ..SigInfo::default()
        }
    }

    /// Each case: the fields, the line strace prints, the sender.
    fn reads_like_strace(cases: &[(SigInfo, &str, Option<i32>)]) {
        for (info, text, sender) in cases {
            assert_eq!(info.text(), *text);
            assert_eq!(info.sender(), *sender, "{text}");
        }
    }

    #[test]
    fn a_signal_sent_by_a_process_names_it() {
        reads_like_strace(&[
            (
                info(libc::SIGTERM, 0),
                "{si_signo=SIGTERM, si_code=SI_USER, si_pid=0, si_uid=0}",
                Some(0),
            ),
            (
                SigInfo {
                    pid: 12,
                    uid: 1000,
                    value: 7,
                    ..info(libc::SIGUSR1, libc::SI_QUEUE)
                },
                "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=12, si_uid=1000, si_int=7, si_ptr=0x7}",
                Some(12),
            ),
        ]);
    }

    #[test]
    fn a_signal_the_kernel_raised_has_no_sender() {
        reads_like_strace(&[
            (
                info(libc::SIGALRM, 0x80),
                "{si_signo=SIGALRM, si_code=SI_KERNEL}",
                None,
            ),
            (
                SigInfo {
                    addr: 0x10,
                    ..info(libc::SIGSEGV, 1)
                },
                "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10}",
                None,
            ),
            (
                info(libc::SIGSEGV, 0x80),
                "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}",
                None,
            ),
        ]);
    }

    #[test]
    fn a_child_s_end_and_a_seccomp_trap_read_like_strace() {
        reads_like_strace(&[
            (
                SigInfo {
                    pid: 43,
                    status: libc::SIGKILL,
                    ..info(libc::SIGCHLD, 2)
                },
                "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=43, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0}",
                None,
            ),
            (
                SigInfo {
                    call_addr: 0x7f95_0ecd_6829,
                    syscall: libc::SYS_getppid as i32,
                    arch: 0xc000_003e,
                    ..info(libc::SIGSYS, 1)
                },
                "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x7f950ecd6829, si_syscall=__NR_getppid, si_arch=AUDIT_ARCH_X86_64}",
                None,
            ),
        ]);
    }
}
