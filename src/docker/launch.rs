//! Creating and starting the container: the user's configuration, with our runner as the
//! entrypoint, the real argv as the command, our labels and our one volume. What the engine
//! refuses at create or start is not an error of ours but the answer: [`Launched::Refused`].

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::CreateContainerOptions;
use bollard::Docker;

use super::cleanup::Cleanup;
use super::timings::timed;
use super::tracer_caps::{self, Grant};
use super::volume::Volume;
use super::{engine_message, inject};
use crate::report::Target;

/// Everything needed to run one image the way the user's `docker run` would.
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    /// What the report says was run (the argv is `entrypoint` then `command`).
    pub target: Target,
    /// The user's container configuration, before our runner is put in.
    pub config: ContainerCreateBody,
    /// `--name`.
    pub name: Option<String>,
    /// `--platform`.
    pub platform: Option<String>,
    /// Named volumes the configuration mounts (the engine creates missing ones).
    pub named_volumes: Vec<String>,
    /// The environment the program starts with (image's and user's), for redaction.
    pub env: Vec<String>,
    /// The image has a HEALTHCHECK.
    pub healthcheck: bool,
}

impl RunSpec {
    pub fn argv(&self) -> Vec<String> {
        self.target
            .entrypoint
            .iter()
            .chain(&self.target.command)
            .cloned()
            .collect()
    }
}

/// How the launch went.
#[derive(Debug)]
pub enum Launched {
    Started {
        id: String,
        /// The runner's volume, when it was filled directly (the trace is read from it too).
        volume: Option<Volume>,
    },
    /// The engine refused; its own words. `id` is set when the refusal came at start.
    Refused { id: Option<String>, message: String },
}

/// Creates the container with the runner injected, and starts it.
pub async fn launch(
    docker: &Docker,
    spec: &RunSpec,
    full: bool,
    cleanup: &Arc<Cleanup>,
    payload: &inject::Payload,
) -> Result<Launched> {
    if spec.argv().is_empty() {
        // The engine's own refusal for an image with neither ENTRYPOINT nor CMD; with our runner
        // as entrypoint it would not notice, so we say it for it.
        return Ok(Launched::Refused {
            id: None,
            message: "No command specified".to_string(),
        });
    }
    let missing_volumes = missing_volumes(docker, &spec.named_volumes).await;
    let created = async {
        let host = spec.config.host_config.clone().unwrap_or_default();
        let grant = tracer_caps::grant(docker, &host, spec.target.user.as_deref(), full).await;
        let body = runner_config(spec, full, grant.as_ref(), &cleanup.labels());
        create(docker, spec, body, cleanup).await
    };
    let id = match timed("create", created).await {
        Ok(id) => id,
        Err(message) => return Ok(Launched::Refused { id: None, message }),
    };
    for name in missing_volumes {
        cleanup.volume(&name);
    }
    let volume = timed("transfer", inject::put(docker, &id, payload)).await?;
    if let Err(e) = timed("start", docker.start_container(&id, None)).await {
        return Ok(Launched::Refused {
            id: Some(id),
            message: engine_message(&e),
        });
    }
    Ok(Launched::Started { id, volume })
}

/// The container configuration with our runner in it (and what it is granted for the tracer).
fn runner_config(
    spec: &RunSpec,
    full: bool,
    grant: Option<&Grant>,
    labels: &[(String, String)],
) -> ContainerCreateBody {
    let mut config = spec.config.clone();
    let runner_args = grant.map(Grant::runner_args).unwrap_or_default();
    config.entrypoint = Some(inject::entrypoint(full, &runner_args));
    config.cmd = Some(spec.argv());
    config
        .labels
        .get_or_insert_with(HashMap::new)
        .extend(labels.iter().cloned());
    let host = config.host_config.get_or_insert_with(Default::default);
    host.mounts
        .get_or_insert_with(Vec::new)
        .push(inject::mount(labels));
    // Never removed by the engine behind our back: we collect the trace after it exits.
    host.auto_remove = Some(false);
    // The tracer is a process of the container too: without its place the program could start
    // one process fewer than under a bare `docker run` (0 and -1 mean no limit).
    if let Some(limit) = host.pids_limit.as_mut().filter(|l| **l > 0) {
        *limit += crate::runner::TRACER_TASKS as i64;
    }
    if let Some(grant) = grant {
        tracer_caps::apply(host, grant);
    }
    config
}

/// Creates the container. The request runs in its own task so that, if we are interrupted
/// while it is in flight, it still completes and registers the container for removal.
async fn create(
    docker: &Docker,
    spec: &RunSpec,
    body: ContainerCreateBody,
    cleanup: &Arc<Cleanup>,
) -> Result<String, String> {
    let options = CreateContainerOptions {
        name: spec.name.clone(),
        platform: spec.platform.clone().unwrap_or_default(),
    };
    let docker = docker.clone();
    let register = Arc::clone(cleanup);
    let guard = cleanup.in_flight();
    let task = tokio::spawn(async move {
        let result = docker.create_container(Some(options), body).await;
        if let Ok(created) = &result {
            register.container(&created.id);
        }
        drop(guard);
        result
    });
    match task.await {
        Ok(Ok(created)) => Ok(created.id),
        Ok(Err(e)) => Err(engine_message(&e)),
        Err(e) => Err(format!("the create request failed: {e}")),
    }
}

/// The named volumes that do not exist yet (the engine will create them for this container).
async fn missing_volumes(docker: &Docker, names: &[String]) -> Vec<String> {
    let mut missing = Vec::new();
    for name in names {
        // Only a clear "no such volume": a volume we could not inspect is not ours to remove.
        if let Err(e) = docker.inspect_volume(name).await {
            if super::is_not_found(&e) {
                missing.push(name.clone());
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_wraps_the_real_argv() {
        let spec = RunSpec {
            target: Target {
                entrypoint: vec!["/app".into()],
                command: vec!["serve".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let c = runner_config(&spec, false, None, &[("l".into(), "1".into())]);
        let ep = c.entrypoint.unwrap();
        assert_eq!(ep[0], inject::RUNNER);
        assert_eq!(ep.last().map(String::as_str), Some("--"));
        assert_eq!(c.cmd.unwrap(), ["/app", "serve"]);
        assert_eq!(c.labels.unwrap()["l"], "1");
        let host = c.host_config.unwrap();
        assert_eq!(host.mounts.unwrap()[0].target.as_deref(), Some(inject::DIR));
        assert_eq!(host.privileged, None);
        assert_eq!(host.binds, None);
        assert_eq!(host.cap_add, None);
        let grant = Grant {
            cap_add: vec!["SYS_PTRACE"],
            deny: &[],
        };
        let c = runner_config(&spec, false, Some(&grant), &[]);
        let ep = c.entrypoint.unwrap();
        assert_eq!(ep[ep.len() - 3..], ["--tracer-cap", "SYS_PTRACE", "--"]);
        assert_eq!(c.host_config.unwrap().cap_add.unwrap(), ["SYS_PTRACE"]);
    }

    #[test]
    fn a_process_limit_gains_the_tracers_place_and_no_limit_stays_none() {
        let with_limit = |limit| RunSpec {
            config: ContainerCreateBody {
                host_config: Some(bollard::models::HostConfig {
                    pids_limit: limit,
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let limit_of = |limit| {
            runner_config(&with_limit(limit), false, None, &[])
                .host_config
                .unwrap()
                .pids_limit
        };
        assert_eq!(limit_of(Some(5)), Some(6));
        assert_eq!(limit_of(Some(-1)), Some(-1));
        assert_eq!(limit_of(None), None);
    }
}
