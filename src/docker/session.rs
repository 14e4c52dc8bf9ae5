//! A Docker session: a runtime of its own (only this path uses tokio), the connection, the work,
//! and the cleanup that runs on every way out — success, failure, SIGINT and SIGTERM.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Result};
use bollard::Docker;

use super::cleanup::Cleanup;
use super::launch::RunSpec;
use super::run::{self, Settings};
use super::timings::{self, timed};
use super::{connect, inject, tracer_caps};
use crate::report::Report;
use crate::rules::{self, RuleSet};

/// Runs `work` against the engine on a runtime of its own, then removes what it created —
/// whether it succeeded, failed, or SIGINT/SIGTERM cut it short.
pub fn session<F, Fut>(keep: bool, work: F) -> Result<u8>
where
    F: FnOnce(Docker, Arc<Cleanup>) -> Fut,
    Fut: Future<Output = Result<u8>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        // The runner's tar is read while we connect (every session here uploads it).
        drop(inject::prepare());
        let docker = timed("connect", connect::connect()).await?;
        // Asked while the image is inspected: what the tracer may be given (`tracer_caps`).
        let asking = docker.clone();
        tokio::spawn(async move { tracer_caps::engine_seccomp(&asking).await });
        let cleanup = Arc::new(Cleanup::new(docker.clone(), keep));
        let result = tokio::select! {
            result = work(docker, Arc::clone(&cleanup)) => result,
            signal = interrupted() => Err(anyhow!("interrupted by {signal}")),
        };
        let left = cleanup.finish().await;
        if left.is_empty() {
            return result;
        }
        // Still one line: what failed, and what is left and how to remove it.
        let left = format!("could not remove {}", left.join(", "));
        match result {
            Err(e) => Err(anyhow!("{e:#}; {left}")),
            Ok(code) => {
                eprintln!("docker-diagnose: {left}");
                Ok(code)
            }
        }
    })
}

/// Resolves on the first SIGINT or SIGTERM, with its name.
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    }
}

/// Observes each spec in turn and explains it.
pub async fn observe_all(
    docker: &Docker,
    specs: &[RunSpec],
    settings: Settings,
    cleanup: &Arc<Cleanup>,
    rules: &RuleSet,
) -> Result<Vec<Report>> {
    let payload = inject::prepare();
    let mut reports = Vec::new();
    for spec in specs {
        let observation = run::observe(docker, spec, settings, cleanup, &payload).await?;
        let analysed = Instant::now();
        reports.push(rules::diagnose(&observation, rules));
        timings::record("analysis", analysed.elapsed());
        // One image's container goes before the next starts.
        let left = timed("remove", cleanup.finish()).await;
        if !left.is_empty() {
            eprintln!("docker-diagnose: could not remove {}", left.join(", "));
        }
    }
    Ok(reports)
}
