//! Putting our runner into a created container without any host bind mount, so that it works
//! against a remote engine and with `--read-only`: the container gets an anonymous volume at
//! [`DIR`], and we upload a tar holding our own (static) executable and an `out/` directory that
//! any user may write, through the archive API, before the container starts.

use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};
use bollard::body_full;
use bollard::models::{Mount, MountType, MountVolumeOptions};
use bollard::query_parameters::UploadToContainerOptions;
use bollard::Docker;
use futures_util::future::{BoxFuture, FutureExt, Shared};

/// The one path of ours the program can see.
pub const DIR: &str = "/.docker-diagnose";
/// The runner inside the container.
pub const RUNNER: &str = "/.docker-diagnose/docker-diagnose";
/// Where the runner writes its trace.
pub const OUT: &str = "/.docker-diagnose/out";
/// The trace file, relative to [`DIR`].
pub const EVENTS: &str = "out/events.jsonl";

/// The container's entrypoint: the runner, which then runs the real argv given as `Cmd`;
/// `full` stops on every system call.
pub fn entrypoint(full: bool) -> Vec<String> {
    let mut argv = vec![RUNNER, crate::runner::RUNNER_MODE, "--out", OUT];
    if full {
        argv.push("--full");
    }
    argv.push("--");
    argv.into_iter().map(str::to_string).collect()
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

/// The tar to upload, prepared once per invocation on a blocking thread while the engine is
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
        let tar = payload();
        super::timings::record("runner-tar", started.elapsed());
        tar
    });
    async {
        match task.await {
            Ok(Ok(tar)) => Ok(Arc::new(tar)),
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(e) => Err(format!("preparing the runner failed: {e}")),
        }
    }
    .boxed()
    .shared()
}

/// The tar to upload: `docker-diagnose` (0755) and `out/` (1777).
fn payload() -> Result<Vec<u8>> {
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
pub async fn upload(docker: &Docker, container: &str, payload: &Payload) -> Result<()> {
    let payload = payload.clone().await.map_err(anyhow::Error::msg)?;
    let options = UploadToContainerOptions {
        path: DIR.to_string(),
        ..Default::default()
    };
    docker
        .upload_to_container(
            container,
            Some(options),
            body_full(payload.as_ref().clone().into()),
        )
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot copy the runner into the container: {}",
                super::engine_message(&e)
            )
        })
}
