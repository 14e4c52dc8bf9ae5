//! Finding the image: inspect it locally, else pull it (with progress on a terminal) like
//! `docker run` does; an image that is neither local nor pullable is one clear line.

use std::io::IsTerminal;

use anyhow::{anyhow, Result};
use bollard::models::ImageInspect;
use bollard::query_parameters::CreateImageOptions;
use bollard::Docker;
use futures_util::StreamExt;

use super::command::ImageDefaults;
use super::timings::timed;
use super::{engine_message, is_not_found};

/// When to pull, as `docker run --pull` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pull {
    /// Only when the image is not local (the default).
    #[default]
    Missing,
    Always,
    Never,
}

impl Pull {
    pub fn from_flag(flag: Option<&str>) -> Pull {
        match flag {
            Some("always") => Pull::Always,
            Some("never") => Pull::Never,
            _ => Pull::Missing,
        }
    }
}

/// The image's inspect data, pulling it first when it is not local (or `--pull always`).
pub async fn resolve(
    docker: &Docker,
    reference: &str,
    platform: Option<&str>,
    policy: Pull,
) -> Result<ImageInspect> {
    if policy == Pull::Always {
        pull(docker, reference, platform)
            .await
            .map_err(|why| anyhow!("cannot pull {reference} (--pull always): {why}"))?;
    }
    match timed("inspect", docker.inspect_image(reference)).await {
        Ok(image) => return Ok(image),
        Err(e) if is_not_found(&e) => {}
        Err(e) => {
            let message = engine_message(&e);
            if let Some((_, why)) = message.split_once("invalid reference format") {
                let why = why.trim_start_matches(':').trim();
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(": {why}")
                };
                return Err(anyhow!("invalid image reference {reference:?}{why}"));
            }
            return Err(anyhow!("cannot inspect image {reference}: {message}"));
        }
    }
    if policy == Pull::Never {
        return Err(anyhow!(
            "no such image: {reference} (not found locally, and --pull never)"
        ));
    }
    pull(docker, reference, platform).await.map_err(|why| {
        anyhow!("no such image: {reference} (not found locally, and pulling it failed: {why})")
    })?;
    docker.inspect_image(reference).await.map_err(|e| {
        anyhow!(
            "cannot inspect image {reference} after pulling it: {}",
            engine_message(&e)
        )
    })
}

/// Whether `reference` names an image present on the engine (no pull).
pub async fn is_local(docker: &Docker, reference: &str) -> bool {
    docker.inspect_image(reference).await.is_ok()
}

/// Pulls `reference`, drawing a spinner on a terminal; the error is the engine's one line.
async fn pull(docker: &Docker, reference: &str, platform: Option<&str>) -> Result<(), String> {
    let (from_image, tag) = split_tag(reference);
    let options = CreateImageOptions {
        from_image: Some(from_image.to_string()),
        tag: tag.map(str::to_string),
        platform: platform.unwrap_or_default().to_string(),
        ..Default::default()
    };
    let progress = std::io::stderr().is_terminal().then(|| {
        indicatif::ProgressBar::new_spinner().with_message(format!("pulling {reference}"))
    });
    let mut stream = docker.create_image(Some(options), None, None);
    let mut outcome = Ok(());
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                    outcome = Err(detail);
                    break;
                }
                if let (Some(bar), Some(status)) = (&progress, info.status) {
                    bar.set_message(format!("pulling {reference}: {status}"));
                    bar.tick();
                }
            }
            Err(e) => {
                outcome = Err(engine_message(&e));
                break;
            }
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    outcome
}

/// `name:tag` → (`name`, `tag`); a digest or a registry port is not a tag.
fn split_tag(reference: &str) -> (&str, Option<&str>) {
    if reference.contains('@') {
        return (reference, None);
    }
    match reference.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (reference, None),
    }
}

/// The defaults `docker run` takes from the image.
pub fn defaults(image: &ImageInspect) -> ImageDefaults {
    let config = image.config.clone().unwrap_or_default();
    ImageDefaults {
        entrypoint: config.entrypoint.unwrap_or_default(),
        cmd: config.cmd.unwrap_or_default(),
        env: config.env.unwrap_or_default(),
        user: config.user.unwrap_or_default(),
        working_dir: config.working_dir.unwrap_or_default(),
    }
}

/// `os/arch[/variant]` of the image.
pub fn platform(image: &ImageInspect) -> Option<String> {
    let os = image.os.as_deref()?;
    let arch = image.architecture.as_deref()?;
    Some(match image.variant.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    })
}

/// Whether the image defines a HEALTHCHECK that is not `NONE`.
pub fn has_healthcheck(image: &ImageInspect) -> bool {
    image
        .config
        .as_ref()
        .and_then(|c| c.healthcheck.as_ref())
        .and_then(|h| h.test.as_ref())
        .is_some_and(|t| t.first().is_some_and(|k| k != "NONE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(split_tag("busybox"), ("busybox", None));
        assert_eq!(split_tag("busybox:1.36"), ("busybox", Some("1.36")));
        assert_eq!(split_tag("reg:5000/app"), ("reg:5000/app", None));
        assert_eq!(split_tag("reg:5000/app:v1"), ("reg:5000/app", Some("v1")));
        assert_eq!(split_tag("a@sha256:abc"), ("a@sha256:abc", None));
    }
}
