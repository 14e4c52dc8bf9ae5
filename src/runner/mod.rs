//! The runner: runs a container's real entrypoint under ptrace and records what the kernel refused.

/// The hidden first argument that selects runner mode.
pub const RUNNER_MODE: &str = "__run";

/// Runner mode's entry point; returns the exit status to give.
pub fn main(_args: &[std::ffi::OsString]) -> u8 {
    eprintln!("docker-diagnose: the runner is not built yet");
    2
}
