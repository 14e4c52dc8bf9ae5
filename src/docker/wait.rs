//! Waiting for the verdict: the container exits, or it is still up when `--wait` runs out (or
//! reports healthy by its HEALTHCHECK first) — then it counts as started.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use bollard::errors::Error;
use bollard::models::HealthStatusEnum;
use bollard::query_parameters::{KillContainerOptions, WaitContainerOptions};
use bollard::Docker;
use futures_util::StreamExt;

use super::engine_message;

/// How often a HEALTHCHECK's status is looked at.
const HEALTH_POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The container's main process ended.
    Exited,
    /// Still up at the deadline, or healthy before it.
    Running { healthy: bool },
}

/// Waits for the container to exit, for at most `wait`; an image with a HEALTHCHECK counts as
/// started as soon as it reports healthy.
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
                if healthcheck && is_healthy(docker, id).await {
                    return Ok(Waited::Running { healthy: true });
                }
                if Instant::now() >= deadline {
                    return Ok(Waited::Running { healthy: false });
                }
            }
        }
    }
}

async fn is_healthy(docker: &Docker, id: &str) -> bool {
    let Ok(info) = docker.inspect_container(id, None).await else {
        return false;
    };
    info.state
        .and_then(|s| s.health)
        .and_then(|h| h.status)
        .is_some_and(|s| s == HealthStatusEnum::HEALTHY)
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
