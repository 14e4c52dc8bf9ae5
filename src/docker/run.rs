//! One diagnosis run on the engine: launch, wait, stop if still up, collect — giving the
//! [`Observation`] the rule engine reads. Removal is [`Cleanup`]'s job, on every path.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use bollard::Docker;

use super::cleanup::Cleanup;
use super::collect;
use super::launch::{launch, Launched, RunSpec};
use super::wait::{self, Waited};
use crate::report::{Exit, Outcome};
use crate::rules::Observation;
use crate::trace::Trace;

/// Runs `spec` and observes how it starts.
pub async fn observe(
    docker: &Docker,
    spec: &RunSpec,
    wait_for: Duration,
    cleanup: &Arc<Cleanup>,
    payload: &Arc<Vec<u8>>,
) -> Result<Observation> {
    let started = Instant::now();
    let id = match launch(docker, spec, cleanup, payload).await? {
        Launched::Started { id } => id,
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
            obs.duration_ms = started.elapsed().as_millis() as u64;
            return Ok(obs);
        }
    };
    let waited = wait::wait(docker, &id, wait_for, spec.healthcheck).await?;
    let duration_ms = started.elapsed().as_millis() as u64;
    if matches!(waited, Waited::Running { .. }) {
        wait::stop(docker, &id).await?;
    }
    let trace = collect::trace(docker, &id).await?;
    let (stdout_tail, stderr_tail) = collect::tails(docker, &id).await;
    let state = collect::state(docker, &id).await?;
    let mut obs = match waited {
        Waited::Running { healthy } => {
            let mut obs = observation(spec, Outcome::Running, trace);
            obs.healthy = healthy;
            obs
        }
        Waited::Exited => {
            let (outcome, exit) = collect::exit_facts(&state, trace.end.as_ref());
            let mut obs = observation(spec, outcome, trace);
            obs.exit = exit;
            obs
        }
    };
    obs.duration_ms = duration_ms;
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

fn observation(spec: &RunSpec, outcome: Outcome, trace: Trace) -> Observation {
    let memory_limit = spec
        .config
        .host_config
        .as_ref()
        .and_then(|h| h.memory)
        .filter(|m| *m > 0)
        .map(|m| m as u64);
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
        healthy: false,
        secrets: secret_values(&spec.env),
    }
}

/// The values of secret-looking variables (REPORT.md's list of names), never to be shown.
// TODO(merge): replace with `crate::report::redact::secret_values` once the report branch is in main.
fn secret_values(env: &[String]) -> Vec<String> {
    const NAMES: [&str; 7] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "KEY",
        "CREDENTIAL",
        "AUTH",
    ];
    env.iter()
        .filter_map(|e| e.split_once('='))
        .filter(|(name, value)| {
            let name = name.to_ascii_uppercase();
            !value.is_empty() && NAMES.iter().any(|n| name.contains(n))
        })
        .map(|(_, value)| value.to_string())
        .collect()
}
