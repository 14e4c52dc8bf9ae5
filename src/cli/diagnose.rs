//! The diagnose form and `demo`: a thin layer that reads the arguments, runs a Docker session
//! (see `docker::session`) and prints the reports.

use std::time::Duration;

use anyhow::Result;

use super::args::{DemoArgs, DiagnoseArgs, RunFlags};
use super::rule_loading::Loading;
use crate::docker::image::{self, Pull};
use crate::docker::run::Settings;
use crate::docker::session::{observe_all, session};
use crate::docker::{demo, spec};

/// `docker-diagnose [OPTIONS] [DOCKER-RUN FLAGS] IMAGE [COMMAND...]`.
pub fn diagnose(args: DiagnoseArgs) -> Result<u8> {
    note_ignored(&args.run);
    // Compiled while the engine is connected to and the image inspected.
    let rules = Loading::start(args.output.rules.as_deref())?;
    session(args.keep, |docker, cleanup| async move {
        let specs = spec::from_args(&docker, &args, &cleanup).await?;
        let rules = rules.wait()?;
        let settings = Settings {
            wait: args.wait,
            full: args.full,
        };
        let reports = observe_all(&docker, &specs, settings, &cleanup, &rules).await?;
        Ok(super::output::print_reports(&reports, &args.output))
    })
}

/// How long the demo waits: its image fails at once.
const DEMO_WAIT: Duration = Duration::from_secs(5);

/// `docker-diagnose demo`: build the broken sample image, diagnose it, remove it.
pub fn demo(args: DemoArgs) -> Result<u8> {
    let rules = Loading::start(args.output.rules.as_deref())?;
    session(false, |docker, cleanup| async move {
        let rules = rules.wait()?;
        let reference = demo::build_image(&docker, &cleanup).await?;
        let image = image::resolve(&docker, &reference, None, Pull::Never).await?;
        let spec = spec::from_run_line(&reference, &image, &Default::default(), &[])?;
        let settings = Settings {
            wait: DEMO_WAIT,
            full: false,
        };
        let reports = observe_all(&docker, &[spec], settings, &cleanup, &rules).await?;
        Ok(super::output::print_reports(&reports, &args.output))
    })
}

/// Says on stderr which docker-run flags are accepted but have no effect here.
fn note_ignored(run: &RunFlags) {
    let attached = "the container runs detached and is watched";
    for (set, flag, why) in [
        (run.detach, "-d/--detach", attached),
        (run.interactive, "-i/--interactive", attached),
        (run.tty, "-t/--tty", attached),
        (!run.attach.is_empty(), "-a/--attach", attached),
        (run.sig_proxy.is_some(), "--sig-proxy", attached),
        (run.detach_keys.is_some(), "--detach-keys", attached),
        (
            run.restart.is_some(),
            "--restart",
            "a diagnosis runs the container once",
        ),
        (
            run.cidfile.is_some(),
            "--cidfile",
            "the container is removed afterwards",
        ),
        (
            run.gpus.is_some(),
            "--gpus",
            "GPUs are not given to the diagnosis container",
        ),
    ] {
        if set {
            eprintln!("docker-diagnose: note: {flag} is ignored ({why})");
        }
    }
}
