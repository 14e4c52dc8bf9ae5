//! From a `docker run` line (flags, IMAGE, COMMAND) and the image's inspect data to the
//! [`RunSpec`] of what the container runs.

use std::sync::Arc;

use anyhow::{bail, Result};
use bollard::models::ImageInspect;
use bollard::Docker;

use super::cleanup::Cleanup;
use super::command::{self, Overrides};
use super::image::{self, Pull};
use super::launch::RunSpec;
use super::{build, flags, from_container};
use crate::cli::args::{DiagnoseArgs, RunFlags};
use crate::report::Target;

/// The run of `reference` (already inspected as `image`) with the user's flags and arguments.
pub fn from_run_line(
    reference: &str,
    image: &ImageInspect,
    run: &RunFlags,
    args: &[String],
) -> Result<RunSpec> {
    let defaults = image::defaults(image);
    let overrides = Overrides {
        entrypoint: run.entrypoint.clone(),
        args: args.to_vec(),
        user: run.user.clone(),
        workdir: run.workdir.clone(),
    };
    let host_env = |name: &str| std::env::var(name).ok();
    let user_env = command::user_env(&run.env, &run.env_file, &host_env)?;
    let env = command::merged_env(&defaults.env, &user_env);
    let applied = flags::apply(run, user_env)?;
    let mut config = applied.config;
    config.image = Some(reference.to_string());
    let resolved = command::resolve(&defaults, &overrides);
    Ok(RunSpec {
        target: Target {
            image: Some(reference.to_string()),
            image_id: image.id.clone(),
            entrypoint: resolved.entrypoint,
            command: resolved.cmd,
            user: command::user(&defaults, &overrides),
            working_dir: command::working_dir(&defaults, &overrides),
            platform: image::platform(image),
        },
        config,
        name: applied.name,
        platform: applied.platform,
        named_volumes: applied.named_volumes,
        env,
        healthcheck: !run.no_healthcheck
            && (run.health_cmd.is_some() || image::has_healthcheck(image)),
    })
}

/// What a diagnose command line runs: a copy of an existing container (`--from-container`), a
/// freshly built image (`--build`), or the images named.
pub async fn from_args(
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
        let image = image::resolve(
            docker,
            &reference,
            args.run.platform.as_deref(),
            Pull::Never,
        )
        .await?;
        return Ok(vec![from_run_line(
            &reference, &image, &args.run, &args.args,
        )?]);
    }
    let pull = Pull::from_flag(args.run.pull.as_deref());
    let Some((first, command)) = args.args.split_first() else {
        bail!("no IMAGE given (usage: docker-diagnose [OPTIONS] IMAGE [COMMAND...], see --help)");
    };
    if !command.is_empty() && all_local(docker, &args.args).await {
        let mut specs = Vec::new();
        for reference in &args.args {
            let image =
                image::resolve(docker, reference, args.run.platform.as_deref(), pull).await?;
            specs.push(from_run_line(reference, &image, &args.run, &[])?);
        }
        return Ok(specs);
    }
    let image = image::resolve(docker, first, args.run.platform.as_deref(), pull).await?;
    Ok(vec![from_run_line(first, &image, &args.run, command)?])
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
