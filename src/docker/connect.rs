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
        .or_else(context_host)
        .unwrap_or_else(|| DEFAULT_HOST.to_string());
    let tls = std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty());
    if tls || host.starts_with("https://") {
        return Err(anyhow!(
            "the Docker engine at {host} wants TLS, which this build of docker-diagnose does not speak (use a unix socket or an ssh tunnel)"
        ));
    }
    let docker = match Docker::connect_with_host(&host) {
        Ok(d) => d.with_timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS)),
        Err(bollard::errors::Error::SocketNotFoundError(_)) => {
            return Err(anyhow!(
            "no Docker engine answers at {host}: the socket does not exist (is dockerd running?)"
        ))
        }
        Err(e) => return Err(anyhow!("cannot use DOCKER_HOST {host}: {e}")),
    };
    // The version check and the negotiation are both a `GET /version`: sent at once.
    let answers = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::future::join(docker.clone().negotiate_version(), docker.version()),
    )
    .await;
    match answers.map(|(negotiated, version)| negotiated.map(|d| (d, version))) {
        Ok(Ok((docker, version))) => {
            same_architecture(version.ok().and_then(|v| v.arch), &host)?;
            Ok(docker)
        }
        Ok(Err(e)) => Err(anyhow!(no_engine(&host, &e))),
        Err(_) => Err(anyhow!(
            "the Docker engine at {host} did not answer within 10s"
        )),
    }
}

/// The engine address of the docker CLI's current context (`DOCKER_CONTEXT`, else
/// `currentContext` in `config.json`), when it is not the default one.
fn context_host() -> Option<String> {
    let config_dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))?;
    let name = std::env::var("DOCKER_CONTEXT").ok().or_else(|| {
        let config = std::fs::read(config_dir.join("config.json")).ok()?;
        let config: serde_json::Value = serde_json::from_slice(&config).ok()?;
        config["currentContext"].as_str().map(str::to_string)
    })?;
    if name.is_empty() || name == "default" {
        return None;
    }
    // Each context is a directory named by a hash of its name; its meta.json holds the name.
    let contexts = std::fs::read_dir(config_dir.join("contexts").join("meta")).ok()?;
    contexts.flatten().find_map(|dir| {
        let meta = std::fs::read(dir.path().join("meta.json")).ok()?;
        let meta: serde_json::Value = serde_json::from_slice(&meta).ok()?;
        (meta["Name"].as_str() == Some(name.as_str()))
            .then(|| {
                meta["Endpoints"]["docker"]["Host"]
                    .as_str()
                    .map(str::to_string)
            })
            .flatten()
    })
}

/// Our runner is this very binary, so it only runs on an engine of our architecture.
fn same_architecture(engine: Option<String>, host: &str) -> Result<()> {
    let ours = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    match engine {
        Some(arch) if arch != ours => Err(anyhow!(
            "the Docker engine at {host} runs {arch} containers, and this docker-diagnose is built for {ours}: use a {arch} build of it"
        )),
        _ => Ok(()),
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
