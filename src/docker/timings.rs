//! Where a Docker run's time goes, for the benchmark (`scripts/bench`, section 3): with
//! `DOCKER_DIAGNOSE_TIMINGS=1`, each step prints `docker-diagnose: timing STEP MILLISECONDS` on
//! stderr as it ends (connect, inspect, create, transfer, start, wait, stop, collect, remove,
//! analysis). Steps that overlap (the runner's tar is built while the image is inspected, the
//! container is removed while the report is analysed) are each timed from their own start.

use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The environment variable that turns the timing lines on.
pub const ENV: &str = "DOCKER_DIAGNOSE_TIMINGS";

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var(ENV).is_ok_and(|v| !v.is_empty() && v != "0"))
}

/// Prints one step's time, when timings are on.
pub fn record(step: &str, took: Duration) {
    if enabled() {
        eprintln!(
            "docker-diagnose: timing {step} {:.1}",
            took.as_secs_f64() * 1000.0
        );
    }
}

/// Awaits `work`, timing it as `step`.
pub async fn timed<T>(step: &str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let result = work.await;
    record(step, started.elapsed());
    result
}
