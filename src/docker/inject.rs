//! Putting our runner into a created container without any host bind mount, so that it works
//! against a remote engine and with `--read-only`: the container gets an anonymous volume at
//! [`DIR`], and we upload a tar holding our own (static) executable and an `out/` directory that
//! any user may write, through the archive API, before the container starts.

use anyhow::{Context, Result};
use bollard::body_full;
use bollard::models::{Mount, MountType, MountVolumeOptions};
use bollard::query_parameters::UploadToContainerOptions;
use bollard::Docker;

/// The one path of ours the program can see.
pub const DIR: &str = "/.docker-diagnose";
/// The runner inside the container.
pub const RUNNER: &str = "/.docker-diagnose/docker-diagnose";
/// Where the runner writes its trace.
pub const OUT: &str = "/.docker-diagnose/out";
/// The trace file, relative to [`DIR`].
pub const EVENTS: &str = "out/events.jsonl";

/// The container's entrypoint: the runner, which then runs the real argv given as `Cmd`.
pub fn entrypoint() -> Vec<String> {
    [RUNNER, crate::runner::RUNNER_MODE, "--out", OUT, "--"]
        .map(str::to_string)
        .to_vec()
}

/// The anonymous volume the runner lives in; it goes with the container (`remove -v`). It
/// carries our labels so that a leftover could be found.
pub fn mount(labels: &[(String, String)]) -> Mount {
    Mount {
        target: Some(DIR.to_string()),
        typ: Some(MountType::VOLUME),
        volume_options: Some(MountVolumeOptions {
            labels: Some(labels.iter().cloned().collect()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The tar to upload: `docker-diagnose` (0755) and `out/` (1777).
pub fn payload() -> Result<Vec<u8>> {
    let exe = std::fs::read("/proc/self/exe").context("cannot read our own executable")?;
    let mut tar = tar::Builder::new(Vec::with_capacity(exe.len() + 4096));
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o1777);
    dir.set_size(0);
    tar.append_data(&mut dir, "out/", std::io::empty())?;
    let mut file = tar::Header::new_gnu();
    file.set_entry_type(tar::EntryType::Regular);
    file.set_mode(0o755);
    file.set_size(exe.len() as u64);
    tar.append_data(&mut file, "docker-diagnose", exe.as_slice())?;
    Ok(tar.into_inner()?)
}

/// Uploads the runner into the created (not yet started) container.
pub async fn upload(docker: &Docker, container: &str, payload: Vec<u8>) -> Result<()> {
    let options = UploadToContainerOptions {
        path: DIR.to_string(),
        ..Default::default()
    };
    docker
        .upload_to_container(container, Some(options), body_full(payload.into()))
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot copy the runner into the container: {}",
                super::engine_message(&e)
            )
        })
}
