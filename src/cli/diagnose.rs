//! The diagnose form and `demo`: a thin layer that reads the arguments, runs a Docker session
//! (connect, observe each image, clean up on every way out, Ctrl-C included) and prints.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use bollard::Docker;

use super::args::{DemoArgs, DiagnoseArgs, OutputOpts};
use crate::docker::cleanup::Cleanup;
use crate::docker::launch::RunSpec;
use crate::docker::{build, connect, demo, from_container, image, inject, run, spec};
use crate::report::Report;
use crate::rules::{self, RuleSet};

/// `docker-diagnose [OPTIONS] [DOCKER-RUN FLAGS] IMAGE [COMMAND...]`.
pub fn diagnose(args: DiagnoseArgs) -> Result<u8> {
    for (set, flag) in [
        (args.run.detach, "-d/--detach"),
        (args.run.interactive, "-i/--interactive"),
        (args.run.tty, "-t/--tty"),
    ] {
        if set {
            eprintln!("docker-diagnose: note: {flag} is ignored (the container runs detached and is watched)");
        }
    }
    let rules = rule_set(&args.output)?;
    session(args.keep, |docker, cleanup| async move {
        let specs = specs(&docker, &args, &cleanup).await?;
        let reports = observe_all(&docker, &specs, args.wait, &cleanup, &rules).await?;
        Ok(super::output::print_reports(&reports, &args.output))
    })
}

/// How long the demo waits: its image fails at once.
const DEMO_WAIT: Duration = Duration::from_secs(5);

/// `docker-diagnose demo`: build the broken sample image, diagnose it, remove it.
pub fn demo(args: DemoArgs) -> Result<u8> {
    let rules = rule_set(&args.output)?;
    session(false, |docker, cleanup| async move {
        let reference = demo::build_image(&docker, &cleanup).await?;
        let image = image::resolve(&docker, &reference, None).await?;
        let spec = spec::from_run_line(&reference, &image, &Default::default(), &[])?;
        let reports = observe_all(&docker, &[spec], DEMO_WAIT, &cleanup, &rules).await?;
        Ok(super::output::print_reports(&reports, &args.output))
    })
}

fn rule_set(opts: &OutputOpts) -> Result<RuleSet> {
    let rules = RuleSet::builtin()?;
    match &opts.rules {
        Some(dir) => rules.with_dir(dir),
        None => Ok(rules),
    }
}

/// Runs `work` against the engine on a runtime of its own, then removes what it created —
/// whether it succeeded, failed, or SIGINT/SIGTERM cut it short.
fn session<F, Fut>(keep: bool, work: F) -> Result<u8>
where
    F: FnOnce(Docker, Arc<Cleanup>) -> Fut,
    Fut: Future<Output = Result<u8>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let docker = connect::connect().await?;
        let cleanup = Arc::new(Cleanup::new(docker.clone(), keep));
        let result = tokio::select! {
            result = work(docker, Arc::clone(&cleanup)) => result,
            signal = interrupted() => Err(anyhow!("interrupted by {signal}; removed what this run created")),
        };
        cleanup.finish().await;
        result
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

/// What to run: a copy of an existing container, a freshly built image, or the images named.
async fn specs(
    docker: &Docker,
    args: &DiagnoseArgs,
    cleanup: &Arc<Cleanup>,
) -> Result<Vec<RunSpec>> {
    if let Some(id) = &args.from_container {
        if !args.args.is_empty() || args.build.is_some() {
            bail!("--from-container takes no IMAGE and no --build");
        }
        return Ok(vec![from_container::spec(docker, id).await?]);
    }
    if let Some(dir) = &args.build {
        let reference = build::build(docker, dir, cleanup).await?;
        let image = image::resolve(docker, &reference, args.run.platform.as_deref()).await?;
        return Ok(vec![spec::from_run_line(
            &reference, &image, &args.run, &args.args,
        )?]);
    }
    let Some((first, command)) = args.args.split_first() else {
        bail!("no IMAGE given (usage: docker-diagnose [OPTIONS] IMAGE [COMMAND...], see --help)");
    };
    if !command.is_empty() && all_local(docker, &args.args).await {
        let mut specs = Vec::new();
        for reference in &args.args {
            let image = image::resolve(docker, reference, args.run.platform.as_deref()).await?;
            specs.push(spec::from_run_line(reference, &image, &args.run, &[])?);
        }
        return Ok(specs);
    }
    let image = image::resolve(docker, first, args.run.platform.as_deref()).await?;
    Ok(vec![spec::from_run_line(
        first, &image, &args.run, command,
    )?])
}

/// Whether every positional names a local image (then each is diagnosed, none is a command).
async fn all_local(docker: &Docker, references: &[String]) -> bool {
    for reference in references {
        if !image::is_local(docker, reference).await {
            return false;
        }
    }
    true
}

/// Observes each spec in turn and explains it.
async fn observe_all(
    docker: &Docker,
    specs: &[RunSpec],
    wait: Duration,
    cleanup: &Arc<Cleanup>,
    rules: &RuleSet,
) -> Result<Vec<Report>> {
    let payload = Arc::new(inject::payload()?);
    let mut reports = Vec::new();
    for spec in specs {
        let observation = run::observe(docker, spec, wait, cleanup, &payload).await?;
        reports.push(rules::diagnose(&observation, rules));
        // One image's container goes before the next starts.
        cleanup.finish().await;
    }
    Ok(reports)
}
