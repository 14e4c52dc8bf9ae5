//! Capabilities the container holds for the tracer alone, kept from the program.
//!
//! A process that changes user without an exec (`mariadbd --user`, nginx's and Apache's
//! workers) becomes non-dumpable, and the kernel lets only a tracer with `CAP_SYS_PTRACE` read
//! its memory: without it every path and address of such a process is a bare pointer. So the
//! Docker side may create a root container with `CAP_SYS_PTRACE` (and `CAP_SETPCAP`, when the
//! user's flags took it away, to be able to give the other one up) and name them here
//! (`--tracer-cap`). The tracer, forked before, keeps them; the program's process drops them from
//! every set, the bounding set included, before its exec, so that the program starts with
//! exactly the capabilities its `docker run` gives it and can never gain these back.
//!
//! Docker's default seccomp profile also allows a few calls only to a container with
//! `CAP_SYS_PTRACE` (`kcmp`, `pidfd_getfd`, `process_madvise`); the Docker side names them
//! (`--deny`) and the program's filter refuses them with the EPERM the profile would give
//! (`filter::deny`).

use caps::{CapSet, Capability};

/// Parses a capability name as Docker and `capsh` write it (`sys_ptrace`, `CAP_SYS_PTRACE`).
pub fn parse(name: &str) -> Result<Capability, String> {
    caps::to_canonical(name)
        .parse()
        .map_err(|_| format!("unknown capability {name:?}"))
}

/// The bits of `caps` in a `/proc/PID/status` capability mask.
pub fn mask(caps: &[Capability]) -> u64 {
    caps.iter().fold(0, |m, c| m | c.bitmask())
}

/// Drops `caps` from this process's bounding, effective, inheritable and permitted sets (the
/// ambient set follows the inheritable one). `CAP_SETPCAP`, which the bounding drops need, goes
/// from the bounding set last.
pub fn drop_for_program(caps: &[Capability]) -> Result<(), String> {
    let mut ordered = caps.to_vec();
    ordered.sort_by_key(|c| *c == Capability::CAP_SETPCAP);
    for cap in &ordered {
        caps::drop(None, CapSet::Bounding, *cap)
            .map_err(|e| format!("cannot drop {cap} from the bounding set: {e}"))?;
    }
    for set in [CapSet::Effective, CapSet::Inheritable, CapSet::Permitted] {
        for cap in &ordered {
            caps::drop(None, set, *cap)
                .map_err(|e| format!("cannot drop {cap} from the {set:?} set: {e}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_as_docker_writes_them() {
        assert_eq!(parse("sys_ptrace"), Ok(Capability::CAP_SYS_PTRACE));
        assert_eq!(parse("CAP_SETPCAP"), Ok(Capability::CAP_SETPCAP));
        assert!(parse("no_such_cap").is_err());
        assert_eq!(
            mask(&[Capability::CAP_SYS_PTRACE, Capability::CAP_SETPCAP]),
            0x80100
        );
    }
}
