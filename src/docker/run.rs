//! One diagnosis run on the engine: launch, wait, collect — giving the
//! [`Observation`] the rule engine reads. Removal is [`Cleanup`]'s job, on every path.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use bollard::Docker;

use super::cleanup::Cleanup;
use super::launch::{launch, Launched, RunSpec};
use super::timings::timed;
use super::wait::{self, Waited};
use super::{collect, inject};
use crate::report::{Exit, Outcome};
use crate::rules::{Health, Observation};
use crate::trace::Trace;

/// How long a killed container is given to exit: the runner writes its End record meanwhile.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// How a run is watched.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// `--wait`: how long the container must stay up to count as started.
    pub wait: Duration,
    /// `--full`: the runner stops on every system call.
    pub full: bool,
}

/// Runs `spec` and observes how it starts.
pub async fn observe(
    docker: &Docker,
    spec: &RunSpec,
    settings: Settings,
    cleanup: &Arc<Cleanup>,
    payload: &inject::Payload,
) -> Result<Observation> {
    let launched = Instant::now();
    let (id, volume) = match launch(docker, spec, settings.full, cleanup, payload).await? {
        Launched::Started { id, volume } => (id, volume),
        Launched::Refused { id, message } => {
            let (stdout_tail, stderr_tail) = match &id {
                Some(id) => collect::tails(docker, id).await,
                None => Default::default(),
            };
            let mut obs = observation(spec, Outcome::NotStarted, Trace::default());
            obs.exit = Exit {
                code: Some(collect::refusal_code(&message)),
                ..Default::default()
            };
            obs.docker_error = Some(message);
            obs.stdout_tail = stdout_tail;
            obs.stderr_tail = stderr_tail;
            obs.duration_ms = launched.elapsed().as_millis() as u64;
            return Ok(obs);
        }
    };
    // The program's time counts from its start, not from our create and upload.
    let started = Instant::now();
    let waited = timed(
        "wait",
        wait::wait(docker, &id, settings.wait, spec.healthcheck),
    )
    .await?;
    let measured_ms = started.elapsed().as_millis() as u64;
    let running = matches!(waited, Waited::Running(_));
    let exited = waited == Waited::Exited;
    if running {
        // SIGKILL, not a stop with a grace (a second lost whenever PID 1 ignores SIGTERM, as it
        // does without a handler). Waiting for the exit lets the runner write its End record
        // when it sees PID 1's exit event (the kernel may skip that stop under SIGKILL).
        timed("stop", async {
            wait::kill(docker, &id).await?;
            wait::wait(docker, &id, STOP_WAIT, false).await
        })
        .await?;
    }
    let collected = timed("collect", async {
        tokio::join!(
            collect::trace(docker, &id, volume.as_ref()),
            collect::tails(docker, &id),
            async {
                match running {
                    true => Ok(None),
                    false => collect::state(docker, &id, memory_limit(spec).is_some())
                        .await
                        .map(Some),
                }
            }
        )
    })
    .await;
    let (trace, (stdout_tail, stderr_tail), state) = collected;
    let (trace, state) = (trace?, state?);
    let mut obs = match waited {
        Waited::Running(health) => {
            let mut obs = observation(spec, Outcome::Running, trace);
            obs.health = health;
            obs
        }
        Waited::Exited => {
            let state = state.unwrap_or_default();
            let (outcome, exit) = collect::exit_facts(&state, trace.end.as_ref());
            let mut obs = observation(spec, outcome, trace);
            obs.exit = exit;
            obs
        }
    };
    // The runner's own measure is exact when it wrote one.
    obs.duration_ms = match (&obs.trace.end, exited) {
        (Some(end), true) => end.duration_ms,
        _ => measured_ms,
    };
    obs.stdout_tail = stdout_tail;
    obs.stderr_tail = stderr_tail;
    if obs.stdout_tail.is_empty() && obs.stderr_tail.is_empty() {
        // A logging driver that keeps nothing (`none`, `syslog`): the runner's tails stand in.
        if let Some(end) = &obs.trace.end {
            obs.stdout_tail = end.stdout_tail.clone();
            obs.stderr_tail = end.stderr_tail.clone();
        }
    }
    Ok(obs)
}

/// The container's memory limit in bytes (`-m`), when one is set.
fn memory_limit(spec: &RunSpec) -> Option<u64> {
    spec.config
        .host_config
        .as_ref()
        .and_then(|h| h.memory)
        .filter(|m| *m > 0)
        .map(|m| m as u64)
}

fn observation(spec: &RunSpec, outcome: Outcome, trace: Trace) -> Observation {
    let memory_limit = memory_limit(spec);
    let host = spec.config.host_config.as_ref();
    let bind_mounts = super::mounts::bind_mounts(
        host.and_then(|h| h.binds.as_deref()).unwrap_or_default(),
        host.and_then(|h| h.mounts.as_deref()).unwrap_or_default(),
    );
    Observation {
        target: spec.target.clone(),
        outcome,
        exit: Exit::default(),
        duration_ms: 0,
        trace,
        stdout_tail: Vec::new(),
        stderr_tail: Vec::new(),
        docker_error: None,
        memory_limit,
        health: Health::None,
        secrets: crate::report::redact::secret_values(&spec.env),
        bind_mounts,
        // Without `--network` the engine picks its default (the bridge), as `docker inspect`'s
        // "default" says.
        network: Some(
            host.and_then(|h| h.network_mode.clone())
                .unwrap_or_else(|| "default".into()),
        ),
    }
}
