//! The rule files compiled into the binary. Every file in `rules/` must be listed here (a test
//! checks it).

pub const FILES: &[(&str, &str)] = &[
    ("noise.toml", include_str!("../../rules/noise.toml")),
    ("exec.toml", include_str!("../../rules/exec.toml")),
    ("library.toml", include_str!("../../rules/library.toml")),
    ("files.toml", include_str!("../../rules/files.toml")),
    ("network.toml", include_str!("../../rules/network.toml")),
    ("process.toml", include_str!("../../rules/process.toml")),
    ("privilege.toml", include_str!("../../rules/privilege.toml")),
    ("outcome.toml", include_str!("../../rules/outcome.toml")),
];
