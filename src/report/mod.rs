//! Reports: the v1 model and its renderings (human, JSON, Markdown, JUnit).

pub mod model;

pub use model::*;
