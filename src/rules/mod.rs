//! The rule engine: matches the trace against the rules in `rules/` and ranks the findings.

pub mod observation;

pub use observation::Observation;
