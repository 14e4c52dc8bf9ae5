//! `--build DIR` (and `demo`): send a Dockerfile context to the engine's builder, with progress
//! on a terminal, and tag the result with a name of ours so that it is removed afterwards
//! (unless `--keep`).
//!
//! `.dockerignore` is honoured the simple way Docker documents it: each line is a pattern
//! (`*`, `?`, `**`), matching a path or any directory above it; `!` re-includes; the last line
//! that matches wins. `Dockerfile` and `.dockerignore` are always sent.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use bollard::body_full;
use bollard::query_parameters::BuildImageOptions;
use bollard::Docker;
use futures_util::StreamExt;
use regex::Regex;

use super::cleanup::Cleanup;
use super::engine_message;

/// Builds the context in `dir`; returns the tag of the image, registered for removal.
pub async fn build(docker: &Docker, dir: &Path, cleanup: &Arc<Cleanup>) -> Result<String> {
    let dockerfile = dir.join("Dockerfile");
    if !dockerfile.is_file() {
        bail!("--build {}: no Dockerfile in that directory", dir.display());
    }
    let ignore = std::fs::read_to_string(dir.join(".dockerignore")).unwrap_or_default();
    let context = context_tar(dir, &Ignore::parse(&ignore)?)
        .with_context(|| format!("cannot read the build context {}", dir.display()))?;
    build_tar(docker, "docker-diagnose-build", context, cleanup).await
}

/// Builds a context already in tar form, tagged `REPOSITORY:<run id>`.
pub async fn build_tar(
    docker: &Docker,
    repository: &str,
    context: Vec<u8>,
    cleanup: &Arc<Cleanup>,
) -> Result<String> {
    let tag = format!("{repository}:{}", cleanup.run_id());
    let options = BuildImageOptions {
        t: Some(tag.clone()),
        rm: true,
        forcerm: true,
        labels: Some(
            [(super::LABEL.to_string(), "1".to_string())]
                .into_iter()
                .collect(),
        ),
        ..Default::default()
    };
    let progress = std::io::stderr()
        .is_terminal()
        .then(|| indicatif::ProgressBar::new_spinner().with_message("building"));
    // Registered before the request: a build interrupted half-way is cancelled by the engine,
    // one that completed is removed by its tag.
    cleanup.image(&tag);
    let mut stream = docker.build_image(options, None, Some(body_full(context.into())));
    let mut failure = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(message) = info.error_detail.and_then(|d| d.message) {
                    failure = Some(message);
                    break;
                }
                if let (Some(bar), Some(line)) = (&progress, info.stream) {
                    let line = line.trim();
                    if !line.is_empty() {
                        bar.set_message(line.to_string());
                        bar.tick();
                    }
                }
            }
            Err(e) => {
                failure = Some(engine_message(&e));
                break;
            }
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    match failure {
        Some(message) => Err(anyhow!("the image build failed: {}", message.trim())),
        None => Ok(tag),
    }
}

/// The context directory as an uncompressed tar, minus what `.dockerignore` excludes.
fn context_tar(dir: &Path, ignore: &Ignore) -> Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let mut entries = std::fs::read_dir(&current)
            .with_context(|| format!("cannot list {}", current.display()))?
            .collect::<std::io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let relative = path.strip_prefix(dir).expect("walked from dir");
            let name = relative.to_string_lossy().replace('\\', "/");
            let always = name == "Dockerfile" || name == ".dockerignore";
            if !always && ignore.excludes(&name) {
                continue;
            }
            tar.append_path_with_name(&path, relative)
                .with_context(|| format!("cannot add {} to the context", path.display()))?;
            if entry.file_type()?.is_dir() {
                stack.push(path);
            }
        }
    }
    Ok(tar.into_inner()?)
}

/// The patterns of a `.dockerignore`.
#[derive(Debug, Default)]
pub struct Ignore {
    /// (pattern, re-include?) in file order.
    rules: Vec<(Regex, bool)>,
}

impl Ignore {
    pub fn parse(text: &str) -> Result<Ignore> {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (pattern, include) = match line.strip_prefix('!') {
                Some(p) => (p.trim(), true),
                None => (line, false),
            };
            let pattern = pattern.trim_start_matches("./").trim_start_matches('/');
            let pattern = pattern.trim_end_matches('/');
            if pattern.is_empty() {
                continue;
            }
            rules.push((glob_regex(pattern)?, include));
        }
        Ok(Ignore { rules })
    }

    /// Whether `path` (relative, `/`-separated) is left out of the context.
    pub fn excludes(&self, path: &str) -> bool {
        let mut excluded = false;
        for (regex, include) in &self.rules {
            if regex.is_match(path) {
                excluded = !include;
            }
        }
        excluded
    }
}

/// A `.dockerignore` pattern as a regex that also matches everything below a matching directory.
fn glob_regex(pattern: &str) -> Result<Regex> {
    let mut out = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                    out.push_str("(.*/)?");
                } else {
                    out.push_str(".*");
                }
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push_str("(/.*)?$");
    Regex::new(&out).with_context(|| format!("bad .dockerignore pattern {pattern:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_patterns() {
        let i = Ignore::parse("# c\nnode_modules\n*.log\n!keep.log\n**/tmp\n/build/\n").unwrap();
        assert!(i.excludes("node_modules"));
        assert!(i.excludes("node_modules/x/y.js"));
        assert!(i.excludes("a.log"));
        assert!(!i.excludes("keep.log"));
        assert!(!i.excludes("sub/a.log"));
        assert!(i.excludes("a/b/tmp/c"));
        assert!(i.excludes("build/out"));
        assert!(!i.excludes("src/main.rs"));
    }

    #[test]
    fn context_honours_dockerignore() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(dir.path().join("secret.env"), "x").unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/run"), "x").unwrap();
        let ignore = Ignore::parse("*.env\nDockerfile\n").unwrap();
        let tar = context_tar(dir.path(), &ignore).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(names.contains(&"Dockerfile".to_string()));
        assert!(names.contains(&"app/run".to_string()));
        assert!(!names.iter().any(|n| n.contains("secret")));
    }
}
