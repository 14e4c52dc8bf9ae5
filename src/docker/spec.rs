//! From a `docker run` line (flags, IMAGE, COMMAND) and the image's inspect data to the
//! [`RunSpec`] of what the container runs.

use anyhow::Result;
use bollard::models::ImageInspect;

use super::command::{self, Overrides};
use super::flags;
use super::image;
use super::launch::RunSpec;
use crate::cli::args::RunFlags;
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
        healthcheck: image::has_healthcheck(image),
    })
}
