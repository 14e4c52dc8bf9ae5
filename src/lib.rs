//! docker-diagnose tells, in plain language, why a container exits at start-up.
//!
//! The data flows through the modules in this order:
//! [`cli`] → [`docker`] (launch, inject, collect, clean up) → [`runner`] (inside the container)
//! → [`trace`] (the event model, the strace-log reader) → [`rules`] (the engine) → [`report`].

pub mod cli;
pub mod docker;
pub mod report;
pub mod rules;
pub mod runner;
pub mod trace;
