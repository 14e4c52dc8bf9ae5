//! What the container is given for the tracer alone: `CAP_SYS_PTRACE`, so that the tracer can
//! read the memory of a process that changed user (see `runner::tracer_caps` for why, and how
//! the program is kept from it).
//!
//! Given only when the program would not notice: its container runs as root (a container of
//! another user gets no capabilities at all from the engine, and the runner could not give them
//! up), not `--privileged` (it has them all), without the capability from the user's own flags,
//! and under a seccomp profile whose answers we know: Docker's built-in one, whose calls that
//! `CAP_SYS_PTRACE` opens the program's filter refuses again, or none. `--full` gets nothing:
//! it installs no filter. Any other case runs as before, with pointers for such processes.

use bollard::models::HostConfig;
use bollard::Docker;
use tokio::sync::OnceCell;

/// The capability the tracer needs.
const PTRACE: &str = "SYS_PTRACE";
/// The capability that lets the program's process give the other one up (`PR_CAPBSET_DROP`).
const SETPCAP: &str = "SETPCAP";

/// The engine's default capabilities (moby's `caps.DefaultCapabilities`).
const ENGINE_DEFAULT: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Calls Docker's built-in seccomp profile allows only with `CAP_SYS_PTRACE` (beyond those it
/// allows everyone on kernels since 4.8: `ptrace`, `process_vm_readv`, `process_vm_writev`).
const PTRACE_GATED_CALLS: &[&str] = &["kcmp", "pidfd_getfd", "process_madvise"];

/// The seccomp profile the engine applies when the user names none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EngineSeccomp {
    /// Docker's built-in profile.
    BuiltIn,
    /// The engine applies no seccomp profile.
    Off,
    /// A profile of the operator's (`dockerd --seccomp-profile`), or the engine did not say.
    Unknown,
}

/// What the container gets for the tracer: capabilities to add, and the calls the program's
/// filter refuses again.
#[derive(Debug, PartialEq)]
pub struct Grant {
    pub cap_add: Vec<&'static str>,
    pub deny: &'static [&'static str],
}

impl Grant {
    /// The runner's arguments that take the grant from the program again.
    pub fn runner_args(&self) -> Vec<String> {
        let caps = self.cap_add.iter().flat_map(|c| ["--tracer-cap", c]);
        let calls = self.deny.iter().flat_map(|c| ["--deny", c]);
        caps.chain(calls).map(str::to_string).collect()
    }
}

/// The engine's default seccomp profile, asked once per invocation (`GET /info`).
pub async fn engine_seccomp(docker: &Docker) -> EngineSeccomp {
    static ANSWER: OnceCell<EngineSeccomp> = OnceCell::const_new();
    *ANSWER
        .get_or_init(|| async {
            match docker.info().await {
                Ok(info) => seccomp_of(&info.security_options.unwrap_or_default()),
                Err(_) => EngineSeccomp::Unknown,
            }
        })
        .await
}

/// Reads `SecurityOptions` (`name=seccomp,profile=default`).
fn seccomp_of(options: &[String]) -> EngineSeccomp {
    let Some(seccomp) = options.iter().find(|o| o.starts_with("name=seccomp")) else {
        return EngineSeccomp::Off;
    };
    if seccomp.split(',').any(|kv| kv == "profile=default") {
        EngineSeccomp::BuiltIn
    } else {
        EngineSeccomp::Unknown
    }
}

/// What the tracer is given, if anything: nothing unless the container runs as root (`user`
/// `None` is root), is not privileged, lacks the capability, and runs under a seccomp profile
/// whose answers are known (`seccomp=unconfined`, or the engine's built-in default, which is
/// asked only when the rest allows a grant).
pub async fn grant(
    docker: &Docker,
    host: &HostConfig,
    user: Option<&str>,
    full: bool,
) -> Option<Grant> {
    if full || host.privileged == Some(true) || !is_root(user) || has(host, PTRACE) {
        return None;
    }
    let seccomp = match seccomp_option(host) {
        Some("unconfined") => EngineSeccomp::Off,
        Some(_) => return None,
        None => engine_seccomp(docker).await,
    };
    plan(host, seccomp)
}

/// The grant for a root container that lacks `CAP_SYS_PTRACE`, under `seccomp`.
fn plan(host: &HostConfig, seccomp: EngineSeccomp) -> Option<Grant> {
    let deny = match seccomp {
        EngineSeccomp::BuiltIn => PTRACE_GATED_CALLS,
        EngineSeccomp::Off => &[],
        EngineSeccomp::Unknown => return None,
    };
    let mut cap_add = vec![PTRACE];
    if !has(host, SETPCAP) {
        cap_add.push(SETPCAP);
    }
    Some(Grant { cap_add, deny })
}

/// Adds the grant to the container's capabilities. A `--cap-drop` of the same capability by
/// name is taken out (the runner drops it), so that no engine's order of add and drop matters.
pub fn apply(host: &mut HostConfig, grant: &Grant) {
    if let Some(drop) = &mut host.cap_drop {
        drop.retain(|c| !grant.cap_add.contains(&normal(c).as_str()));
    }
    host.cap_add
        .get_or_insert_with(Vec::new)
        .extend(grant.cap_add.iter().map(|c| c.to_string()));
}

/// Whether the user's flags give the container `cap` (`CAP_` prefix and case as Docker allows).
fn has(host: &HostConfig, cap: &str) -> bool {
    let names = |list: &Option<Vec<String>>| -> Vec<String> {
        list.iter().flatten().map(|c| normal(c)).collect()
    };
    let (add, drop) = (names(&host.cap_add), names(&host.cap_drop));
    let named = |list: &[String]| list.iter().any(|c| c == cap || c == "ALL");
    named(&add) || (ENGINE_DEFAULT.contains(&cap) && !named(&drop))
}

fn normal(cap: &str) -> String {
    let upper = cap.to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

/// Whether the user runs as uid 0 (`-u root`, `-u 0:1000`, no USER at all).
fn is_root(user: Option<&str>) -> bool {
    let uid = user.map_or("", |u| u.split(':').next().unwrap_or_default());
    uid.is_empty() || uid == "root" || uid.parse::<u32>() == Ok(0)
}

/// The user's `--security-opt seccomp=...` (or the older `seccomp:...`), if any.
fn seccomp_option(host: &HostConfig) -> Option<&str> {
    host.security_opt.iter().flatten().find_map(|o| {
        o.strip_prefix("seccomp=")
            .or_else(|| o.strip_prefix("seccomp:"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(add: &[&str], drop: &[&str]) -> HostConfig {
        let list = |l: &[&str]| (!l.is_empty()).then(|| l.iter().map(|s| s.to_string()).collect());
        HostConfig {
            cap_add: list(add),
            cap_drop: list(drop),
            ..Default::default()
        }
    }

    #[test]
    fn the_default_set_gets_ptrace_and_the_builtin_profiles_gated_calls_are_refused_again() {
        let grant = plan(&host(&[], &[]), EngineSeccomp::BuiltIn).unwrap();
        assert_eq!(grant.cap_add, ["SYS_PTRACE"]);
        assert_eq!(
            grant.runner_args().join(" "),
            "--tracer-cap SYS_PTRACE --deny kcmp --deny pidfd_getfd --deny process_madvise"
        );
        let unconfined = plan(&host(&[], &[]), EngineSeccomp::Off).unwrap();
        assert_eq!(
            unconfined.runner_args().join(" "),
            "--tracer-cap SYS_PTRACE"
        );
        assert_eq!(plan(&host(&[], &[]), EngineSeccomp::Unknown), None);
    }

    #[test]
    fn setpcap_comes_too_when_the_user_dropped_it() {
        for drop in [&["ALL"][..], &["cap_setpcap"], &["setpcap", "chown"]] {
            let mut h = host(&[], drop);
            let grant = plan(&h, EngineSeccomp::Off).unwrap();
            assert_eq!(grant.cap_add, ["SYS_PTRACE", "SETPCAP"], "{drop:?}");
            apply(&mut h, &grant);
            let left: Vec<&str> = h.cap_drop.iter().flatten().map(|s| s.as_str()).collect();
            assert!(!left
                .iter()
                .any(|c| c.to_ascii_uppercase().ends_with("SETPCAP")));
            assert_eq!(left.contains(&"ALL"), drop.contains(&"ALL"));
        }
    }

    #[test]
    fn what_the_user_already_gives_or_takes_is_read_like_the_engine() {
        assert!(has(&host(&["CAP_SYS_PTRACE"], &[]), PTRACE));
        assert!(has(&host(&["all"], &["ALL"]), PTRACE));
        assert!(!has(&host(&[], &[]), PTRACE));
        assert!(has(&host(&[], &["chown"]), SETPCAP));
        assert!(!has(&host(&[], &["ALL"]), SETPCAP));
        assert!(has(&host(&["setpcap"], &["ALL"]), SETPCAP));
    }

    #[test]
    fn only_root_containers() {
        for root in [
            None,
            Some("root"),
            Some("0"),
            Some("00"),
            Some("0:1000"),
            Some("root:staff"),
        ] {
            assert!(is_root(root), "{root:?}");
        }
        for other in [Some("1000"), Some("nobody"), Some("1000:0"), Some("toor")] {
            assert!(!is_root(other), "{other:?}");
        }
    }

    #[test]
    fn the_engines_and_the_users_seccomp_profiles() {
        let opts = |o: &[&str]| o.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            seccomp_of(&opts(&["name=apparmor", "name=seccomp,profile=default"])),
            EngineSeccomp::BuiltIn
        );
        assert_eq!(
            seccomp_of(&opts(&["name=seccomp,profile=/etc/docker/seccomp.json"])),
            EngineSeccomp::Unknown
        );
        assert_eq!(seccomp_of(&opts(&["name=apparmor"])), EngineSeccomp::Off);
        let with = |o: &str| HostConfig {
            security_opt: Some(vec!["label=disable".into(), o.into()]),
            ..Default::default()
        };
        assert_eq!(
            seccomp_option(&with("seccomp=unconfined")),
            Some("unconfined")
        );
        assert_eq!(seccomp_option(&with("seccomp:{}")), Some("{}"));
        assert_eq!(seccomp_option(&with("no-new-privileges")), None);
    }
}
