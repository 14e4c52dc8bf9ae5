//! Putting our runner into a created container without any host bind mount, so that it works
//! against a remote engine and with `--read-only`: the container gets an anonymous volume at
//! [`DIR`], and before the container starts we put in it our own (static) executable and an
//! `out/` directory that any user may write: directly when the volume is reachable on this host
//! ([`Volume`]), else as a tar through the archive API.

use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};
use bollard::body_full;
use bollard::models::{Mount, MountType, MountVolumeOptions};
use bollard::query_parameters::UploadToContainerOptions;
use bollard::Docker;
use futures_util::future::{BoxFuture, FutureExt, Shared};

use super::volume::Volume;

/// The one path of ours the program can see.
pub const DIR: &str = "/.docker-diagnose";
/// The runner inside the container.
pub const RUNNER: &str = "/.docker-diagnose/docker-diagnose";
/// Where the runner writes its trace.
pub const OUT: &str = "/.docker-diagnose/out";
/// The trace file, relative to [`DIR`].
pub const EVENTS: &str = "out/events.jsonl";

/// The container's entrypoint: the runner, which then runs the real argv given as `Cmd`;
/// `full` stops on every system call; `extra` are more runner arguments (`tracer_caps`).
pub fn entrypoint(full: bool, extra: &[String]) -> Vec<String> {
    let mut argv: Vec<String> = [RUNNER, crate::runner::RUNNER_MODE, "--out", OUT]
        .map(str::to_string)
        .into();
    if full {
        argv.push("--full".into());
    }
    argv.extend_from_slice(extra);
    argv.push("--".into());
    argv
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

/// Our executable's bytes, read once per invocation on a blocking thread while the engine is
/// connected to and the first container created; every run awaits the same result.
pub type Payload = Shared<BoxFuture<'static, Result<Arc<Vec<u8>>, String>>>;

/// Starts preparing the [`Payload`] on the first call (within the tokio runtime), and returns it.
pub fn prepare() -> Payload {
    static PAYLOAD: OnceLock<Payload> = OnceLock::new();
    PAYLOAD.get_or_init(start_preparing).clone()
}

fn start_preparing() -> Payload {
    // Spawned now, not when first awaited: the work overlaps the engine requests.
    let task = tokio::task::spawn_blocking(|| {
        let started = std::time::Instant::now();
        let exe = std::fs::read("/proc/self/exe").context("cannot read our own executable");
        super::timings::record("runner-tar", started.elapsed());
        exe
    });
    async {
        match task.await {
            Ok(Ok(exe)) => Ok(Arc::new(exe)),
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(e) => Err(format!("preparing the runner failed: {e}")),
        }
    }
    .boxed()
    .shared()
}

/// The tar to upload: `docker-diagnose` (0755) and `out/` (1777).
fn tar(exe: &[u8]) -> Result<Vec<u8>> {
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
    tar.append_data(&mut file, "docker-diagnose", exe)?;
    Ok(tar.into_inner()?)
}

/// Puts the runner into the created (not yet started) container: straight into its volume when
/// that is reachable here (see [`Volume`], returned for collecting the trace the same way), else
/// through the archive API.
pub async fn put(docker: &Docker, container: &str, payload: &Payload) -> Result<Option<Volume>> {
    let (exe, volume) = tokio::join!(payload.clone(), Volume::open(docker, container));
    let exe = exe.map_err(anyhow::Error::msg)?;
    // A name already taken (the image has files there) falls back too: the engine's untar decides.
    if let Some(volume) = volume.filter(|v| v.fill(&exe).is_ok()) {
        return Ok(Some(volume));
    }
    upload(docker, container, &exe).await?;
    Ok(None)
}

/// Uploads the runner through the archive API.
async fn upload(docker: &Docker, container: &str, exe: &[u8]) -> Result<()> {
    let payload = tar(exe)?;
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
