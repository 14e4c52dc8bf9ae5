//! Leaving nothing behind: every container, volume and image a run creates is registered here as
//! soon as it exists, and [`Cleanup::finish`] removes them on every way out (success, failure,
//! timeout, engine error, Ctrl-C) — or, with `--keep`, says on stderr what was kept.
//!
//! Every container we create also carries a label unique to this invocation, so one whose create
//! request was in flight when we were interrupted is still found and removed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::query_parameters::{
    ListContainersOptions, RemoveContainerOptions, RemoveImageOptions, RemoveVolumeOptions,
};
use bollard::Docker;

use super::{LABEL, RUN_LABEL};

#[derive(Debug, Default)]
struct Resources {
    containers: Vec<String>,
    volumes: Vec<String>,
    images: Vec<String>,
    /// Containers already reported kept (a later `finish` lists them again by label).
    kept: Vec<String>,
}

/// Sets the invocation's id (the value of the [`RUN_LABEL`] label), so that a test or a CI job
/// can look for leftovers of exactly its own run.
pub const RUN_ID_ENV: &str = "DOCKER_DIAGNOSE_RUN_ID";

/// Keeps what is valid in an image tag (the id also names built images).
fn sanitize(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(100)
        .collect()
}

/// What this invocation created, to be removed at the end.
pub struct Cleanup {
    docker: Docker,
    run_id: String,
    keep: bool,
    created: Mutex<Resources>,
    /// Create requests still on their way; [`Cleanup::finish`] waits for them.
    in_flight: Arc<AtomicUsize>,
}

/// Held while a create request is in flight.
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Cleanup {
    pub fn new(docker: Docker, keep: bool) -> Cleanup {
        let run_id = std::env::var(RUN_ID_ENV)
            .ok()
            .map(|id| sanitize(&id))
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| {
                // The pid and the clock's low bits: unique among the runs of one host.
                format!(
                    "{}-{:x}",
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos() as u32)
                )
            });
        Cleanup {
            docker,
            run_id,
            keep,
            created: Mutex::new(Resources::default()),
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The labels every container of this invocation carries.
    pub fn labels(&self) -> [(String, String); 2] {
        [
            (LABEL.to_string(), "1".to_string()),
            (RUN_LABEL.to_string(), self.run_id.clone()),
        ]
    }

    /// Unique to this invocation; also names the images we build.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    pub fn keep(&self) -> bool {
        self.keep
    }

    /// Marks a create request in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(&self.in_flight))
    }

    pub fn container(&self, id: &str) {
        self.lock().containers.push(id.to_string());
    }

    pub fn volume(&self, name: &str) {
        self.lock().volumes.push(name.to_string());
    }

    pub fn image(&self, id: &str) {
        self.lock().images.push(id.to_string());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Resources> {
        self.created.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes everything registered (containers with their anonymous volumes, then the named
    /// volumes the engine created for us, then built images), or says on stderr what it kept
    /// with `--keep`. Returns what could not be removed, each with the command that would.
    pub async fn finish(&self) -> Vec<String> {
        let patience = std::time::Instant::now() + Duration::from_secs(60);
        while self.in_flight.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < patience {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let known = std::mem::take(&mut self.lock().containers);
        if self.keep {
            let mut containers = known;
            containers.extend(self.labelled().await);
            containers.sort();
            containers.dedup();
            return self.report_kept(containers);
        }
        // The containers we know of go while the engine is asked for any we never heard back
        // about (a create cut short); those go after.
        let (mut left, listed) = tokio::join!(self.remove_containers(&known), self.labelled());
        let unknown: Vec<String> = listed
            .into_iter()
            .filter(|id| !known.contains(id))
            .collect();
        left.extend(self.remove_containers(&unknown).await);
        let (volumes, images) = self.take_volumes_and_images();
        for name in &volumes {
            let options = None::<RemoveVolumeOptions>;
            // A volume still in use elsewhere is not ours alone: the engine refuses, rightly.
            let _ = removed(self.docker.remove_volume(name, options)).await;
        }
        for image in &images {
            let options = RemoveImageOptions {
                force: true,
                ..Default::default()
            };
            if !removed(self.docker.remove_image(image, Some(options), None)).await {
                left.push(format!("image {image} (docker rmi {image})"));
            }
        }
        left
    }

    fn take_volumes_and_images(&self) -> (Vec<String>, Vec<String>) {
        let mut created = self.lock();
        (
            std::mem::take(&mut created.volumes),
            std::mem::take(&mut created.images),
        )
    }

    /// `--keep`: says on stderr what is left, once per container.
    fn report_kept(&self, mut containers: Vec<String>) -> Vec<String> {
        let (volumes, images) = self.take_volumes_and_images();
        let mut created = self.lock();
        containers.retain(|id| !created.kept.contains(id));
        created.kept.extend(containers.iter().cloned());
        for id in containers.iter().map(|id| short(id)) {
            eprintln!("docker-diagnose: kept container {id} (remove it with: docker rm -fv {id})");
        }
        for name in &volumes {
            eprintln!("docker-diagnose: kept volume {name}");
        }
        for image in &images {
            eprintln!("docker-diagnose: kept image {image}");
        }
        Vec::new()
    }

    /// Force-removes containers with their volumes, all at once; returns what is left.
    async fn remove_containers(&self, ids: &[String]) -> Vec<String> {
        let removals = ids.iter().map(|id| async move {
            let options = RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            };
            let gone = removed(self.docker.remove_container(id, Some(options))).await;
            (!gone).then(|| {
                let id = short(id);
                format!("container {id} (docker rm -fv {id})")
            })
        });
        futures_util::future::join_all(removals)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Containers that carry this invocation's label (also those we never heard back about).
    async fn labelled(&self) -> Vec<String> {
        let filter = format!("{RUN_LABEL}={}", self.run_id);
        let options = ListContainersOptions {
            all: true,
            filters: Some([("label".to_string(), vec![filter])].into_iter().collect()),
            ..Default::default()
        };
        let list = self.docker.list_containers(Some(options));
        match tokio::time::timeout(REMOVE_PATIENCE, list).await {
            Ok(Ok(list)) => list.into_iter().filter_map(|c| c.id).collect(),
            _ => Vec::new(),
        }
    }
}

/// Whether a removal succeeded (or there was nothing to remove), within a bounded time.
async fn removed<T>(
    request: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> bool {
    match tokio::time::timeout(REMOVE_PATIENCE, request).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => super::is_not_found(&e),
        Err(_) => false,
    }
}

/// How long one removal may take before we give up on it and say so.
const REMOVE_PATIENCE: Duration = Duration::from_secs(30);

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
