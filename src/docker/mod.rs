//! The Docker side: connect, launch the image with the runner injected, collect, clean up.
//!
//! The order of a run: [`connect`] → [`image`] (inspect or pull) → [`spec`] (the user's
//! `docker run` line as a [`launch::RunSpec`]; or [`from_container`], or [`build`] first) →
//! [`run`] ([`launch`] with [`inject`], [`wait`], [`collect`]) → [`cleanup`].

pub mod build;
pub mod cleanup;
pub mod collect;
pub mod command;
pub mod connect;
pub mod demo;
pub mod flags;
pub mod from_container;
pub mod image;
pub mod inject;
pub mod launch;
pub mod mounts;
pub mod run;
pub mod session;
pub mod spec;
pub mod timings;
pub mod tracer_caps;
pub mod volume;
pub mod wait;

/// The label on everything we create, so that it can be found (`docker ps -a --filter label=...`).
pub const LABEL: &str = "io.docker-diagnose";
/// The label naming one invocation, so an interrupted run finds its own containers.
pub const RUN_LABEL: &str = "io.docker-diagnose.run";

/// The engine's own message for an error, on one line.
pub fn engine_message(err: &bollard::errors::Error) -> String {
    use bollard::errors::Error;
    let text = match err {
        Error::DockerResponseServerError { message, .. } => message.clone(),
        Error::DockerStreamError { error } => error.clone(),
        Error::HyperLegacyError { .. }
        | Error::IOError { .. }
        | Error::HyperResponseError { .. } => {
            format!("the Docker engine stopped answering ({err})")
        }
        Error::RequestTimeoutError => "the Docker engine did not answer in time".to_string(),
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the engine answered 404 (no such image, container or path).
pub fn is_not_found(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
