//! Reaching the Docker engine the way the docker CLI does: `DOCKER_HOST` (`unix://` or `tcp://`),
//! else the default socket; then agreeing on an API version. Every failure is one sentence that
//! names the address, because "no engine" is the commonest first-run problem.

use std::time::Duration;

use anyhow::{anyhow, Result};
use bollard::Docker;

/// The socket the docker CLI uses when `DOCKER_HOST` is unset.
const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Seconds a request may take before we give up (pulls and builds stream, so this is per chunk).
const REQUEST_TIMEOUT_SECS: u64 = 600;

/// Connects and negotiates the API version (the engine may be older than bollard).
pub async fn connect() -> Result<Docker> {
    let host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| DEFAULT_HOST.to_string());
    let docker = match Docker::connect_with_host(&host) {
        Ok(d) => d.with_timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS)),
        Err(bollard::errors::Error::SocketNotFoundError(_)) => {
            return Err(anyhow!(
            "no Docker engine answers at {host}: the socket does not exist (is dockerd running?)"
        ))
        }
        Err(e) => return Err(anyhow!("cannot use DOCKER_HOST {host}: {e}")),
    };
    let negotiated =
        tokio::time::timeout(Duration::from_secs(10), docker.negotiate_version()).await;
    match negotiated {
        Ok(Ok(docker)) => Ok(docker),
        Ok(Err(e)) => Err(anyhow!(no_engine(&host, &e))),
        Err(_) => Err(anyhow!(
            "the Docker engine at {host} did not answer within 10s"
        )),
    }
}

/// The one line to say when the engine cannot be reached.
fn no_engine(host: &str, err: &bollard::errors::Error) -> String {
    let text = format!("{err}");
    let lower = format!("{err:?}").to_lowercase() + &text.to_lowercase();
    if lower.contains("permission denied") {
        let path = host.trim_start_matches("unix://");
        format!(
            "permission denied on the Docker socket {path} (add your user to the docker group, or run as root)"
        )
    } else if host.starts_with("unix://") {
        format!("no Docker engine answers at {host} (is dockerd running?)")
    } else if lower.contains("connection refused") || lower.contains("connect") {
        format!("no Docker engine answers at {host} (is dockerd running and listening there?)")
    } else {
        format!(
            "no Docker engine answers at {host}: {}",
            super::engine_message(err)
        )
    }
}
