//! The user's `docker run` flags ([`RunFlags`]) as the engine's container configuration, with the
//! docker CLI's meanings: units, ulimits, ports, mounts, security options and the rest.
//!
//! Values the CLI itself would reject (a memory size of `1x`) are bad arguments and fail here;
//! values only the engine can judge (an unknown capability, a missing host path) go through, so
//! that the engine's refusal is reported as `docker run` would show it.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use bollard::models::{
    ContainerCreateBody, DeviceMapping, HealthConfig, HostConfig, HostConfigCgroupnsModeEnum,
    HostConfigLogConfig, PortBinding, ResourcesUlimits,
};

use super::mounts;
use crate::cli::args::RunFlags;

/// The container configuration, before our runner is injected.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub config: ContainerCreateBody,
    /// `--name`.
    pub name: Option<String>,
    /// `--platform`.
    pub platform: Option<String>,
    /// Named volumes the flags refer to (the engine creates missing ones).
    pub named_volumes: Vec<String>,
}

/// Builds the container configuration for `flags`; `env` is the user's `-e`/`--env-file` list.
pub fn apply(flags: &RunFlags, env: Vec<String>) -> Result<Applied> {
    let volumes = mounts::volumes(&flags.volume)?;
    let mount_list = flags
        .mount
        .iter()
        .map(|m| mounts::mount(m))
        .collect::<Result<Vec<_>>>()?;
    let (mut exposed, bindings) = ports(&flags.publish)?;
    let host = HostConfig {
        memory: flags
            .memory
            .as_deref()
            .map(parse_bytes)
            .transpose()
            .context("invalid --memory")?,
        memory_swap: flags
            .memory_swap
            .as_deref()
            .map(|s| if s == "-1" { Ok(-1) } else { parse_bytes(s) })
            .transpose()
            .context("invalid --memory-swap")?,
        nano_cpus: flags.cpus.as_deref().map(parse_cpus).transpose()?,
        network_mode: flags.network.clone(),
        cap_add: non_empty(flags.cap_add.clone()),
        cap_drop: non_empty(flags.cap_drop.clone()),
        binds: non_empty(volumes.binds.clone()),
        mounts: non_empty(mount_list.clone()),
        tmpfs: (!flags.tmpfs.is_empty()).then(|| mounts::tmpfs(&flags.tmpfs)),
        ulimits: non_empty(
            flags
                .ulimit
                .iter()
                .map(|u| ulimit(u))
                .collect::<Result<_>>()?,
        ),
        port_bindings: (!bindings.is_empty()).then_some(bindings),
        privileged: flags.privileged.then_some(true),
        security_opt: non_empty(
            flags
                .security_opt
                .iter()
                .map(|s| security_opt(s))
                .collect::<Result<_>>()?,
        ),
        pids_limit: flags.pids_limit,
        shm_size: flags
            .shm_size
            .as_deref()
            .map(parse_bytes)
            .transpose()
            .context("invalid --shm-size")?,
        sysctls: (!flags.sysctl.is_empty())
            .then(|| key_values(&flags.sysctl, "--sysctl"))
            .transpose()?,
        extra_hosts: non_empty(
            flags
                .add_host
                .iter()
                .map(|h| add_host(h))
                .collect::<Result<_>>()?,
        ),
        dns: non_empty(flags.dns.clone()),
        init: flags.init.then_some(true),
        group_add: non_empty(flags.group_add.clone()),
        readonly_rootfs: flags.read_only.then_some(true),
        publish_all_ports: flags.publish_all.then_some(true),
        devices: non_empty(flags.device.iter().map(|d| device(d)).collect()),
        volumes_from: non_empty(flags.volumes_from.clone()),
        links: non_empty(flags.link.clone()),
        ipc_mode: flags.ipc.clone(),
        pid_mode: flags.pid.clone(),
        uts_mode: flags.uts.clone(),
        userns_mode: flags.userns.clone(),
        cgroupns_mode: flags.cgroupns.as_deref().map(cgroupns).transpose()?,
        dns_search: non_empty(flags.dns_search.clone()),
        dns_options: non_empty(flags.dns_option.clone()),
        log_config: match &flags.log_driver {
            Some(driver) => Some(HostConfigLogConfig {
                typ: Some(driver.clone()),
                config: Some(key_values(&flags.log_opt, "--log-opt")?),
            }),
            None => None,
        },
        cpu_shares: flags.cpu_shares,
        cpuset_cpus: flags.cpuset_cpus.clone(),
        memory_reservation: flags
            .memory_reservation
            .as_deref()
            .map(parse_bytes)
            .transpose()
            .context("invalid --memory-reservation")?,
        oom_score_adj: flags.oom_score_adj,
        oom_kill_disable: flags.oom_kill_disable.then_some(true),
        runtime: flags.runtime.clone(),
        ..Default::default()
    };
    if flags.log_driver.is_none() && !flags.log_opt.is_empty() {
        bail!("--log-opt needs --log-driver");
    }
    let (exposed_only, _) = ports(&flags.expose).context("invalid --expose")?;
    exposed.extend(exposed_only);
    let mut label_lines = Vec::new();
    for file in &flags.label_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read --label-file {}", file.display()))?;
        label_lines.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    let labels: HashMap<String, String> = label_lines
        .iter()
        .chain(&flags.label)
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (l.clone(), String::new()),
        })
        .collect();
    let config = ContainerCreateBody {
        env: non_empty(env),
        user: flags.user.clone(),
        working_dir: flags.workdir.clone(),
        hostname: flags.hostname.clone(),
        stop_signal: flags.stop_signal.clone(),
        stop_timeout: flags.stop_timeout,
        domainname: flags.domainname.clone(),
        healthcheck: healthcheck(flags)?,
        labels: Some(labels),
        exposed_ports: non_empty(exposed),
        volumes: non_empty(volumes.anonymous.clone()),
        host_config: Some(host),
        ..Default::default()
    };
    Ok(Applied {
        config,
        name: flags.name.clone(),
        platform: flags.platform.clone(),
        named_volumes: mounts::named_volumes(&volumes.binds, &mount_list),
    })
}

/// `--health-*` and `--no-healthcheck`, which replace the image's HEALTHCHECK.
fn healthcheck(flags: &RunFlags) -> Result<Option<HealthConfig>> {
    let nanos = |d: Option<std::time::Duration>| d.map(|d| d.as_nanos() as i64);
    let tuned = flags.health_cmd.is_some()
        || flags.health_interval.is_some()
        || flags.health_timeout.is_some()
        || flags.health_retries.is_some()
        || flags.health_start_period.is_some();
    if flags.no_healthcheck {
        if tuned {
            bail!("--no-healthcheck conflicts with --health-* options");
        }
        return Ok(Some(HealthConfig {
            test: Some(vec!["NONE".to_string()]),
            ..Default::default()
        }));
    }
    if !tuned {
        return Ok(None);
    }
    Ok(Some(HealthConfig {
        test: flags
            .health_cmd
            .as_ref()
            .map(|cmd| vec!["CMD-SHELL".to_string(), cmd.clone()]),
        interval: nanos(flags.health_interval),
        timeout: nanos(flags.health_timeout),
        retries: flags.health_retries,
        start_period: nanos(flags.health_start_period),
        ..Default::default()
    }))
}

/// `--device /dev/x[:/dev/y[:rwm]]`.
fn device(spec: &str) -> DeviceMapping {
    let mut parts = spec.splitn(3, ':');
    let host = parts.next().unwrap_or_default().to_string();
    let container = parts
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| host.clone());
    DeviceMapping {
        path_on_host: Some(host),
        path_in_container: Some(container),
        cgroup_permissions: Some(parts.next().unwrap_or("rwm").to_string()),
    }
}

fn cgroupns(mode: &str) -> Result<HostConfigCgroupnsModeEnum> {
    match mode {
        "host" => Ok(HostConfigCgroupnsModeEnum::HOST),
        "private" => Ok(HostConfigCgroupnsModeEnum::PRIVATE),
        other => bail!("invalid --cgroupns {other:?}: expected host or private"),
    }
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// Docker's sizes: `64m`, `1g`, `512k`, `1.5GB`, a bare number of bytes; binary multiples.
pub fn parse_bytes(text: &str) -> Result<i64> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let number: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .with_context(|| format!("{t:?} is not a size like 64m or 1g"))?;
    let unit = unit.trim_start();
    let unit = unit.strip_suffix('b').unwrap_or(unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        "p" => 50,
        _ => bail!("{t:?} is not a size like 64m or 1g (unknown unit)"),
    };
    Ok((number * (1u64 << shift) as f64) as i64)
}

fn parse_cpus(text: &str) -> Result<i64> {
    let cpus: f64 = text
        .trim()
        .parse()
        .ok()
        .filter(|c: &f64| c.is_finite() && *c >= 0.0)
        .with_context(|| format!("invalid --cpus {text:?}: not a number of CPUs"))?;
    Ok((cpus * 1e9) as i64)
}

/// `--ulimit nofile=1024[:2048]`; `-1` or `unlimited` mean no limit.
fn ulimit(spec: &str) -> Result<ResourcesUlimits> {
    let (name, limits) = spec
        .split_once('=')
        .with_context(|| format!("invalid --ulimit {spec:?}: expected NAME=SOFT[:HARD]"))?;
    let number = |s: &str| -> Result<i64> {
        if s == "unlimited" {
            return Ok(-1);
        }
        s.parse()
            .with_context(|| format!("invalid --ulimit {spec:?}: {s:?} is not a number"))
    };
    let (soft, hard) = match limits.split_once(':') {
        Some((s, h)) => (number(s)?, number(h)?),
        None => (number(limits)?, number(limits)?),
    };
    Ok(ResourcesUlimits {
        name: Some(name.to_string()),
        soft: Some(soft),
        hard: Some(hard),
    })
}

/// `--security-opt`; like the docker CLI, a seccomp profile given as a file is sent as its text.
fn security_opt(spec: &str) -> Result<String> {
    let (key, value) = match spec.split_once(['=', ':']) {
        Some(kv) => kv,
        None => return Ok(spec.to_string()),
    };
    if key == "seccomp" && value != "unconfined" && !value.trim_start().starts_with('{') {
        let profile = std::fs::read_to_string(value)
            .with_context(|| format!("cannot read the seccomp profile {value}"))?;
        return Ok(format!("seccomp={profile}"));
    }
    Ok(spec.to_string())
}

/// `--add-host name:ip` (also `name=ip`, as newer docker CLIs accept).
fn add_host(spec: &str) -> Result<String> {
    let (name, ip) = spec
        .split_once(['=', ':'])
        .with_context(|| format!("invalid --add-host {spec:?}: expected HOST:IP"))?;
    Ok(format!("{name}:{ip}"))
}

fn key_values(specs: &[String], flag: &str) -> Result<HashMap<String, String>> {
    specs
        .iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .with_context(|| format!("invalid {flag} {s:?}: expected NAME=VALUE"))
        })
        .collect()
}

/// `-p [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]`, ranges included: the exposed ports and bindings.
#[allow(clippy::type_complexity)]
fn ports(specs: &[String]) -> Result<(Vec<String>, HashMap<String, Option<Vec<PortBinding>>>)> {
    let mut exposed = Vec::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for spec in specs {
        let bad = || {
            format!(
                "invalid -p/--publish {spec:?}: expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]"
            )
        };
        let (addr, proto) = spec.rsplit_once('/').unwrap_or((spec, "tcp"));
        let (ip, host, container) = match split_publish(addr) {
            Some(parts) => parts,
            None => bail!(bad()),
        };
        let container_ports = port_range(container).with_context(bad)?;
        let host_ports = if host.is_empty() {
            None
        } else {
            Some(port_range(host).with_context(bad)?)
        };
        for (i, port) in container_ports.iter().enumerate() {
            let host_port = match &host_ports {
                None => String::new(),
                Some(h) if h.len() == container_ports.len() => h[i].to_string(),
                Some(h) if container_ports.len() == 1 => format!("{}-{}", h[0], h[h.len() - 1]),
                Some(_) => bail!("{}: the port ranges differ in length", bad()),
            };
            let key = format!("{port}/{proto}");
            exposed.push(key.clone());
            bindings
                .entry(key)
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: Some(ip.to_string()),
                    host_port: Some(host_port),
                });
        }
    }
    Ok((exposed, bindings))
}

/// Splits `IP:HOST:CONTAINER`, `HOST:CONTAINER` or `CONTAINER` (an IPv6 address in brackets).
fn split_publish(addr: &str) -> Option<(&str, &str, &str)> {
    if let Some(rest) = addr.strip_prefix('[') {
        let (ip, rest) = rest.split_once("]:")?;
        let (host, container) = rest.split_once(':')?;
        return Some((ip, host, container));
    }
    let parts: Vec<&str> = addr.split(':').collect();
    match parts.as_slice() {
        [c] => Some(("", "", c)),
        [h, c] => Some(("", h, c)),
        [ip, h, c] => Some((ip, h, c)),
        _ => None,
    }
}

fn port_range(text: &str) -> Result<Vec<u16>> {
    let (lo, hi) = text.split_once('-').unwrap_or((text, text));
    let lo: u16 = lo.parse().context("not a port number")?;
    let hi: u16 = hi.parse().context("not a port number")?;
    if lo > hi {
        bail!("the port range is reversed");
    }
    Ok((lo..=hi).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn flags(args: &[&str]) -> RunFlags {
        let mut argv = vec!["docker-diagnose"];
        argv.extend(args);
        argv.push("img");
        crate::cli::DiagnoseArgs::try_parse_from(argv).unwrap().run
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("64m").unwrap(), 64 << 20);
        assert_eq!(parse_bytes("1g").unwrap(), 1 << 30);
        assert_eq!(parse_bytes("1.5GB").unwrap(), 3 << 29);
        assert_eq!(parse_bytes("512").unwrap(), 512);
        assert_eq!(parse_bytes("2KiB").unwrap(), 2048);
        assert!(parse_bytes("1x").is_err());
        assert!(parse_bytes("m").is_err());
    }

    #[test]
    fn limits_and_security() {
        let a = apply(
            &flags(&[
                "-m",
                "64m",
                "--ulimit",
                "nofile=10:20",
                "--pids-limit",
                "5",
                "--cap-drop",
                "ALL",
                "--read-only",
                "--shm-size",
                "1m",
                "--cpus",
                "0.5",
                "--init",
            ]),
            vec![],
        )
        .unwrap();
        let h = a.config.host_config.unwrap();
        assert_eq!(h.memory, Some(64 << 20));
        assert_eq!(h.ulimits.unwrap()[0].hard, Some(20));
        assert_eq!(h.pids_limit, Some(5));
        assert_eq!(h.cap_drop.unwrap(), ["ALL"]);
        assert_eq!(h.readonly_rootfs, Some(true));
        assert_eq!(h.shm_size, Some(1 << 20));
        assert_eq!(h.nano_cpus, Some(500_000_000));
        assert_eq!(h.init, Some(true));
        assert_eq!(h.privileged, None);
    }

    #[test]
    fn publish() {
        let (exposed, b) = ports(&[
            "127.0.0.1:8080:80".into(),
            "53/udp".into(),
            "9000-9001:90-91".into(),
        ])
        .unwrap();
        assert!(exposed.contains(&"80/tcp".to_string()) && exposed.contains(&"53/udp".to_string()));
        let p80 = b["80/tcp"].as_ref().unwrap()[0].clone();
        assert_eq!(p80.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(p80.host_port.as_deref(), Some("8080"));
        assert_eq!(
            b["91/tcp"].as_ref().unwrap()[0].host_port.as_deref(),
            Some("9001")
        );
        assert!(ports(&["x:y".into()]).is_err());
    }

    #[test]
    fn labels_hosts_sysctls() {
        let a = apply(
            &flags(&[
                "-l",
                "a=b",
                "-l",
                "c",
                "--add-host",
                "db:10.0.0.1",
                "--sysctl",
                "net.ipv4.ip_forward=1",
                "-v",
                "/x",
                "-v",
                "vol:/y",
            ]),
            vec!["A=1".into()],
        )
        .unwrap();
        let labels = a.config.labels.unwrap();
        assert_eq!(labels["a"], "b");
        assert_eq!(labels["c"], "");
        let h = a.config.host_config.unwrap();
        assert_eq!(h.extra_hosts.unwrap(), ["db:10.0.0.1"]);
        assert_eq!(h.sysctls.unwrap()["net.ipv4.ip_forward"], "1");
        assert_eq!(a.config.volumes.unwrap(), ["/x"]);
        assert_eq!(a.named_volumes, ["vol"]);
        assert_eq!(a.config.env.unwrap(), ["A=1"]);
    }

    #[test]
    fn health_devices_logs_namespaces() {
        let a = apply(
            &flags(&[
                "--health-cmd",
                "true",
                "--health-interval",
                "1s",
                "--health-retries",
                "2",
                "--device",
                "/dev/fuse",
                "--log-driver",
                "json-file",
                "--log-opt",
                "max-size=1m",
                "--ipc",
                "host",
                "--cgroupns",
                "private",
                "--expose",
                "7000-7001/udp",
                "-P",
                "--oom-score-adj",
                "-500",
            ]),
            vec![],
        )
        .unwrap();
        let h = a.config.healthcheck.unwrap();
        assert_eq!(h.test.unwrap(), ["CMD-SHELL", "true"]);
        assert_eq!(h.interval, Some(1_000_000_000));
        assert_eq!(h.retries, Some(2));
        assert!(a
            .config
            .exposed_ports
            .unwrap()
            .contains(&"7001/udp".to_string()));
        let host = a.config.host_config.unwrap();
        assert_eq!(
            host.devices.unwrap()[0].path_in_container.as_deref(),
            Some("/dev/fuse")
        );
        assert_eq!(host.log_config.unwrap().config.unwrap()["max-size"], "1m");
        assert_eq!(host.ipc_mode.as_deref(), Some("host"));
        assert_eq!(
            host.cgroupns_mode,
            Some(HostConfigCgroupnsModeEnum::PRIVATE)
        );
        assert_eq!(host.publish_all_ports, Some(true));
        assert_eq!(host.oom_score_adj, Some(-500));
        assert!(apply(&flags(&["--no-healthcheck", "--health-cmd", "x"]), vec![]).is_err());
        let none = apply(&flags(&["--no-healthcheck"]), vec![]).unwrap();
        assert_eq!(none.config.healthcheck.unwrap().test.unwrap(), ["NONE"]);
    }
}
