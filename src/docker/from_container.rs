//! `--from-container ID`: diagnose an existing container by running a fresh copy of it — same
//! image, command, environment, user, working directory, mounts, network and limits. The original
//! is only inspected, never touched.

use anyhow::{anyhow, Result};
use bollard::models::{ContainerConfig, ContainerCreateBody, ContainerInspectResponse, HostConfig};
use bollard::Docker;

use super::launch::RunSpec;
use super::{engine_message, is_not_found, LABEL, RUN_LABEL};
use crate::report::Target;

/// The run that repeats container `id`.
pub async fn spec(docker: &Docker, id: &str) -> Result<RunSpec> {
    let original = docker.inspect_container(id, None).await.map_err(|e| {
        if is_not_found(&e) {
            anyhow!("no such container: {id}")
        } else {
            anyhow!("cannot inspect container {id}: {}", engine_message(&e))
        }
    })?;
    let platform = match original.image.as_deref() {
        Some(image) => docker
            .inspect_image(image)
            .await
            .ok()
            .and_then(|i| super::image::platform(&i)),
        None => None,
    };
    Ok(copy(&original, platform))
}

/// The pure part: the original's configuration as a new container's.
pub fn copy(original: &ContainerInspectResponse, platform: Option<String>) -> RunSpec {
    let config = original.config.clone().unwrap_or_default();
    let healthcheck = config
        .healthcheck
        .as_ref()
        .and_then(|h| h.test.as_ref())
        .is_some_and(|t| t.first().is_some_and(|k| k != "NONE"));
    let env = config.env.clone().unwrap_or_default();
    let reference = config.image.clone().or_else(|| original.image.clone());
    let target = Target {
        image: reference.clone(),
        image_id: original.image.clone(),
        entrypoint: config.entrypoint.clone().unwrap_or_default(),
        command: config.cmd.clone().unwrap_or_default(),
        user: config.user.clone().filter(|u| !u.is_empty()),
        working_dir: config.working_dir.clone().filter(|w| !w.is_empty()),
        platform,
    };
    RunSpec {
        target,
        config: create_body(config, original, reference),
        name: None,
        platform: None,
        named_volumes: Vec::new(),
        env,
        healthcheck,
    }
}

fn create_body(
    config: ContainerConfig,
    original: &ContainerInspectResponse,
    reference: Option<String>,
) -> ContainerCreateBody {
    // The engine sets the hostname to the short id when none was given: not the user's choice.
    let default_hostname = original.id.as_deref().and_then(|id| id.get(..12));
    let hostname = config
        .hostname
        .filter(|h| Some(h.as_str()) != default_hostname);
    let labels = config.labels.map(|mut l| {
        l.retain(|k, _| k != LABEL && k != RUN_LABEL);
        l
    });
    ContainerCreateBody {
        hostname,
        domainname: config.domainname,
        user: config.user,
        exposed_ports: config.exposed_ports,
        env: config.env,
        healthcheck: config.healthcheck,
        image: reference,
        volumes: config.volumes,
        working_dir: config.working_dir,
        network_disabled: config.network_disabled,
        labels,
        stop_signal: config.stop_signal,
        stop_timeout: config.stop_timeout,
        host_config: original.host_config.clone().map(host_config),
        ..Default::default()
    }
}

/// The original's host configuration, minus what would act behind our back: a restart policy
/// (it would restart the copy when it exits), auto-removal, a container-id file.
fn host_config(mut host: HostConfig) -> HostConfig {
    host.restart_policy = None;
    host.auto_remove = Some(false);
    host.container_id_file = None;
    // A container we ran ourselves (kept with --keep) already has our volume: we add it anew.
    if let Some(mounts) = &mut host.mounts {
        mounts.retain(|m| m.target.as_deref() != Some(super::inject::DIR));
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{RestartPolicy, RestartPolicyNameEnum};

    #[test]
    fn copies_the_run_but_not_restart_or_autoremove() {
        let original = ContainerInspectResponse {
            id: Some("0123456789abcdef".into()),
            image: Some("sha256:aa".into()),
            config: Some(ContainerConfig {
                hostname: Some("0123456789ab".into()),
                image: Some("app:1".into()),
                entrypoint: Some(vec!["/app".into()]),
                cmd: Some(vec!["serve".into()]),
                env: Some(vec!["A=1".into()]),
                user: Some("1000".into()),
                labels: Some([(LABEL.to_string(), "1".to_string())].into_iter().collect()),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                memory: Some(1 << 20),
                binds: Some(vec!["/h:/c".into()]),
                network_mode: Some("none".into()),
                restart_policy: Some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::ALWAYS),
                    ..Default::default()
                }),
                auto_remove: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        let spec = copy(&original, None);
        assert_eq!(spec.argv(), ["/app", "serve"]);
        assert_eq!(spec.target.image.as_deref(), Some("app:1"));
        assert_eq!(spec.target.user.as_deref(), Some("1000"));
        assert_eq!(spec.config.hostname, None);
        assert!(spec.config.labels.unwrap().is_empty());
        let host = spec.config.host_config.unwrap();
        assert_eq!(host.memory, Some(1 << 20));
        assert_eq!(host.binds.unwrap(), ["/h:/c"]);
        assert_eq!(host.network_mode.as_deref(), Some("none"));
        assert_eq!(host.restart_policy, None);
        assert_eq!(host.auto_remove, Some(false));
    }
}
