//! What the container will run, computed exactly as `docker run` and the engine compute it: the
//! argv (entrypoint then command), the environment, the user and the working directory.
//!
//! We must compute it ourselves because the container is created with our runner as its
//! entrypoint; the real argv is handed to the runner as the container's `Cmd`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};

/// The image's defaults, as `docker image inspect` gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageDefaults {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub user: String,
    pub working_dir: String,
}

/// The user's overrides from the `docker run` line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--entrypoint`: `Some("")` resets the entrypoint to nothing.
    pub entrypoint: Option<String>,
    /// The arguments after IMAGE.
    pub args: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
}

/// The process the container runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Command {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
}

impl Command {
    /// Entrypoint then command: the argv of the container's first process.
    pub fn argv(&self) -> Vec<String> {
        self.entrypoint.iter().chain(&self.cmd).cloned().collect()
    }
}

/// Docker's rule: `--entrypoint` replaces the image's ENTRYPOINT and drops its CMD; arguments after
/// IMAGE replace CMD. Exec and shell form need no care here: the builder already stored a shell
/// form instruction as `["/bin/sh", "-c", "..."]`.
pub fn resolve(image: &ImageDefaults, user: &Overrides) -> Command {
    let (entrypoint, image_cmd) = match &user.entrypoint {
        Some(e) if e.is_empty() => (Vec::new(), Vec::new()),
        Some(e) => (vec![e.clone()], Vec::new()),
        None => (image.entrypoint.clone(), image.cmd.clone()),
    };
    let cmd = if user.args.is_empty() {
        image_cmd
    } else {
        user.args.clone()
    };
    Command { entrypoint, cmd }
}

/// The user the process runs as: `-u`, else the image's USER (empty means root).
pub fn user(image: &ImageDefaults, user: &Overrides) -> Option<String> {
    user.user
        .clone()
        .or_else(|| Some(image.user.clone()))
        .filter(|u| !u.is_empty())
}

/// The working directory: `-w`, else the image's WORKDIR (empty means `/`).
pub fn working_dir(image: &ImageDefaults, user: &Overrides) -> Option<String> {
    user.workdir
        .clone()
        .or_else(|| Some(image.working_dir.clone()))
        .filter(|w| !w.is_empty())
}

/// The `-e` and `--env-file` entries as the docker CLI sends them: the files first, then each
/// `-e`, and a bare `NAME` takes its value from this environment (dropped when unset here).
pub fn user_env(
    env: &[String],
    env_files: &[impl AsRef<Path>],
    host: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for file in env_files {
        let file = file.as_ref();
        let text = std::fs::read(file)
            .with_context(|| format!("cannot read --env-file {}", file.display()))?;
        let text = String::from_utf8(text)
            .with_context(|| format!("--env-file {} is not UTF-8 text", file.display()))?;
        for line in text.lines() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            out.extend(one_env(line, host));
        }
    }
    for entry in env {
        out.extend(one_env(entry, host));
    }
    Ok(out)
}

fn one_env(entry: &str, host: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if entry.contains('=') {
        Some(entry.to_string())
    } else {
        host(entry).map(|value| format!("{entry}={value}"))
    }
}

/// The environment the process starts with: the image's, then the user's entries by name.
pub fn merged_env(image_env: &[String], user_env: &[String]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    let mut values: HashMap<String, String> = HashMap::new();
    for entry in image_env.iter().chain(user_env) {
        let name = entry.split('=').next().unwrap_or(entry).to_string();
        if !values.contains_key(&name) {
            order.push(name.clone());
        }
        values.insert(name, entry.clone());
    }
    order
        .into_iter()
        .filter_map(|n| values.remove(&n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> ImageDefaults {
        ImageDefaults {
            entrypoint: vec!["/bin/echo".into(), "ep".into()],
            cmd: vec!["c1".into(), "c2".into()],
            ..Default::default()
        }
    }

    fn over(entrypoint: Option<&str>, args: &[&str]) -> Overrides {
        Overrides {
            entrypoint: entrypoint.map(str::to_string),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn image_entrypoint_and_cmd() {
        assert_eq!(
            resolve(&image(), &over(None, &[])).argv(),
            ["/bin/echo", "ep", "c1", "c2"]
        );
    }

    #[test]
    fn args_replace_cmd_only() {
        assert_eq!(
            resolve(&image(), &over(None, &["x"])).argv(),
            ["/bin/echo", "ep", "x"]
        );
    }

    #[test]
    fn entrypoint_flag_clears_cmd() {
        assert_eq!(
            resolve(&image(), &over(Some("/bin/ls"), &[])).argv(),
            ["/bin/ls"]
        );
        assert_eq!(
            resolve(&image(), &over(Some("/bin/ls"), &["-l"])).argv(),
            ["/bin/ls", "-l"]
        );
    }

    #[test]
    fn empty_entrypoint_resets_it() {
        assert!(resolve(&image(), &over(Some(""), &[])).argv().is_empty());
        assert_eq!(
            resolve(&image(), &over(Some(""), &["a", "b"])).argv(),
            ["a", "b"]
        );
    }

    #[test]
    fn env_from_host_files_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("env");
        std::fs::write(&file, "# comment\n\nA=1\n  B\nMISSING\n").unwrap();
        let host = |n: &str| (n == "B").then(|| "from-host".to_string());
        let env = user_env(&["C=3".into(), "B".into()], &[&file], &host).unwrap();
        assert_eq!(env, ["A=1", "B=from-host", "C=3", "B=from-host"]);
    }

    #[test]
    fn user_env_overrides_image_env_in_place() {
        let merged = merged_env(
            &["PATH=/bin".into(), "A=1".into()],
            &["A=2".into(), "B=3".into()],
        );
        assert_eq!(merged, ["PATH=/bin", "A=2", "B=3"]);
    }

    #[test]
    fn user_and_workdir_fall_back_to_the_image() {
        let img = ImageDefaults {
            user: "app".into(),
            ..Default::default()
        };
        assert_eq!(user(&img, &Overrides::default()).as_deref(), Some("app"));
        let o = Overrides {
            user: Some("1000".into()),
            ..Default::default()
        };
        assert_eq!(user(&img, &o).as_deref(), Some("1000"));
        assert_eq!(working_dir(&img, &Overrides::default()), None);
    }
}
