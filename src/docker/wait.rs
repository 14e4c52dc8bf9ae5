//! Waiting for the verdict: the container exits, or it is still up when `--wait` runs out (or
//! reports healthy by its HEALTHCHECK first) — then it counts as started — or its HEALTHCHECK
//! reports unhealthy first: up, but not a good start.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use bollard::errors::Error;
use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use bollard::query_parameters::{KillContainerOptions, WaitContainerOptions};
use bollard::Docker;
use futures_util::StreamExt;

use super::engine_message;
use crate::rules::{Health, HealthFailure};

/// How often a HEALTHCHECK's status is looked at.
const HEALTH_POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    /// The container's main process ended.
    Exited,
    /// Still up at the deadline, or its HEALTHCHECK gave a verdict before it.
    Running(Health),
}

/// Waits for the container to exit, for at most `wait`; an image with a HEALTHCHECK counts as
/// started as soon as it reports healthy, and stops counting as soon as it reports unhealthy.
pub async fn wait(docker: &Docker, id: &str, wait: Duration, healthcheck: bool) -> Result<Waited> {
    let deadline = Instant::now() + wait;
    let options = WaitContainerOptions {
        condition: "not-running".to_string(),
    };
    let mut exited = Box::pin(docker.wait_container(id, Some(options)));
    loop {
        let tick = if healthcheck {
            HEALTH_POLL.min(deadline.saturating_duration_since(Instant::now()))
        } else {
            deadline.saturating_duration_since(Instant::now())
        };
        tokio::select! {
            item = exited.next() => {
                return match item {
                    // bollard reports a non-zero exit status as an error: still an exit.
                    None | Some(Ok(_)) | Some(Err(Error::DockerContainerWaitError { .. })) => Ok(Waited::Exited),
                    Some(Err(e)) => Err(anyhow!("lost the container while waiting for it: {}", engine_message(&e))),
                };
            }
            _ = tokio::time::sleep(tick) => {
                let health = match healthcheck {
                    true => health(docker, id).await,
                    false => Health::None,
                };
                let verdict = matches!(health, Health::Healthy | Health::Unhealthy(_));
                if verdict || Instant::now() >= deadline {
                    return Ok(Waited::Running(health));
                }
            }
        }
    }
}

async fn health(docker: &Docker, id: &str) -> Health {
    match docker.inspect_container(id, None).await {
        Ok(info) => health_of(&info),
        Err(_) => Health::Pending,
    }
}

/// The HEALTHCHECK's verdict in an inspect response, with its last check when it failed.
fn health_of(info: &ContainerInspectResponse) -> Health {
    let Some(health) = info.state.as_ref().and_then(|s| s.health.as_ref()) else {
        return Health::Pending;
    };
    match health.status {
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => {
            let last = health.log.as_ref().and_then(|log| log.last());
            let test = info
                .config
                .as_ref()
                .and_then(|c| c.healthcheck.as_ref())
                .and_then(|h| h.test.clone())
                .unwrap_or_default();
            Health::Unhealthy(HealthFailure {
                command: check_command(&test),
                exit_code: last.and_then(|l| l.exit_code),
                output: last.and_then(|l| l.output.clone()).unwrap_or_default(),
            })
        }
        _ => Health::Pending,
    }
}

/// A HEALTHCHECK's test as a user would type it: `["CMD-SHELL", "curl -f ..."]` is the shell
/// line, `["CMD", "curl", "-f", ...]` the words.
fn check_command(test: &[String]) -> String {
    match test.split_first() {
        Some((form, rest)) if form == "CMD-SHELL" || form == "CMD" => rest.join(" "),
        _ => test.join(" "),
    }
}

/// Stops a container that counted as started and is kept (`--keep`): SIGKILL, since the trace
/// is already in its file and a grace would only wait for a PID 1 that ignores the stop signal.
pub async fn kill(docker: &Docker, id: &str) -> Result<()> {
    match docker
        .kill_container(id, None::<KillContainerOptions>)
        .await
    {
        Ok(()) => Ok(()),
        // 409: it is not running any more.
        Err(Error::DockerResponseServerError {
            status_code: 409, ..
        }) => Ok(()),
        Err(e) => Err(anyhow!("cannot stop the container: {}", engine_message(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerConfig, ContainerState, Health as State, HealthConfig, HealthcheckResult,
    };

    fn inspected(status: HealthStatusEnum, test: &[&str]) -> ContainerInspectResponse {
        let check = |code, output: &str| HealthcheckResult {
            exit_code: Some(code),
            output: Some(output.into()),
            ..HealthcheckResult::default()
        };
        ContainerInspectResponse {
            config: Some(ContainerConfig {
                healthcheck: Some(HealthConfig {
                    test: Some(test.iter().map(|s| s.to_string()).collect()),
                    ..HealthConfig::default()
                }),
                ..ContainerConfig::default()
            }),
            state: Some(ContainerState {
                health: Some(State {
                    status: Some(status),
                    log: Some(vec![check(1, "first"), check(127, "sh: curl: not found\n")]),
                    ..State::default()
                }),
                ..ContainerState::default()
            }),
            ..ContainerInspectResponse::default()
        }
    }

    #[test]
    fn an_unhealthy_verdict_keeps_the_last_check() {
        let info = inspected(
            HealthStatusEnum::UNHEALTHY,
            &["CMD-SHELL", "curl -f http://localhost/"],
        );
        assert_eq!(
            health_of(&info),
            Health::Unhealthy(HealthFailure {
                command: "curl -f http://localhost/".into(),
                exit_code: Some(127),
                output: "sh: curl: not found\n".into(),
            })
        );
        assert_eq!(
            health_of(&inspected(HealthStatusEnum::HEALTHY, &[])),
            Health::Healthy
        );
        assert_eq!(
            health_of(&inspected(HealthStatusEnum::STARTING, &[])),
            Health::Pending
        );
        assert_eq!(
            health_of(&ContainerInspectResponse::default()),
            Health::Pending
        );
        assert_eq!(
            check_command(&["CMD".into(), "wget".into(), "-q".into()]),
            "wget -q"
        );
    }
}
